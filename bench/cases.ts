/**
 * The benchmark cases, shared by the browser page (bench/page.ts, `npm run bench`) and the Node
 * entry (bench/node-entry.ts, `npm run bench:node`). A preset is a list of cases; a case says
 * which model, which data (generated from a seed, or a real data set prepared by the front end)
 * and how many fits.
 *
 * Presets:
 *   ci     tiny, seconds on any backend: exercises every code path (the tests run it).
 *   quick  n ≤ 100 000, minutes on SwiftShader (the figure committed from machines without a GPU).
 *   full   the whole matrix of the issues (n up to 1 000 000, GMM and NB mixture at full size):
 *          for real GPUs.
 *   cpu    the CPU backend's yardstick (issue 10), beside scikit-learn in bench:node: k-means
 *          100k × 50, k 20; soft k-means 100k × 50, k 20; GMM diag and full 20k × 50, k 20; the NB
 *          mixture on 20k cells × 200 genes; 10 iterations each.
 */

export type Preset = 'ci' | 'quick' | 'full' | 'cpu';
export const PRESETS: readonly Preset[] = ['ci', 'quick', 'full', 'cpu'];

/** Seeded Gaussian blobs (makeBlobs, src/datasets/blobs.ts): `centres` true centres in [−spread, spread]^d, noise std. */
export interface BlobsSpec {
  kind: 'blobs';
  n: number;
  d: number;
  centres: number;
  seed: number;
  std: number;
  spread: number;
}

/** Seeded sparse counts (bench/data.ts makeCounts): `clusters` cell types, about `density` of entries non-zero. */
export interface CountsSpec {
  kind: 'counts';
  n: number;
  d: number;
  clusters: number;
  seed: number;
  density: number;
}

/** A real data set prepared by the front end (bench/realdata.ts); n, d are filled in when it is loaded. */
export interface RealSpec {
  kind: 'real';
  name: 'pbmc68k_reduced';
  /** 'lognorm': log1p(counts / cell total × 10⁴), dense; 'counts': the raw UMI counts, sparse. */
  form: 'lognorm' | 'counts';
}

export type DataSpec = BlobsSpec | CountsSpec | RealSpec;

interface CaseBase {
  id: string;
  title: string;
  data: DataSpec;
  k: number;
  maxIter: number;
  /** Timed fits per implementation (after one untimed warm-up fit of emgpu). */
  repeats: number;
  /** Why this case has fewer repeats or a smaller size than the issue asks for, if it does. */
  note?: string;
}

export interface KMeansCase extends CaseBase {
  model: 'kmeans';
  /** Run ml-kmeans and skmeans too (they are k-means only). */
  peers: boolean;
}

export interface SoftKMeansCase extends CaseBase {
  model: 'soft-kmeans';
  beta: number;
}

export interface GmmCase extends CaseBase {
  model: 'gmm';
  covariance: 'diag' | 'full';
}

export interface NbmmCase extends CaseBase {
  model: 'nbmm';
}

export interface SelectKCase extends CaseBase {
  model: 'select-k';
  selectModel: 'kmeans' | 'gmm';
  ks: number[];
}

export type BenchCase = KMeansCase | SoftKMeansCase | GmmCase | NbmmCase | SelectKCase;

/** Every timed fit starts from the same k data rows, drawn by `new Rng(INIT_SEED).sample(n, k)`. */
export const INIT_SEED = 2;

/**
 * The CPU reference and the peers run only while the case's modelled work per iteration
 * (bench/work.ts) is at most this many floating-point operations: 3·10⁹ ≈ n·d·k ≤ 10⁹ for
 * k-means. Bigger cases print "skipped (too slow)". `--ref-cap` changes it.
 */
export const DEFAULT_REF_CAP_FLOPS = 3e9;

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

function blobs(n: number, d: number, centres: number, spread = 3, seed = 1): BlobsSpec {
  return { kind: 'blobs', n, d, centres, seed, std: 1, spread };
}

const fmtN = (n: number): string => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

function kmeansCase(n: number, d: number, k: number, maxIter: number, repeats: number, note?: string): KMeansCase {
  return {
    id: `kmeans-n${fmtN(n)}-d${d}-k${k}`,
    title: `k-means, n=${n}, d=${d}, k=${k}`,
    model: 'kmeans',
    data: blobs(n, d, k),
    k,
    maxIter,
    repeats,
    peers: true,
    ...(note ? { note } : {}),
  };
}

