#!/usr/bin/python3
"""Read an .h5ad written by emgpu's writeH5adCsr with Python's anndata, by hand (not run by tests).

    /usr/bin/python3 bench/stream/check-h5ad-anndata.py FILE.h5ad [--nnz N] [--backed]

Checks that anndata reads it (whole, or in backed mode with --backed), that X is CSR with the
shape and stored entries the writer reported, that obs/var names are strings, and prints a summary
(row sums of the first cells, obs columns and their dtypes) to compare with emgpu's own reading.
"""
import sys

import anndata
import numpy as np
import scipy.sparse as sp


def main():
    path = sys.argv[1]
    nnz = int(sys.argv[sys.argv.index("--nnz") + 1]) if "--nnz" in sys.argv else None
    backed = "--backed" in sys.argv
    a = anndata.read_h5ad(path, backed="r" if backed else None)
    print(f"anndata {anndata.__version__}: {a.n_obs} cells x {a.n_vars} genes, backed={backed}")
    x = a.X[:5] if backed else a.X
    assert sp.issparse(x) and x.format == "csr", f"X is {type(x)}"
    if not backed:
        print(f"X: csr, {x.dtype}, nnz {x.nnz}, indices {x.indices.dtype}, indptr {x.indptr.dtype}")
        if nnz is not None:
            assert x.nnz == nnz, f"nnz {x.nnz} != {nnz}"
        assert np.all(np.isfinite(x.data))
    print("row sums of the first 5 cells:", np.asarray(x[:5].sum(axis=1)).ravel().tolist())
    print("obs names:", list(a.obs_names[:3]), type(a.obs_names[0]).__name__)
    print("var names:", list(a.var_names[:3]), type(a.var_names[0]).__name__)
    for c in a.obs.columns:
        col = a.obs[c]
        print(f"obs[{c!r}]: {col.dtype}", col.value_counts().head(3).to_dict() if str(col.dtype) == "category" else col.head(3).tolist())
    print("OK")


if __name__ == "__main__":
    main()
