"""A gradient over more data than the workers can hold: tapegrad on Dask vs hand-written Dask.

Starts a ``dask.distributed.LocalCluster`` (2 worker processes x 1 thread, bound to
127.0.0.1, no dashboard, ``--worker-memory`` each), persists a float32 dataset of
``--gigabytes`` on it (larger than the workers' memory: they spill to disk), then times
the logistic-regression gradient (weights and bias, one pass over the data) two ways:

* tapegrad: the loss recorded on a ``GradientTape`` over the Dask arrays, ``tape.gradient``,
  then one ``dask.compute`` of both gradients;
* hand-written Dask: ``X.T @ (sigmoid(X @ w + b) - y) / n`` and its mean, computed together.

Prints rows per second (median of ``--repeat`` interleaved runs), their ratio, the peak
memory of the workers, how much they spilled, and the size of tapegrad's gradient graph
(pickled, and its largest task: a NumPy array embedded in the graph would show there).

    python benchmarks/dask_scale.py [--gigabytes 4] [--worker-memory 1GiB] [--repeat 3]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import threading
import time

import numpy as np

FEATURES = 16


def tapegrad_gradient(tg, x, y, w, b):
    """The lazy gradients (dw, db) of the mean logistic loss, recorded by tapegrad."""
    w_var, b_var = tg.Variable(w), tg.Variable(b)
    with tg.GradientTape() as tape:
        logits = tg.linalg.matvec(tg.constant(x), w_var) + b_var
        loss = tg.reduce_mean(tg.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    dw, db = tape.gradient(loss, [w_var, b_var])
    return dw._value, db._value


def dask_gradient(da, x, y, w, b):
    """The same gradients written by hand with dask.array."""
    residual = 1 / (1 + da.exp(-(x @ w + b))) - y
    return (x.T @ residual) / x.shape[0], residual.mean()


def graph_report(arrays) -> tuple[int, int]:
    """(pickled size of the graph, pickled size of its largest task) in bytes."""
    graph: dict = {}
    for a in arrays:
        graph.update(dict(a.__dask_graph__()))
    sizes = [len(pickle.dumps(task)) for task in graph.values()]
    return len(pickle.dumps(graph)), max(sizes)


class PeakMemory:
    """Samples the workers' resident memory while a computation runs."""

    def __init__(self, client, every: float = 0.2):
        self.client, self.every, self.peak = client, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            try:
                rss = self.client.run(lambda: psutil.Process().memory_info().rss)
                self.peak = max(self.peak, max(rss.values()))
            except Exception:  # a worker restarting: sample again
                pass
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def spilled_bytes(client) -> int:
    def spilled(dask_worker):
        data = dask_worker.data
        return int(getattr(data, "spilled_total", (0, 0))[1]) if hasattr(
            data, "spilled_total") else 0

    return sum(client.run(spilled).values())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gigabytes", type=float, default=4.0, help="float32 data size")
    parser.add_argument("--worker-memory", default="1GiB", help="memory limit of each worker")
    parser.add_argument("--chunk-rows", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster, wait

    import tapegrad as tg

    rows = int(args.gigabytes * 2**30 / (4 * FEATURES))
    rows -= rows % args.chunk_rows
    with tempfile.TemporaryDirectory() as spill_dir, dask.config.set(
        {"temporary-directory": spill_dir}
    ), LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                    dashboard_address=None, memory_limit=args.worker_memory) as cluster, Client(
        cluster
    ) as client:
        rng = da.random.default_rng(0)
        x = rng.standard_normal((rows, FEATURES), chunks=(args.chunk_rows, FEATURES),
                                dtype=np.float32)
        y = (x @ np.linspace(-1, 1, FEATURES, dtype=np.float32) > 0).astype(np.float32)
        start = time.perf_counter()
        x, y = client.persist([x, y])
        wait([x, y])
        print(f"data: {rows:,} rows x {FEATURES} float32 = {x.nbytes / 2**30:.2f} GiB (+ labels), "
              f"2 workers x {args.worker_memory}; generated and persisted in "
              f"{time.perf_counter() - start:.1f} s, {spilled_bytes(client) / 2**30:.2f} GiB "
              "spilled to disk")

        w = np.full(FEATURES, 0.01, np.float32)
        b = np.float32(0.0)
        size, largest = graph_report(tapegrad_gradient(tg, x, y, w, b))
        print(f"tapegrad gradient graph: {size / 1024:.0f} KiB pickled, largest task "
              f"{largest / 1024:.1f} KiB (no embedded array over 1 MB: {largest < 2**20})")
        times: dict = {"tapegrad": [], "dask": []}
        results = {}
        with PeakMemory(client) as memory:
            for _ in range(args.repeat):
                for name in times:
                    start = time.perf_counter()
                    if name == "tapegrad":
                        results[name] = dask.compute(*tapegrad_gradient(tg, x, y, w, b))
                    else:
                        results[name] = dask.compute(*dask_gradient(da, x, y, w, b))
                    times[name].append(time.perf_counter() - start)
        for got, want in zip(results["tapegrad"], results["dask"]):
            np.testing.assert_allclose(got, want, rtol=2e-3, atol=1e-6)
        rate = {k: rows / statistics.median(v) for k, v in times.items()}
        print(f"{'':12}{'rows/s':>14}{'median s':>10}")
        for name in times:
            print(f"{name:12}{rate[name]:14,.0f}{statistics.median(times[name]):10.2f}")
        print(f"tapegrad / hand-written Dask: {rate['tapegrad'] / rate['dask']:.2f} of the rows/s; "
              f"peak worker memory {memory.peak / 2**30:.2f} GiB; "
              f"{spilled_bytes(client) / 2**30:.2f} GiB spilled at the end")


if __name__ == "__main__":
    main()
