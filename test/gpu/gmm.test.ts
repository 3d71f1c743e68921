import { createEngine, type Engine } from '../../src/index.js';
import { gmmSuite } from '../shared/gmm-suite.js';

let engine: Promise<Engine> | null = null;
gmmSuite('WebGPU (float32, headless Chromium)', () => (engine ??= createEngine({ backend: 'webgpu' })), true);
