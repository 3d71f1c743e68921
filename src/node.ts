/**
 * emgpu/node: the Node-only file adapters of the single-cell loaders (paths → Blobs over files on
 * disk). Not in the browser barrel (src/index.ts); the loaders themselves are in src/io.
 */
export { fileBlob, find10xFiles, read10xDir, read10xH5File, readH5adFile } from './io/node-sc.js';
export type { TenxDirFiles } from './io/node-sc.js';
// backed sources (issue 16)
export { writeH5adCsr } from './io/backed/write-h5ad.js';
export type { WriteH5adCsrOptions, WriteH5adResult, ObsColumnInput } from './io/backed/write-h5ad.js';
// zarr (issue 16): the Node writer of AnnData Zarr stores (CSR blocks streamed to disk)
export { writeZarrCsr } from './io/zarr/write.js';
export type { WriteZarrCsrOptions, WriteZarrCsrResult } from './io/zarr/write.js';
// shard statistics and streamed fits (issue 16): a file as a row source (what `emgpu worker` opens)
export { formatOf, openRowSource, ROW_SOURCE_FORMATS } from './io/open-source.js';
export type { OpenRowSourceOptions, RowSourceFormat } from './io/open-source.js';
