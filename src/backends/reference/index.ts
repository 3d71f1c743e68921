/**
 * The 'reference' backend: float64 implementations of every model contract, written plainly (the
 * test oracle). Importing this module registers them. It is opened by name, and by 'auto' only
 * where WebAssembly cannot run ('cpu' names the faster 'wasm' backend).
 */
import { registerBackend, registerImplementation } from '../../core/registry.js';
import { referenceGmm } from './gmm.js';
import { referenceHarmony } from './harmony.js';
import { referenceKMeans } from './kmeans.js';
import { referenceKnn } from './knn.js';
import { referenceNbmm } from './nbmm.js';
import { referenceSc } from './sc.js';
import { referenceUmap } from './umap.js';

registerImplementation('kmeans', 'reference', referenceKMeans);
registerImplementation('gmm', 'reference', referenceGmm);
registerImplementation('nbmm', 'reference', referenceNbmm);
registerImplementation('sc', 'reference', referenceSc);
registerImplementation('harmony', 'reference', referenceHarmony);
registerImplementation('knn', 'reference', referenceKnn);
registerImplementation('umap', 'reference', referenceUmap);
registerBackend('reference', {
  async open() {
    return { name: 'reference', adapter: 'cpu (float64 reference)', instance: null, check() {}, destroy() {} };
  },
});
