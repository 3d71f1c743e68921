/** AnnData's annotations: obs/var dataframes (index, categoricals, nullable and old-style columns), obsm embeddings, and the matrices a file holds. */
import type { Dataset, Group } from 'h5wasm';
import { toFloat32 } from './csr.js';
import type { OpenedH5 } from './h5.js';
import { attr, getPath, isDataset, isGroup, readNumeric, readStrings, readValue, shapeOf } from './h5-read.js';
import type { Embedding, ObsColumn } from './types.js';

/** AnnData's encoding of an element (encoding-type, or the older h5sparse_format). */
export function encodingOf(h: OpenedH5, x: Group | Dataset): string | undefined {
  const e = attr(h, x, 'encoding-type');
  if (typeof e === 'string') return e;
  const old = attr(h, x, 'h5sparse_format');
  if (typeof old === 'string') return old === 'csr' ? 'csr_matrix' : old === 'csc' ? 'csc_matrix' : old;
  return undefined;
}

/** Members of a compound (structured) dataset as columns. */
export function compoundColumns(h: OpenedH5, ds: Dataset): Record<string, unknown[]> | undefined {
  const members = ds.metadata.compound_type?.members;
  if (!members) return undefined;
  const rows = readValue(h, ds);
  if (!Array.isArray(rows)) return undefined;
  const out: Record<string, unknown[]> = {};
  members.forEach((m, k) => {
    out[m.name] = rows.map((row) => (Array.isArray(row) ? row[k] : undefined));
  });
  return out;
}

export function asStringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  return [];
}

/** The dataset holding a dataframe group's index: named by its `_index` attribute, else "_index" or "index". */
function indexName(h: OpenedH5, g: Group): string | undefined {
  const named = attr(h, g, '_index');
  const keys = g.keys();
  return [typeof named === 'string' ? named : undefined, '_index', 'index'].find((c): c is string => c !== undefined && keys.includes(c));
}

/** A dataframe's index (obs_names / var_names). */
export function dataframeIndex(h: OpenedH5, path: string): string[] | undefined {
  const x = getPath(h, path);
  if (!x) return undefined;
  if (isGroup(h, x)) {
    const name = indexName(h, x);
    const ds = name === undefined ? undefined : getPath(h, `${path}/${name}`);
    return ds && isDataset(h, ds) ? readStrings(h, ds) : undefined;
  }
  const cols = compoundColumns(h, x);
  const idx = cols?.index ?? cols?._index;
  return idx ? idx.map((s) => (s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s))) : undefined;
}

function toCell(x: unknown): string | number | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'number') return Number.isNaN(x) ? null : x;
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (x instanceof Uint8Array) return new TextDecoder().decode(x);
  return String(x);
}

/** Values of a 1-D dataset as an obs column (enums: their names; booleans: 'True'/'False'). */
function plainColumn(h: OpenedH5, ds: Dataset): ObsColumn {
  const v = readValue(h, ds);
  const en = ds.metadata.enum_type;
  if (en && ArrayBuffer.isView(v)) {
    const names = new Map<number, string>();
    for (const [k, code] of Object.entries(en.members)) names.set(Number(code), k === 'TRUE' ? 'True' : k === 'FALSE' ? 'False' : k);
    return Array.from(v as unknown as ArrayLike<number>, (c) => names.get(Number(c)) ?? null);
  }
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, toCell);
  if (Array.isArray(v)) return v.map(toCell);
  return [toCell(v)];
}

function decodeCodes(codes: ArrayLike<number | bigint>, categories: (string | number | null)[]): ObsColumn {
  return Array.from(codes, (c) => {
    const k = Number(c);
    return k >= 0 && k < categories.length ? categories[k] : null;
  });
}

