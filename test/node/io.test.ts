import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { parseDelimited } from '../../src/io/delimited.js';
import { parseMatrixMarket } from '../../src/io/mtx/dense.js';
import { formatLabelsCsv, readFileBytes, readMatrixFile, writeLabelsCsv } from '../../src/io/node.js';
import { FileFormatError } from '../../src/errors.js';

const DATA = new URL('../../data/', import.meta.url).pathname;
const FIXTURES = '/work/shared/data/scanpy_10x_format_fixtures';
const CHR21 = `${FIXTURES}/1.2.0/filtered_gene_bc_matrices/hg19_chr21/matrix.mtx`;
const V3 = `${FIXTURES}/3.0.0/filtered_feature_bc_matrix/matrix.mtx.gz`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'emgpu-io-'));
}

/** Sum of the value column of a MatrixMarket text, by plain line splitting (independent of the parser). */
function mtxValueSum(text: string): { sum: number; entries: number } {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('%'));
  let sum = 0;
  for (const l of lines.slice(1)) sum += Number(l.trim().split(/\s+/)[2]);
  return { sum, entries: lines.length - 1 };
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

function expectFormatError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FileFormatError);
  expect((caught as FileFormatError).code).toBe('FILE_FORMAT');
  expect((caught as Error).message).toMatch(pattern);
}

