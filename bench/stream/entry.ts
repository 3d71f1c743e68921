// What the bench/stream scripts run, bundled by esbuild (bench/stream/bundle.mjs) so that they run
// under plain Node without Vite (whose own memory would blur the peak-RSS figures).
export { Rng } from '../../src/core/rng.js';
export { sampleNbMixture } from '../../src/sc/synthetic.js';
export { writeH5adCsr } from '../../src/io/backed/write-h5ad.js';
export { openH5adSource } from '../../src/io/backed/h5ad-source.js';
export { readH5adFile } from '../../src/io/node-sc.js';
export { forEachChunk } from '../../src/stream/pass.js';
