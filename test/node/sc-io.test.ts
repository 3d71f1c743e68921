// Single-cell loaders, MatrixMarket side: read10x streamed into CSR on the real 10x files in
// /work/shared/data (scanpy's format fixtures, pbmc3k), checked against independent line-split
// passes over the same files, plus errors, progress, memory estimates and odd inputs.
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { find10xInputs, read10x } from '../../src/io/10x.js';
import { readMatrixMarketCsr } from '../../src/io/mtx/csr.js';
import { fileBlob, find10xFiles, read10xDir } from '../../src/node.js';
import { estimateMemory, formatBytes, MemoryLimitError } from '../../src/io/memory.js';
import { makeUnique, rowCounts, rowSums, toDense } from '../../src/io/csr.js';
import { parseMatrixMarket } from '../../src/io/mtx/dense.js';
import { AbortError, BufferLimitError, FileFormatError } from '../../src/errors.js';
import type { LoadedCsr, LoadProgress } from '../../src/io/types.js';

const DATA = '/work/shared/data';
const FIX = `${DATA}/scanpy_10x_format_fixtures`;
const CR2 = `${FIX}/1.2.0/filtered_gene_bc_matrices/hg19_chr21`;
const CR3 = `${FIX}/3.0.0/filtered_feature_bc_matrix`;
const PBMC3K = `${DATA}/pbmc3k`;

const text = (path: string): string => new TextDecoder().decode(path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path));
const lines = (path: string): string[] =>
  text(path)
    .split('\n')
    .filter((l) => l !== '');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Entries of a MatrixMarket text by plain line splitting: [gene, cell, value] 0-based, 10x layout. */
function mtxEntries(t: string): { rows: number; cols: number; nnz: number; entries: [number, number, number][] } {
  const ls = t.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('%'));
  const [rows, cols, nnz] = ls[0].trim().split(/\s+/).map(Number);
  const entries = ls.slice(1).map((l) => {
    const [r, c, v] = l.trim().split(/\s+/).map(Number);
    return [r - 1, c - 1, v] as [number, number, number];
  });
  return { rows, cols, nnz, entries };
}

/** Reference CSR (cells × genes) built from line-split entries with a plain sort. */
function referenceCsr(t: string): LoadedCsr {
  const { rows, cols, entries } = mtxEntries(t);
  const sorted = entries.slice().sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const indptr = new Uint32Array(cols + 1);
  for (const e of sorted) indptr[e[1] + 1]++;
  for (let i = 0; i < cols; i++) indptr[i + 1] += indptr[i];
  return {
    n: cols,
    d: rows,
    nnz: sorted.length,
    indptr,
    indices: Uint32Array.from(sorted, (e) => e[0]),
    values: Float32Array.from(sorted, (e) => e[2]),
  };
}

/** Typed arrays equal element by element (fast for large arrays; names the first difference). */
function expectSameArray(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, `${what} length`).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== b[k]) expect(`${what}[${k}] = ${a[k]}`).toBe(`${what}[${k}] = ${b[k]}`);
  }
}

function expectSameCsr(a: LoadedCsr, b: LoadedCsr): void {
  expect([a.n, a.d, a.nnz]).toEqual([b.n, b.d, b.nnz]);
  expectSameArray(a.indptr, b.indptr, 'indptr');
  expectSameArray(a.indices.subarray(0, a.nnz), b.indices.subarray(0, b.nnz), 'indices');
  expectSameArray(a.values.subarray(0, a.nnz), b.values.subarray(0, b.nnz), 'values');
}

function expectCanonical(m: LoadedCsr): void {
  expect(m.indptr.length).toBe(m.n + 1);
  expect(m.indptr[m.n]).toBe(m.nnz);
  for (let i = 0; i < m.n; i++) {
    for (let k = m.indptr[i] + 1; k < m.indptr[i + 1]; k++) {
      if (!(m.indices[k] > m.indices[k - 1])) throw new Error(`row ${i} not strictly ascending at ${k}`);
    }
  }
}

async function expectRejects(p: Promise<unknown>, type: new (...a: never[]) => Error, pattern: RegExp): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(pattern);
  return caught as Error;
}

