# uwot's UMAP of an n x d float32 file (row-major), written as n x 2 float32 (row-major).
# Parameters as umap-learn's defaults (uwot's own default min_dist is 0.01): n_neighbors 15
# (self counted), min_dist 0.1, spread 1, spectral init, exact kNN (FNN), epochs 500 / 200.
# Usage: Rscript uwot-layout.R in.f32 n d out.f32
suppressMessages(library(uwot))
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); d <- as.integer(a[3])
x <- matrix(readBin(a[1], "numeric", n = n * d, size = 4), nrow = n, ncol = d, byrow = TRUE)
set.seed(0)
y <- umap(x, n_neighbors = 15, min_dist = 0.1, spread = 1, init = "spectral", nn_method = "fnn",
          n_epochs = if (n <= 10000) 500 else 200, n_threads = 1, verbose = FALSE)
writeBin(as.vector(t(y)), a[4], size = 4)
