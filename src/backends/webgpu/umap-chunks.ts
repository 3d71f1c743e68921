/**
 * How UMAP's layout is cut to fit the device's storage binding limit (shaders/umap/layout.wgsl):
 * positions in at most POS_CHUNKS chunks of `posRows` rows (any vertex may be read by any thread,
 * so all of them are bound to every dispatch), and vertex chunks — runs of vertices inside one
 * position chunk whose CSR slice (local row offsets, and 3 u32 per edge) fits one binding. The
 * engine's maxChunkRows caps both (tests force tiny chunks), positions no further than
 * POS_CHUNKS allows. Every vertex computes the same thing in any chunk, so any cut gives the
 * same bits.
 */
import { BufferLimitError } from '../../errors.js';

/** Position chunks bound at once (cur0..cur3): 4 of the 8 storage bindings WebGPU guarantees per stage. */
export const POS_CHUNKS = 4;
/** Words per edge in a vertex chunk's edge buffer: tail, rate, the reverse edge's rate. */
export const EDGE_WORDS = 3;

export interface VertexChunk {
  /** First vertex and vertex count. */
  v0: number;
  rows: number;
  /** First (global) edge and edge count. */
  e0: number;
  edges: number;
  /** The position chunk holding the vertices. */
  pos: number;
}

export interface LayoutChunks {
  posRows: number;
  posChunks: number;
  vertexChunks: VertexChunk[];
}

export function layoutChunks(indptr: Uint32Array, n: number, nComponents: number, maxBinding: number, cap?: number): LayoutChunks {
  let posRows = Math.min(n, Math.floor(maxBinding / (4 * nComponents)));
  if (cap !== undefined) posRows = Math.min(posRows, Math.max(1, Math.floor(cap)));
  posRows = Math.max(posRows, Math.ceil(n / POS_CHUNKS));
  if (posRows * 4 * nComponents > maxBinding)
    throw new BufferLimitError(
      `UMAP's ${n} × ${nComponents} float32 positions need more than ${POS_CHUNKS} storage bindings of ${maxBinding} bytes (the device's limit). ` +
        "Pass fewer cells or nComponents, or use backend: 'cpu'.",
    );
  const maxRows = Math.min(cap === undefined ? n : Math.max(1, Math.floor(cap)), Math.floor(maxBinding / 4) - 1);
  const maxEdges = Math.floor(maxBinding / (4 * EDGE_WORDS));
  const vertexChunks: VertexChunk[] = [];
  for (let start = 0, pos = 0; start < n; start += posRows, pos++) {
    const end = Math.min(n, start + posRows);
    let v0 = start;
    while (v0 < end) {
      let v1 = v0;
      while (v1 < end && v1 - v0 < maxRows && indptr[v1 + 1] - indptr[v0] <= maxEdges) v1++;
      if (v1 === v0)
        throw new BufferLimitError(
          `UMAP vertex ${v0} has ${indptr[v0 + 1] - indptr[v0]} edges, more than one storage binding of ${maxBinding} bytes holds. Pass a sparser graph, or use backend: 'cpu'.`,
        );
      vertexChunks.push({ v0, rows: v1 - v0, e0: indptr[v0], edges: indptr[v1] - indptr[v0], pos });
      v0 = v1;
    }
  }
  return { posRows, posChunks: Math.ceil(n / posRows), vertexChunks };
}