describe('readMatrixFile on the bundled scikit-learn data', () => {
  test('reads digits as 1797 × 64 with the digit labels split off and the known class counts', () => {
    const m = readMatrixFile(join(DATA, 'digits.csv.gz'), { labelColumn: 'last' });
    expect(m.kind).toBe('delimited');
    expect([m.n, m.d]).toEqual([1797, 64]);
    expect(m.data.length).toBe(1797 * 64);
    const counts = new Array(10).fill(0);
    for (const y of m.labels!) counts[y]++;
    expect(counts).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // First row of the file: 0,0,5,13,9,1,0,0,...
    expect(Array.from(m.data.subarray(0, 6))).toEqual([0, 0, 5, 13, 9, 1]);
    expect(Math.min(...m.data)).toBe(0);
    expect(Math.max(...m.data)).toBe(16);
    expect(m.kind === 'delimited' && m.header).toBe(false);
    expect(m.rowNames).toBeUndefined();
  });

  test('reads iris as 150 × 4, recognising the scikit-learn first line and its class names', () => {
    const m = readMatrixFile(join(DATA, 'iris.csv.gz'));
    expect(m.kind === 'delimited' && m.format).toBe('sklearn');
    expect([m.n, m.d]).toEqual([150, 4]);
    expect(Array.from(m.data.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(Array.from(m.data.subarray(149 * 4))).toEqual([5.9, 3.0, 5.1, 1.8]);
    expect(m.kind === 'delimited' && m.labelNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(m.labels!.filter((y) => y === 0)).toHaveLength(50);
    expect(m.labels!.filter((y) => y === 2)).toHaveLength(50);
  });

  test('reads iris with the first line skipped and no label column as 150 × 5', () => {
    const m = readMatrixFile(join(DATA, 'iris.csv.gz'), { skipLines: 1 });
    expect([m.n, m.d]).toEqual([150, 5]);
    expect(Array.from(m.data.subarray(0, 5))).toEqual([5.1, 3.5, 1.4, 0.2, 0]);
    expect(m.labels).toBeUndefined();
  });
});

describe('readMatrixFile on 10x MatrixMarket fixtures', () => {
  test('transposes the Cell Ranger 2 hg19_chr21 matrix (343 genes × 12 cells) to n = 12 cells, d = 343 genes', () => {
    const m = readMatrixFile(CHR21);
    expect(m.kind).toBe('mtx');
    expect([m.n, m.d]).toEqual([12, 343]);
    const { sum: expected, entries } = mtxValueSum(readFileSync(CHR21, 'utf8'));
    expect(entries).toBe(12);
    expect(sum(m.data)).toBe(expected);
    // Entry "201 1 1": gene 201 of cell 1 → row 0, column 200.
    expect(m.data[0 * 343 + 200]).toBe(1);
    // barcodes.tsv beside the matrix names the cells.
    expect(m.rowNames).toHaveLength(12);
    expect(m.rowNames![0]).toMatch(/^[ACGT]+-1$/);
  });

  test('reads the gzipped Cell Ranger 3 matrix as 1107 cells × 507 features with the file’s total count', () => {
    const m = readMatrixFile(V3);
    expect([m.n, m.d]).toEqual([1107, 507]);
    expect(m.kind === 'mtx' && m.nnz).toBe(23866);
    const { sum: expected, entries } = mtxValueSum(gunzipSync(readFileSync(V3)).toString('utf8'));
    expect(entries).toBe(23866);
    expect(sum(m.data)).toBe(expected);
    // First entry "458 1 3".
    expect(m.data[0 * 507 + 457]).toBe(3);
    expect(m.rowNames).toHaveLength(1107);
  });

  test('refuses to densify past maxDenseEntries and says how large the matrix is and what to do', () => {
    expectFormatError(
      () => readMatrixFile(V3, { maxDenseEntries: 100_000 }),
      /n×d = 1,107 cells × 507 genes = 561,249 entries \(4\.5 MB dense as float64\), which is too large to densify.*Select genes first.*--max-dense/s,
    );
  });
});

describe('parseMatrixMarket', () => {
  const header = '%%MatrixMarket matrix coordinate integer general\n%\n';

  test('gives the dense size in GB for a matrix like pbmc3k (2700 cells × 32738 genes)', () => {
    expectFormatError(
      () => parseMatrixMarket('%%MatrixMarket matrix coordinate integer general\n32738 2700 1\n1 1 1\n'),
      /2,700 cells × 32,738 genes = 88,392,600 entries \(0\.71 GB dense as float64\).*limit 50,000,000 entries/,
    );
  });

  test('sums duplicate entries and accepts real and pattern matrices', () => {
    const m = parseMatrixMarket(`${header}2 3 3\n1 1 2\n1 1 5\n2 3 4\n`);
    expect([m.n, m.d]).toEqual([3, 2]);
    expect(Array.from(m.data)).toEqual([7, 0, 0, 0, 0, 4]);
    const r = parseMatrixMarket('%%MatrixMarket matrix coordinate real general\r\n2 2 1\r\n2 1 0.5\r\n', { transpose: false });
    expect(Array.from(r.data)).toEqual([0, 0, 0.5, 0]);
    const p = parseMatrixMarket('%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 2', { transpose: false });
    expect(Array.from(p.data)).toEqual([0, 1, 0, 1]);
  });

  test('reports a truncated file with the declared and found entry counts', () => {
    expectFormatError(
      () => parseMatrixMarket(`${header}343 12 12\n201 1 1\n123 2 1\n`),
      /declares 12 entries but the file has only 2.*truncated/,
    );
    expectFormatError(() => parseMatrixMarket(header), /ends after the header.*truncated/);
    const bytes = readFileSync(V3);
    expectFormatError(
      () => readMatrixFileFromBytes(bytes.subarray(0, bytes.length - 100)),
      /gzip decompression failed.*truncated or corrupt/,
    );
  });

  test('rejects 0-based or out-of-range indices, wrong value types, and non-MatrixMarket headers', () => {
    expectFormatError(() => parseMatrixMarket(`${header}2 2 1\n0 1 1\n`), /line 4: index \(0, 1\) is outside the 2×2 matrix.*1-based/);
    expectFormatError(() => parseMatrixMarket(`${header}2 2 1\n1 3 1\n`), /outside the 2×2 matrix/);
    expectFormatError(() => parseMatrixMarket(`${header}2 2 1\n1 1 1.5\n`), /"1.5" is not an integer/);
    expectFormatError(() => parseMatrixMarket(`${header}2 2 1\n1 1 1\n2 2 1\n`), /beyond the 1 declared/);
    expectFormatError(() => parseMatrixMarket('gene,cell\n1,2\n'), /not a MatrixMarket header/);
    expectFormatError(() => parseMatrixMarket('%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 1 1\n'), /only "general"/);
    expectFormatError(
      () => parseMatrixMarket('%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n'),
      /only the sparse "coordinate"/,
    );
    expectFormatError(() => parseMatrixMarket(''), /empty/);
  });
});

/** Write bytes to a temporary .mtx.gz and read them back through the Node layer. */
function readMatrixFileFromBytes(bytes: Uint8Array) {
  const p = join(tmp(), 'matrix.mtx.gz');
  writeFileSync(p, bytes);
  return readMatrixFile(p);
}

describe('parseDelimited', () => {
  test('detects a header, row names, CRLF line ends and a trailing newline', () => {
    const m = parseDelimited('id,a,b\r\nx,1,2\r\ny,3,4.5\r\n\r\n');
    expect(m).toMatchObject({ n: 2, d: 2, header: true, columns: ['a', 'b'], rowNames: ['x', 'y'], delimiter: ',' });
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4.5]);
  });

  test('detects tabs and whitespace, and reads headerless numeric data as is', () => {
    expect(parseDelimited('1\t2\n3\t4\n')).toMatchObject({ n: 2, d: 2, header: false, delimiter: '\t' });
    const w = parseDelimited('  1.5  2e3\n-3 4\n');
    expect(w.delimiter).toBe('whitespace');
    expect(Array.from(w.data)).toEqual([1.5, 2000, -3, 4]);
    expect(parseDelimited('7\n8\n9').d).toBe(1);
  });

  test("accepts R's header without a row-name cell, and quoted names containing the delimiter", () => {
    const r = parseDelimited('"a","b"\n"r1",1,2\n"r,2",3,4\n');
    expect(r.columns).toEqual(['a', 'b']);
    expect(r.rowNames).toEqual(['r1', 'r,2']);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4]);
  });

  test('splits off a label column, numbering text labels by first appearance', () => {
    const m = parseDelimited('f1,f2,species\n1,2,cat\n3,4,dog\n5,6,cat\n', { labelColumn: 'last' });
    expect(m.d).toBe(2);
    expect(m.columns).toEqual(['f1', 'f2']);
    expect(m.labels).toEqual([0, 1, 0]);
    expect(m.labelNames).toEqual(['cat', 'dog']);
    const first = parseDelimited('3,1,2\n4,5,6\n', { labelColumn: 0 });
    expect(first.labels).toEqual([3, 4]);
    expect(Array.from(first.data)).toEqual([1, 2, 5, 6]);
  });

  test('honours explicit header and skipLines options', () => {
    const m = parseDelimited('# exported 2024\n1,2\n3,4\n', { skipLines: 1, header: true });
    expect(m.columns).toEqual(['1', '2']);
    expect(Array.from(m.data)).toEqual([3, 4]);
  });

  test('names the line and the fix for ragged rows', () => {
    expectFormatError(
      () => parseDelimited('a,b,c\n1,2,3\n4,5\n6,7,8\n', { source: 'x.csv' }),
      /^x\.csv: line 3 has 2 field\(s\) but line 2 has 3 \(delimiter: comma\)\. Every row must have the same number of fields/,
    );
  });

  test('names the line, column and value for non-numeric fields, with a fix for missing values and headers', () => {
    expectFormatError(() => parseDelimited('a,b\n1,2\n3,oops\n'), /line 3, column 2 \("b"\): "oops" is not a number/);
    expectFormatError(() => parseDelimited('a,b\n1,2\n3,NA\n'), /"NA" is not a number\. It is a missing value: impute it/);
    expectFormatError(() => parseDelimited('1,2\n3,\n'), /line 2, column 2: "" is not a number.*missing value/);
    expectFormatError(
      () => parseDelimited('1,x1\n3,4\n', { header: false }),
      /line 1, column 2: "x1" is not a number\. If this line is a header, pass header: true/,
    );
    expectFormatError(() => parseDelimited('1,2\n0x1F,4\n'), /"0x1F" is not a number/);
  });

  test('rejects an empty file, a header with no rows, and a truncated scikit-learn file', () => {
    expectFormatError(() => parseDelimited(''), /the file is empty/);
    expectFormatError(() => parseDelimited('\n\r\n  \n'), /the file is empty/);
    expectFormatError(() => parseDelimited('a,b\n'), /no data lines after it/);
    expectFormatError(() => parseDelimited('3,2,p,q\n1,2,0\n3,4,1\n'), /declares 3 samples but the file has 2 data rows/);
  });

  test('reads bytes with a UTF-8 byte-order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a,b\n1,2\n')]);
    expect(parseDelimited(bytes).columns).toEqual(['a', 'b']);
  });
});

