/**
 * Where a Zarr store's keys come from: a directory path (Node, through node:fs), a URL (fetch), a
 * directory the user picked in a browser (FileSystemDirectoryHandle, or the FileList of
 * <input webkitdirectory>), or any object with `get(key)`. Every input becomes one small interface,
 * `{ get, children? }`, that zarrita reads through; `children` lists a group's members where the
 * input can list (not over plain HTTP), which only the error messages and `available` need.
 */
import { importNodeBuiltin } from '../../core/node-builtin.js';
import { FileFormatError, NotAFileError } from '../../errors.js';

/** Any key-value store a caller brings: keys are '/'-separated paths from the store's root ('/X/.zattrs'). */
export interface ZarrStoreLike {
  get(key: string, options?: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  /** Names of a group's members (optional: used to list layers in messages). */
  children?(path: string): Promise<string[] | undefined>;
}

/** What openZarrSource / readZarr accept. */
export type ZarrInput = string | URL | FileSystemDirectoryHandle | FileList | readonly File[] | ZarrStoreLike;

/** A store with its name for messages. */
export interface OpenedStore {
  store: ZarrStoreLike;
  label: string;
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';
const trimKey = (key: string): string => key.replace(/^\/+/, '');

/** Node: keys are files under a directory. */
async function directoryStore(path: string): Promise<OpenedStore> {
  const fs = await importNodeBuiltin<typeof import('node:fs')>('fs');
  let isDir = false;
  try {
    isDir = fs.statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NotAFileError(
      path,
      `${path}: ${code === 'ENOENT' ? 'no such directory' : `cannot be read (${code ?? String(e)})`}. Pass the path of an AnnData Zarr store (the .zarr directory).`,
      { cause: e },
    );
  }
  if (!isDir)
    throw new NotAFileError(
      path,
      `${path} is a file, not a directory. An AnnData Zarr store is a directory (adata.write_zarr('x.zarr')); for an .h5ad file use readH5ad.`,
    );
  const root = path.replace(/\/+$/, '');
  return {
    label: path,
    store: {
      async get(key) {
        try {
          return new Uint8Array(await fs.promises.readFile(`${root}/${trimKey(key)}`));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
          throw new NotAFileError(`${root}/${trimKey(key)}`, `${root}/${trimKey(key)}: cannot be read (${code ?? String(e)}).`, {
            cause: e,
          });
        }
      },
      async children(p) {
        try {
          return fs.readdirSync(`${root}/${trimKey(p)}`).filter((k) => !k.startsWith('.'));
        } catch {
          return undefined;
        }
      },
    },
  };
}

/** HTTP(S): keys are URLs under the base; 404 (and 403, S3's answer for a missing key) is a missing key. */
function fetchStore(url: string): OpenedStore {
  const base = url.replace(/\/+$/, '');
  return {
    label: url,
    store: {
      async get(key, options) {
        let r: Response;
        try {
          r = await fetch(`${base}/${trimKey(key)}`, { signal: options?.signal });
        } catch (e) {
          if ((e as Error)?.name === 'AbortError') throw e;
          throw new NotAFileError(
            url,
            `${url}: fetching ${trimKey(key)} failed (${(e as Error)?.message ?? String(e)}). Check the URL and that the server allows it (CORS).`,
            {
              cause: e,
            },
          );
        }
        if (r.status === 404 || r.status === 403) return undefined;
        if (!r.ok)
          throw new NotAFileError(url, `${url}: fetching ${trimKey(key)} answered HTTP ${r.status}. Check the URL and the server.`);
        return new Uint8Array(await r.arrayBuffer());
      },
    },
  };
}

/** A directory the user picked with showDirectoryPicker(). */
function handleStore(dir: FileSystemDirectoryHandle): OpenedStore {
  const walk = async (parts: string[]): Promise<FileSystemDirectoryHandle | undefined> => {
    let h = dir;
    for (const p of parts) {
      try {
        h = await h.getDirectoryHandle(p);
      } catch {
        return undefined;
      }
    }
    return h;
  };
  return {
    label: dir.name,
    store: {
      async get(key) {
        const parts = trimKey(key).split('/');
        const name = parts.pop() as string;
        const h = await walk(parts);
        if (!h) return undefined;
        try {
          const file = await (await h.getFileHandle(name)).getFile();
          return new Uint8Array(await file.arrayBuffer());
        } catch {
          return undefined;
        }
      },
      async children(p) {
        const h = await walk(trimKey(p).split('/').filter(Boolean));
        if (!h) return undefined;
        const out: string[] = [];
        for await (const k of (h as unknown as { keys(): AsyncIterable<string> }).keys()) if (!k.startsWith('.')) out.push(k);
        return out;
      },
    },
  };
}

/** The files of <input type="file" webkitdirectory>: keys are webkitRelativePath less its first folder (the store's). */
function fileListStore(files: readonly File[]): OpenedStore {
  const byKey = new Map<string, File>();
  let top = '';
  for (const f of files) {
    const rel = f.webkitRelativePath || f.name;
    const cut = rel.indexOf('/');
    if (cut > 0) top = rel.slice(0, cut);
    byKey.set(cut > 0 ? rel.slice(cut + 1) : rel, f);
  }
  return {
    label: top || 'store.zarr',
    store: {
      async get(key) {
        const f = byKey.get(trimKey(key));
        return f ? new Uint8Array(await f.arrayBuffer()) : undefined;
      },
      async children(p) {
        const prefix = trimKey(p) ? `${trimKey(p).replace(/\/+$/, '')}/` : '';
        const out = new Set<string>();
        for (const k of byKey.keys()) if (k.startsWith(prefix)) out.add(k.slice(prefix.length).split('/')[0]);
        return [...out].filter((k) => !k.startsWith('.'));
      },
    },
  };
}

/** The store behind any accepted input, counting the bytes it hands out. */
export async function openStore(input: ZarrInput): Promise<OpenedStore & { bytesRead: () => number }> {
  const opened = await storeOf(input);
  let bytes = 0;
  const inner = opened.store;
  const store: ZarrStoreLike = {
    async get(key, options) {
      const v = await inner.get(key, options);
      bytes += v?.byteLength ?? 0;
      return v;
    },
  };
  if (inner.children) store.children = (p) => inner.children?.(p) ?? Promise.resolve(undefined);
  return { store, label: opened.label, bytesRead: () => bytes };
}

async function storeOf(input: ZarrInput): Promise<OpenedStore> {
  if (typeof input === 'string') {
    if (/^https?:\/\//i.test(input) || !isNode()) return fetchStore(input);
    return directoryStore(input);
  }
  if (typeof URL !== 'undefined' && input instanceof URL) {
    if (input.protocol === 'file:' && isNode()) return directoryStore(decodeURIComponent(input.pathname));
    return fetchStore(input.href);
  }
  if (typeof FileList !== 'undefined' && input instanceof FileList) return fileListStore(Array.from(input));
  if (Array.isArray(input) && input.every((f) => typeof File !== 'undefined' && f instanceof File)) return fileListStore(input);
  const h = input as FileSystemDirectoryHandle;
  if (h && typeof h === 'object' && h.kind === 'directory' && typeof h.getDirectoryHandle === 'function') return handleStore(h);
  const s = input as ZarrStoreLike;
  if (s && typeof s === 'object' && typeof s.get === 'function') return { store: s, label: 'store.zarr' };
  throw new FileFormatError(
    'openZarrSource: the input is not a Zarr store. Pass a directory path (Node), a URL, a FileSystemDirectoryHandle, ' +
      'the FileList of <input type="file" webkitdirectory>, or an object with get(key) → Promise<Uint8Array | undefined>.',
  );
}
