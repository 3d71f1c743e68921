// Single-cell preprocessing over a cell-major CSR matrix (rows = cells) and the PCA's dense
// products. CSR: indptr u32 (n + 1), indices u32 (nnz), values f32 (nnz). Every per-cell quantity
// is written per row; sums over cells (per gene, or the Gram product) go to the block's own f64
// partials at `part`, which the host reduces in block order, so any thread count gives the same
// bits. Arithmetic is f64 (values promoted exactly from f32), as the float64 reference does it.

/** Per cell: Σ x, #(x > 0), Σ x over genes with mask[g] ≠ 0 (mask u8 per gene); f64 outputs. */
export function scRowQc(
  r0: i32,
  r1: i32,
  part: usize,
  indptr: usize,
  indices: usize,
  values: usize,
  mask: usize,
  total: usize,
  detected: usize,
  masked: usize,
): void {
  for (let i = r0; i < r1; i++) {
    const p0 = load<u32>(indptr + (<usize>i << 2));
    const p1 = load<u32>(indptr + (<usize>(i + 1) << 2));
    let t: f64 = 0;
    let m: f64 = 0;
    let det: f64 = 0;
    for (let p = p0; p < p1; p++) {
      const x = <f64>load<f32>(values + (<usize>p << 2));
      t += x;
      if (x > 0) det += 1;
      if (load<u8>(mask + <usize>load<u32>(indices + (<usize>p << 2)))) m += x;
    }
    const o = <usize>i << 3;
    store<f64>(total + o, t);
    store<f64>(detected + o, det);
    store<f64>(masked + o, m);
  }
}

/** Per cell: total t (f64), then out[p] = f32(y or log1p(y)), y = x / (t = 0 ? 1 : t / targetSum). */
export function scNormalize(
  r0: i32,
  r1: i32,
  part: usize,
  indptr: usize,
  values: usize,
  targetSum: f64,
  log1p: i32,
  out: usize,
  totals: usize,
): void {
  for (let i = r0; i < r1; i++) {
    const p0 = load<u32>(indptr + (<usize>i << 2));
    const p1 = load<u32>(indptr + (<usize>(i + 1) << 2));
    let t: f64 = 0;
    for (let p = p0; p < p1; p++) t += <f64>load<f32>(values + (<usize>p << 2));
    store<f64>(totals + (<usize>i << 3), t);
    const div: f64 = t == 0 ? 1 : t / targetSum;
    for (let p = p0; p < p1; p++) {
      const o = <usize>p << 2;
      const y = <f64>load<f32>(values + o) / div;
      store<f32>(out + o, <f32>(log1p ? Math.log1p(y) : y));
    }
  }
}

/**
 * Per-gene sums over the stored entries of rows [r0, r1), into the block's partials at `part`:
 * [positive (d), s1 (d), s2 (d)] f64. transform 0: x, 1: expm1(x), 2: clamp((x − centre_g)/divisor_g,
 * ±maxValue); then the optional clip (t > clip_g → clip_g) and shift (t − shift_g); 0 addresses
 * skip clip and shift.
 */
export function scGeneSums(
  r0: i32,
  r1: i32,
  part: usize,
  indptr: usize,
  indices: usize,
  values: usize,
  d: i32,
  transform: i32,
  shift: usize,
  clip: usize,
  centre: usize,
  divisor: usize,
  maxValue: f64,
): void {
  memory.fill(part, 0, (<usize>d * 3) << 3);
  const pos = part;
  const s1 = part + (<usize>d << 3);
  const s2 = s1 + (<usize>d << 3);
  const p0 = load<u32>(indptr + (<usize>r0 << 2));
  const p1 = load<u32>(indptr + (<usize>r1 << 2));
  for (let p = p0; p < p1; p++) {
    const go = <usize>load<u32>(indices + (<usize>p << 2)) << 3;
    const x = <f64>load<f32>(values + (<usize>p << 2));
    if (x > 0) store<f64>(pos + go, load<f64>(pos + go) + 1);
    let t = x;
    if (transform == 1) t = Math.expm1(x);
    else if (transform == 2) t = Math.min(Math.max((x - load<f64>(centre + go)) / load<f64>(divisor + go), -maxValue), maxValue);
    if (clip) {
      const c = load<f64>(clip + go);
      if (t > c) t = c;
    }
    if (shift) t -= load<f64>(shift + go);
    store<f64>(s1 + go, load<f64>(s1 + go) + t);
    store<f64>(s2 + go, load<f64>(s2 + go) + t * t);
  }
}

