"""Layers that combine a list of inputs: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate."""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from .._utils import shape_of
from .layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]


class _Merge(Layer):
    def _check(self, inputs) -> list:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) must be called on a list of at "
                f"least 2 inputs, got {type(inputs).__name__}."
            )
        shapes = [shape_of(x) for x in inputs]
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): inputs must have the same shape "
                f"(or broadcast), got shapes {shapes}."
            ) from None
        return list(inputs)

    def call(self, inputs):
        xs = self._check(inputs)
        out = xs[0]
        for x in xs[1:]:
            out = self._merge(out, x)
        return self._finish(out, len(xs))

    def _finish(self, out, n):
        return out


class Add(_Merge):
    """Elementwise sum of a list of inputs.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Add()([np.array([1.0, 2.0]), np.array([3.0, 4.0])]).numpy().tolist()
    [4.0, 6.0]
    """

    def _merge(self, a, b):
        return a + b


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    def call(self, inputs):
        xs = self._check(inputs)
        if len(xs) != 2:
            raise ValueError(
                f"Layer '{self.name}' (Subtract) needs exactly 2 inputs, got {len(xs)}."
            )
        return xs[0] - xs[1]


class Multiply(_Merge):
    """Elementwise product of a list of inputs."""

    def _merge(self, a, b):
        return a * b


class Average(Add):
    """Elementwise mean of a list of inputs."""

    def _finish(self, out, n):
        return out / float(n)


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs."""

    def _merge(self, a, b):
        return tg.maximum(a, b)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs."""

    def _merge(self, a, b):
        return tg.minimum(a, b)


class Concatenate(Layer):
    """Concatenate a list of inputs along ``axis`` (the last by default).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> tuple(keras.layers.Concatenate()([np.ones((2, 3)), np.zeros((2, 1))]).shape)
    (2, 4)
    """

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self._remember(axis=axis)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 1:
            raise ValueError(
                f"Layer '{self.name}' (Concatenate) must be called on a list of inputs."
            )
        shapes = [shape_of(x) for x in inputs]
        rank = len(shapes[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        ok = axis is not None and all(
            len(s) == rank
            and all(a == b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis)
            for s in shapes
        )
        if not ok:
            raise ValueError(
                f"Layer '{self.name}' (Concatenate): a `Concatenate` layer requires inputs with "
                f"matching shapes except for the concatenation axis {self.axis}. Received: "
                f"input_shape={shapes}."
            )
        return tg.concat(list(inputs), axis=axis)
