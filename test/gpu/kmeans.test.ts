import { createEngine, type Engine } from '../../src/index.js';
import { kmeansSuite } from '../shared/kmeans-suite.js';

let engine: Promise<Engine> | null = null;
kmeansSuite('WebGPU (float32, headless Chromium)', () => (engine ??= createEngine({ backend: 'webgpu' })), true);