/**
 * The centred dense matrix of selected genes, f32 row-major n × G: each row starts as `base`
 * (f32 per column: clamp((0 − centre_c)/divisor_c) − mean_c, from the host), then every stored
 * entry of a selected gene (colmap[g] = c ≥ 0) becomes clamp((x − centre_c)/divisor_c) − mean_c.
 */
export function scDense(
  r0: i32,
  r1: i32,
  part: usize,
  indptr: usize,
  indices: usize,
  values: usize,
  colmap: usize,
  G: i32,
  base: usize,
  centre: usize,
  divisor: usize,
  maxValue: f64,
  mean: usize,
  out: usize,
): void {
  const rowBytes = <usize>G << 2;
  for (let i = r0; i < r1; i++) {
    const row = out + <usize>i * rowBytes;
    memory.copy(row, base, rowBytes);
    const p0 = load<u32>(indptr + (<usize>i << 2));
    const p1 = load<u32>(indptr + (<usize>(i + 1) << 2));
    for (let p = p0; p < p1; p++) {
      const c = load<i32>(colmap + (<usize>load<u32>(indices + (<usize>p << 2)) << 2));
      if (c < 0) continue;
      const co = <usize>c << 3;
      const x = <f64>load<f32>(values + (<usize>p << 2));
      const v = Math.min(Math.max((x - load<f64>(centre + co)) / load<f64>(divisor + co), -maxValue), maxValue);
      store<f32>(row + (<usize>c << 2), <f32>(v - load<f64>(mean + co)));
    }
  }
}

/** acc[a] += v · src[a] for a < l, f64 (two lanes at a time, then the tail). */
// @ts-ignore: decorator
@inline
function axpy(acc: usize, src: usize, v: f64, l: i32): void {
  const l2 = l & ~1;
  const vv = f64x2.splat(v);
  for (let a = 0; a < l2; a += 2) {
    const o = <usize>a << 3;
    v128.store(acc + o, f64x2.add(v128.load(acc + o), f64x2.mul(vv, v128.load(src + o))));
  }
  if (l & 1) {
    const o = <usize>l2 << 3;
    store<f64>(acc + o, load<f64>(acc + o) + v * load<f64>(src + o));
  }
}

/** Rows per tile of the PCA products: 8 rows × 2 lanes of accumulators stay in registers. */
const TILE: i32 = 8;

/** xs[f·8 + r] = splat(x[r, f]) (f64x2) for the 8 rows at `row0`: read once, used for every column pair. */
// @ts-ignore: decorator
@inline
function splatTile(row0: usize, g: i32, xs: usize): void {
  const gBytes = <usize>g << 2;
  for (let f = 0; f < g; f++) {
    const src = row0 + (<usize>f << 2);
    const dst = xs + (<usize>f << 7);
    for (let r = 0; r < TILE; r++) v128.store(dst + (<usize>r << 4), f64x2.splat(<f64>load<f32>(src + <usize>r * gBytes)));
  }
}

/**
 * Y = X_tile · Q for the 8 splatted rows in xs (Q g × l f64): Y row r at y + r·yStride. Each Y
 * element sums over f in ascending order from +0, as the one-row loop does, so the bits match it.
 */
