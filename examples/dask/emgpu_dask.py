#!/usr/bin/env python3
"""Fit k-means, soft k-means, a Gaussian mixture or the NB mixture over row-range shards on Dask.

A fit is map -> sum -> M-step -> broadcast. Each Dask task sends one JSON request to an
`emgpu worker --serve` process that lives as long as its Dask worker (Node starts once per
worker, not once per task); the driver keeps no model math: it gathers the shards' statistics in
shard order and hands the list to the worker's `mstep`, which sums them in that order and runs
the model's own M-step and convergence rule. With the same shards and the same start, the result
is bitwise the single-process streamed fit (kmeansStream & co. with chunkRows = rows per shard).

    python3 emgpu_dask.py --jobs jobs.json --out result.json [--workers 2] [--scheduler ADDR]

jobs.json is a list of fits: {"model": "kmeans" | "softkmeans" | "gmm" | "nbmm", "data": PATH,
"k": K, "rows_per_shard": R, "init": PARAMS | null (seeded on a sample, as the streamed fits),
"backend": "reference" | "cpu" | "webgpu" | "auto", "max_iter", "tol", "seed", "sample_rows",
"options": {"beta", "covariance", "regCovar", "dispersion", "meanEstimator", "sizeFactors"}}.
The request and response format is docs/worker-format.md. Without --scheduler a LocalCluster of
--workers processes runs here; with it, the fit runs on that cluster (every worker needs emgpu
and the data at the same path: see the README's "Past one machine").
"""
import argparse
import json
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_EMGPU = [os.environ.get("EMGPU_NODE", "node"), os.path.join(HERE, "..", "..", "bin", "emgpu.js")]


