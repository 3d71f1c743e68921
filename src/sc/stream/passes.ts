/**
 * The streamed pipeline's pass bookkeeping: every pass goes through `forEachChunk` under a name,
 * and leaves a record (rows, chunks, wall time) in the result, so a run says how many times it
 * read the data and what each reading cost.
 */
import { forEachChunk } from '../../stream/pass.js';
import type { ChunkRange, CsrBlock, CsrSource, PassOptions } from '../../stream/types.js';

export interface PassRecord {
  /** What the pass computed, e.g. 'qc', 'hvg:raw-identity', 'pca-gram-3'. */
  pass: string;
  rows: number;
  chunks: number;
  ms: number;
}

/** One named pass, recorded. */
export class PassLog {
  readonly records: PassRecord[] = [];

  constructor(private readonly opts: PassOptions) {}

  /** One pass of `fn` over the chunks; `after` (e.g. a last, partial tile) runs inside the pass's time. */
  async run(
    source: CsrSource,
    pass: string,
    fn: (blk: CsrBlock, range: ChunkRange) => void | Promise<void>,
    after?: () => Promise<void>,
  ): Promise<void> {
    const t0 = performance.now();
    let chunks = 0;
    await forEachChunk(source, pass, this.opts, async (blk, range) => {
      chunks++;
      await fn(blk, range);
    });
    await after?.();
    this.records.push({ pass, rows: source.n, chunks, ms: performance.now() - t0 });
  }
}
