/**
 * The merge tree panel: the mixture's components merged by entropy (mergeComponents, computed in
 * the worker) drawn as a dendrogram whose height is the entropy removed so far, with the cut at k
 * as a dashed line and each subtree below it in its merged cluster's colour. Pure rendering: SVG
 * markup from the tree's plain data.
 */
import { mergeTreeGroups, type MergeTree } from '../src/merge/tree.js';

export type TreeShape = Pick<MergeTree, 'n' | 'k' | 'entropy' | 'merges'>;

const W = 300;
const H = 150;
const PAD = { left: 8, right: 8, top: 10, bottom: 18 };

/** Leaves left to right so that no branches cross: a walk down from the root. */
function leafOrder(t: TreeShape): number[] {
  const kids = (node: number): number[] => {
    if (node < t.k) return [node];
    const [a, b] = t.merges[node - t.k];
    return [...kids(a), ...kids(b)];
  };
  return kids(2 * t.k - 2);
}

/** The dendrogram with a cut at `cut` clusters, coloured by `palette` per cluster of the cut. */
export function mergeTreeSvg(t: TreeShape, cut: number, palette: readonly string[]): string {
  const { k } = t;
  if (k < 2) return '<div class="summary">One component: nothing to merge.</div>';
  const order = leafOrder(t);
  const x = new Map<number, number>();
  const y = new Map<number, number>();
  const step = (W - PAD.left - PAD.right) / Math.max(1, k - 1);
  order.forEach((leaf, i) => {
    x.set(leaf, PAD.left + i * step);
    y.set(leaf, 0);
  });
  const top = t.entropy - t.merges[k - 2][2] || 1;
  const yPx = (h: number): number => H - PAD.bottom - (h / top) * (H - PAD.top - PAD.bottom);
  // Which cluster of the cut each node falls in (nodes above the cut have none).
  const groups = mergeTreeGroups(t, cut);
  const clusterOf = new Map<number, number>();
  groups.forEach((g, c) => {
    for (const leaf of g) clusterOf.set(leaf, c);
  });
  const lines: string[] = [];
  t.merges.forEach(([a, b, after], j) => {
    const node = k + j;
    const h = t.entropy - after;
    x.set(node, (x.get(a)! + x.get(b)!) / 2);
    y.set(node, h);
    const below = j < k - cut;
    const c = below ? clusterOf.get(firstLeaf(t, node)) : undefined;
    const colour = c === undefined ? '#8a90a0' : palette[c % palette.length];
    const [xa, xb, ya, yb, yn] = [x.get(a)!, x.get(b)!, yPx(y.get(a)!), yPx(y.get(b)!), yPx(h)];
    lines.push(
      `<path d="M${xa.toFixed(1)},${ya.toFixed(1)}V${yn.toFixed(1)}H${xb.toFixed(1)}V${yb.toFixed(1)}" stroke="${colour}" fill="none" stroke-width="1.5"><title>merge ${j + 1}: ${a} + ${b} → ${node}, entropy ${after.toFixed(1)}</title></path>`,
    );
  });
  const leaves = order.map(
    (leaf) =>
      `<text x="${x.get(leaf)!.toFixed(1)}" y="${H - 4}" font-size="9" text-anchor="middle" fill="${palette[clusterOf.get(leaf)! % palette.length]}">${leaf}</text>`,
  );
  // The cut: between the last merge done and the first one not done.
  const done = k - cut;
  const hDone = done === 0 ? 0 : t.entropy - t.merges[done - 1][2];
  const hNext = done === k - 1 ? top : t.entropy - t.merges[done][2];
  const yc = yPx((hDone + hNext) / 2).toFixed(1);
  const cutLine = `<line x1="0" x2="${W}" y1="${yc}" y2="${yc}" stroke="#d62728" stroke-dasharray="4 3"/>`;
  return `<svg id="merge-svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="merge tree of ${k} components cut at ${cut}">${lines.join('')}${leaves.join('')}${cutLine}</svg>`;
}

/** A leaf under `node`: below the cut, every leaf of a node is in the same cluster. */
function firstLeaf(t: TreeShape, node: number): number {
  return node < t.k ? node : firstLeaf(t, t.merges[node - t.k][0]);
}

/** Entropy left after cutting at `cut` clusters (the y value the user reads). */
export function entropyAt(t: TreeShape, cut: number): number {
  return cut === t.k ? t.entropy : t.merges[t.k - cut - 1][2];
}
