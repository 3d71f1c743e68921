/**
 * The tolerance policy, written once and used by every test.
 *
 * Two kinds of comparison occur:
 *
 * 1. float64 against float64 (the CPU reference against hand-solved values and scikit-learn
 *    fixtures). Both sides do the same arithmetic in a different order, so only summation-order
 *    round-off separates them: relative 1e-9 on objectives and parameters (F64_RTOL); scikit-learn
 *    agreement uses the issue's 1e-4 relative on inertia only because sklearn centres the data
 *    and uses the ‖x‖²−2x·c+‖c‖² expansion (SKLEARN_RTOL), and we must accept its round-off.
 *
 *    For mixtures, sklearn computes diag/spherical variances with a one-pass formula
 *    (E[x²] − E[x]²) that cancels: on a collapsed component its variance is 1.0000000426e-6 where
 *    the exact value is 1e-6. Per-sample log-likelihoods (lower bounds) are therefore compared
 *    with sklearn to SKLEARN_LL_ATOL = 1e-7 absolute in float64, 1e-4 absolute in float32.
 *
 * 2. float32 GPU against the float64 reference. Every per-row quantity carries a relative error
 *    of about d·ε₃₂ (ε₃₂ = 2⁻²⁴ ≈ 6e-8) from the distance sum; partial sums are reduced
 *    deterministically (per segment, then a Kahan-compensated pass) and finished in float64 on
 *    the host, so errors average rather than grow with n. Hence:
 *      - objectives (inertia, soft objective, log-likelihood sums): relative F32_OBJ_RTOL = 2e-5;
 *      - parameters (centroid coordinates): |gpu − ref| ≤ F32_PARAM_ATOL·scale + F32_PARAM_RTOL·|ref|,
 *        where scale is the data's RMS column standard deviation (absolute errors of a mean are
 *        relative to the spread of what is averaged, not to the mean itself, which may be ~0);
 *      - probabilities (responsibilities): absolute F32_PROB_ATOL = 1e-4;
 *      - labels: identical up to a permutation of cluster ids. Test data are built without
 *        near-ties (well-separated blobs, or fixtures whose min relative distance gap is
 *        ≥ 1e-4 ≫ d·ε₃₂), so any label difference is a bug, not round-off.
 *
 * Monotone objectives (EM never makes the objective worse) are checked allowing a slack of
 * F32_OBJ_RTOL relative on the GPU and F64_RTOL on the CPU.
 *
 * 3. Random sampling (the synthetic-count samplers) against exact distributions. A sample
 *    statistic is compared with its exact expectation in units of its own standard error:
 *    |estimate − exact| ≤ SAMPLING_Z·SE with SAMPLING_Z = 5. Seeds are fixed, so the tests are
 *    deterministic (they cannot flake); 5 SE keeps a correct sampler safely inside for any seed
 *    (P ≈ 6e-7 per check) while a bias of a few per cent, at the sample sizes used, lies tens of
 *    SE out and fails.
 *
 * 4. Rasterised pictures (the demo's scatter: WebGPU against the CPU splat that draws the same
 *    picture). Both blend in 8 bits, rounding once per overlapping point, and decide coverage at
 *    pixel centres. A GPU snaps vertices to a subpixel grid first (SwiftShader: 1/16 px, the
 *    least Vulkan allows), which moves a point by up to 1/32 px and can shift it a whole pixel
 *    when its edge is that close to a pixel centre; so test points are placed on the 1/16-px grid,
 *    away from pixel-centre ties, where snapping changes nothing. Then: the mean absolute channel
 *    difference is at most RASTER_MEAN_ATOL = 0.5 levels (of 255), and at most
 *    RASTER_BAD_FRACTION = 0.5 % of pixels differ by more than RASTER_PIXEL_ATOL = 4 levels in
 *    any channel (float32 against float64 at steep soft edges). An isolated opaque point's centre
 *    pixel is exact.
 *
 * 5. Half-precision storage of the data (k-means' opt-in `precision: 'f16'` on WebGPU). Each
 *    stored value is the nearest f16 to the float32 one: relative error ≤ F16_STORAGE_RTOL = 2⁻¹¹
 *    (the fit first scales the data by a power of two so that no value that matters is
 *    subnormal; src/core/precision.ts). Arithmetic and accumulation stay float32 and read the
 *    rounded values exactly, so a pass on f16 storage has the bits of a pass on float32 storage
 *    of the rounded values (tested bit for bit). Against float64 on the unrounded data, with the
 *    same labels, a centroid coordinate (a mean of rounded values) is within
 *    F16_STORAGE_RTOL·max|x − x̄| of the reference, plus the float32 policy; a squared distance
 *    moves by at most 2‖x − c‖·E + E² with E = 2·F16_STORAGE_RTOL·max|x − x̄|·√d (row and
 *    centroid both moved), which the tests sum into the inertia's bound.
 */
