/** `emgpu sc`'s inputs: a single-cell file, folder or three 10x files, and the true labels to score against. */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { FileFormatError } from '../errors.js';
import { find10xInputs, read10x } from '../io/10x.js';
import { splitFields } from '../io/delimited.js';
import { readFileBytes } from '../io/node.js';
import { fileBlob, read10xDir, read10xH5File, readH5adFile } from '../io/node-sc.js';
import type { SingleCellData } from '../io/types.js';

const SUPPORTED =
  'Pass an AnnData .h5ad, a 10x Cell Ranger .h5, a 10x folder (matrix.mtx(.gz), features.tsv(.gz) or genes.tsv(.gz), barcodes.tsv(.gz)), or those three files.';

/** Load what the user named, by what it is: a folder, an .h5ad, an .h5, a matrix.mtx in a 10x folder, or three 10x files. */
export async function readScInput(paths: readonly string[], maxBytes?: number): Promise<SingleCellData> {
  const limit = maxBytes !== undefined ? { maxBytes } : {};
  for (const p of paths) if (!existsSync(p)) throw new FileFormatError(`${p}: no such file or directory. ${SUPPORTED}`);
  if (paths.length === 3) {
    const blobs = await Promise.all(paths.map((p) => fileBlob(resolve(p))));
    const data = await read10x(find10xInputs(blobs as File[]), limit);
    data.source.name = paths.join(' ');
    return data;
  }
  const path = paths[0];
  if (statSync(path).isDirectory()) return read10xDir(path, limit);
  const name = basename(path).toLowerCase();
  if (name.endsWith('.h5ad')) return readH5adFile(path, limit);
  if (name.endsWith('.h5') || name.endsWith('.hdf5')) return read10xH5File(path, limit);
  if (/matrix\.mtx(\.gz)?$/.test(name)) return read10xDir(dirname(path), limit);
  throw new FileFormatError(`${path}: not a single-cell file emgpu sc reads. ${SUPPORTED}`);
}

/** Missing labels: empty, NA, nan. */
function present(v: string | number | null | undefined): v is string | number {
  return v !== null && v !== undefined && v !== '' && !/^(na|nan|none|null)$/i.test(String(v));
}

export interface Truth {
  /** Per cell of the loaded data: its label, or null when it has none. */
  values: (string | null)[];
  source: string;
}

/**
 * True labels (or, for --integrate, batches) for the loaded cells: an obs column of the file, or
 * COLUMN of a CSV(.gz) (comma or tab separated, a header line) whose first column is the cell barcode.
 */
export function readTruth(data: Pick<SingleCellData, 'cells' | 'obs'>, spec: { file?: string; column: string }, flag = '--labels'): Truth {
  if (spec.file === undefined) {
    const col = data.obs?.[spec.column];
    if (!col) {
      const have = Object.keys(data.obs ?? {});
      throw new FileFormatError(
        `${flag} ${spec.column}: the input has no obs column '${spec.column}' (${have.length ? `it has: ${have.slice(0, 20).join(', ')}` : 'it has no obs columns'}). Pass an obs column, or FILE:COLUMN for a CSV keyed by cell barcode.`,
      );
    }
    return { values: col.map((v) => (present(v) ? String(v) : null)), source: spec.column };
  }
  const text = new TextDecoder().decode(readFileBytes(spec.file));
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const sep = lines[0]?.includes('\t') && !lines[0].includes(',') ? '\t' : ',';
  const head = splitFields(lines[0] ?? '', sep);
  const j = head.indexOf(spec.column);
  if (j < 1) {
    throw new FileFormatError(
      `${spec.file}: no column '${spec.column}' after the barcode column (the header has: ${head.join(', ')}). Pass FILE:COLUMN with one of those.`,
    );
  }
  const byCell = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const f = splitFields(line, sep);
    if (present(f[j])) byCell.set(f[0], f[j]);
  }
  const values = data.cells.map((c) => byCell.get(c) ?? null);
  if (!values.some((v) => v !== null)) {
    throw new FileFormatError(
      `${spec.file}: none of its ${byCell.size} labelled barcodes matches a cell of the input (e.g. '${data.cells[0]}'). Check that the labels belong to this dataset.`,
    );
  }
  return { values, source: `${spec.column} of ${basename(spec.file)}` };
}
