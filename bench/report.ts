/**
 * The results file (schema emgpu-bench/2) and its markdown rendering, shared by both front ends
 * (bench/run.mjs for the browser, bench/run-node.mjs for Node).
 */
import type { Preset } from './cases.js';
import type { CaseResult, ImplResult } from './runner/types.js';

export const SCHEMA = 'emgpu-bench/2';

export const SOFTWARE_NOTE =
  'is a CPU software rasteriser: these figures measure correctness and GPU traffic (dispatches, bytes), not GPU speed.';

export interface EngineInfo {
  /** What was asked for: 'webgpu' in the browser, 'auto' (or --backend) in Node. */
  requested: string;
  backend: string;
  adapter: string;
  software: boolean;
  fallbackReason: string | null;
}

export interface BenchResult {
  schema: typeof SCHEMA;
  date: string;
  createdAt: string;
  preset: Preset;
  frontEnd: 'browser' | 'node';
  engine: EngineInfo;
  /** Short name of what ran, used in file names: 'swiftshader', 'node-cpu', 'nvidia-h100', … */
  adapterSlug: string;
  userAgent: string | null;
  node: string;
  platform: string;
  cpus: string | null;
  /** 'timestamp': emgpu's fits also have GPU ms/iter from timestamp queries; 'wall': wall clock only. */
  timing: 'timestamp' | 'wall';
  /** Which timing was used and why, and whether the adapter offers timestamp queries. */
  timingReason: string;
  timestampQuery: boolean | null;
  refCapFlops: number;
  repeatsOverride: number | null;
  notes: string[];
  durationMs: number;
  /** The library's commit, and whether src/ or shaders/ had uncommitted changes (set by the front end). */
  revision?: { commit: string; dirty: boolean } | null;
  cases: CaseResult[];
}

export function slugOf(engine: EngineInfo, frontEnd: 'browser' | 'node'): string {
  const prefix = frontEnd === 'node' ? 'node-' : '';
  if (engine.backend !== 'webgpu') return `${prefix}cpu`;
  const a = engine.adapter;
  if (/swiftshader/i.test(a)) return `${prefix}swiftshader`;
  for (const name of ['llvmpipe', 'lavapipe', 'warp']) if (new RegExp(name, 'i').test(a)) return `${prefix}${name}`;
  // "vendor / architecture / device / description": the last part names the device best.
  const parts = a
    .split(' / ')
    .map((s) => s.trim())
    .filter(Boolean);
  const slug = (parts[parts.length - 1] ?? a)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${prefix}${slug || 'unknown-adapter'}`;
}

export function softwareWarning(r: BenchResult): string | null {
  if (r.engine.backend !== 'webgpu') {
    return `**No GPU ran: emgpu used its CPU backend, ${r.engine.adapter}${r.engine.fallbackReason ? ` because ${r.engine.fallbackReason}` : ''}. These are CPU figures, not GPU figures.**`;
  }
  if (r.engine.software) return `**${/swiftshader/i.test(r.engine.adapter) ? 'SwiftShader' : r.engine.adapter} ${SOFTWARE_NOTE}**`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const ms = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const num = (x: number): string => (Number.isInteger(x) ? int(x) : x.toFixed(2));
const rate = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
function bytes(x: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = x;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${int(x)} B` : `${v.toFixed(1)} ${units[u]}`;
}
const signed = (x: number): string => (x === 0 ? '0' : `${x > 0 ? '+' : '−'}${Math.abs(x).toExponential(1)}`);

