"""The digits classifier in Keras style: a ``Sequential`` CNN trained with ``fit``.

Keras's progress bar, validation accuracy each epoch, ``EarlyStopping`` that keeps the best
weights, then ``evaluate`` on the held-out test set. The same code runs with TensorFlow's
Keras; here it runs on tapegrad (``tapegrad.keras``), with the 8x8 digits that ship with it.

Run: ``python examples/keras_digits.py`` (``TAPEGRAD_EXAMPLE_EPOCHS=2`` for a short run).
"""

from __future__ import annotations

import os
import time

import tapegrad as tf
from tapegrad import keras
from tapegrad.tour.digits import load_digits, train_test_split


def build_model() -> keras.Sequential:
    """Two conv + pool blocks and a dense classifier on (8, 8, 1) images; returns logits."""
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10),
    ])


def main(epochs: int = 30, verbose: int = 1) -> float:
    """Train with ``fit`` and return the test accuracy."""
    tf.random.set_seed(0)  # reproducible initial weights and shuffling
    x_train, y_train, x_test, y_test = train_test_split(*load_digits())
    x_train, x_test = x_train.reshape(-1, 8, 8, 1), x_test.reshape(-1, 8, 8, 1)
    model = build_model()
    if verbose:
        model.summary()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=2e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5,
                                         restore_best_weights=True)
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1,
              callbacks=[stop], verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    if verbose:
        print(f"test loss {loss:.4f}  test accuracy {accuracy:.1%}  (fit took {seconds:.1f} s)")
    return accuracy


if __name__ == "__main__":
    main(epochs=int(os.environ.get("TAPEGRAD_EXAMPLE_EPOCHS", "30")))
