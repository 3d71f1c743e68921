import { describe, test, expect } from 'vitest';
import { rankGenes, confusionMatrix, transposeCsr } from '../../src/sc/markers.js';
import fixture from '../fixtures/sc/markers.json';

function toCsr(X: number[][]) {
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of X) {
    row.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        values.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return { n: X.length, d: X[0].length, indptr, indices, values };
}

describe('marker genes', () => {
  test('Wilcoxon z-scores and p-values match scipy on sparse tied data', () => {
    const X = fixture.X as number[][];
    const res = rankGenes(toCsr(X), fixture.labels, { nTop: 12 });
    res.forEach((genes, c) => {
      expect(genes).toHaveLength(12);
      for (const m of genes) {
        expect(m.score).toBeCloseTo(fixture.z[c][m.gene], 10);
        expect(Math.abs(m.pValue - fixture.p[c][m.gene])).toBeLessThan(1e-6);
      }
      // The planted marker of group c ranks first, with a positive fold change.
      expect(genes[0].gene).toBe(c);
      expect(genes[0].logFoldChange).toBeGreaterThan(1);
    });
  });

  test('fold changes, detection rates and BH adjustment on a hand-solved case', () => {
    // Two groups of two cells, one gene: log1p values ln 2, ln 4 (group 0) and 0, ln 2 (group 1).
    // expm1 means: (1 + 3)/2 = 2 vs (0 + 1)/2 = 0.5 → log2 fold change 2. Detection 1 vs 0.5.
    const X = [[Math.log(2)], [Math.log(4)], [0], [Math.log(2)]];
    const [g0, g1] = rankGenes(toCsr(X), [0, 0, 1, 1], { nTop: 1, geneNames: ['G'] });
    expect(g0[0].logFoldChange).toBeCloseTo(2, 6);
    expect(g0[0].pctIn).toBe(1);
    expect(g0[0].pctOut).toBe(0.5);
    expect(g0[0].name).toBe('G');
    expect(g1[0].score).toBeCloseTo(-g0[0].score, 12);
    // Ranks: 0 → 1, ln2 ×2 → 2.5 each, ln4 → 4. Group 0 sum 6.5, mean 5, tie factor 1 − 6/60; sd² = 4/12·5·0.9 = 1.5.
    expect(g0[0].score).toBeCloseTo(1.5 / Math.sqrt(1.5), 12);
    expect(g0[0].pValueAdjusted).toBeCloseTo(g0[0].pValue, 12);
  });

  test('transposing CSR keeps every entry, and the confusion matrix counts pairs', () => {
    const csr = toCsr([
      [1, 0, 2],
      [0, 3, 0],
    ]);
    const t = transposeCsr(csr);
    expect(Array.from(t.indptr)).toEqual([0, 1, 2, 3]);
    expect(Array.from(t.cells)).toEqual([0, 1, 0]);
    expect(Array.from(t.values)).toEqual([1, 3, 2]);
    const cm = confusionMatrix([0, 0, 1, 1, 1], ['B', 'B', 'T', 'B', null]);
    expect(cm.labels).toEqual(['B', 'T']);
    expect(cm.counts).toEqual([
      [2, 0],
      [1, 1],
    ]);
  });
});
