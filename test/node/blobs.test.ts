import { describe, expect, it } from 'vitest';
import { InvalidInputError, kmeans, makeBlobs } from '../../src/index.js';

describe('makeBlobs', () => {
  it('is deterministic for a seed, labels points i mod centres, and keeps centres in the box', () => {
    const a = makeBlobs(50, 3, 4, 7, { std: 0.5, spread: 2, offset: 10 });
    const b = makeBlobs(50, 3, 4, 7, { std: 0.5, spread: 2, offset: 10 });
    expect(a.data).toEqual(b.data);
    expect(a.truth).toEqual(Array.from({ length: 50 }, (_, i) => i % 4));
    expect(a.centres.length).toBe(12);
    for (const c of a.centres) expect(Math.abs(c - 10)).toBeLessThanOrEqual(2);
    expect(makeBlobs(50, 3, 4, 8).data).not.toEqual(makeBlobs(50, 3, 4, 7).data);
  });

  it('is a valid data input', async () => {
    const b = makeBlobs(120, 2, 3, 1, { std: 0.1, spread: 10 });
    const r = await kmeans(b, { k: 3, seed: 0, backend: 'reference' });
    expect(r.labels).toHaveLength(120);
  });

  it('rejects shapes and options it cannot honour, with a typed error', () => {
    expect(() => makeBlobs(10, 0, 2, 1)).toThrow(InvalidInputError);
    expect(() => makeBlobs(10, 2, 1.5, 1)).toThrow(/centres=1.5/);
    expect(() => makeBlobs(-1, 2, 2, 1)).toThrow(InvalidInputError);
    expect(() => makeBlobs(10, 2, 2, 0.5)).toThrow(/seed/);
    expect(() => makeBlobs(10, 2, 2, 1, { std: Number.NaN })).toThrow(/std/);
  });
});
