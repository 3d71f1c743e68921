"""Python anndata reads a store written by writeZarrCsr (emgpu's Node writer), and the same per-gene sums.

    /usr/bin/python3 bench/zarr/check_anndata.py <store.zarr>

Prints one JSON line: shape, nnz, the first names, the checksum bench/zarr/entry.ts prints
(sum over genes j of colsum_j * (j % 7 + 1)), seconds and peak RSS of anndata.read_zarr (the peer of readZarr).
"""
import json
import resource
import sys
import time

import anndata as ad
import numpy as np

t0 = time.perf_counter()
a = ad.read_zarr(sys.argv[1])
X = a.X
sums = np.asarray(X.sum(axis=0, dtype=np.float64)).ravel()
weights = (np.arange(a.n_vars) % 7) + 1
print(json.dumps({
    "phase": "anndata.read_zarr",
    "shape": list(a.shape),
    "format": type(X).__name__,
    "nnz": int(X.nnz),
    "indptr_ok": bool(X.indptr[0] == 0 and np.all(np.diff(X.indptr) >= 0) and X.indptr[-1] == X.nnz),
    "first_cells": list(a.obs_names[:2]),
    "first_genes": list(a.var_names[:2]),
    "checksum": float((sums * weights).sum()),
    "seconds": time.perf_counter() - t0,
    "peakMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