/** A stream that yields the bytes in chunks of the given sizes (cycled), to cross every boundary. */
function chunkedStream(b: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let off = 0;
  let k = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (off >= b.length) return ctl.close();
      const len = sizes[k++ % sizes.length];
      ctl.enqueue(b.slice(off, off + len));
      off += len;
    },
  });
}

describe('read10x on scanpy’s 10x fixtures', () => {
  test('Cell Ranger 2 MEX (343 genes × 12 cells): CSR, names, and the same dense matrix as parseMatrixMarket', async () => {
    const m = await read10x({
      matrix: await fileBlob(`${CR2}/matrix.mtx`),
      genes: await fileBlob(`${CR2}/genes.tsv`),
      barcodes: await fileBlob(`${CR2}/barcodes.tsv`),
    });
    expect([m.n, m.d, m.nnz]).toEqual([12, 343, 12]);
    expectCanonical(m);
    expect(m.cells).toEqual(lines(`${CR2}/barcodes.tsv`));
    expect(m.genes).toEqual(lines(`${CR2}/genes.tsv`).map((l) => l.split('\t')[1]));
    expect(m.geneIds).toEqual(lines(`${CR2}/genes.tsv`).map((l) => l.split('\t')[0]));
    expect(m.featureTypes).toBeUndefined();
    // Cell 0 has gene row 201 (1-based) = 1 count.
    expect(m.indices[m.indptr[0]]).toBe(200);
    expect(m.values[m.indptr[0]]).toBe(1);
    const dense = parseMatrixMarket(readFileSync(`${CR2}/matrix.mtx`));
    expect(Array.from(toDense(m))).toEqual(Array.from(dense.data));
    expect(m.source).toMatchObject({
      format: '10x-mtx',
      field: 'integer',
      integerValued: true,
      looksLikeCounts: true,
      cellOrdered: true,
      duplicatesSummed: 0,
      warnings: [],
    });
  });

  test('Cell Ranger 3 mtx.gz (507 × 1107, nnz 23,866) equals a line-split reference CSR; features give ids, names, types', async () => {
    const m = await read10xDir(CR3);
    expect([m.n, m.d, m.nnz]).toEqual([1107, 507, 23866]);
    expectCanonical(m);
    expectSameCsr(m, referenceCsr(text(`${CR3}/matrix.mtx.gz`)));
    const feats = lines(`${CR3}/features.tsv.gz`).map((l) => l.split('\t'));
    expect(m.geneIds).toEqual(feats.map((f) => f[0]));
    expect(m.genes).toEqual(feats.map((f) => f[1]));
    expect(m.featureTypes).toEqual(feats.map((f) => f[2]));
    expect(m.cells).toEqual(lines(`${CR3}/barcodes.tsv.gz`));
    expect(m.genes.slice(0, 2)).toEqual(['CH507-9B2.2', 'CH507-9B2.1']);
    expect(m.source.bytesRead).toBe(
      ['matrix.mtx.gz', 'features.tsv.gz', 'barcodes.tsv.gz'].reduce((s, f) => s + readFileSync(`${CR3}/${f}`).length, 0),
    );
  });

  test('the int-ids edge case: a "real" file with integer-looking feature ids stays strings', async () => {
    const dir = `${FIX}/int-ids`;
    const m = await read10xDir(dir);
    expect([m.n, m.d, m.nnz]).toEqual([5, 6, 3]);
    expect(m.geneIds![0]).toBe('574405');
    expect(m.genes[0]).toBe('Pwwp4b');
    expect(m.source.field).toBe('real');
    expect(Array.from(toDense(m))).toEqual(Array.from(parseMatrixMarket(readFileSync(`${dir}/matrix.mtx`)).data));
  });
});

