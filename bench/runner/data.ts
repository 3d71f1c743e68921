/**
 * A case's data: generated from its spec's seed (blobs, counts) or taken from the real data sets
 * the front end prepared. The last case's data is kept, so consecutive cases on the same spec
 * (e.g. k-means then GMM on one set of blobs) generate it once.
 */
import type { DataSpec } from '../cases.js';
import { generateBlobs, generateCounts } from '../data.js';
import { now } from './fits.js';
import type { CaseData, RunnerEnv } from './types.js';

let lastData: { key: string; data: CaseData } | null = null;

/** Drop the kept data (at the end of a run, so it can be collected). */
export function forgetData(): void {
  lastData = null;
}

export function loadData(spec: DataSpec, env: RunnerEnv): CaseData | { missing: string } {
  const key = JSON.stringify(spec);
  if (lastData?.key === key) return { ...lastData.data, generateMs: 0 };
  lastData = null; // let the previous case's data go before generating the next
  const t = now();
  let out: CaseData;
  if (spec.kind === 'blobs') {
    const b = generateBlobs(spec);
    out = { dense: b, description: b.description, n: b.n, d: b.d, generateMs: now() - t };
  } else if (spec.kind === 'counts') {
    const c = generateCounts(spec);
    out = { counts: c, description: c.description, n: c.n, d: c.d, nnz: c.nnz, generateMs: now() - t };
  } else {
    const r = env.real[spec.name];
    if (!r) return { missing: `real data set ${spec.name} was not prepared by the front end` };
    if ('missing' in r) return { missing: r.missing };
    const reference = { labels: r.labels, name: r.labelName };
    out =
      spec.form === 'lognorm'
        ? {
            dense: { data: r.lognorm, n: r.n, d: r.d },
            description: `${r.name}: log1p(counts / cell total × 10⁴), ${r.n} cells × ${r.d} genes; ${r.source}`,
            n: r.n,
            d: r.d,
            generateMs: now() - t,
            reference,
          }
        : {
            counts: { ...r.counts, nnz: r.nnz },
            description: `${r.name}: raw UMI counts, ${r.n} cells × ${r.d} genes, ${r.nnz} non-zeros; ${r.source}`,
            n: r.n,
            d: r.d,
            nnz: r.nnz,
            generateMs: now() - t,
            reference,
          };
  }
  lastData = { key, data: out };
  return out;
}
