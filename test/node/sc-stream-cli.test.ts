/**
 * `emgpu sc --stream` in-process on 300 pbmc3k cells (a 10x folder written here): the streamed
 * preprocessing gives the in-memory run's PCs (one PCA tile; kept as float32), so k-means finds
 * the same clusters; --stream with --markers is refused.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { read10xDir } from '../../src/node.js';
import { runCli, type ScSummary } from '../../src/cli/run.js';
import { captureCli as capture } from '../helpers/cli-capture.js';
import { F32_OBJ_RTOL } from '../tolerance.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const N_CELLS = 300;
let dir: string;

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'emgpu-sc-stream-')), 'pbmc300');
  const d = await read10xDir(join(ROOT, 'data/pbmc3k'));
  const lines: string[] = [];
  for (let i = 0; i < N_CELLS; i++)
    for (let t = d.indptr[i]; t < d.indptr[i + 1]; t++) lines.push(`${d.indices[t] + 1} ${i + 1} ${d.values[t]}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'matrix.mtx'),
    `%%MatrixMarket matrix coordinate integer general\n${d.d} ${N_CELLS} ${lines.length}\n${lines.join('\n')}\n`,
  );
  writeFileSync(join(dir, 'genes.tsv'), `${d.genes.map((g, j) => `${d.geneIds?.[j] ?? g}\t${g}`).join('\n')}\n`);
  writeFileSync(join(dir, 'barcodes.tsv'), `${d.cells.slice(0, N_CELLS).join('\n')}\n`);
}, 60_000);

describe('emgpu sc --stream', () => {
  test("k-means on the streamed preprocessing finds the in-memory run's clusters", async () => {
    const argv = ['sc', dir, '--k', '4', '--model', 'kmeans', '--n-top-genes', '100', '--n-pcs', '5'];
    const more = ['--max-iter', '10', '--seed', '1', '--n-init', '1', '--backend', 'reference', '--json'];
    const runs: ScSummary[] = [];
    for (const extra of [[], ['--stream']]) {
      const c = capture();
      expect(await runCli([...argv, ...more, ...extra], c.deps)).toBe(0);
      expect(c.err()).toBe('');
      runs.push(JSON.parse(c.out()) as ScSummary);
    }
    const [mem, str] = runs;
    expect(str.input).toEqual(mem.input);
    expect(str.preprocessed).toEqual(mem.preprocessed);
    expect(str.preprocessed.cells).toBeGreaterThan(250);
    // The streamed scores are kept as float32 (n × nComps at 10M cells): the same clusters, k-means' inertia within float32 round-off.
    expect(str.models.map((m) => [m.model, m.clusterSizes])).toEqual(mem.models.map((m) => [m.model, m.clusterSizes]));
    expect(Math.abs(str.models[0].objective.value / mem.models[0].objective.value - 1)).toBeLessThan(F32_OBJ_RTOL);
    expect(str.models[0].objective.value).not.toBe(mem.models[0].objective.value);
  }, 60_000);

  test('--stream with --markers is a usage error (the normalised matrix is never held)', async () => {
    const c = capture();
    expect(await runCli(['sc', dir, '--k', '3', '--stream', '--markers', '3'], c.deps)).toBe(2);
    expect(c.err()).toMatch(/--markers needs the normalised matrix/);
  });
});
