import { createEngine, type Engine } from '../../src/index.js';
import { onlineSuite } from '../shared/online-suite.js';

let engine: Promise<Engine> | null = null;
onlineSuite('WebGPU (float32, headless Chromium)', () => (engine ??= createEngine({ backend: 'webgpu' })));
