/** The 'webgpu' backend: WebGPU implementations of every model contract. Importing this module registers them. */
import { registerBackend, registerImplementation } from '../../core/registry.js';
import { webgpuGmm } from './gmm.js';
import { webgpuKMeans } from './kmeans-session.js';
import { webgpuNbmm } from './nbmm.js';
import { webgpuProvider } from './provider.js';
import { webgpuSc } from './sc/backend.js';
import { webgpuUmap } from './umap.js';

registerBackend('webgpu', webgpuProvider);
registerImplementation('kmeans', 'webgpu', webgpuKMeans);
registerImplementation('gmm', 'webgpu', webgpuGmm);
registerImplementation('nbmm', 'webgpu', webgpuNbmm);
registerImplementation('sc', 'webgpu', webgpuSc);
registerImplementation('umap', 'webgpu', webgpuUmap);
