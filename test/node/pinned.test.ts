import { createEngine } from '../../src/index.js';
import { pinnedSuite } from '../shared/pinned-suite.js';

pinnedSuite('reference', () => createEngine({ backend: 'reference' }));