function tileTimes(xs: usize, g: i32, q: usize, l: i32, y: usize, yStride: usize): void {
  const lBytes = <usize>l << 3;
  const l2 = l & ~1;
  for (let c = 0; c < l2; c += 2) {
    const co = <usize>c << 3;
    let a0 = f64x2.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let a4 = a0;
    let a5 = a0;
    let a6 = a0;
    let a7 = a0;
    for (let f = 0; f < g; f++) {
      const qv = v128.load(q + <usize>f * lBytes + co);
      const s = xs + (<usize>f << 7);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(s), qv));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(s, 16), qv));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(s, 32), qv));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(s, 48), qv));
      a4 = f64x2.add(a4, f64x2.mul(v128.load(s, 64), qv));
      a5 = f64x2.add(a5, f64x2.mul(v128.load(s, 80), qv));
      a6 = f64x2.add(a6, f64x2.mul(v128.load(s, 96), qv));
      a7 = f64x2.add(a7, f64x2.mul(v128.load(s, 112), qv));
    }
    v128.store(y + co, a0);
    v128.store(y + yStride + co, a1);
    v128.store(y + 2 * yStride + co, a2);
    v128.store(y + 3 * yStride + co, a3);
    v128.store(y + 4 * yStride + co, a4);
    v128.store(y + 5 * yStride + co, a5);
    v128.store(y + 6 * yStride + co, a6);
    v128.store(y + 7 * yStride + co, a7);
  }
  if (l & 1) {
    const co = <usize>l2 << 3;
    for (let r = 0; r < TILE; r++) {
      let acc: f64 = 0;
      for (let f = 0; f < g; f++) acc += f64x2.extract_lane(v128.load(xs + (<usize>f << 7) + (<usize>r << 4)), 0) * load<f64>(q + <usize>f * lBytes + co);
      store<f64>(y + <usize>r * yStride + co, acc);
    }
  }
}

/** xs[f·8 + r] = f32x4.splat(x[i0 + r, f]), 0 for rows at or past r1 (a last tile padded with zero rows adds nothing). */
function splatTile32(x: usize, i0: i32, r1: i32, g: i32, xs: usize): void {
  const gBytes = <usize>g << 2;
  for (let r = 0; r < TILE; r++) {
    const row = x + <usize>(i0 + r) * gBytes;
    const live = i0 + r < r1;
    for (let f = 0; f < g; f++) {
      const v: f32 = live ? load<f32>(row + (<usize>f << 2)) : 0;
      v128.store(xs + (<usize>f << 7) + (<usize>r << 4), f32x4.splat(v));
    }
  }
}

/** Y (8 × l f32, row stride l) = X_tile · Q32 (g × l f32) for the splatted tile, in f32 (as the GPU's tiled product). */
function tileTimes32(xs: usize, g: i32, q: usize, l: i32, y: usize): void {
  const lBytes = <usize>l << 2;
  const l4 = l & ~3;
  for (let c = 0; c < l4; c += 4) {
    const co = <usize>c << 2;
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let a4 = a0;
    let a5 = a0;
    let a6 = a0;
    let a7 = a0;
    for (let f = 0; f < g; f++) {
      const qv = v128.load(q + <usize>f * lBytes + co);
      const s = xs + (<usize>f << 7);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(s), qv));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(s, 16), qv));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(s, 32), qv));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(s, 48), qv));
      a4 = f32x4.add(a4, f32x4.mul(v128.load(s, 64), qv));
      a5 = f32x4.add(a5, f32x4.mul(v128.load(s, 80), qv));
      a6 = f32x4.add(a6, f32x4.mul(v128.load(s, 96), qv));
      a7 = f32x4.add(a7, f32x4.mul(v128.load(s, 112), qv));
    }
    v128.store(y + co, a0);
    v128.store(y + lBytes + co, a1);
    v128.store(y + 2 * lBytes + co, a2);
    v128.store(y + 3 * lBytes + co, a3);
    v128.store(y + 4 * lBytes + co, a4);
    v128.store(y + 5 * lBytes + co, a5);
    v128.store(y + 6 * lBytes + co, a6);
    v128.store(y + 7 * lBytes + co, a7);
  }
  for (let c = l4; c < l; c++) {
    const co = <usize>c << 2;
    for (let r = 0; r < TILE; r++) {
      let acc: f32 = 0;
      for (let f = 0; f < g; f++) acc += f32x4.extract_lane(v128.load(xs + (<usize>f << 7) + (<usize>r << 4)), 0) * load<f32>(q + <usize>f * lBytes + co);
      store<f32>(y + <usize>r * lBytes + co, acc);
    }
  }
}

