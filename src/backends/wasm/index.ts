/**
 * The 'wasm' backend: WebAssembly SIMD128 kernels on a worker pool over shared memory (issue 10).
 * Importing this module registers it for every model contract ('kmeans', 'gmm', 'nbmm', 'sc', 'knn', 'umap', 'harmony') and
 * makes 'cpu' its alias, so 'auto' falls back to it where WebGPU has no hardware adapter.
 */
import { registerAlias, registerBackend, registerImplementation, type BackendProvider } from '../../core/registry.js';
import { wasmGmm } from './gmm.js';
import { wasmHarmony } from './harmony.js';
import { wasmKMeans } from './kmeans.js';
import { wasmKnn } from './knn.js';
import { wasmNbmm } from './nbmm.js';
import { createPool } from './pool.js';
import { loadWasmRuntime } from './runtime.js';
import { wasmSc } from './sc.js';
import { WasmEngineState } from './state.js';
import { wasmUmap } from './umap.js';

/** One runtime and one pool per engine; the description names the thread count and, on one thread, why. */
export const wasmProvider: BackendProvider = {
  async open(options) {
    let rt: Awaited<ReturnType<typeof loadWasmRuntime>>;
    try {
      rt = await loadWasmRuntime();
    } catch (e) {
      // No WebAssembly, or no SIMD128 (an old browser): 'auto' then falls back to the reference.
      return { unavailable: `WebAssembly SIMD128 cannot run here (${e instanceof Error ? e.message : String(e)})` };
    }
    const pool = await createPool(rt, options.threads === undefined ? {} : { threads: options.threads });
    const threads = `${pool.threads} thread${pool.threads === 1 ? '' : 's'}`;
    return {
      name: 'wasm',
      adapter: `cpu (wasm: WebAssembly SIMD128, ${threads}${pool.note ? `; ${pool.note}` : ''})`,
      ...(pool.note ? { notice: `The 'wasm' backend is ${pool.note} (same results, only slower).` } : {}),
      instance: new WasmEngineState(rt, pool),
      check() {},
      destroy() {
        pool.close();
      },
    };
  },
};

registerBackend('wasm', wasmProvider);
registerAlias('cpu', 'wasm');
registerImplementation('kmeans', 'wasm', wasmKMeans);
registerImplementation('gmm', 'wasm', wasmGmm);
registerImplementation('nbmm', 'wasm', wasmNbmm);
registerImplementation('sc', 'wasm', wasmSc);
registerImplementation('knn', 'wasm', wasmKnn);
registerImplementation('umap', 'wasm', wasmUmap);
registerImplementation('harmony', 'wasm', wasmHarmony);