function table(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const all = [header, ...rows].map((r) => r.map(esc));
  const widths = header.map((_, c) => Math.max(3, ...all.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(all[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

function implRow(c: CaseResult, r: ImplResult, first: boolean): string[] {
  const name = first ? `\`${c.id}\`` : '';
  if (r.status !== 'ok') {
    const why =
      r.status === 'error'
        ? 'error (see below)'
        : /too slow/.test(r.note ?? '')
          ? 'skipped (too slow)'
          : r.impl === 'cpu-reference' && c.referenceRelDiff === 0
            ? 'same as emgpu (CPU backend)'
            : 'skipped (see below)';
    return [name, r.label, why, '', '', '', '', '', '', '', ''];
  }
  const p = r.perIterMs!;
  const vs = r.vsEmgpu;
  const objective =
    r.impl === 'emgpu'
      ? r.inertia64 !== undefined
        ? `${r.inertia64.toPrecision(8)}`
        : `${r.objective!.toPrecision(8)}`
      : vs
        ? signed(vs.objectiveRel)
        : '—';
  return [
    name,
    r.label,
    ms(p.median),
    `${ms(p.iqr)}`,
    `${ms(p.min)} – ${ms(p.max)}`,
    `${r.nIter}${r.nIterAll && new Set(r.nIterAll).size > 1 ? '*' : ''}`,
    ms(r.wallMs!.median),
    rate(r.gbPerS),
    rate(r.gflopPerS),
    vs ? `${vs.perIterRatio.toFixed(2)}×` : '1',
    objective,
  ];
}

const TS_COLUMN = 'GPU ms/iter (timestamps)';
const IMPL_HEADER = [
  'case',
  'implementation',
  'ms/iter (median)',
  'IQR',
  'min – max',
  'iter',
  'fit ms',
  'GB/s',
  'GFLOP/s',
  'ms/iter ÷ emgpu',
  'objective (emgpu) / rel. to emgpu',
];

function gpuRow(c: CaseResult): string[] | null {
  const g = c.impls[0]?.gpu;
  if (!g) return null;
  return [
    `\`${c.id}\``,
    num(g.dispatchesPerIter),
    g.dataPassesPerIter === undefined ? '—' : num(g.dataPassesPerIter),
    g.dataBytesPerIter === undefined ? '—' : bytes(g.dataBytesPerIter),
    num(g.submitsPerIter),
    num(g.readbacksPerIter),
    bytes(g.bytesReadPerIter),
    bytes(g.peakAllocatedBytes),
    int(g.chunks),
    c.referenceRelDiff === null ? '—' : c.referenceRelDiff.toExponential(2),
    g.sameAcrossRepeats ? 'yes' : 'NO',
  ];
}

const GROUPS: { title: string; match: (c: CaseResult) => boolean }[] = [
  { title: 'k-means', match: (c) => c.model === 'kmeans' && !c.id.startsWith('real-') },
  { title: 'soft k-means', match: (c) => c.model === 'soft-kmeans' },
  { title: 'Gaussian mixtures', match: (c) => c.model === 'gmm' && !c.id.startsWith('real-') },
  { title: 'Negative-binomial mixture (sparse counts)', match: (c) => c.model === 'nbmm' && !c.id.startsWith('real-') },
  { title: 'Real data (pbmc68k_reduced)', match: (c) => c.id.startsWith('real-') },
];

/** How many fits other processes disturbed (timed again), and the worst load among the fits kept. */
function busyLine(r: BenchResult): string | null {
  const impls = r.cases.flatMap((c) => c.impls).filter((i) => i.discardedBusy !== undefined);
  if (!impls.length) return null;
  const again = impls.reduce((a, i) => a + (i.discardedBusy ?? 0), 0);
  const kept = impls.flatMap((i) => i.samples ?? []).map((s) => s.foreignCpuPct ?? 0);
  const worst = kept.length ? Math.max(...kept) : 0;
  return (
    `Quiet check (/proc/stat): a fit during which other processes used over 5 % of a core (and over 20 ms) was timed again; ` +
    `${again} fit(s) were timed again, and among the fits kept other processes used at most ${worst.toFixed(1)} % of a core.`
  );
}

export function renderMarkdown(r: BenchResult): string {
  const out: string[] = [];
  out.push(`# emgpu benchmark, ${r.date}: preset \`${r.preset}\`, ${r.frontEnd === 'browser' ? 'headless Chromium' : 'Node'}`);
  out.push('');
  out.push(
    `- Engine: \`${r.engine.adapter}\` (backend ${r.engine.backend}${r.engine.software ? ', software adapter' : ''}; asked for '${r.engine.requested}')${r.engine.fallbackReason ? `. Fell back to the CPU: ${r.engine.fallbackReason}` : ''}`,
  );
  if (r.userAgent) out.push(`- Browser: ${r.userAgent}`);
  if (r.revision)
    out.push(
      `- Library at commit ${r.revision.commit.slice(0, 12)}${r.revision.dirty ? ' with uncommitted changes in src/ or shaders/' : ''}`,
    );
  out.push(`- Node ${r.node}, ${r.platform}${r.cpus ? `, ${r.cpus}` : ''}; run took ${(r.durationMs / 60000).toFixed(1)} min`);
  out.push(`- Timing: ${r.timing === 'timestamp' ? 'GPU timestamps and wall clock' : 'wall clock'}. ${r.timingReason}`);
  out.push(
    `- CPU reference and peers run while the modelled work is ≤ ${r.refCapFlops.toExponential(1)} flops per iteration (≈ n·d·k ≤ ${(r.refCapFlops / 3).toExponential(1)} for k-means); above that: "skipped (too slow)".`,
  );
  for (const n of r.notes) out.push(`- ${n}`);
  const busy = busyLine(r);
  if (busy) out.push(`- ${busy}`);
  const warn = softwareWarning(r);
  if (warn) {
    out.push('');
    out.push(`> ${warn}`);
  }
  out.push('');
  out.push(
    'Every fit of every implementation in a case starts from the same initial parameters and runs with tol = 0 (same iterations). ' +
      'ms/iter: emgpu and the CPU reference report their EM loop (timings.perIterMs); the peers, wall time ÷ iterations. ' +
      (r.timing === 'timestamp'
        ? `"${TS_COLUMN}": emgpu's GPU compute-pass time per EM iteration from timestamp queries (gpu.gpuMsPerIter, median over the fits); it excludes the readback, the host M-step and the submit overhead that ms/iter includes. `
        : '') +
      'GB/s and GFLOP/s are the work model of bench/work.ts ÷ median ms/iter (model counts, not hardware counters). ' +
      '"ms/iter ÷ emgpu" > 1: emgpu is faster. "rel. to emgpu": (objective − emgpu\'s) / |emgpu\'s|; for k-means the float64 inertia of each ' +
      "implementation's final centroids, so a positive number is a worse (higher) inertia than emgpu's; for mixtures the log-likelihood, where positive is better. " +
      '`*` after iterations: the repeats did not all do the same number.',
  );
  const ts = r.timing === 'timestamp';
  for (const g of GROUPS) {
    const cases = r.cases.filter(g.match);
    if (!cases.length) continue;
    out.push('');
    out.push(`## ${g.title}`);
    out.push('');
    const rows: string[][] = [];
    for (const c of cases) {
      if (c.status === 'skipped') {
        rows.push([`\`${c.id}\``, '—', `skipped: ${c.skipReason}`, '', '', '', '', '', '', '', '', ...(ts ? [''] : [])]);
        continue;
      }
      if (c.status === 'error' && c.impls.length === 0) {
        rows.push([`\`${c.id}\``, '—', `error: ${c.error}`, '', '', '', '', '', '', '', '', ...(ts ? [''] : [])]);
        continue;
      }
      c.impls.forEach((im, i) => {
        const row = implRow(c, im, i === 0);
        // GPU time from timestamp queries beside the wall-clock ms/iter (emgpu on WebGPU only).
        if (ts) row.splice(3, 0, im.status === 'ok' && im.gpuMsPerIter ? ms(im.gpuMsPerIter.median) : im.status === 'ok' ? '—' : '');
        rows.push(row);
      });
    }
    out.push(table(ts ? [...IMPL_HEADER.slice(0, 3), TS_COLUMN, ...IMPL_HEADER.slice(3)] : IMPL_HEADER, rows));
    const aris = cases.flatMap((c) =>
      c.impls.filter((im) => im.ari !== undefined).map((im) => `${c.id} ${im.label}: ${im.ari!.toFixed(3)}`),
    );
    if (aris.length) {
      out.push('');
      out.push(`ARI against bulk_labels: ${aris.join('; ')}.`);
    }
    const notes = cases.flatMap((c) => c.notes.map((n) => `\`${c.id}\`: ${n}`));
    if (notes.length) {
      out.push('');
      for (const n of notes) out.push(`- ${n}`);
    }
  }

  const sweeps = r.cases.filter((c) => c.model === 'select-k');
  if (sweeps.length) {
    out.push('');
    out.push('## k sweeps (selectK)');
    for (const c of sweeps) {
      out.push('');
      out.push(`### ${c.title}`);
      out.push('');
      if (c.status !== 'ok' || !c.sweep) {
        out.push(c.status === 'skipped' ? `Skipped: ${c.skipReason}` : `Error: ${c.error}`);
        continue;
      }
      const s = c.sweep;
      const me = c.impls[0];
      const ref = c.impls.find((im) => im.impl === 'cpu-reference');
      out.push(
        `${c.init}. Sweep wall time: emgpu ${ms(me.wallMs!.median)} ms (${me.nIter} iterations over ${s.emgpu.ks.length} fits, ${ms(me.perIterMs!.median)} ms/iteration)` +
          (ref?.status === 'ok'
            ? `; CPU reference ${ms(ref.wallMs!.median)} ms (${ref.nIter} iterations)`
            : ref
              ? `; CPU reference: ${ref.note}`
              : '') +
          '.',
      );
      out.push(
        `Chosen k: emgpu ${s.emgpu.bestK} (${s.emgpu.criterion}; elbow ${s.emgpu.elbowK})${s.reference ? `, CPU reference ${s.reference.bestK} (elbow ${s.reference.elbowK})` : ''}; true number of clusters ${s.trueK}.` +
          (s.maxObjectiveRelDiff !== null
            ? ` Largest relative objective difference over k: ${s.maxObjectiveRelDiff.toExponential(2)}.`
            : ''),
      );
      out.push('');
      const rows = s.emgpu.rows.map((row, i) => {
        const rr = s.reference?.rows[i];
        return [
          String(row.k),
          row.objective.toPrecision(7),
          rr ? rr.objective.toPrecision(7) : '—',
          row.bic.toPrecision(7),
          String(row.nIter),
          rr ? String(rr.nIter) : '—',
          ms(row.timeMs),
          rr ? ms(rr.timeMs) : '—',
        ];
      });
      out.push(
        table(
          ['k', 'objective (emgpu)', 'objective (CPU ref)', 'BIC (emgpu)', 'iter (emgpu)', 'iter (CPU ref)', 'ms (emgpu)', 'ms (CPU ref)'],
          rows,
        ),
      );
    }
  }

  const gpuRows = r.cases.map(gpuRow).filter((x): x is string[] => !!x);
  if (gpuRows.length) {
    out.push('');
    out.push('## GPU traffic (emgpu on WebGPU)');
    out.push('');
    out.push(
      'Dispatches, passes over the data, bytes of data read (rows and sample weights, from the dispatch plan) and bytes read back per EM iteration are the engine\'s counters (`gpu.dispatchesPerIter`, `gpu.dataPassesPerIter`, `gpu.dataBytesPerIter`, `gpu.bytesReadPerIter`); submits and readbacks are the whole fit\'s totals ÷ iterations (so they include upload and the final labels); peak = `gpu.peakAllocatedBytes`. "vs CPU ref" = |emgpu − reference| / |reference| of the objective (float32 against float64; the tests allow 2e-5).',
    );
    out.push('');
    out.push(
      table(
        [
          'case',
          'dispatches/iter',
          'data passes/iter',
          'data bytes/iter',
          'submits/iter',
          'readbacks/iter',
          'bytes read/iter',
          'peak GPU memory',
          'chunks',
          'vs CPU ref',
          'same counters every repeat',
        ],
        gpuRows,
      ),
    );
  } else {
    const refRows = r.cases.filter((c) => c.referenceRelDiff !== null);
    if (refRows.length && r.engine.backend !== 'webgpu') {
      out.push('');
      out.push('No GPU counters: emgpu ran on the CPU backend.');
    }
  }

  const skippedList: string[] = [];
  for (const c of r.cases) {
    if (c.status === 'skipped') skippedList.push(`\`${c.id}\`: ${c.skipReason}`);
    else if (c.status === 'error') skippedList.push(`\`${c.id}\`: ERROR ${c.error ?? c.impls.find((i) => i.status === 'error')?.note}`);
    for (const im of c.impls)
      if (im.status !== 'ok' && !(im.impl === 'cpu-reference' && r.engine.backend === 'reference'))
        skippedList.push(`\`${c.id}\` ${im.label}: ${im.status === 'error' ? 'ERROR ' : ''}${im.note}`);
  }
  if (skippedList.length) {
    out.push('');
    out.push('## Skipped or failed');
    out.push('');
    for (const s of skippedList) out.push(`- ${s}`);
  }
  const models = [
    ...new Set(
      r.cases.filter((c) => c.work).map((c) => `${c.model}${c.params.covariance ? ` (${c.params.covariance})` : ''}: ${c.work!.formula}`),
    ),
  ];
  if (models.length) {
    out.push('');
    out.push('## Work model (per EM iteration; n rows, d features, k clusters)');
    out.push('');
    for (const m of models) out.push(`- ${m}`);
  }
  if (warn) {
    out.push('');
    out.push(`> ${warn}`);
  }
  out.push('');
  return out.join('\n');
}

/** What a front end collected, before the run-level fields are added. */
export interface RunParts {
  preset: Preset;
  frontEnd: 'browser' | 'node';
  engine: EngineInfo;
  userAgent: string | null;
  node: string;
  platform: string;
  cpus: string | null;
  timestampQuery: boolean | null;
  refCapFlops: number;
  repeatsOverride: number | null;
  notes: string[];
  durationMs: number;
  cases: CaseResult[];
}

const WALL_TIMES =
  "performance.now() wall clock around each fit (fit ms), and the library's own EM-loop timing (timings.perIterMs, history[i].elapsedMs), which includes each iteration's readback and host M-step";

/** Whether any emgpu fit of the run had GPU timestamp timing. */
export function usedTimestamps(cases: CaseResult[]): boolean {
  return cases.some((c) => c.impls.some((im) => im.impl === 'emgpu' && im.gpuMsPerIter !== undefined));
}

export function timingReasonFor(timestampQuery: boolean | null, used = false): string {
  if (used) {
    return (
      'The adapter offers the timestamp-query feature and the engine was created with timestamps: true: "GPU ms/iter (timestamps)" is the sum of the ' +
      `compute passes' GPU durations (end − begin timestamps, read back with each iteration's statistics) ÷ iterations (gpu.gpuMsPerIter). Beside it, ${WALL_TIMES}.`
    );
  }
  const offer =
    timestampQuery === null
      ? 'No WebGPU adapter was used, so there are no GPU timestamps to have.'
      : timestampQuery
        ? 'The adapter offers the timestamp-query feature, but no emgpu fit reported GPU timestamps.'
        : 'The adapter does not offer the timestamp-query feature, so GPU pass times cannot be measured.';
  return `${offer} Every time is ${WALL_TIMES}.`;
}

export function assembleResult(p: RunParts, now = new Date()): BenchResult {
  return {
    schema: SCHEMA,
    date: now.toISOString().slice(0, 10),
    createdAt: now.toISOString(),
    preset: p.preset,
    frontEnd: p.frontEnd,
    engine: p.engine,
    adapterSlug: slugOf(p.engine, p.frontEnd),
    userAgent: p.userAgent,
    node: p.node,
    platform: p.platform,
    cpus: p.cpus,
    timing: usedTimestamps(p.cases) ? 'timestamp' : 'wall',
    timingReason: timingReasonFor(p.timestampQuery, usedTimestamps(p.cases)),
    timestampQuery: p.timestampQuery,
    refCapFlops: p.refCapFlops,
    repeatsOverride: p.repeatsOverride,
    notes: p.notes,
    durationMs: p.durationMs,
    cases: p.cases,
  };
}
