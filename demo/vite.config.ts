import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The demo app: served from demo/, the bundled datasets from data/ (as the site's public files).
const root = fileURLToPath(new URL('.', import.meta.url));
export default defineConfig({
  root,
  base: './',
  publicDir: fileURLToPath(new URL('../data', import.meta.url)),
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
  worker: { format: 'es' },
  build: { outDir: fileURLToPath(new URL('../dist-demo', import.meta.url)), emptyOutDir: true, target: 'es2022' },
  optimizeDeps: { exclude: ['h5wasm'] },
});