describe('read10x on pbmc3k (32738 genes × 2700 cells, the original 10x file)', () => {
  test('dimensions, nnz, total UMIs, first cells against labels and a line-split pass; timed', async () => {
    const est: unknown[] = [];
    // Memory while loading: JS heap + array buffers, sampled at every progress report.
    const mem = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = mem();
    let peak = before;
    const t0 = performance.now();
    const m = await read10xDir(PBMC3K, { onEstimate: (e) => est.push(e), onProgress: () => (peak = Math.max(peak, mem())) });
    const ms = performance.now() - t0;
    expect([m.n, m.d, m.nnz]).toEqual([2700, 32738, 2286884]);
    expectCanonical(m); // the file lists genes in descending order within a cell
    const totals = rowSums(m);
    expect(totals.reduce((s, x) => s + x, 0)).toBe(6390631);
    expect(m.cells.slice(0, 2)).toEqual(['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1']);
    expect(m.genes.slice(0, 3)).toEqual(['MIR1302-10', 'FAM138A', 'OR4F5']);
    expect(m.geneIds![0]).toBe('ENSG00000243485');
    expect(m.source).toMatchObject({
      field: 'real',
      integerValued: true,
      looksLikeCounts: true,
      maxValue: 419,
      cellOrdered: true,
      duplicatesSummed: 0,
    });

    // Independent: per-cell totals and genes detected for the first 5 cells, by splitting lines.
    const want = new Map<number, { total: number; genes: number }>();
    for (const l of text(`${PBMC3K}/matrix.mtx.gz`).split('\n').slice(3)) {
      if (!l) continue;
      const f = l.split(' ');
      const c = Number(f[1]);
      if (c > 5) break; // entries are ordered by cell
      const w = want.get(c - 1) ?? { total: 0, genes: 0 };
      w.total += Number(f[2]);
      w.genes++;
      want.set(c - 1, w);
    }
    const labels = lines(`${PBMC3K}/pbmc3k_labels.csv.gz`)
      .slice(1, 6)
      .map((l) => l.split(','));
    const detected = rowCounts(m);
    for (let i = 0; i < 5; i++) {
      expect(m.cells[i]).toBe(labels[i][0]);
      expect(totals[i]).toBe(want.get(i)!.total);
      expect(totals[i]).toBe(Number(labels[i][2])); // n_counts
      expect(detected[i]).toBe(Number(labels[i][1])); // n_genes
    }
    expect(Array.from(totals.subarray(0, 5))).toEqual([2421, 4903, 3149, 2639, 981]);
    // Cell 0's largest genes, as the file lists them (1-based row 32709 = 4 counts).
    const row0 = new Map<number, number>();
    for (let k = m.indptr[0]; k < m.indptr[1]; k++) row0.set(m.indices[k], m.values[k]);
    expect(row0.get(32708)).toBe(4);
    expect(row0.get(32705)).toBe(10);

    const e = estimateMemory({ n: 2700, d: 32738, nnz: 2286884 });
    expect(est).toEqual([e]);
    console.log(
      `pbmc3k: read10x ${ms.toFixed(0)} ms (${(m.source.bytesRead / 1e6).toFixed(1)} MB of gzip → 28.2 MB of text, streamed); ` +
        `memory while loading: peak +${formatBytes(peak - before)} over the start (heap + array buffers; garbage included); ${e.human}`,
    );
    expect(ms).toBeLessThan(5000);
  });

  test('symbols are not unique; makeUnique suffixes repeats like anndata', async () => {
    const genes = lines(`${PBMC3K}/genes.tsv.gz`).map((l) => l.split('\t')[1]);
    const u = makeUnique(genes);
    expect(new Set(genes).size).toBeLessThan(genes.length);
    expect(new Set(u).size).toBe(genes.length);
    const k2 = genes.findIndex((g, j) => genes.indexOf(g) !== j);
    const k = genes.indexOf(genes[k2]);
    expect([u[k], u[k2]]).toEqual([genes[k], `${genes[k]}-1`]);
    expect(makeUnique(['a', 'a', 'a-1', 'b', 'a'])).toEqual(['a', 'a-2', 'a-1', 'b', 'a-3']);
  });
});

