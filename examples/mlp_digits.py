"""A multilayer perceptron that classifies the 8x8 handwritten digits.

A ``tapegrad.Module`` holds the layers (it finds their variables), Adam
trains it with ``optimizer.minimize``, and ``tapegrad.checkpoint`` saves it.
The digits ship with tapegrad (see ``tapegrad/data/README.md``).

Run: ``python examples/mlp_digits.py`` (``TAPEGRAD_EXAMPLE_EPOCHS=1`` for a
shorter run).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import tapegrad as tf
from tapegrad.tour.digits import load_digits, train_test_split


class Dense(tf.Module):
    """``activation(x @ w + b)`` with He-normal initial weights."""

    def __init__(self, n_in: int, n_out: int, activation=None):
        super().__init__()
        std = float(np.sqrt(2.0 / n_in))
        self.w = tf.Variable(tf.random.normal((n_in, n_out), stddev=std), name="w")
        self.b = tf.Variable(tf.zeros((n_out,)), name="b")
        self.activation = activation

    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return y if self.activation is None else self.activation(y)


class MLP(tf.Module):
    """64 pixels -> 128 -> 64 -> 10 logits, ReLU between layers."""

    def __init__(self):
        super().__init__()
        self.layers = [
            Dense(64, 128, tf.nn.relu),
            Dense(128, 64, tf.nn.relu),
            Dense(64, 10),
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def main(
    epochs: int = 15, batch_size: int = 32, verbose: bool = True, out_dir: str | None = None
) -> float:
    """Train, report the test accuracy, save a checkpoint; returns the test accuracy.

    The checkpoint goes to ``out_dir`` (default: a new temporary directory).
    """
    tf.random.set_seed(0)  # reproducible initial weights
    x_train, y_train, x_test, y_test = train_test_split(*load_digits())
    model = MLP()
    optimizer = tf.optimizers.Adam(learning_rate=2e-3)
    rng = np.random.default_rng(0)
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]

            def loss_fn(rows=rows):
                logits = model(x_train[rows])
                losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=y_train[rows], logits=logits
                )
                return tf.reduce_mean(losses)

            loss = optimizer.minimize(loss_fn, model.trainable_variables)
        predicted = np.argmax(model(x_test).numpy(), axis=-1)
        accuracy = float(np.mean(predicted == y_test))
        if verbose:
            print(
                f"epoch {epoch + 1:2d}  last batch loss {float(loss):.4f}  "
                f"test accuracy {accuracy:.1%}"
            )
    out_dir = out_dir if out_dir is not None else tempfile.mkdtemp(prefix="mlp_digits-")
    path = tf.checkpoint.save(os.path.join(out_dir, "mlp_digits.npz"), model, optimizer)
    if verbose:
        print(f"saved the model and optimizer to {path}")
    return accuracy


if __name__ == "__main__":
    main(epochs=int(os.environ.get("TAPEGRAD_EXAMPLE_EPOCHS", "15")))
