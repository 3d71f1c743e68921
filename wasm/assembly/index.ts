// Entry point of the kernels module. Every block kernel takes (r0, r1, part, …): a row range and
// the address of that block's own f64 partial statistics (0 for none), so the worker pool can
// run any block on any thread and the host reduces partials in block order.
export { kmeansAssign } from './kmeans';
export { diagEStep } from './estep';
export { fullEStep } from './full';
export { sqDistances } from './distance';
export { seedCandidate } from './seeding';
export { nbEStep, nbGeneStats } from './nbmm';
export { knnCandidates } from './knn';
export { umapEpoch, umapScratchBytes } from './umap';
export { scRowQc, scNormalize, scGeneSums, scDense, scGram, scProject } from './sc';
export { hmDistances, hmSoftAssign, hmSums, hmObjective, hmCorrect, hmUpdateR } from './harmony';

/** First free byte after the module's static data: the host's arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
