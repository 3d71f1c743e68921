#!/usr/bin/env python3
"""python3-leidenalg as a benchmark peer of leiden() (bench/leiden-ari.ts runs it; nothing in the library needs it).

Run with Debian's python (/usr/bin/python3: leidenalg, python-igraph). Reads one job as JSON on stdin:
  {"n", "edges": "<path of m*2 int32 (i < j), row-major>", "weights": "<path of m float64>",
   "runs": [{"resolution", "seed"}]}
and prints one JSON object: {"version", "runs": [{"resolution", "seed", "wallMs", "quality", "nCommunities", "labels"}]}
with leidenalg.find_partition(g, RBConfigurationVertexPartition, weights, resolution_parameter, seed,
n_iterations=2) (leidenalg's defaults), quality = partition.quality() / 2m (the scale of leiden()'s
modularity quality). wallMs times find_partition alone (the igraph graph is built once, untimed).
"""
import json
import sys
import time

import igraph as ig
import leidenalg as la
import numpy as np

job = json.load(sys.stdin)
n = job['n']
edges = np.fromfile(job['edges'], dtype=np.int32).reshape(-1, 2)
w = np.fromfile(job['weights'], dtype=np.float64)
g = ig.Graph(n=n, edges=edges.tolist())
g.es['weight'] = w.tolist()
two_m = 2 * float(w.sum())
out = []
for run in job['runs']:
    t0 = time.perf_counter()
    p = la.find_partition(g, la.RBConfigurationVertexPartition, weights='weight', resolution_parameter=run['resolution'], seed=run['seed'], n_iterations=2)
    ms = (time.perf_counter() - t0) * 1000
    out.append({'resolution': run['resolution'], 'seed': run['seed'], 'wallMs': ms, 'quality': p.quality() / two_m, 'nCommunities': len(p), 'labels': p.membership})
from leidenalg.version import version
print(json.dumps({'version': str(version), 'runs': out}))
