import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createEngine } from '../../src/index.js';
import { runCli, type CliDeps, type CliEngine, type Summary } from '../../src/cli/run.js';
import { adjustedRandIndex } from '../../src/metrics.js';

// In-process runs of the CLI with the real library on the CPU backend; streams are captured.

function capture(opts: { tty?: boolean; engine?: () => Promise<CliEngine>; kmeans?: CliDeps['kmeans'] } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const backends: string[] = [];
  const deps: CliDeps = {
    createEngine:
      opts.engine ??
      ((o) => {
        backends.push(o.backend);
        return createEngine(o);
      }),
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s), isTTY: opts.tty ?? false, columns: 120 },
    ...(opts.kmeans ? { kmeans: opts.kmeans } : {}),
  };
  return { deps, out: () => out.join(''), err: () => err.join(''), backends };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'emgpu-cli-'));
}

function digitLabels(): number[] {
  const text = gunzipSync(readFileSync(new URL('../../data/digits.csv.gz', import.meta.url))).toString('utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => Number(l.slice(l.lastIndexOf(',') + 1)));
}

describe('emgpu kmeans on the bundled digits (CPU backend)', () => {
  test('reports n, d, k and an ARI that agrees with the labels it writes', async () => {
    const dir = tmp();
    const outCsv = join(dir, 'labels.csv');
    const c = capture();
    const code = await runCli(['kmeans', '--backend', 'reference', '--json', '--out', outCsv], c.deps);
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    expect(c.backends).toEqual(['reference']);
    const s = JSON.parse(c.out()) as Summary;
    expect(s.input).toEqual({ file: 'data/digits.csv.gz', bundled: true, kind: 'delimited', n: 1797, d: 64 });
    expect(s.k).toBe(10);
    expect(s.backend).toBe('reference');
    expect(s.clusterSizes).toHaveLength(10);
    expect(s.clusterSizes.reduce((a, b) => a + b, 0)).toBe(1797);
    expect(s.restarts).toHaveLength(1);
    expect(s.out).toBe(outCsv);

    const lines = readFileSync(outCsv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,label');
    expect(lines).toHaveLength(1798);
    expect(lines[1]).toMatch(/^0,\d$/);
    const labels = lines.slice(1).map((l) => Number(l.split(',')[1]));
    const ari = adjustedRandIndex(digitLabels(), labels);
    expect(s.scores!.adjustedRandIndex).toBe(ari);
    // k-means on raw digits recovers the classes only partly; scikit-learn gets ARI ≈ 0.6–0.75 too.
    expect(ari).toBeGreaterThan(0.55);
    expect(ari).toBeLessThan(0.9);
  });

  test('prints a readable summary with the ARI, and a progress bar only when stderr is a TTY', async () => {
    const tty = capture({ tty: true });
    expect(await runCli(['kmeans', '--backend', 'reference', '--seed', '1'], tty.deps)).toBe(0);
    const text = tty.out();
    expect(text).toMatch(/^emgpu kmeans on digits \(bundled\)\n/);
    expect(text).toContain('backend        cpu (float64 reference)\n');
    expect(text).toContain('n = 1797 samples, d = 64 features');
    expect(text).toContain('k = 10');
    expect(text).toMatch(/restarts {7}1 \(seed 1\)/);
    expect(text).toMatch(/iterations {5}\d+ \((converged|not converged)/);
    expect(text).toMatch(/ARI {12}0\.\d{4} \(adjusted Rand index vs digit classes\)/);
    expect(text).toMatch(/NMI {12}0\.\d{4}/);
    // The bar: drawn with \r, names restart and iteration, and is erased at the end.
    expect(tty.err()).toMatch(/^\r\[#*-*\] restart 1\/1 {2}iter 1 {2}inertia \d/);
    expect(tty.err().endsWith('\r\x1b[K')).toBe(true);

    const pipe = capture({ tty: false });
    expect(await runCli(['kmeans', '--backend', 'reference', '--seed', '1'], pipe.deps)).toBe(0);
    expect(pipe.err()).toBe('');
    // Same seed and backend → the same fit; only the timings differ.
    const strip = (s: string) => s.replace(/ {2}time .*\n/, '');
    expect(strip(pipe.out())).toBe(strip(text));
  });

  test('prints nothing with --quiet but still writes --out', async () => {
    const outCsv = join(tmp(), 'l.csv');
    const c = capture({ tty: true });
    expect(await runCli(['kmeans', '--backend', 'reference', '-q', '-o', outCsv, '--max-iter', '3'], c.deps)).toBe(0);
    expect(c.out()).toBe('');
    expect(c.err()).toBe('');
    expect(readFileSync(outCsv, 'utf8').split('\n')).toHaveLength(1799);
  });
});

describe('emgpu kmeans on a FILE (CPU backend)', () => {
  test('uses row names as ids, and scores against a label column', async () => {
    const dir = tmp();
    const csv = join(dir, 'pts.csv');
    writeFileSync(csv, 'name,x,y,truth\na,0,0,1\nb,0.1,0,1\nc,10,10,2\nd,10.1,10,2\ne,0,0.2,1\n');
    const c = capture();
    const outCsv = join(dir, 'labels.csv');
    expect(
      await runCli(['kmeans', csv, '--k', '2', '--backend', 'reference', '--label-column', 'last', '--out', outCsv, '--json'], c.deps),
    ).toBe(0);
    const s = JSON.parse(c.out()) as Summary;
    expect(s.input).toMatchObject({ n: 5, d: 2 });
    expect(s.scores).toMatchObject({ adjustedRandIndex: 1, labelSource: 'label column last' });
    expect(s.scores!.normalizedMutualInfo).toBeCloseTo(1, 14);
    expect(s.clusterSizes.slice().sort()).toEqual([2, 3]);
    const rows = readFileSync(outCsv, 'utf8').trim().split('\n');
    expect(rows.map((r) => r.split(',')[0])).toEqual(['id', 'a', 'b', 'c', 'd', 'e']);
    const lab = rows.slice(1).map((r) => r.split(',')[1]);
    expect(lab[0]).toBe(lab[1]);
    expect(lab[0]).toBe(lab[4]);
    expect(lab[2]).toBe(lab[3]);
    expect(lab[0]).not.toBe(lab[2]);
  });

  test('reads a 10x matrix.mtx.gz with cells as samples', async () => {
    const c = capture();
    const mtx = '/work/shared/data/scanpy_10x_format_fixtures/3.0.0/filtered_feature_bc_matrix/matrix.mtx.gz';
    expect(await runCli(['kmeans', mtx, '--k', '4', '--backend', 'reference', '--json'], c.deps)).toBe(0);
    const s = JSON.parse(c.out()) as Summary;
    expect(s.input).toMatchObject({ kind: 'mtx', n: 1107, d: 507 });
    expect(s.clusterSizes.reduce((a, b) => a + b, 0)).toBe(1107);
    expect(s.scores).toBeUndefined();
  });

  test('exits 1 with "error: <message>" for missing files, bad files, library errors and unwritable output', async () => {
    const dir = tmp();
    const run = async (argv: string[]) => {
      const c = capture();
      const code = await runCli(argv, c.deps);
      return { code, out: c.out(), err: c.err() };
    };
    const missing = await run(['kmeans', join(dir, 'nope.csv'), '--k', '2', '--backend', 'reference']);
    expect(missing).toEqual({ code: 1, out: '', err: `error: cannot read '${join(dir, 'nope.csv')}': no such file or directory\n` });

    writeFileSync(join(dir, 'bad.csv'), '1,2\n3\n');
    const bad = await run(['kmeans', join(dir, 'bad.csv'), '--k', '2', '--backend', 'reference']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: .*bad\.csv: line 2 has 1 field\(s\) but line 1 has 2/);

    const tooMany = await run(['kmeans', '--k', '5000', '--backend', 'reference']);
    expect(tooMany).toEqual({
      code: 1,
      out: '',
      err: 'error: n_samples=1797 should be >= k=5000. Pass k <= 1797, or supply more samples.\n',
    });

    const unwritable = await run(['kmeans', '--backend', 'reference', '--max-iter', '2', '--out', join(dir, 'no', 'such', 'dir.csv')]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.err).toBe(`error: cannot write '${join(dir, 'no', 'such', 'dir.csv')}': no such file or directory\n`);
  });

  test('reports an unexpected engine failure as a probable bug, exit 1', async () => {
    const c = capture({
      engine: async () => ({
        backend: 'reference',
        adapter: 'fake',
        instance: null,
        fallbackReason: null,
        check: () => {},
        destroy: () => {},
      }),
      kmeans: () => Promise.reject(new TypeError('x is undefined')),
    });
    expect(await runCli(['kmeans', '--backend', 'reference'], c.deps)).toBe(1);
    expect(c.err()).toBe('error: x is undefined\n(an unexpected error, probably a bug in emgpu; please report it with the command line)\n');
  });

  test('prints the version from package.json', async () => {
    const c = capture();
    expect(await runCli(['--version'], c.deps)).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(c.out()).toBe(`emgpu ${pkg.version}\n`);
  });
});
