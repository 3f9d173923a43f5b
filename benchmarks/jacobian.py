"""Vectorised Jacobians and Hessians against row-by-row sweeps and PyTorch.

Two workloads, float32, every variant timed in this one process (median of
``--repeat`` runs, each averaging ``--number`` calls):

* Jacobian of ``tanh(W @ x)`` with ``W`` 100x100: tapegrad's one batched
  reverse sweep (``GradientTape.jacobian``), one reverse sweep per output row
  (``experimental_use_pfor=False``), ``tapegrad.jacobian`` in reverse and
  forward mode, and ``torch.autograd.functional.jacobian`` (default: one
  backward per row; and ``vectorize=True``).
* Hessian of ``sum(tanh(A @ x) ** 2)`` with 30 variables: nested tapes with
  ``jacobian`` (reverse-over-reverse), ``tapegrad.hessian`` (the same, and
  forward-over-reverse), and ``torch.autograd.functional.hessian`` (default
  and ``vectorize=True``).

Ratios (of CPU time, which a busy machine disturbs less than wall time) are
against the first tapegrad row of each table; "vs torch" divides by torch's
default. torch runs on one thread, so its CPU time is its cost. Peers are
optional: missing ones are skipped.

    python benchmarks/jacobian.py [--repeat 15] [--number 20] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

import numpy as np

import tapegrad as tg

N_JAC = 100
N_HESS = 30


def median_time(fn, repeat: int, number: int) -> tuple[float, float]:
    """Median (CPU, wall) seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls."""
    fn()  # warm up (imports, caches)
    cpu, wall = [], []
    for _ in range(repeat):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        for _ in range(number):
            fn()
        cpu.append((time.process_time() - start_cpu) / number)
        wall.append((time.perf_counter() - start_wall) / number)
    return statistics.median(cpu), statistics.median(wall)


def _torch():
    try:
        import torch
    except Exception:  # noqa: BLE001 - optional peer
        return None
    torch.set_num_threads(1)  # CPU time then equals its single-threaded cost, like tapegrad's
    return torch


# --- workloads -------------------------------------------------------------------------------
def jacobian_cases(rng: np.random.Generator) -> tuple[list, np.ndarray]:
    w_np = (rng.standard_normal((N_JAC, N_JAC)) / np.sqrt(N_JAC)).astype(np.float32)
    x_np = rng.standard_normal(N_JAC).astype(np.float32)
    w, x = tg.constant(w_np), tg.constant(x_np)

    def f(x):
        return tg.tanh(tg.linalg.matvec(w, x))

    def tape_jacobian(use_pfor: bool):
        def run():
            with tg.GradientTape(persistent=not use_pfor) as tape:
                tape.watch(x)
                y = f(x)
            return tape.jacobian(y, x, experimental_use_pfor=use_pfor)

        return run

    rev, fwd = tg.jacobian(f, mode="rev"), tg.jacobian(f, mode="fwd")
    cases = [
        ("tapegrad tape.jacobian (one batched sweep)", tape_jacobian(True)),
        ("tapegrad one reverse sweep per row", tape_jacobian(False)),
        ("tapegrad tg.jacobian mode='rev'", lambda: rev(x)),
        ("tapegrad tg.jacobian mode='fwd'", lambda: fwd(x)),
    ]
    expected = np.asarray(cases[0][1]())
    torch = _torch()
    if torch is not None:
        wt, xt = torch.from_numpy(w_np), torch.from_numpy(x_np)

        def tf(x):
            return torch.tanh(wt @ x)

        jac = torch.autograd.functional.jacobian
        cases.append(("torch jacobian (default)", lambda: jac(tf, xt)))
        cases.append(("torch jacobian vectorize=True", lambda: jac(tf, xt, vectorize=True)))
    return cases, expected


def hessian_cases(rng: np.random.Generator) -> tuple[list, np.ndarray]:
    a_np = (rng.standard_normal((N_HESS, N_HESS)) / np.sqrt(N_HESS)).astype(np.float32)
    x_np = rng.standard_normal(N_HESS).astype(np.float32)
    a, x = tg.constant(a_np), tg.constant(x_np)

    def f(x):
        return tg.reduce_sum(tg.tanh(tg.linalg.matvec(a, x)) ** 2)

    hess_rev, hess_fwd = tg.hessian(f), tg.hessian(f, mode="fwd")

    def nested_tapes():
        with tg.GradientTape() as outer:
            outer.watch(x)
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = f(x)
            g = inner.gradient(y, x)
        return outer.jacobian(g, x)

    cases = [
        ("tapegrad nested tapes + jacobian", nested_tapes),
        ("tapegrad tg.hessian (rev-over-rev)", lambda: hess_rev(x)),
        ("tapegrad tg.hessian mode='fwd' (fwd-over-rev)", lambda: hess_fwd(x)),
    ]
    expected = np.asarray(cases[0][1]())
    torch = _torch()
    if torch is not None:
        at, xt = torch.from_numpy(a_np), torch.from_numpy(x_np)

        def tf(x):
            return torch.sum(torch.tanh(at @ x) ** 2)

        h = torch.autograd.functional.hessian
        cases.append(("torch hessian (default)", lambda: h(tf, xt)))
        cases.append(("torch hessian vectorize=True", lambda: h(tf, xt, vectorize=True)))
    return cases, expected


# --- report ----------------------------------------------------------------------------------
def run_table(title: str, cases: list, expected: np.ndarray, repeat: int, number: int) -> None:
    for name, fn in cases:  # every variant computes the same matrix
        np.testing.assert_allclose(np.asarray(fn()), expected, rtol=2e-4, atol=2e-5,
                                   err_msg=name)
    times = [(name, *median_time(fn, repeat, number)) for name, fn in cases]
    base = times[0][1]
    torch_default = next((t for n, t, _ in times if n.startswith("torch") and "default" in n),
                         None)
    print(f"\n{title}")
    header = f"{'variant':<46} {'cpu us':>9} {'wall us':>9} {'x first':>8}"
    header += f" {'vs torch':>9}" if torch_default else ""
    print(header)
    print("-" * len(header))
    for name, t, w in times:
        line = f"{name:<46} {t * 1e6:>9.1f} {w * 1e6:>9.1f} {t / base:>8.2f}"
        if torch_default:
            line += f" {t / torch_default:>9.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--number", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile tapegrad's variants")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    jac_cases, jac_expected = jacobian_cases(rng)
    hess_cases, hess_expected = hessian_cases(rng)
    print(f"tapegrad {tg.__version__}, NumPy {np.__version__}, float32; torch: "
          f"{getattr(_torch(), '__version__', 'not installed')} (1 thread)")
    run_table(f"Jacobian of tanh(W @ x), W {N_JAC}x{N_JAC}", jac_cases, jac_expected,
              args.repeat, args.number)
    run_table(f"Hessian of sum(tanh(A @ x)**2), {N_HESS} variables", hess_cases, hess_expected,
              args.repeat, args.number)
    if args.profile:
        for name, fn in [jac_cases[0], hess_cases[1], hess_cases[2]]:
            print(f"\nprofile: {name} (200 calls)")
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(200):
                fn()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(8)


if __name__ == "__main__":
    main()