function softCase(n: number, d: number, k: number, maxIter: number, repeats: number, note?: string): SoftKMeansCase {
  return {
    id: `soft-kmeans-n${fmtN(n)}-d${d}-k${k}`,
    title: `soft k-means (β = 0.1), n=${n}, d=${d}, k=${k}`,
    model: 'soft-kmeans',
    data: blobs(n, d, k),
    k,
    beta: 0.1,
    maxIter,
    repeats,
    ...(note ? { note } : {}),
  };
}

function gmmCase(cov: 'diag' | 'full', n: number, d: number, k: number, maxIter: number, repeats: number, note?: string): GmmCase {
  return {
    id: `gmm-${cov}-n${fmtN(n)}-d${d}-k${k}`,
    title: `Gaussian mixture (${cov} covariances), n=${n}, d=${d}, k=${k}`,
    model: 'gmm',
    covariance: cov,
    data: blobs(n, d, k),
    k,
    maxIter,
    repeats,
    ...(note ? { note } : {}),
  };
}

function nbmmCase(n: number, d: number, k: number, maxIter: number, repeats: number, note?: string): NbmmCase {
  return {
    id: `nbmm-n${fmtN(n)}-d${d}-k${k}`,
    title: `negative-binomial mixture on sparse counts, ${n} cells × ${d} genes, ~10% non-zero, k=${k}`,
    model: 'nbmm',
    data: { kind: 'counts', n, d, clusters: k, seed: 3, density: 0.1 },
    k,
    maxIter,
    repeats,
    ...(note ? { note } : {}),
  };
}

function selectCase(
  model: 'kmeans' | 'gmm',
  n: number,
  d: number,
  centres: number,
  ks: number[],
  maxIter: number,
  repeats: number,
  note?: string,
): SelectKCase {
  return {
    id: `select-k-${model === 'gmm' ? 'gmm-diag' : 'kmeans'}-n${fmtN(n)}-d${d}`,
    title: `k sweep ${ks[0]}..${ks[ks.length - 1]} (selectK, ${model === 'gmm' ? "model 'gmm', diag" : "model 'kmeans'"}), n=${n}, d=${d}, ${centres} true clusters`,
    model: 'select-k',
    selectModel: model,
    ks,
    // Well separated, so the sweep has a right answer to find.
    data: blobs(n, d, centres, 8, 4),
    k: ks[ks.length - 1],
    maxIter,
    repeats,
    ...(note ? { note } : {}),
  };
}

function realCases(repeats: number, maxIter: number): BenchCase[] {
  return [
    {
      id: 'real-pbmc68k-kmeans-k10',
      title: 'k-means on real data: pbmc68k_reduced, log1p(counts/total × 10⁴), 700 cells × 765 genes, k=10',
      model: 'kmeans',
      data: { kind: 'real', name: 'pbmc68k_reduced', form: 'lognorm' },
      k: 10,
      maxIter,
      repeats,
      peers: true,
    },
    {
      id: 'real-pbmc68k-gmm-diag-k10',
      title: 'Gaussian mixture (diag) on real data: pbmc68k_reduced, log1p-normalised, 700 × 765, k=10',
      model: 'gmm',
      covariance: 'diag',
      data: { kind: 'real', name: 'pbmc68k_reduced', form: 'lognorm' },
      k: 10,
      maxIter,
      repeats,
    },
    {
      id: 'real-pbmc68k-nbmm-k10',
      title: 'negative-binomial mixture on real counts: pbmc68k_reduced raw UMIs, 700 × 765, k=10',
      model: 'nbmm',
      data: { kind: 'real', name: 'pbmc68k_reduced', form: 'counts' },
      k: 10,
      maxIter,
      repeats,
    },
  ];
}

export interface PresetOptions {
  /** Override every case's repeats. */
  repeats?: number;
  /** Override every case's maxIter. */
  maxIter?: number;
  /** Keep only cases whose id contains one of these strings. */
  only?: string[];
}

