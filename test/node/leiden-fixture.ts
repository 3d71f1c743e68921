/**
 * Reader of the committed Leiden fixtures (test/fixtures/leiden/*.json.gz, made by make_fixtures.py
 * there): the graph as a symmetric CSR with exactly the float64 weights given to leidenalg, and
 * leidenalg's qualities over seeds.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { WeightedGraph } from '../../src/graph/types.js';

export interface LeidenalgRun {
  objective: 'modularity' | 'cpm';
  resolution: number;
  quality: number[];
  nCommunities: number[];
}

export interface LeidenFixture {
  name: string;
  graph: WeightedGraph;
  runs: LeidenalgRun[];
}

interface Doc {
  n: number;
  rowCounts: number[];
  dj: number[];
  code: number[];
  rule?: string;
  k?: number;
  scale?: number;
  leidenalg: LeidenalgRun[];
}

/** Undirected graph from upper-triangle edge lists (i < j), both directions stored. */
export function graphFromEdges(n: number, ei: ArrayLike<number>, ej: ArrayLike<number>, w: ArrayLike<number>): WeightedGraph {
  const deg = new Uint32Array(n + 1);
  for (let e = 0; e < ei.length; e++) {
    deg[ei[e] + 1]++;
    deg[ej[e] + 1]++;
  }
  for (let i = 0; i < n; i++) deg[i + 1] += deg[i];
  const fill = deg.slice(0, n);
  const nnz = deg[n];
  const rows: [number, number][][] = Array.from({ length: n }, () => []);
  for (let e = 0; e < ei.length; e++) {
    rows[ei[e]].push([ej[e], w[e]]);
    rows[ej[e]].push([ei[e], w[e]]);
  }
  const indices = new Uint32Array(nnz);
  const values = new Float64Array(nnz);
  for (let i = 0; i < n; i++) {
    rows[i].sort((a, b) => a[0] - b[0]);
    for (const [j, x] of rows[i]) {
      indices[fill[i]] = j;
      values[fill[i]++] = x;
    }
  }
  return { n, d: n, nnz, indptr: deg, indices, values };
}

export function loadLeidenFixture(name: string): LeidenFixture {
  const doc = JSON.parse(gunzipSync(readFileSync(new URL(`../fixtures/leiden/${name}.json.gz`, import.meta.url))).toString()) as Doc;
  const m = doc.dj.length;
  const ei = new Int32Array(m);
  const ej = new Int32Array(m);
  const w = new Float64Array(m);
  let e = 0;
  for (let i = 0; i < doc.n; i++) {
    let j = i;
    for (let t = 0; t < doc.rowCounts[i]; t++, e++) {
      j += doc.dj[e];
      ei[e] = i;
      ej[e] = j;
      const c = doc.code[e];
      w[e] = doc.rule === 'seurat-snn' ? c / (2 * (doc.k as number) - c) : c * (doc.scale as number);
    }
  }
  return { name, graph: graphFromEdges(doc.n, ei, ej, w), runs: doc.leidenalg };
}
