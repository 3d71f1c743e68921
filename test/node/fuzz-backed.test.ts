// Damaged files through the backed sources, opened by path (h5wasm's Node build in its worker):
// a typed error or sane blocks, never a hang, an untyped error or a crash of the caller. The
// mutations are fuzz-loaders.test.ts's kinds (bit flips, set bytes, zeroed blocks, truncation).
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { open10xH5Source, openH5adSource } from '../../src/index.js';
import { EmgpuError } from '../../src/errors.js';
import { forEachChunk } from '../../src/stream/pass.js';
import type { CsrBlock, CsrSource, RowSource } from '../../src/stream/types.js';

const DIR = new URL('../fixtures/corrupt/', import.meta.url);
const seed = (name: string): Uint8Array => new Uint8Array(gunzipSync(readFileSync(new URL(name, DIR))));
const tmp = mkdtempSync(join(tmpdir(), 'emgpu-fuzz-backed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const at = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((x) => x / 1e6);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at, v: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at, v: fc.constantFrom(0, 0xff, 0x7f, 0x80) }),
  fc.record({ kind: fc.constant('zero' as const), at, v: fc.constantFrom(8, 64, 512) }),
  fc.record({ kind: fc.constant('truncate' as const), at, v: fc.constant(0) }),
);
function mutate(base: Uint8Array, muts: { kind: string; at: number; v: number }[]): Uint8Array {
  let b = base.slice();
  for (const m of muts) {
    const p = Math.floor(m.at * b.length);
    if (m.kind === 'flip') b[p] ^= 1 << m.v;
    else if (m.kind === 'set') b[p] = m.v;
    else if (m.kind === 'zero') b.fill(0, p - (p % m.v), p - (p % m.v) + m.v);
    else b = b.slice(0, p);
  }
  return b;
}

/** Open, read every block (2 rows at a time), check each; 'ok' or the error's code. */
async function oneCase(open: (path: string) => Promise<RowSource>, bytes: Uint8Array, k: number): Promise<string> {
  const path = join(tmp, `case-${k}.h5`);
  writeFileSync(path, bytes);
  const t0 = performance.now();
  let src: RowSource | undefined;
  try {
    src = await open(path);
    const s = src;
    // Typed as CSR for the callback; a dense source's blocks are only read.
    await forEachChunk(s as CsrSource, 'fuzz', { chunkRows: 2 }, (b) => {
      if (s.kind !== 'csr') return;
      const c: CsrBlock = b;
      expect(c.indptr[0]).toBe(0);
      expect(c.indptr[c.n]).toBe(c.nnz);
      for (let j = 0; j < c.nnz; j++) {
        if (!(c.indices[j] < s.d) || !Number.isFinite(c.values[j])) throw new Error(`insane block entry ${j}`);
      }
    });
    return 'ok';
  } catch (e) {
    if (!(e instanceof EmgpuError)) throw new Error(`untyped error: ${String(e)}`, { cause: e });
    return e.code;
  } finally {
    await src?.close();
    expect(performance.now() - t0).toBeLessThan(8000);
  }
}

describe('backed sources on damaged files: a typed error or sane blocks', () => {
  const cases: [string, Uint8Array, (p: string) => Promise<RowSource>, number][] = [
    ['openH5adSource: 20 damaged .h5ad files', seed('seed.h5ad.gz'), (p) => openH5adSource(p, { timeoutMs: 2000 }), 20],
    ['open10xH5Source: 12 damaged 10x .h5 files', seed('seed-10x.h5.gz'), (p) => open10xH5Source(p, { timeoutMs: 2000 }), 12],
  ];
  test.each(cases)('%s', async (_, base, open, numRuns) => {
    const tally: Record<string, number> = {};
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (muts) => {
        const o = await oneCase(open, mutate(base, muts), k++);
        tally[o] = (tally[o] ?? 0) + 1;
      }),
      { seed: 20261207, numRuns, endOnFailure: true },
    );
    expect(tally.FILE_FORMAT ?? 0).toBeGreaterThan(numRuns / 5);
  });
});
