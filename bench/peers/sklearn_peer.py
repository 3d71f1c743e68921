#!/usr/bin/env python3
"""scikit-learn as a benchmark peer (bench/runner/sklearn.ts runs it; nothing in the library needs it).

Reads one job as JSON on stdin:
  {"model": "kmeans" | "gmm", "x": "<path of n*d float32, row-major>", "n", "d", "k",
   "init": k*d initial centroids / means, "covariance": "diag" | "full" (gmm),
   "covariances": initial covariances (gmm: k*d for diag, k*d*d for full), "weights": k (gmm),
   "maxIter", "repeats", "threads"}
and prints one JSON object: {"version", "threads", "fits": [{"wallMs", "nIter", "objective",
"params"}]} where params are the final centroids (k-means) or means (GMM), and objective the
inertia (k-means) or the total log-likelihood sum_i log p(x_i) at the final parameters (GMM).

Every fit starts from the given parameters with tol = 0 (the same iterations as emgpu), after
one untimed warm-up fit. The data stay float32 (what emgpu's float32 backends read); threads are
limited with threadpoolctl to the count emgpu used.
"""
import json
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits


def kmeans_fit(x, job, max_iter):
    init = np.asarray(job["init"], dtype=x.dtype).reshape(job["k"], job["d"])
    m = KMeans(n_clusters=job["k"], init=init, n_init=1, max_iter=max_iter, tol=0, algorithm="lloyd")
    t = time.perf_counter()
    m.fit(x)
    ms = (time.perf_counter() - t) * 1e3
    return {"wallMs": ms, "nIter": int(m.n_iter_), "objective": float(m.inertia_), "params": m.cluster_centers_.astype(float).ravel().tolist()}


def gmm_fit(x, job, max_iter):
    k, d, cov = job["k"], job["d"], job["covariance"]
    means = np.asarray(job["init"], dtype=np.float64).reshape(k, d)
    c = np.asarray(job["covariances"], dtype=np.float64)
    precisions = 1.0 / c.reshape(k, d) if cov == "diag" else np.linalg.inv(c.reshape(k, d, d))
    m = GaussianMixture(
        n_components=k,
        covariance_type=cov,
        weights_init=np.asarray(job["weights"], dtype=np.float64),
        means_init=means,
        precisions_init=precisions,
        max_iter=max_iter,
        tol=0,
        n_init=1,
        reg_covar=job.get("regCovar", 1e-6),
    )
    t = time.perf_counter()
    m.fit(x)
    ms = (time.perf_counter() - t) * 1e3
    # score() is the mean log-likelihood at the final parameters: scaled to a sum, as emgpu reports it.
    return {"wallMs": ms, "nIter": int(m.n_iter_), "objective": float(m.score(x)) * x.shape[0], "params": m.means_.ravel().tolist()}


def machine_busy_ms():
    """CPU ms the whole machine spent busy (/proc/stat, Linux), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            v = [int(t) for t in f.readline().split()[1:]]
    except OSError:
        return None
    return (sum(v[:8]) - v[3] - v[4]) * 10  # USER_HZ = 100; guest time is inside user


def main():
    job = json.load(sys.stdin)
    x = np.fromfile(job["x"], dtype=np.float32).reshape(job["n"], job["d"])
    fit = kmeans_fit if job["model"] == "kmeans" else gmm_fit
    warnings.simplefilter("ignore", ConvergenceWarning)
    fits, discarded, attempts = [], 0, 0
    busy_limit = job.get("busyLimit", 0.05)
    with threadpool_limits(limits=job["threads"]):
        fit(x, job, min(2, job["maxIter"]))  # warm-up: imports, thread pools, caches
        # As emgpu's fits: a fit during which other processes used over busyLimit of a core is
        # timed again (at most 3 × repeats attempts; the last ones are kept whatever the load).
        while len(fits) < job["repeats"]:
            attempts += 1
            busy0, own0 = machine_busy_ms(), time.process_time()
            f = fit(x, job, job["maxIter"])
            if busy0 is not None:
                foreign = machine_busy_ms() - busy0 - (time.process_time() - own0) * 1e3
                f["foreignCpuPct"] = 100 * max(0.0, foreign) / f["wallMs"]
                must_keep = 3 * job["repeats"] - attempts < job["repeats"] - len(fits)
                # At least 20 ms: /proc/stat counts 10-ms ticks, too coarse for a short fit's percent.
                if foreign > max(busy_limit * f["wallMs"], 20) and not must_keep:
                    discarded += 1
                    continue
            fits.append(f)
    out = {"version": sklearn.__version__, "threads": job["threads"], "fits": fits}
    if machine_busy_ms() is not None:
        out["discardedBusy"] = discarded
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
