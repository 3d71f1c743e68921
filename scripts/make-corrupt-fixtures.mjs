#!/usr/bin/env node
/**
 * Writes test/fixtures/corrupt/: tiny valid seeds cut from the bundled pbmc3k (the first 6 cells ×
 * first 8 genes that hold counts) as MatrixMarket, CSV, 10x .h5 and .h5ad, and one damaged file
 * per loader defect that test/node/fuzz-loaders.test.ts pins. HDF5 files are gzip-compressed (the
 * loaders gunzip by content), so the corpus stays a few kB. Deterministic: rerun to regenerate.
 *
 *   node scripts/make-corrupt-fixtures.mjs
 */
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import h5wasm from 'h5wasm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test/fixtures/corrupt');
mkdirSync(out, { recursive: true });
const write = (name, data) => writeFileSync(join(out, name), data);
const gz = (bytes) => gzipSync(bytes, { level: 9, mtime: 0 });

// --- the seed matrix: pbmc3k cells 1..6, the first 8 genes with a count in them ---
const CELLS = 6;
// The file lists entries by cell: read only as far as cell CELLS.
const entries = [];
const lines = createInterface({ input: createReadStream(join(root, 'data/pbmc3k/matrix.mtx.gz')).pipe(createGunzip()) });
let lineNo = 0;
for await (const line of lines) {
  if (++lineNo <= 3) continue;
  const [g, c, v] = line.split(' ').map(Number);
  if (c > CELLS) break;
  entries.push([g, c, v]);
}
lines.close();
const genes = [...new Set(entries.map((e) => e[0]))].sort((a, b) => a - b).slice(0, 8);
const geneNames = gunzipSync(readFileSync(join(root, 'data/pbmc3k/genes.tsv.gz')))
  .toString('utf8')
  .split('\n');
const barcodes = gunzipSync(readFileSync(join(root, 'data/pbmc3k/barcodes.tsv.gz')))
  .toString('utf8')
  .split('\n')
  .slice(0, CELLS);
const G = genes.length;
const dense = Array.from({ length: CELLS }, () => new Array(G).fill(0));
for (const [g, c, v] of entries) {
  const j = genes.indexOf(g);
  if (j >= 0) dense[c - 1][j] = v;
}
const kept = [];
for (let i = 0; i < CELLS; i++) for (let j = 0; j < G; j++) if (dense[i][j]) kept.push([j + 1, i + 1, dense[i][j]]);

// --- text seeds ---
const mtx = `%%MatrixMarket matrix coordinate integer general\n%\n${G} ${CELLS} ${kept.length}\n${kept.map((e) => e.join(' ')).join('\n')}\n`;
write('seed.mtx', mtx);
write('seed-features.tsv', `${genes.map((g) => geneNames[g - 1]).join('\n')}\n`);
write('seed-barcodes.tsv', `${barcodes.join('\n')}\n`);
write('seed.csv', `${dense.map((r) => r.join(',')).join('\n')}\n`);

// --- damaged text files ---
const swapSize = (line) => mtx.replace(`${G} ${CELLS} ${kept.length}`, line);
write('size-1e12-genes.mtx', swapSize(`1000000000000 ${CELLS} ${kept.length}`));
write('size-999999999.mtx', '%%MatrixMarket matrix coordinate integer general\n999999999 999999999 0\n');
write('numeric-first-row.csv', '1,1\n2,2\n');

// --- HDF5 seeds, written with h5wasm ---
// HDF5 stamps objects with the time (Emscripten reads it from Date.now): a fixed clock makes the
// files, and so the byte offsets below, the same on every run.
Date.now = () => Date.UTC(2026, 11, 7);
const Module = await h5wasm.ready;
const FS = Module.FS;
function h5(build) {
  const path = `/fixture-${Math.random().toString(36).slice(2)}.h5`;
  const f = new h5wasm.File(path, 'w');
  build(f);
  f.close();
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return bytes;
}
const csr = { data: [], indices: [], indptr: [0] };
for (let i = 0; i < CELLS; i++) {
  for (let j = 0; j < G; j++) {
    if (dense[i][j]) {
      csr.data.push(dense[i][j]);
      csr.indices.push(j);
    }
  }
  csr.indptr.push(csr.data.length);
}
function h5adBytes(shape) {
  return h5((f) => {
    const X = f.create_group('X');
    X.create_attribute('encoding-type', 'csr_matrix');
    X.create_attribute('encoding-version', '0.1.0');
    X.create_attribute('shape', new BigInt64Array(shape.map(BigInt)));
    X.create_dataset({ name: 'data', data: new Float32Array(csr.data) });
    X.create_dataset({ name: 'indices', data: new Int32Array(csr.indices) });
    X.create_dataset({ name: 'indptr', data: new Int32Array(csr.indptr) });
    const obs = f.create_group('obs');
    obs.create_attribute('_index', '_index');
    obs.create_attribute('encoding-type', 'dataframe');
    obs.create_attribute('column-order', ['cell_type']);
    obs.create_dataset({ name: '_index', data: barcodes });
    const ct = obs.create_group('cell_type');
    ct.create_attribute('encoding-type', 'categorical');
    ct.create_dataset({ name: 'categories', data: ['B', 'T'] });
    ct.create_dataset({ name: 'codes', data: new Int8Array([1, 0, 0, 1, 1, 0]) });
    const v = f.create_group('var');
    v.create_attribute('_index', '_index');
    v.create_attribute('encoding-type', 'dataframe');
    v.create_dataset({ name: '_index', data: genes.map((g) => geneNames[g - 1].split('\t')[1]) });
  });
}
const h5ad = h5adBytes([CELLS, G]);
write('seed.h5ad.gz', gz(h5ad));
const tenx = h5((f) => {
  const m = f.create_group('matrix');
  m.create_dataset({ name: 'data', data: new Int32Array(csr.data) });
  m.create_dataset({ name: 'indices', data: new BigInt64Array(csr.indices.map(BigInt)) });
  m.create_dataset({ name: 'indptr', data: new BigInt64Array(csr.indptr.map(BigInt)) });
  m.create_dataset({ name: 'shape', data: new Int32Array([G, CELLS]) });
  m.create_dataset({ name: 'barcodes', data: barcodes });
  const feat = m.create_group('features');
  feat.create_dataset({ name: 'id', data: genes.map((g) => geneNames[g - 1].split('\t')[0]) });
  feat.create_dataset({ name: 'name', data: genes.map((g) => geneNames[g - 1].split('\t')[1]) });
  feat.create_dataset({ name: 'feature_type', data: genes.map(() => 'Gene Expression') });
});
write('seed-10x.h5.gz', gz(tenx));

// --- damaged HDF5 files ---
// The first object header of the first global heap collection zeroed: HDF5 1.x/2.0 loops forever.
const gcol = Buffer.from(h5ad).indexOf('GCOL');
if (gcol < 0) throw new Error('no global heap collection in the seed .h5ad');
const spin = h5ad.slice();
spin.fill(0, gcol + 16, gcol + 32);
write('gcol-zeroed-header.h5ad.gz', gz(spin));
write('negative-shape.h5ad.gz', gz(h5adBytes([-1, G])));
write('truncated-10x.h5.gz', gz(tenx.slice(0, Math.floor(tenx.length / 2))));
console.log(`wrote ${out}`);
