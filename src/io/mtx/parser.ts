/**
 * The one MatrixMarket parser: bytes in (any chunking), checked entries out to a sink. The dense
 * reader (./dense.ts) and the streamed CSR reader (./csr.ts) are sinks of it.
 */
import type { FileFormatError } from '../../errors.js';
import { formatCount, quoteField } from '../text.js';
import { type MtxField, type MtxSize, mtxFail, parseBanner, parseSizeLine } from './header.js';

const MAX_HEADER_LINE = 1 << 16;

/** Where the parsed matrix goes: a dense array, or CSR arrays (./dense.ts, ./csr.ts). */
export interface MtxSink {
  /** The size line was read; called before any entry (throw to refuse the matrix). */
  begin(size: MtxSize, field: MtxField): void;
  /** One entry: 1-based file row and column, its value (1 for pattern), and its 0-based line number. */
  entry(r: number, c: number, value: number, lineNo: number): void;
}

/**
 * Incremental MatrixMarket parser: feed byte chunks, then end(). Header lines are decoded as text
 * (./header.ts); entries are parsed from bytes with the state carried across chunk boundaries, and
 * handed to the sink once checked (field count, declared count, index range, value type).
 */
export class MtxParser {
  // Header.
  private phase: 0 | 1 | 2 = 0;
  private headerCarry: Uint8Array[] = [];
  private headerCarryLen = 0;
  private readonly decoder = new TextDecoder('utf-8');
  lineNo = 0;
  field: MtxField = 'integer';
  rows = 0;
  cols = 0;
  declared = 0;
  /** Entries parsed so far. */
  count = 0;
  /** Whole-number values beyond float32's exact range (2^24). */
  beyondExact = 0;
  // Entry-parse state carried between chunks.
  private fieldNo = 0;
  private seen = false;
  private comment = false;
  private r = 0;
  private c = 0;
  private v = 0;
  private floatMode = false;
  private readonly fbuf = new Uint8Array(128);
  private flen = 0;

  constructor(
    private readonly label: string,
    private readonly sink: MtxSink,
  ) {}

  get inEntries(): boolean {
    return this.phase === 2;
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    while (this.phase !== 2) {
      const nl = chunk.indexOf(10, off);
      if (nl < 0) {
        this.carryHeader(chunk.subarray(off));
        return;
      }
      this.carryHeader(chunk.subarray(off, nl));
      off = nl + 1;
      const line = this.takeHeaderLine();
      this.headerLine(line);
    }
    if (off < chunk.length) this.entries(chunk, off);
  }

  end(): void {
    if (this.phase !== 2) {
      if (this.headerCarryLen > 0 || this.lineNo === 0) this.headerLine(this.takeHeaderLine(), true);
      if ((this.phase as number) !== 2) {
        throw mtxFail(
          this.label,
          this.lineNo === 0 || this.phase === 0
            ? 'the file is empty. A MatrixMarket file starts with "%%MatrixMarket matrix coordinate integer general".'
            : 'the file ends after the header, before the "rows columns entries" size line. The file is truncated; download or export it again.',
        );
      }
    }
    // A last line without a newline.
    if (this.fieldNo > 0 || this.seen) this.entries(Uint8Array.of(10), 0);
    if (this.count < this.declared) {
      throw mtxFail(
        this.label,
        `the size line declares ${formatCount(this.declared)} entries but the file has only ${formatCount(this.count)}. ` +
          'The file is truncated; download it again (or re-export the matrix).',
      );
    }
  }

  private carryHeader(part: Uint8Array): void {
    if (part.length === 0) return;
    this.headerCarryLen += part.length;
    if (this.headerCarryLen > MAX_HEADER_LINE) {
      throw mtxFail(
        this.label,
        this.lineNo === 0
          ? 'the file does not start with a MatrixMarket header line ("%%MatrixMarket matrix coordinate ..."). Is this really a .mtx file (or a gzip of one)?'
          : `line ${this.lineNo + 1} is longer than ${formatCount(MAX_HEADER_LINE)} bytes; a MatrixMarket header or size line is short. The file is not MatrixMarket.`,
      );
    }
    this.headerCarry.push(part.slice());
  }

  private takeHeaderLine(): string {
    let bytes: Uint8Array;
    if (this.headerCarry.length === 1) bytes = this.headerCarry[0];
    else {
      bytes = new Uint8Array(this.headerCarryLen);
      let o = 0;
      for (const p of this.headerCarry) {
        bytes.set(p, o);
        o += p.length;
      }
    }
    this.headerCarry = [];
    this.headerCarryLen = 0;
    let line = this.decoder.decode(bytes);
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    return line;
  }

  private headerLine(line: string, atEnd = false): void {
    this.lineNo++;
    const label = this.label;
    if (this.phase === 0) {
      if (line.trim() === '') {
        if (atEnd) return;
        throw mtxFail(label, 'line 1 is empty; a MatrixMarket file starts with "%%MatrixMarket matrix coordinate integer general".');
      }
      this.field = parseBanner(line, label);
      this.phase = 1;
      return;
    }
    // Size line, after comments and blank lines.
    const size = parseSizeLine(line, this.lineNo, label);
    if (!size) return;
    this.rows = size.rows;
    this.cols = size.cols;
    this.declared = size.nnz;
    this.sink.begin(size, this.field);
    this.phase = 2;
  }

