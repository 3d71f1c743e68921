"""Exact kNN (self excluded) of an n x d float32 file for bench:umap's input, by scikit-learn's
brute force (float64 distances). Writes idx (int32) and dist (float32), n x k row-major.
Usage: /usr/bin/python3 exact-knn.py X.f32 n d k idx.i32 dist.f32"""
import sys
import numpy as np
from sklearn.neighbors import NearestNeighbors

path, n, d, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
X = np.fromfile(path, dtype=np.float32).reshape(n, d).astype(np.float64)
dist, idx = NearestNeighbors(n_neighbors=k + 1, algorithm='brute', n_jobs=2).fit(X).kneighbors(X)
# Drop each row's self (first unless a duplicate ties at 0: then find it).
out_i = np.empty((n, k), dtype=np.int32)
out_d = np.empty((n, k), dtype=np.float32)
for i in range(n):
    keep = [t for t in range(k + 1) if idx[i, t] != i][:k]
    out_i[i] = idx[i, keep]
    out_d[i] = dist[i, keep]
out_i.tofile(sys.argv[5])
out_d.tofile(sys.argv[6])
