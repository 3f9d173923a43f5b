"""A small convolutional network on the 8x8 handwritten digits.

``conv2d`` (3x3, 16 filters, 'SAME') -> ReLU -> ``max_pool2d`` (2x2) ->
``conv2d`` (3x3, 32 filters) -> ReLU -> ``max_pool2d`` (2x2) -> dense -> 10
logits, NHWC layout as in ``tf.nn``. The digits ship with tapegrad.

Run: ``python examples/cnn_digits.py`` (``TAPEGRAD_EXAMPLE_EPOCHS=1`` for a
shorter run).
"""

from __future__ import annotations

import os

import numpy as np

import tapegrad as tf
from tapegrad.tour.digits import load_digits, train_test_split


def he_normal(shape: tuple, fan_in: int):
    """Initial weights with standard deviation sqrt(2 / fan_in) (for ReLU layers)."""
    return tf.random.normal(shape, stddev=float(np.sqrt(2.0 / fan_in)))


class CNN(tf.Module):
    """Two conv + pool blocks and a dense classifier, on (batch, 8, 8, 1) images."""

    def __init__(self):
        super().__init__()
        self.conv1 = tf.Variable(he_normal((3, 3, 1, 16), 9), name="conv1")
        self.bias1 = tf.Variable(tf.zeros((16,)), name="bias1")
        self.conv2 = tf.Variable(he_normal((3, 3, 16, 32), 9 * 16), name="conv2")
        self.bias2 = tf.Variable(tf.zeros((32,)), name="bias2")
        self.dense = tf.Variable(he_normal((2 * 2 * 32, 10), 2 * 2 * 32), name="dense")
        self.bias3 = tf.Variable(tf.zeros((10,)), name="bias3")

    def __call__(self, images):
        x = tf.nn.conv2d(images, self.conv1, strides=1, padding="SAME") + self.bias1
        x = tf.nn.max_pool2d(tf.nn.relu(x), ksize=2, strides=2, padding="VALID")  # 4x4x16
        x = tf.nn.conv2d(x, self.conv2, strides=1, padding="SAME") + self.bias2
        x = tf.nn.max_pool2d(tf.nn.relu(x), ksize=2, strides=2, padding="VALID")  # 2x2x32
        x = tf.reshape(x, (-1, 2 * 2 * 32))
        return tf.matmul(x, self.dense) + self.bias3


def main(epochs: int = 6, batch_size: int = 32, verbose: bool = True) -> float:
    """Train the CNN and report the test accuracy; returns it."""
    tf.random.set_seed(0)  # reproducible initial weights
    x_train, y_train, x_test, y_test = train_test_split(*load_digits())
    x_train = x_train.reshape(-1, 8, 8, 1)
    x_test = x_test.reshape(-1, 8, 8, 1)
    model = CNN()
    optimizer = tf.optimizers.Adam(learning_rate=3e-3)
    rng = np.random.default_rng(0)
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            with tf.GradientTape() as tape:
                logits = model(x_train[rows])
                loss = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(
                        labels=y_train[rows], logits=logits
                    )
                )
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        accuracy = float(np.mean(np.argmax(model(x_test).numpy(), -1) == y_test))
        if verbose:
            print(
                f"epoch {epoch + 1}  last batch loss {float(loss):.4f}  "
                f"test accuracy {accuracy:.1%}"
            )
    return accuracy


if __name__ == "__main__":
    main(epochs=int(os.environ.get("TAPEGRAD_EXAMPLE_EPOCHS", "6")))
