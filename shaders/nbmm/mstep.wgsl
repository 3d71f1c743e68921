// The negative-binomial M-step on the device (the float32 twin of src/nbmm/mstep.ts, per-gene or
// fixed dispersion): from the E-step's statistics where they already lie in GPU memory, the new
// means μ_cg (K×D) and dispersions φ_g (D), so the host reads back O(K·D), not the D×K×(J+1)
// per-gene statistics. One thread owns one gene g and does, in mstep.ts's order:
//   μ_cg for every component not empty (N_c ≥ EMPTY_MASS): the weighted mean X/S (floored), with
//     MLE the maximiser of Q_cg by Newton in log μ from it; taken only where the gain
//     ΔQ_cg = X·log1p(Δ/μ0) − Σ_l c_l·log1p(s_l·Δ/(r + s_l·μ0)), c_l = r·W_cl + V_cgl, is ≥ 0,
//     the step Δ halved otherwise (HALVINGS times, else μ stays). The gain is written as a
//     difference so that float32 resolves it: Q_cg itself is as large as X·|log μ|;
//   φ_g (PER_GENE) at the new means: safeguarded Newton in θ = log r on Q_g, each step halved
//     until Q_g does not decrease, θ bounded to [log(1/PHI_MAX), log(1/PHI_MIN)]. Q_g is taken
//     up to the r-free Σ W·s_l·μ, i.e. Q̃_g(r) = H_g(r) − Σ_cl [W·r·log1pmx(u) + V·log1p(u)],
//     u = s_l·μ/r, so in the Poisson limit (r → ∞, where Q_g is flat) its terms stay small and
//     their float32 comparison meaningful; H_g from the gene's count histogram (running sums up to
//     SMALL_COUNT, common/polygamma lrising3_f32 above).
// The host keeps the guarantee that the log-likelihood does not fall: it checks each iteration's
// log-likelihood and redoes in float64 an M-step whose float32 result lowered it (nbmm/device-mstep.ts).
//
// Bindings: 0 rows: K×(J+2)+1 f32 [W_c0..W_c,J−1, N_c, S_c]…, log-lik (the reduced row statistics) ·
// 1 genes: D×K×(J+1) f32 [V_cg0..V_cg,J−1, X_cg] · 2 hptr: D+1 u32 · 3 hist: 2·H f32 (value,
// multiplicity) of the genes' distinct positive counts, ascending per gene · 4 cur: K·D + D + J f32,
// the current means, φ and the grid nodes s_l · 5 out: K·D + D f32 (write), the new means and φ.
// Dispatch: one thread per gene, ceil(D / WG) workgroups over (x, y).
// Workgroup memory: none.
// Tiling: none; a thread reads its gene's K·(J+1) statistics and histogram from storage and the
// K·(J+2) row statistics (shared by all threads, cached). Bytes per gene: 4·K·(J+1) + 8·(distinct
// counts) + 4·K·(J+2) read, 4·(K + 1) written; no data rows.
// Composed with common/grid, common/kahan, common/lgamma, common/polygamma (defined in
// src/backends/webgpu/nbmm-kernels.ts, set up by nbmm-mstep.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;
override MLE: u32 = 1u;
override PER_GENE: u32 = 1u;
override MU_FLOOR: f32;
override EMPTY_MASS: f32;
override PHI_MIN: f32;
override PHI_MAX: f32;
override HALVINGS: u32;
override NEWTON_STEPS: u32;
override SMALL_COUNT: f32;

const MAX_LOG_STEP: f32 = 2.0;

@group(0) @binding(0) var<storage, read> rows: array<f32>;
@group(0) @binding(1) var<storage, read> genes: array<f32>;
@group(0) @binding(2) var<storage, read> hptr: array<u32>;
@group(0) @binding(3) var<storage, read> hist: array<f32>;
@group(0) @binding(4) var<storage, read> cur: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

fn node(l: u32) -> f32 { return cur[K * D + D + l]; }

// ΔQ_cg from μ0 to μ1 = μ0 + dm at r (mstep.ts qMean, as a difference): log(μ1/μ0) as log1p(dm/μ0)
// for small steps, as a difference of logs for large ones (μ0 + dm itself may round to 0).
fn mean_gain(c: u32, g: u32, mu0: f32, mu1: f32, dm: f32, r: f32) -> f32 {
  let wOff = c * (J + 2u);
  let vOff = (g * K + c) * (J + 1u);
  let X = genes[vOff + J];
  var q = 0.0;
  if (X > 0.0) { q = X * select(ln_f32(mu1) - ln_f32(mu0), log1p_f32(dm / mu0), abs(dm) < 0.25 * mu0); }
  for (var l = 0u; l < J; l++) {
    let s = node(l);
    q -= (r * rows[wOff + l] + genes[vOff + l]) * log1p_f32(s * dm / (r + s * mu0));
  }
  return q;
}

// argmax of Q_cg over μ ≥ MU_FLOOR by Newton in log μ from `start` (mstep.ts meanMle).
fn mean_mle(c: u32, g: u32, r: f32, start: f32) -> f32 {
  let wOff = c * (J + 2u);
  let vOff = (g * K + c) * (J + 1u);
  let X = genes[vOff + J];
  let lo = ln_f32(MU_FLOOR);
  var th = max(lo, ln_f32(start));
  for (var it = 0u; it < 50u; it++) {
    let mu = exp(th);
    var g1 = vec2f(X, 0.0);
    var g2 = 0.0;
    for (var l = 0u; l < J; l++) {
      let cl = r * rows[wOff + l] + genes[vOff + l];
      let a = node(l) * mu;
      let f = a / (r + a);
      kahan_add(&g1, -cl * f);
      g2 -= cl * f * (r / (r + a));
    }
    if (!(g2 < 0.0)) { break; }
    let next = max(lo, th + clamp(-g1.x / g2, -2.0, 2.0));
    let step = next - th;
    th = next;
    if (abs(step) < 1e-5) { break; }
  }
  return exp(th);
}

