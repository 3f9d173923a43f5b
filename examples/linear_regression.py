"""Linear regression with tapegrad: fit ``y = x @ w + b`` to noisy samples.

The training loop is TensorFlow 2's: record the loss on a ``GradientTape``,
take the gradient with respect to the variables, let an optimizer apply it.

Run: ``python examples/linear_regression.py`` (``TAPEGRAD_EXAMPLE_STEPS=20``
for a shorter run).
"""

from __future__ import annotations

import os

import numpy as np

import tapegrad as tf

TRUE_W = np.array([[2.0], [-3.0], [0.5]], np.float32)
TRUE_B = np.float32(1.0)


def make_data(n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of 3 features and their targets ``x @ TRUE_W + TRUE_B + noise``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = x @ TRUE_W + TRUE_B + 0.1 * rng.normal(size=(n, 1)).astype(np.float32)
    return x, y


def main(steps: int = 200, verbose: bool = True) -> dict:
    """Fit the model with SGD and momentum; returns the learned ``w``, ``b`` and final loss."""
    x, y = make_data()
    w = tf.Variable(tf.zeros((3, 1)), name="w")
    b = tf.Variable(0.0, name="b")
    optimizer = tf.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    for step in range(steps):
        with tf.GradientTape() as tape:
            residual = tf.matmul(x, w) + b - y
            loss = tf.reduce_mean(residual * residual)
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
        if verbose and (step % 50 == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {float(loss):.5f}")
    result = {"w": w.numpy().ravel(), "b": float(b), "loss": float(loss)}
    if verbose:
        print(
            f"learned w = {[round(float(v), 3) for v in result['w']]}, b = {result['b']:.3f} "
            f"(true w = {TRUE_W.ravel().tolist()}, b = {float(TRUE_B)})"
        )
    return result


if __name__ == "__main__":
    main(steps=int(os.environ.get("TAPEGRAD_EXAMPLE_STEPS", "200")))
