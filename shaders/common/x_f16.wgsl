// The data chunk's rows as binding 0 in half precision (opt-in f16 storage, src/gpu/f16.ts):
// the rows×D values packed two per 32-bit word (value e in the low half of word e/2 when e is
// even, the high half when odd), then the rows float32 sample weights from word ⌈rows·D/2⌉.
// unpack2x16float turns a word into two float32 values exactly (core WGSL: no 'shader-f16'
// needed), so a kernel computes in float32 on the f16-rounded data, with the bits it would have
// on float32 storage of those rounded values. The same accessors as common/x_f32.
// Needs the kernel's `chunk: Chunk` uniform and `override D: u32`.

@group(0) @binding(0) var<storage, read> x: array<u32>;

fn x_at(e: u32) -> f32 {
  let pair = unpack2x16float(x[e >> 1u]);
  return select(pair.x, pair.y, (e & 1u) == 1u);
}

fn x_weight(row: u32) -> f32 {
  return bitcast<f32>(x[(chunk.rows * D + 1u) / 2u + row]);
}
