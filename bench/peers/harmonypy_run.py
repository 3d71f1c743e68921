"""Peer for bench/harmony.mjs: harmonypy's run_harmony (and its compute_lisi) on the bench's PCs.

Usage: python3 harmonypy_run.py <pcs.f64> <n> <d> <batch.txt> <out.f64> <lisi_out.f64>
Reads row-major float64 PCs and one batch label per line; writes the corrected PCs (row-major
float64) and harmonypy's iLISI of the input PCs (n float64). Needs `harmonypy` (numpy version,
e.g. slowkow/harmonypy 0.0.x) importable, e.g. through PYTHONPATH. Prints the seconds it took.
"""
import sys
import time

import numpy as np
import pandas as pd
import harmonypy

pcs_path, n, d, batch_path, out_path, lisi_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
X = np.fromfile(pcs_path, dtype=np.float64).reshape(n, d)
batch = open(batch_path).read().split('\n')[:n]
meta = pd.DataFrame({'batch': batch})
t0 = time.perf_counter()
ho = harmonypy.run_harmony(X, meta, ['batch'], theta=2, sigma=0.1, lamb=1, random_state=0, verbose=False)
seconds = time.perf_counter() - t0
Z = np.ascontiguousarray(ho.Z_corr.T, dtype=np.float64)
Z.tofile(out_path)
harmonypy.compute_lisi(X, meta, ['batch'])[:, 0].astype(np.float64).tofile(lisi_path)
print(f'{seconds:.3f} {len(ho.objective_harmony) - 1}')
