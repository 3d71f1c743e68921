import { createEngine, type Engine } from '../../src/index.js';
import { weightsSuite } from '../shared/weights-suite.js';

// Until the wgsl branch is merged (uploadData storing the weights, kernels reading them), the
// WebGPU statistics are unweighted and the replication tests here fail.
let engine: Promise<Engine> | null = null;
weightsSuite('WebGPU (float32, headless Chromium)', () => (engine ??= createEngine({ backend: 'webgpu' })), true);
