// The staging tiles of the 256-thread matrix-multiply kernels (shaders/sc/matmul_*.wgsl). A
// workgroup of 256 threads, 4×4 outputs each, covers TN output columns and 4096 / TN rows (TN = 64:
// 16 × 16 threads; TN = 32 for narrow products: 8 × 32 threads). Its operands go through workgroup
// memory SLICE = 16 steps of the contracted dimension at a time: As holds (4096 / TN) × SLICE
// floats of X, Bs SLICE × TN of the other factor (8 KiB at TN = 64, 10 KiB at TN = 32).
// bs_row(kk, tx) is row kk of Bs at thread column tx's four outputs. Shape is the uniform
// {K, N, _, _} both kernels bind as `shape`. Defines no bindings.

override TN: u32 = 64u;
const SLICE: u32 = 16u;

struct Shape { K: u32, N: u32, a: u32, b: u32 }

var<workgroup> As: array<f32, 65536u / TN>;
var<workgroup> Bs: array<f32, 16u * TN>;

fn bs_row(kk: u32, tx: u32) -> vec4f {
  let bb = kk * TN + tx * 4u;
  return vec4f(Bs[bb], Bs[bb + 1u], Bs[bb + 2u], Bs[bb + 3u]);
}
