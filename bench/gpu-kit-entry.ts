/**
 * Everything `npm run bench:gpu` loads through Vite, in one module, so that scripts/device-kit.mjs
 * can bundle it for a machine without node_modules (bench/cli.mjs createVite serves this bundle
 * instead of a Vite server when EMGPU_BENCH_BUNDLE names it).
 */
export { runNodeBench } from './node-entry.js';
export { knownBandwidth, renderRoofline } from './roofline.js';
export { renderMarkdown } from './report.js';
export { validateBenchResult } from './schema.js';
