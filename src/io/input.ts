/**
 * Byte inputs for the single-cell loaders: Blob / File / ArrayBuffer / typed array / ReadableStream
 * → one ReadableStream<Uint8Array>, gunzipped through DecompressionStream when the bytes start with
 * the gzip magic, with a count of the bytes read. Browser and Node (≥ 18) alike; no Node built-ins.
 */
import { AbortError, BufferLimitError, EmgpuError, FileFormatError } from '../errors.js';
import type { ByteInput } from './types.js';

const CHUNK = 1 << 20;

export interface OpenedInput {
  /** The (decompressed) bytes. */
  stream: ReadableStream<Uint8Array>;
  gzip: boolean;
  /** Size of the raw input when known. */
  totalBytes?: number;
  /** File name when the input is a File. */
  name?: string;
  /** Raw (compressed) bytes read so far. */
  bytesRead(): number;
}

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

function isStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}

/** The file name of a File (or a Node Blob from openAsBlob, which has none). */
export function inputName(input: unknown): string | undefined {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function bytesOf(input: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return new Uint8Array(input);
}

/** A stream over bytes already in memory, in 1 MiB views (no copy). */
function streamOfBytes(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (off >= bytes.length) {
        ctl.close();
        return;
      }
      const end = Math.min(off + CHUNK, bytes.length);
      ctl.enqueue(bytes.subarray(off, end));
      off = end;
    },
  });
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input !== 'object') return typeof input;
  return (input as object).constructor?.name ?? 'object';
}

/** Raw stream, size and name of any accepted input. */
export function rawStream(input: ByteInput, label: string): { stream: ReadableStream<Uint8Array>; totalBytes?: number; name?: string } {
  if (isBlob(input)) return { stream: input.stream() as ReadableStream<Uint8Array>, totalBytes: input.size, name: inputName(input) };
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const b = bytesOf(input);
    return { stream: streamOfBytes(b), totalBytes: b.byteLength };
  }
  if (isStream(input)) return { stream: checkedStream(input, label) };
  throw new FileFormatError(
    `${label}: got ${describe(input)}; pass a File, Blob, ArrayBuffer, Uint8Array or ReadableStream<Uint8Array> (in Node, read10xDir(path) or fs.openAsBlob(path)).`,
  );
}

/**
 * A caller's stream, read through a check: each chunk must be bytes (a Uint8Array, another typed array or an
 * ArrayBuffer, taken as its bytes), and the stream's own failure becomes a FileFormatError with it as `cause`.
 */
