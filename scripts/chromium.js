// Where the headless browser for GPU tests and benchmarks comes from, and how it is started (shared
// by vite.config.ts, test/ and bench/). Debian's Chromium with --enable-unsafe-webgpu exposes a real
// WebGPU adapter (SwiftShader when no GPU is present). CHROME_PATH overrides the binary.
import { existsSync } from 'node:fs';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function chromiumExecutable() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return fromEnv;
  const found = candidates.find((p) => existsSync(p));
  // Fall back to the Debian path so the error names the package to install.
  return found ?? '/usr/bin/chromium';
}

export const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
