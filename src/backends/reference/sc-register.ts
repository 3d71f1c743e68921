/** Registers the float64 reference single-cell implementation (imported for its side effect). */
import { registerAlias, registerImplementation } from '../../core/registry.js';
import { referenceSc } from './sc.js';

registerImplementation('sc', 'reference', referenceSc);
// Engines on the CPU report backend 'cpu' (an alias of 'reference' until a faster CPU backend takes it).
registerAlias('cpu', 'reference');