// (Q̃_g, dQ/dr, d²Q/dr²) at r with the new means (mstep.ts qGene, up to the r-free Σ W·s·μ).
fn q_gene(g: u32, r: f32) -> vec3f {
  var q = vec2f(0.0);
  var q1 = vec2f(0.0);
  var q2 = 0.0;
  for (var c = 0u; c < K; c++) {
    let mu = out[c * D + g];
    let wOff = c * (J + 2u);
    let vOff = (g * K + c) * (J + 1u);
    for (var l = 0u; l < J; l++) {
      let u = node(l) * mu / r;
      let W = rows[wOff + l];
      let V = genes[vOff + l];
      let f = u / (1.0 + u);
      let lp = log1p_parts_f32(u);
      kahan_add(&q, -(W * r * lp.y + V * lp.x));
      kahan_add(&q1, V * f / r - W * lp.z);
      q2 += W * f * f / r - V * f * ((2.0 + u) / (1.0 + u)) / (r * r);
    }
  }
  // H_g(r) = Σ_v mult(v)·D(v, r).
  var j = 1.0;
  var d = vec3f(0.0);
  for (var t = hptr[g]; t < hptr[g + 1u]; t++) {
    let v = hist[2u * t];
    let m = hist[2u * t + 1u];
    var dv = vec3f(0.0);
    if (v <= SMALL_COUNT) {
      for (; j < v; j += 1.0) {
        let qj = r + j;
        d += vec3f(log1p_f32(j / r), -j / (r * qj), (j / (r * qj)) * ((2.0 * r + j) / (r * qj)));
      }
      dv = d;
    } else {
      dv = lrising3_f32(v, r);
    }
    kahan_add(&q, m * dv.x);
    kahan_add(&q1, m * dv.y);
    q2 += m * dv.z;
  }
  return vec3f(q.x, q1.x, q2);
}

// φ_g: safeguarded Newton in θ = log r from r0 (mstep.ts newtonLogR).
fn dispersion(g: u32, r0: f32) -> f32 {
  let lo = ln_f32(1.0 / PHI_MAX);
  let hi = ln_f32(1.0 / PHI_MIN);
  var theta = clamp(ln_f32(r0), lo, hi);
  var r = exp(theta);
  var now = q_gene(g, r);
  for (var it = 0u; it < NEWTON_STEPS; it++) {
    let g1 = r * now.y;
    let g2 = r * r * now.z + g1;
    var step = select(sign(g1) * MAX_LOG_STEP, -g1 / g2, g2 < 0.0);
    if (!(abs(step) <= 3.4e38)) { break; }
    step = clamp(step, -MAX_LOG_STEP, MAX_LOG_STEP);
    step = clamp(theta + step, lo, hi) - theta;
    // A step whose predicted gain (≤ |g1·step|) is below float32's resolution of Q (4 ulps) cannot
    // be judged by comparing Q values: stop rather than halve on noise (up to HALVINGS evaluations).
    if (abs(step) < 1e-7 || abs(g1 * step) < 2.4e-7 * abs(now.x)) { break; }
    var accepted = false;
    var trial = now;
    for (var h = 0u; h <= HALVINGS; h++) {
      trial = q_gene(g, exp(theta + step));
      if (trial.x >= now.x) {
        accepted = true;
        break;
      }
      step = step * 0.5;
    }
    if (!accepted) { break; }
    theta += step;
    r = exp(theta);
    now = trial;
    if (abs(step) < 1e-7) { break; }
  }
  return clamp(1.0 / r, PHI_MIN, PHI_MAX);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wid, nwg) * WG + lid;
  if (g >= D) { return; }
  let phi0 = cur[K * D + g];
  let r = 1.0 / phi0;
  for (var c = 0u; c < K; c++) {
    let mu0 = cur[c * D + g];
    out[c * D + g] = mu0;
    let N = rows[c * (J + 2u) + J];
    if (!(N >= EMPTY_MASS)) { continue; }
    let S = rows[c * (J + 2u) + J + 1u];
    let X = genes[(g * K + c) * (J + 1u) + J];
    var cand = max(X / S, MU_FLOOR);
    if (!(abs(cand) <= 3.4e38)) { continue; }
    if (MLE == 1u) {
      if (X > 0.0) { cand = mean_mle(c, g, r, cand); } else { cand = MU_FLOOR; }
    }
    if (cand == mu0) { continue; }
    var t = 1.0;
    for (var h = 0u; h <= HALVINGS; h++) {
      let dm = t * (cand - mu0);
      // The full step lands on cand itself (μ0 + (cand − μ0) can round to 0 in float32).
      let mu1 = select(max(mu0 + dm, MU_FLOOR), cand, h == 0u);
      if (mean_gain(c, g, mu0, mu1, dm, r) >= 0.0) {
        out[c * D + g] = mu1;
        break;
      }
      t = t * 0.5;
    }
  }
  var phi = phi0;
  if (PER_GENE == 1u) { phi = dispersion(g, r); }
  out[K * D + g] = phi;
}
