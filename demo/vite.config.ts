import { defineConfig, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

const dataDir = fileURLToPath(new URL('../data', import.meta.url));

/**
 * Serve the bundled .gz files as the bytes they are (application/gzip). Vite's static server
 * labels them Content-Encoding: gzip, so browsers decompress them in flight while keeping the
 * compressed Content-Length, and the fetch fails. The loaders decompress gzip themselves.
 */
function rawGzip(): Plugin {
  const handler = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void): void => {
    const url = (req.url ?? '').split('?')[0];
    if (!url.endsWith('.gz')) {
      next();
      return;
    }
    const rel = normalize(decodeURIComponent(url))
      .replace(/^([/\\])+/, '')
      .replace(/^(\.\.[/\\])+/, '');
    const file = join(dataDir, rel);
    if (!file.startsWith(dataDir) || !existsSync(file)) {
      next();
      return;
    }
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Length', String(statSync(file).size));
    createReadStream(file).pipe(res);
  };
  return {
    name: 'emgpu-raw-gzip',
    configureServer(server) {
      server.middlewares.use(handler);
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler);
    },
  };
}

/**
 * Cross-origin isolation, so the 'wasm' CPU backend can share memory with its worker threads
 * (SharedArrayBuffer). Without it the backend runs on one thread and says so. The dev server and
 * `vite preview` send the headers; the build also writes them as `_headers` (the format Netlify
 * and Cloudflare Pages read) for a static host.
 */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function isolationHeadersFile(): Plugin {
  return {
    name: 'emgpu-isolation-headers',
    apply: 'build',
    generateBundle() {
      const lines = Object.entries(isolation).map(([k, v]) => `  ${k}: ${v}`);
      this.emitFile({ type: 'asset', fileName: '_headers', source: `/*\n${lines.join('\n')}\n` });
    },
  };
}

// The demo app: served from demo/, the bundled datasets from data/ (as the site's public files).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: dataDir,
  plugins: [rawGzip(), isolationHeadersFile()],
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] }, headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: { outDir: fileURLToPath(new URL('../dist-demo', import.meta.url)), emptyOutDir: true, target: 'es2022' },
  optimizeDeps: { exclude: ['h5wasm'] },
});
