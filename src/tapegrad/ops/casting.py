"""The ops that change a tensor's dtype or take its complex parts: cast, real, conj, identity.

They sit at the bottom of the op library: the rules of every other family use
them (complex cotangents are conjugated; integer results are cast), and their
own rules use only each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.indexed_slices import IndexedSlices
from .._core.primitive import Primitive
from .._core.tensor import Tensor, as_dtype, convert_to_tensor
from ._namespace import dtype_for, namespace, ufunc

__all__ = ["identity", "cast", "conj", "real_part"]


def _identity_impl(x):
    return x


identity_p: Primitive = Primitive(
    "identity",
    _identity_impl,
    vjps=(lambda g, ans, x: g,),
    jvps=(lambda t, ans, x: t,),
    reads=((),),
    sparse_vjp=True,
)


def identity(input: Any, name: Any = None) -> Tensor:
    """A tensor with the same value (differentiable; reads a Variable's current value).

    >>> import tapegrad as tg
    >>> tg.identity(tg.constant(2.0)).numpy()
    np.float32(2.0)
    """
    return identity_p.bind(input)


def _cast_impl(x, dtype):
    try:
        return x.astype(dtype)  # (the array method: NumPy, Dask, CuPy)
    except AttributeError:  # the standard's function, with the library's dtype object
        xp = namespace(x)
        return xp.astype(x, dtype_for(xp, dtype))


def _cast_vjp(g, ans, x, dtype):
    if x.dtype.kind not in "fc":
        return None
    if g.__class__ is IndexedSlices:  # cast the rows: the gradient stays sparse
        return IndexedSlices(_cast_vjp(g.values, ans, x, dtype), g.indices, g.dense_shape)
    if x.dtype.kind == "f" and g.dtype.kind == "c":
        g = real_part(g)
    return cast_p.bind(g, dtype=x.dtype) if g.dtype != x.dtype else g


def _cast_jvp(t, ans, x, dtype):
    return cast_p.bind(t, dtype=dtype) if dtype.kind in "fc" else None  # linear between floats


cast_p: Primitive = Primitive(
    "cast", _cast_impl, vjps=(_cast_vjp,), jvps=(_cast_jvp,), reads=((),), sparse_vjp=True
)


def cast(x: Any, dtype: Any, name: Any = None) -> Tensor:
    """Convert to ``dtype`` (differentiable between float dtypes; None from integers).

    >>> import tapegrad as tg
    >>> tg.cast(tg.constant([1.7, -1.7]), tg.int32).numpy().tolist()
    [1, -1]
    """
    dtype = as_dtype(dtype)
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if x.dtype == dtype:
        return x
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = real_p.bind(x)
        if x.dtype == dtype:
            return x
    return cast_p.bind(x, dtype=dtype)


real_p: Primitive = Primitive(
    "real",
    ufunc(np.real),
    vjps=(lambda g, ans, x: cast_p.bind(g, dtype=x.dtype),),
    jvps=(lambda t, ans, x: real_p.bind(t),),
    reads=((),),
    dtypes="c",
)


def real_part(x: Tensor) -> Tensor:
    """The real part of a complex tensor."""
    return real_p.bind(x)


conj_p: Primitive = Primitive(
    "conj",
    ufunc(np.conj),
    vjps=(lambda g, ans, x: conj_p.bind(g),),
    jvps=(lambda t, ans, x: conj_p.bind(t),),
    reads=((),),
)


def conj(x: Any, name: Any = None) -> Tensor:
    """Complex conjugate (identity on real tensors).

    >>> import tapegrad as tg
    >>> tg.math.conj(tg.constant(1.0)).numpy()
    np.float32(1.0)
    """
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return conj_p.bind(x) if x.dtype.kind == "c" else x
