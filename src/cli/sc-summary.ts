/** `emgpu sc`'s results: the JSON summary, the files written to --out, and the text printed. */
import { join } from 'node:path';
import type { Engine } from '../engine/engine.js';
import type { SingleCellData } from '../io/types.js';
import type { PreprocessResult } from '../sc/preprocess.js';
import type { MarkerGene } from '../sc/markers.js';
import type { SelectKRow } from '../select/selectK.js';
import type { ScArgs } from './commands.js';
import type { FitOutcome } from './fit.js';
import { csv, ms, table, writeOut } from './output.js';
import { formatNumber } from './progress.js';
import { backendLine, fitRows, scoreRows } from './run-matrix.js';
import type { IntegrationSummary, LeidenSelection } from './sc-graph.js';

/** One model's fit inside `emgpu sc`. */
export interface ScFit {
  fit: FitOutcome;
  /** --select: how k was chosen (kmeans, gmm: selectK; nb: a BIC sweep). */
  selection?: { criterion: string; bestK: number; ks: number[]; rows: SelectKRow[] };
  /** --select with leiden: how selectResolution chose the resolution. */
  resolutionSelection?: LeidenSelection;
  scores?: { adjustedRandIndex: number; normalizedMutualInfo: number; labelSource: string; nLabelled: number };
  markers?: MarkerGene[][];
  timings: { fitMs: number; selectMs?: number; markersMs?: number };
}

export interface ScModelSummary {
  model: FitOutcome['model'];
  /** What the model was fitted on. */
  features: string;
  k: number;
  objective: FitOutcome['objective'];
  nIter: number;
  converged: boolean;
  stopReason: string;
  restarts: FitOutcome['restarts'];
  seed: number;
  clusterSizes: number[];
  details: FitOutcome['extra'];
  selection?: ScFit['selection'];
  resolutionSelection?: LeidenSelection;
  scores?: ScFit['scores'];
  /** Per cluster: its top marker genes. */
  markers?: { cluster: number; genes: { name: string; score: number; logFoldChange: number; pValueAdjusted: number }[] }[];
  timings: ScFit['timings'] & { perIterMs: number };
  files?: { labels: string; markers?: string };
}

export interface ScSummary {
  command: 'sc';
  input: { files: string[]; format: string; cells: number; genes: number };
  /** After QC: cells and genes kept, highly variable genes, principal components. */
  preprocessed: { cells: number; genes: number; hvg: number; pcs: number; explainedVariance: number };
  backend: string;
  adapter: string;
  fallbackReason?: string;
  /** --integrate: Harmony on the PCs by a batch column, before every model. */
  integration?: IntegrationSummary;
  models: ScModelSummary[];
  timings: { readMs: number; preprocess: PreprocessResult['timings']; totalMs: number };
  warnings: string[];
  out?: string;
}

export function buildSummary(
  args: ScArgs,
  data: Pick<SingleCellData, 'n' | 'd'> & { source: Pick<SingleCellData['source'], 'format' | 'warnings'> },
  pre: PreprocessResult,
  fits: ScFit[],
  engine: Engine,
  readMs: number,
  totalMs: number,
  more: { integration?: IntegrationSummary; warnings?: string[] } = {},
): ScSummary {
  const evr = Array.from(pre.pca.explainedVarianceRatio).reduce((a, b) => a + b, 0);
  const s: ScSummary = {
    command: 'sc',
    input: { files: [...args.files], format: data.source.format, cells: data.n, genes: data.d },
    preprocessed: {
      cells: pre.cells.length,
      genes: pre.genes.length,
      hvg: pre.hvgGenes.length,
      pcs: pre.pca.nComps,
      explainedVariance: evr,
    },
    backend: engine.backend,
    adapter: engine.adapter,
    ...(more.integration ? { integration: more.integration } : {}),
    models: fits.map((f) => modelSummary(f, pre, args, more.integration)),
    timings: { readMs, preprocess: pre.timings, totalMs },
    warnings: [...(data.source.warnings ?? []), ...(more.warnings ?? []), ...fits.flatMap((f) => f.fit.warnings)],
  };
  if (engine.fallbackReason) s.fallbackReason = engine.fallbackReason;
  if (args.out) s.out = args.out;
  return s;
}

