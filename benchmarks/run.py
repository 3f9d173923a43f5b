"""Side-by-side benchmark suite: tapegrad vs hand-written NumPy and the installed peers.

    python benchmarks/run.py                 # all workloads, every installed peer
    python benchmarks/run.py --only scalar   # workloads whose name contains "scalar"
    python benchmarks/run.py --json out.json # also write the results as JSON

Each workload is run in this one process, float32 on the CPU; the table gives
the median milliseconds per gradient, tapegrad's time relative to NumPy's
hand-written forward+backward, and relative to each peer (< 1 means tapegrad
is faster). Every library runs with the same number of threads (``--threads``,
default 1): thread pools of several libraries in one process otherwise fight
over the cores and the timings measure that fight. Results are checked against
NumPy's before timing. The memory section measures the bytes a tape holds over
a 100-op chain on 1e6-element arrays, and checks that a non-persistent tape releases them.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc


def _threads_from_argv() -> str:
    """``--threads N`` must take effect before NumPy and the peers load their thread pools."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


THREADS = _threads_from_argv()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from peers import ALL, available  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

import tapegrad as tg  # noqa: E402
from tapegrad._core import events  # noqa: E402  (samples memory as each rule starts)

ORDER = ["numpy", "tapegrad", "tapegrad.function", "torch", "tensorflow", "jax", "autograd",
         "tf.function", "jax.jit", "torch.compile"]


def to_numpy(value):
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def agrees(result, reference) -> bool:
    a, b = to_numpy(result), to_numpy(reference)
    if isinstance(b, list):
        return len(a) == len(b) and all(agrees(x, y) for x, y in zip(a, b))
    return a.shape == b.shape and np.allclose(a, b, rtol=2e-3, atol=2e-4)


def median_seconds(fns: dict, min_time: float, min_rounds: int) -> dict:
    """Median seconds per call of each function, measured in interleaved rounds.

    Each round runs every implementation for about the same wall time (a fast
    one is called many times, a slow one once), so slow drifts of the machine
    (frequency, other processes) spread evenly over all of them. A sample is
    one round's time per call; the result is the median over rounds.
    """
    per_call = {}
    for name, fn in fns.items():
        fn()  # warm-up (caches, lazy imports)
        t0 = time.perf_counter()
        fn()
        per_call[name] = time.perf_counter() - t0
    budget = 0.02  # seconds per implementation per round
    calls = {name: max(1, int(budget / max(t, 1e-9))) for name, t in per_call.items()}
    samples: dict = {name: [] for name in fns}
    spent = dict.fromkeys(fns, 0.0)
    rounds = 0
    while rounds < min_rounds or min(spent.values()) < min_time:
        for name, fn in fns.items():
            n = calls[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            elapsed = time.perf_counter() - t0
            samples[name].append(elapsed / n)
            spent[name] += elapsed
        rounds += 1
        if rounds >= 500:
            break
    return {name: statistics.median(v) for name, v in samples.items()}


def trace_time() -> float:
    """Milliseconds to trace and generate the small MLP step (a fresh function each time)."""
    from workloads import small_mlp

    body, args = small_mlp({})["tapegrad.function"].body
    times = []
    for _ in range(5):
        fresh = tg.function(body)
        t0 = time.perf_counter()
        fresh(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def tape_memory() -> dict:
    """Bytes a tape holds over 100 ops on 1e6 float32 elements, during and after ``gradient``.

    The chain alternates ``sin`` (its rule needs its input: one array) and
    ``* 0.5`` (its rule for the tracked input needs only 0.5), so the rules need
    50 arrays (200 MB); anything above that is waste.
    """
    x = tg.constant(np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32))
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x
        for i in range(100):
            y = tg.sin(y) if i % 2 == 0 else y * 0.5
        loss = tg.reduce_sum(y)
    del y
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    saved = sum(e.nbytes() for e in tape._entries)
    tracemalloc.reset_peak()
    samples: list = []  # memory held as each backward rule starts

    def sample(kind, subject, running):
        if running:
            samples.append(tracemalloc.get_traced_memory()[0] - base)

    events.subscribe(events.rule_running, sample)
    try:
        grad = tape.gradient(loss, x)
    finally:
        events.unsubscribe(events.rule_running, sample)
    peak_in_gradient = tracemalloc.get_traced_memory()[1] - base
    del loss
    gc.collect()
    after = tracemalloc.get_traced_memory()[0] - base - grad.numpy().nbytes
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {
        "needed by the rules": 50 * 4_000_000,
        "saved (tape's own count)": int(saved),
        "held while recorded": int(held),
        "held after gradient()": int(max(after, 0)),
        "peak": int(peak),
        "peak during gradient()": int(peak_in_gradient),
        "held halfway through gradient()": int(samples[len(samples) // 2]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="tapegrad side-by-side benchmarks")
    parser.add_argument("--only", default="", help="run workloads whose name contains this")
    parser.add_argument("--json", default=None, help="write results to this JSON file")
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds per measurement")
    parser.add_argument("--peers", default="all", help="comma list of peers, or 'none'")
    parser.add_argument("--threads", default="1", help="threads for NumPy's BLAS and the peers")
    args = parser.parse_args()

    wanted = () if args.peers == "none" else ALL if args.peers == "all" else tuple(
        args.peers.split(",")
    )
    peers = available(int(THREADS), wanted)
    versions = {"numpy": np.__version__, "tapegrad": tg.__version__}
    for peer, module in peers.items():
        try:
            versions[peer] = importlib.metadata.version(peer)
        except importlib.metadata.PackageNotFoundError:
            versions[peer] = getattr(module, "__version__", "?")
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{THREADS} thread(s), Python {platform.python_version()}"
    )
    print(f"machine: {machine}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    results = {"machine": machine, "versions": versions, "workloads": {}}

    for name, build in WORKLOADS.items():
        if args.only and args.only.lower() not in name.lower():
            continue
        impls = build(peers)
        reference = impls["numpy"]()
        checked = {}
        for impl_name in ORDER:
            fn = impls.get(impl_name)
            if fn is None:
                continue
            if not agrees(fn(), reference):
                print(f"  !! {impl_name} disagrees with numpy on {name}; not timed")
                continue
            checked[impl_name] = fn
        times = median_seconds(checked, args.min_time, 5)
        results["workloads"][name] = times
        tgt = times.get("tapegrad")
        tgc = times.get("tapegrad.function")
        print(f"\n{name}")
        print(f"  {'impl':<18}{'ms':>10}{'vs numpy':>10}{'tapegrad/impl':>15}"
              f"{'function/impl':>15}")
        for impl_name, t in times.items():
            vs_np = t / times["numpy"]
            ratio = f"{tgt / t:>15.2f}" if tgt and impl_name != "tapegrad" else f"{'':>15}"
            cratio = (f"{tgc / t:>15.2f}" if tgc and impl_name != "tapegrad.function"
                      else f"{'':>15}")
            print(f"  {impl_name:<18}{t * 1e3:>10.3f}{vs_np:>10.2f}{ratio}{cratio}")

    if not args.only or "trace" in args.only.lower():
        results["trace_ms"] = trace_time()
        print(f"\ntrace + compile of the small MLP step: {results['trace_ms']:.1f} ms "
              "(median of 5; includes the eager call that records it)")
    if not args.only or "memory" in args.only.lower():
        memory = tape_memory()
        results["memory"] = memory
        print("\ntape memory, 100 ops on 1e6 float32 (4.0 MB per array)")
        for k, v in memory.items():
            print(f"  {k:<28}{v / 1e6:>10.1f} MB")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
