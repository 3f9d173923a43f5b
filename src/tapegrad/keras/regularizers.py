"""``keras.regularizers``: weight penalties added to a layer's ``losses``."""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from ._utils import get_callable

__all__ = [
    "Regularizer",
    "L1",
    "L2",
    "L1L2",
    "l1",
    "l2",
    "l1_l2",
    "get",
    "serialize",
    "deserialize",
]


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar penalty."""

    def __call__(self, x: Any) -> tg.Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


def _factor(value: Any, name: str, cls: str) -> float:
    value = float(value) if value is not None else 0.0
    if value < 0 or value != value:
        raise ValueError(f"{cls}: `{name}` must be a non-negative number, got {value}.")
    return value


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``.

    >>> from tapegrad import keras
    >>> float(keras.regularizers.L1L2(l1=0.5, l2=0.25)([1.0, -2.0]))
    2.75
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _factor(l1, "l1", type(self).__name__)
        self.l2 = _factor(l2, "l2", type(self).__name__)

    def __call__(self, x):
        x = tg.convert_to_tensor(x)
        total = tg.zeros((), x.dtype)
        if self.l1:
            total = total + self.l1 * tg.reduce_sum(tg.abs(x))
        if self.l2:
            total = total + self.l2 * tg.reduce_sum(tg.square(x))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``, ``l1`` 0.01 by default."""

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x**2)``, ``l2`` 0.01 by default."""

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_TABLE = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2, "l1_l2": L1L2}


def serialize(regularizer: Regularizer) -> dict:
    """``{"class_name": ..., "config": ...}`` for ``regularizer``."""
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config: dict) -> Regularizer:
    """The regularizer that ``serialize`` described."""
    return get(config)


def get(identifier: Any) -> Any:
    """A regularizer from a name (``"l2"``), a config, an instance, a callable or None.

    >>> from tapegrad import keras
    >>> keras.regularizers.get("l2").l2
    0.01
    """
    return get_callable(identifier, _TABLE, "regularizer", Regularizer)
