import { createEngine } from '../../src/index.js';
import { gmmSuite } from '../shared/gmm-suite.js';

gmmSuite('the CPU reference (float64)', () => createEngine({ backend: 'reference' }), false);
