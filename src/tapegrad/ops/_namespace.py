"""What op bodies need beyond the array API standard, once for every array library.

``namespace(x, ...)`` (from the engine) gives the library computing an op: ``numpy``
itself for NumPy values, else the array API namespace of Dask, CuPy or any other
library. Here: special functions, scatter-add, dtype objects, and the error of an
op that has no formulation for a library (``unsupported``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.backend import PLAIN, namespace, numpy_dtype, to_numpy

__all__ = ["namespace", "is_numpy", "library", "special", "scatter_add", "dtype_for",
           "unsupported", "to_numpy", "numpy_only", "numpy_dtype"]



def is_numpy(x: Any) -> bool:
    """True for NumPy arrays and scalars (and Python numbers)."""
    return isinstance(x, PLAIN)


def _is(kind: str, x: Any) -> bool:
    """``array_api_compat.is_dask_array(x)`` (kind "dask"), ``is_cupy_array`` ..."""
    import array_api_compat

    return not isinstance(x, PLAIN) and getattr(array_api_compat, f"is_{kind}_array")(x)


def library(x: Any) -> str:
    """The package holding ``x``: "numpy", "dask", "cupy", "array_api_strict", ..."""
    return "numpy" if is_numpy(x) else type(x).__module__.split(".")[0]


def dtype_for(xp: Any, dtype: Any) -> Any:
    """The dtype object ``xp`` takes for a NumPy dtype (the same object but for
    libraries with dtypes of their own, such as array-api-strict)."""
    if xp is np:
        return dtype
    return getattr(xp, np.dtype(dtype).name)


def special(x: Any, op: str) -> Any:
    """``scipy.special`` for NumPy and Dask (its ufuncs map lazily over Dask's chunks),
    ``cupyx.scipy.special`` for CuPy."""
    import scipy.special

    if is_numpy(x) or _is("dask", x):
        return scipy.special
    if _is("cupy", x):
        import cupyx.scipy.special  # type: ignore[import-not-found]

        return cupyx.scipy.special
    raise unsupported(op, x, "it needs scipy.special")


def scatter_add(op: str, shape: tuple, indices: Any, updates: Any) -> Any:
    """Zeros of ``shape`` plus ``updates`` added at the rows ``indices`` (repeats add up).

    NumPy: ``np.add.at``; CuPy: ``cupyx.scatter_add``; Dask and others: a lazy product
    of a one-hot (rows x indices) matrix with the updates, for 1-d ``indices``.
    """
    if is_numpy(updates) and is_numpy(indices):
        out = np.zeros(shape, updates.dtype)
        np.add.at(out, indices, updates)
        return out
    xp = namespace(updates, indices)
    if _is("cupy", updates):
        import cupyx  # type: ignore[import-not-found]

        out = xp.zeros(shape, dtype=updates.dtype)
        cupyx.scatter_add(out, indices, updates)
        return out
    if len(indices.shape) != 1 or len(shape) < 1:
        raise unsupported(op, updates, "scatter-add there takes 1-d row indices")
    indices = xp.asarray(indices)
    rows = xp.arange(shape[0], dtype=indices.dtype)
    onehot = xp.astype(rows[:, None] == indices[None, :], updates.dtype)
    flat = xp.reshape(updates, (updates.shape[0], -1))
    return xp.reshape(xp.matmul(onehot, flat), shape)


def unsupported(op: str, x: Any, why: str = "") -> NotImplementedError:
    """The error of an op that has no formulation for ``x``'s array library."""
    reason = f" ({why})" if why else ""
    return NotImplementedError(
        f"{op}: not implemented for {library(x)} arrays{reason}. Convert the input to NumPy "
        "(tensor.numpy()) first; the README lists the ops each array library runs."
    )


def numpy_only(op: str, *arrays: Any) -> None:
    """Raise :func:`unsupported` unless every array is NumPy (ops with no foreign form)."""
    for a in arrays:
        if not isinstance(a, PLAIN) and a is not None:
            raise unsupported(op, a)
