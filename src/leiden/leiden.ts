/**
 * leiden(graph, options): communities of a weighted undirected graph by the Leiden algorithm
 * (Traag, Waltman & van Eck 2019, Sci. Rep. 9:5233) — fast local moving, refinement, aggregation on
 * the refined partition with the unrefined one as the starting partition, repeated until no vertex
 * of the aggregate moves — or, with algorithm: 'louvain', the same without refinement. Plain
 * CPU code on typed arrays; deterministic for a seed (one Philox stream consumed in a fixed order).
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { Rng } from '../core/rng.js';
import { yieldToEventLoop } from '../core/yield.js';
import { AbortError, invalid } from '../errors.js';
import type { WeightedGraph } from '../graph/types.js';
import { aggregate, type WorkGraph, workGraph } from './graph.js';
import { moveNodesFast } from './move.js';
import { drain, type Pause } from './pause.js';
import { qualities } from './quality.js';
import { refine } from './refine.js';
import type { LeidenObjective, LeidenOptions, LeidenResult } from './types.js';
import { bySize, compact } from './util.js';

const KNOWN = optionNames<LeidenOptions>({
  resolution: true,
  objective: true,
  seed: true,
  nIterations: true,
  algorithm: true,
  signal: true,
});

interface Resolved {
  resolution: number;
  objective: LeidenObjective;
  seed: number;
  nIterations: number;
  algorithm: 'leiden' | 'louvain';
  signal?: AbortSignal;
}

function resolve(options: LeidenOptions | undefined): Resolved {
  checkOptionNames(options, KNOWN, 'leiden');
  const o = options ?? {};
  const resolution = o.resolution ?? 1;
  if (typeof resolution !== 'number' || !Number.isFinite(resolution) || resolution < 0) {
    throw invalid(
      'BAD_OPTION',
      `leiden: resolution=${String(resolution)} must be a finite number ≥ 0. Pass e.g. 1 (modularity) or an edge density (CPM).`,
    );
  }
  const objective = o.objective ?? 'modularity';
  if (objective !== 'modularity' && objective !== 'cpm') {
    throw invalid('BAD_OPTION', `leiden: objective='${String(objective)}' is not known. Use 'modularity' or 'cpm'.`);
  }
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw invalid('BAD_OPTION', `leiden: seed=${String(seed)} must be a non-negative integer.`);
  }
  const nIterations = o.nIterations ?? 2;
  if (typeof nIterations !== 'number' || !Number.isSafeInteger(nIterations) || nIterations === 0) {
    throw invalid(
      'BAD_OPTION',
      `leiden: nIterations=${String(nIterations)} must be a non-zero integer. Pass e.g. 2, or −1 to repeat until nothing changes.`,
    );
  }
  const algorithm = o.algorithm ?? 'leiden';
  if (algorithm !== 'leiden' && algorithm !== 'louvain') {
    throw invalid('BAD_OPTION', `leiden: algorithm='${String(algorithm)}' is not known. Use 'leiden' or 'louvain'.`);
  }
  return { resolution, objective, seed, nIterations, algorithm, signal: o.signal };
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

/**
 * One pass: local moving, refinement and aggregation from `labels` (per original vertex, compact)
 * until the aggregate no longer shrinks; writes the new partition into `labels` and returns its
 * number of communities.
 */
async function pass(g0: WorkGraph, labels: Int32Array, gamma: number, leidenRefine: boolean, rng: Rng, pause: Pause): Promise<number> {
  let g = g0;
  let comm: Int32Array = labels.slice();
  const nodeOf = new Int32Array(g0.n);
  for (let i = 0; i < g0.n; i++) nodeOf[i] = i;
  const scratch = new Int32Array(g0.n);
  let c: number;
  for (;;) {
    // One event-loop turn per level (and every few ms inside every phase: ./pause.ts), so an abort can run.
    await yieldToEventLoop();
    checkAbort(pause.signal);
    pause.last = performance.now();
    await moveNodesFast(g, comm, gamma, rng, pause);
    c = compact(comm, scratch.subarray(0, g.n));
    if (c === g.n) break;
    let ref = comm;
    let r = c;
    if (leidenRefine) {
      checkAbort(pause.signal);
      ref = await drain(refine(g, comm, gamma, rng), pause);
      r = compact(ref, scratch.subarray(0, g.n));
      if (r === g.n) break;
    }
    const next = new Int32Array(r);
    for (let v = 0; v < g.n; v++) next[ref[v]] = comm[v];
    for (let i = 0; i < g0.n; i++) nodeOf[i] = ref[nodeOf[i]];
    g = await drain(aggregate(g, ref, r), pause);
    comm = next;
  }
  for (let i = 0; i < g0.n; i++) labels[i] = comm[nodeOf[i]];
  // First-appearance order over the original vertices, so equal partitions are equal arrays.
  return compact(labels, scratch);
}

/** Communities of a weighted undirected graph (symmetric CSR, n === d, weights ≥ 0) by Leiden or Louvain. */
export async function leiden(graph: WeightedGraph, options?: LeidenOptions): Promise<LeidenResult> {
  const o = resolve(options);
  const cpm = o.objective === 'cpm';
  const pause: Pause = { last: performance.now(), signal: o.signal };
  // The check and copy of the caller's graph are O(nnz): in steps, yielding between them.
  const g0 = await drain(workGraph(graph, cpm), pause);
  const n = g0.n;
  let twoM = 0;
  if (!cpm) for (let v = 0; v < n; v++) twoM += g0.nodeW[v];
  const scale = g0.scale ?? 1;
  const gamma = cpm ? o.resolution * scale : twoM > 0 ? o.resolution / twoM : 0;
  const rng = new Rng(o.seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i;
  let c = n;
  let iterations = 0;
  const prev = new Int32Array(n);
  while (o.nIterations < 0 || iterations < o.nIterations) {
    prev.set(labels);
    c = await pass(g0, labels, gamma, o.algorithm === 'leiden', rng, pause);
    iterations++;
    // A pass that changed nothing ends the loop for any count (N6: nIterations: 1e9 must not spin).
    if (sameLabels(prev, labels)) break;
  }
  const final = bySize(labels, c);
  const q = qualities(g0, final, c);
  const modularity = q.modularity(1);
  return {
    labels: final,
    nCommunities: c,
    // CPM's quality is in weight units: back to the caller's (workGraph may have scaled them).
    quality: cpm ? q.cpm(o.resolution * scale) / scale : q.modularity(o.resolution),
    modularity,
    iterations,
    objective: o.objective,
    resolution: o.resolution,
    algorithm: o.algorithm,
  };
}

function sameLabels(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
