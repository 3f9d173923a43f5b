"""``keras.activations``: Keras's activation functions by name (``Dense(4, activation="relu")``).

Each takes and returns a tensor; ``get`` resolves a name, a callable or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tapegrad as tg

from ._utils import to_tensor

__all__ = [
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "deserialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> tg.Tensor:
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    >>> from tapegrad import keras
    >>> keras.activations.relu([-1.0, 0.5, 3.0], max_value=2.0).numpy().tolist()
    [0.0, 0.5, 2.0]
    """
    x = to_tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return tg.nn.relu(x)
    y = tg.where(x > threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = tg.minimum(y, tg.cast(max_value, y.dtype))
    return y


def leaky_relu(x: Any, negative_slope: float = 0.2) -> tg.Tensor:
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""
    return tg.nn.leaky_relu(to_tensor(x), alpha=negative_slope)


def relu6(x: Any) -> tg.Tensor:
    """``min(max(x, 0), 6)``."""
    return tg.nn.relu6(to_tensor(x))


def elu(x: Any, alpha: float = 1.0) -> tg.Tensor:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    x = to_tensor(x)
    return tg.nn.elu(x) if alpha == 1.0 else tg.where(x > 0, x, alpha * tg.math.expm1(x))


def selu(x: Any) -> tg.Tensor:
    """Scaled exponential linear unit."""
    return tg.nn.selu(to_tensor(x))


def sigmoid(x: Any) -> tg.Tensor:
    """``1 / (1 + exp(-x))``."""
    return tg.sigmoid(to_tensor(x))


def tanh(x: Any) -> tg.Tensor:
    """Hyperbolic tangent."""
    return tg.tanh(to_tensor(x))


def softplus(x: Any) -> tg.Tensor:
    """``log(1 + exp(x))``."""
    return tg.nn.softplus(to_tensor(x))


def softsign(x: Any) -> tg.Tensor:
    """``x / (1 + |x|)``."""
    return tg.nn.softsign(to_tensor(x))


def silu(x: Any) -> tg.Tensor:
    """``x * sigmoid(x)`` (also called swish)."""
    return tg.nn.silu(to_tensor(x))


swish = silu


def gelu(x: Any, approximate: bool = False) -> tg.Tensor:
    """Gaussian error linear unit (exact by default, as in Keras)."""
    return tg.nn.gelu(to_tensor(x), approximate=approximate)


def hard_sigmoid(x: Any) -> tg.Tensor:
    """Keras 3's ``relu6(x + 3) / 6``."""
    return tg.nn.relu6(to_tensor(x) + 3.0) / 6.0


def hard_silu(x: Any) -> tg.Tensor:
    """``x * hard_sigmoid(x)``."""
    x = to_tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x: Any) -> tg.Tensor:
    """``x * tanh(softplus(x))``."""
    x = to_tensor(x)
    return x * tg.tanh(tg.nn.softplus(x))


def exponential(x: Any) -> tg.Tensor:
    """``exp(x)``."""
    return tg.exp(to_tensor(x))


def linear(x: Any) -> tg.Tensor:
    """The identity (the default of ``Dense``)."""
    return to_tensor(x)


def softmax(x: Any, axis: int = -1) -> tg.Tensor:
    """Softmax along ``axis``.

    >>> from tapegrad import keras
    >>> keras.activations.softmax([[0.0, 0.0]]).numpy().tolist()
    [[0.5, 0.5]]
    """
    return tg.nn.softmax(to_tensor(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> tg.Tensor:
    """Log of the softmax along ``axis``."""
    return tg.nn.log_softmax(to_tensor(x), axis=axis)


_ALL: dict = {
    name: globals()[name] for name in __all__ if name not in ("get", "serialize", "deserialize")
}
_ALL["swish"] = silu
_ALL["hard_swish"] = hard_silu


def serialize(activation: Callable) -> str:
    """The name of a Keras activation (``serialize(relu) == "relu"``)."""
    for name, fn in _ALL.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", repr(activation))


def deserialize(name: str) -> Callable:
    """The activation called ``name``."""
    return get(name)


def get(identifier: Any) -> Callable:
    """An activation from a name, a callable, or None (the identity).

    Raises:
        ValueError: an unknown name; the message lists the known ones.

    >>> from tapegrad import keras
    >>> keras.activations.get("relu") is keras.activations.relu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _ALL:
            raise ValueError(
                f"Unknown activation {identifier!r}. Use one of {sorted(_ALL)}, or pass a callable."
            )
        return _ALL[identifier]
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret activation {identifier!r}: pass a name such as 'relu', a callable "
        "or None."
    )
