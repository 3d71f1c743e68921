/**
 * Real data for the benchmarks, read in Node from the shared data folder (never downloaded):
 * scanpy's pbmc68k_reduced raw UMI counts (700 cells × 765 highly variable genes, 10x Fresh 68k
 * PBMCs, Zheng et al. 2017; provenance in shared/data/SOURCES.md, section 2) and its bulk_labels.
 *
 * The folder is $EMGPU_DATA_DIR, else ../shared/data beside the repository, else ./shared/data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseMatrixMarket } from '../src/io/index.js';
import { splitFields } from '../src/io/delimited.js';
import { logNormalise, type Csr, type RealDataset } from './data.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function sharedDataDir(): string | null {
  const candidates = [process.env.EMGPU_DATA_DIR, join(repoRoot, '..', 'shared', 'data'), join(repoRoot, 'shared', 'data')].filter(
    (p): p is string => !!p,
  );
  return candidates.find((p) => existsSync(join(p, 'pbmc68k_reduced', 'counts_matrix.mtx.gz'))) ?? null;
}

/** pbmc68k_reduced, or the reason it is not there. */
export function loadPbmc68kReduced(): RealDataset | { missing: string } {
  const dir = sharedDataDir();
  if (!dir) {
    return {
      missing:
        'pbmc68k_reduced not found (looked in $EMGPU_DATA_DIR, ../shared/data and ./shared/data for pbmc68k_reduced/counts_matrix.mtx.gz)',
    };
  }
  const folder = join(dir, 'pbmc68k_reduced');
  const mtxPath = join(folder, 'counts_matrix.mtx.gz');
  // 10x layout (genes × cells) transposed to cells × genes; 700 × 765 is small enough to densify.
  const m = parseMatrixMarket(gunzipSync(readFileSync(mtxPath)), { source: mtxPath });
  const { n, d } = m;
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < d; g++) {
      const v = m.data[i * d + g];
      if (v !== 0) {
        idx.push(g);
        val.push(v);
      }
    }
    indptr[i + 1] = idx.length;
  }
  const counts: Csr = { indptr, indices: Int32Array.from(idx), values: Float64Array.from(val), n, d };
  const obs = gunzipSync(readFileSync(join(folder, 'counts_obs.csv.gz')))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const header = splitFields(obs[0], ',');
  const col = header.indexOf('bulk_labels');
  if (col < 0) throw new Error(`${join(folder, 'counts_obs.csv.gz')}: no bulk_labels column (header: ${header.join(', ')})`);
  const names = obs.slice(1).map((l) => splitFields(l, ',')[col]);
  if (names.length !== n) throw new Error(`counts_obs.csv.gz has ${names.length} cells, the matrix ${n}`);
  const classes = [...new Set(names)].sort();
  return {
    name: 'pbmc68k_reduced',
    source: `${mtxPath} (scanpy pbmc68k_reduced layers/counts; shared/data/SOURCES.md §2)`,
    n,
    d,
    lognorm: logNormalise(counts),
    counts,
    nnz: idx.length,
    labels: names.map((s) => classes.indexOf(s)),
    labelName: 'bulk_labels',
    labelClasses: classes,
  };
}
