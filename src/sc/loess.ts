/**
 * Loess (local polynomial regression), one predictor: the netlib/R algorithm that scikit-misc (and
 * so scanpy's seurat_v3 HVG flavour) calls: the k nearest neighbours (k = ⌊n·span⌋), tricube
 * weights, a local quadratic by QR with the SVD pseudo-inverse, and by default (surface
 * 'interpolate') local fits only at the vertices of a k-d tree (cells of at most ⌊n·span·0.2⌋
 * points) blended by cubic Hermite interpolation of values and slopes; 'direct' fits at every point.
 */
import { invalid } from '../errors.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';

export interface LoessOptions {
  /** Fraction of points in each local fit, 0 < span ≤ 1 (default 0.3). */
  span?: number;
  /** Local polynomial degree: 0, 1 or 2 (default 2). */
  degree?: 0 | 1 | 2;
  /** 'interpolate' (default, as R and scikit-misc) or 'direct'. */
  surface?: 'interpolate' | 'direct';
  /** k-d tree cell size as a fraction of the span (default 0.2). */
  cell?: number;
}

const EPS = 2 ** -52;

/**
 * Weighted least squares of one neighbourhood: minimise Σ w_i (y_i − Σ_j β_j (x_i − q)^j)².
 * As netlib's ehg127: columns scaled to unit norm, QR, SVD of R with a pseudo-inverse cutting
 * singular values below 100·ε·σ_max. Returns [β_0, β_1] (value and slope at q).
 */
function localFit(xs: Float64Array, ys: Float64Array, lo: number, hi: number, q: number, rho: number, degree: number): [number, number] {
  const m = hi - lo;
  const k = degree + 1;
  // Design rows √w·[1, (x−q), (x−q)²] and right-hand side √w·y.
  const b = new Float64Array(m * k);
  const eta = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const dx = xs[lo + i] - q;
    const r = Math.sqrt((dx * dx) / rho);
    const w = Math.sqrt(Math.max(0, (1 - r * r * r) ** 3));
    let p = w;
    for (let j = 0; j < k; j++) {
      b[i * k + j] = p;
      p *= dx;
    }
    eta[i] = w * ys[lo + i];
  }
  const colnorm = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += b[i * k + j] ** 2;
    s = Math.sqrt(s);
    colnorm[j] = s > 0 ? s : 1;
    for (let i = 0; i < m; i++) b[i * k + j] /= colnorm[j];
  }
  // Householder QR in place; apply the reflections to eta.
  const r = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += b[i * k + j] ** 2;
    norm = Math.sqrt(norm);
    if (norm > 0) {
      const alpha = b[j * k + j] > 0 ? -norm : norm;
      const v = new Float64Array(m - j);
      v[0] = b[j * k + j] - alpha;
      for (let i = j + 1; i < m; i++) v[i - j] = b[i * k + j];
      let vn = 0;
      for (let i = 0; i < v.length; i++) vn += v[i] * v[i];
      if (vn > 0) {
        for (let c = j; c < k; c++) {
          let dot = 0;
          for (let i = j; i < m; i++) dot += v[i - j] * b[i * k + c];
          const f = (2 * dot) / vn;
          for (let i = j; i < m; i++) b[i * k + c] -= f * v[i - j];
        }
        let dot = 0;
        for (let i = j; i < m; i++) dot += v[i - j] * eta[i];
        const f = (2 * dot) / vn;
        for (let i = j; i < m; i++) eta[i] -= f * v[i - j];
      }
    }
    for (let c = j; c < k; c++) r[j * k + c] = b[j * k + c];
  }
  // SVD of the k × k upper-triangular R by one-sided Jacobi: R = U Σ Vᵀ.
  const u = Float64Array.from(r);
  const vmat = new Float64Array(k * k);
  for (let i = 0; i < k; i++) vmat[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < k; p++) {
      for (let s = p + 1; s < k; s++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < k; i++) {
          alpha += u[i * k + p] ** 2;
          beta += u[i * k + s] ** 2;
          gamma += u[i * k + p] * u[i * k + s];
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let i = 0; i < k; i++) {
          const up = u[i * k + p];
          const us = u[i * k + s];
          u[i * k + p] = c * up - sn * us;
          u[i * k + s] = sn * up + c * us;
          const vp = vmat[i * k + p];
          const vs = vmat[i * k + s];
          vmat[i * k + p] = c * vp - sn * vs;
          vmat[i * k + s] = sn * vp + c * vs;
        }
      }
    }
    if (!rotated) break;
  }
  const sigma = new Float64Array(k);
  let smax = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += u[i * k + j] ** 2;
    sigma[j] = Math.sqrt(s);
    smax = Math.max(smax, sigma[j]);
  }
  const tol = smax * 100 * EPS;
  // β = V Σ⁺ Uᵀ (Qᵀη)[0:k], then undo the column scaling.
  const gam = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    if (sigma[j] <= tol) continue;
    let dot = 0;
    for (let i = 0; i < k; i++) dot += (u[i * k + j] / sigma[j]) * eta[i];
    gam[j] = dot / sigma[j];
  }
  const beta = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += vmat[i * k + j] * gam[j];
    beta[i] = s / colnorm[i];
  }
  return [beta[0], k > 1 ? beta[1] : 0];
}

