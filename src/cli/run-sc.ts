/**
 * `emgpu sc`: a single-cell dataset through the library's pipeline (QC → normalise → HVG → scale →
 * PCA, `preprocess`), optionally Harmony on the PCs by a batch column, then each chosen model:
 * k-means or a Gaussian mixture on the PCs, Leiden on their SNN graph (./sc-graph.ts), the
 * negative-binomial mixture on the raw counts of the highly variable genes (as the demo does).
 */
import { mkdirSync } from 'node:fs';
import type { Engine } from '../engine/engine.js';
import { EmgpuError } from '../errors.js';
import type { SingleCellData } from '../io/types.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../metrics.js';
import { preprocess, type PreprocessOptions, type PreprocessResult } from '../sc/preprocess.js';
import { rankGenes } from '../sc/markers.js';
import { subsetCsr } from '../sc/matrix.js';
import { selectK, type SelectKRow } from '../select/selectK.js';
import type { CsrMatrix } from '../sparse.js';
import type { ScArgs, ScModel } from './commands.js';
import { DEFAULT_MAX_ITER, type FitOutcome, type FitSettings, fitModel, libraryOptions, nbParameters, plannedRestarts } from './fit.js';
import { isSystemError, onIterationOf, progressFor, systemMessage } from './output.js';
import { formatNumber, type ProgressBar } from './progress.js';
import type { CliDeps } from './deps.js';
import { buildSummary, formatSc, type ScFit, type ScSummary, writeScOutputs } from './sc-summary.js';
import { readScInput, readTruth, type Truth } from './sc-input.js';
import { fitLeiden, integratePcs, type IntegrationSummary } from './sc-graph.js';
import { fitNbStreamed } from './sc-nb-stream.js';
import { openScSource, preprocessStreamed, type ScHeader, scInputPlan } from './sc-stream.js';
import type { CsrSource } from '../stream/types.js';

/** The preprocess options `emgpu sc` passes for these arguments (exported so tests call the library the same way). */
export function scPreprocessOptions(args: ScArgs, data: Pick<SingleCellData, 'n' | 'd' | 'genes'>): PreprocessOptions {
  const cells: NonNullable<PreprocessOptions['cells']> = { minGenes: args.minGenes };
  if (args.maxGenes !== undefined) cells.maxGenes = args.maxGenes;
  if (args.maxPctMito !== undefined) cells.maxPctMito = args.maxPctMito;
  return {
    qc: { geneNames: data.genes },
    cells,
    minCells: args.minCells,
    hvg: { flavor: 'seurat_v3', nTopGenes: Math.min(args.nTopGenes, data.d) },
    pca: { nComps: Math.min(args.nPcs, data.n - 1, args.nTopGenes, data.d), seed: args.seed ?? 0 },
    returnNormalized: args.markers !== undefined,
  };
}

/** The first PCs of the kept cells, dense row-major: k-means' and the Gaussian mixture's input. */
export function pcMatrix(pre: PreprocessResult): { data: Float64Array; n: number; d: number } {
  const { scores, nComps: d, n } = pre.pca;
  return { data: Float64Array.from(scores), n, d };
}

/** Raw counts of the kept cells × highly variable genes: the NB mixture's input. */
export function hvgCounts(data: SingleCellData, pre: PreprocessResult): CsrMatrix {
  const rows = new Uint8Array(data.n);
  for (const c of pre.cells) rows[c] = 1;
  const cols = new Uint8Array(data.d);
  for (const g of pre.hvgGenes) cols[g] = 1;
  return subsetCsr(data, rows, cols);
}

interface Inputs {
  pcs: ReturnType<typeof pcMatrix>;
  counts?: CsrMatrix;
  /** --stream: the kept cells × HVG counts as a row source, fitted by the streamed NB mixture. */
  countsSource?: CsrSource;
}

/** The NB mixture on the counts in memory, or streamed over the counts source. */
function fitNb(inputs: Inputs, settings: FitSettings, engine: Engine, hooks: Parameters<typeof fitModel>[4] = {}): Promise<FitOutcome> {
  if (inputs.countsSource) return fitNbStreamed(inputs.countsSource, settings, engine, hooks);
  return fitModel('nb', inputs.counts!, settings, engine, hooks);
}

