/**
 * `emgpu sc --stream`: the preprocessing in passes over a row source (preprocessStream), the
 * mixtures on the PCs in memory. Two functions the lead redirects once the chunked readers land:
 * `openScSource` (today: the in-memory loaders wrapped by csrSource; then src/io/open-source.ts
 * `openRowSource(path)`) and `hvgCountsOf` (today: the kept cells × HVG counts read into memory
 * for the NB mixture; then a streamed NB fit on `pre.source`).
 */
import type { Engine } from '../engine/engine.js';
import type { SingleCellData } from '../io/types.js';
import type { PreprocessOptions } from '../sc/preprocess.js';
import { preprocessStream, type PreprocessStreamResult } from '../sc/stream/preprocess.js';
import type { CsrMatrix } from '../sparse.js';
import { csrSource } from '../stream/memory.js';
import type { CsrSource, PassProgress } from '../stream/types.js';
import type { ProgressBar } from './progress.js';
import { readScInput } from './sc-input.js';

/** What the summary, the labels and the output need to know of the input besides its rows. */
export type ScHeader = Pick<SingleCellData, 'n' | 'd' | 'genes' | 'cells' | 'source' | 'obs'>;

/** The row source `emgpu sc --stream` reads, and the input's header. */
export async function openScSource(paths: readonly string[]): Promise<{ source: CsrSource; header: ScHeader }> {
  const data = await readScInput(paths);
  const header: ScHeader = {
    n: data.n,
    d: data.d,
    genes: data.genes,
    cells: data.cells,
    source: data.source,
    ...(data.obs ? { obs: data.obs } : {}),
  };
  return { source: csrSource(data, { name: data.source.name, genes: data.genes, cells: data.cells }), header };
}

/** preprocessStream with the options `emgpu sc` gives preprocess (scPreprocessOptions), progress per pass on the bar. */
export async function preprocessStreamed(
  source: CsrSource,
  options: PreprocessOptions,
  engine: Engine,
  bar: ProgressBar | undefined,
): Promise<PreprocessStreamResult> {
  const { returnNormalized: _r, returnScaled: _s, onStage: _o, ...opts } = options;
  return preprocessStream(source, {
    ...opts,
    engine,
    onStage: (e) => bar?.status(`preprocess: ${e.stage} done (${e.done}/${e.total})`),
    onProgress: (p: PassProgress) => bar?.status(`preprocess pass ${p.pass}: ${p.chunksDone}/${p.chunksTotal} chunks`),
  });
}

/** The NB mixture's input: kept cells × HVG raw counts, read whole (until the streamed NB fit takes `pre.source`). */
export async function hvgCountsOf(pre: PreprocessStreamResult): Promise<CsrMatrix> {
  return pre.source.readRows(0, pre.source.n);
}
