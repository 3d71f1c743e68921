/**
 * Structural checks on HDF5 bytes before h5wasm walks them, for damage that makes the HDF5 library
 * loop forever or read outside its memory rather than report an error.
 *
 * The one loop found so far: a global heap collection ("GCOL", where variable-length strings such
 * as AnnData's encoding-type attributes live) whose object headers are zeroed. HDF5 decodes the
 * collection by stepping from object to object; an object with index 0 (free space) and size 0
 * steps by 0 bytes, so H5HG__cache_heap_deserialize never ends (one zeroed 512-byte block of an
 * .h5ad did this). Here each collection is walked the way HDF5 walks it, and one whose objects do
 * not tile it exactly is refused.
 */
import { FileFormatError } from '../errors.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const GCOL = [0x47, 0x43, 0x4f, 0x4c];

/** Offset of the superblock signature (0, 512, 1024, 2048, …), or -1. */
export function superblockOffset(bytes: Uint8Array): number {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (SIGNATURE.every((b, k) => bytes[off + k] === b)) return off;
  }
  return -1;
}

/** Little-endian unsigned integer of `size` bytes (exact up to 2^53). */
export function readUint(bytes: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let k = size - 1; k >= 0; k--) v = v * 256 + bytes[at + k];
  return v;
}

function damaged(label: string, what: string): FileFormatError {
  return new FileFormatError(
    `${label}: the HDF5 file is damaged (${what}); reading it would not finish. Get the file again (compare its size or checksum with the source).`,
  );
}

/** The sizes of lengths and offsets the superblock declares (bytes each: 2, 4, 8 or 16). */
export function superblockSizes(bytes: Uint8Array, label: string): { sizeOfOffsets: number; sizeOfLengths: number } {
  const at = superblockOffset(bytes);
  if (at < 0) throw damaged(label, 'no superblock signature');
  if (at + 16 > bytes.length) throw damaged(label, 'the superblock is cut short');
  const version = bytes[at + 8];
  let sizeOfOffsets: number;
  let sizeOfLengths: number;
  if (version <= 1) {
    sizeOfOffsets = bytes[at + 13];
    sizeOfLengths = bytes[at + 14];
  } else if (version <= 3) {
    sizeOfOffsets = bytes[at + 9];
    sizeOfLengths = bytes[at + 10];
  } else throw damaged(label, `superblock version ${version}, which no HDF5 release writes`);
  const ok = (s: number): boolean => s === 2 || s === 4 || s === 8 || s === 16;
  if (!ok(sizeOfOffsets) || !ok(sizeOfLengths)) {
    throw damaged(label, `the superblock gives ${sizeOfOffsets}-byte offsets and ${sizeOfLengths}-byte lengths; HDF5 uses 2, 4, 8 or 16`);
  }
  return { sizeOfOffsets, sizeOfLengths };
}

/**
 * Walk one global heap collection at `at` as HDF5 does; return null when its objects tile it,
 * else what is wrong. Header: "GCOL", version 1, 3 reserved bytes, the collection size; each
 * object: index (2), reference count (2), reserved (4), size, then the data padded to 8 bytes.
 * Index 0 is the free space, whose size field covers the rest of the collection.
 */
export function collectionProblem(bytes: Uint8Array, at: number, lengthSize: number): string | null {
  const size = readUint(bytes, at + 8, lengthSize);
  const header = 8 + lengthSize;
  const objHeader = 8 + lengthSize;
  if (size < header) return `a global heap collection at byte ${at} declares ${size} bytes`;
  const end = at + size;
  if (end > bytes.length) return null; // truncation: HDF5 itself reports it
  let p = at + header;
  while (p < end) {
    if (p + objHeader > end) return null; // a tail too small for a header is free space
    const index = readUint(bytes, p, 2);
    const objSize = readUint(bytes, p + 8, lengthSize);
    const need = index > 0 ? objHeader + Math.ceil(objSize / 8) * 8 : objSize;
    if (need === 0) return `a zeroed object header at byte ${p} of the global heap collection at byte ${at}`;
    if (need > end - p) return `an object at byte ${p} runs past the end of the global heap collection at byte ${at}`;
    p += need;
  }
  return null;
}

/**
 * Refuse HDF5 bytes that would hang or crash the HDF5 library: a bad superblock, or a damaged
 * global heap collection. O(file size) with a native byte search; nothing is allocated.
 */
export function checkHdf5Structure(bytes: Uint8Array, label: string): void {
  const { sizeOfLengths } = superblockSizes(bytes, label);
  for (let i = bytes.indexOf(GCOL[0]); i >= 0 && i + 16 <= bytes.length; i = bytes.indexOf(GCOL[0], i + 1)) {
    if (bytes[i + 1] !== GCOL[1] || bytes[i + 2] !== GCOL[2] || bytes[i + 3] !== GCOL[3]) continue;
    // A version-1 header with zero reserved bytes: a collection, not the letters "GCOL" in some data.
    if (bytes[i + 4] !== 1 || bytes[i + 5] !== 0 || bytes[i + 6] !== 0 || bytes[i + 7] !== 0) continue;
    const problem = collectionProblem(bytes, i, sizeOfLengths);
    if (problem) throw damaged(label, problem);
  }
}
