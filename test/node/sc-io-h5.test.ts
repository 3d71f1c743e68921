// Single-cell loaders, HDF5 side: 10x Cell Ranger .h5 (v2 and v3) against the MatrixMarket
// versions of the same fixtures, AnnData .h5ad on scanpy's pbmc68k_reduced (checked against the
// independent counts/obs files in /work/shared/data), older and newer h5ad encodings written here
// with h5wasm, and the errors for wrong and truncated files.
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { File as H5File, Group } from 'h5wasm';
import { read10xH5 } from '../../src/io/10x-h5.js';
import { loadH5wasm } from '../../src/io/h5.js';
import { readH5ad, readH5adFromFile } from '../../src/io/h5ad.js';
import { fileBlob, read10xDir, read10xH5File, readH5adFile } from '../../src/node.js';
import { MemoryLimitError } from '../../src/io/memory.js';
import { rowSums, toDense } from '../../src/io/csr.js';
import { FileFormatError } from '../../src/errors.js';
import type { LoadedCsr, SingleCellData } from '../../src/io/types.js';

const DATA = '/work/shared/data';
const FIX = `${DATA}/scanpy_10x_format_fixtures`;
const H5AD = `${DATA}/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad`;

const lines = (path: string): string[] =>
  new TextDecoder()
    .decode(path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path))
    .split('\n')
    .filter((l) => l !== '');

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

/** Write an HDF5 file with h5wasm (the same module instance the readers use) and return its bytes. */
let made = 0;
async function makeH5(build: (f: H5File) => void): Promise<Uint8Array> {
  const { h5, FS } = await loadH5wasm();
  const path = `/test-made-${++made}.h5`;
  const f = new h5.File(path, 'w');
  build(f);
  f.close();
  const bytes = (FS as unknown as { readFile(p: string): Uint8Array }).readFile(path);
  FS.unlink(path);
  return bytes;
}

function sparseGroup(
  parent: Group,
  name: string,
  kind: 'csr' | 'csc',
  shape: [number, number],
  dense: number[][],
  dtype: 'f' | 'i',
  style: 'new' | 'old',
): void {
  // Compress dense (rows = cells) by rows (csr) or columns (csc).
  const [n, d] = shape;
  const ptr = [0];
  const idx: number[] = [];
  const val: number[] = [];
  const major = kind === 'csr' ? n : d;
  const minor = kind === 'csr' ? d : n;
  for (let a = 0; a < major; a++) {
    for (let b = 0; b < minor; b++) {
      const v = kind === 'csr' ? dense[a][b] : dense[b][a];
      if (v !== 0) {
        idx.push(b);
        val.push(v);
      }
    }
    ptr.push(idx.length);
  }
  const g = parent.create_group(name);
  if (style === 'new') {
    g.create_attribute('encoding-type', `${kind}_matrix`);
    g.create_attribute('encoding-version', '0.1.0');
    g.create_attribute('shape', new BigInt64Array(shape.map(BigInt)));
  } else {
    g.create_attribute('h5sparse_format', kind);
    g.create_attribute('h5sparse_shape', new Int32Array(shape));
  }
  g.create_dataset({ name: 'indptr', data: new BigInt64Array(ptr.map(BigInt)) });
  g.create_dataset({ name: 'indices', data: new Int32Array(idx) });
  g.create_dataset({ name: 'data', data: dtype === 'f' ? new Float32Array(val) : new Int32Array(val) });
}

const COUNTS = [
  [1, 0, 3, 0],
  [0, 0, 0, 5],
  [2, 7, 0, 1],
];
const NORM = [
  [0.5, 0, 1.25, 0],
  [0, 0, 0, 2],
  [0.75, 1.5, 0, 0.25],
];

