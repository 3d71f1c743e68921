export { umap, type UmapInput } from './api.js';
export type { UmapInit, UmapOptions, UmapProgress, UmapResult } from './types.js';