/** obs columns, categoricals decoded. */
export function readObs(h: OpenedH5, n: number, want: boolean | string[]): Record<string, ObsColumn> {
  const out: Record<string, ObsColumn> = {};
  if (want === false) return out;
  const obs = getPath(h, 'obs');
  if (!obs) return out;
  const wanted = (name: string): boolean => want === true || (Array.isArray(want) && want.includes(name));
  if (isDataset(h, obs)) {
    // anndata < 0.7: a compound dataset; categorical columns hold codes, categories in uns/<col>_categories.
    const cols = compoundColumns(h, obs) ?? {};
    for (const [name, values] of Object.entries(cols)) {
      if (name === 'index' || name === '_index' || !wanted(name) || values.length !== n) continue;
      const cats = getPath(h, `uns/${name}_categories`);
      if (cats && isDataset(h, cats))
        out[name] = decodeCodes(
          values.map((x) => Number(x)),
          plainColumn(h, cats),
        );
      else out[name] = values.map(toCell);
    }
    return out;
  }
  const g = obs as Group;
  const index = indexName(h, g);
  const order = asStringList(attr(h, g, 'column-order'));
  const keys = g.keys();
  const names = [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))].filter(
    (k) => k !== index && k !== '__categories',
  );
  for (const name of names) {
    if (!wanted(name)) continue;
    const x = getPath(h, `obs/${name}`);
    if (!x) continue;
    if (isGroup(h, x)) {
      const enc = encodingOf(h, x);
      const part = (p: string): Dataset | undefined => {
        const y = getPath(h, `obs/${name}/${p}`);
        return y && isDataset(h, y) ? y : undefined;
      };
      if (enc === 'categorical') {
        const cats = part('categories');
        const codes = part('codes');
        if (!cats || !codes) continue;
        out[name] = decodeCodes(readNumeric(h, codes), plainColumn(h, cats));
      } else if (enc === 'nullable-integer' || enc === 'nullable-boolean' || enc === 'nullable-string-array') {
        const values = part('values');
        if (!values) continue;
        const col = plainColumn(h, values);
        const mask = part('mask');
        if (mask) {
          const m = readNumeric(h, mask);
          for (let i = 0; i < col.length; i++) if (m[i]) col[i] = null;
        }
        if (enc === 'nullable-boolean')
          for (let i = 0; i < col.length; i++) if (typeof col[i] === 'number') col[i] = col[i] ? 'True' : 'False';
        out[name] = col;
      }
      continue;
    }
    if (shapeOf(x).length !== 1 || shapeOf(x)[0] !== n) continue;
    // anndata 0.7 style categorical: codes here, categories in obs/__categories/<name>.
    const oldCats = getPath(h, `obs/__categories/${name}`);
    if (oldCats && isDataset(h, oldCats)) out[name] = decodeCodes(readNumeric(h, x), plainColumn(h, oldCats));
    else out[name] = plainColumn(h, x);
  }
  return out;
}

/** obsm: every 2-D numeric dataset with n rows (or the listed ones), as float32. */
export function readObsm(h: OpenedH5, n: number, want: boolean | string[]): Record<string, Embedding> {
  const out: Record<string, Embedding> = {};
  if (want === false) return out;
  const g = getPath(h, 'obsm');
  if (!g || !isGroup(h, g)) return out;
  for (const name of g.keys()) {
    if (Array.isArray(want) && !want.includes(name)) continue;
    const ds = getPath(h, `obsm/${name}`);
    if (!ds || !isDataset(h, ds)) continue;
    const shape = shapeOf(ds);
    if (shape.length !== 2 || shape[0] !== n || ds.metadata.compound_type || ds.metadata.type === 3) continue;
    const v = readValue(h, ds);
    if (!ArrayBuffer.isView(v) || v instanceof DataView) continue;
    out[name] = { data: toFloat32(v as unknown as ArrayLike<number>), n, d: shape[1] };
  }
  return out;
}

/** The matrices an h5ad holds: X, raw/X, layers/*. */
export function availableMatrices(h: OpenedH5): string[] {
  const out: string[] = [];
  if (getPath(h, 'X')) out.push('X');
  if (getPath(h, 'raw/X')) out.push('raw/X');
  const layers = getPath(h, 'layers');
  if (layers && isGroup(h, layers)) for (const k of layers.keys()) out.push(`layers/${k}`);
  return out;
}