describe('10x Cell Ranger .h5', () => {
  test('v3 (507 × 1107): the same CSR, names and types as the MatrixMarket version of the fixture', async () => {
    const h = await read10xH5File(`${FIX}/3.0.0/filtered_feature_bc_matrix.h5`);
    const m = await read10xDir(`${FIX}/3.0.0/filtered_feature_bc_matrix`);
    expectSameCsr(h, m);
    expect([h.n, h.d, h.nnz]).toEqual([1107, 507, 23866]);
    expect(h.genes).toEqual(m.genes);
    expect(h.geneIds).toEqual(m.geneIds);
    expect(h.featureTypes).toEqual(m.featureTypes);
    expect(h.cells).toEqual(m.cells);
    expect(h.source).toMatchObject({
      format: '10x-h5',
      h5Layout: 'v3',
      integerValued: true,
      looksLikeCounts: true,
      mounted: false,
      maxValue: m.source.maxValue,
    });
    // Genome filter (Cell Ranger ≥ 3 keeps one genome's features).
    const g = await read10xH5(await fileBlob(`${FIX}/3.0.0/filtered_feature_bc_matrix.h5`), { genome: 'GRCh38_chr21' });
    expect(g.d).toBe(507);
    await expectRejects(
      read10xH5(await fileBlob(`${FIX}/3.0.0/filtered_feature_bc_matrix.h5`), { genome: 'mm10' }),
      FileFormatError,
      /no features of genome "mm10"; the file has "GRCh38_chr21"/,
    );
  });

  test('v2 (343 × 12): the same matrix as Cell Ranger 2 MEX; genes = gene_names, geneIds = genes', async () => {
    const h = await read10xH5File(`${FIX}/1.2.0/filtered_gene_bc_matrices_h5.h5`);
    const m = await read10xDir(`${FIX}/1.2.0/filtered_gene_bc_matrices/hg19_chr21`);
    expectSameCsr(h, m);
    expect(h.genes).toEqual(m.genes);
    expect(h.geneIds).toEqual(m.geneIds);
    expect(h.cells).toEqual(m.cells);
    expect(h.source).toMatchObject({ h5Layout: 'v2', genome: 'hg19_chr21' });
  });

  test('v2 with two genomes: asks for { genome }, then reads the one named', async () => {
    const path = `${FIX}/1.2.0/multiple_genomes.h5`;
    await expectRejects(read10xH5File(path), FileFormatError, /holds 2 genomes \("another_genome", "hg19_chr21"\); pass \{ genome \}/);
    const a = await read10xH5File(path, { genome: 'another_genome' });
    expect(a.genes.slice(0, 2)).toEqual(['gene_0', 'gene_1']);
    expect([a.n, a.d, a.nnz]).toEqual([12, 343, 12]);
    const b = await read10xH5File(path, { genome: 'hg19_chr21' });
    expectSameCsr(b, await read10xH5File(`${FIX}/1.2.0/filtered_gene_bc_matrices_h5.h5`));
    await expectRejects(read10xH5File(path, { genome: 'mm10' }), FileFormatError, /no genome "mm10"/);
  });

  test('wrong files: an .h5ad, a gzip, a truncated .h5; and maxBytes', async () => {
    await expectRejects(
      read10xH5(await fileBlob(H5AD)),
      FileFormatError,
      /an HDF5 file, but not a 10x Genomics matrix.*Top-level entries: X, layers, obs.*looks like an AnnData file: read it with readH5ad/,
    );
    await expectRejects(
      read10xH5(await fileBlob(`${FIX}/3.0.0/filtered_feature_bc_matrix/matrix.mtx.gz`)),
      FileFormatError,
      /not an HDF5 file: it is a MatrixMarket text file \(use read10x for \.mtx\)/,
    );
    const whole = readFileSync(`${FIX}/3.0.0/filtered_feature_bc_matrix.h5`);
    await expectRejects(
      read10xH5(whole.subarray(0, 50000)),
      FileFormatError,
      /the HDF5 file is truncated: 50,000 of 100,207 bytes are there/,
    );
    await expectRejects(read10xH5(new Uint8Array(0)), FileFormatError, /not an HDF5 file: the file is empty/);
    await expectRejects(read10xH5(whole, { maxBytes: 100000 }), MemoryLimitError, /loading needs about .* above maxBytes = 100\.0 kB/);
  });
});

