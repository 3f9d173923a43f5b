"""``tapegrad.keras`` (also ``tg.keras``): a NumPy-backed subset of Keras 3 as TensorFlow 2.21
exposes it, built on tapegrad's public API.

Same names, arguments, defaults, shapes, initialisers and numbers as Keras: layers built on
first call, ``Sequential``, ``Model`` (subclassing and functional ``Input``),
``compile``/``fit``/``evaluate``/``predict``, callbacks, losses, metrics, and Keras's
optimizers (whose formulas differ from ``tg.optimizers``'). Layers work inside a
``GradientTape`` like any tapegrad code:

>>> import numpy as np
>>> import tapegrad as tf
>>> layer = tf.keras.layers.Dense(2, activation="relu")
>>> x = np.ones((3, 4), np.float32)
>>> with tf.GradientTape() as tape:
...     loss = tf.reduce_sum(layer(x) ** 2)
>>> [tuple(g.shape) for g in tape.gradient(loss, layer.trainable_variables)]
[(4, 2), (2,)]
"""

from . import (
    activations,
    backend,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)
from .models import Input, InputLayer, Model, Sequential

__all__ = [
    "Input",
    "InputLayer",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "regularizers",
    "utils",
]
