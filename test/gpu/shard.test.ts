import { createEngine, type Engine } from '../../src/index.js';
import { shardSuite } from '../shared/shard-suite.js';

let engine: Promise<Engine> | null = null;
shardSuite('WebGPU (float32, headless Chromium)', () => (engine ??= createEngine({ backend: 'webgpu' })), true);
