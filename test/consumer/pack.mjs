/**
 * The package as a user gets it: the repository's shipped sources copied to a scratch folder (so
 * packing never rewrites this checkout's dist/ under tests that read it), `npm pack` there (its
 * `prepack` builds dist/ from nothing), then the tarball unpacked into throwaway apps whose
 * node_modules link the few packages they need from this checkout's node_modules (offline).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** What prepack needs to build the package (sources, build scripts, configs) and what ships beside dist/. */
const BUILD_INPUTS = [
  'package.json',
  'README.md',
  'LICENSE',
  'vite.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
  'shaders',
  'scripts',
  'wasm',
  'bin',
  'data/digits.csv.gz',
  'data/iris.csv.gz',
  'data/SOURCES.md',
];

/** Packs a clean copy of the repository into `dir`; returns the tarball's path, size and file list. */
export function pack(dir) {
  const src = join(dir, 'src-copy');
  for (const p of BUILD_INPUTS) cpSync(join(ROOT, p), join(src, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  const out = join(dir, 'tarball');
  mkdirSync(out);
  // prepack's build output goes to stderr-free pipes; a failing build throws with its output.
  execFileSync('npm', ['pack', '--pack-destination', out, '--loglevel', 'error'], { cwd: src, stdio: 'pipe', timeout: 240_000 });
  const [name] = readdirSync(out).filter((f) => f.endsWith('.tgz'));
  const tarball = join(out, name);
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((f) => f.replace(/^package\//, ''));
  return { tarball, bytes: statSync(tarball).size, files };
}

/**
 * A throwaway app with the tarball installed as node_modules/emgpu and its dependencies (and, with
 * `webgpu`, the optional Dawn package) linked from this checkout, as `npm install <tarball>` would lay them out.
 */
export function makeApp(dir, tarball, { webgpu }) {
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, 'emgpu'), { recursive: true });
  mkdirSync(join(modules, '@types'), { recursive: true });
  mkdirSync(join(modules, '@webgpu'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(modules, 'emgpu'), '--strip-components=1']);
  const links = ['h5wasm', 'zarrita', '@webgpu/types', '@types/node', ...(webgpu ? ['webgpu'] : [])];
  for (const l of links) symlinkSync(join(ROOT, 'node_modules', l), join(modules, l), 'dir');
  return dir;
}
