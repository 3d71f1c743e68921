import { createEngine } from '../../src/index.js';
import { pinnedSuite } from '../shared/pinned-suite.js';

pinnedSuite('cpu', () => createEngine({ backend: 'cpu' }));
