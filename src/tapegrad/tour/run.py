"""``python -m tapegrad``: the tour, in four parts.

1. The seed tutorial (TensorFlow's "automatic differentiation and gradient
   tape" notebook) with its printed values.
2. Training an MLP on the 8x8 handwritten digits shipped with tapegrad, with a
   progress bar (tqdm's when installed), to >= 95% test accuracy.
3. Saving a checkpoint, restoring it into a freshly initialised model and
   showing that the predictions are identical.
4. A loss-curve PNG, when matplotlib is installed.

``--quick`` trains for a few epochs only (seconds; the tests use it);
``--out DIR`` says where the files go (default: a new temporary directory).
``--notebooks DIR`` executes the example notebooks instead and writes the
executed copies to DIR (see ``tapegrad.tour.notebooks``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

import tapegrad as tg

from . import digits
from .progress import progress_bar
from .tutorial import run_notebook

__all__ = ["main"]

FULL_EPOCHS = 20
QUICK_EPOCHS = 3
BATCH_SIZE = 32
PEAK_LEARNING_RATE = 0.01
HIDDEN = 64


def _heading(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tapegrad",
        description="The tapegrad tour: the autodiff tutorial, then training, checkpointing "
        "and plotting a digits classifier.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"train {QUICK_EPOCHS} epochs instead of {FULL_EPOCHS} (seconds)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="where to write the checkpoint and the plot (default: a new temporary directory)",
    )
    parser.add_argument(
        "--notebooks",
        metavar="DIR",
        default=None,
        help="instead of the tour, execute the example notebooks (examples/notebooks) and write "
        "the executed copies to DIR (needs tapegrad[notebooks])",
    )
    return parser.parse_args(argv)


def part_train(epochs: int) -> tuple[digits.MLP, tg.optimizers.Adam, list, dict, float]:
    """Part 2: train the MLP with a compiled step; returns the model, optimizer, losses, data
    and the time taken."""
    images, labels = digits.load_digits()
    x_train, y_train, x_test, y_test = digits.train_test_split(images, labels)
    data = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    model = digits.MLP((64, HIDDEN, digits.N_CLASSES), seed=0)
    steps_per_epoch = -(-len(x_train) // BATCH_SIZE)
    total = epochs * steps_per_epoch
    optimizer = tg.optimizers.Adam(learning_rate=digits.cosine_schedule(PEAK_LEARNING_RATE, total))
    n_params = sum(v.size for v in model.trainable_variables)
    print(
        f"data: {len(images)} images of 8x8 pixels, {digits.N_CLASSES} classes "
        "(shipped in tapegrad/data: the UCI handwritten digits, CC BY 4.0)"
    )
    print(f"split: {len(x_train)} images for training, {len(x_test)} for testing (fixed seed)")
    print(
        f"model: MLP 64-{HIDDEN}-{digits.N_CLASSES} with ReLU, "
        f"{len(model.trainable_variables)} variables, {n_params:,} parameters"
    )
    print(
        f"optimizer: Adam, learning rate {PEAK_LEARNING_RATE} with cosine decay, "
        f"{epochs} epochs of {steps_per_epoch} minibatches of {BATCH_SIZE}",
        flush=True,
    )
    bar = progress_bar(total, "training")

    def on_step(step: int, loss: float) -> None:
        bar.update(1)
        if step % 10 == 0 or step == total - 1:
            bar.set_postfix_str(f"loss={loss:.4f}", refresh=False)

    start = time.perf_counter()
    try:
        losses = digits.train(
            model, optimizer, x_train, y_train, epochs, BATCH_SIZE, seed=0, on_step=on_step,
            compiled=True,
        )
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    eager_ms, compiled_ms = digits.step_times()
    print(
        f"one training step (batch of {BATCH_SIZE}: forward, gradient, Adam update): "
        f"{eager_ms:.2f} ms eager, {compiled_ms:.2f} ms compiled with tapegrad.function "
        f"({eager_ms / compiled_ms:.1f}x faster)"
    )
    return model, optimizer, losses, data, seconds


def part_checkpoint(model: digits.MLP, optimizer: tg.optimizers.Adam, data: dict, out: str) -> bool:
    """Part 3: save, restore into a fresh model, compare predictions; True when identical."""
    path = os.path.join(out, "digits_mlp.npz")
    tg.checkpoint.save(path, model, optimizer)
    size_kb = os.path.getsize(path) / 1024
    print(f"saved {path} ({size_kb:.0f} KB: {len(model.variables)} variables and the Adam state)")
    fresh = digits.MLP((64, HIDDEN, digits.N_CLASSES), seed=1)
    before = digits.accuracy(fresh, data["x_test"], data["y_test"])
    print(f"a fresh model (other random weights) scores {before:.1%} before restoring")
    fresh_optimizer = tg.optimizers.Adam(learning_rate=optimizer.learning_rate)
    tg.checkpoint.restore(path, fresh, fresh_optimizer)
    original = digits.predict(model, data["x_test"])
    restored = digits.predict(fresh, data["x_test"])
    identical = bool(np.array_equal(original, restored))
    print(
        f"restored it: predictions on the {len(restored)} test images identical: {identical} "
        f"(largest logit difference {np.max(np.abs(original - restored)):.1g}; the optimizer "
        f"resumes at step {fresh_optimizer.iterations})"
    )
    return identical


def part_plot(losses: list, steps_per_epoch: int, out: str) -> None:
    """Part 4: the loss curve as a PNG, when matplotlib is installed."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("skipped: matplotlib is not installed (pip install 'tapegrad[tour]' adds it)")
        return
    steps = np.arange(len(losses))
    epoch_ends = np.arange(steps_per_epoch, len(losses) + 1, steps_per_epoch)
    epoch_means = [np.mean(losses[e - steps_per_epoch : e]) for e in epoch_ends]
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.plot(steps, losses, lw=0.6, alpha=0.5, label="minibatch loss")
    axes.plot(epoch_ends - 1, epoch_means, marker="o", ms=3, label="epoch mean")
    axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel("cross entropy")
    axes.set_title("tapegrad: MLP on the 8x8 digits")
    axes.legend()
    figure.tight_layout()
    path = os.path.join(out, "loss_curve.png")
    figure.savefig(path, dpi=100)
    print(f"wrote the loss curve to {path}")


