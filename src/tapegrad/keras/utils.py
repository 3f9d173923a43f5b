"""``keras.utils``: the helpers TensorFlow training scripts call most."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

import tapegrad as tg

__all__ = ["set_random_seed", "to_categorical"]


def set_random_seed(seed: int) -> None:
    """Seed Python's, NumPy's and tapegrad's random streams (weights, dropout, shuffling).

    >>> from tapegrad import keras
    >>> keras.utils.set_random_seed(1); a = keras.layers.Dense(2); a.build((None, 3))
    >>> keras.utils.set_random_seed(1); b = keras.layers.Dense(2); b.build((None, 3))
    >>> bool((a.kernel.numpy() == b.kernel.numpy()).all())
    True
    """
    random.seed(seed)
    np.random.seed(seed)
    tg.random.set_seed(seed)


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot rows (float32) for integer class labels.

    >>> from tapegrad import keras
    >>> keras.utils.to_categorical([0, 2], num_classes=3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = np.asarray(x, dtype=np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    n = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(
            f"to_categorical: labels must be in [0, {n}), got values from "
            f"{labels.min()} to {labels.max()}."
        )
    return np.eye(n, dtype=np.float32)[labels]
