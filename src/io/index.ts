/** Every loader and parser, pure (no Node built-ins); the Node file layers are ./node.ts (CLI) and ./node-sc.ts (emgpu/node). */
export { parseDelimited, splitFields } from './delimited.js';
export type { Delimiter, DelimitedOptions, DelimitedResult } from './delimited.js';
export { parseMatrixMarket, DEFAULT_MAX_DENSE_ENTRIES } from './mtx/dense.js';
export type { MatrixMarketOptions, MatrixMarketResult } from './mtx/dense.js';
export { read10x, find10xInputs } from './10x.js';
export { readMatrixMarketCsr } from './mtx/csr.js';
export type { Read10xFiles, Read10xOptions } from './10x.js';
export type { MatrixMarketCsr, MatrixMarketCsrOptions } from './mtx/csr.js';
export { read10xH5 } from './10x-h5.js';
export type { Read10xH5Options } from './10x-h5.js';
export { readH5ad, readH5adFromFile } from './h5ad.js';
export type { ReadH5adOptions } from './h5ad.js';
export { estimateMemory, formatBytes, MemoryLimitError, DEFAULT_MAX_BYTES } from './memory.js';
export {
  canonicalize,
  colSums,
  makeUnique,
  rowCounts,
  rowSums,
  selectColumns,
  toDense,
  transposeCompressed,
  validateCsr,
  FLOAT32_EXACT_INTEGER,
} from './csr.js';
export type { CsrMatrix } from '../sparse.js';
export type {
  ByteInput,
  Embedding,
  H5adMatrixSource,
  LoadOptions,
  LoadPhase,
  LoadProgress,
  MemoryEstimate,
  ObsColumn,
  ScFormat,
  ScSource,
  SingleCellData,
} from './types.js';
