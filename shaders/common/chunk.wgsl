// The header every dense data-chunk kernel shares: the chunk uniform.
// A chunk is `rows` consecutive samples of the data (src/gpu/dataset.ts, uploadData); its storage
// buffer `x` holds the rows×D centred float32 values, row-major, FOLLOWED BY the chunk's `rows`
// float32 sample weights (all ones when the caller gave none), so the weight of local row i is
// x[rows·D + i] (common/sample_weight.wgsl reads it). Per-segment reductions split the chunk into
// segments of segRows rows whose partial sums go to slot segOffset + s; rowOffset is the chunk's
// first global row. Defines no bindings: each kernel binds its own `chunk: Chunk` uniform, which
// segment_rows reads: the rows [x, y) of segment `seg` of the chunk (x ≥ y past its end).

struct Chunk { rows: u32, segOffset: u32, segRows: u32, rowOffset: u32 }

fn segment_rows(seg: u32) -> vec2u {
  let first = seg * chunk.segRows;
  return vec2u(first, min(first + chunk.segRows, chunk.rows));
}
