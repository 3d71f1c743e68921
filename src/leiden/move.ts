/**
 * Fast local moving (Traag et al. 2019, Algorithm A.2 MoveNodesFast): visit vertices from a queue
 * seeded in random order; move each to the neighbouring (or an empty) community that raises the
 * objective most; when a vertex moves, queue its neighbours that are outside its new community
 * and not already queued. Stops when the queue empties: no single move improves the objective.
 *
 * The objective, in edge-weight units: H = Σ_c (w_c − γ′·pairs_c), where moving v into community
 * C gains w(v, C) − γ′·W_v·W_C (W: penalty weights, degrees or sizes; γ′ = γ/2m for modularity,
 * γ for CPM). That is half of leidenalg's unnormalised quality, so moves rank the same.
 */
import type { Rng } from '../core/rng.js';
import { yieldToEventLoop } from '../core/yield.js';
import { AbortError } from '../errors.js';
import type { WorkGraph } from './graph.js';
import { type Pause, YIELD_MS } from './pause.js';
import { randomOrder } from './util.js';

/**
 * Improve `comm` (labels in 0..n−1) in place; true when some vertex moved. Every few ms it yields
 * to the event loop and checks the signal, so a timer's abort lands during one long level.
 */
export async function moveNodesFast(g: WorkGraph, comm: Int32Array, gamma: number, rng: Rng, pause: Pause): Promise<boolean> {
  const { n, indptr, indices, weights, nodeW } = g;
  const commW = new Float64Array(n);
  const count = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    commW[comm[v]] += nodeW[v];
    count[comm[v]]++;
  }
  const empty = new Int32Array(n);
  let nEmpty = 0;
  for (let c = n - 1; c >= 0; c--) if (count[c] === 0) empty[nEmpty++] = c;

  // Circular queue holding each vertex at most once.
  const queue = randomOrder(n, rng);
  const inQueue = new Uint8Array(n).fill(1);
  let head = 0;
  let size = n;
  const acc = new Float64Array(n);
  const stamp = new Int32Array(n).fill(-1);
  const touched = new Int32Array(n);
  let moved = false;
  let visit = 0;
  while (size > 0) {
    if ((visit & 255) === 255 && performance.now() - pause.last > YIELD_MS) {
      await yieldToEventLoop();
      if (pause.signal?.aborted) throw new AbortError(pause.signal.reason);
      pause.last = performance.now();
    }
    const v = queue[head];
    head = head + 1 === n ? 0 : head + 1;
    size--;
    inQueue[v] = 0;
    visit++;
    const a = comm[v];
    const wv = nodeW[v];
    commW[a] -= wv;
    count[a]--;
    let nt = 1;
    touched[0] = a;
    stamp[a] = visit;
    acc[a] = 0;
    let strength = 0;
    for (let p = indptr[v]; p < indptr[v + 1]; p++) {
      const c = comm[indices[p]];
      if (stamp[c] !== visit) {
        stamp[c] = visit;
        acc[c] = 0;
        touched[nt++] = c;
      }
      acc[c] += weights[p];
      strength += weights[p];
    }
    // Ties and rounding: a move must beat staying by more than float noise, so no vertex cycles.
    const tol = 1e-12 * (strength + gamma * wv * wv) + 1e-300;
    let best = a;
    let bestGain = acc[a] - gamma * wv * commW[a];
    for (let t = 1; t < nt; t++) {
      const c = touched[t];
      const gain = acc[c] - gamma * wv * commW[c];
      if (gain > bestGain + tol) {
        bestGain = gain;
        best = c;
      }
    }
    // An empty community gains 0; only worth it when v's community is not already just v.
    if (count[a] > 0 && 0 > bestGain + tol) best = empty[--nEmpty];
    commW[best] += wv;
    count[best]++;
    comm[v] = best;
    if (best === a) continue;
    moved = true;
    if (count[a] === 0) empty[nEmpty++] = a;
    for (let p = indptr[v]; p < indptr[v + 1]; p++) {
      const u = indices[p];
      if (inQueue[u] || comm[u] === best) continue;
      inQueue[u] = 1;
      let tail = head + size;
      if (tail >= n) tail -= n;
      queue[tail] = u;
      size++;
    }
  }
  return moved;
}
