/**
 * One chunk of a CSR matrix on the device, and what dense builders need from a device CSR:
 * split from csr.ts so dense.ts can take a device CSR without importing the class that builds
 * dense matrices from it (no import circle).
 */
import type { Layer } from '../../../sc/backend.js';

export interface CsrChunk {
  index: number;
  rowOffset: number;
  rows: number;
  nnzOffset: number;
  nnz: number;
  /** rows + 1 offsets relative to nnzOffset. */
  hostIndptr: Uint32Array;
  hostIndices: Uint32Array;
  indptr: GPUBuffer;
  indices: GPUBuffer;
  raw: GPUBuffer;
  norm: GPUBuffer | null;
  /** {rows, nnz, d, 0} */
  uniform: GPUBuffer;
  colptr: GPUBuffer | null;
  pos: GPUBuffer | null;
}

/** A CSR matrix held on the device in chunks, with its layers. */
export interface CsrOnDevice {
  readonly n: number;
  readonly d: number;
  readonly chunks: CsrChunk[];
  /** The chunk's buffer of `layer`'s values (raw counts or the normalised layer). */
  layerBuffer(c: CsrChunk, layer: Layer): GPUBuffer;
}