/** What a model was fitted on: the HVG counts (nb), the PCs, or their SNN graph (leiden); Harmony-corrected with --integrate. */
function features(r: ScFit['fit'], pre: PreprocessResult, integration: IntegrationSummary | undefined): string {
  if (r.model === 'nb') return `counts of ${pre.hvgGenes.length} HVGs`;
  const pcs = `${r.model === 'leiden' ? r.extra.graphPcs : pre.pca.nComps} ${integration ? 'Harmony-corrected ' : ''}PCs`;
  return r.model === 'leiden' ? `the SNN graph of ${pcs}` : pcs;
}

function modelSummary(f: ScFit, pre: PreprocessResult, args: ScArgs, integration: IntegrationSummary | undefined): ScModelSummary {
  const r = f.fit;
  const m: ScModelSummary = {
    model: r.model,
    features: features(r, pre, integration),
    k: r.k,
    objective: r.objective,
    nIter: r.nIter,
    converged: r.converged,
    stopReason: r.stopReason,
    restarts: r.restarts,
    seed: r.seed,
    clusterSizes: r.clusterSizes,
    details: r.extra,
    timings: { ...f.timings, perIterMs: r.timings.perIterMs },
  };
  if (f.selection) m.selection = f.selection;
  if (f.resolutionSelection) m.resolutionSelection = f.resolutionSelection;
  if (f.scores) m.scores = f.scores;
  if (f.markers) {
    m.markers = f.markers.map((genes, cluster) => ({
      cluster,
      genes: genes.map((g) => ({
        name: g.name ?? String(g.gene),
        score: g.score,
        logFoldChange: g.logFoldChange,
        pValueAdjusted: g.pValueAdjusted,
      })),
    }));
  }
  if (args.out) {
    m.files = { labels: join(args.out, `labels-${r.model}.csv`) };
    if (f.markers) m.files.markers = join(args.out, `markers-${r.model}.csv`);
  }
  return m;
}