/** The fit at q from the nf nearest points of the sorted xs (ties at the boundary get weight 0 anyway). */
function fitAt(xs: Float64Array, ys: Float64Array, q: number, nf: number, degree: number): [number, number] {
  const n = xs.length;
  // First index with xs[i] >= q.
  let a = 0;
  let b = n;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (xs[mid] < q) a = mid + 1;
    else b = mid;
  }
  let lo = a;
  let hi = a; // window [lo, hi)
  let far = 0;
  while (hi - lo < nf) {
    const dl = lo > 0 ? q - xs[lo - 1] : Infinity;
    const dr = hi < n ? xs[hi] - q : Infinity;
    if (dl <= dr) {
      lo--;
      far = dl;
    } else {
      hi++;
      far = dr;
    }
  }
  const rho = far * far;
  if (!(rho > 0)) {
    throw invalid(
      'BAD_OPTION',
      `loess: all ${nf} nearest points of x = ${q} coincide (span too small for the ties in x). Use a larger span.`,
    );
  }
  // Points at exactly the boundary distance beyond the window have weight 0: omitted.
  return localFit(xs, ys, lo, hi, q, rho, degree);
}

/** 1 when max |v| is within 2^±256 (or 0), else the power of two nearest above it. */
function powerScale(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  if (m === 0 || (m >= 2 ** -256 && m <= 2 ** 256)) return 1;
  return 2 ** Math.ceil(Math.log2(m));
}

const LOESS_OPTIONS = optionNames<LoessOptions>({ span: true, degree: true, surface: true, cell: true });

