/**
 * Node-only adapters for the single-cell loaders: paths → Blobs backed by the file on disk
 * (fs.openAsBlob, so nothing is read until the loader streams it). Not in the browser barrel:
 * import it from Node code as `emgpu/node`.
 */
import { checkLoaderOptions, LOADER_OPTIONS } from './options.js';
import { existsSync, openAsBlob, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FileFormatError, NotAFileError } from '../errors.js';
import { read10xH5, type Read10xH5Options } from './10x-h5.js';
import { readH5ad, type ReadH5adOptions } from './h5ad.js';
import { is10xName, read10x, type Read10xOptions } from './10x.js';
import type { SingleCellData } from './types.js';

/**
 * A Blob over a file on disk that reports the file's name (as a browser File would). A missing
 * path, a directory or an unreadable file is refused here (NotAFileError), not when the loader
 * first reads the Blob (where Node only says "NotReadableError").
 */
export async function fileBlob(path: string, expect = 'a file'): Promise<Blob> {
  if (typeof path !== 'string' || path === '') {
    throw new NotAFileError(String(path), `fileBlob: got ${path === '' ? 'an empty string' : typeof path}; pass the path of ${expect}.`);
  }
  let isDir: boolean;
  let regular: boolean;
  try {
    const st = statSync(path);
    isDir = st.isDirectory();
    regular = st.isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NotAFileError(
      path,
      `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(e)})`}. Check the path; pass ${expect}.`,
      { cause: e },
    );
  }
  if (isDir) {
    const tenx = (() => {
      try {
        find10xFiles(path);
        return true;
      } catch {
        return false;
      }
    })();
    throw new NotAFileError(
      path,
      `${path} is a directory, not a file. Pass ${expect} inside it${tenx ? ', or read this 10x folder with read10xDir(path)' : ''}.`,
    );
  }
  // A device (/dev/zero, /dev/stdin), a FIFO or a socket has no size to read a file by: refused, not read as empty.
  if (!regular) {
    throw new NotAFileError(path, `${path} is not a regular file (a device, pipe or socket). Pass ${expect} on disk.`);
  }
  let blob: Blob;
  try {
    blob = await openAsBlob(path);
  } catch (e) {
    throw new NotAFileError(path, `${path}: cannot be opened (${(e as Error).message}). Check the path and its permissions.`, { cause: e });
  }
  Object.defineProperty(blob, 'name', { value: basename(path), enumerable: true });
  return blob;
}

export interface TenxDirFiles {
  matrix: string;
  features?: string;
  genes?: string;
  barcodes: string;
}

/**
 * The files of a 10x MEX folder: matrix.mtx(.gz), features.tsv(.gz) (Cell Ranger ≥ 3) or
 * genes.tsv(.gz) (Cell Ranger 2), barcodes.tsv(.gz). A single prefix shared by all three
 * (e.g. GSM123_matrix.mtx.gz, as GEO serves them) is accepted too.
 */
export function find10xFiles(dir: string): TenxDirFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new FileFormatError(
      `${dir}: not a directory. Pass the folder that holds matrix.mtx(.gz), features.tsv(.gz) (or genes.tsv(.gz)) and barcodes.tsv(.gz).`,
    );
  }
  const names = readdirSync(dir);
  const pick = (stem: string): string | undefined => {
    const hits = names.filter((n) => is10xName(n, stem));
    if (hits.length > 1) {
      const exact = hits.find((h) => h === `${stem}.gz`) ?? hits.find((h) => h === stem);
      if (exact) return join(dir, exact);
      throw new FileFormatError(
        `${dir}: several files match ${stem}(.gz): ${hits.join(', ')}. Keep one 10x dataset per folder, or call read10x with the files.`,
      );
    }
    return hits.length ? join(dir, hits[0]) : undefined;
  };
  const matrix = pick('matrix.mtx');
  const features = pick('features.tsv');
  const genes = features ? undefined : pick('genes.tsv');
  const barcodes = pick('barcodes.tsv');
  const missing = [
    matrix ? '' : 'matrix.mtx(.gz)',
    features || genes ? '' : 'features.tsv(.gz) or genes.tsv(.gz)',
    barcodes ? '' : 'barcodes.tsv(.gz)',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new FileFormatError(
      `${dir}: no ${missing.join(', no ')} in this folder (it has: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}). ` +
        'Pass a Cell Ranger output folder such as filtered_feature_bc_matrix/ (or filtered_gene_bc_matrices/<genome>/ for Cell Ranger 2).',
    );
  }
  const out: TenxDirFiles = { matrix: matrix!, barcodes: barcodes! };
  if (features) out.features = features;
  if (genes) out.genes = genes;
  return out;
}

/** Read a 10x MEX folder from disk (streamed; see read10x). */
export async function read10xDir(dir: string, options: Read10xOptions = {}): Promise<SingleCellData> {
  checkLoaderOptions(options, LOADER_OPTIONS.tenx, 'read10xDir');
  const f = find10xFiles(dir);
  const data = await read10x(
    {
      matrix: await fileBlob(f.matrix),
      ...(f.features ? { features: await fileBlob(f.features) } : { genes: await fileBlob(f.genes!) }),
      barcodes: await fileBlob(f.barcodes),
    },
    options,
  );
  data.source.name = dir;
  return data;
}

/** Read a 10x Cell Ranger .h5 file from disk (see read10xH5). */
export async function read10xH5File(path: string, options: Read10xH5Options = {}): Promise<SingleCellData> {
  checkLoaderOptions(options, LOADER_OPTIONS.tenxH5, 'read10xH5File');
  const data = await read10xH5(await fileBlob(path, 'a 10x Cell Ranger .h5 file'), options);
  data.source.name = path;
  return data;
}

/** Read an AnnData .h5ad file from disk (see readH5ad). The file is read into memory whole. */
export async function readH5adFile(path: string, options: ReadH5adOptions = {}): Promise<SingleCellData> {
  checkLoaderOptions(options, LOADER_OPTIONS.h5ad, 'readH5adFile');
  const data = await readH5ad(await fileBlob(path, 'an AnnData .h5ad file'), options);
  data.source.name = path;
  return data;
}
