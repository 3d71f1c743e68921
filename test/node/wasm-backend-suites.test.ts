/**
 * The shared k-means, GMM and sample-weight suites on the 'wasm' backend. Its data are f32 (as on
 * WebGPU), so the float32 tolerances of test/tolerance.ts apply. Two threads: the pool's path.
 */
import { afterAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { gmmSuite } from '../shared/gmm-suite.js';
import { kmeansSuite } from '../shared/kmeans-suite.js';
import { weightsSuite } from '../shared/weights-suite.js';

let engine: Promise<Engine> | null = null;
const get = () => (engine ??= createEngine({ backend: 'wasm', threads: 2 }));
afterAll(async () => (await engine)?.destroy());

kmeansSuite('wasm (float32 data, 2 threads)', get, true);
gmmSuite('wasm (float32 data, 2 threads)', get, true);
weightsSuite('wasm (float32 data, 2 threads)', get, true);
