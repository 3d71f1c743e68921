import { createEngine, type Engine } from '../../src/index.js';
import { weightsSuite } from '../shared/weights-suite.js';

let engine: Promise<Engine> | null = null;
weightsSuite('WebGPU (float32, headless Chromium)', () => (engine ??= createEngine({ backend: 'webgpu' })), true);
