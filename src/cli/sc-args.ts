/** `emgpu sc`'s arguments. */
import { type CommonArgs, COVARIANCES, kList, nonNegativeInt, number, oneOf, positiveInt, type Tokens, UsageError } from './args.js';
import type { CovarianceType } from '../types.js';
import { columnSpec, integrateArgs, leidenArgs, type ScIntegrateArgs, type ScLeidenArgs } from './sc-graph-args.js';

export type ScModel = 'kmeans' | 'gmm' | 'nb' | 'leiden';

/** `emgpu sc`: a single-cell file through QC → normalise → HVG → scale → PCA → a model. */
export interface ScArgs extends CommonArgs {
  command: 'sc';
  /** An .h5ad, a 10x .h5, a 10x folder, or the three files of one. */
  files: string[];
  /** One or more models, each fitted on the same preprocessed data. */
  models: ScModel[];
  /** Set unless --select, or when leiden is the only model. */
  k?: number;
  /** Candidate ks when --select (default 2..12); unset when leiden is the only model. */
  ks?: number[];
  criterion?: 'bic' | 'aic' | 'inertia' | 'clbic';
  covariance?: CovarianceType;
  nPcs: number;
  nTopGenes: number;
  minGenes: number;
  maxGenes?: number;
  maxPctMito?: number;
  minCells: number;
  /** Truth: a column of the file's obs, or FILE:COLUMN of a CSV keyed by cell barcode. */
  labels?: { file?: string; column: string };
  markers?: number;
  /** Preprocess in passes over the rows (preprocessStream) instead of in memory. */
  stream?: boolean;
  /** The most a whole load may take; a single .h5ad / .h5 above it streams instead (default 2 GiB). */
  maxBytes?: number;
  /** --model leiden: the graph and the resolution (./sc-graph-args.ts). */
  leiden?: ScLeidenArgs;
  /** --integrate: Harmony on the PCs by a batch column before every model. */
  integrate?: ScIntegrateArgs;
}

/** A byte count: a number, optionally with k, M, G or T (decimal; KiB, MiB, GiB, TiB binary). */
export function byteCount(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kKmMgGtT]i?)?[bB]?$/.exec(v.trim());
  const unit = m?.[2] ? m[2].toLowerCase() : '';
  const base = unit.endsWith('i') ? 1024 : 1000;
  const x = m ? Number(m[1]) * base ** ('kmgt'.indexOf(unit[0] ?? '') + 1) : Number.NaN;
  if (!(x >= 1) || !Number.isFinite(x)) throw new UsageError(`${flag} expects a number of bytes >= 1 (e.g. 2G, 500M, 2GiB), got '${v}'.`);
  return Math.floor(x);
}

export function scArgs(t: Tokens, common: CommonArgs): ScArgs {
  const val = (f: string) => t.values.get(f);
  if (t.positionals.length === 0) {
    throw new UsageError(
      'emgpu sc needs an input: an .h5ad file, a 10x .h5 file, a 10x folder, or its three files. e.g. emgpu sc data/pbmc3k --k 8.',
    );
  }
  if (t.positionals.length !== 1 && t.positionals.length !== 3) {
    throw new UsageError(
      `expected one input (a file or a 10x folder) or the three files of a 10x folder, got ${t.positionals.length}: ${t.positionals.map((p) => `'${p}'`).join(' ')}.`,
    );
  }
  const models = (val('--model') ?? 'kmeans').split(',').map((m) => oneOf('--model', m.trim(), ['kmeans', 'gmm', 'nb', 'leiden'] as const));
  if (new Set(models).size !== models.length) throw new UsageError(`--model lists a model twice in '${val('--model')}'; list each once.`);
  const select = t.flags.has('--select');
  const out: ScArgs = {
    command: 'sc',
    ...common,
    files: t.positionals,
    models,
    nPcs: val('--n-pcs') === undefined ? 50 : positiveInt('--n-pcs', val('--n-pcs')!),
    nTopGenes: val('--n-top-genes') === undefined ? 2000 : positiveInt('--n-top-genes', val('--n-top-genes')!),
    minGenes: val('--min-genes') === undefined ? 200 : nonNegativeInt('--min-genes', val('--min-genes')!),
    minCells: val('--min-cells') === undefined ? 3 : nonNegativeInt('--min-cells', val('--min-cells')!),
  };
  // The models with a k: --k, --ks and --criterion are theirs (leiden has its resolution: ./sc-graph-args.ts).
  const withK = models.filter((m) => m !== 'leiden');
  const leiden = leidenArgs(t, models, select);
  if (leiden) out.leiden = leiden;
  if (select && val('--k') !== undefined)
    throw new UsageError('--k and --select contradict each other: pass --k K, or --select [--ks 2..12].');
  if (!select && withK.length > 0 && val('--k') === undefined)
    throw new UsageError(
      `emgpu sc needs --k K (the number of clusters), or --select to choose k from --ks (default 2..12).${models.includes('leiden') ? ` (${withK.join(', ')} need it; leiden has --resolution instead.)` : ''}`,
    );
  if (!select && (val('--ks') !== undefined || val('--criterion') !== undefined))
    throw new UsageError('--ks and --criterion apply with --select only.');
  if (val('--k') !== undefined && withK.length > 0) out.k = positiveInt('--k', val('--k')!);
  if (select && withK.length > 0) {
    out.ks = kList('--ks', val('--ks') ?? '2..12');
    const crit = val('--criterion');
    if (crit !== undefined)
      out.criterion = oneOf(
        '--criterion',
        crit,
        withK.every((m) => m === 'kmeans') ? (['clbic', 'inertia', 'bic', 'aic'] as const) : (['bic', 'aic'] as const),
      );
  }
  if (val('--covariance') !== undefined) {
    if (!models.includes('gmm')) throw new UsageError('--covariance applies to --model gmm only.');
    out.covariance = oneOf('--covariance', val('--covariance')!, COVARIANCES);
  }
  if (val('--max-genes') !== undefined) out.maxGenes = positiveInt('--max-genes', val('--max-genes')!);
  if (val('--max-pct-mito') !== undefined) out.maxPctMito = number('--max-pct-mito', val('--max-pct-mito')!, 0, false, '5');
  if (val('--markers') !== undefined) out.markers = positiveInt('--markers', val('--markers')!);
  if (t.flags.has('--stream')) {
    if (out.markers !== undefined)
      throw new UsageError('--markers needs the normalised matrix in memory, which --stream never holds: drop one of them.');
    out.stream = true;
  }
  if (val('--max-bytes') !== undefined) out.maxBytes = byteCount('--max-bytes', val('--max-bytes')!);
  const labels = val('--labels');
  if (labels !== undefined) out.labels = columnSpec('--labels', labels);
  const integrate = integrateArgs(t, models);
  if (integrate) out.integrate = integrate;
  return out;
}
