// The negative-binomial M-step on the device (the float32 twin of src/nbmm/mstep.ts, every
// dispersion mode; the WebGPU default): from the E-step's statistics where they already lie in GPU memory, the new
// means μ_cg (K×D) and dispersions φ_g (D), so the host reads back O(K·D), not the D×K×(J+1)
// per-gene statistics. Entry `main`: one thread owns one gene g and does, in mstep.ts's order:
//   μ_cg for every component not empty (N_c ≥ EMPTY_MASS): the weighted mean X/S (floored), with
//     MLE the maximiser of Q_cg by Newton in log μ from it; taken only where the gain
//     ΔQ_cg = X·log1p(Δ/μ0) − Σ_l c_l·log1p(s_l·Δ/(r + s_l·μ0)), c_l = r·W_cl + V_cgl, is ≥ 0,
//     the step Δ halved otherwise (HALVINGS times, else μ stays). The gain is written as a
//     difference so that float32 resolves it: Q_cg itself is as large as X·|log μ|;
//   φ_g (PER_GENE) at the new means: safeguarded Newton in θ = log r on Q_g, each step halved
//     until Q_g does not decrease, θ bounded to [log(1/PHI_MAX), log(1/PHI_MIN)]; a step whose
//     gain float32 cannot resolve is taken on the gradient (newton_plan). Q_g is taken
//     up to the r-free Σ W·s_l·μ, i.e. Q̃_g(r) = H_g(r) − Σ_cl [W·r·log1pmx(u) + V·log1p(u)],
//     u = s_l·μ/r, so in the Poisson limit (r → ∞, where Q_g is flat) its terms stay small and
//     their float32 comparison meaningful; H_g from the gene's count histogram (running sums up to
//     SMALL_COUNT, common/polygamma lrising3_f32 above).
// Entry `shared_phi` (a shared φ, dispatched after `main`): the same Newton on Σ_g Q_g, one
// workgroup (see there). A fixed φ is left as it is, and the host keeps its float64 value.
// The host keeps the guarantee that the log-likelihood does not fall: it checks each iteration's
// log-likelihood and redoes in float64 an M-step whose float32 result lowered it (nbmm/device-mstep.ts).
//
// Bindings: 0 rows: K×(J+2)+1 f32 [W_c0..W_c,J−1, N_c, S_c]…, log-lik (the reduced row statistics) ·
// 1 genes: D×K×(J+1) f32 [V_cg0..V_cg,J−1, X_cg] · 2 hptr: D+1 u32 · 3 hist: 2·H f32 (value,
// multiplicity) of the genes' distinct positive counts, ascending per gene · 4 cur: K·D + D + J f32,
// the current means, φ and the grid nodes s_l · 5 out: K·D + D f32 (write), the new means and φ.
// Dispatch: `main` one thread per gene, ceil(D / WG) workgroups over (x, y) (WG 64); `shared_phi`
// one workgroup of WG threads (its pipeline sets WG 256).
// Workgroup memory: none in `main`; `shared_phi` common/workgroup_sum4's WG vec4f.
// Tiling: none; a thread reads its gene's K·(J+1) statistics and histogram from storage and the
// K·(J+2) row statistics (shared by all threads, cached). Bytes per gene: 4·K·(J+1) + 8·(distinct
// counts) + 4·K·(J+2) read, 4·(K + 1) written; no data rows.
// Composed with common/grid, common/kahan, common/workgroup_sum, common/lgamma, common/polygamma (defined in
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
    var mag = X;
    for (var l = 0u; l < J; l++) {
      let cl = r * rows[wOff + l] + genes[vOff + l];
      let a = node(l) * mu;
      let f = a / (r + a);
      kahan_add(&g1, -cl * f);
      mag += abs(cl * f);
      g2 -= cl * f * (r / (r + a));
    }
    if (!(g2 < 0.0)) { break; }
    // The host stops below 1e-12. In float32 the score is known to a few ε of its terms' magnitude;
    // once it is that small, further steps only hop θ between neighbouring floats on noise.
    if (abs(g1.x) <= 2.4e-7 * mag) { break; }
    let next = max(lo, th + clamp(-g1.x / g2, -2.0, 2.0));
    // float32 θ resolves ~1e-7·|θ|: a step it cannot take ends it.
    if (next == th) { break; }
    let step = next - th;
    th = next;
    if (abs(step) < 1e-7) { break; }
  }
  return exp(th);
}

// (Q̃_g, dQ/dr, d²Q/dr², Σ|terms of Q̃_g|) at r with the new means (mstep.ts qGene, up to the
// r-free Σ W·s·μ). The last is what Q̃_g's float32 round-off scales with: its terms cancel, so
// Q̃_g can be far smaller than they are.
fn q_gene(g: u32, r: f32) -> vec4f {
  var q = vec2f(0.0);
  var mag = 0.0;
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
      let term = W * r * lp.y + V * lp.x;
      kahan_add(&q, -term);
      mag += abs(term);
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
    mag += abs(m * dv.x);
    kahan_add(&q1, m * dv.y);
    q2 += m * dv.z;
  }
  return vec4f(q.x, q1.x, q2, mag);
}

