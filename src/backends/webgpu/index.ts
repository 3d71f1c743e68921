/** The 'webgpu' backend: WebGPU implementations of every model contract. Importing this module registers them. */
import { registerBackend, registerImplementation } from '../../core/registry.js';
import { webgpuGmm } from './gmm.js';
import { webgpuHarmony } from './harmony.js';
import { webgpuKMeans } from './kmeans-session.js';
import { webgpuKnn } from './knn.js';
import { webgpuNbmm } from './nbmm.js';
import { webgpuProvider } from './provider.js';
import { webgpuSc } from './sc/backend.js';

registerBackend('webgpu', webgpuProvider);
registerImplementation('kmeans', 'webgpu', webgpuKMeans);
registerImplementation('gmm', 'webgpu', webgpuGmm);
registerImplementation('nbmm', 'webgpu', webgpuNbmm);
registerImplementation('sc', 'webgpu', webgpuSc);
registerImplementation('harmony', 'webgpu', webgpuHarmony);
registerImplementation('knn', 'webgpu', webgpuKnn);
