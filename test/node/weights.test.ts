import { createEngine } from '../../src/index.js';
import { weightsSuite } from '../shared/weights-suite.js';

weightsSuite('the reference backend (float64)', () => createEngine({ backend: 'reference' }), false);
