/**
 * How far apart a fit's restarts ended: the spread of their final objectives, reported in every
 * result beside `restarts` so a user sees how stable the fit is (a spread near 0 means the restarts
 * agree; a large one means the optimum depends on the start, and more restarts may pay).
 */
import type { RestartSpread, RestartSummary } from '../types.js';

/** The spread of `restarts`' objectives; `maximize` for log-likelihoods (best = highest), else best = lowest. */
export function restartSpread(restarts: readonly RestartSummary[], maximize: boolean): RestartSpread {
  const objectives = restarts.map((r) => r.objective);
  let bestRestart = 0;
  for (let r = 1; r < objectives.length; r++) {
    if (maximize ? objectives[r] > objectives[bestRestart] : objectives[r] < objectives[bestRestart]) bestRestart = r;
  }
  const best = objectives[bestRestart];
  const worst = objectives.reduce((w, o) => (maximize ? Math.min(w, o) : Math.max(w, o)), best);
  return { objectives, bestRestart, best, worst, spread: Math.abs(best - worst) };
}
