#!/usr/bin/env node
// node scripts/device-kit.mjs   (writes .devkit/, git-ignored)
//
// What `npm run bench:gpu` needs on a lent GPU machine that has no network, no node_modules and
// perhaps no Node, small enough to travel with the working tree (the device tool carries at most
// 64 MiB in all; see bench/README.md, "On a lent device machine"):
//   .devkit/bench-bundle.mjs     bench/gpu-kit-entry.ts and the library, bundled by Vite (the
//                                `.wgsl?raw` imports inlined); only `webgpu` stays external
//   .devkit/node_modules/webgpu  the package's loader and its linux-x64 Dawn binary (xz), unpacked by run.sh
//   .devkit/kernels*.wasm        the WebAssembly kernels, read beside the bundle
//   .devkit/node.xz              this machine's Node binary (self-contained but for libc/libstdc++)
//   .devkit/data/pbmc68k_reduced the real-data case's counts, labels (the sibling ../shared does not travel)
//   .devkit/REVISION             the commit and whether src/ or shaders/ had changes, for the results
//   .devkit/run.sh               the one command to run there (unpack, Vulkan loader, bench:gpu into $OUT)
// The Vulkan loader comes as a Debian package in .gl/ (fetched below with apt-get download).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kit = join(root, '.devkit');
rmSync(kit, { recursive: true, force: true });
mkdirSync(kit, { recursive: true });

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    ssr: 'bench/gpu-kit-entry.ts',
    outDir: kit,
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: {
      external: [/^node:/, 'webgpu'],
      output: { entryFileNames: 'bench-bundle.mjs', format: 'es', codeSplitting: false },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});

// The WebAssembly kernels, read beside the bundle as when running from source (the CPU fallback and reference rows).
for (const f of ['kernels.wasm', 'kernels-single.wasm']) copyFileSync(join(root, 'src', 'backends', 'wasm', f), join(kit, f));

const xz = (src, dst) => writeFileSync(dst, execFileSync('xz', ['-T0', '-9', '-c', src], { maxBuffer: 1 << 30 }));
const web = join(root, 'node_modules', 'webgpu');
const webOut = join(kit, 'node_modules', 'webgpu');
mkdirSync(join(webOut, 'dist', 'linux-x64'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) copyFileSync(join(web, f), join(webOut, f));
xz(join(web, 'dist', 'linux-x64', 'dawn.node'), join(webOut, 'dist', 'linux-x64', 'dawn.node.xz'));
xz(process.execPath, join(kit, 'node.xz'));

const dataDir = [process.env.EMGPU_DATA_DIR, join(root, '..', 'shared', 'data')].find((p) => p && existsSync(join(p, 'pbmc68k_reduced')));
if (dataDir) {
  mkdirSync(join(kit, 'data', 'pbmc68k_reduced'), { recursive: true });
  for (const f of ['counts_matrix.mtx.gz', 'counts_obs.csv.gz', 'counts_genes.tsv.gz', 'counts_barcodes.tsv.gz'])
    copyFileSync(join(dataDir, 'pbmc68k_reduced', f), join(kit, 'data', 'pbmc68k_reduced', f));
} else console.warn('device-kit: pbmc68k_reduced not found (EMGPU_DATA_DIR or ../shared/data): the real-data case will be skipped there.');

// The Vulkan loader (Dawn's only way to the GPU there) as a Debian package in .gl/, as the device
// tool's notes fetch it: amd64 lists of their own, so this machine's apt state is untouched.
try {
  const gl = join(root, '.gl');
  mkdirSync(gl, { recursive: true });
  mkdirSync('/tmp/emgpu-apt-amd64/partial', { recursive: true });
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', '-oDir::State::Lists=/tmp/emgpu-apt-amd64'];
  execFileSync('apt-get', [...o, 'update'], { stdio: 'ignore' });
  execFileSync('apt-get', [...o, 'download', 'libvulkan1'], { cwd: gl, stdio: 'ignore' });
} catch (e) {
  console.warn(`device-kit: could not fetch libvulkan1 into .gl/ (${e.message}); bring the Vulkan loader another way.`);
}

const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
const commit = git('rev-parse', 'HEAD');
const dirty = git('status', '--porcelain', '--', 'src', 'shaders').length > 0;
writeFileSync(join(kit, 'REVISION'), `${commit} ${dirty ? 'dirty' : 'clean'}\n`);

// Run from the repository root there: sh .devkit/run.sh [bench:gpu flags]; results land in $OUT.
writeFileSync(
  join(kit, 'run.sh'),
  `#!/bin/sh
# On the lent GPU machine, from the repository root (the device tool's working copy), with .devkit
# and .gl carried: unpack, make the Vulkan loader and the NVIDIA driver visible, run bench:gpu.
set -eu
for f in .gl/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
ldconfig || true
[ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
NODE=$(command -v node || true)
if [ -z "$NODE" ]; then xz -dc .devkit/node.xz > /tmp/node && chmod +x /tmp/node && NODE=/tmp/node; fi
[ -e .devkit/node_modules/webgpu/dist/linux-x64/dawn.node ] || xz -dc .devkit/node_modules/webgpu/dist/linux-x64/dawn.node.xz > .devkit/node_modules/webgpu/dist/linux-x64/dawn.node
export EMGPU_BENCH_BUNDLE="$PWD/.devkit/bench-bundle.mjs" EMGPU_BENCH_REVISION="$(cat .devkit/REVISION)" EMGPU_DATA_DIR="$PWD/.devkit/data"
"$NODE" --version
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
exec "$NODE" bench/gpu.mjs --out "\${OUT:-bench/results}" "$@"
`,
);

let total = 0;
const walk = (p) => {
  const s = statSync(p);
  if (s.isDirectory()) for (const f of execFileSync('ls', ['-A', p], { encoding: 'utf8' }).split('\n').filter(Boolean)) walk(join(p, f));
  else total += s.size;
};
walk(kit);
console.log(
  `device-kit: wrote .devkit/ (${(total / 2 ** 20).toFixed(1)} MiB) at ${commit.slice(0, 12)}${dirty ? ' (src/ or shaders/ changed)' : ''}.`,
);
