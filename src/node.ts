/**
 * emgpu/node: the Node-only file adapters of the single-cell loaders (paths → Blobs over files on
 * disk). Not in the browser barrel (src/index.ts); the loaders themselves are in src/io.
 */
export { fileBlob, find10xFiles, read10xDir, read10xH5File, readH5adFile } from './io/node-sc.js';
export type { TenxDirFiles } from './io/node-sc.js';
// shard statistics and streamed fits (issue 16): a file as a row source (what `emgpu worker` opens)
export { formatOf, openRowSource, ROW_SOURCE_FORMATS } from './io/open-source.js';
export type { OpenRowSourceOptions, RowSourceFormat } from './io/open-source.js';