/** Fitted values of a loess regression of y on x (one predictor), as R's loess(y ~ x, ...). */
export function loess(x: ArrayLike<number>, y: ArrayLike<number>, options: LoessOptions = {}): Float64Array {
  checkOptionNames(options, LOESS_OPTIONS, 'loess');
  for (const [name, v] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<number>).length !== 'number')
      throw invalid(
        'BAD_OPTION',
        `loess: ${name} is ${v === null ? 'null' : typeof v}, not an array of numbers. Pass one number per point.`,
      );
  }
  const n = x.length;
  if (y.length !== n) throw invalid('SHAPE_MISMATCH', `loess: x has ${n} values but y has ${y.length}.`);
  const span = options.span ?? 0.3;
  const degree = options.degree ?? 2;
  const surface = options.surface ?? 'interpolate';
  const cell = options.cell ?? 0.2;
  if (!(typeof span === 'number' && span > 0 && span <= 1)) throw invalid('BAD_OPTION', `loess span=${String(span)} must be in (0, 1].`);
  if (!(typeof cell === 'number' && cell > 0 && cell <= 1))
    throw invalid(
      'BAD_OPTION',
      `loess cell=${String(cell)} must be in (0, 1] (the k-d tree cell size as a fraction of the span; default 0.2).`,
    );
  if (degree !== 0 && degree !== 1 && degree !== 2) throw invalid('BAD_OPTION', `loess degree=${String(degree)} must be 0, 1 or 2.`);
  const nf = Math.min(n, Math.floor(n * span));
  if (nf < degree + 2) {
    throw invalid(
      'BAD_OPTION',
      `loess: span=${span} gives ${nf} points per local fit for ${n} points; a degree-${degree} fit needs at least ${degree + 2}. Use a larger span or more points.`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw invalid('NON_FINITE', `loess: non-finite value at point ${i}.`);
  }
  // Local polynomial fits are unchanged when x or y is divided by a constant (y's fit then scales with it); beyond
  // 2^±256 the fit's sums of squares and cubes would overflow or underflow, so such data are fitted divided by a
  // power of two (exact) and y mapped back. Ordinary data (the HVG mean–variance trend) are untouched.
  const sx = powerScale(x);
  const sy = powerScale(y);
  if (sx !== 1 || sy !== 1) {
    const fit = loess(
      Float64Array.from(x, (v) => v / sx),
      Float64Array.from(y, (v) => v / sy),
      options,
    );
    return fit.map((v) => v * sy);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  const xs = Float64Array.from(order, (i) => x[i]);
  const ys = Float64Array.from(order, (i) => y[i]);
  const fitted = new Float64Array(n);
  if (surface === 'direct') {
    for (let i = 0; i < n; i++) fitted[i] = fitAt(xs, ys, x[i], nf, degree)[0];
    return fitted;
  }
  if (surface !== 'interpolate') throw invalid('BAD_OPTION', `loess surface='${String(surface)}' must be 'interpolate' or 'direct'.`);
  // k-d tree on x (netlib ehg126/ehg124/ehg129 for one dimension). Bounding box widened by 0.5 %.
  const xmin = xs[0];
  const xmax = xs[n - 1];
  const margin = 0.005 * Math.max(xmax - xmin, 1e-10 * Math.max(Math.abs(xmin), Math.abs(xmax)) + 1e-30);
  const vertices: number[] = [xmin - margin, xmax + margin];
  const fc = Math.floor(n * (span * cell));
  const nvmax = Math.max(200, n);
  interface Cell {
    lo: number;
    hi: number;
    vlo: number;
    vhi: number;
    split: number;
    left: number;
    right: number;
  }
  // lo/hi: 1-based inclusive point ranges in sorted order, as in the Fortran.
  const cells: Cell[] = [{ lo: 1, hi: n, vlo: 0, vhi: 1, split: NaN, left: -1, right: -1 }];
  for (let p = 0; p < cells.length; p++) {
    const c = cells[p];
    const { lo: l, hi: u } = c;
    const diam = vertices[c.vhi] - vertices[c.vlo];
    let leaf = u - l + 1 <= fc || diam <= 0 || nvmax < cells.length + 2 || nvmax < vertices.length + 1;
    let m = Math.floor((l + u) / 2);
    if (!leaf) {
      // All ties go with the high son: move m to the nearest place where x changes.
      let offset = 0;
      while (m + offset < u && m + offset >= l) {
        if (xs[m + offset - 1] === xs[m + offset]) {
          offset = -offset;
          if (offset >= 0) offset++;
        } else {
          m += offset;
          break;
        }
      }
      const v = xs[m - 1];
      leaf = vertices[c.vlo] === v || vertices[c.vhi] === v;
    }
    if (leaf) continue;
    const split = xs[m - 1];
    let vi = vertices.indexOf(split);
    if (vi < 0) {
      vertices.push(split);
      vi = vertices.length - 1;
    }
    c.split = split;
    c.left = cells.length;
    cells.push({ lo: l, hi: m, vlo: c.vlo, vhi: vi, split: NaN, left: -1, right: -1 });
    c.right = cells.length;
    cells.push({ lo: m + 1, hi: u, vlo: vi, vhi: c.vhi, split: NaN, left: -1, right: -1 });
  }
  const vval = vertices.map((v) => fitAt(xs, ys, v, nf, degree));
  for (let i = 0; i < n; i++) {
    const z = x[i];
    let c = cells[0];
    while (c.left >= 0) c = z <= c.split ? cells[c.left] : cells[c.right];
    const v0 = vertices[c.vlo];
    const v1 = vertices[c.vhi];
    const h = (z - v0) / (v1 - v0);
    const phi0 = (1 - h) ** 2 * (1 + 2 * h);
    const phi1 = h ** 2 * (3 - 2 * h);
    const psi0 = h * (1 - h) ** 2;
    const psi1 = h ** 2 * (h - 1);
    const [g0, s0] = vval[c.vlo];
    const [g1, s1] = vval[c.vhi];
    fitted[i] = phi0 * g0 + phi1 * g1 + (psi0 * s0 + psi1 * s1) * (v1 - v0);
  }
  return fitted;
}
