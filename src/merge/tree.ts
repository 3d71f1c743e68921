/**
 * The merge tree's plain shape and how to cut it: `mergeTreeGroups(tree, k)` (which components
 * form each of k clusters) and `cutMergeTree(tree, k)` (each sample's cluster: the argmax of its
 * posteriors summed over each group, as mclust's clustCombi classifies).
 */
import { invalid } from '../errors.js';

/**
 * Components merged by entropy into a hierarchy (plain data: survives JSON). Node ids follow
 * scipy's linkage: the components are leaves 0..k−1 and merge j creates node k+j.
 */
export interface MergeTree {
  /** Samples. */
  n: number;
  /** Components at the start (the leaves). */
  k: number;
  /** Entropy −Σ_i Σ_c τ_ic log τ_ic of the k components (nats). */
  entropy: number;
  /** k−1 merges, in order: [node a, node b, entropy after the merge]; after merge j there are k−1−j clusters. */
  merges: [number, number, number][];
  /** The n×k posteriors the tree was built from (absent with `keepPosteriors: false`: pass them to cutMergeTree). */
  posteriors?: number[][];
}

function checkK(tree: MergeTree, k: number): void {
  if (
    !tree ||
    typeof tree !== 'object' ||
    !Number.isInteger(tree.k) ||
    tree.k < 1 ||
    !Array.isArray(tree.merges) ||
    tree.merges.length !== tree.k - 1
  )
    throw invalid('BAD_OPTION', 'The tree is not a merge tree. Pass the result of mergeComponents().');
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > tree.k)
    throw invalid('BAD_OPTION', `k=${String(k)} is not a number of clusters of this tree. Pass an integer from 1 to ${tree.k}.`);
  // Every merge joins two nodes that exist by then (leaves, or earlier merges' nodes) and are not yet merged.
  const used = new Uint8Array(2 * tree.k - 1);
  tree.merges.forEach((m, j) => {
    const ok = Array.isArray(m) && m.length >= 2 && [m[0], m[1]].every((a) => Number.isInteger(a) && a >= 0 && a < tree.k + j);
    if (!ok || m[0] === m[1] || used[m[0]] || used[m[1]])
      throw invalid(
        'BAD_OPTION',
        `Merge ${j} of the tree (${Array.isArray(m) ? `[${m.slice(0, 2).join(', ')}]` : String(m)}) does not join two distinct nodes that exist and are not yet merged (ids 0..${tree.k + j - 1}). Pass an unmodified tree from mergeComponents().`,
      );
    used[m[0]] = used[m[1]] = 1;
  });
}

/**
 * The components in each of the k clusters left after k_start − k merges, each group sorted, the
 * groups ordered by their smallest component (so cluster c of the cut is `groups[c]`).
 */
export function mergeTreeGroups(tree: MergeTree, k: number): number[][] {
  checkK(tree, k);
  const members = new Map<number, number[]>();
  for (let c = 0; c < tree.k; c++) members.set(c, [c]);
  for (let j = 0; j < tree.k - k; j++) {
    const [a, b] = tree.merges[j];
    const ma = members.get(a);
    const mb = members.get(b);
    if (!ma || !mb)
      throw invalid('BAD_OPTION', `Merge ${j} names node ${ma ? b : a}, which is not a cluster at that step. Pass an unmodified tree.`);
    members.delete(a);
    members.delete(b);
    members.set(
      tree.k + j,
      [...ma, ...mb].sort((x, y) => x - y),
    );
  }
  return [...members.values()].sort((x, y) => x[0] - y[0]);
}

/**
 * Each sample's cluster (0..k−1, numbered as `mergeTreeGroups(tree, k)`) when the tree is cut at k
 * clusters: the argmax over groups of the summed posteriors (ties: the lower cluster). Uses the
 * tree's posteriors, or `posteriors` (n rows of k_start) when the tree was built without them.
 */
export function cutMergeTree(tree: MergeTree, k: number, posteriors?: ArrayLike<ArrayLike<number>>): number[] {
  const groups = mergeTreeGroups(tree, k);
  const tau = posteriors ?? tree.posteriors;
  if (!tau)
    throw invalid(
      'BAD_OPTION',
      'This tree was built with keepPosteriors: false, so cutting it needs them. Pass the posteriors as the third argument.',
    );
  if (typeof tau !== 'object' || typeof (tau as { length?: unknown }).length !== 'number')
    throw invalid('BAD_OPTION', 'The posteriors are not rows of numbers. Pass the posteriors the tree was built from.');
  if (tau.length !== tree.n)
    throw invalid(
      'SHAPE_MISMATCH',
      `The posteriors have ${tau.length} rows, the tree ${tree.n} samples. Pass the posteriors the tree was built from.`,
    );
  const of = new Int32Array(tree.k);
  groups.forEach((g, c) => {
    for (const j of g) of[j] = c;
  });
  const sums = new Float64Array(k);
  const labels = new Array<number>(tree.n);
  for (let i = 0; i < tree.n; i++) {
    const row = tau[i];
    if (!row || row.length !== tree.k)
      throw invalid(
        'SHAPE_MISMATCH',
        `Row ${i} of the posteriors does not have ${tree.k} values. Pass the posteriors the tree was built from.`,
      );
    sums.fill(0);
    for (let j = 0; j < tree.k; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
        throw invalid(
          typeof v !== 'number' ? 'NON_NUMERIC' : Number.isNaN(v) || !Number.isFinite(v) ? 'NON_FINITE' : 'BAD_OPTION',
          `Posterior [${i}][${j}] = ${String(v)} is not a probability. Pass the posteriors the tree was built from (n rows of ${tree.k} numbers in [0, 1]).`,
        );
      sums[of[j]] += v;
    }
    let best = 0;
    for (let c = 1; c < k; c++) if (sums[c] > sums[best]) best = c;
    labels[i] = best;
  }
  return labels;
}
