"""Unary elementwise math: each op is its NumPy function plus its derivative.

Derivatives are written with tapegrad ops (here, Tensor operators), so they
differentiate again. Where TensorFlow picks a value at a kink, so do we.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import elementwise

__all__ = ["square", "sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid"]


def _sigmoid_impl(x):
    # Stable in both tails: exp of a non-positive number only.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


square_p = elementwise("square", np.square, lambda x, ans: 2 * x, dtypes="fciu")
sqrt_p = elementwise("sqrt", np.sqrt, lambda x, ans: 0.5 / ans, uses="ans")
exp_p = elementwise("exp", np.exp, lambda x, ans: ans, uses="ans")
log_p = elementwise("log", np.log, lambda x, ans: 1 / x)
sin_p = elementwise("sin", np.sin, lambda x, ans: cos_p.bind(x))
cos_p = elementwise("cos", np.cos, lambda x, ans: -sin_p.bind(x))
tanh_p = elementwise("tanh", np.tanh, lambda x, ans: 1 - ans * ans, uses="ans")
sigmoid_p = elementwise("sigmoid", _sigmoid_impl, lambda x, ans: ans * (1 - ans), uses="ans")


def square(x: Any, name: Any = None) -> Tensor:
    """``x * x`` elementwise.

    >>> import tapegrad as tg
    >>> tg.square(3.0).numpy()
    np.float32(9.0)
    """
    return square_p.bind(x)


def sqrt(x: Any, name: Any = None) -> Tensor:
    """Square root; the gradient at 0 is inf, as in TensorFlow.

    >>> import tapegrad as tg
    >>> tg.sqrt(4.0).numpy()
    np.float32(2.0)
    """
    return sqrt_p.bind(x)


def exp(x: Any, name: Any = None) -> Tensor:
    """``e ** x`` elementwise.

    >>> import tapegrad as tg
    >>> float(tg.exp(0.0))
    1.0
    """
    return exp_p.bind(x)


def log(x: Any, name: Any = None) -> Tensor:
    """Natural logarithm.

    >>> import tapegrad as tg
    >>> float(tg.log(1.0))
    0.0
    """
    return log_p.bind(x)


def sin(x: Any, name: Any = None) -> Tensor:
    """Sine.

    >>> import tapegrad as tg
    >>> float(tg.sin(0.0))
    0.0
    """
    return sin_p.bind(x)


def cos(x: Any, name: Any = None) -> Tensor:
    """Cosine.

    >>> import tapegrad as tg
    >>> float(tg.cos(0.0))
    1.0
    """
    return cos_p.bind(x)


def tanh(x: Any, name: Any = None) -> Tensor:
    """Hyperbolic tangent.

    >>> import tapegrad as tg
    >>> float(tg.tanh(0.0))
    0.0
    """
    return tanh_p.bind(x)


def sigmoid(x: Any, name: Any = None) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed stably.

    >>> import tapegrad as tg
    >>> float(tg.sigmoid(0.0))
    0.5
    """
    return sigmoid_p.bind(x)


def _sign_impl(x):
    return np.sign(x)


sign_p = Primitive("sign", _sign_impl, vjps=(lambda g, ans, x: g * 0,),
                   jvp=lambda t, ans, x: t[0] * 0, save_inputs=(), dtypes="fiuc")
abs_p = elementwise("abs", np.abs, lambda x, ans: sign_p.bind(x), dtypes="fi")
conj_p = Primitive(
    "conj",
    np.conj,
    vjps=(lambda g, ans, x: conj_p.bind(g),),
    jvp=lambda t, ans, x: conj_p.bind(t[0]),
    save_inputs=(),
)


def sign(x: Any, name: Any = None) -> Tensor:
    """-1, 0 or 1 by the sign of ``x``; its gradient is zero everywhere (TensorFlow).

    >>> import tapegrad as tg
    >>> tg.sign(tg.constant([-2.0, 0.0, 3.0])).numpy().tolist()
    [-1.0, 0.0, 1.0]
    """
    return sign_p.bind(x)


def abs(x: Any, name: Any = None) -> Tensor:
    """``|x|``; the gradient is ``sign(x)``, so 0 at 0 (TensorFlow).

    >>> import tapegrad as tg
    >>> tg.abs(-2.0).numpy()
    np.float32(2.0)
    """
    return abs_p.bind(x)


def conj(x: Any, name: Any = None) -> Tensor:
    """Complex conjugate (identity on real tensors).

    >>> import tapegrad as tg
    >>> tg.math.conj(tg.constant(1.0)).numpy()
    np.float32(1.0)
    """
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return conj_p.bind(x) if x.dtype.kind == "c" else x


__all__ += ["sign", "abs", "conj"]
