/**
 * The fits behind the second selection table (issue 14), cached on disk so that every criterion is
 * read off the same fits: per labelled set, the bench's preprocessing (bench/select-run.ts
 * prepareSet: 50 PCs, 2000 HVG counts, labels) and the k-means fits at k = 2..20 (labels and
 * centroids). Criteria are then computed from the cache (criteria.ts) without refitting.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, kmeans, type Engine } from '../../src/index.js';
import { prepareSet, SETS, type PreparedSet } from '../select-run.js';
import type { CsrMatrix } from '../../src/sparse.js';

export interface CachedSet extends PreparedSet {
  name: string;
}

function writeF64(path: string, a: ArrayLike<number>): void {
  writeFileSync(path, Buffer.from(Float64Array.from(a).buffer));
}
function readF64(path: string): Float64Array {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The prepared set, from the cache when there (preprocessing on `engine` otherwise, then cached). */
export async function cachedSet(dataDir: string, cacheDir: string, name: string, engine: Engine): Promise<CachedSet> {
  const dir = join(cacheDir, name);
  const meta = join(dir, 'meta.json');
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    const hvg = {
      n: m.hvg.n,
      d: m.hvg.d,
      indptr: Int32Array.from(readF64(join(dir, 'indptr.bin'))),
      indices: Int32Array.from(readF64(join(dir, 'indices.bin'))),
      values: readF64(join(dir, 'values.bin')),
    } as unknown as CsrMatrix;
    return { name, pcs: { data: readF64(join(dir, 'pcs.bin')), n: m.n, d: m.d }, hvg, cellLabels: m.labels, trueK: m.trueK };
  }
  const spec = SETS.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown set ${name}`);
  const p = await prepareSet(join(dataDir, spec.dir), spec, engine, 0);
  mkdirSync(dir, { recursive: true });
  writeF64(join(dir, 'pcs.bin'), p.pcs.data);
  writeF64(join(dir, 'indptr.bin'), p.hvg.indptr);
  writeF64(join(dir, 'indices.bin'), p.hvg.indices);
  writeF64(join(dir, 'values.bin'), p.hvg.values);
  const m = { n: p.pcs.n, d: p.pcs.d, trueK: p.trueK, labels: p.cellLabels, hvg: { n: p.hvg.n, d: p.hvg.d } };
  writeFileSync(meta, JSON.stringify(m));
  return { name, ...p };
}

/** k-means labels at each k (nInit 3, seed 0, as the first select table), cached. */
export async function cachedKmeans(
  cacheDir: string,
  set: CachedSet,
  ks: number[],
  engine: Engine,
  log: (s: string) => void,
): Promise<Map<number, Int32Array>> {
  const out = new Map<number, Int32Array>();
  for (const k of ks) {
    const path = join(cacheDir, set.name, `kmeans-${k}.json`);
    if (!existsSync(path)) {
      const t0 = performance.now();
      const r = await kmeans(set.pcs, { k, nInit: 3, seed: 0, engine });
      writeFileSync(path, JSON.stringify({ labels: r.labels, inertia: r.inertia }));
      log(`${set.name} kmeans k=${k} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    out.set(k, Int32Array.from(JSON.parse(readFileSync(path, 'utf8')).labels));
  }
  return out;
}

export async function makeEngine(): Promise<Engine> {
  return createEngine({ backend: 'wasm' });
}
