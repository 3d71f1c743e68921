/** Option checks shared by the one-pass fits (typed errors: cause, then fix). */
import { invalid } from '../errors.js';

export function posInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalid('BAD_OPTION', `${name}=${String(v)} is not a positive integer. Pass a whole number >= 1.`);
  return v;
}

export function numberIn(v: unknown, name: string, fallback: number, ok: (x: number) => boolean, rule: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw invalid('BAD_OPTION', `${name}=${String(v)} is invalid: it must be ${rule}.`);
  return v;
}

export function seedOf(v: unknown): number {
  const seed = v ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)
    throw invalid('BAD_OPTION', `seed=${String(v)} must be a non-negative integer. Pass 0, 1, 2, …`);
  return seed;
}

export function checkK(k: unknown, n: number): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
    throw invalid('BAD_OPTION', `k=${String(k)} is not a positive integer. Pass k >= 1, the number of clusters.`);
  if (k > n) throw invalid('K_TOO_LARGE', `n_samples=${n} should be >= k=${k}. Pass k <= ${n}, or supply more samples.`);
  return k;
}

/** Stepwise EM's step sizes η_t = (t + t0)^(−α), t = 0, 1, …; the first batch always sets the statistics (η_0 = 1). */
export interface StepSchedule {
  /** α ∈ (0.5, 1]: smaller forgets the early batches faster. */
  decay: number;
  /** t0 ≥ 1: larger makes the early steps smaller. */
  offset: number;
}

/** Liang & Klein (2009) found α ∈ [0.6, 0.7] with t0 = 2 ((k + 2)^−α) robust across batch sizes. */
export const DEFAULT_STEP_DECAY = 0.6;
export const DEFAULT_STEP_OFFSET = 2;

export function resolveSchedule(decay: unknown, offset: unknown): StepSchedule {
  return {
    decay: numberIn(
      decay,
      'stepDecay',
      DEFAULT_STEP_DECAY,
      (x) => x > 0.5 && x <= 1,
      'in (0.5, 1] (Robbins–Monro: Σ η = ∞, Σ η² < ∞), e.g. 0.6',
    ),
    offset: numberIn(offset, 'stepOffset', DEFAULT_STEP_OFFSET, (x) => x >= 1, '≥ 1, e.g. 2'),
  };
}

export function stepSize(s: StepSchedule, t: number): number {
  return t === 0 ? 1 : (t + s.offset) ** -s.decay;
}

const RESULT_FIELDS = ['centroids', 'means', 'weights', 'covariances', 'dispersion', 'inertia', 'logLikelihood', 'lowerBound'] as const;

function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = v as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) if (!allFinite(a[i])) return false;
  }
  return true;
}

/**
 * A one-pass fit of finite rows ends with finite parameters, or says why not: these fits are not
 * scale-aware (no core/scale.ts), so rows far from 1 in magnitude (squares beyond float64, or
 * float32 on 'cpu' and 'webgpu') overflow. A typed error instead of NaN centres.
 */
export function finiteResult<T extends object>(res: T, fn: string, backend: string): T {
  const rec = res as Record<string, unknown>;
  for (const f of RESULT_FIELDS)
    if (f in rec && !allFinite(rec[f]))
      throw invalid(
        'NON_FINITE',
        `${fn}: the fit's ${f} overflowed to non-finite values on the '${backend}' backend: the rows are too large in magnitude for a one-pass fit. Rescale the data (e.g. divide by a constant or standardise) and fit again.`,
      );
  return res;
}