describe('streaming: inputs, entry order, chunk boundaries, values', () => {
  const small = `%%MatrixMarket matrix coordinate real general
% a comment
4 3 6
1 1 1.5
3 1 2e1
2 3 -3.25
4 2 7
1 3 0.125
4 3 1e-1
`;

  test('every input kind, and chunks of 1..7 bytes, give the same CSR (values parsed exactly)', async () => {
    const ref = await readMatrixMarketCsr(bytes(small));
    expect([ref.n, ref.d, ref.nnz]).toEqual([3, 4, 6]);
    expect(Array.from(ref.indptr)).toEqual([0, 2, 3, 6]);
    expect(Array.from(ref.indices)).toEqual([0, 2, 3, 0, 1, 3]);
    expect(Array.from(ref.values)).toEqual([1.5, 20, 7, 0.125, -3.25, Math.fround(0.1)]);
    expect(ref).toMatchObject({ field: 'real', integerValued: false, nonNegative: false, cellOrdered: false }); // cell 3 comes before cell 2
    const gz = gzipSync(bytes(small));
    for (const input of [
      bytes(small).buffer as ArrayBuffer,
      new Blob([small]),
      gz,
      new Blob([gz]),
      chunkedStream(bytes(small), [1]),
      chunkedStream(bytes(small), [3, 7, 2, 5]),
      chunkedStream(gz, [1, 4]),
      bytes(small.replace(/\n/g, '\r\n')),
      bytes(small.trimEnd()), // no final newline
    ]) {
      expectSameCsr(await readMatrixMarketCsr(input), ref);
    }
  });

  test('entries in any order: counting sort gives the same CSR; duplicates are summed', async () => {
    const t = text(`${CR3}/matrix.mtx.gz`);
    const [header, comment, size, ...body] = t.split('\n').filter((l) => l !== '');
    // A fixed pseudo-random permutation.
    let s = 12345;
    const shuffled = body
      .map((l) => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return [s, l] as const;
      })
      .sort((a, b) => a[0] - b[0])
      .map((x) => x[1]);
    const m = await readMatrixMarketCsr(bytes([header, comment, size, ...shuffled].join('\n')));
    expect(m.cellOrdered).toBe(false);
    expectSameCsr(m, referenceCsr(t));
    // Duplicate one entry: it is summed into one.
    const [r, c, v] = body[10].split(' ');
    const dup = [header, size.replace(/\d+$/, String(body.length + 1)), ...body, `${r} ${c} 5`].join('\n');
    const md = await readMatrixMarketCsr(bytes(dup));
    expect(md.duplicatesSummed).toBe(1);
    expect(md.nnz).toBe(23866);
    const cell = Number(c) - 1;
    let found = -1;
    for (let k = md.indptr[cell]; k < md.indptr[cell + 1]; k++) if (md.indices[k] === Number(r) - 1) found = md.values[k];
    expect(found).toBe(Number(v) + 5);
  });

  test('pattern matrices count 1 per entry; transpose: false keeps file rows as rows', async () => {
    const p = await readMatrixMarketCsr(bytes('%%MatrixMarket matrix coordinate pattern general\n2 3 2\n1 3\n2 1\n'));
    expect(Array.from(toDense(p))).toEqual([0, 1, 0, 0, 1, 0]);
    const t = await readMatrixMarketCsr(bytes('%%MatrixMarket matrix coordinate integer general\n2 3 2\n1 3 4\n2 1 5\n'), {
      transpose: false,
    });
    expect([t.n, t.d]).toEqual([2, 3]);
    expect(Array.from(toDense(t))).toEqual([0, 0, 4, 5, 0, 0]);
  });

  test('Gene Expression only by default: other feature types are dropped (and kept on request)', async () => {
    const mtx = '%%MatrixMarket matrix coordinate integer general\n3 2 4\n1 1 1\n2 1 2\n3 1 3\n2 2 4\n';
    const features = 'G1\tA\tGene Expression\nAB1\tCD3_TotalSeqB\tAntibody Capture\nG2\tB\tGene Expression\n';
    const files = { matrix: bytes(mtx), features: bytes(features), barcodes: bytes('c1\nc2\n') };
    const m = await read10x(files);
    expect(m.genes).toEqual(['A', 'B']);
    expect(m.featureTypes).toEqual(['Gene Expression', 'Gene Expression']);
    expect(Array.from(toDense(m))).toEqual([1, 3, 0, 0]);
    expect(m.source.droppedFeatures).toBe(1);
    const all = await read10x(
      { ...files, matrix: bytes(mtx), features: bytes(features), barcodes: bytes('c1\nc2\n') },
      { geneExpressionOnly: false },
    );
    expect(all.d).toBe(3);
    expect(Array.from(toDense(all))).toEqual([1, 2, 3, 0, 4, 0]);
  });

  test('without name files, names are indices and a warning says so; counts above 2^24 are flagged', async () => {
    const m = await read10x({ matrix: bytes('%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 16777217\n2 2 3\n') });
    expect(m.genes).toEqual(['0', '1']);
    expect(m.cells).toEqual(['0', '1']);
    expect(m.values[0]).toBe(16777216); // rounded to float32
    expect(m.source.warnings.join(' ')).toMatch(/2\^24.*rounded/);
    expect(m.source.warnings.join(' ')).toMatch(/No features\/genes file/);
  });

  test('a matrix that is not raw counts (fractions, negatives) is said to be so, once, in the warnings', async () => {
    const frac = await read10x({ matrix: bytes('%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 0.5\n2 2 3\n') });
    expect(frac.source.looksLikeCounts).toBe(false);
    expect(frac.source.warnings.filter((w) => /raw counts/.test(w))).toEqual([
      'The matrix does not hold raw counts (not all values are whole numbers; max 3.000): it looks normalised, log-transformed or scaled. ' +
        'Count models need raw UMI counts; load the raw (unnormalised) MatrixMarket file.',
    ]);
    const neg = await read10x({ matrix: bytes('%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 -1\n2 2 3\n') });
    expect(neg.source.warnings.join(' ')).toMatch(/does not hold raw counts \(some values are negative; max 3\.000\)/);
    const counts = await read10x({ matrix: bytes('%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n2 2 3\n') });
    expect(counts.source.warnings.some((w) => /raw counts/.test(w))).toBe(false);
  });

  test('progress: phases in order, bytes read growing to the files’ total, entries to nnz', async () => {
    const seen: LoadProgress[] = [];
    const m = await read10xDir(PBMC3K, { onProgress: (p) => seen.push(p) });
    const phases = [...new Set(seen.map((p) => p.phase))];
    expect(phases).toEqual(['features', 'barcodes', 'header', 'entries', 'sorting', 'done']);
    for (let k = 1; k < seen.length; k++) expect(seen[k].bytesRead).toBeGreaterThanOrEqual(seen[k - 1].bytesRead);
    const entries = seen.filter((p) => p.phase === 'entries');
    expect(entries.length).toBeGreaterThan(10);
    expect(entries[entries.length - 1].entries).toBe(2286884);
    expect(entries[0].totalEntries).toBe(2286884);
    const total = ['matrix.mtx.gz', 'genes.tsv.gz', 'barcodes.tsv.gz'].reduce((a, f) => a + readFileSync(`${PBMC3K}/${f}`).length, 0);
    for (const p of seen) expect(p.totalBytes).toBe(total);
    expect(seen[seen.length - 1].bytesRead).toBe(m.source.bytesRead);
    expect(m.source.bytesRead).toBe(total);
  });

  test('an AbortSignal stops the load with AbortError', async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = read10xDir(PBMC3K, {
      signal: ac.signal,
      onProgress: (q) => {
        if (q.phase === 'entries' && ++calls === 3) ac.abort('user');
      },
    });
    await expectRejects(p, AbortError, /aborted \(user\)/);
  });
});