import { expect } from 'vitest';

export const F64_RTOL = 1e-9;
export const SKLEARN_RTOL = 1e-4;
export const SKLEARN_LL_ATOL = 1e-7;
export const F32_OBJ_RTOL = 2e-5;
export const F32_PARAM_ATOL = 1e-4;
export const F32_PARAM_RTOL = 1e-5;
export const F32_PROB_ATOL = 1e-4;
export const SAMPLING_Z = 5;
export const RASTER_MEAN_ATOL = 0.5;
export const RASTER_PIXEL_ATOL = 4;
export const RASTER_BAD_FRACTION = 0.005;
export const F16_STORAGE_RTOL = 2 ** -11;

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
}

export function expectRelClose(actual: number, expected: number, rtol: number, what = 'value'): void {
  const r = relDiff(actual, expected);
  if (!(r <= rtol)) throw new Error(`${what}: ${actual} vs ${expected}, relative difference ${r.toExponential(3)} > ${rtol}`);
}

/** RMS of the column standard deviations of row-major data. */
export function dataScale(x: ArrayLike<number>, n: number, d: number): number {
  let total = 0;
  for (let f = 0; f < d; f++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i * d + f];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * d + f] - m) ** 2;
    total += v / n;
  }
  return Math.sqrt(total / d) || 1;
}

/** Parameters (rows) equal within the float32 policy, after mapping cluster ids by `perm` (ours → theirs). */
export function expectParamsClose(
  actual: number[][],
  expected: ArrayLike<ArrayLike<number>>,
  scale: number,
  perm?: number[],
  atol = F32_PARAM_ATOL,
  rtol = F32_PARAM_RTOL,
): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, j) => {
    const ref = expected[perm ? perm[j] : j];
    for (let f = 0; f < row.length; f++) {
      const bound = atol * scale + rtol * Math.abs(ref[f]);
      const diff = Math.abs(row[f] - ref[f]);
      if (!(diff <= bound))
        throw new Error(`parameter [${j}][${f}]: ${row[f]} vs ${ref[f]} (|diff| ${diff.toExponential(3)} > ${bound.toExponential(3)})`);
    }
  });
}

/**
 * The permutation mapping our labels to theirs if the two labellings are identical up to
 * renaming; throws (with the first disagreement) otherwise.
 */
export function permutationBetween(ours: ArrayLike<number>, theirs: ArrayLike<number>, k: number): number[] {
  expect(ours.length).toBe(theirs.length);
  const map = new Array<number>(k).fill(-1);
  const used = new Map<number, number>();
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = theirs[i];
    if (map[a] === -1) {
      if (used.has(b))
        throw new Error(`labels differ beyond renaming at sample ${i}: cluster ${a} vs ${b} (already matched to ${used.get(b)})`);
      map[a] = b;
      used.set(b, a);
    } else if (map[a] !== b) {
      throw new Error(`labels differ beyond renaming at sample ${i}: ours ${a} maps to ${map[a]}, theirs is ${b}`);
    }
  }
  return map;
}

/** Objective sequence never worse (lower is better) beyond the stated slack. */
export function expectNonIncreasing(values: number[], rtol: number): void {
  for (let t = 1; t < values.length; t++) {
    const slack = rtol * Math.abs(values[t - 1]);
    if (!(values[t] <= values[t - 1] + slack)) {
      throw new Error(`objective rose at step ${t + 1}: ${values[t - 1]} → ${values[t]} (slack ${slack.toExponential(3)})`);
    }
  }
}

