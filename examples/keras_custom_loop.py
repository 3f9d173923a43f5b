"""A custom training loop over a Keras model: ``GradientTape`` + a Keras optimizer.

This is the loop TensorFlow's guides write by hand when ``fit`` is not enough: call the model
with ``training=True`` inside a tape, add the model's regularization ``losses``, differentiate
with respect to ``model.trainable_variables`` and step a ``keras.optimizers.Adam``; track
metrics with ``keras.metrics``. It runs unchanged with ``import tensorflow as tf``.

Run: ``python examples/keras_custom_loop.py`` (``TAPEGRAD_EXAMPLE_EPOCHS=1`` for a short run).
"""

from __future__ import annotations

import os

import numpy as np

import tapegrad as tf
from tapegrad.tour.digits import load_digits, train_test_split

keras = tf.keras


def main(epochs: int = 8, batch_size: int = 32, verbose: bool = True) -> float:
    """Train an MLP on the digits with a hand-written loop; returns the test accuracy."""
    tf.random.set_seed(0)
    x_train, y_train, x_test, y_test = train_test_split(*load_digits())
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation="relu",
                           kernel_regularizer=keras.regularizers.L2(1e-4)),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(10),
    ])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=3e-3)
    train_loss = keras.metrics.Mean(name="loss")
    train_accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    test_accuracy = keras.metrics.SparseCategoricalAccuracy(name="test_accuracy")
    rng = np.random.default_rng(0)

    for epoch in range(epochs):
        for metric in (train_loss, train_accuracy, test_accuracy):
            metric.reset_state()
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            x, y = x_train[rows], y_train[rows]
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                loss = loss_fn(y, logits) + sum(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            train_loss.update_state(loss)
            train_accuracy.update_state(y, logits)
        test_accuracy.update_state(y_test, model(x_test, training=False))
        if verbose:
            print(f"epoch {epoch + 1}: loss {float(train_loss.result()):.4f}  "
                  f"accuracy {float(train_accuracy.result()):.1%}  "
                  f"test accuracy {float(test_accuracy.result()):.1%}")
    return float(test_accuracy.result())


if __name__ == "__main__":
    main(epochs=int(os.environ.get("TAPEGRAD_EXAMPLE_EPOCHS", "8")))
