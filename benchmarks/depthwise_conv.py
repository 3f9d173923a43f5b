"""Depthwise and grouped convolution, forward + backward, against TensorFlow when installed.

    python benchmarks/depthwise_conv.py [--rounds N]

Prints the median of interleaved rounds for each library, and the ratio. The shape is a
MobileNet-like layer: 8 images of 56x56 with 128 channels, 3x3 filters, float32.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import tapegrad as tg

CASES = {
    "depthwise 8x56x56x128, 3x3": ((8, 56, 56, 128), (3, 3, 128, 1), "depthwise"),
    "grouped conv2d 8x28x28x128, 3x3, 8 groups": ((8, 28, 28, 128), (3, 3, 16, 128), "grouped"),
}


def _step(lib, kind, x, w):
    with lib.GradientTape() as tape:
        tape.watch([x, w])
        if kind == "depthwise":
            y = lib.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")
        else:
            y = lib.nn.conv2d(x, w, 1, "SAME")
        loss = lib.reduce_sum(y * y)
    return tape.gradient(loss, [x, w])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
    except ImportError:
        tf = None
    rng = np.random.default_rng(0)
    for name, (xs, ws, kind) in CASES.items():
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        libs = {"tapegrad": (tg, tg.constant(x), tg.constant(w))}
        if tf is not None:
            libs["tensorflow"] = (tf, tf.constant(x), tf.constant(w))
        times: dict = {k: [] for k in libs}
        for lib, a, b in libs.values():
            _step(lib, kind, a, b)  # warm up
        for _ in range(args.rounds):
            for key, (lib, a, b) in libs.items():
                start = time.perf_counter()
                _step(lib, kind, a, b)
                times[key].append(time.perf_counter() - start)
        medians = {k: statistics.median(v) for k, v in times.items()}
        line = ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in medians.items())
        if "tensorflow" in medians:
            line += f" (tapegrad / tensorflow: {medians['tapegrad'] / medians['tensorflow']:.1f}x)"
        print(f"{name}: {line}")


if __name__ == "__main__":
    main()