function checkedStream(input: ReadableStream<Uint8Array>, label: string): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    if (input.locked) throw new TypeError('ReadableStream is locked');
    reader = input.getReader();
  } catch (e) {
    // A stream another reader holds (or has read from, via pipeTo/getReader) cannot be read here.
    throw new FileFormatError(
      `${label}: the input stream is locked (another reader holds it, or it was piped or already read). Pass a fresh stream, or release the other reader first (reader.releaseLock()).`,
      { cause: e },
    );
  }
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      let r: ReadableStreamReadResult<unknown>;
      try {
        r = await reader.read();
      } catch (e) {
        throw new FileFormatError(
          `${label}: the input stream failed while being read (${e instanceof Error ? e.message : String(e)}). Check the stream's source; the error is the cause.`,
          { cause: e },
        );
      }
      if (r.done) return ctl.close();
      const v = r.value;
      if (v instanceof ArrayBuffer || (ArrayBuffer.isView(v) && !(v instanceof DataView))) ctl.enqueue(bytesOf(v));
      else {
        reader.cancel().catch(() => undefined);
        throw new FileFormatError(
          `${label}: the stream gave ${describe(v)} where bytes were expected. Pass a ReadableStream<Uint8Array> (e.g. response.body, or pipe text through a TextEncoderStream).`,
        );
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

export function abortIfNeeded(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

/**
 * Open an input for streaming: peek at its first bytes, and pipe it through a gzip
 * DecompressionStream when they are the gzip magic 1f 8b (whatever the file is called).
 */
export async function openInput(input: ByteInput, label: string): Promise<OpenedInput> {
  const raw = rawStream(input, label);
  const reader = raw.stream.getReader();
  let bytesRead = 0;
  // Peek: at least two bytes (or the end) decide gzip or not.
  const head: Uint8Array[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < 2) {
    const r = await reader.read();
    if (r.done) {
      ended = true;
      break;
    }
    if (r.value.byteLength === 0) continue;
    head.push(r.value);
    headLen += r.value.byteLength;
    bytesRead += r.value.byteLength;
  }
  const first = head.length === 1 ? head[0] : concat(head, headLen);
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  const counted = new ReadableStream<Uint8Array>({
    start(ctl) {
      if (first.length) ctl.enqueue(first);
      if (ended) ctl.close();
    },
    async pull(ctl) {
      const r = await reader.read();
      if (r.done) ctl.close();
      else {
        bytesRead += r.value.byteLength;
        ctl.enqueue(r.value);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  let stream = counted;
  if (gzip) {
    if (typeof DecompressionStream === 'undefined') {
      throw new FileFormatError(
        `${label}: the file is gzip-compressed and this JavaScript runtime has no DecompressionStream. Decompress it first (gunzip), or use a browser from 2023 on or Node >= 18.`,
      );
    }
    stream = counted.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  }
  return { stream, gzip, totalBytes: raw.totalBytes, name: raw.name, bytesRead: () => bytesRead };
}

export function concat(parts: Uint8Array[], total?: number): Uint8Array {
  const len = total ?? parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/**
 * Read the next chunk of an opened input, turning a decompression failure into a FileFormatError
 * that says what to do.
 */
export async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  opened: OpenedInput,
  label: string,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (opened.gzip) {
      throw new FileFormatError(
        `${label}: gzip decompression failed after ${opened.bytesRead().toLocaleString('en-US')}` +
          `${opened.totalBytes !== undefined ? ` of ${opened.totalBytes.toLocaleString('en-US')}` : ''} compressed bytes (${msg}). ` +
          'The file is truncated or corrupt; download it again (compare its size or checksum with the source).',
      );
    }
    if (e instanceof EmgpuError) throw e;
    throw new FileFormatError(`${label}: reading the input failed (${msg}).`, { cause: e });
  }
}

/**
 * Every byte of an input, gunzipped when it is gzip. For formats that need random access (HDF5).
 * A file (or its decompressed bytes) larger than `maxBytes` is refused before it is all in memory.
 */
export async function readAllBytes(input: ByteInput, label: string, signal?: AbortSignal, maxBytes = Infinity): Promise<Uint8Array> {
  const tooBig = (bytes: number, what: string): BufferLimitError =>
    new BufferLimitError(
      `${label}: the file is ${what}${bytes.toLocaleString('en-US')} bytes, above maxBytes = ${maxBytes.toLocaleString('en-US')}, and must be read into memory whole. ` +
        'Raise maxBytes if the machine has the memory (in a browser, read it from a Web Worker, where a File is not copied).',
    );
  if (!isStream(input) && !isBlob(input)) {
    const b = bytesOf(input as ArrayBuffer | ArrayBufferView);
    if (!(b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b)) return b;
  }
  if (isBlob(input) && input.size >= 2) {
    const h = new Uint8Array(await input.slice(0, 2).arrayBuffer());
    if (!(h[0] === 0x1f && h[1] === 0x8b)) {
      if (input.size > maxBytes) throw tooBig(input.size, '');
      return new Uint8Array(await input.arrayBuffer());
    }
  }
  const opened = await openInput(input, label);
  const reader = opened.stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    abortIfNeeded(signal);
    const r = await readChunk(reader, opened, label);
    if (r.done) break;
    parts.push(r.value);
    total += r.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig(total, 'more than ');
    }
  }
  return parts.length === 1 ? parts[0] : concat(parts, total);
}

/**
 * Call onLine for every line of a text input (UTF-8, gunzipped if needed), without the line
 * terminator (\n or \r\n). A last line without a terminator counts; a leading BOM is dropped.
 */
export async function forEachLine(
  opened: OpenedInput,
  label: string,
  onLine: (line: string, lineNo: number) => void,
  signal?: AbortSignal,
  maxBytes = Infinity,
): Promise<number> {
  const decoder = new TextDecoder('utf-8');
  const reader = opened.stream.getReader();
  let carry = '';
  let lineNo = 0;
  let first = true;
  let text = 0;
  const emit = (line: string): void => {
    lineNo++;
    onLine(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, lineNo);
  };
  try {
    for (;;) {
      abortIfNeeded(signal);
      const r = await readChunk(reader, opened, label);
      // A name file's text is held as strings: refuse one (a gzip bomb, a wrong file) beyond the budget.
      if (!r.done && (text += r.value.byteLength) > maxBytes) {
        throw new BufferLimitError(
          `${label}: more than ${text.toLocaleString('en-US')} bytes of text, above maxBytes = ${maxBytes.toLocaleString('en-US')}. ` +
            'Check that this is the right file (names are a few MB even for a million cells), or raise maxBytes.',
        );
      }
      let chunk = r.done ? decoder.decode() : decoder.decode(r.value, { stream: true });
      if (first && chunk.length > 0) {
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        first = false;
      }
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
        emit(carry + chunk.slice(start, nl));
        carry = '';
        start = nl + 1;
      }
      carry += chunk.slice(start);
      if (r.done) break;
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  }
  reader.releaseLock();
  if (carry.length > 0) emit(carry);
  return lineNo;
}