def main(argv: list[str] | None = None) -> int:
    """Run the tour; returns the exit status (0 when every part worked)."""
    args = _parse(argv)
    if args.notebooks is not None:
        from .notebooks import write_executed

        write_executed(args.notebooks)
        return 0
    started = time.perf_counter()
    out = args.out if args.out is not None else tempfile.mkdtemp(prefix="tapegrad-tour-")
    os.makedirs(out, exist_ok=True)
    out = os.path.abspath(out)
    epochs = QUICK_EPOCHS if args.quick else FULL_EPOCHS
    mode = "quick run" if args.quick else "full run; --quick for a shorter one"
    print(f"tapegrad {tg.__version__} tour ({mode}). Files go to {out}")

    _heading("Part 1: the automatic differentiation tutorial")
    run_notebook(print)

    _heading("Part 2: training an MLP on the 8x8 handwritten digits")
    try:
        model, optimizer, losses, data, seconds = part_train(epochs)
    except FloatingPointError as err:
        print(f"tapegrad tour: {err}", file=sys.stderr)
        return 1
    correct = int(np.sum(np.argmax(digits.predict(model, data["x_test"]), -1) == data["y_test"]))
    n_test = len(data["y_test"])
    print(
        f"test accuracy: {correct / n_test:.1%} ({correct}/{n_test}) after {epochs} epochs; "
        f"training took {seconds:.1f} s"
    )

    _heading("Part 3: checkpoint, restore into a fresh model, compare")
    identical = part_checkpoint(model, optimizer, data, out)

    _heading("Part 4: the loss curve")
    part_plot(losses, -(-len(data["x_train"]) // BATCH_SIZE), out)

    print(f"\nDone in {time.perf_counter() - started:.1f} s. Files are in {out}")
    print(
        "Next: the same digits in Keras style (tg.keras: a Sequential CNN trained with fit, "
        "progress bar, EarlyStopping) in examples/keras_digits.py, and a GradientTape loop "
        "over a Keras model in examples/keras_custom_loop.py."
    )
    return 0 if identical else 1
