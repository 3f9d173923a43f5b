"""Keras ``fit`` on the 8x8 digits: milliseconds of CPU time per training step.

Rows: tapegrad.keras eager (``run_eagerly=True``), tapegrad.keras through
``tapegrad.function`` (when this tapegrad has it), and real Keras on TensorFlow when
installed (``--peers none`` leaves it out). Models: the README's MLP and the example's CNN.
Each row is the median of ``--repeats`` interleaved runs of ``--epochs`` epochs after one
warm-up epoch (which traces the compiled step).

Run: ``python benchmarks/keras_fit.py [--repeats 3] [--epochs 2] [--peers none]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import tapegrad as tg
from tapegrad.tour.digits import load_digits, train_test_split


def _layers(K, cnn: bool) -> list:
    if cnn:
        return [K.Input(shape=(8, 8, 1)),
                K.layers.Conv2D(16, 3, padding="same", activation="relu"),
                K.layers.MaxPooling2D(),
                K.layers.Conv2D(32, 3, padding="same", activation="relu"),
                K.layers.MaxPooling2D(), K.layers.Flatten(),
                K.layers.Dense(64, activation="relu"), K.layers.Dense(10)]
    return [K.Input(shape=(64,)), K.layers.Dense(64, activation="relu"), K.layers.Dense(10)]


def _model(K, cnn: bool, run_eagerly: bool):
    model = K.Sequential(_layers(K, cnn))
    model.compile(optimizer=K.optimizers.Adam(1e-3),
                  loss=K.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--peers", default="keras", choices=["keras", "none"])
    args = parser.parse_args()
    x, y, _, _ = train_test_split(*load_digits())
    steps = -(-len(x) // 32) * args.epochs
    rows = {"tapegrad.keras eager": (tg.keras, True)}
    if hasattr(tg, "function"):
        rows["tapegrad.keras compiled"] = (tg.keras, False)
    if args.peers == "keras":
        try:
            import keras as real  # TensorFlow's Keras 3

            rows["keras (TensorFlow)"] = (real, False)
        except ImportError:
            pass
    for cnn in (False, True):
        data = x.reshape(-1, 8, 8, 1) if cnn else x
        models = {name: _model(K, cnn, eager) for name, (K, eager) in rows.items()}
        for model in models.values():
            model.fit(data, y, epochs=1, verbose=0)  # warm-up: builds, traces
        times: dict = {name: [] for name in models}
        for _ in range(args.repeats):  # interleaved
            for name, model in models.items():
                start = time.process_time()
                model.fit(data, y, epochs=args.epochs, verbose=0)
                times[name].append((time.process_time() - start) / steps * 1e3)
        base = statistics.median(times["tapegrad.keras eager"])
        print(f"{'CNN' if cnn else 'MLP'} on the digits, batch 32 (CPU ms per step, median):")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:26s} {median:8.2f}   x{base / median:5.2f} vs eager")


if __name__ == "__main__":
    main()
