// skmeans ships no types; the benchmark uses only its default export.
declare module 'skmeans' {
  interface SkmeansResult {
    it: number;
    k: number;
    idxs: number[];
    centroids: number[][];
  }
  function skmeans(data: number[][], k: number, initial?: number[][] | 'kmrand' | 'kmpp' | null, maxit?: number): SkmeansResult;
  export default skmeans;
}
