/**
 * Moved: the blob generator is the library's `makeBlobs` (src/datasets/blobs.ts). This re-export
 * stays only for test/shared/weights-suite.ts, which another branch edits; delete it once that
 * file imports '../../src/datasets/blobs.js'.
 */
export { type Blobs, gaussian, makeBlobs } from '../../src/datasets/blobs.js';
