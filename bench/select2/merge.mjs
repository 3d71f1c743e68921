// Merge the NB run (select-2) and the k-means run (select-2-kmeans, without gap/stability) into one table; gap and
// stability come from the first table's run of the same k-means fits (identical inertia at every k, checked).
import { readFileSync, writeFileSync } from 'node:fs';
const a = JSON.parse(readFileSync('/tmp/select6-cache/results/2026-12-07-cpu-wasm-2-cores-select-2.json', 'utf8'));
const b = JSON.parse(readFileSync('/tmp/select6-cache/results/2026-12-07-cpu-wasm-2-cores-select-2-kmeans.json', 'utf8'));
const first = JSON.parse(readFileSync('/work/wt/select6/bench/results/2026-12-07-cpu-wasm-2-cores-select.json', 'utf8'));
for (const s of a.sets) {
  const t = b.sets.find((x) => x.name === s.name).models.find((x) => x.model === 'kmeans');
  const f = first.sets.find((x) => x.name === s.name).models.find((x) => x.model === 'kmeans');
  // Gap and stability columns from the first table's run of the same fits (checked: same inertia at every k).
  for (const r of t.rows) {
    const fr = f.rows.find((x) => x.k === r.k);
    if (Math.abs(fr.objective - r.objective) > 1e-9 * Math.abs(r.objective)) throw new Error(`${s.name} k=${r.k}: fits differ`);
    Object.assign(r, { gap: fr.gap, gapSe: fr.gapSe, stability: fr.stability });
  }
  s.models = s.models.map((m) => (m.model === 'kmeans' ? t : m));
}
a.seconds = a.seconds + b.seconds;
a.revision = b.revision;
writeFileSync('/tmp/select6-cache/merged.json', JSON.stringify(a));
console.log('merged');
