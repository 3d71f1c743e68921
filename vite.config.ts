/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import { playwright } from '@vitest/browser-playwright';
import { chromiumExecutable, chromiumArgs } from './scripts/chromium.js';

/**
 * The library build imports the Node-only WebGPU provider (src/gpu/node-gpu.ts) as '#node-gpu', a
 * subpath import that package.json maps to dist/node-gpu.js under the `node` condition and to a stub
 * elsewhere, so browser bundlers never follow `import('webgpu')`. Tests and the demo build from source
 * and keep the relative import.
 */
function nodeOnlyGpu(): Plugin {
  return {
    name: 'emgpu-node-only-gpu',
    apply: 'build',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './node-gpu.js' && importer && /[\\/]src[\\/]gpu[\\/]device\.ts$/.test(importer))
        return { id: '#node-gpu', external: true };
      return null;
    },
  };
}

// One config for the library build, the vitest projects and the demo.
// The library is built for browsers and Node alike; the CLI entry uses Node built-ins.
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    // From a clean dist/ each time (stale hashed chunks would otherwise ship); tsc writes dist/types after.
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: {
        emgpu: 'src/index.ts',
        node: 'src/node.ts',
        cli: 'src/cli/main.ts',
        // What package.json's `imports` map resolves '#node-gpu' to: Node's WebGPU provider, and a stub for every other platform.
        'node-gpu': 'src/gpu/node-gpu.ts',
        'no-node-gpu': 'src/gpu/no-node-gpu.ts',
      },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^node:/, 'webgpu', 'h5wasm', /^zarrita/, '#node-gpu'],
    },
  },
  plugins: [nodeOnlyGpu()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        // The WebAssembly backend's browser tests again on a cross-origin isolated page (COOP/COEP),
        // where memory can be shared with workers; the 'gpu' project runs them without isolation.
        extends: true,
        server: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
        test: {
          name: 'browser-isolated',
          include: ['test/gpu/wasm-*.test.ts'],
          provide: { isolatedPage: true },
          testTimeout: 240_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: chromiumExecutable(), args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: chromiumExecutable(), args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
