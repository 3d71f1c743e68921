/**
 * Where a backed source's HDF5 file comes from, and what that costs in memory:
 * - Node, a path: HDF5 reads the file on disk in a worker (./h5-path.ts); nothing is read whole.
 * - A Web Worker, a File/Blob: mounted with WORKERFS (../h5.ts openH5); HDF5 reads the parts it
 *   needs through FileReaderSync.
 * - A browser's main thread, a File/Blob: there is no synchronous file access there, so the File
 *   is read whole into memory when it is at most maxBytes, and refused above (BufferLimitError:
 *   open it from a Web Worker). Bytes (ArrayBuffer, Uint8Array, a stream) are read whole everywhere.
 * - Node, a Blob or bytes: read whole into the HDF5 worker's memory (within maxBytes).
 */
import { BufferLimitError, invalid } from '../../errors.js';
import { openH5, type OpenedH5 } from '../h5.js';
import { formatBytes } from '../memory.js';
import type { ByteInput } from '../types.js';
import { openH5Path } from './h5-path.js';

/** How the file is read: by path from disk, mounted (WORKERFS), or held in memory whole. */
export type BackedAccess = 'path' | 'mounted' | 'memory';

export interface BackedH5 {
  h: OpenedH5;
  access: BackedAccess;
  /** Bytes read from disk so far (path access only). */
  bytesRead?: () => number;
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

function inWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown };
  return typeof g.WorkerGlobalScope === 'function' && globalThis instanceof (g.WorkerGlobalScope as new () => unknown);
}

export async function openBackedH5(
  input: string | ByteInput,
  label: string,
  options: { maxBytes: number; timeoutMs: number; signal?: AbortSignal; mount?: boolean; expect: string; fn: string },
): Promise<BackedH5> {
  if (typeof input === 'string') {
    if (!isNode())
      throw invalid(
        'BAD_OPTION',
        `${options.fn}: a path ("${input}") can be opened in Node only. In a browser pass the File (from <input type="file">), from a Web Worker.`,
      );
    const h = await openH5Path(input, label, { timeoutMs: options.timeoutMs, signal: options.signal, expect: options.expect });
    return { h, access: 'path', bytesRead: h.bytesRead };
  }
  const blob = typeof Blob !== 'undefined' && input instanceof Blob;
  if (blob && !isNode() && !inWorker() && input.size > options.maxBytes) {
    throw new BufferLimitError(
      `${label}: ${formatBytes(input.size)}, and on a browser's main thread a File can only be read whole (there is no synchronous file access there), ` +
        `which is above maxBytes = ${formatBytes(options.maxBytes)}. Call ${options.fn} from a Web Worker, where the File is mounted and read in blocks on demand, or raise maxBytes.`,
    );
  }
  const h = await openH5(input, label, {
    signal: options.signal,
    mount: options.mount,
    expect: options.expect,
    maxBytes: options.maxBytes,
    timeoutMs: options.timeoutMs,
  });
  return { h, access: h.mounted ? 'mounted' : 'memory' };
}
