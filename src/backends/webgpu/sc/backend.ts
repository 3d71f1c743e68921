/**
 * The WebGPU implementation of the single-cell contract (src/sc/backend.ts): a session is one
 * runner on the engine's device (withGpu: error scopes, buffers freed after), on which CSR
 * matrices and dense PCA operators are uploaded in row chunks.
 */
import { withGpu } from '../../../gpu/session.js';
import type { ScBackend } from '../../../sc/backend.js';
import { GpuCsrOps } from './csr.js';
import { GpuDense } from './dense.js';

export const webgpuSc: ScBackend = {
  session: (engine, fn) =>
    withGpu(engine, (runner, chunking) =>
      fn({
        backend: 'webgpu',
        csr: (m) => new GpuCsrOps(runner, m, chunking),
        // Centred in float64 on the host, rounded to float32, uploaded in row chunks.
        dense: (x, mean, l) => GpuDense.fromHost(runner, x, mean, l, chunking),
      }),
    ),
};
