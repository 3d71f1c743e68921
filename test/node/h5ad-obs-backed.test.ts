// readH5adObs (the demo's labels for a streamed .h5ad): the obs columns it reads without X equal
// what readH5ad gives for the same file, categoricals decoded; unknown names skipped; bad n refused.
import { describe, expect, test } from 'vitest';
import { readH5adObs } from '../../src/index.js';
import { readH5adFile } from '../../src/node.js';
import { EmgpuError } from '../../src/errors.js';

const H5AD = '/work/shared/data/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad';

describe('readH5adObs', () => {
  test('reads the asked obs columns of pbmc68k_reduced from a path, equal to readH5ad’s, and skips names the file lacks', async () => {
    const whole = await readH5adFile(H5AD);
    const obs = await readH5adObs(H5AD, { n: whole.n, columns: ['bulk_labels', 'louvain', 'not-a-column'] });
    expect(Object.keys(obs).sort()).toEqual(['bulk_labels', 'louvain']);
    expect(obs.bulk_labels).toEqual(whole.obs!.bulk_labels);
    expect(obs.louvain).toEqual(whole.obs!.louvain);
    expect(new Set(obs.bulk_labels).size).toBe(10);
  });

  test('reads every column when none are named, and refuses an n that is not a count', async () => {
    const whole = await readH5adFile(H5AD);
    const all = await readH5adObs(H5AD, { n: whole.n });
    expect(all).toEqual(whole.obs);
    await expect(readH5adObs(H5AD, { n: -1 })).rejects.toThrow(EmgpuError);
    await expect(readH5adObs(H5AD, { n: 700, colums: ['x'] } as never)).rejects.toThrow(/colums/);
  });
});