describe('clear errors for wrong or truncated files', () => {
  test('a truncated .mtx.gz: gzip fails, with bytes read and the fix', async () => {
    const gz = readFileSync(`${CR3}/matrix.mtx.gz`);
    const e = await expectRejects(
      readMatrixMarketCsr(new Blob([gz.subarray(0, 40000)])),
      FileFormatError,
      /gzip decompression failed after 40,000 of 40,000 compressed bytes.*truncated or corrupt; download it again/,
    );
    expect((e as FileFormatError).code).toBe('FILE_FORMAT');
    // Cut just before the gzip trailer: every entry arrives, the check fails.
    await expectRejects(readMatrixMarketCsr(gz.subarray(0, gz.length - 4)), FileFormatError, /gzip decompression failed/);
  });

  test('a truncated plain .mtx: fewer entries than the size line declares', async () => {
    const t = readFileSync(`${CR2}/matrix.mtx`, 'utf8');
    await expectRejects(
      readMatrixMarketCsr(bytes(t.slice(0, t.indexOf('175 5 1')))),
      FileFormatError,
      /declares 12 entries but the file has only 4\. The file is truncated/,
    );
    await expectRejects(
      readMatrixMarketCsr(bytes(t.slice(0, t.indexOf('343 12')))),
      FileFormatError,
      /ends after the header, before the "rows columns entries" size line/,
    );
    await expectRejects(readMatrixMarketCsr(bytes('')), FileFormatError, /the file is empty/);
  });

  test('the wrong file as the matrix: features, an HDF5 file, garbage', async () => {
    await expectRejects(
      read10x({ matrix: await fileBlob(`${CR3}/features.tsv.gz`) }),
      FileFormatError,
      /features\.tsv\.gz: line 1 is "ENSG00000279493.*not a MatrixMarket header/,
    );
    await expectRejects(
      readMatrixMarketCsr(await fileBlob(`${FIX}/3.0.0/filtered_feature_bc_matrix.h5`)),
      FileFormatError,
      /not a MatrixMarket header|does not start with a MatrixMarket header/,
    );
    await expectRejects(
      readMatrixMarketCsr(bytes('%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n')),
      FileFormatError,
      /stored as "array"; only the sparse "coordinate"/,
    );
  });

  test('corrupt entries name the line: bad index, non-integer in an integer file, too many entries, junk', async () => {
    const h = '%%MatrixMarket matrix coordinate integer general\n3 2 2\n';
    await expectRejects(
      readMatrixMarketCsr(bytes(`${h}1 1 1\n4 2 1\n`)),
      FileFormatError,
      /line 4: index \(4, 2\) is outside the 3×2 matrix/,
    );
    await expectRejects(readMatrixMarketCsr(bytes(`${h}1 1 1\n2 2 1.5\n`)), FileFormatError, /line 4: value "1\.5" is not an integer/);
    await expectRejects(readMatrixMarketCsr(bytes(`${h}1 1 1\n2 2 1\n3 2 1\n`)), FileFormatError, /line 5: an entry beyond the 2 declared/);
    await expectRejects(
      readMatrixMarketCsr(bytes(`${h}1 1 1\n2 x 1\n`)),
      FileFormatError,
      /line 4: unexpected character "x" in the column index/,
    );
    await expectRejects(readMatrixMarketCsr(bytes(`${h}1 1 1\n2 2\n`)), FileFormatError, /line 4: an entry has 2 field\(s\); expected 3/);
  });

  test('name files from another dataset: the counts disagree, before any entry is parsed', async () => {
    await expectRejects(
      read10x({
        matrix: await fileBlob(`${CR3}/matrix.mtx.gz`),
        features: await fileBlob(`${CR3}/features.tsv.gz`),
        barcodes: await fileBlob(`${PBMC3K}/barcodes.tsv.gz`),
      }),
      FileFormatError,
      /2,700 barcodes but matrix\.mtx\.gz has 1,107 columns \(cells\)\. The files come from different datasets/,
    );
    await expectRejects(
      read10x({ matrix: await fileBlob(`${CR3}/matrix.mtx.gz`), genes: await fileBlob(`${CR2}/genes.tsv`) }),
      FileFormatError,
      /343 features but matrix\.mtx\.gz has 507 rows/,
    );
  });

  test('find10xInputs: the three files among the ones a user picked (GEO prefixes, Cell Ranger 2 names)', () => {
    const f = (name: string): File => new File(['x'], name);
    const r = find10xInputs([f('GSM1_barcodes.tsv.gz'), f('notes.txt'), f('GSM1_matrix.mtx.gz'), f('GSM1_features.tsv.gz')]);
    expect([(r.matrix as File).name, (r.features as File).name, (r.barcodes as File).name]).toEqual([
      'GSM1_matrix.mtx.gz',
      'GSM1_features.tsv.gz',
      'GSM1_barcodes.tsv.gz',
    ]);
    const v2 = find10xInputs([f('matrix.mtx'), f('genes.tsv'), f('barcodes.tsv')]);
    expect([(v2.genes as File).name, v2.features]).toEqual(['genes.tsv', undefined]);
    expect(() => find10xInputs([f('matrix.mtx.gz'), f('barcodes.tsv.gz')])).toThrow(
      /No features\.tsv\(\.gz\) or genes\.tsv\(\.gz\) among the files given \(matrix\.mtx\.gz, barcodes\.tsv\.gz\)/,
    );
    expect(() => find10xInputs([f('a_matrix.mtx.gz'), f('b_matrix.mtx.gz')])).toThrow(
      /Several files match matrix\.mtx\(\.gz\): a_matrix\.mtx\.gz, b_matrix\.mtx\.gz/,
    );
  });

  test('read10xDir: a folder without the files says which are missing', async () => {
    expect(find10xFiles(CR3)).toEqual({
      matrix: `${CR3}/matrix.mtx.gz`,
      features: `${CR3}/features.tsv.gz`,
      barcodes: `${CR3}/barcodes.tsv.gz`,
    });
    await expectRejects(
      read10xDir(`${DATA}/cao2017_worm_neuron`),
      FileFormatError,
      /no features\.tsv\(\.gz\) or genes\.tsv\(\.gz\), no barcodes\.tsv\(\.gz\) in this folder/,
    );
    await expectRejects(read10xDir(`${DATA}/nope`), FileFormatError, /not a directory/);
  });

  test('bad arguments', async () => {
    await expectRejects(read10x({} as never), FileFormatError, /pass \{ matrix, features \(or genes\), barcodes \}/);
    await expectRejects(readMatrixMarketCsr(42 as never), FileFormatError, /got number; pass a File, Blob, ArrayBuffer/);
  });
});