class WorkerProcess:
    """One `emgpu worker --serve` child: a JSON line in, a JSON line out."""

    def __init__(self, command):
        self.proc = subprocess.Popen(command + ["worker", "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lock = threading.Lock()

    def call(self, line):
        with self.lock:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            out = self.proc.stdout.readline()
        if not out:
            raise RuntimeError("emgpu worker exited (status %s)" % self.proc.poll())
        return out.rstrip("\n")


def emgpu_task(request_line, command):
    """A Dask task: answer one request on this Dask worker's long-lived emgpu process.

    The process hangs off the Dask worker object (or this interpreter when run locally), so it is
    started once per worker and reused by every later task there.
    """
    try:
        from distributed import get_worker
        holder = get_worker()
    except Exception:  # not inside a Dask worker
        holder = sys.modules[__name__]
    proc = getattr(holder, "_emgpu_process", None)
    if proc is None or proc.proc.poll() is not None:
        proc = WorkerProcess(command)
        holder._emgpu_process = proc
    out = proc.call(request_line)
    if out.startswith('{"error":'):
        err = json.loads(out)["error"]
        raise RuntimeError("%s: %s" % (err["code"], err["message"]))
    return out


class Fit:
    """The driver of one fit: passes as Dask tasks, M-steps through the worker."""

    def __init__(self, client, job, command):
        self.client, self.job, self.command = client, job, command
        self.model = job["model"]
        self.options = dict(job.get("options") or {})
        self.backend = job.get("backend", "auto")
        self.file = {"file": os.path.abspath(job["data"])}
        for key in ("format", "matrix"):
            if key in job:
                self.file[key] = job[key]

    def run_tasks(self, requests):
        """One task per request (a dict, or JSON text kept as it is), answers (JSON text) in request order."""
        lines = [r if isinstance(r, str) else json.dumps(r) for r in requests]
        futures = [self.client.submit(emgpu_task, line, self.command, pure=False) for line in lines]
        return self.client.gather(futures)

    def one(self, request):
        return json.loads(self.run_tasks([request])[0])

    def shard_requests(self, op, **fields):
        return [dict(op=op, model=self.model, backend=self.backend, shard=dict(self.file, start=a, end=b), **fields)
                for a, b in self.shards]

    def for_shards(self, params):
        """The NB E-step needs the size factors and grid, not the gene histograms (the M-step's)."""
        if self.model != "nbmm":
            return params
        return dict(params, globals={k: v for k, v in params["globals"].items() if k != "hist"})

    def fit(self):
        job = self.job
        info = self.one({"op": "info", "shard": dict(self.file, start=0, end=0)})
        n = info["n"]
        r = int(job["rows_per_shard"])
        self.shards = [(a, min(n, a + r)) for a in range(0, n, r)]
        defaults = {"kmeans": (300, 1e-4), "softkmeans": (300, 1e-4), "gmm": (100, 1e-3), "nbmm": (100, 1e-3)}
        max_iter = int(job.get("max_iter", defaults[self.model][0]))
        tol = float(job.get("tol", defaults[self.model][1]))
        mopts = {"tol": tol, "regCovar": self.options.get("regCovar", 1e-6)}
        for key in ("beta", "dispersion", "meanEstimator"):
            if key in self.options:
                mopts[key] = self.options[key]
        if self.model == "softkmeans":
            mopts.setdefault("beta", 1)
        globals_ = None
        if self.model != "gmm":
            # First pass: k-means' tolerance, or the NB mixture's size factors and histograms.
            parts = self.run_tasks(self.shard_requests("globals"))
            summed = "[" + ",".join(parts) + "]"
            summed_line = self.run_tasks(['{"op":"sum","statistics":%s}' % summed])[0]
            fin = json.loads(self.run_tasks(['{"op":"finish","options":%s,"summed":%s}' % (
                json.dumps({"tol": tol, "sizeFactors": self.options.get("sizeFactors", "library")}), summed_line)])[0])
            if "tolScaled" in fin:
                mopts["tolScaled"] = fin["tolScaled"]
            else:
                globals_ = fin
        if job.get("init") is None:
            seed_req = {"op": "seed", "model": self.model, "backend": self.backend, "shard": dict(self.file, start=0, end=n),
                        "k": job["k"], "seed": job.get("seed", 0), "sampleRows": job.get("sample_rows", 10000),
                        "options": self.options, "globals": globals_}
            params = self.one(seed_req)
        else:
            params = dict(job["init"])
            if globals_ is not None:
                params["globals"] = globals_
        stat_opts = {k: v for k, v in (("beta", mopts.get("beta")), ("regCovar", mopts["regCovar"])) if v is not None}
        history, previous, last, stop = [], None, None, "maxIter"
        for it in range(1, max_iter + 1):
            at = dict(params, previous=previous["centroids"]) if self.model == "kmeans" and previous else params
            at = self.for_shards(at)
            parts = self.run_tasks(self.shard_requests("statistics", params=at, options=stat_opts))
            options = dict(mopts, iter=it)
            if last is not None:
                options["previousObjective"] = last
            step_line = '{"op":"mstep","model":%s,"params":%s,"options":%s,"statistics":[%s]}' % (
                json.dumps(self.model), json.dumps(params), json.dumps(options), ",".join(parts))
            out = json.loads(self.run_tasks([step_line])[0])
            record = {"iter": it, "objective": out["objective"], "shift": out["shift"]}
            if "changed" in out:
                record["changed"] = out["changed"]
            history.append(record)
            previous, params, last = params, out["params"], out["objective"]
            if out["converged"]:
                stop = out["converged"]
                break
        # Last pass: labels and the objective at the final parameters, summed in shard order.
        evals = [json.loads(x) for x in self.run_tasks(self.shard_requests("evaluate", params=self.for_shards(params), options=stat_opts))]
        objective, labels = 0.0, []
        for e in evals:
            objective += e["objective"]
            labels.extend(e["labels"])
        return {"model": self.model, "n": n, "d": info["d"], "params": params, "objective": objective, "labels": labels,
                "nIter": len(history), "converged": stop != "maxIter", "stopReason": stop, "history": history,
                "shards": self.shards}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", required=True, help="JSON list of fits (see the module docstring)")
    ap.add_argument("--out", required=True, help="where to write the JSON list of results")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster workers (without --scheduler)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    ap.add_argument("--emgpu", help="the emgpu command on the workers (default: node ../../bin/emgpu.js)")
    args = ap.parse_args(argv)
    from distributed import Client, LocalCluster
    command = args.emgpu.split() if args.emgpu else DEFAULT_EMGPU
    with open(args.jobs) as f:
        jobs = json.load(f)
    if args.scheduler:
        cluster, client = None, Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        results = [Fit(client, job, command).fit() for job in jobs]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    with open(args.out, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
