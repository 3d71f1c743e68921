/**
 * `emgpu sc FILE.h5ad` streamed from disk (openRowSource → the backed .h5ad source): 400 synthetic
 * NB-mixture cells × 200 genes written with writeH5adCsr (an obs column of the true components).
 * --stream gives the in-memory run's k-means labels and scores against an obs column; a tiny
 * --max-bytes streams without --stream; the NB mixture runs through the streamed fit (nbStream),
 * one pass over the counts per iteration.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createEngine } from '../../src/index.js';
import { writeH5adCsr, writeZarrCsr } from '../../src/node.js';
import { runCli, type ScSummary } from '../../src/cli/run.js';
import { captureCli as capture } from '../helpers/cli-capture.js';
import { fitNbStreamed } from '../../src/cli/sc-nb-stream.js';
import { nbStream } from '../../src/shard/stream.js';
import { nbPosteriorStream } from '../../src/shard/stream-posterior.js';
import { sampleNbMixture, type NbMixtureParams } from '../../src/sc/synthetic.js';
import { csrSource } from '../../src/stream/memory.js';
import type { CsrSource } from '../../src/stream/types.js';

const N = 400;
const D = 200;
let tmp: string;
let file: string;

async function sc(extra: string[], input = file): Promise<{ summary: ScSummary; err: string; labels: string[] }> {
  const out = mkdtempSync(join(tmp, 'out-'));
  const c = capture();
  const argv = [
    'sc',
    input,
    ...(extra.includes('--select') || extra.includes('--k') ? [] : ['--k', '3']),
    '--n-top-genes',
    '100',
    '--n-pcs',
    '5',
    '--min-genes',
    '0',
    '--min-cells',
    '0',
  ];
  const nInit = extra.includes('--n-init') ? [] : ['--n-init', '1'];
  const code = await runCli(
    [...argv, '--max-iter', '20', '--seed', '1', ...nInit, '--backend', 'reference', '--json', '--out', out, ...extra],
    c.deps,
  );
  expect(code, c.err()).toBe(0);
  const summary = JSON.parse(c.out()) as ScSummary;
  const labels = readFileSync(summary.models[0].files!.labels, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[1]);
  return { summary, err: c.err(), labels };
}

const params = JSON.parse(gunzipSync(readFileSync('data/pbmc3k/synthetic_nb.json.gz')).toString()) as NbMixtureParams;
const whole = sampleNbMixture(
  { ...params, weights: params.weights.slice(0, 3), means: params.means.slice(0, 3) },
  { n: N, genes: D, seed: 5 },
);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'emgpu-sc-backed-'));
  file = join(tmp, 'cells.h5ad');
  await writeH5adCsr(file, {
    n: N,
    d: D,
    blocks: [whole],
    genes: whole.genes,
    cells: whole.cells,
    obs: { truth: whole.obs!.component as string[] },
  });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('emgpu sc on an .h5ad streamed from disk', () => {
  test("--stream gives the in-memory run's k-means labels, and --labels reads an obs column of the streamed file", async () => {
    const mem = await sc(['--labels', 'truth']);
    const str = await sc(['--labels', 'truth', '--stream']);
    expect(str.err).toBe('');
    expect(str.summary.input).toEqual(mem.summary.input);
    expect(str.summary.preprocessed).toEqual(mem.summary.preprocessed);
    expect(str.labels).toEqual(mem.labels);
    expect(str.labels).toHaveLength(N);
    const [m, s] = [mem.summary.models[0].scores!, str.summary.models[0].scores!];
    expect(s.labelSource).toBe('truth');
    expect(s.nLabelled).toBe(N);
    expect(s.adjustedRandIndex).toBe(m.adjustedRandIndex);
    expect(s.adjustedRandIndex).toBeGreaterThan(0.3);
  }, 60_000);

  test("a 10x Cell Ranger .h5 streams too, with the in-memory run's labels", async () => {
    const h5 = '/work/shared/data/scanpy_10x_format_fixtures/3.0.0/filtered_feature_bc_matrix.h5';
    const opts = ['--k', '2'];
    const [mem, str] = [await sc(opts, h5), await sc([...opts, '--stream'], h5)];
    expect(str.summary.input).toEqual(mem.summary.input);
    expect(str.summary.input.format).toBe('10x-h5');
    expect(str.summary.preprocessed).toEqual(mem.summary.preprocessed);
    expect(str.labels).toEqual(mem.labels);
  }, 60_000);

  test('a missing obs column under --stream is refused naming the columns the file has', async () => {
    const c = capture();
    expect(await runCli(['sc', file, '--k', '3', '--stream', '--labels', 'nope'], c.deps)).not.toBe(0);
    expect(c.err()).toMatch(/no obs column 'nope' \(it has: truth\)/);
  });

  test('a load above --max-bytes streams instead, saying so on one line', async () => {
    const str = await sc(['--stream']);
    const auto = await sc(['--max-bytes', '20k']);
    expect(auto.err.trim().split('\n')).toHaveLength(1);
    expect(auto.err).toMatch(/above --max-bytes 20\.0 kB; streaming it in chunks of cells instead/);
    expect(auto.labels).toEqual(str.labels);
    expect(auto.summary.models[0].objective).toEqual(str.summary.models[0].objective);
    // Without it the same file loads whole, silently.
    expect((await sc([])).err).toBe('');
  }, 60_000);

  test('an AnnData Zarr store streams (it is only read by row ranges), with the .h5ad stream’s labels', async () => {
    const store = join(tmp, 'cells.zarr');
    await writeZarrCsr(store, { n: N, d: D, blocks: [whole], genes: whole.genes, cells: whole.cells });
    const z = await sc([], store);
    expect(z.err).toMatch(/cells\.zarr: a Zarr store, read in chunks of cells/);
    expect(z.summary.input.format).toBe('zarr');
    expect(z.labels).toEqual((await sc(['--stream'])).labels);
    const c = capture();
    expect(await runCli(['sc', store, '--k', '3', '--labels', 'truth'], c.deps)).not.toBe(0);
    expect(c.err()).toMatch(/does not read obs columns of a Zarr store/);
  }, 60_000);

  test('the NB mixture under --stream is the streamed fit (one start: --n-init 3 is reported, not run)', async () => {
    const r = await sc(['--stream', '--model', 'nb', '--n-init', '3']);
    const nb = r.summary.models[0];
    expect(nb.model).toBe('nb');
    expect(r.summary.warnings.join(' ')).toMatch(/streamed NB mixture runs one start/);
    expect(nb.clusterSizes.reduce((a, b) => a + b, 0)).toBe(N);
    // --select sweeps k with the same streamed fit: the chosen k's fit is the one reported.
    const sel = await sc(['--stream', '--model', 'nb', '--select', '--ks', '2,3']);
    const m = sel.summary.models[0];
    expect(m.selection!.rows.map((r) => r.k)).toEqual([2, 3]);
    expect(m.k).toBe(m.selection!.bestK);
  }, 60_000);

  test('fitNbStreamed reads the counts one pass per iteration, with nbStream’s labels and log-likelihood', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const inner = csrSource(whole, { name: 'counts' });
    const reads: [number, number][] = [];
    const spy: CsrSource = {
      ...inner,
      readRows: (a, b, sig) => {
        reads.push([a, b]);
        return inner.readRows(a, b, sig);
      },
      close: () => inner.close(),
    };
    const f = await fitNbStreamed(spy, { k: 3, seed: 2, maxIter: 15 }, engine);
    const ref = await nbStream(inner, { k: 3, seed: 2, maxIter: 15, engine });
    expect(f.labels).toEqual(Array.from(ref.labels!));
    expect(f.objective.value).toBe(ref.objective);
    expect(f.nIter).toBe(ref.nIter);
    // Passes: globals, the seeding sample (all 400 rows: fewer than sampleRows), one per iteration,
    // nbStream's labels, the posterior pass: each one chunk here, and no other read.
    expect(f.stream.passes).toBe(f.nIter + 4);
    expect(f.nIter).toBeGreaterThan(2);
    expect(reads).toEqual(Array.from({ length: f.nIter + 4 }, () => [0, N]));
    for (const p of f.maxPosterior) expect(p >= 1 / 3 - 1e-12 && p <= 1).toBe(true);
    // Rows are independent: chunks of 64 rows give the same bits.
    const chunked = await nbPosteriorStream(inner, ref.params, { engine, chunkRows: 64 });
    expect(chunked.maxPosterior).toEqual(f.maxPosterior);
    expect(Array.from(chunked.labels)).toEqual(f.labels);
    expect(chunked.logLikelihood).toBeCloseTo(f.objective.value, 6);
    await expect(nbPosteriorStream(inner, ref.params, { engine, chunk: 10 } as never)).rejects.toThrow(/unknown option 'chunk'/);
    engine.destroy();
  }, 30_000);
});
