import { createEngine, type Engine } from '../../src/index.js';
import { shardSuite } from '../shared/shard-suite.js';

let engine: Promise<Engine> | null = null;
shardSuite("'wasm' (float32 SIMD)", () => (engine ??= createEngine({ backend: 'wasm' })), true);
