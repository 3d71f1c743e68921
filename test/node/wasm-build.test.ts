import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the committed WebAssembly kernels equal a fresh build of wasm/assembly', () => {
  // Compiles both variants in memory and compares them byte for byte with the committed files.
  const out = execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  expect(out).toMatch(/kernels\.wasm: up to date/);
  expect(out).toMatch(/kernels-single\.wasm: up to date/);
}, 120_000);
