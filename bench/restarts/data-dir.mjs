// The shared data folder: $EMGPU_DATA_DIR, else ../shared/data beside the repository (as the tests find it).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export function sharedDataDir() {
  const found = [process.env.EMGPU_DATA_DIR, join(root, '..', 'shared', 'data'), join(root, '..', '..', 'shared', 'data')]
    .filter(Boolean)
    .find((p) => existsSync(join(p, 'pbmc3k', 'matrix.mtx.gz')));
  if (!found) throw new Error('pbmc3k not found: set EMGPU_DATA_DIR to the shared data folder');
  return found;
}