describe('memory', () => {
  test('estimateMemory on a hand-computed case', () => {
    const e = estimateMemory({ n: 1000, d: 2000, nnz: 50000 });
    // CSR: 4·1001 + 4·50000 + 4·50000; dense float32 4·1000·2000; unordered load adds 12·nnz.
    expect(e).toMatchObject({
      csrBytes: 404004,
      denseBytes: 8000000,
      denseFloat64Bytes: 16000000,
      gpuCsrBytes: 404004,
      gpuDenseBytes: 8000000,
      loadBytes: 404004,
      loadBytesUnordered: 1004004,
      density: 0.025,
    });
    expect(e.human).toBe(
      '1,000 cells × 2,000 genes, 50,000 non-zeros (2.50% dense): CSR 404.0 kB (load peak 404.0 kB, 1.0 MB if entries are not ordered by cell); ' +
        'dense float32 8.0 MB, float64 16.0 MB; GPU 404.0 kB as CSR, 8.0 MB dense',
    );
    const p = estimateMemory({ n: 2700, d: 32738, nnz: 2286884 });
    expect(p.csrBytes).toBe(4 * 2701 + 8 * 2286884);
    expect(p.csrBytes).toBe(18305876);
    expect(p.denseBytes).toBe(353570400);
    expect(formatBytes(p.csrBytes)).toBe('18.3 MB');
    expect(formatBytes(1.3e6 * 3e4 * 4)).toBe('156.00 GB');
    expect(() => estimateMemory({ n: -1, d: 2, nnz: 0 })).toThrow(/n=-1 must be a whole number/);
  });

  test('maxBytes: read10x refuses after the header, naming the size and the fix', async () => {
    let estimated = 0;
    const e = await expectRejects(
      read10xDir(PBMC3K, { maxBytes: 10e6, onEstimate: (x) => (estimated = x.csrBytes) }),
      MemoryLimitError,
      /loading needs about 18\.3 MB \(the CSR matrix; 2,700 cells × 32,738 genes.*above maxBytes = 10\.0 MB\. Raise maxBytes.*filtered/,
    );
    expect(e).toBeInstanceOf(BufferLimitError);
    expect((e as MemoryLimitError).code).toBe('BUFFER_LIMIT');
    expect((e as MemoryLimitError).neededBytes).toBe(18305876);
    expect(estimated).toBe(18305876);
    // Out-of-order entries need more: the check runs again when the order breaks.
    const t = '%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 2 1\n1 1 1\n';
    await expectRejects(readMatrixMarketCsr(bytes(t), { maxBytes: 40 }), MemoryLimitError, /entries are not ordered by cell \(line 4\)/);
    expect((await readMatrixMarketCsr(bytes(t), { maxBytes: 100 })).cellOrdered).toBe(false);
  });
});
