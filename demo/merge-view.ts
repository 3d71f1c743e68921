/**
 * The merge tree panel: the mixture's components merged by entropy (mergeComponents, computed in
 * the worker) drawn as a dendrogram, one level per merge (the entropy after each merge is in its
 * tooltip: on sharp posteriors the entropies bunch up, so they would make a poor height), the cut
 * at k as a dashed line, and every branch below it in its merged cluster's colour. Pure
 * rendering: SVG markup from the tree's plain data.
 */
import { mergeTreeGroups, type MergeTree } from '../src/merge/tree.js';

export type TreeShape = Pick<MergeTree, 'n' | 'k' | 'entropy' | 'merges'>;

const W = 300;
const H = 150;
const PAD = { left: 8, right: 8, top: 8, bottom: 16 };
const GREY = '#8a90a0';

/** Leaves left to right so that no branches cross: a walk down from the root. */
function leafOrder(t: TreeShape): number[] {
  const kids = (node: number): number[] => {
    if (node < t.k) return [node];
    const [a, b] = t.merges[node - t.k];
    return [...kids(a), ...kids(b)];
  };
  return kids(2 * t.k - 2);
}

/** A leaf under `node`: below the cut, every leaf of a node is in the same cluster. */
function firstLeaf(t: TreeShape, node: number): number {
  return node < t.k ? node : firstLeaf(t, t.merges[node - t.k][0]);
}

/** The dendrogram with a cut at `cut` clusters, coloured by `palette` per cluster of the cut. */
export function mergeTreeSvg(t: TreeShape, cut: number, palette: readonly string[]): string {
  const { k } = t;
  if (k < 2) return '<div class="summary">One component: nothing to merge.</div>';
  const order = leafOrder(t);
  const x = new Map<number, number>();
  const step = (W - PAD.left - PAD.right) / (k - 1);
  order.forEach((leaf, i) => x.set(leaf, PAD.left + i * step));
  // Level 0 for the leaves, j + 1 for merge j.
  const yPx = (level: number): number => H - PAD.bottom - (level / (k - 1)) * (H - PAD.top - PAD.bottom);
  const level = (node: number): number => (node < k ? 0 : node - k + 1);
  const done = k - cut;
  const below = (node: number): boolean => node < k || node - k < done;
  const groups = mergeTreeGroups(t, cut);
  const clusterOf = new Map<number, number>();
  groups.forEach((g, c) => {
    for (const leaf of g) clusterOf.set(leaf, c);
  });
  const colour = (node: number): string => (below(node) ? palette[clusterOf.get(firstLeaf(t, node))! % palette.length] : GREY);
  const parts: string[] = [];
  t.merges.forEach(([a, b, after], j) => {
    const node = k + j;
    x.set(node, (x.get(a)! + x.get(b)!) / 2);
    const yn = yPx(j + 1).toFixed(1);
    const title = `<title>merge ${j + 1}: ${a} + ${b} → ${node}; entropy ${after.toFixed(2)} (${k - j - 1} clusters)</title>`;
    for (const child of [a, b]) {
      const xc = x.get(child)!.toFixed(1);
      parts.push(`<path d="M${xc},${yPx(level(child)).toFixed(1)}V${yn}" stroke="${colour(child)}" stroke-width="1.5">${title}</path>`);
    }
    parts.push(
      `<path d="M${x.get(a)!.toFixed(1)},${yn}H${x.get(b)!.toFixed(1)}" stroke="${colour(node)}" stroke-width="1.5">${title}</path>`,
    );
  });
  const leaves = order.map(
    (leaf) => `<text x="${x.get(leaf)!.toFixed(1)}" y="${H - 4}" font-size="9" text-anchor="middle" fill="${colour(leaf)}">${leaf}</text>`,
  );
  // The cut: halfway between the last merge done and the first one not done.
  const yc = Math.max(2, (yPx(done) + yPx(done + 1)) / 2).toFixed(1);
  const cutLine = `<line x1="0" x2="${W}" y1="${yc}" y2="${yc}" stroke="#d62728" stroke-dasharray="4 3"/>`;
  return `<svg id="merge-svg" data-merges="${k - 1}" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="merge tree of ${k} components cut at ${cut}">${parts.join('')}${leaves.join('')}${cutLine}</svg>`;
}

/** Entropy left after cutting at `cut` clusters. */
export function entropyAt(t: TreeShape, cut: number): number {
  return cut === t.k ? t.entropy : t.merges[t.k - cut - 1][2];
}