describe('AnnData .h5ad: scanpy’s pbmc68k_reduced (700 cells × 765 genes)', () => {
  let data: SingleCellData;
  test('default: raw/X (the file has no layers/counts), reported as not raw counts', async () => {
    const t0 = performance.now();
    data = await readH5adFile(H5AD);
    console.log(`pbmc68k_reduced.h5ad: readH5ad ${(performance.now() - t0).toFixed(0)} ms`);
    expect([data.n, data.d, data.nnz]).toEqual([700, 765, 174400]);
    expect(data.source).toMatchObject({
      format: 'h5ad',
      matrixSource: 'raw/X',
      encoding: 'csr',
      integerValued: false,
      looksLikeCounts: false,
      available: ['X', 'raw/X'],
    });
    expect(data.source.warnings.join(' ')).toMatch(
      /raw\/X does not hold raw counts \(not all values are whole numbers; max 6\.489\).*the file also has X/,
    );
    expect(data.cells).toEqual(lines(`${DATA}/pbmc68k_reduced/counts_barcodes.tsv.gz`));
    expect(data.genes).toEqual(lines(`${DATA}/pbmc68k_reduced/counts_genes.tsv.gz`));
  });

  test('raw/X has the sparsity of the independent counts, and expm1(raw.X)/counts = 1e4/n_counts within each cell', async () => {
    // The folder's MEX files share a prefix (counts_matrix.mtx.gz, counts_genes.tsv.gz, …), as GEO serves them.
    const c = await read10xDir(`${DATA}/pbmc68k_reduced`);
    expect(c.source.looksLikeCounts).toBe(true);
    expect(c.genes).toEqual(data.genes);
    expectSameArray(c.indptr, data.indptr, 'indptr');
    expectSameArray(c.indices, data.indices, 'indices');
    const nCounts = lines(`${DATA}/pbmc68k_reduced/counts_obs.csv.gz`)
      .slice(1)
      .map((l) => Number(l.split(',')[5]));
    let worst = 0;
    for (let i = 0; i < data.n; i++) {
      for (let k = data.indptr[i]; k < data.indptr[i + 1]; k++) {
        const implied = (Math.expm1(data.values[k]) / c.values[k]) * (nCounts[i] / 1e4);
        worst = Math.max(worst, Math.abs(implied - 1));
      }
    }
    // raw.X was rounded to 3 decimals: |Δ expm1(x)/expm1(x)| ≤ 5e-4·e^x/(e^x − 1) ≤ 1e-3 for the smallest x = log1p(1e4/n_counts).
    expect(worst).toBeLessThan(2e-3);
  });

  test('obs: categoricals decoded with the documented counts; numbers and labels match counts_obs.csv', () => {
    const obs = data.obs!;
    expect(Object.keys(obs)).toEqual(['bulk_labels', 'n_genes', 'percent_mito', 'n_counts', 'S_score', 'G2M_score', 'phase', 'louvain']);
    const tally = new Map<string | number | null, number>();
    for (const v of obs.bulk_labels) tally.set(v, (tally.get(v) ?? 0) + 1);
    expect(Object.fromEntries(tally)).toEqual({
      Dendritic: 240,
      'CD14+ Monocyte': 129,
      'CD19+ B': 95,
      'CD4+/CD25 T Reg': 68,
      'CD8+ Cytotoxic T': 54,
      'CD8+/CD45RA+ Naive Cytotoxic': 43,
      'CD56+ NK': 31,
      'CD4+/CD45RO+ Memory': 19,
      'CD34+': 13,
      'CD4+/CD45RA+/CD25- Naive T': 8,
    });
    expect(new Set(obs.louvain).size).toBe(11);
    const csv = lines(`${DATA}/pbmc68k_reduced/counts_obs.csv.gz`)
      .slice(1)
      .map((l) => l.split(','));
    expect(obs.bulk_labels).toEqual(csv.map((r) => r[1]));
    expect(obs.louvain).toEqual(csv.map((r) => r[2]));
    expect(obs.phase).toEqual(csv.map((r) => r[3]));
    expect(obs.n_genes).toEqual(csv.map((r) => Number(r[4])));
    expect(obs.n_counts).toEqual(csv.map((r) => Math.fround(Number(r[5]))));
  });

  test('obsm: X_umap (700 × 2) and X_pca (700 × 50) as float32', () => {
    const { X_umap, X_pca } = data.obsm!;
    expect([X_umap.n, X_umap.d, X_umap.data.length]).toEqual([700, 2, 1400]);
    expect([X_pca.n, X_pca.d, X_pca.data.length]).toEqual([700, 50, 35000]);
    expect(X_umap.data).toBeInstanceOf(Float32Array);
    expect(X_umap.data.every(Number.isFinite)).toBe(true);
  });

  test('matrix: "X" reads the scaled dense X (float32) into CSR', async () => {
    const x = await readH5ad(readFileSync(H5AD), { matrix: 'X', obs: ['phase'], obsm: false });
    expect([x.n, x.d]).toEqual([700, 765]);
    expect(x.source).toMatchObject({ matrixSource: 'X', encoding: 'dense', integerValued: false, looksLikeCounts: false });
    expect(x.genes).toEqual(data.genes);
    expect(Object.keys(x.obs!)).toEqual(['phase']);
    expect(x.obsm).toBeUndefined();
    // Scaled data (scanpy's scale, then subsampled to 700 cells): nearly every entry stored, per-gene means small, negatives present.
    const sums = new Float64Array(x.d);
    let negative = 0;
    for (let k = 0; k < x.nnz; k++) {
      sums[x.indices[k]] += x.values[k];
      if (x.values[k] < 0) negative++;
    }
    expect(Math.max(...Array.from(sums, (s) => Math.abs(s / x.n)))).toBeLessThan(0.2);
    expect(negative).toBeGreaterThan(x.nnz / 4);
    expect(x.nnz).toBeGreaterThan(0.99 * 700 * 765);
    await expectRejects(
      readH5ad(readFileSync(H5AD), { matrix: 'layers/counts' }),
      FileFormatError,
      /no layers\/counts in the file; it has X, raw\/X/,
    );
  });

  test('readH5adFromFile outside a worker reads the bytes (not mounted), same result', async () => {
    const f = await readH5adFromFile(await fileBlob(H5AD));
    expect(f.source.mounted).toBe(false);
    expectSameCsr(f, data);
    expect(f.obs!.bulk_labels).toEqual(data.obs!.bulk_labels);
  });

  test('wrong files: a 10x .h5 (no X), a truncated .h5ad, a text file', async () => {
    await expectRejects(
      readH5ad(await fileBlob(`${FIX}/3.0.0/filtered_feature_bc_matrix.h5`)),
      FileFormatError,
      /an HDF5 file without an X matrix, so not an AnnData \.h5ad file \(top-level entries: matrix\)\. It looks like a 10x Genomics Cell Ranger \.h5: read it with read10xH5/,
    );
    await expectRejects(readH5ad(readFileSync(H5AD).subarray(0, 1000000)), FileFormatError, /truncated: 1,000,000 of 1,911,295 bytes/);
    await expectRejects(
      readH5ad(await fileBlob(`${DATA}/pbmc68k_reduced/counts_obs.csv.gz`)),
      FileFormatError,
      /not an HDF5 file: .*Expected an AnnData \.h5ad file/,
    );
    const empty = await makeH5((f) => f.create_group('foo'));
    await expectRejects(readH5ad(empty), FileFormatError, /without an X matrix.*top-level entries: foo\)\. Write it with anndata/);
  });
});