describe('Node file layer', () => {
  test('gunzips by content even without a .gz name, and rejects a .gz name on plain bytes', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'm.csv'), gzipSync('1,2\n3,4\n'));
    expect(Array.from(readMatrixFile(join(dir, 'm.csv')).data)).toEqual([1, 2, 3, 4]);
    writeFileSync(join(dir, 'plain.csv.gz'), '1,2\n');
    expectFormatError(() => readFileBytes(join(dir, 'plain.csv.gz')), /not gzip-compressed/);
  });

  test('uses tab for .tsv and rejects unknown extensions with the supported list', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'm.tsv'), 'g\tc1\tc2\nr\t1\t2\n');
    expect(readMatrixFile(join(dir, 'm.tsv'))).toMatchObject({ n: 1, d: 2, rowNames: ['r'] });
    writeFileSync(join(dir, 'm.xlsx'), '');
    expectFormatError(() => readMatrixFile(join(dir, 'm.xlsx')), /unknown file type "\.xlsx".*\.csv, \.tsv, \.txt.*\.mtx/);
  });

  test('writes labels as id,label CSV, quoting row names when needed', () => {
    expect(formatLabelsCsv([1, 0])).toBe('id,label\n0,1\n1,0\n');
    const p = join(tmp(), 'labels.csv');
    writeLabelsCsv(p, [2, 0], ['a', 'b,"c"']);
    expect(readFileSync(p, 'utf8')).toBe('id,label\na,2\n"b,""c""",0\n');
  });
});
