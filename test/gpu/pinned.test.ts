import { createEngine, type Engine } from '../../src/index.js';
import { pinnedSuite } from '../shared/pinned-suite.js';

let engine: Promise<Engine> | null = null;
pinnedSuite('webgpu', () => (engine ??= createEngine({ backend: 'webgpu' })));
