/** bench:umap-speed's browser side: our UMAP of a given kNN on WebGPU (SwiftShader without a GPU), layout returned as base64. */
import { createEngine, umap } from '../src/index.js';

const decode = (b64: string): ArrayBuffer => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;

export async function run(n: number, k: number, idxB64: string, distB64: string) {
  const engine = await createEngine({ backend: 'webgpu' });
  const knn = {
    n,
    k,
    metric: 'euclidean' as const,
    indices: new Int32Array(decode(idxB64)),
    distances: new Float32Array(decode(distB64)),
    backend: 'python',
  };
  const r = await umap(knn, { engine, seed: 0 });
  engine.destroy();
  const bytes = new Uint8Array(r.embedding.buffer);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { adapter: engine.adapter, timings: r.timings, nEpochs: r.nEpochs, nEdges: r.nEdges, embedding: btoa(s) };
}
