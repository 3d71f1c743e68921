/** AnnData Zarr stores (issue 16): a chunked row source and the in-memory loader; the Node writer is in ./write.ts (emgpu/node). */
export { openZarrSource } from './source.js';
export type { OpenZarrSourceOptions, ZarrCsrSource, ZarrDenseSource, ZarrSourceInfo } from './source.js';
export { readZarr } from './read.js';
export type { ReadZarrOptions } from './read.js';
export type { ZarrInput, ZarrStoreLike } from './store.js';
