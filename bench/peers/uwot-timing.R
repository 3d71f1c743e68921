# uwot's UMAP timed on a given exact kNN (the same one emgpu gets), self column added as uwot wants.
# Prints the seconds of umap() (graph, spectral init, layout), n_sgd_threads and n_threads as given.
# Usage: Rscript uwot-timing.R idx.i32 dist.f32 n k threads
suppressMessages(library(uwot))
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[3]); k <- as.integer(a[4]); th <- as.integer(a[5])
idx <- matrix(readBin(a[1], "integer", n = n * k, size = 4), nrow = n, byrow = TRUE) + 1L
dst <- matrix(readBin(a[2], "numeric", n = n * k, size = 4), nrow = n, byrow = TRUE)
nn <- list(idx = cbind(seq_len(n), idx), dist = cbind(0, dst))
set.seed(0)
t <- system.time(y <- umap(NULL, nn_method = nn, n_neighbors = k + 1, min_dist = 0.1, init = "spectral",
                           n_epochs = if (n <= 10000) 500 else 200, n_threads = th, n_sgd_threads = th, verbose = FALSE))
cat(t[["elapsed"]], "\n")