describe('h5ad encodings, written here with h5wasm', () => {
  test('anndata ≥ 0.8: CSC X, int layers/counts (taken by default), categorical with a missing code, nullable ints, obsm', async () => {
    const bytes = await makeH5((f) => {
      sparseGroup(f, 'X', 'csc', [3, 4], NORM, 'f', 'new');
      const layers = f.create_group('layers');
      sparseGroup(layers, 'counts', 'csr', [3, 4], COUNTS, 'i', 'new');
      const obs = f.create_group('obs');
      obs.create_attribute('_index', 'cell_id');
      obs.create_attribute('encoding-type', 'dataframe');
      obs.create_attribute('column-order', ['score', 'cell_type', 'batch']);
      obs.create_dataset({ name: 'cell_id', data: ['c1', 'c2', 'c3'] });
      obs.create_dataset({ name: 'score', data: new Float64Array([0.5, NaN, 2]) });
      const ct = obs.create_group('cell_type');
      ct.create_attribute('encoding-type', 'categorical');
      ct.create_dataset({ name: 'categories', data: ['B', 'T'] });
      ct.create_dataset({ name: 'codes', data: new Int8Array([1, -1, 0]) });
      const batch = obs.create_group('batch');
      batch.create_attribute('encoding-type', 'nullable-integer');
      batch.create_dataset({ name: 'values', data: new Int32Array([7, 8, 9]) });
      batch.create_dataset({ name: 'mask', data: new Uint8Array([0, 1, 0]) });
      const v = f.create_group('var');
      v.create_attribute('_index', 'symbol');
      v.create_dataset({ name: 'symbol', data: ['G1', 'G2', 'G3', 'G4'] });
      v.create_dataset({ name: 'gene_ids', data: ['E1', 'E2', 'E3', 'E4'] });
      const obsm = f.create_group('obsm');
      obsm.create_dataset({ name: 'X_umap', data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] });
      obsm.create_dataset({ name: 'not_2d', data: new Float64Array([1, 2, 3]) });
    });
    const m = await readH5ad(bytes);
    expect(m.source).toMatchObject({
      matrixSource: 'layers/counts',
      encoding: 'csr',
      integerValued: true,
      looksLikeCounts: true,
      available: ['X', 'layers/counts'],
      warnings: [],
    });
    expect(Array.from(toDense(m))).toEqual(COUNTS.flat());
    expect(Array.from(rowSums(m))).toEqual([4, 5, 10]);
    expect(m.cells).toEqual(['c1', 'c2', 'c3']);
    expect(m.genes).toEqual(['G1', 'G2', 'G3', 'G4']);
    expect(m.geneIds).toEqual(['E1', 'E2', 'E3', 'E4']);
    expect(m.obs).toEqual({ score: [0.5, null, 2], cell_type: ['T', null, 'B'], batch: [7, null, 9] });
    expect(m.obsm!.X_umap).toEqual({ n: 3, d: 2, data: new Float32Array([1, 2, 3, 4, 5, 6]) });
    expect(Object.keys(m.obsm!)).toEqual(['X_umap']);
    const x = await readH5ad(bytes, { matrix: 'X' });
    expect(x.source.encoding).toBe('csc');
    expect(Array.from(toDense(x))).toEqual(NORM.flat());
    expect(x.source.looksLikeCounts).toBe(false);
  });

  test('anndata 0.6/0.7: h5sparse_format X and raw/X, old-style categoricals in obs/__categories, "index" datasets', async () => {
    const bytes = await makeH5((f) => {
      sparseGroup(f, 'X', 'csr', [3, 4], NORM, 'f', 'old');
      const raw = f.create_group('raw');
      sparseGroup(
        raw,
        'X',
        'csc',
        [3, 5],
        COUNTS.map((r) => [...r, 1]),
        'f',
        'old',
      );
      const rv = raw.create_group('var');
      rv.create_dataset({ name: 'index', data: ['G1', 'G2', 'G3', 'G4', 'G5'] });
      const obs = f.create_group('obs');
      obs.create_dataset({ name: 'index', data: ['c1', 'c2', 'c3'] });
      obs.create_dataset({ name: 'louvain', data: new Int8Array([2, 0, 1]) });
      obs.create_dataset({ name: 'n_genes', data: new BigInt64Array([2n, 1n, 3n]) });
      const cats = obs.create_group('__categories');
      cats.create_dataset({ name: 'louvain', data: ['0', '1', '2'] });
      const v = f.create_group('var');
      v.create_dataset({ name: 'index', data: ['G1', 'G2', 'G3', 'G4'] });
    });
    const m = await readH5ad(bytes);
    expect(m.source).toMatchObject({ matrixSource: 'raw/X', encoding: 'csc', looksLikeCounts: true, available: ['X', 'raw/X'] });
    expect([m.n, m.d]).toEqual([3, 5]);
    expect(m.genes).toEqual(['G1', 'G2', 'G3', 'G4', 'G5']);
    expect(Array.from(toDense(m))).toEqual(COUNTS.flatMap((r) => [...r, 1]));
    expect(m.cells).toEqual(['c1', 'c2', 'c3']);
    expect(m.obs).toEqual({ louvain: ['2', '0', '1'], n_genes: [2, 1, 3] });
    const x = await readH5ad(bytes, { matrix: 'X' });
    expect(x.source.encoding).toBe('csr');
    expect(x.genes).toEqual(['G1', 'G2', 'G3', 'G4']);
    expect(Array.from(toDense(x))).toEqual(NORM.flat());
  });

  test('a sparse group without an encoding is refused with the fix', async () => {
    const bytes = await makeH5((f) => {
      const g = f.create_group('X');
      g.create_dataset({ name: 'data', data: new Float32Array([1]) });
    });
    await expectRejects(
      readH5ad(bytes),
      FileFormatError,
      /X is a group with encoding-type \(none\) and no shape attribute; expected a dense array or a sparse matrix/,
    );
  });
});
