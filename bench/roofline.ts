/**
 * The roofline table of `npm run bench:gpu`: each case's effective bandwidth (the work model's
 * bytes per iteration, bench/work.ts, ÷ the median time per iteration) against the adapter's
 * memory bandwidth, from `--bandwidth-gbs` or, for common adapters, the vendor's figure below.
 * The time is the GPU compute-pass time per iteration when the fits were timed with timestamp
 * queries (what the kernels achieve), and the wall-clock EM-loop time per iteration otherwise.
 */
import type { BenchResult } from './report.js';

/** Peak memory bandwidth in GB/s of common adapters (vendor data sheets), matched against the adapter description. */
const KNOWN: [pattern: RegExp, gbs: number, name: string][] = [
  [/h200/i, 4800, 'NVIDIA H200'],
  [/h100.*pcie/i, 2000, 'NVIDIA H100 PCIe'],
  [/h100/i, 3350, 'NVIDIA H100 SXM'],
  [/a100.*(80|sxm)/i, 2039, 'NVIDIA A100 80GB'],
  [/a100/i, 1555, 'NVIDIA A100 40GB'],
  [/l40s/i, 864, 'NVIDIA L40S'],
  [/\bl4\b/i, 300, 'NVIDIA L4'],
  [/\ba10g?\b/i, 600, 'NVIDIA A10'],
  [/\bt4\b/i, 320, 'NVIDIA T4'],
  [/v100/i, 900, 'NVIDIA V100'],
  [/rtx 4090/i, 1008, 'NVIDIA RTX 4090'],
  [/rtx 3090/i, 936, 'NVIDIA RTX 3090'],
  [/mi300/i, 5300, 'AMD MI300X'],
  [/mi250/i, 3277, 'AMD MI250X'],
];

/** The known bandwidth of an adapter (GB/s) and the name it matched, or null. */
export function knownBandwidth(adapter: string): { gbs: number; name: string } | null {
  for (const [re, gbs, name] of KNOWN) if (re.test(adapter)) return { gbs, name };
  return null;
}

export interface RooflineRow {
  id: string;
  /** Work-model bytes per iteration. */
  bytes: number;
  ms: number;
  /** 'gpu' (timestamp queries) or 'wall'. */
  timing: 'gpu' | 'wall';
  gbs: number;
  /** gbs ÷ the adapter's bandwidth (null when unknown). */
  fraction: number | null;
  dataPassesPerIter: number | null;
}

/** One row per emgpu fit case with a work model and a time. */
export function rooflineRows(r: BenchResult, bandwidthGbs: number | null): RooflineRow[] {
  const rows: RooflineRow[] = [];
  for (const c of r.cases) {
    const im = c.impls.find((i) => i.impl === 'emgpu' && i.status === 'ok');
    if (!im || !c.work) continue;
    const gpuMs = im.gpuMsPerIter?.median;
    const timing = gpuMs !== undefined && gpuMs > 0 ? 'gpu' : 'wall';
    const ms = timing === 'gpu' ? gpuMs! : (im.perIterMs?.median ?? 0);
    if (!(ms > 0)) continue;
    const gbs = c.work.bytes / (ms / 1e3) / 1e9;
    rows.push({
      id: c.id,
      bytes: c.work.bytes,
      ms,
      timing,
      gbs,
      fraction: bandwidthGbs ? gbs / bandwidthGbs : null,
      dataPassesPerIter: im.gpu?.dataPassesPerIter ?? null,
    });
  }
  return rows;
}

/** The roofline table in markdown. */
export function renderRoofline(r: BenchResult, bandwidthGbs: number | null, source: string): string {
  const rows = rooflineRows(r, bandwidthGbs);
  const head = ['case', 'bytes/iter (model)', 'ms/iter', 'timing', 'effective GB/s', '% of bandwidth', 'data passes/iter'];
  const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));
  const lines = [
    `## Roofline: ${r.engine.adapter}`,
    '',
    bandwidthGbs
      ? `Memory bandwidth ${bandwidthGbs} GB/s (${source}). Effective GB/s = the work model's bytes per iteration (bench/work.ts) ÷ ms/iter; "gpu" timing is the compute passes' time from timestamp queries, "wall" the EM loop's wall time (readback and host M-step included).`
      : 'Memory bandwidth unknown for this adapter: pass --bandwidth-gbs to get the percentages.',
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map(
      (row) =>
        `| \`${row.id}\` | ${(row.bytes / 2 ** 20).toFixed(1)} MiB | ${fmt(row.ms)} | ${row.timing} | ${fmt(row.gbs)} | ${
          row.fraction === null ? '—' : `${(100 * row.fraction).toFixed(1)} %`
        } | ${row.dataPassesPerIter === null ? '—' : fmt(row.dataPassesPerIter)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
