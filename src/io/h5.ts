/**
 * HDF5 through h5wasm (HDF5 compiled to WebAssembly), loaded on first use, and how a file is
 * opened (typed reads of its datasets: ./h5-read.ts; the 10x reader: ./10x-h5.ts).
 *
 * Opening: in a Web Worker a File/Blob is mounted with Emscripten's WORKERFS, so HDF5 reads only
 * the parts it needs, on demand, through FileReaderSync (the file is never copied whole into
 * memory). Everywhere else (the main thread, Node) the bytes are read into one ArrayBuffer and
 * handed to the in-memory file system without a second copy: memory = the file size, for the
 * duration of the load, plus the arrays read out of it.

 */
import { heapUtf8 } from './names.js';
import type { File as H5File } from 'h5wasm';
import { EmgpuError, FileFormatError, invalid } from '../errors.js';
import { DEFAULT_H5_TIMEOUT_MS, h5Worker, openRemote, RemoteDataset, RemoteGroup, type RemoteFile } from './h5-remote.js';
import { checkHdf5Structure } from './h5-check.js';
import { formatCount } from './text.js';
import { abortIfNeeded, inputName, readAllBytes } from './input.js';
import type { ByteInput } from './types.js';

type H5wasm = typeof import('h5wasm').default;

interface EmFS {
  writeFile(path: string, data: Uint8Array, opts?: { canOwn?: boolean }): void;
  unlink(path: string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  mount(type: unknown, opts: unknown, mountpoint: string): unknown;
  unmount(mountpoint: string): void;
  filesystems: Record<string, unknown>;
}

interface H5Runtime {
  h5: H5wasm;
  FS: EmFS;
}

let runtime: Promise<H5Runtime> | undefined;

/** h5wasm, loaded (and its WebAssembly compiled) on first use; HDF5 errors throw instead of printing. */
export function loadH5wasm(): Promise<H5Runtime> {
  runtime ??= (async () => {
    const mod = await import('h5wasm');
    const h5 = mod.default;
    const Module = await h5.ready;
    (Module as unknown as { activate_throwing_error_handler?: () => number }).activate_throwing_error_handler?.();
    // Strings come through Module.UTF8ToString: replaced so invalid UTF-8 reads as U+FFFD (./names.ts).
    const M = Module as unknown as { UTF8ToString: unknown; HEAPU8: Uint8Array };
    M.UTF8ToString = heapUtf8(() => M.HEAPU8);
    return { h5, FS: Module.FS as unknown as EmFS };
  })();
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's superblock signature at offset 0, 512, 1024, 2048, … (after an optional user block). */
export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    let ok = true;
    for (let k = 0; k < 8; k++) {
      if (bytes[off + k] !== SIGNATURE[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'it is gzip-compressed data';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'it is a zip archive (a .zarr.zip? a .loom.zip?)';
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 40)).replace(/[^\x20-\x7e]/g, '.');
  if (head.startsWith('%%MatrixMarket')) return 'it is a MatrixMarket text file (use read10x for .mtx)';
  return `it starts with "${head}"`;
}

/**
 * Turn an h5wasm/HDF5 failure into a FileFormatError that says what happened and what to do. Any
 * failure inside h5wasm counts: an HDF5 error stack, a WebAssembly trap ("memory access out of
 * bounds") or a TypeError from h5wasm's JavaScript on metadata it did not expect; all mean the
 * file is damaged or not what it claims. The original error is the cause.
 */
export function hdf5Error(label: string, e: unknown, doing: string): EmgpuError {
  if (e instanceof EmgpuError) return e;
  const text = e instanceof Error ? e.message : String(e);
  if (!/HDF5|H5/.test(text)) {
    const trap = typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
    return new FileFormatError(
      `${label}: HDF5 could not ${doing} (${trap ? 'WebAssembly ' : ''}${text.split('\n')[0]}). The file is damaged or not an HDF5 file; get it again.`,
      { cause: e },
    );
  }
  const trunc = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(text);
  if (trunc) {
    return new FileFormatError(
      `${label}: the HDF5 file is truncated: ${formatCount(Number(trunc[1]))} of ${formatCount(Number(trunc[2]))} bytes are there. ` +
        'The download or copy was cut short; get the file again.',
      { cause: e },
    );
  }
  // The innermost entry of HDF5's error stack names the cause.
  const entries = [...text.matchAll(/#\d+: .*? in ([A-Za-z0-9_]+)\(\): (.*)/g)];
  const cause = entries.length ? entries[entries.length - 1][2].trim() : text.split('\n')[0];
  return new FileFormatError(`${label}: HDF5 could not ${doing} (${cause}). The file is corrupt or truncated; get it again.`, { cause: e });
}

export interface OpenedH5 {
  file: H5File;
  h5: H5wasm;
  label: string;
  /** Mounted through WORKERFS (nothing copied) rather than read into memory. */
  mounted: boolean;
  /** Bytes of the file. */
  size: number;
  close(): void;
}

let openCount = 0;

function inWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown; FileReaderSync?: unknown };
  return (
    typeof g.WorkerGlobalScope === 'function' &&
    globalThis instanceof (g.WorkerGlobalScope as new () => unknown) &&
    typeof g.FileReaderSync === 'function'
  );
}

export interface OpenH5Options {
  /** Mount a Blob/File with WORKERFS when running in a worker (default true). */
  mount?: boolean;
  signal?: AbortSignal;
  /** What the caller expects, for the "not HDF5" message. */
  expect?: string;
  /** Refuse a file that must be read into memory whole and is larger than this. */
  maxBytes?: number;
  /** Node: the most one HDF5 read may take before it is stopped (FileTimeoutError). Default 60 s. */
  timeoutMs?: number;
}

/** Whether readAllBytes handed back the caller's own memory (then it is copied, never moved). */
function callerMemory(input: ByteInput, bytes: Uint8Array): boolean {
  if (input instanceof ArrayBuffer) return bytes.buffer === input;
  return ArrayBuffer.isView(input) && bytes.buffer === input.buffer;
}

/** Validate timeoutMs (undefined = the default). */
export function checkTimeout(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_H5_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw invalid(
      'BAD_OPTION',
      `timeoutMs=${String(timeoutMs)} must be a positive number of milliseconds (default ${DEFAULT_H5_TIMEOUT_MS}).`,
    );
  }
  return timeoutMs;
}

/**
 * Open an HDF5 input read-only. Blobs in a worker are mounted (random access, no copy); anything
 * else is read into memory and given to HDF5's in-memory file system (no second copy).
 */
export async function openH5(input: ByteInput, label: string, options: OpenH5Options = {}): Promise<OpenedH5> {
  const timeoutMs = checkTimeout(options.timeoutMs);
  const mountable = typeof Blob !== 'undefined' && input instanceof Blob && (options.mount ?? true) && inWorker();
  // h5wasm in this thread only where it is used: mounting, or where no worker thread can run it.
  const here = mountable ? await loadH5wasm() : undefined;
  abortIfNeeded(options.signal);
  const id = ++openCount;
  const expect = options.expect ?? 'an HDF5 file';
  const notH5 = (start: Uint8Array): FileFormatError =>
    new FileFormatError(`${label}: not an HDF5 file: ${describeStart(start)}. Expected ${expect}.`);
  if (here && input instanceof Blob && here.FS.filesystems.WORKERFS) {
    const { h5, FS } = here;
    const head = new Uint8Array(await input.slice(0, Math.min(input.size, 4096)).arrayBuffer());
    if (!hasHdf5Signature(head)) {
      // A user block can push the signature past 4 KiB; probe the larger power-of-two offsets.
      let found = false;
      for (let off = 4096; off + 8 <= input.size && !found; off *= 2) {
        const probe = new Uint8Array(await input.slice(off, off + 8).arrayBuffer());
        found = probe.length === 8 && probe.every((b, k) => b === SIGNATURE[k]);
      }
      if (!found) throw notH5(head);
    }
    const dir = `/emgpu-mnt-${id}`;
    const name = inputName(input) ?? 'data.h5';
    FS.mkdir(dir);
    FS.mount(FS.filesystems.WORKERFS, { blobs: [{ name, data: input }] }, dir);
    const unmount = (): void => {
      try {
        FS.unmount(dir);
        FS.rmdir(dir);
      } catch {
        /* already gone */
      }
    };
    let file: H5File;
    try {
      file = new h5.File(`${dir}/${name}`, 'r');
    } catch (e) {
      unmount();
      throw hdf5Error(label, e, 'open the file');
    }
    return {
      file,
      h5,
      label,
      mounted: true,
      size: input.size,
      close() {
        try {
          file.close();
        } catch {
          /* a damaged file may fail to close; the mount goes anyway */
        } finally {
          unmount();
        }
      },
    };
  }
  const bytes = await readAllBytes(input, label, options.signal, options.maxBytes);
  if (!hasHdf5Signature(bytes)) throw notH5(bytes.subarray(0, 64));
  checkHdf5Structure(bytes, label);
  // Node: HDF5 runs in a worker thread that a time limit can stop (./h5-remote.ts).
  const worker = await h5Worker(label, timeoutMs);
  if (worker) {
    let remote: RemoteFile;
    try {
      remote = openRemote(worker, bytes, !callerMemory(input, bytes), label, timeoutMs);
    } catch (e) {
      throw hdf5Error(label, e, 'open the file');
    }
    return {
      file: remote as unknown as H5File,
      h5: { Group: RemoteGroup, Dataset: RemoteDataset } as unknown as H5wasm,
      label,
      mounted: false,
      size: bytes.byteLength,
      close() {
        try {
          remote.close();
        } catch {
          /* a damaged file may fail to close; the worker drops it anyway */
        }
      },
    };
  }
  const { h5, FS } = here ?? (await loadH5wasm());
  const path = `/emgpu-${id}.h5`;
  FS.writeFile(path, bytes, { canOwn: true });
  let file: H5File;
  try {
    file = new h5.File(path, 'r');
  } catch (e) {
    FS.unlink(path);
    throw hdf5Error(label, e, 'open the file');
  }
  return {
    file,
    h5,
    label,
    mounted: false,
    size: bytes.byteLength,
    close() {
      try {
        file.close();
      } catch {
        /* a damaged file may fail to close; its bytes go anyway */
      } finally {
        try {
          FS.unlink(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
