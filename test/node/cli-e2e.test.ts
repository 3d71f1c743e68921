import { beforeAll, describe, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The installed command: bin/emgpu.js → dist/cli.js, run as a child process.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const BIN = join(ROOT, 'bin', 'emgpu.js');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  // Build when dist/cli.js is missing or older than the sources, so the test never runs stale code.
  const stale = !existsSync(CLI) || statSync(CLI).mtimeMs < Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'shaders')));
  if (stale) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  }
}, 120_000);

function emgpu(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/emgpu.js', () => {
  test('clusters a tiny CSV on the CPU backend and writes the labels by row name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emgpu-e2e-'));
    const csv = join(dir, 'tiny.csv');
    // Three tight groups far apart: any correct k-means puts each group in its own cluster.
    writeFileSync(csv, 'id,x,y\np1,0,0\np2,0.2,0.1\np3,0.1,0.2\nq1,10,0\nq2,10.2,0.1\nr1,0,10\nr2,0.1,10.2\nr3,0.2,9.9\nr4,0.1,10\n');
    const out = join(dir, 'labels.csv');
    const r = emgpu(['kmeans', '--backend', 'reference', '--k', '3', csv, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`emgpu kmeans on ${csv}\n`);
    expect(r.stdout).toContain('n = 9 samples, d = 2 features');
    expect(r.stdout).toMatch(/cluster sizes {2}\d \d \d\n/);
    expect(r.stdout).toContain(`labels         written to ${out}`);

    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,label');
    const byId = new Map(rows.slice(1).map((l) => l.split(',') as [string, string]));
    expect([...byId.keys()]).toEqual(['p1', 'p2', 'p3', 'q1', 'q2', 'r1', 'r2', 'r3', 'r4']);
    const group = (prefix: string) => new Set([...byId].filter(([id]) => id.startsWith(prefix)).map(([, l]) => l));
    const [p, q, s] = [group('p'), group('q'), group('r')];
    expect([p.size, q.size, s.size]).toEqual([1, 1, 1]);
    expect(new Set([...p, ...q, ...s]).size).toBe(3);
  });

  test('exits 2 with a message for a bad command line, and 1 for a missing file', () => {
    const bad = emgpu(['kmeans', '--k', '3', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("error: unknown option '--bogus'. See emgpu kmeans --help.\n");
    const negative = emgpu(['sc', 'data/pbmc3k', '--k', '8', '--seed', '-1']);
    expect(negative).toEqual({ code: 2, stdout: '', stderr: "error: --seed expects a non-negative integer, got '-1'.\n" });
    const missing = emgpu(['kmeans', 'does-not-exist.csv', '--k', '3', '--backend', 'reference']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: cannot read '${join(ROOT, 'does-not-exist.csv')}': no such file or directory\n`);
  });

  test('prints --version and --help', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(emgpu(['--version'])).toEqual({ code: 0, stdout: `emgpu ${pkg.version}\n`, stderr: '' });
    const help = emgpu(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^emgpu: clustering on the GPU/);
    for (const c of ['kmeans', 'softkmeans', 'gmm', 'nb', 'select', 'sc']) {
      const one = emgpu([c, '--help']);
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(new RegExp(`^Usage: emgpu ${c} `));
    }
  });

  test('tells the user to build when dist/cli.js is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emgpu-nobuild-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin', 'emgpu.js'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'emgpu.js'), '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'dist', 'cli.js')} is missing; the CLI has not been built.`);
    expect(r.stderr).toContain('Run `npm run build`');
  });
});

describe('the package entry points', () => {
  test("'emgpu' and 'emgpu/node' resolve through package.json exports, as a consumer imports them", () => {
    // Node resolves a package's own name through its exports (self-reference), so this is what an installer gets.
    const script = [
      "const lib = await import('emgpu');",
      "const node = await import('emgpu/node');",
      "const d = await node.read10xDir('data/pbmc3k');",
      'const x = lib.sampleNbMixture({ weights: [1], means: [[2, 0.5]], dispersion: [0.1, 0] }, { n: 3, seed: 1 });',
      'console.log(JSON.stringify({ n: d.n, d: d.d, kmeans: typeof lib.kmeans, synthetic: [x.n, x.d] }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ n: 2700, d: 32738, kmeans: 'function', synthetic: [3, 2] });
  });
});