/** Z (g × l f64) += X_tileᵀ · Y: the tile's 8 terms summed in f32, then added to Z in f64. */
function tileGramAdd32(xs: usize, g: i32, y: usize, l: i32, z: usize): void {
  const lBytes = <usize>l << 2;
  const l4 = l & ~3;
  for (let f = 0; f < g; f++) {
    const s = xs + (<usize>f << 7);
    const x0 = v128.load(s);
    const x1 = v128.load(s, 16);
    const x2 = v128.load(s, 32);
    const x3 = v128.load(s, 48);
    const x4 = v128.load(s, 64);
    const x5 = v128.load(s, 80);
    const x6 = v128.load(s, 96);
    const x7 = v128.load(s, 112);
    const zf = z + ((<usize>f * <usize>l) << 3);
    for (let c = 0; c < l4; c += 4) {
      const yc = y + (<usize>c << 2);
      let t = f32x4.mul(x0, v128.load(yc));
      t = f32x4.add(t, f32x4.mul(x1, v128.load(yc + lBytes)));
      t = f32x4.add(t, f32x4.mul(x2, v128.load(yc + 2 * lBytes)));
      t = f32x4.add(t, f32x4.mul(x3, v128.load(yc + 3 * lBytes)));
      t = f32x4.add(t, f32x4.mul(x4, v128.load(yc + 4 * lBytes)));
      t = f32x4.add(t, f32x4.mul(x5, v128.load(yc + 5 * lBytes)));
      t = f32x4.add(t, f32x4.mul(x6, v128.load(yc + 6 * lBytes)));
      t = f32x4.add(t, f32x4.mul(x7, v128.load(yc + 7 * lBytes)));
      const zc = zf + (<usize>c << 3);
      v128.store(zc, f64x2.add(v128.load(zc), v128.promote_low<f32>(t)));
      v128.store(zc + 16, f64x2.add(v128.load(zc + 16), v128.promote_low<f32>(v128.shuffle<f32>(t, t, 2, 3, 2, 3))));
    }
    for (let c = l4; c < l; c++) {
      const yc = y + (<usize>c << 2);
      let t: f32 = 0;
      for (let r = 0; r < TILE; r++) t += f32x4.extract_lane(v128.load(s + (<usize>r << 4)), 0) * load<f32>(yc + <usize>r * lBytes);
      const zc = zf + (<usize>c << 3);
      store<f64>(zc, load<f64>(zc) + <f64>t);
    }
  }
}

/**
 * Gram product of the centred f32 matrix X (n × g) with Q (g × l, f32): Z += X_rowsᵀ (X_rows Q)
 * into the block's partial Z (g × l f64 at `part`), followed by scratch: Y (8 × l f32) and the
 * splatted tile (g × 8 × 16 bytes). Rows go 8 at a time (the last tile padded with zero rows), so Q
 * and Z pass through the cache once per 8 rows. Products and the 8-row sums are f32, four lanes at a
 * time, as the GPU computes them; Z accumulates the tiles in f64, so a block of 4096 rows loses no
 * more than 8 terms' worth of f32 rounding per element.
 */
export function scGram(r0: i32, r1: i32, part: usize, x: usize, g: i32, q: usize, l: i32): void {
  const zBytes = (<usize>g * <usize>l) << 3;
  const y = part + zBytes;
  const xs = y + ((<usize>TILE * <usize>l) << 2);
  memory.fill(part, 0, zBytes);
  for (let i = r0; i < r1; i += TILE) {
    splatTile32(x, i, r1, g, xs);
    tileTimes32(xs, g, q, l, y);
    tileGramAdd32(xs, g, y, l, part);
  }
}

/**
 * out = X V for the centred f32 matrix X (n × g) and V (g × k, f64): out n × k f64, 8 rows at a
 * time (scratch at `part`: the splatted tile, g × 8 × 16 bytes), the remainder one row at a time.
 */
export function scProject(r0: i32, r1: i32, part: usize, x: usize, g: i32, v: usize, k: i32, out: usize): void {
  const kBytes = <usize>k << 3;
  const gBytes = <usize>g << 2;
  let i = r0;
  for (; i + TILE <= r1; i += TILE) {
    splatTile(x + <usize>i * gBytes, g, part);
    tileTimes(part, g, v, k, out + <usize>i * kBytes, kBytes);
  }
  for (; i < r1; i++) {
    const row = x + <usize>i * gBytes;
    const o = out + <usize>i * kBytes;
    memory.fill(o, 0, kBytes);
    for (let f = 0; f < g; f++) axpy(o, v + <usize>f * kBytes, <f64>load<f32>(row + (<usize>f << 2)), k);
  }
}
