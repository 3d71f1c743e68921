/** Row sources and passes over them: the base every streaming function builds on. */
export type { CsrBlock, CsrSource, DenseBlock, DenseSource, RowSource, ChunkRange, PassProgress, PassOptions } from './types.js';
export { chunkRanges, forEachChunk, bytesPerRow, DEFAULT_CHUNK_BYTES } from './pass.js';
export { csrSource, denseSource } from './memory.js';
