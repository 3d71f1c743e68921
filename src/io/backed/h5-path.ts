/**
 * Node: an HDF5 file opened by its path without reading it into memory. h5wasm's Node build
 * (NODERAWFS) reads the real file with positioned reads, in a worker thread of the file's own
 * (./h5-remote.ts openPathRemote), so every HDF5 call is time-limited and a damaged file cannot hang
 * the caller; slices come back as transferred typed arrays.
 *
 * Before HDF5 walks the file, the structure check of ../h5-check.ts runs over the file streamed in
 * 16 MiB pieces (memory: one piece, plus a global heap collection that straddles two), so the
 * damage that would loop HDF5 is refused here as it is by the in-memory loaders. The check costs
 * one sequential read of the file at open.
 */
import type { File as H5File } from 'h5wasm';
import { NotAFileError } from '../../errors.js';
import { importNodeBuiltin } from '../../core/node-builtin.js';
import { collectionProblem, readUint, superblockSizes } from '../h5-check.js';
import { hdf5Error, hasHdf5Signature, type OpenedH5 } from '../h5.js';
import { openPathRemote, RemoteDataset, RemoteGroup, remoteBytesRead } from '../h5-remote.js';
import { FileFormatError } from '../../errors.js';
import { abortIfNeeded } from '../input.js';

type FsPromises = typeof import('node:fs/promises');
type FileHandle = Awaited<ReturnType<FsPromises['open']>>;

const PIECE = 16 * 2 ** 20;
/** A global heap collection larger than this is not checked (HDF5 makes them 4 KiB to a few MiB). */
const MAX_COLLECTION = 256 * 2 ** 20;
const GCOL = [0x47, 0x43, 0x4f, 0x4c];

async function readAt(fh: FileHandle, at: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
  const buf = into ? into.subarray(0, length) : new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, at + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

function damaged(label: string, what: string): FileFormatError {
  return new FileFormatError(
    `${label}: the HDF5 file is damaged (${what}); reading it would not finish. Get the file again (compare its size or checksum with the source).`,
  );
}

/** checkHdf5Structure (../h5-check.ts) over a file read piece by piece. */
async function checkStructure(fh: FileHandle, size: number, label: string, expect: string, signal?: AbortSignal): Promise<void> {
  const head = await readAt(fh, 0, Math.min(size, 4096));
  // The superblock may follow a user block of 512 · 2^k bytes: probe those offsets beyond the head.
  let sb: Uint8Array | undefined = hasHdf5Signature(head) ? head : undefined;
  for (let off = 4096; !sb && off + 8 <= size; off *= 2) {
    if (hasHdf5Signature(await readAt(fh, off, 8))) sb = await readAt(fh, off, 64);
  }
  if (!sb)
    throw new FileFormatError(
      `${label}: not an HDF5 file (${size === 0 ? 'the file is empty' : 'no HDF5 signature'}). Expected ${expect}.`,
    );
  const { sizeOfLengths } = superblockSizes(sb, label);
  // One buffer for every piece: the check's memory is one piece, whatever the file's size.
  const piece = new Uint8Array(Math.min(PIECE + 16, size));
  for (let at = 0; at < size; at += PIECE) {
    abortIfNeeded(signal);
    // 16 bytes of overlap: a collection header that starts in this piece is read whole.
    const buf = await readAt(fh, at, Math.min(PIECE + 16, size - at), piece);
    const limit = Math.min(PIECE, buf.length);
    for (let i = buf.indexOf(GCOL[0]); i >= 0 && i < limit && i + 16 <= buf.length; i = buf.indexOf(GCOL[0], i + 1)) {
      if (buf[i + 1] !== GCOL[1] || buf[i + 2] !== GCOL[2] || buf[i + 3] !== GCOL[3]) continue;
      if (buf[i + 4] !== 1 || buf[i + 5] !== 0 || buf[i + 6] !== 0 || buf[i + 7] !== 0) continue;
      const csize = readUint(buf, i + 8, sizeOfLengths);
      if (csize > MAX_COLLECTION || at + i + csize > size) continue; // truncation: HDF5 itself reports it
      const coll = i + csize <= buf.length ? buf.subarray(i, i + csize) : await readAt(fh, at + i, csize);
      const problem = collectionProblem(coll, 0, sizeOfLengths);
      if (problem)
        throw damaged(
          label,
          problem.replace(/byte (\d+)/g, (_, b) => `byte ${Number(b) + at + i}`),
        );
    }
  }
}

/** An OpenedH5 over a file on disk, plus how many bytes its worker has read from disk. */
export interface OpenedH5Path extends OpenedH5 {
  bytesRead(): number;
}

/** Open `path` read-only: checks (it is a regular HDF5 file, its structure is sound), then HDF5 in a worker. */
export async function openH5Path(
  path: string,
  label: string,
  options: { timeoutMs: number; signal?: AbortSignal; expect: string },
): Promise<OpenedH5Path> {
  const fsp = await importNodeBuiltin<FsPromises>('fs/promises');
  const { resolve } = await importNodeBuiltin<typeof import('node:path')>('path');
  const full = resolve(path);
  let fh: FileHandle;
  try {
    fh = await fsp.open(full, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NotAFileError(
      path,
      `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be opened (${code ?? String(e)})`}. Check the path; pass ${options.expect}.`,
      { cause: e },
    );
  }
  let size: number;
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new NotAFileError(
        path,
        `${path} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}. Pass ${options.expect} on disk.`,
      );
    size = st.size;
    await checkStructure(fh, size, label, options.expect, options.signal);
  } finally {
    await fh.close();
  }
  abortIfNeeded(options.signal);
  let remote: Awaited<ReturnType<typeof openPathRemote>>;
  try {
    remote = await openPathRemote(full, label, options.timeoutMs);
  } catch (e) {
    throw hdf5Error(label, e, 'open the file');
  }
  if (!remote) throw new FileFormatError(`${label}: no worker threads here to run HDF5 in; read the file with readH5ad instead.`);
  const file = remote;
  return {
    file: file as unknown as H5File,
    h5: { Group: RemoteGroup, Dataset: RemoteDataset } as unknown as OpenedH5['h5'],
    label,
    mounted: true,
    size,
    bytesRead: () => remoteBytesRead(file),
    close() {
      try {
        file.close();
      } catch {
        /* a damaged file may fail to close; its worker ends anyway */
      }
    },
  };
}