  private bad(lineNo: number, message: string): FileFormatError {
    return mtxFail(this.label, `line ${lineNo + 1}: ${message}`);
  }

  /** The hot loop: parse "row col [value]" lines from bytes. */
  private entries(chunk: Uint8Array, from: number): void {
    const want = this.field === 'pattern' ? 2 : 3;
    const integerField = this.field === 'integer';
    const { rows, cols, declared, sink } = this;
    let { fieldNo, seen, comment, r, c, v, floatMode, flen, count, lineNo, beyondExact } = this;
    const fbuf = this.fbuf;
    const len = chunk.length;
    try {
      for (let i = from; i < len; i++) {
        const b = chunk[i];
        if (comment) {
          if (b === 10) {
            comment = false;
            lineNo++;
          }
          continue;
        }
        const dgt = b - 48;
        if (dgt >= 0 && dgt <= 9) {
          if (fieldNo === 0) r = r * 10 + dgt;
          else if (fieldNo === 1) c = c * 10 + dgt;
          else if (fieldNo === 2) {
            if (floatMode) {
              if (flen >= fbuf.length) throw this.bad(lineNo, 'a value is longer than 128 characters.');
              fbuf[flen++] = b;
            } else v = v * 10 + dgt;
          } else {
            throw this.bad(lineNo, `more than ${want} fields; an entry is "row column${want === 3 ? ' value' : ''}".`);
          }
          seen = true;
          continue;
        }
        if (b === 32 || b === 9 || b === 13) {
          if (seen) {
            fieldNo++;
            seen = false;
          }
          continue;
        }
        if (b === 10) {
          const nf = fieldNo + (seen ? 1 : 0);
          if (nf !== 0) {
            if (nf !== want) {
              throw this.bad(
                lineNo,
                `an entry has ${nf} field(s); expected ${want} ("row column${want === 3 ? ' value' : ''}"). The file is corrupt or truncated.`,
              );
            }
            if (count >= declared) {
              throw this.bad(
                lineNo,
                `an entry beyond the ${formatCount(declared)} declared on the size line. The size line or the file is wrong; export the matrix again.`,
              );
            }
            if (r < 1 || r > rows || c < 1 || c > cols) {
              throw this.bad(
                lineNo,
                `index (${r}, ${c}) is outside the ${rows}×${cols} matrix; MatrixMarket indices are 1-based (rows 1..${rows}, columns 1..${cols}).`,
              );
            }
            let value = 1;
            if (want === 3) {
              if (floatMode) {
                const s = String.fromCharCode.apply(null, fbuf.subarray(0, flen) as unknown as number[]);
                value = Number(s);
                if (!Number.isFinite(value) || s === '-' || s === '+' || s === '.') {
                  throw this.bad(lineNo, `value ${quoteField(s)} is not a finite number.`);
                }
                if (integerField && !Number.isInteger(value)) {
                  throw this.bad(lineNo, `value ${quoteField(s)} is not an integer, as the header's "integer" requires.`);
                }
                if (Number.isInteger(value) && Math.abs(value) > 16777216) beyondExact++;
              } else {
                value = v;
                if (v > 16777216) beyondExact++;
              }
            }
            sink.entry(r, c, value, lineNo);
            count++;
          }
          lineNo++;
          fieldNo = 0;
          seen = false;
          r = 0;
          c = 0;
          v = 0;
          floatMode = false;
          flen = 0;
          continue;
        }
        if (b === 37 && fieldNo === 0 && !seen) {
          comment = true; // '%' comment line
          continue;
        }
        if (
          fieldNo === 2 &&
          (b === 46 ||
            b === 101 ||
            b === 69 ||
            b === 45 ||
            b === 43 ||
            b === 110 ||
            b === 78 ||
            b === 97 ||
            b === 65 ||
            b === 105 ||
            b === 73)
        ) {
          // '.', 'e', 'E', '-', '+' (and letters of nan/inf, rejected later): a real value.
          if (!floatMode) {
            floatMode = true;
            flen = 0;
            if (seen) {
              const digits = String(v);
              for (let q = 0; q < digits.length; q++) fbuf[flen++] = digits.charCodeAt(q);
            }
          }
          if (flen >= fbuf.length) throw this.bad(lineNo, 'a value is longer than 128 characters.');
          fbuf[flen++] = b;
          seen = true;
          continue;
        }
        throw this.bad(
          lineNo,
          `unexpected character ${quoteField(String.fromCharCode(b))} in ${['the row index', 'the column index', 'the value'][fieldNo] ?? 'an entry'}. ` +
            (b === 0 || b > 126
              ? 'The file looks binary: is it compressed with something other than gzip, or not a .mtx file?'
              : 'The file is corrupt.'),
        );
      }
    } finally {
      Object.assign(this, { fieldNo, seen, comment, r, c, v, floatMode, flen, count, lineNo, beyondExact });
    }
  }
}
