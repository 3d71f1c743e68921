// Worker side of test/gpu/sc-io.test.ts: runs the HDF5 loaders inside a dedicated module worker,
// where a Blob is mounted with WORKERFS (random access through FileReaderSync, no whole copy).
import { read10xH5 } from '../../src/io/10x-h5.js';
import { readH5adFromFile } from '../../src/io/h5ad.js';

self.onmessage = async (e: MessageEvent<{ kind: '10x-h5' | 'h5ad'; blob: Blob }>) => {
  try {
    const data = e.data.kind === '10x-h5' ? await read10xH5(e.data.blob) : await readH5adFromFile(e.data.blob);
    (self as unknown as Worker).postMessage({ ok: true, data });
  } catch (err) {
    (self as unknown as Worker).postMessage({ ok: false, error: `${(err as Error).name}: ${(err as Error).message}` });
  }
};