/** Fit `model` for each candidate k and choose one (selectK for k-means and the mixture; a BIC sweep for NB). */
async function choose(model: Exclude<ScModel, 'leiden'>, args: ScArgs, inputs: Inputs, engine: Engine, bar: ProgressBar | undefined) {
  const settings = scSettings(args, 0);
  const onK = (row: SelectKRow) => bar?.status(`${model}: k = ${row.k}, BIC ${formatNumber(row.bic)}`);
  if (model !== 'nb') {
    const { k: _k, ...fit } = libraryOptions(model, settings);
    const r = await selectK(inputs.pcs, { engine, model, ks: args.ks, ...(args.criterion ? { criterion: args.criterion } : {}), fit, onK });
    return { criterion: r.criterion, bestK: r.bestK, rows: r.rows, fit: undefined };
  }
  // The NB sweep keeps its fits: the chosen k's is the result (no refit of the costliest model).
  const rows: SelectKRow[] = [];
  const fits = new Map<number, FitOutcome>();
  const counts = inputs.countsSource ?? inputs.counts!;
  for (const k of args.ks!) {
    const t0 = performance.now();
    const f = await fitNb(inputs, { ...settings, k }, engine);
    const p = nbParameters(k, counts.d, String(f.extra.dispersion));
    const ll = f.objective.value;
    const row = {
      k,
      objective: ll / counts.n,
      logLikelihood: ll,
      bic: -2 * ll + p * Math.log(counts.n),
      aic: -2 * ll + 2 * p,
      nParameters: p,
      nIter: f.nIter,
      converged: f.converged,
      timeMs: performance.now() - t0,
    };
    fits.set(k, f);
    rows.push(row);
    onK(row);
  }
  const criterion = args.criterion === 'aic' ? 'aic' : 'bic';
  const bestK = rows.reduce((a, b) => (b[criterion] < a[criterion] ? b : a)).k;
  return { criterion, bestK, rows, fit: fits.get(bestK) };
}

function scSettings(args: ScArgs, k: number): FitSettings {
  const s: FitSettings = { k };
  for (const key of ['seed', 'nInit', 'maxIter', 'tol', 'covariance'] as const) {
    if (args[key] !== undefined) (s as unknown as Record<string, unknown>)[key] = args[key];
  }
  return s;
}

function scores(truth: Truth | undefined, cells: Uint32Array, labels: number[]): ScFit['scores'] {
  if (!truth) return undefined;
  const a: number[] = [];
  const b: string[] = [];
  cells.forEach((c, i) => {
    const t = truth.values[c];
    if (t !== null) {
      a.push(labels[i]);
      b.push(t);
    }
  });
  if (a.length < 2) return undefined;
  return {
    adjustedRandIndex: adjustedRandIndex(b, a),
    normalizedMutualInfo: normalizedMutualInfo(b, a),
    labelSource: truth.source,
    nLabelled: a.length,
  };
}

