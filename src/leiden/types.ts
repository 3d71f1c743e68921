/** Options and result of leiden() (Traag, Waltman & van Eck 2019). */

/** The quality function optimised: Newman–Girvan modularity with a resolution, or the Constant Potts Model. */
export type LeidenObjective = 'modularity' | 'cpm';

export interface LeidenOptions {
  /**
   * γ, default 1. Modularity: larger γ, more and smaller communities (γ = 1 is plain modularity).
   * CPM: the density threshold in edge-weight units (communities denser than γ are kept together).
   */
  resolution?: number;
  /** Default 'modularity'. */
  objective?: LeidenObjective;
  /** Seed of the random node orders and refinement merges; default 0. Same seed, same labels. */
  seed?: number;
  /**
   * Passes of the whole algorithm, each starting from the previous partition; default 2 (as
   * leidenalg). Negative: repeat until a pass changes nothing. A positive count also stops
   * early at a pass that changes nothing (so a huge count cannot run unbounded idle passes).
   */
  nIterations?: number;
  /** 'leiden' (default) refines each community before aggregating; 'louvain' aggregates the communities as they are. */
  algorithm?: 'leiden' | 'louvain';
  /** Abort: checked between phases and every few ms inside local moving (leiden() yields to the event loop there); the call rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface LeidenResult {
  /** Community of each vertex, 0..nCommunities−1, numbered by size descending (ties: lower first vertex first). */
  labels: Int32Array;
  nCommunities: number;
  /**
   * The objective's value, as leidenalg's quality(): modularity —
   * (1/2m) Σ_c (2·w_c − γ·K_c²/2m) (ModularityVertexPartition at γ = 1; RBConfigurationVertexPartition's
   * quality divided by 2m otherwise); cpm — Σ_c (2·w_c − γ·n_c(n_c − 1)) (CPMVertexPartition), in
   * weight units, so ±Infinity when that sum lies beyond float64 (weights near 1.8e308).
   * w_c: weight of the edges inside c (each once, self-loops included), K_c: sum of the degrees of c's vertices
   * (a self-loop counts twice, as in igraph), m: total edge weight. A graph with self-loops (diagonal entries)
   * is accepted; CPM then counts n_c(n_c + 1) as leidenalg does.
   */
  quality: number;
  /** Plain modularity (γ = 1) of the labels, whatever the objective. */
  modularity: number;
  /** Passes run (nIterations, or fewer when a pass changed nothing). */
  iterations: number;
  objective: LeidenObjective;
  resolution: number;
  algorithm: 'leiden' | 'louvain';
}
