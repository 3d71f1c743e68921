"""Layout scores: sklearn's trustworthiness (15 neighbours) and 15-NN preservation, for each layout.
Usage: /usr/bin/python3 umap-scores.py X.f32 n d layoutA.f32 [layoutB.f32]  → JSON {uwot, ours}."""
import json, sys
import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors

x_path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X = np.fromfile(x_path, dtype=np.float32).reshape(n, d).astype(np.float64)
hi = NearestNeighbors(n_neighbors=16).fit(X).kneighbors(X, return_distance=False)[:, 1:]
out = {}
for name, path in zip(['uwot', 'ours'], sys.argv[4:]):
    Y = np.fromfile(path, dtype=np.float32).reshape(n, -1).astype(np.float64)
    lo = NearestNeighbors(n_neighbors=16).fit(Y).kneighbors(Y, return_distance=False)[:, 1:]
    pres = np.mean([len(set(hi[i]) & set(lo[i])) / 15 for i in range(n)])
    out[name] = {'trustworthiness': float(trustworthiness(X, Y, n_neighbors=15)), 'knnPreservation': float(pres)}
print(json.dumps(out))