export async function runSc(args: ScArgs, deps: CliDeps): Promise<number> {
  const { stdout, stderr } = deps;
  const t0 = performance.now();
  // --stream (or a single .h5ad / .h5 / Zarr too large to load whole): the preprocessing reads a row
  // source in passes (./sc-stream.ts); k-means and the mixture run on its PCs, the NB mixture streams.
  const plan = await scInputPlan(args.files, args);
  if (plan.note && args.markers !== undefined) {
    await plan.opened?.close();
    throw new EmgpuError(
      'BUFFER_LIMIT',
      `${plan.note} But --markers needs the normalised matrix in memory: drop --markers, or raise --max-bytes.`,
    );
  }
  if (plan.note && !args.quiet) stderr.write(`${plan.note}\n`);
  const obsColumns = [args.labels, args.integrate].flatMap((c) => (c && c.file === undefined ? [c.column] : []));
  const streamed = plan.stream
    ? await openScSource(args.files, { obsColumns, ...(args.maxBytes !== undefined ? { maxBytes: args.maxBytes } : {}) }, plan.opened)
    : undefined;
  const data: ScHeader = streamed ? streamed.header : await readScInput(args.files, args.maxBytes);
  const readMs = performance.now() - t0;
  // A streamed source holds the file open: close it if anything before the fits fails.
  const setup = async () => {
    const truth = args.labels ? readTruth(data, args.labels) : undefined;
    const batch = args.integrate ? readTruth(data, args.integrate, '--integrate') : undefined;
    if (args.out) {
      try {
        mkdirSync(args.out, { recursive: true });
      } catch (e) {
        if (isSystemError(e)) throw new EmgpuError('FILE_FORMAT', systemMessage(e, 'create the folder', args.out));
        throw e;
      }
    }
    return { truth, batch, engine: await deps.createEngine({ backend: args.backend }) };
  };
  const { truth, batch, engine } = await setup().catch(async (e: unknown) => {
    await streamed?.source.close();
    throw e;
  });
  const bar = progressFor(args, stderr, 1, 1, 'objective');
  const fits: ScFit[] = [];
  const warnings: string[] = [];
  let integration: IntegrationSummary | undefined;
  let pre: PreprocessResult;
  try {
    const spre = streamed ? await preprocessStreamed(streamed.source, scPreprocessOptions(args, data), engine, bar) : undefined;
    pre =
      spre ??
      (await preprocess(data as SingleCellData, {
        ...scPreprocessOptions(args, data),
        engine,
        onStage: (e) => bar?.status(`preprocess: ${e.stage} done (${e.done}/${e.total})`),
      }));
    const nb = args.models.includes('nb');
    const inputs: Inputs = {
      pcs: pcMatrix(pre),
      ...(nb && spre ? { countsSource: spre.source } : {}),
      ...(nb && !spre ? { counts: hvgCounts(data as SingleCellData, pre) } : {}),
    };
    if (args.integrate && batch) {
      const r = await integratePcs(
        inputs.pcs,
        Array.from(pre.cells, (c) => batch.values[c]),
        args.integrate,
        batch.source,
        args.seed ?? 0,
        engine,
        (m) => bar?.status(m),
      );
      inputs.pcs = r.pcs;
      integration = r.summary;
      warnings.push(...r.warnings);
    }
    // Scores and markers of a model's labels, then its entry in the summary.
    const record = (fit: FitOutcome, selection: Pick<ScFit, 'selection' | 'resolutionSelection'>, timings: ScFit['timings']) => {
      const tm = performance.now();
      const markers =
        args.markers !== undefined
          ? rankGenes(pre.normalized!, fit.labels, { nTop: args.markers, geneNames: Array.from(pre.genes, (g) => data.genes[g]) })
          : undefined;
      fits.push({
        fit,
        ...selection,
        scores: scores(truth, pre.cells, fit.labels),
        markers,
        timings: { ...timings, ...(markers ? { markersMs: performance.now() - tm } : {}) },
      });
    };
    for (const model of args.models) {
      if (model === 'leiden') {
        const r = await fitLeiden(inputs.pcs, args.leiden!, args.seed ?? 0, engine, (m) => bar?.status(m));
        record(r.fit, r.selection ? { resolutionSelection: r.selection } : {}, {
          fitMs: r.fit.timings.totalMs,
          ...(r.selectMs !== undefined ? { selectMs: r.selectMs } : {}),
        });
        continue;
      }
      const ts = performance.now();
      const selection = args.ks ? await choose(model, args, inputs, engine, bar) : undefined;
      const selectMs = performance.now() - ts;
      const settings = scSettings(args, selection?.bestK ?? args.k!);
      const fitBar = progressFor(
        args,
        stderr,
        model === 'nb' && inputs.countsSource ? 1 : plannedRestarts(settings, model),
        args.maxIter ?? DEFAULT_MAX_ITER[model],
        model === 'kmeans' ? 'inertia' : 'log-likelihood',
      );
      const tf = performance.now();
      let fit: FitOutcome;
      try {
        fit =
          selection?.fit ??
          (model === 'nb'
            ? await fitNb(inputs, settings, engine, onIterationOf(fitBar))
            : await fitModel(model, inputs.pcs, settings, engine, onIterationOf(fitBar)));
      } finally {
        fitBar?.done();
      }
      const fitMs = selection?.fit ? selection.rows.find((r) => r.k === selection.bestK)!.timeMs : performance.now() - tf;
      record(
        fit,
        selection ? { selection: { criterion: selection.criterion, bestK: selection.bestK, ks: args.ks!, rows: selection.rows } } : {},
        { fitMs, ...(selection ? { selectMs } : {}) },
      );
    }
  } finally {
    bar?.done();
    engine.destroy();
    await streamed?.source.close();
  }

  const cellNames = Array.from(pre.cells, (c) => data.cells[c]);
  const summary: ScSummary = buildSummary(args, data, pre, fits, engine, readMs, performance.now() - t0, { integration, warnings });
  if (args.out) writeScOutputs(args.out, summary, fits, cellNames);
  if (args.json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!args.quiet) stdout.write(formatSc(summary));
  if (!args.json && !args.quiet) for (const w of summary.warnings) stderr.write(`warning: ${w}\n`);
  return 0;
}
