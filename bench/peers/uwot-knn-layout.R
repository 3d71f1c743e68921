# uwot's UMAP on a given exact kNN (the one emgpu gets; self column added as uwot wants), timed,
# its layout written as n x 2 float32 (row-major). umap-learn's parameters: n_neighbors k + 1,
# min_dist 0.1, spread 1, spectral init, epochs 500 up to 10k points, else 200.
# Prints the seconds of umap() (graph, spectral init, layout): wall, then CPU (user + system, all threads).
# Usage: Rscript uwot-knn-layout.R idx.i32 dist.f32 n k threads out.f32
suppressMessages(library(uwot))
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[3]); k <- as.integer(a[4]); th <- as.integer(a[5])
idx <- matrix(readBin(a[1], "integer", n = n * k, size = 4), nrow = n, byrow = TRUE) + 1L
dst <- matrix(readBin(a[2], "numeric", n = n * k, size = 4), nrow = n, byrow = TRUE)
nn <- list(idx = cbind(seq_len(n), idx), dist = cbind(0, dst))
set.seed(0)
t <- system.time(y <- umap(NULL, nn_method = nn, n_neighbors = k + 1, min_dist = 0.1, spread = 1, init = "spectral",
                           n_epochs = if (n <= 10000) 500 else 200, n_threads = th, n_sgd_threads = th, verbose = FALSE))
writeBin(as.vector(t(y)), a[6], size = 4)
cat(t[["elapsed"]], t[["user.self"]] + t[["sys.self"]], "\n")
