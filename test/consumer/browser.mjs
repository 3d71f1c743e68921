/**
 * Opens a built consumer app in headless Chromium (scripts/chromium.js: WebGPU on SwiftShader) and
 * returns what its page left on window.__emgpu, with the .js files the page loaded. `noGpu` deletes
 * navigator.gpu before the page runs: a browser without WebGPU, where 'auto' must fall back to the CPU.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.css': 'text/css' };

/** A static server over `dir` on a free port. */
export async function serve(dir) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, '');
    let file = join(dir, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    // No keep-alive: a socket Chromium keeps (or preconnects) must not hold close() open.
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', Connection: 'close' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

export async function runPage(browser, url, { noGpu = false } = {}) {
  const page = await browser.newPage();
  const loaded = [];
  const errors = [];
  page.on('response', (r) => {
    if (r.url().endsWith('.js')) loaded.push(new URL(r.url()).pathname);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    if (noGpu) await page.evaluateOnNewDocument(() => delete Object.getPrototypeOf(navigator).gpu);
    await page.goto(url);
    await page.waitForFunction(() => window.__emgpu, { timeout: 120_000, polling: 100 });
    const result = await page.evaluate(() => window.__emgpu);
    return { ...result, loaded, pageErrors: errors };
  } finally {
    await page.close();
  }
}