/** DIR/labels-MODEL.csv (cell,label,max_posterior), DIR/markers-MODEL.csv, DIR/summary.json. */
export function writeScOutputs(dir: string, s: ScSummary, fits: ScFit[], cells: string[]): void {
  fits.forEach((f, j) => {
    const files = s.models[j].files!;
    const r = f.fit;
    writeOut(
      files.labels,
      csv(
        ['cell', 'label', 'max_posterior'],
        cells.map((c, i) => [c, r.labels[i], Number(r.maxPosterior[i].toPrecision(6))]),
      ),
    );
    if (f.markers && files.markers) {
      const rows = f.markers.flatMap((genes, cluster) =>
        genes.map((g, rank) => [
          cluster,
          rank + 1,
          g.name ?? String(g.gene),
          g.score,
          g.logFoldChange,
          g.pValueAdjusted,
          g.pctIn,
          g.pctOut,
        ]),
      );
      writeOut(files.markers, csv(['cluster', 'rank', 'gene', 'score', 'log_fold_change', 'p_value_adjusted', 'pct_in', 'pct_out'], rows));
    }
  });
  writeOut(join(dir, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
}

const NAMES: Record<string, string> = { kmeans: 'k-means', gmm: 'Gaussian mixture', nb: 'negative-binomial mixture', leiden: 'Leiden' };

/** The chosen line: k by selectK or BIC, or Leiden's resolution by selectResolution. */
function chosenRow(sel: NonNullable<ScModelSummary['selection'] | LeidenSelection>, selectMs: number): [string, string] {
  if ('bestResolution' in sel) {
    const by = sel.criterion === 'cocluster' ? `co-clustering stability (chooseR, ${sel.nBoot} subsamples)` : 'the highest silhouette';
    return ['chosen', `resolution ${sel.bestResolution} of ${sel.resolutions.join(',')} by ${by}: ${sel.bestK} clusters (${ms(selectMs)})`];
  }
  const by = sel.criterion === 'inertia' ? 'the inertia elbow' : `lowest ${sel.criterion.toUpperCase()}`;
  return ['chosen', `k = ${sel.bestK} of ${sel.ks.join(',')} by ${by} (${ms(selectMs)})`];
}

/** Leiden's facts in place of the mixtures' restarts and iterations. */
function leidenRows(m: ScModelSummary): [string, string][] {
  const x = m.details;
  const shown = m.clusterSizes.slice(0, 30).join(' ');
  return [
    ['graph', `SNN of ${x.graphPcs} PCs, ${x.neighbors} neighbours, ${x.edges} edges (pruned below 1/15); kNN on ${x.knnBackend}`],
    ['resolution', `${x.resolution} (seed ${m.seed}), ${m.nIter} Leiden passes`],
    ['quality', `${formatNumber(m.objective.value)} (modularity ${formatNumber(Number(x.modularity))})`],
    ['cluster sizes', m.clusterSizes.length > 30 ? `${shown} ... (${m.clusterSizes.length} clusters)` : shown],
  ];
}

function integrationRow(g: IntegrationSummary): [string, string] {
  const runs = `${g.iterations} iterations${g.converged ? '' : ' (not converged)'}`;
  const lisi = g.ilisi
    ? `; median iLISI ${g.ilisi.before.toFixed(2)} -> ${g.ilisi.after.toFixed(2)} of ${g.batches.length} (${g.ilisi.cells} cells)`
    : '';
  return [
    'integrated',
    `Harmony by ${g.batchSource}: ${g.batches.length} batches, theta ${g.theta}, ${runs} on ${g.backend}${lisi}, ${ms(g.timeMs)}`,
  ];
}

export function formatSc(s: ScSummary): string {
  const p = s.preprocessed;
  const head: [string, string][] = [['backend', backendLine(s.backend, s.adapter)]];
  if (s.fallbackReason) head.push(['', `auto chose the CPU: ${s.fallbackReason}`]);
  head.push(['data', `${s.input.cells} cells x ${s.input.genes} genes (${s.input.format})`]);
  head.push([
    'after QC',
    `${p.cells} cells x ${p.genes} genes; ${p.hvg} HVGs; ${p.pcs} PCs (${(100 * p.explainedVariance).toFixed(1)} % of the variance)`,
  ]);
  const pt = s.timings.preprocess;
  if (s.integration) head.push(integrationRow(s.integration));
  head.push(['time', `read ${ms(s.timings.readMs)}, preprocess ${ms(pt.totalMs)} (PCA ${ms(pt.pca)}), total ${ms(s.timings.totalMs)}`]);
  let text = table(`emgpu sc on ${s.input.files.join(' ')}`, head);
  for (const m of s.models) {
    const rows: [string, string][] = [];
    const sel = m.selection ?? m.resolutionSelection;
    if (sel) rows.push(chosenRow(sel, m.timings.selectMs ?? 0));
    rows.push(...(m.model === 'leiden' ? leidenRows(m) : fitRows(m)));
    if (m.scores) {
      const n = m.scores.nLabelled;
      rows.push(...scoreRows(m.scores).map(([a, b]): [string, string] => [a, a === 'ARI' ? `${b.slice(0, -1)}, ${n} labelled cells)` : b]));
    }
    for (const c of m.markers ?? []) rows.push([c.cluster === 0 ? 'markers' : '', `${c.cluster}: ${c.genes.map((g) => g.name).join(' ')}`]);
    // Leiden: the graph's share of the fit (with --select, the fit is Leiden's runs at the chosen resolution).
    const detail =
      m.model !== 'leiden'
        ? ` (${ms(m.timings.perIterMs)}/iteration)`
        : m.resolutionSelection
          ? ''
          : ` (graph ${ms(m.timings.fitMs - m.timings.perIterMs * m.nIter)})`;
    rows.push(['time', `fit ${ms(m.timings.fitMs)}${detail}${m.timings.markersMs ? `, markers ${ms(m.timings.markersMs)}` : ''}`]);
    if (m.files) rows.push(['written', [m.files.labels, m.files.markers].filter(Boolean).join(', ')]);
    text += table(`${NAMES[m.model]} on ${m.features}, k = ${m.k}`, rows);
  }
  if (s.out) text += `summary written to ${join(s.out, 'summary.json')}\n`;
  return text;
}
