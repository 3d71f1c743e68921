export { read10x, readMatrixMarketCsr, find10xInputs } from './read10x.js';
export type { Read10xFiles, Read10xOptions, MatrixMarketCsr, MatrixMarketCsrOptions } from './read10x.js';
export { read10xH5 } from './h5.js';
export type { Read10xH5Options } from './h5.js';
export { readH5ad, readH5adFromFile } from './h5ad.js';
export type { ReadH5adOptions } from './h5ad.js';
export { estimateMemory, formatBytes, MemoryLimitError } from './memory.js';
export { canonicalize, colSums, makeUnique, rowCounts, rowSums, selectColumns, toDense, transposeCompressed, validateCsr, FLOAT32_EXACT_INTEGER } from './csr.js';
export type { ByteInput, CsrMatrix, Embedding, H5adMatrixSource, LoadOptions, LoadPhase, LoadProgress, MemoryEstimate, ObsColumn, ScFormat, ScSource, SingleCellData } from './types.js';
