"""Per-op overhead of tapegrad against raw NumPy.

For a scalar and a 1e6-element float32 array, times one op (``x * c``, ``exp(x)``,
and ``x * w`` with ``w`` a raw NumPy array, which tapegrad copies at the boundary so
that the caller may keep writing it) three ways: a raw NumPy call (``np.multiply``,
``np.exp``), tapegrad with no tape (forward alone), and tapegrad recording a chain
of ops on a tape followed by ``tape.gradient`` (forward + backward, per op).
NumPy's forward + backward is the hand-written chain rule. Prints a table of
median microseconds per op and ratios.

    python benchmarks/overhead.py [--repeat 7] [--cpu-time]

``--cpu-time`` times with the process's CPU time instead of the wall clock: steadier on a
machine that other work shares.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import tapegrad as tg

CHAIN = 100  # ops per recorded chain


CLOCK = [time.perf_counter]  # --cpu-time: time.process_time


def median_time(fn, repeat: int, number: int) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls."""
    clock = CLOCK[0]
    samples = []
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn()
        samples.append((clock() - start) / number)
    return statistics.median(samples)


def cases(size: int):
    """(name, numpy forward, numpy fwd+bwd, tapegrad forward, tapegrad fwd+bwd) per op."""
    shape = () if size == 1 else (size,)
    x_np = np.full(shape, 0.5, np.float32) if shape else np.float32(0.5)
    c_np = np.float32(1.0001)
    x = tg.constant(x_np)
    c = tg.constant(c_np)

    def np_mul_chain():
        y = x_np
        for _ in range(CHAIN):
            y = y * c_np
        g = np.ones_like(y)
        for _ in range(CHAIN):
            g = g * c_np
        return g

    def tg_mul_chain():
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(CHAIN):
                y = y * c
        return tape.gradient(y, x)

    def np_exp_chain():
        y = x_np * np.float32(0.01)
        saved = []
        for _ in range(CHAIN):
            saved.append(np.exp(y) * np.float32(0.0))  # keep the chain bounded
            y = saved[-1]
        g = np.ones_like(y)
        for s in reversed(saved):
            g = g * s
        return g

    small = tg.constant(x_np * np.float32(0.01))

    def tg_exp_chain():
        with tg.GradientTape() as tape:
            tape.watch(small)
            y = small
            for _ in range(CHAIN):
                y = tg.exp(y) * 0.0
        return tape.gradient(y, small)

    w_np = np.full(shape or (1,), 1.0001, np.float32)  # an ndarray even for size 1

    def np_raw_chain():
        y = x_np
        for _ in range(CHAIN):
            y = y * w_np
        g = np.ones_like(y)
        for _ in range(CHAIN):
            g = g * w_np
        return g

    def tg_raw_chain():
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(CHAIN):
                y = y * w_np
        return tape.gradient(y, x)

    yield (
        "multiply",
        lambda: np.multiply(x_np, c_np),
        np_mul_chain,
        lambda: x * c,
        tg_mul_chain,
    )
    yield (
        "exp",
        lambda: np.exp(x_np),
        np_exp_chain,
        lambda: tg.exp(x),
        tg_exp_chain,
    )
    yield (
        "mul(np)",
        lambda: np.multiply(x_np, w_np),
        np_raw_chain,
        lambda: x * w_np,
        tg_raw_chain,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cpu-time", action="store_true", help="time CPU, not wall clock")
    args = parser.parse_args()
    if args.cpu_time:
        CLOCK[0] = time.process_time
    print(f"{'op':<10}{'size':>9}{'numpy fwd':>12}{'tg fwd':>10}{'ratio':>8}"
          f"{'numpy f+b':>12}{'tg f+b':>10}{'ratio':>8}   (microseconds per op)")
    for size in (1, 1_000_000):
        number = 20000 if size == 1 else 20
        chain_number = 50 if size == 1 else 1
        for name, np_fwd, np_fb, tg_fwd, tg_fb in cases(size):
            t_np = median_time(np_fwd, args.repeat, number)
            t_tg = median_time(tg_fwd, args.repeat, number)
            t_np_fb = median_time(np_fb, args.repeat, chain_number) / CHAIN
            t_tg_fb = median_time(tg_fb, args.repeat, chain_number) / CHAIN
            print(f"{name:<10}{size:>9}{t_np * 1e6:>12.2f}{t_tg * 1e6:>10.2f}"
                  f"{t_tg / t_np:>8.2f}{t_np_fb * 1e6:>12.2f}{t_tg_fb * 1e6:>10.2f}"
                  f"{t_tg_fb / t_np_fb:>8.2f}")


if __name__ == "__main__":
    main()
