/**
 * Opening an AnnData Zarr store: the store's root checked, the matrix chosen by readH5ad's rules
 * (layers/counts, else raw/X, else X; or `matrix`), its encoding and shape, the gene names of the
 * matching var. What the chunked source and the in-memory loader share before reading rows.
 */
import { FileFormatError } from '../../errors.js';
import { formatCount } from '../text.js';
import type { H5adMatrixSource } from '../types.js';
import { availableMatrices, dataframeIndexArray, encodingOf, openNode, readStrings, shapeAttr, type ZNode } from './anndata.js';
import { openStore, type ZarrInput, type ZarrStoreLike } from './store.js';

export interface OpenedMatrix {
  store: ZarrStoreLike;
  label: string;
  /** Bytes read from the store so far. */
  bytesRead: () => number;
  /** 2 or 3, from the root's metadata. */
  zarrFormat: 2 | 3;
  available: string[];
  matrixSource: H5adMatrixSource;
  /** Element path of the matrix in the store. */
  path: string;
  node: ZNode;
  encoding: 'csr' | 'csc' | 'dense';
  n: number;
  d: number;
  genes: string[];
}

/** Open the store and choose its matrix; reads only metadata and var's index. */
export async function openMatrix(input: ZarrInput, choice: 'auto' | H5adMatrixSource = 'auto'): Promise<OpenedMatrix> {
  const { store, label, bytesRead } = await openStore(input);
  const v2 = (await store.get('/.zgroup')) !== undefined;
  const v3 = !v2 && (await store.get('/zarr.json')) !== undefined;
  if (!v2 && !v3)
    throw new FileFormatError(
      `${label}: no .zgroup or zarr.json at the root, so not a Zarr store. Pass the store's own directory (the one adata.write_zarr wrote, e.g. data.zarr).`,
    );
  const available = await availableMatrices(store);
  if (!available.includes('X'))
    throw new FileFormatError(`${label}: a Zarr group without an X matrix, so not an AnnData store. Write it with adata.write_zarr.`);
  let matrixSource: H5adMatrixSource;
  if (choice === 'auto') {
    matrixSource = available.includes('layers/counts') ? 'layers/counts' : available.includes('raw/X') ? 'raw/X' : 'X';
  } else {
    if (!available.includes(choice) && !(choice.startsWith('layers/') && (await openNode(store, label, choice))))
      throw new FileFormatError(`${label}: no ${choice} in the store; it has ${available.join(', ')}. Pass one of those as { matrix }.`);
    matrixSource = choice;
  }
  const path = matrixSource;
  const node = await openNode(store, label, path);
  if (!node) throw new FileFormatError(`${label}: ${path} vanished while opening the store.`);
  let encoding: OpenedMatrix['encoding'];
  let n: number;
  let d: number;
  if (node.kind === 'array') {
    if (node.shape.length !== 2)
      throw new FileFormatError(`${label}: ${path} is a ${node.shape.length}-D array; a matrix is 2-D (cells × genes).`);
    [n, d] = node.shape;
    encoding = 'dense';
  } else {
    const enc = encodingOf(node);
    const shape = shapeAttr(node);
    if ((enc !== 'csr_matrix' && enc !== 'csc_matrix') || !shape)
      throw new FileFormatError(
        `${label}: ${path} is a group with encoding-type ${enc ? `"${enc}"` : '(none)'}${shape ? '' : ' and no shape attribute'}; ` +
          'expected a dense array or a sparse matrix (encoding-type "csr_matrix" or "csc_matrix" with a shape). Write the store with anndata ≥ 0.7.',
      );
    [n, d] = shape;
    encoding = enc === 'csr_matrix' ? 'csr' : 'csc';
  }
  for (const [what, x] of [
    ['rows', n],
    ['columns', d],
  ] as const)
    if (!(Number.isInteger(x) && x >= 0 && x <= 2 ** 32 - 2))
      throw new FileFormatError(
        `${label}: ${path} declares ${String(x)} ${what}; the most is 4,294,967,294 (32-bit indices). The store is damaged.`,
      );

  const varPath = matrixSource === 'raw/X' ? 'raw/var' : 'var';
  const idx = await dataframeIndexArray(store, label, varPath);
  const genes = idx ? await readStrings(idx, label) : Array.from({ length: d }, (_, j) => String(j));
  if (genes.length !== d)
    throw new FileFormatError(
      `${label}: ${varPath} names ${formatCount(genes.length)} genes but ${path} has ${formatCount(d)} columns. The store is inconsistent.`,
    );
  return { store, label, bytesRead, zarrFormat: v2 ? 2 : 3, available, matrixSource, path, node, encoding, n, d, genes };
}
