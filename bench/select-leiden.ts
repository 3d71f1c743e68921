/**
 * The automatic resolution on the public labelled sets (bench/select-leiden.mjs): the select
 * bench's preprocessing (select-run.ts prepareSet, seed 0), the first 20 PCs, then
 * selectResolution (chooseR's co-clustering rule; the PC silhouette re-read from the same rows)
 * with seeds 0, 1, 2. ARI against the labels of the partition at every resolution (from the
 * onResolution callback: the partitions selectResolution made, not refitted).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../src/index.js';
import { adjustedRandIndex } from '../src/metrics.js';
import { chooseResolution, selectResolution, type ResolutionRow } from '../src/select/resolution.js';
import { prepareSet, SETS } from './select-run.js';

export interface SeedOutcome {
  seed: number;
  rows: (ResolutionRow & { ari: number })[];
  /** criterion → chosen resolution, communities, ARI. */
  chosen: Record<string, { resolution: number; k: number; ari: number }>;
  threshold: number;
  seconds: number;
}

export interface SetOutcome {
  name: string;
  n: number;
  classes: number;
  dims: number;
  edges: number;
  seeds: SeedOutcome[];
}

export async function run(o: {
  dataDir: string;
  seeds: number[];
  sets?: string[];
  nBoot?: number;
  log?: (s: string) => void;
}): Promise<{ sets: SetOutcome[]; adapter: string }> {
  const log = o.log ?? console.log;
  const engine = await createEngine({ backend: 'wasm' });
  const out: SetOutcome[] = [];
  try {
    for (const set of SETS.filter((s) => !o.sets || o.sets.includes(s.name))) {
      const dir = join(o.dataDir, set.dir);
      if (!existsSync(dir)) {
        log(`${set.name}: not found in ${o.dataDir}, skipped`);
        continue;
      }
      const { pcs, cellLabels, trueK } = await prepareSet(dir, set, engine, 0);
      const setOut: SetOutcome = { name: set.name, n: pcs.n, classes: trueK, dims: 0, edges: 0, seeds: [] };
      log(`${set.name}: ${pcs.n} cells, ${trueK} classes`);
      for (const seed of o.seeds) {
        const t0 = performance.now();
        const aris: number[] = [];
        const r = await selectResolution(pcs, {
          engine,
          seed,
          ...(o.nBoot ? { nBoot: o.nBoot } : {}),
          onResolution: (_row, p) => {
            aris.push(adjustedRandIndex(cellLabels, p.labels));
          },
        });
        const seconds = (performance.now() - t0) / 1000;
        setOut.dims = r.graph.dims;
        setOut.edges = r.graph.edges;
        const rows = r.rows.map((row, i) => ({ ...row, ari: aris[i] }));
        const chosen: SeedOutcome['chosen'] = {};
        for (const c of ['cocluster', 'silhouette'] as const) {
          const { index } = chooseResolution(r.rows, c);
          chosen[c] = { resolution: rows[index].resolution, k: rows[index].k, ari: rows[index].ari };
        }
        if (chosen.cocluster.resolution !== r.bestResolution) throw new Error('chooseResolution disagrees with selectResolution');
        setOut.seeds.push({ seed, rows, chosen, threshold: r.threshold, seconds });
        log(
          `  seed ${seed}: cocluster γ ${chosen.cocluster.resolution} k ${chosen.cocluster.k} ARI ${chosen.cocluster.ari.toFixed(3)}; silhouette γ ${chosen.silhouette.resolution} k ${chosen.silhouette.k} ARI ${chosen.silhouette.ari.toFixed(3)} (${seconds.toFixed(0)} s)`,
        );
      }
      out.push(setOut);
    }
    return { sets: out, adapter: engine.adapter };
  } finally {
    engine.destroy();
  }
}
