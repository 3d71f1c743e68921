import { createEngine } from '../../src/index.js';
import { nbmmSuite } from '../nbmm-suite.js';

nbmmSuite('the CPU reference (float64)', () => createEngine({ backend: 'reference' }), false);
