// The header of the single-cell CSR-chunk kernels (shaders/sc): a chunk of `rows` cells stored
// as CSR (chunk-local indptr, nnz stored entries) over d genes. Defines no bindings: each kernel
// binds its own `chunk: CsrChunk` uniform.

struct CsrChunk { rows: u32, nnz: u32, d: u32, pad: u32 }
