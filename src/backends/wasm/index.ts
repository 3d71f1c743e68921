/**
 * The 'wasm' backend: WebAssembly SIMD128 kernels on a worker pool over shared memory (issue 10).
 * Importing this module registers it for every model contract ('kmeans', 'gmm', 'nbmm', 'sc'). It
 * is opened by name only: 'cpu' and 'auto' still mean the float64 reference until it has been
 * measured against its targets (issue 10).
 */
import { registerBackend, registerImplementation, type BackendProvider } from '../../core/registry.js';
import { wasmGmm } from './gmm.js';
import { wasmKMeans } from './kmeans.js';
import { wasmNbmm } from './nbmm.js';
import { createPool } from './pool.js';
import { loadWasmRuntime } from './runtime.js';
import { wasmSc } from './sc.js';
import { WasmEngineState } from './state.js';

/** One runtime and one pool per engine; the description names the thread count and, on one thread, why. */
export const wasmProvider: BackendProvider = {
  async open(options) {
    const rt = await loadWasmRuntime();
    const pool = await createPool(rt, options.threads === undefined ? {} : { threads: options.threads });
    const threads = `${pool.threads} thread${pool.threads === 1 ? '' : 's'}`;
    return {
      name: 'wasm',
      adapter: `cpu (WebAssembly SIMD128, ${threads}${pool.note ? `; ${pool.note}` : ''})`,
      instance: new WasmEngineState(rt, pool),
      check() {},
      destroy() {
        pool.close();
      },
    };
  },
};

registerBackend('wasm', wasmProvider);
registerImplementation('kmeans', 'wasm', wasmKMeans);
registerImplementation('gmm', 'wasm', wasmGmm);
registerImplementation('nbmm', 'wasm', wasmNbmm);
registerImplementation('sc', 'wasm', wasmSc);