/**
 * 5. UMAP layouts, float32 GPU against the float64 CPU twin (same schedule, same negative samples:
 *    src/umap/plan.ts). Coordinates start in [0, 10]; each epoch adds clipped forces (|·| ≤ 4α)
 *    whose float32 rounding is ~1e-6 of the coordinate, and each full-rate epoch amplifies a
 *    difference several-fold (SGD at learning rate 1 on UMAP's stiff short-range attraction:
 *    measured 5e-6, 3e-5, 8e-5, 1e-3, 3e-3 after 1…5 sampling epochs on 150 points). So after
 *    UMAP_PARITY_EPOCHS epochs (epoch 0 samples nothing: 3 sampling epochs) every coordinate
 *    agrees to UMAP_F32_ATOL absolute (1e-4 of the layout's span); later epochs diverge
 *    chaotically, as any two float orders of SGD do, and only layout quality is compared.
 */
export const UMAP_PARITY_EPOCHS = 4;
export const UMAP_F32_ATOL = 1e-3;

/**
 * NB mixture parameters under a different summation order (streamed or sharded fits with several
 * chunks against the in-memory fit): the M-step's dispersion Newton stops once |Δ log r| < 1e-7
 * (nbmm/mstep.ts newtonLogR) and accepts a step only if Q does not decrease, a test decided by
 * rounding near the optimum; statistics that differ by 1e-14 relative can stop it one step apart,
 * so φ (and the means that follow it) agree to about 1e-7 relative, not 1e-9. Log-likelihoods
 * still agree to F64_RTOL.
 */
export const NB_ORDER_PARAM_RTOL = 1e-6;

/**
 * The float32 device M-step of the NB mixture (the WebGPU default, shaders/nbmm/mstep.wgsl)
 * against the float64 host M-step from the same statistics, the kernel alone (whole fits are held
 * to the float32 policy above, like every GPU fit). What it maximises, Q_kg in μ and Q_g (or
 * Σ_g Q_g for a shared φ) in φ, it reaches within NB_DEVICE_Q_RTOL relative of the host's value
 * (float32 round-off of Q's terms; measured 2e-8). Its Newton steps whose gain float32 cannot
 * resolve are taken on the gradient, so a per-gene φ converges to ~5e-6 relative and is held to
 * the float32 parameter policy (F32_PARAM_ATOL absolute, for the Poisson limit φ → PHI_MIN where
 * Q_g is flat, + F32_PARAM_RTOL relative). A shared φ sums one gradient over genes whose own
 * gradients are large and cancel: measured 1.1e-4 relative, held to NB_DEVICE_MSTEP_RTOL. The
 * means of a near-Poisson gene are ill-conditioned in the statistics: rounding X_cg to float32
 * (the kernel's input; the host's is float64 here) moves the root of the score by
 * ε·X/|∂score/∂log μ|, measured 5e-5 on a component holding 0.17 cells of a gene counting 2e4;
 * means are held to NB_DEVICE_MSTEP_RTOL too.
 */
export const NB_DEVICE_Q_RTOL = 1e-7;
export const NB_DEVICE_MSTEP_RTOL = 2e-4;

