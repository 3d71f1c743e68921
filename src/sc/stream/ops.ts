/**
 * Per-gene sums over a streamed matrix, as the 'sc' contract's `geneSums` gives them for a matrix
 * in memory, so the stage logic written over `ScOps` (HVG flavours, scale statistics) runs
 * unchanged on a stream. Each `geneSums` call is one pass. The 'norm' layer is computed per row
 * as it is read (normalize_total to targetSum, then log1p), never stored.
 *
 * The sums are host float64 accumulated entry by entry in row order, the arithmetic of the
 * reference backend's geneSums: the same bits as the in-memory reference pipeline, whatever the
 * chunking (O(nnz) per pass, far below the cost of reading the data).
 */
import { invalid } from '../../errors.js';
import type { CsrSource } from '../../stream/types.js';
import type { Backend } from '../../types.js';
import type { DenseOps, GeneSums, GeneSumsRequest, RowQc, ScGpuCounters, ScOps } from '../backend.js';
import type { PassLog } from './passes.js';
import { normalizeRowsInto } from '../row-ops.js';

/** Row bookkeeping a pass may fill as a by-product (kept cells' totals, entries per row in some columns). */
export interface RowTaps {
  /** Per row: Σ counts (over the source's columns). */
  totals?: Float64Array;
  /** Per row: stored entries in the columns where `mask` is 1. */
  rowNnz?: { mask: Uint8Array; out: Uint32Array };
}

export class StreamOps implements ScOps {
  readonly n: number;
  readonly d: number;
  /** The next passes' name prefix (the stage that runs them). */
  stage = 'sums';
  /** Filled by the next pass, then cleared. */
  taps: RowTaps = {};
  /** Called once after the next pass (e.g. to swap in a view with an exact row index built from the taps). */
  afterPass: (() => void) | null = null;

  constructor(
    /** The matrix the passes read (may be replaced by an equal view, e.g. one with an exact row index). */
    public source: CsrSource,
    readonly entries: Float64Array,
    readonly backend: Backend,
    private readonly norm: { targetSum: number; log1p: boolean },
    private readonly log: PassLog,
  ) {
    this.n = source.n;
    this.d = source.d;
  }

  async geneSums(req: GeneSumsRequest): Promise<GeneSums> {
    const d = this.d;
    const positive = new Float64Array(d);
    const s1 = new Float64Array(d);
    const s2 = new Float64Array(d);
    const maxV = req.maxValue ?? Infinity;
    const shift = req.shift ?? null;
    const clip = req.clip ?? null;
    const taps = this.taps;
    this.taps = {};
    let buf = new Float64Array(0);
    const name = `${this.stage}:${req.layer}-${req.transform}${clip ? '-clipped' : ''}${shift ? '-shifted' : ''}`;
    await this.log.run(this.source, name, (blk, range) => {
      let vals: ArrayLike<number> = blk.values;
      let totals: Float64Array | null = null;
      if (req.layer === 'norm' || taps.totals) {
        if (buf.length < blk.nnz) buf = new Float64Array(blk.nnz);
        totals = normalizeRowsInto(blk, this.norm.targetSum, this.norm.log1p, buf);
        if (req.layer === 'norm') vals = buf;
      }
      if (taps.totals && totals) taps.totals.set(totals, range.start);
      const { indices, indptr } = blk;
      if (taps.rowNnz) {
        const { mask, out } = taps.rowNnz;
        for (let i = 0; i < blk.n; i++) {
          let c = 0;
          for (let p = indptr[i]; p < indptr[i + 1]; p++) c += mask[indices[p]];
          out[range.start + i] = c;
        }
      }
      // The reference backend's loop body, entry by entry in row order.
      for (let p = 0; p < blk.nnz; p++) {
        const g = indices[p];
        const x = vals[p];
        if (x > 0) positive[g]++;
        let t = x;
        if (req.transform === 'expm1') t = Math.expm1(x);
        else if (req.transform === 'scale') t = Math.min(Math.max((x - req.centre![g]) / req.divisor![g], -maxV), maxV);
        if (clip && t > clip[g]) t = clip[g];
        const dl = t - (shift ? shift[g] : 0);
        s1[g] += dl;
        s2[g] += dl * dl;
      }
    });
    const after = this.afterPass;
    this.afterPass = null;
    after?.();
    return { shift, positive, s1, s2 };
  }

  // The rest of the contract needs the matrix in memory: the streamed pipeline never calls it.
  private notStreamed(what: string): never {
    throw invalid('BAD_OPTION', `${what} is not available on a streamed matrix. Use preprocess() on data that fits in memory.`);
  }
  rowQc(_mask: Uint8Array): Promise<RowQc> {
    return this.notStreamed('rowQc');
  }
  normalize(_t: number, _l: boolean): Promise<Float64Array> {
    return this.notStreamed('normalize');
  }
  readNorm(): Promise<Float64Array> {
    return this.notStreamed('readNorm');
  }
  dense(): Promise<DenseOps> {
    return this.notStreamed('dense');
  }
  counters(): ScGpuCounters | undefined {
    return undefined;
  }
  release(): void {}
}
