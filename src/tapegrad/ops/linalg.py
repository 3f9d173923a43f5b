"""Linear algebra: matmul and matvec (batched over leading dimensions).

matmul's rules are matmuls themselves (``g @ B^T``, ``A^T @ g``), so they
batch over extra leading cotangent dimensions by broadcasting, and backprop
sums broadcast batch dimensions back to each input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from .shape import matrix_transpose_p

__all__ = ["matmul", "matvec"]


def _mt(x: Tensor) -> Tensor:
    return matrix_transpose_p.bind(x)


def _matmul_jvp(t, ans, a, b):
    ta, tb = t
    out = None if ta is None else matmul_p.bind(ta, b)
    if tb is not None:
        other = matmul_p.bind(a, tb)
        out = other if out is None else out + other
    return out


matmul_p = Primitive(
    "matmul",
    np.matmul,
    vjps=(
        lambda g, ans, a, b: matmul_p.bind(g, _conj_t(b)),
        lambda g, ans, a, b: matmul_p.bind(_conj_t(a), g),
    ),
    jvp=_matmul_jvp,
    dtypes="fciu",
)


def _conj_t(x: Tensor) -> Tensor:
    t = _mt(x)
    if t.dtype.kind == "c":
        from .unary import conj

        t = conj(t)
    return t


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    name: Any = None,
) -> Tensor:
    """Matrix product of the last two axes, broadcasting the leading (batch) axes.

    >>> import tapegrad as tg
    >>> tg.matmul(tg.ones((2, 3)), tg.ones((3, 4))).shape
    (2, 4)
    """
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(
            f"matmul: both inputs must have rank >= 2, got shapes {a.shape} and {b.shape}. "
            "Use tapegrad.linalg.matvec for matrix @ vector, or expand_dims."
        )
    if transpose_a or adjoint_a:
        a = _conj_t(a) if adjoint_a else _mt(a)
    if transpose_b or adjoint_b:
        b = _conj_t(b) if adjoint_b else _mt(b)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"matmul: inner dimensions differ: a has shape {a.shape} (after transposes) and b "
            f"has shape {b.shape}; a.shape[-1] must equal b.shape[-2]."
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} do not broadcast."
        ) from None
    return matmul_p.bind(a, b)


def matvec(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False, name: Any = None):
    """Matrix times vector over the last axes: ``a @ b[..., None]``, squeezed.

    >>> import tapegrad as tg
    >>> tg.linalg.matvec(tg.eye(2), tg.constant([1.0, 2.0])).numpy().tolist()
    [1.0, 2.0]
    """
    from .shape import expand_dims, squeeze

    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    if b.ndim < 1:
        raise ValueError(f"matvec: b must be a vector (rank >= 1), got shape {b.shape}.")
    out = matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a)
    return squeeze(out, -1)