/**
 * 6. Half-precision storage for the Gaussian mixture (`gaussianMixture(…, { precision: 'f16' })`).
 *    (a) Against float64 on the f16-rounded data (what the GPU holds, mapped back to the data's
 *    units) only float32 arithmetic differs, so section 2's float32 policy applies unchanged.
 *    (b) Against float64 on the data themselves. A stored value is f16(fl32(x/s − x̄/s)), s a power
 *    of two below 2⁻¹³·max|x| (src/core/precision.ts): the centring's float32 rounding (≤ 2⁻²⁴
 *    relative), then f16's (≤ 2⁻¹¹ relative while normal, ≤ 2⁻²⁵ absolute below 2⁻¹⁴). So in the
 *    data's units each value moves by |δ_ia| ≤ Δ_a = (2⁻¹¹ + 2⁻²³)·max_i|x_ia − x̄_a| + 2⁻³⁸·max|x|
 *    (f16FeatureBound). The tests' components are so far apart that every responsibility is 0 or 1
 *    within 1e-12 (checked on the reference), so both fits end on the same partition, and with
 *    regCovar 0 their parameters are that partition's sample moments. Per component, with
 *    y_i = x_i − μ, e_i = δ_i − δ̄ (Σ_i y_i = 0 removes δ̄ from the cross terms) and Cauchy–Schwarz:
 *      - means are means of perturbations: |Δμ_a| ≤ Δ_a;
 *      - covariances (tied: pooled over components): ΔΣ_ab = mean(y_a·δ_b + δ_a·y_b + e_a·e_b), so
 *        |ΔΣ_ab| ≤ Δ_b·√Σ_aa + Δ_a·√Σ_bb + Δ_a·Δ_b (diag: a = b); spherical, σ² = mean_a Σ_aa:
 *        |Δσ²| ≤ (2‖Δ‖·√(d·σ²) + ‖Δ‖²)/d (f16CovBound);
 *      - weights do not move (the same partition);
 *      - the log-likelihood: at fixed parameters a row's log p moves as its own component's −½‖y‖²,
 *        y = Uᵀ(x − μ) (the others hold e⁻¹⁰⁰ of the weight), by at most ‖y‖·t + t²/2, where
 *        t = ‖Uᵀδ‖ ≤ √(Σ_j (Σ_a |U_aj|·Δ_a)²); each fit maximises its own data's likelihood over the
 *        parameters (for that partition), so ℓ*(x + δ) − ℓ*(x) lies between the changes at the two
 *        fits' parameters: |Δℓ| ≤ max over both fits of Σ_i (‖y_i‖·t + t²/2) (f16LoglikBound).
 *    Each bound adds the float32 policy for the GPU's own arithmetic. The bounds are worst cases
 *    (every rounding error aligned), so far from tight: they catch a wrong scale or a misread value.
 */
export function f16FeatureBound(x: ArrayLike<number>, n: number, d: number): Float64Array {
  let big = 0;
  for (let t = 0; t < n * d; t++) big = Math.max(big, Math.abs(x[t]));
  return Float64Array.from({ length: d }, (_, a) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * d + a] / n;
    let dev = 0;
    for (let i = 0; i < n; i++) dev = Math.max(dev, Math.abs(x[i * d + a] - mean));
    return (2 ** -11 + 2 ** -23) * dev + 2 ** -38 * big;
  });
}

/** Section 6's bound on |ΔΣ_ab| for a component (or the tied) covariance `cov` (d×d) of the reference. */
export function f16CovBound(spherical: boolean, delta: ArrayLike<number>, cov: number[][], a: number, b: number): number {
  if (spherical) {
    const d = delta.length;
    let norm2 = 0;
    for (let f = 0; f < d; f++) norm2 += delta[f] ** 2;
    return (2 * Math.sqrt(norm2 * d * cov[0][0]) + norm2) / d;
  }
  return delta[b] * Math.sqrt(cov[a][a]) + delta[a] * Math.sqrt(cov[b][b]) + delta[a] * delta[b];
}

/**
 * Section 6's log-likelihood bound Σ_i (‖y_i‖·t_c + t_c²/2) at one fit's parameters: `labels`
 * (the partition), `means` and `U` (per component the d×d upper-triangular precision factor,
 * y_j = Σ_a (x_a − μ_a)·U_aj).
 */
export function f16LoglikBound(
  x: ArrayLike<number>,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  means: number[][],
  U: number[][][],
  delta: ArrayLike<number>,
): number {
  const t = U.map((u) => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      let col = 0;
      for (let a = 0; a < d; a++) col += Math.abs(u[a][j]) * delta[a];
      s += col * col;
    }
    return Math.sqrt(s);
  });
  let bound = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    let y2 = 0;
    for (let j = 0; j < d; j++) {
      let y = 0;
      for (let a = 0; a < d; a++) y += (x[i * d + a] - means[c][a]) * U[c][a][j];
      y2 += y * y;
    }
    bound += Math.sqrt(y2) * t[c] + (t[c] * t[c]) / 2;
  }
  return bound;
}
