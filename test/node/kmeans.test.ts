import { createEngine } from '../../src/index.js';
import { kmeansSuite } from '../shared/kmeans-suite.js';

kmeansSuite('the CPU reference (float64)', () => createEngine({ backend: 'reference' }), false);
