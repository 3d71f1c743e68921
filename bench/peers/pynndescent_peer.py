#!/usr/bin/python3
"""pynndescent peer for bench/knn.mjs: approximate k nearest neighbours of raw float32 rows.

Usage: /usr/bin/python3 bench/peers/pynndescent_peer.py DATA.f32 N D K OUT.i32
Reads N×D little-endian float32 rows, builds NNDescent(n_neighbors = K + 1) (pynndescent's graph
includes each row itself) and writes the N×K neighbours other than the row (int32) to OUT.i32.
Prints one JSON line: the version, the time of a warm-up on 2,000 rows (numba's compilation,
excluded from the timing), and the build + query time of the run itself.
"""
import json
import sys
import time

import numpy as np
import pynndescent


def neighbours(x, k):
    index = pynndescent.NNDescent(x, n_neighbors=k + 1, metric="euclidean", random_state=None)
    idx, _ = index.neighbor_graph
    return idx


def main():
    path, n, d, k, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    x = np.fromfile(path, dtype="<f4").reshape(n, d)
    t0 = time.perf_counter()
    neighbours(x[: min(n, 2000)].copy(), k)
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    idx = neighbours(x, k)
    secs = time.perf_counter() - t0
    res = np.empty((n, k), dtype=np.int32)
    for i in range(n):
        row = [j for j in idx[i] if j != i and j >= 0][:k]
        row += [-1] * (k - len(row))
        res[i] = row
    res.tofile(out)
    print(json.dumps({"version": pynndescent.__version__, "warmupSeconds": warm, "seconds": secs}))


if __name__ == "__main__":
    main()
