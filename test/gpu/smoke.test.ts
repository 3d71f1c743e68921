import { test, expect } from 'vitest';
test('a WebGPU adapter is available', async () => {
  const adapter = await navigator.gpu.requestAdapter();
  expect(adapter).not.toBeNull();
  console.log(JSON.stringify(adapter!.info), adapter!.limits.maxStorageBufferBindingSize);
});
