/**
 * The demo page: controls, progress, the GPU scatter and the result panels. All compute is in
 * worker.ts; this file only renders and forwards what the user asks for.
 */
import { ScatterPlot } from './scatter.js';
import { formatBytes, shortLabels } from './format.js';
import { entropyAt, mergeTreeSvg } from './merge-view.js';
import type { ClusterParams, ClusterSummary, FromWorker, LoadedSummary, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let worker = startWorker();
const send = (m: ToWorker): void => worker.postMessage(m);

function startWorker(): Worker {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = onWorkerMessage;
  return w;
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#e6550d',
  '#31a354',
  '#ad494a',
  '#756bb1',
  '#843c39',
  '#d6616b',
  '#636363',
  '#8ca252',
  '#3182bd',
];
const hexToRgba = (hex: string, a = 0.85): number => {
  const v = parseInt(hex.slice(1), 16);
  return (((a * 255) << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
};
/** Viridis-like ramp for continuous values in [0, 1]. */
function ramp(t: number): number {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(0.9999, Math.max(0, t)) * (stops.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  const c = stops[i].map((v, j) => Math.round(v + (stops[i + 1][j] - v) * f));
  return ((0xd9 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
}

interface State {
  summary: LoadedSummary | null;
  cells: string[];
  obs: Record<string, (string | null)[]>;
  labels: Int32Array | null;
  maxPosterior: Float32Array | null;
  entropy: Float32Array | null;
  resp: Float32Array | null;
  /** The merge tree cut chosen in its panel: labels per cell (−1 outside a lasso subset). */
  mergeCut: { k: number; labels: Float32Array } | null;
  cluster: ClusterSummary | null;
  lasso: Uint32Array | null;
  gene: { name: string; values: Float32Array } | null;
  curve: number[];
  sweep: { k: number; value: number; aic: number }[];
  sweepLabel: string;
  backend: string;
  /** Files opened (picker or drop), counted for the end-to-end test. */
  fileLoads: number;
  /** Layouts of the cells by name ('PC1/PC2', 'X_umap', 'UMAP'), row-major n × 2. */
  embeddings: Record<string, Float32Array>;
  /** The one on the scatter. */
  embedding: string;
  /** The batch column the PCs are integrated by (Harmony), or null. */
  integratedBy: string | null;
  /** The user asked for the UMAP (large data): its arrival frees the controls. */
  umapAsked: boolean;
  /** A file read that sends nothing for this long is stopped (the end-to-end test shortens it). */
  loadTimeoutMs: number;
}
const state: State = {
  summary: null,
  cells: [],
  obs: {},
  labels: null,
  maxPosterior: null,
  entropy: null,
  resp: null,
  mergeCut: null,
  cluster: null,
  lasso: null,
  gene: null,
  curve: [],
  sweep: [],
  sweepLabel: 'BIC',
  backend: '',
  fileLoads: 0,
  embeddings: {},
  embedding: '',
  umapAsked: false,
  integratedBy: null,
  loadTimeoutMs: 60_000,
};
// The page's own status, read by the end-to-end test.
(window as unknown as { emgpuDemo: unknown }).emgpuDemo = state;

const tooltip = $<HTMLDivElement>('tooltip');
const plot = new ScatterPlot($<HTMLCanvasElement>('scatter'), {
  onHover(i, x, y) {
    if (i === null || !state.summary) {
      tooltip.hidden = true;
      return;
    }
    const lines = [state.cells[i]];
    if (state.labels && state.labels[i] >= 0) lines.push(`cluster ${state.labels[i]}`);
    if (state.resp && state.cluster) {
      const k = state.cluster.k;
      const probs = Array.from(state.resp.subarray(i * k, (i + 1) * k))
        .map((p, c) => [c, p] as const)
        .filter(([, p]) => p > 0.01)
        .sort((a, b) => b[1] - a[1]);
      lines.push(probs.map(([c, p]) => `P(${c}) = ${p.toFixed(3)}`).join('\n'));
    }
    const tc = state.summary.truthColumn;
    if (tc && state.obs[tc]?.[i]) lines.push(`${tc}: ${state.obs[tc][i]}`);
    if (state.gene) lines.push(`${state.gene.name}: ${state.gene.values[i].toFixed(2)}`);
    tooltip.textContent = lines.join('\n');
    tooltip.style.left = `${x + 12}px`;
    tooltip.style.top = `${y + 12}px`;
    tooltip.hidden = false;
  },
});

// The scatter itself, for the benchmark and the end-to-end test (renderer, frame times).
(window as unknown as { emgpuScatter: ScatterPlot }).emgpuScatter = plot;

function resizeCanvases(): void {
  const wrap = $<HTMLDivElement>('scatter').parentElement!;
  const dpr = window.devicePixelRatio || 1;
  for (const id of ['scatter', 'lasso']) {
    const c = $<HTMLCanvasElement>(id);
    c.width = Math.max(1, Math.round(wrap.clientWidth * dpr));
    c.height = Math.max(1, Math.round(wrap.clientHeight * dpr));
  }
  plot.draw();
}
window.addEventListener('resize', resizeCanvases);
resizeCanvases();

// --- progress ------------------------------------------------------------------------------
const stages = new Map<string, { done: number; total: number; ms: number; detail?: string }>();
function renderProgress(): void {
  $<HTMLDivElement>('progress').innerHTML = [...stages.entries()]
    .map(
      ([
        key,
        s,
      ]) => `<div class="stage"><span>${key}${s.detail ? ` — ${s.detail}` : ''}</span><span>${(s.ms / 1000).toFixed(2)} s</span></div>
      <div class="bar"><div style="width:${(100 * s.done) / Math.max(1, s.total)}%"></div></div>`,
    )
    .join('');
}

function drawLine(canvas: HTMLCanvasElement, xs: number[], ys: number[], label: string, mark?: number, ys2?: number[]): void {
  const g = canvas.getContext('2d')!;
  const w = canvas.width,
    h = canvas.height;
  g.clearRect(0, 0, w, h);
  g.fillStyle = '#56607a';
  g.font = '11px system-ui';
  g.fillText(label, 4, 12);
  if (ys.length < 1) return;
  const all = ys2 ? [...ys, ...ys2] : ys;
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs),
    y0 = Math.min(...all),
    y1 = Math.max(...all);
  const X = (x: number) => 30 + ((x - x0) / (x1 - x0 || 1)) * (w - 40);
  const Y = (y: number) => h - 14 - ((y - y0) / (y1 - y0 || 1)) * (h - 34);
  g.strokeStyle = '#2b5fb3';
  g.beginPath();
  xs.forEach((x, i) => (i ? g.lineTo(X(x), Y(ys[i])) : g.moveTo(X(x), Y(ys[i]))));
  g.stroke();
  g.fillStyle = '#2b5fb3';
  xs.forEach((x, i) => g.fillRect(X(x) - 1.5, Y(ys[i]) - 1.5, 3, 3));
  if (ys2) {
    // Second series (AIC beside BIC), same scale.
    g.strokeStyle = '#ff7f0e';
    g.beginPath();
    xs.forEach((x, i) => (i ? g.lineTo(X(x), Y(ys2[i])) : g.moveTo(X(x), Y(ys2[i]))));
    g.stroke();
  }
  if (mark !== undefined) {
    g.strokeStyle = '#d62728';
    g.beginPath();
    g.moveTo(X(mark), 16);
    g.lineTo(X(mark), h - 12);
    g.stroke();
  }
  g.fillStyle = '#56607a';
  g.fillText(`${x0}`, 28, h - 2);
  g.fillText(`${x1}`, w - 20, h - 2);
}

function drawSweep(best?: number): void {
  const mixture = $<HTMLSelectElement>('model').value !== 'kmeans';
  drawLine(
    $<HTMLCanvasElement>('sweep-curve'),
    state.sweep.map((r) => r.k),
    state.sweep.map((r) => r.value),
    best === undefined ? state.sweepLabel : `${state.sweepLabel}: best k = ${best}`,
    best,
    mixture ? state.sweep.map((r) => r.aic) : undefined,
  );
}

// --- colouring ------------------------------------------------------------------------------
function recolor(): void {
  const n = state.cells.length;
  if (!n) return;
  const mode = $<HTMLSelectElement>('color-by').value;
  const colors = new Uint32Array(n);
  const legend: string[] = [];
  const grey = hexToRgba('#c8ccd4', 0.5);
  // Packed colours once per palette entry, not once per cell (a million cells).
  const packed = PALETTE.map((h) => hexToRgba(h));
  if (mode === 'cluster' && state.labels) {
    for (let i = 0; i < n; i++) colors[i] = state.labels[i] < 0 ? grey : packed[state.labels[i] % packed.length];
    state.cluster?.sizes.forEach((s, c) =>
      legend.push(`<span><i style="background:${PALETTE[c % PALETTE.length]}"></i>${c} (${s})</span>`),
    );
  } else if (mode === 'merge' && state.mergeCut) {
    const l = state.mergeCut.labels;
    const sizes = new Array<number>(state.mergeCut.k).fill(0);
    for (let i = 0; i < n; i++) {
      colors[i] = l[i] < 0 ? grey : packed[l[i] % packed.length];
      if (l[i] >= 0) sizes[l[i]]++;
    }
    sizes.forEach((s, c) => legend.push(`<span><i style="background:${PALETTE[c % PALETTE.length]}"></i>${c} (${s})</span>`));
  } else if ((mode === 'maxpost' || mode === 'entropy') && state.maxPosterior) {
    const v = mode === 'maxpost' ? state.maxPosterior : state.entropy!;
    let lo = Infinity,
      hi = -Infinity;
    for (const x of v)
      if (!Number.isNaN(x)) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    for (let i = 0; i < n; i++) colors[i] = Number.isNaN(v[i]) ? grey : ramp((v[i] - lo) / (hi - lo || 1));
    legend.push(`<span>${mode === 'maxpost' ? 'max posterior' : 'entropy'}: ${lo.toFixed(3)} (dark) → ${hi.toFixed(3)} (yellow)</span>`);
  } else if (mode.startsWith('obs:')) {
    const col = state.obs[mode.slice(4)];
    const seen = new Set<string>();
    for (const x of col) if (x !== null) seen.add(x);
    const cats = [...seen];
    const idx = new Map(cats.map((c, j) => [c, j]));
    for (let i = 0; i < n; i++) colors[i] = col[i] === null ? grey : packed[idx.get(col[i]!)! % packed.length];
    cats.forEach((c, j) => legend.push(`<span><i style="background:${PALETTE[j % PALETTE.length]}"></i>${c}</span>`));
  } else if (mode === 'gene' && state.gene) {
    let hi = 0;
    for (const x of state.gene.values) hi = Math.max(hi, x);
    for (let i = 0; i < n; i++) colors[i] = ramp(state.gene.values[i] / (hi || 1));
    legend.push(`<span>${state.gene.name}: 0 → ${hi.toFixed(2)} (log-normalised)</span>`);
  } else {
    colors.fill(hexToRgba('#2b5fb3', 0.6));
  }
  void plot.setColors(colors);
  $<HTMLDivElement>('legend').innerHTML = legend.join('');
}
$<HTMLSelectElement>('color-by').addEventListener('change', recolor);
$<HTMLInputElement>('gene').addEventListener('change', (e) => {
  const name = (e.target as HTMLInputElement).value.trim();
  if (name) send({ type: 'gene', name });
});

// --- lasso ----------------------------------------------------------------------------------
const lassoCanvas = $<HTMLCanvasElement>('lasso');
let lassoPath: { x: number; y: number }[] | null = null;
function drawLasso(): void {
  const g = lassoCanvas.getContext('2d')!;
  g.clearRect(0, 0, lassoCanvas.width, lassoCanvas.height);
  if (!lassoPath || lassoPath.length < 2) return;
  const r = lassoCanvas.getBoundingClientRect();
  const sx = lassoCanvas.width / r.width,
    sy = lassoCanvas.height / r.height;
  g.strokeStyle = '#d62728';
  g.lineWidth = 2;
  g.setLineDash([6, 4]);
  g.beginPath();
  lassoPath.forEach((p, i) => (i ? g.lineTo((p.x - r.left) * sx, (p.y - r.top) * sy) : g.moveTo((p.x - r.left) * sx, (p.y - r.top) * sy)));
  g.closePath();
  g.stroke();
}
const scatterCanvas = $<HTMLCanvasElement>('scatter');
scatterCanvas.addEventListener('pointerdown', (e) => {
  if (e.shiftKey) lassoPath = [{ x: e.clientX, y: e.clientY }];
});
scatterCanvas.addEventListener('pointermove', (e) => {
  if (lassoPath && e.buttons) {
    lassoPath.push({ x: e.clientX, y: e.clientY });
    drawLasso();
  }
});
window.addEventListener('pointerup', () => {
  if (!lassoPath) return;
  if (lassoPath.length > 2) {
    state.lasso = plot.inside(lassoPath);
    $<HTMLDivElement>('data-summary').dataset.lasso = String(state.lasso.length);
    setStatus(`${state.lasso.length} cells lassoed: Cluster re-clusters only these.`);
  }
  lassoPath = null;
});
$<HTMLButtonElement>('clear-lasso').addEventListener('click', () => {
  state.lasso = null;
  drawLasso();
  setStatus('lasso cleared');
});

function setStatus(text: string): void {
  stages.set('status', { done: 1, total: 1, ms: 0, detail: text });
  renderProgress();
}

// --- controls -------------------------------------------------------------------------------
function params(): ClusterParams {
  const p: ClusterParams = {
    model: $<HTMLSelectElement>('model').value as ClusterParams['model'],
    k: Number($<HTMLInputElement>('k').value),
    covariance: $<HTMLSelectElement>('covariance').value as ClusterParams['covariance'],
    seed: Number($<HTMLInputElement>('seed').value),
    nInit: Number($<HTMLInputElement>('ninit').value),
    nPcs: Number($<HTMLInputElement>('npcs').value),
    resolution: Number($<HTMLInputElement>('resolution').value),
  };
  if (state.lasso) p.subset = state.lasso;
  return p;
}
const busy = (b: boolean): void => {
  for (const id of ['run', 'sweep', 'load-bundled', 'synthetic', 'umap'])
    $<HTMLButtonElement>(id).disabled = b || (!state.summary && (id === 'run' || id === 'sweep' || id === 'umap'));
  // A sweep over k is for the mixtures; Leiden's count follows its resolution.
  if ($<HTMLSelectElement>('model').value === 'leiden') $<HTMLButtonElement>('sweep').disabled = true;
};
$<HTMLSelectElement>('model').addEventListener('change', () => busy(false));

/** Put a stored layout on the scatter and list the others. */
function showEmbedding(name: string, detail?: string): void {
  state.embedding = name;
  const sel = $<HTMLSelectElement>('embedding');
  sel.replaceChildren(
    ...Object.keys(state.embeddings).map((e) => {
      const o = document.createElement('option');
      o.value = o.textContent = e;
      return o;
    }),
  );
  sel.value = name;
  $<HTMLSpanElement>('embedding-name').textContent = detail ?? '';
  void plot.setPoints(state.embeddings[name]).then(recolor);
}
$<HTMLSelectElement>('embedding').addEventListener('change', (e) => showEmbedding((e.target as HTMLSelectElement).value));
$<HTMLSelectElement>('integrate').addEventListener('change', (e) => {
  busy(true);
  const column = (e.target as HTMLSelectElement).value || null;
  send({ type: 'integrate', column });
});
$<HTMLButtonElement>('umap').addEventListener('click', () => {
  busy(true);
  state.umapAsked = true;
  send({ type: 'umap' });
});
$<HTMLButtonElement>('load-bundled').addEventListener('click', () => {
  busy(true);
  stages.clear();
  send({ type: 'load-bundled' });
});
$<HTMLButtonElement>('synthetic').addEventListener('click', () => {
  busy(true);
  stages.clear();
  send({ type: 'synthetic', n: Number($<HTMLInputElement>('synthetic-n').value), genes: 200, seed: 1 });
});
const openFiles = (files: File[]): void => {
  if (!files.length) return;
  state.fileLoads++;
  busy(true);
  stages.clear();
  send({ type: 'load-files', files });
  watchdog.arm(files.map((f) => f.name).join(', '));
};

// HDF5 (h5wasm) can loop forever on some damaged files, inside one synchronous read in the worker
// where nothing can interrupt it. A read that sends no progress for loadTimeoutMs is stopped by
// terminating the worker; a fresh one takes its place and the page says what happened.
const watchdog = {
  timer: undefined as ReturnType<typeof setTimeout> | undefined,
  names: '',
  arm(names: string): void {
    this.names = names;
    this.poke();
  },
  poke(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), state.loadTimeoutMs);
  },
  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  },
  fire(): void {
    this.timer = undefined;
    worker.terminate();
    worker = startWorker();
    send(initMessage());
    state.summary = null;
    state.labels = state.maxPosterior = state.entropy = state.resp = null;
    state.cluster = null;
    $<HTMLDivElement>('data-summary').textContent = 'No data loaded.';
    const message =
      `FILE_TIMEOUT: reading ${this.names} sent nothing for ${(state.loadTimeoutMs / 1000).toFixed(0)} s and was stopped. ` +
      'The file is most likely damaged (HDF5 loops on some corrupt structures): get it again. Load another file to go on.';
    stages.set('error', { done: 0, total: 1, ms: 0, detail: message });
    renderProgress();
    $<HTMLDivElement>('progress').insertAdjacentHTML('beforeend', `<div class="err" id="error"></div>`);
    $<HTMLDivElement>('error').textContent = message;
  },
};
$<HTMLInputElement>('file').addEventListener('change', (e) => openFiles(Array.from((e.target as HTMLInputElement).files ?? [])));
// One listener on the window: a drop anywhere on the page (the drop zone included, whose events
// bubble up) opens the files once.
const drop = $<HTMLDivElement>('drop');
window.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
window.addEventListener('dragleave', (e) => {
  if (!e.relatedTarget) drop.classList.remove('over');
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  openFiles(Array.from(e.dataTransfer?.files ?? []));
});
$<HTMLButtonElement>('run').addEventListener('click', () => {
  busy(true);
  state.curve = [];
  send({ type: 'cluster', params: params() });
});
$<HTMLButtonElement>('sweep').addEventListener('click', () => {
  busy(true);
  state.sweep = [];
  const { subset: _s, k: _k, ...rest } = params();
  send({ type: 'sweep', params: { ...rest, ks: Array.from({ length: 14 }, (_, i) => i + 2) } });
});

// --- exports --------------------------------------------------------------------------------
function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
export function labelsCsv(): string {
  const rows = ['cell,label,max_posterior,entropy'];
  state.cells.forEach((c, i) => {
    const l = state.labels![i];
    rows.push(
      `${c},${l < 0 ? '' : l},${Number.isNaN(state.maxPosterior![i]) ? '' : state.maxPosterior![i].toFixed(6)},${Number.isNaN(state.entropy![i]) ? '' : state.entropy![i].toFixed(6)}`,
    );
  });
  return `${rows.join('\n')}\n`;
}
export function configJson(): string {
  const c = state.cluster!;
  return JSON.stringify(
    {
      dataset: state.summary?.name,
      model: c.model,
      k: c.k,
      covariance: c.model === 'gmm' ? c.params.covariance : undefined,
      seed: c.params.seed,
      nInit: c.params.nInit,
      nPcs: c.model === 'nbmm' ? undefined : c.params.nPcs,
      lassoCells: state.lasso?.length ?? null,
      preprocessing: {
        qc: { minGenes: 200, maxGenes: 2500, maxPctMito: 5, minCells: 3, geneFilterCells: 'lower-bounds' },
        normalize: { targetSum: 1e4, log1p: true },
        hvg: { flavor: 'seurat_v3', nTopGenes: 2000 },
        scale: { maxValue: 10 },
        pca: { nComps: 50, seed: 0 },
      },
      backend: c.backend,
      adapter: c.adapter,
      versions: { ...c.versions, userAgent: navigator.userAgent },
      result: {
        objective: c.objective,
        objectiveName: c.objectiveName,
        nIter: c.nIter,
        converged: c.converged,
        sizes: c.sizes,
        ari: c.ari,
        nmi: c.nmi,
      },
    },
    null,
    2,
  );
}
(window as unknown as { emgpuExports: unknown }).emgpuExports = { labelsCsv, configJson, png: () => plot.toPNG() };
$<HTMLButtonElement>('export-csv').addEventListener('click', () =>
  download('emgpu-labels.csv', new Blob([labelsCsv()], { type: 'text/csv' })),
);
$<HTMLButtonElement>('export-json').addEventListener('click', () =>
  download('emgpu-config.json', new Blob([configJson()], { type: 'application/json' })),
);
$<HTMLButtonElement>('export-png').addEventListener('click', async () =>
  download('emgpu-plot.png', await (await fetch(await plot.toPNG())).blob()),
);

// --- results ----------------------------------------------------------------------------------

/** The merge tree panel of a mixture fit, cut at k (the scatter follows when coloured by the cut). */
function renderMergeTree(c: ClusterSummary, cut: number): void {
  const t = c.mergeTree;
  $<HTMLElement>('merge-section').hidden = !t;
  if (!t) return;
  $<HTMLDivElement>('merge-tree').innerHTML = mergeTreeSvg(t, cut, PALETTE);
  const sel = $<HTMLSelectElement>('merge-k');
  sel.innerHTML = Array.from({ length: t.k }, (_, i) => t.k - i)
    .map((k) => `<option value="${k}"${k === cut ? ' selected' : ''}>${k}</option>`)
    .join('');
  $<HTMLSpanElement>('merge-entropy').textContent =
    `entropy ${entropyAt(t, cut).toPrecision(3)} (from ${t.entropy.toPrecision(3)} at k = ${t.k})`;
}
$<HTMLSelectElement>('merge-k').addEventListener('change', (e) => {
  const k = Number((e.target as HTMLSelectElement).value);
  if (state.cluster) renderMergeTree(state.cluster, k);
  send({ type: 'merge-cut', k });
});

/** Why a streamed file is slower: read from disk in passes, chunk by chunk. */
function backedLine(b: NonNullable<LoadedSummary['backed']>): string {
  return (
    `<b>streamed from disk (backed)</b>: ${formatBytes(b.fileBytes)} file (${b.matrix}, ${b.access}), ` +
    `${b.passes} passes over it, peak chunk ${formatBytes(b.peakChunkBytes)} (${b.peakChunkRows.toLocaleString()} cells)`
  );
}

function renderCluster(c: ClusterSummary): void {
  const fmt = (x: number) => (Math.abs(x) >= 1e4 ? x.toExponential(4) : x.toFixed(3));
  $<HTMLDivElement>('result').innerHTML = `
    <div><b>${c.model}</b>, k = ${c.k}${c.model === 'gmm' ? `, ${c.params.covariance}` : ''} on ${c.backend} (${c.adapter})</div>
    <div>${c.nIter} iterations, ${c.converged ? 'converged' : '<b>not converged</b>'}, ${c.objectiveName} ${fmt(c.objective)}</div>
    ${c.streamedPasses !== undefined ? `<div id="streamed-fit">streamed from disk: ${c.streamedPasses} passes over the file (one per EM iteration)</div>` : ''}
    <div>${(c.ms / 1000).toFixed(2)} s (${c.perIterMs.toFixed(1)} ms/iteration); restarts: ${c.restarts.map((r) => fmt(r.objective)).join(', ')}</div>
    <table><tr><th>cluster</th><th>cells</th></tr>${c.sizes.map((s, i) => `<tr><td><i style="display:inline-block;width:9px;height:9px;border-radius:50%;background:${PALETTE[i % PALETTE.length]}"></i> ${i}</td><td>${s}</td></tr>`).join('')}</table>
    ${c.warnings.map((w) => `<div class="err">${w}</div>`).join('')}`;
  $<HTMLDivElement>('agreement').innerHTML =
    c.ari === null
      ? '<div class="summary">No label column in this dataset.</div>'
      : `<div>against <b>${state.summary?.truthColumn}</b></div>
       <div>ARI <span class="metric" id="ari">${c.ari.toFixed(4)}</span> · NMI <span class="metric" id="nmi">${c.nmi!.toFixed(4)}</span></div>
       <table><tr><th>cluster</th>${shortLabels(c.confusion!.labels)
         .map((short, j) => `<th title="${c.confusion!.labels[j]}">${short}</th>`)
         .join('')}</tr>
       ${c.confusion!.counts.map((row, i) => `<tr><td>${c.confusion!.clusters[i]}</td>${row.map((v) => `<td>${v || ''}</td>`).join('')}</tr>`).join('')}</table>`;
  $<HTMLDivElement>('markers').innerHTML = c.markersOff
    ? `<div class="summary" id="markers-off">${c.markersOff}</div>`
    : c.markers
        .map(
          (m) =>
            `<div><b>cluster ${m.cluster}</b>: ${m.genes.map((g) => `<span title="z ${g.score.toFixed(1)}, in ${(100 * g.pctIn).toFixed(0)}% vs ${(100 * g.pctOut).toFixed(0)}%">${g.name} (${g.logFoldChange.toFixed(1)})</span>`).join(', ')}</div>`,
        )
        .join('');
}

function onWorkerMessage(e: MessageEvent<FromWorker>): void {
  const m = e.data;
  if (watchdog.timer !== undefined) {
    if (m.type === 'progress') watchdog.poke();
    else if (m.type === 'loaded' || m.type === 'error') watchdog.disarm();
  }
  switch (m.type) {
    case 'ready': {
      state.backend = m.backend;
      const badge = $<HTMLDivElement>('backend');
      badge.textContent = `${m.backend} · ${m.adapter}`;
      badge.classList.toggle('cpu', m.backend !== 'webgpu');
      if (m.backend !== 'webgpu') {
        const banner = $<HTMLDivElement>('banner');
        banner.hidden = false;
        banner.textContent =
          `No usable WebGPU here (${m.fallbackReason ?? `backend: ${m.backend} was asked for`}): everything runs on the CPU backend, ${m.adapter}. ` +
          'Results are the same up to round-off, and large datasets take longer: on a 2-core machine, 100k cells preprocess in about 1 s, k-means takes 1 s and the NB mixture about 20 s; a million cells preprocess in about 15 s (bench/README.md). ' +
          `${m.notice ? `${m.notice} ` : ''}Use Chrome or Edge with a GPU for speed.`;
      }
      busy(false);
      break;
    }
    case 'progress': {
      // One line per preprocessing stage; one line for each other task, showing its current phase.
      const key = m.task === 'preprocess' ? `preprocess: ${m.stage}` : m.task;
      const detail = m.task === 'preprocess' ? m.detail : `${m.stage}${m.detail ? ` — ${m.detail}` : ''}`;
      const done = m.task === 'load' && m.stage === 'done' ? m.total : m.done;
      stages.set(key, { done, total: m.total, ms: m.ms, ...(detail ? { detail } : {}) });
      renderProgress();
      break;
    }
    case 'loaded': {
      state.summary = m.summary;
      state.cells = m.cells;
      state.obs = m.obs;
      state.labels = state.maxPosterior = state.entropy = state.resp = null;
      state.cluster = null;
      state.lasso = null;
      const s = m.summary;
      $<HTMLDivElement>('data-summary').innerHTML =
        `<b>${s.name}</b><br>${s.n.toLocaleString()} cells × ${s.d.toLocaleString()} genes, ${s.nnz.toLocaleString()} non-zeros (${s.memory})<br>
        kept ${s.kept.cells.toLocaleString()} cells, ${s.kept.genes.toLocaleString()} genes, ${s.kept.hvg} HVGs · loaded in ${(s.loadMs / 1000).toFixed(2)} s, preprocessed in ${(s.preprocessMs.totalMs / 1000).toFixed(2)} s<br>
        PC variance ratio: ${s.explainedVarianceRatio
          .slice(0, 5)
          .map((v) => v.toFixed(3))
          .join(', ')}…
        ${s.backed ? `<div class="streamed" id="streamed">${backedLine(s.backed)}</div>` : ''}
        ${s.warnings.map((w) => `<div class="err warning">${w}</div>`).join('')}`;
      state.embeddings = { [s.embedding]: m.xy };
      $<HTMLButtonElement>('umap').hidden = s.autoUmap;
      const sel = $<HTMLSelectElement>('color-by');
      sel.querySelectorAll('option[data-obs], option[value=gene]').forEach((o) => o.remove());
      const integ = $<HTMLSelectElement>('integrate');
      integ.replaceChildren(new Option('none', ''), ...s.obsColumns.map((c) => new Option(c, c)));
      state.integratedBy = null;
      for (const col of s.obsColumns) {
        const o = document.createElement('option');
        o.value = `obs:${col}`;
        o.textContent = `label: ${col}`;
        o.dataset.obs = '1';
        sel.append(o);
      }
      showEmbedding(s.embedding, s.autoUmap ? 'computing the kNN graph and UMAP…' : '');
      // The worker queues tasks: a Cluster asked now runs once the UMAP is laid out.
      busy(false);
      break;
    }
    case 'integrated':
      state.integratedBy = m.column;
      if (m.column) $<HTMLSelectElement>('color-by').value = `obs:${m.column}`;
      busy(false);
      break;
    case 'embedding':
      state.embeddings[m.name] = m.xy;
      showEmbedding(m.name, m.detail);
      $<HTMLButtonElement>('umap').hidden = true;
      if (state.umapAsked) busy(false);
      state.umapAsked = false;
      break;
    case 'iteration':
      state.curve.push(m.objective);
      drawLine(
        $<HTMLCanvasElement>('curve'),
        state.curve.map((_, i) => i + 1),
        state.curve,
        `objective per iteration (restart ${m.restart})`,
      );
      break;
    case 'clustered':
      state.labels = m.labels;
      state.maxPosterior = m.maxPosterior;
      state.entropy = m.entropy;
      state.resp = m.resp;
      state.cluster = m.summary;
      state.mergeCut = null;
      $<HTMLSelectElement>('color-by').querySelector('option[value=merge]')?.remove();
      if ($<HTMLSelectElement>('color-by').value === 'merge') $<HTMLSelectElement>('color-by').value = 'cluster';
      renderCluster(m.summary);
      renderMergeTree(m.summary, m.summary.k);
      recolor();
      for (const id of ['export-csv', 'export-json', 'export-png']) $<HTMLButtonElement>(id).disabled = false;
      busy(false);
      break;
    case 'sweep-row':
      state.sweep.push({
        k: m.row.k,
        value: $<HTMLSelectElement>('model').value === 'kmeans' ? m.row.objective : m.row.bic,
        aic: m.row.aic,
      });
      state.sweepLabel = $<HTMLSelectElement>('model').value === 'kmeans' ? 'inertia per k (elbow)' : 'BIC (blue) and AIC (orange) per k';
      drawSweep();
      break;
    case 'sweep-done':
      drawSweep(m.bestK);
      $<HTMLInputElement>('k').value = String(m.bestK);
      setStatus(`sweep: ${m.criterion} chooses k = ${m.bestK} (elbow ${m.elbowK})`);
      busy(false);
      break;
    case 'values': {
      if (m.what.startsWith('merge:')) {
        state.mergeCut = { k: Number(m.what.slice(6)), labels: m.values };
        const sel = $<HTMLSelectElement>('color-by');
        if (!sel.querySelector('option[value=merge]')) {
          const o = document.createElement('option');
          o.value = 'merge';
          sel.append(o);
        }
        sel.querySelector('option[value=merge]')!.textContent = `merge tree cut (k = ${state.mergeCut.k})`;
        sel.value = 'merge';
        recolor();
        break;
      }
      const name = m.what.replace(/^gene:/, '');
      state.gene = { name, values: m.values };
      const sel = $<HTMLSelectElement>('color-by');
      if (!sel.querySelector('option[value=gene]')) {
        const o = document.createElement('option');
        o.value = 'gene';
        sel.append(o);
      }
      sel.querySelector('option[value=gene]')!.textContent = `gene: ${name}`;
      sel.value = 'gene';
      recolor();
      break;
    }
    case 'error':
      stages.set('error', { done: 0, total: 1, ms: 0, detail: m.message });
      renderProgress();
      $<HTMLDivElement>('progress').insertAdjacentHTML('beforeend', `<div class="err" id="error">${m.message}</div>`);
      busy(false);
      break;
  }
}

const backend = (new URLSearchParams(location.search).get('backend') ?? 'auto') as 'auto' | 'webgpu' | 'wasm' | 'reference' | 'cpu';
/** ?streamAbove=BYTES: stream .h5ad files above this size from disk (default: the loaders' 2 GiB cap); ?chunkBytes=BYTES: chunk memory. */
function initMessage(): ToWorker {
  const m: ToWorker = { type: 'init', backend, baseUrl: new URL('.', location.href).href };
  const q = new URLSearchParams(location.search);
  const above = Number(q.get('streamAbove') ?? Number.NaN);
  if (Number.isFinite(above) && above >= 0) m.streamAbove = above;
  const chunk = Number(q.get('chunkBytes') ?? Number.NaN);
  if (Number.isFinite(chunk) && chunk >= 1) m.chunkBytes = chunk;
  return m;
}
send(initMessage());