/** The cases of a preset, in run order. */
export function presetCases(preset: Preset, opts: PresetOptions = {}): BenchCase[] {
  let cases: BenchCase[];
  if (preset === 'ci') {
    const fewer = 'ci preset: 2 repeats (it checks the harness, not speed)';
    cases = [
      { ...kmeansCase(3000, 8, 4, 30, 2, fewer), data: blobs(3000, 8, 4, 10) },
      softCase(2000, 8, 4, 4, 2, fewer),
      gmmCase('diag', 1500, 6, 4, 4, 2, fewer),
      gmmCase('full', 1500, 6, 4, 4, 2, fewer),
      nbmmCase(400, 120, 3, 4, 2, fewer),
      selectCase('kmeans', 600, 4, 4, range(2, 6), 20, 1, 'ci preset: 1 sweep'),
      selectCase('gmm', 600, 4, 4, range(2, 6), 20, 1, 'ci preset: 1 sweep'),
    ];
  } else if (preset === 'quick') {
    // Sized to finish in about 12 minutes on SwiftShader (2 cores): n ≤ 100 000, few iterations.
    const R = 5;
    cases = [];
    for (const n of [10_000, 100_000]) for (const d of [16, 50]) for (const k of [8, 32]) cases.push(kmeansCase(n, d, k, 5, R));
    cases.push(softCase(100_000, 50, 20, 3, R));
    cases.push(gmmCase('diag', 100_000, 50, 20, 2, 3, 'quick preset: 3 repeats of 2 iterations (a SwiftShader iteration takes seconds)'));
    cases.push(
      gmmCase(
        'full',
        10_000,
        50,
        20,
        2,
        3,
        'quick preset: n = 10 000 instead of 100 000 (the full-covariance E-step is ~d² per row and component; too slow on SwiftShader), 3 repeats of 2 iterations',
      ),
    );
    cases.push(nbmmCase(5000, 2000, 10, 2, 3, 'quick preset: 5 000 cells instead of 20 000, 3 repeats of 2 iterations'));
    cases.push(selectCase('kmeans', 5000, 16, 8, range(2, 20), 30, 1, 'one sweep (19 fits)'));
    cases.push(selectCase('gmm', 5000, 16, 8, range(2, 20), 30, 1, 'one sweep (19 fits)'));
    cases.push(...realCases(R, 10));
  } else if (preset === 'cpu') {
    const R = 7;
    cases = [
      kmeansCase(100_000, 50, 20, 10, R),
      softCase(100_000, 50, 20, 10, R),
      gmmCase('diag', 20_000, 50, 20, 10, R),
      gmmCase('full', 20_000, 50, 20, 10, R),
      nbmmCase(20_000, 200, 10, 10, 3, 'cpu preset: 3 repeats'),
    ];
  } else {
    const R = 5;
    cases = [];
    for (const n of [10_000, 100_000, 1_000_000]) {
      for (const d of [16, 50])
        for (const k of [8, 32])
          cases.push(kmeansCase(n, d, k, 10, n >= 1_000_000 ? 3 : R, n >= 1_000_000 ? 'n = 1M: 3 repeats' : undefined));
    }
    cases.push(softCase(100_000, 50, 20, 10, R));
    cases.push(softCase(1_000_000, 50, 20, 10, 3, 'n = 1M: 3 repeats'));
    cases.push(gmmCase('diag', 100_000, 50, 20, 10, R));
    cases.push(gmmCase('full', 100_000, 50, 20, 10, R));
    cases.push(nbmmCase(20_000, 2000, 10, 10, R));
    cases.push(selectCase('kmeans', 20_000, 16, 8, range(2, 20), 50, 1, 'one sweep (19 fits)'));
    cases.push(selectCase('gmm', 20_000, 16, 8, range(2, 20), 50, 1, 'one sweep (19 fits)'));
    cases.push(...realCases(R, 50));
  }
  if (opts.only?.length) cases = cases.filter((c) => opts.only!.some((s) => c.id.includes(s)));
  return cases.map((c) => ({
    ...c,
    ...(opts.repeats !== undefined ? { repeats: opts.repeats } : {}),
    ...(opts.maxIter !== undefined && c.model !== 'select-k' ? { maxIter: opts.maxIter } : {}),
  }));
}
