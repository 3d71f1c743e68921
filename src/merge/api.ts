/**
 * `mergeComponents(input, { data?, keepPosteriors?, engine?, backend? })`: over-cluster, then merge
 * the components by entropy into a tree the user cuts at any k (merge/entropy.ts, merge/tree.ts).
 * `input` is an n×K posterior matrix, a result that carries `responsibilities` (the NB mixture with
 * returnResponsibilities, soft k-means), or a Gaussian / NB mixture result with `data` (its
 * posteriors on that data come from predictProba, on the engine's backend).
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { isArrayLike, toFloat64, type DataInput } from '../data.js';
import { ENGINE_SELECTION, engineFor, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { CountsInput } from '../nbmm/types.js';
import { type FittedModel, predictProba } from '../scoring.js';
import { entropyMerges } from './entropy.js';
import type { MergeTree } from './tree.js';

export interface MergeComponentsOptions {
  /** The data a fitted mixture's posteriors are computed on (the training data, usually); needed when `input` is a result without `responsibilities`. */
  data?: DataInput | CountsInput;
  /** Keep the n×K posteriors in the tree so cutMergeTree needs nothing else (default true; false keeps the tree O(K)). */
  keepPosteriors?: boolean;
}

const MERGE_OPTIONS = [...optionNames<MergeComponentsOptions>({ data: true, keepPosteriors: true }), ...ENGINE_SELECTION];

/** A fit's result (it has a `model` field), as opposed to a posterior matrix. */
const isResult = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && typeof (v as { model?: unknown }).model === 'string';

async function posteriorsOf(input: unknown, o: MergeComponentsOptions & EngineSelection): Promise<DataInput> {
  if (!isResult(input)) return input as DataInput;
  if (o.data !== undefined) {
    const sel = { ...(o.engine ? { engine: o.engine } : {}), ...(o.backend ? { backend: o.backend } : {}) };
    return predictProba(input as unknown as FittedModel, o.data as DataInput, sel);
  }
  if (isArrayLike(input.responsibilities)) return input.responsibilities as DataInput;
  throw invalid(
    'BAD_OPTION',
    `This ${input.model} result carries no posteriors. Pass { data } (the data it was fitted on), or fit with returnResponsibilities: true.`,
  );
}

/**
 * Merge mixture components by entropy (Baudry et al. 2010, mclust's clustCombi): from K components,
 * K−1 greedy merges, each the pair whose union lowers −Σ τ log τ the most. Cut the tree with
 * `cutMergeTree(tree, k)` (labels) or `mergeTreeGroups(tree, k)` (components per cluster).
 */
export async function mergeComponents(
  input: DataInput | FittedModel | { responsibilities: ArrayLike<ArrayLike<number>> },
  options: MergeComponentsOptions & EngineSelection = {},
): Promise<MergeTree> {
  checkOptionNames(options, MERGE_OPTIONS, 'mergeComponents');
  // The selection is checked (an unknown backend refused) even where a posterior matrix needs no engine.
  if (options.engine !== undefined || options.backend !== undefined) await engineFor(options);
  const keep = options.keepPosteriors ?? true;
  if (typeof keep !== 'boolean') throw invalid('BAD_OPTION', `keepPosteriors=${String(keep)} is not a boolean. Pass true or false.`);
  const { n, d: k, x } = toFloat64(await posteriorsOf(input, options), 'Posteriors');
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) {
      const v = x[i * k + c];
      if (!(v >= 0))
        throw invalid('BAD_OPTION', `Posterior [${i}][${c}] = ${v} is negative. Pass probabilities (n rows of K, each row summing to 1).`);
      s += v;
    }
    // float32 backends round rows to ~1e-6; a row far from 1 is not a posterior at all.
    if (Math.abs(s - 1) > 1e-3)
      throw invalid('BAD_OPTION', `Posterior row ${i} sums to ${s}, not 1. Pass probabilities (n rows of K, each row summing to 1).`);
  }
  const run = entropyMerges(x, n, k);
  const tree: MergeTree = { n, k, entropy: run.entropy, merges: run.merges };
  if (keep) tree.posteriors = Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * k, (i + 1) * k)));
  return tree;
}