// The safeguarded Newton in θ = log r of mstep.ts newtonLogR, as a state machine fed one Q
// evaluation at a time, so that the per-gene entry (Q_g, one thread) and the shared one (Σ_g Q_g
// over a workgroup) run the same steps: newton_point says where to evaluate next, newton_feed
// takes (Q, dQ/dr, d²Q/dr², Σ|terms of Q|) there and says whether to go on. Phases: 0 evaluate at
// θ, 1 evaluate the trial θ + step, 2 done. Each step is halved until Q does not decrease (HALVINGS times).
struct Newton {
  theta: f32,
  step: f32,
  now: vec4f,
  it: u32,
  h: u32,
  phase: u32,
}

fn newton_lo() -> f32 { return ln_f32(1.0 / PHI_MAX); }
fn newton_hi() -> f32 { return ln_f32(1.0 / PHI_MIN); }

fn newton_start(r0: f32) -> Newton {
  return Newton(clamp(ln_f32(r0), newton_lo(), newton_hi()), 0.0, vec4f(0.0), 0u, 0u, 0u);
}

fn newton_point(st: Newton) -> f32 {
  return exp(st.theta + select(0.0, st.step, st.phase == 1u));
}

fn newton_phi(st: Newton) -> f32 {
  return clamp(1.0 / exp(st.theta), PHI_MIN, PHI_MAX);
}

// The next step from st.now at st.theta.
fn newton_plan(st: ptr<function, Newton>) {
  (*st).phase = 2u;
  if ((*st).it >= NEWTON_STEPS) { return; }
  let theta = (*st).theta;
  let now = (*st).now;
  let r = exp(theta);
  let g1 = r * now.y;
  let g2 = r * r * now.z + g1;
  var step = select(sign(g1) * MAX_LOG_STEP, -g1 / g2, g2 < 0.0);
  if (!(abs(step) <= 3.4e38)) { return; }
  step = clamp(step, -MAX_LOG_STEP, MAX_LOG_STEP);
  step = clamp(theta + step, newton_lo(), newton_hi()) - theta;
  if (theta + step == theta) { return; }
  // A Newton step whose predicted gain (|g1·step|/2) is below float32's resolution of Q (2ε,
  // ε = 2⁻²⁴, of the sum of its terms' magnitudes) cannot be judged by comparing Q values. There Q is locally quadratic and concave (g2 < 0), and
  // the float64 host, whose comparison resolves it, takes the full step; so it is taken unjudged.
  // The gradient keeps its relative accuracy where Q's differences do not, so φ converges to
  // float32 precision instead of stopping √ε short (measured: 7.7e-4 relative from 3 decades away).
  if (g2 < 0.0 && 0.5 * abs(g1 * step) < 1.2e-7 * now.w) {
    (*st).theta = theta + step;
    (*st).it += 1u;
    if (abs(step) >= 1e-7) { (*st).phase = 0u; }
    return;
  }
  (*st).step = step;
  (*st).h = 0u;
  (*st).phase = 1u;
}

// Feed Q at newton_point(st); false once done.
fn newton_feed(st: ptr<function, Newton>, v: vec4f) -> bool {
  if ((*st).phase == 0u) {
    (*st).now = v;
    newton_plan(st);
  } else if (v.x >= (*st).now.x) {
    let step = (*st).step;
    (*st).theta += step;
    (*st).now = v;
    (*st).it += 1u;
    (*st).phase = 2u;
    if (abs(step) >= 1e-7) { newton_plan(st); }
  } else {
    (*st).step *= 0.5;
    (*st).h += 1u;
    if ((*st).h > HALVINGS) { (*st).phase = 2u; }
  }
  return (*st).phase != 2u;
}

// φ_g: the Newton from r0 on Q_g.
fn dispersion(g: u32, r0: f32) -> f32 {
  var st = newton_start(r0);
  loop {
    if (!newton_feed(&st, q_gene(g, newton_point(st)))) { break; }
  }
  return newton_phi(st);
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

// A shared φ (dispersion 'shared'; dispatched after main, which wrote the new means and left φ):
// one workgroup (WG = 256 in this entry's pipeline) runs the same Newton on Σ_g Q_g at those
// means. Each thread sums the genes lid, lid + WG, …; common/workgroup_sum4's fixed tree adds the
// threads' sums, so the total, and every decision taken on it, is the same on each thread and in
// every run. Dispatch: exactly one workgroup. Per evaluation: D·K·J terms, D/WG genes per thread.
fn q_total(r: f32, lid: u32) -> vec4f {
  // Compensated over a thread's genes (Q and its gradient; the curvature and magnitude need no more).
  var q = vec2f(0.0);
  var q1 = vec2f(0.0);
  var rest = vec2f(0.0);
  for (var g = lid; g < D; g += WG) {
    let v = q_gene(g, r);
    kahan_add(&q, v.x);
    kahan_add(&q1, v.y);
    rest += v.zw;
  }
  return workgroup_sum4(lid, vec4f(q.x, q1.x, rest));
}

@compute @workgroup_size(WG)
fn shared_phi(@builtin(local_invocation_index) lid: u32) {
  var st = newton_start(1.0 / cur[K * D]);
  loop {
    if (!newton_feed(&st, q_total(newton_point(st), lid))) { break; }
  }
  let phi = newton_phi(st);
  for (var g = lid; g < D; g += WG) { out[K * D + g] = phi; }
}
