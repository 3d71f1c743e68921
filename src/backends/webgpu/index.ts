/**
 * The 'webgpu' backend: WebGPU implementations of every model contract. Importing this module
 * registers them. k-means is loaded with it; the other models' implementations (and their WGSL)
 * load on first use, so a bundle that only runs k-means carries only k-means kernels.
 */
import { lazyImplementation } from '../../core/lazy.js';
import { registerBackend, registerImplementation } from '../../core/registry.js';
import type { GmmBackend } from '../../gmm/backend.js';
import type { KnnBackend } from '../../graph/knn-backend.js';
import type { HarmonyBackend } from '../../harmony/backend.js';
import type { NbBackend } from '../../nbmm/backend.js';
import type { ScBackend } from '../../sc/backend.js';
import type { UmapBackend } from '../../umap/backend.js';
import { webgpuKMeans } from './kmeans-session.js';
import { webgpuProvider } from './provider.js';

registerBackend('webgpu', webgpuProvider);
registerImplementation('kmeans', 'webgpu', webgpuKMeans);
registerImplementation<GmmBackend>(
  'gmm',
  'webgpu',
  lazyImplementation(async () => (await import('./gmm.js')).webgpuGmm, ['session']),
);
registerImplementation<NbBackend>(
  'nbmm',
  'webgpu',
  lazyImplementation(async () => (await import('./nbmm.js')).webgpuNbmm, ['open']),
);
registerImplementation<ScBackend>(
  'sc',
  'webgpu',
  lazyImplementation(async () => (await import('./sc/backend.js')).webgpuSc, ['session']),
);
registerImplementation<HarmonyBackend>(
  'harmony',
  'webgpu',
  lazyImplementation(async () => (await import('./harmony.js')).webgpuHarmony, ['open']),
);
registerImplementation<KnnBackend>(
  'knn',
  'webgpu',
  lazyImplementation(async () => (await import('./knn.js')).webgpuKnn, ['candidates']),
);
registerImplementation<UmapBackend>(
  'umap',
  'webgpu',
  lazyImplementation(async () => (await import('./umap.js')).webgpuUmap, ['layout']),
);
