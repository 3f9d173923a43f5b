"""The one namespace lookup, and what op bodies need beyond the array API standard.

``namespace(x, ...)`` is the ``numpy`` module for NumPy values (one class check: the
fast path, so per-op overhead does not change) and the Python array API namespace
(``array-api-compat``) of any other array: Dask, CuPy, array-api-strict. NumPy 2
spells the standard's names, so one op body serves every library. The rest is what
the standard lacks, each said once: special functions, scatter-add, dtype objects,
bringing a value to host memory, and the error of an op that has no formulation for
a library (``unsupported``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["namespace", "is_numpy", "library", "special", "scatter_add", "dtype_for",
           "unsupported", "to_numpy", "numpy_only", "numpy_dtype", "ufunc", "device_of", "take",
           "other_library"]

_NUMPY = frozenset([np.ndarray, *np.sctypeDict.values()])  # arrays and NumPy scalar types
PLAIN = (np.ndarray, np.generic, bool, int, float, complex)  # values NumPy computes on
_DTYPES: dict = {}  # a library's own dtype objects (array-api-strict's) -> NumPy's


def is_numpy(x: Any) -> bool:
    """True for NumPy arrays and scalars (and Python numbers)."""
    return isinstance(x, PLAIN)


def namespace(x: Any, *more: Any) -> Any:
    """The namespace computing on ``x`` and ``more``.

    NumPy values and Python numbers beside another library's array follow that
    library; arrays of two other libraries (Dask and CuPy) in one op are refused.
    """
    if x.__class__ in _NUMPY and (not more or all(m.__class__ in _NUMPY for m in more)):
        return np
    import array_api_compat  # (optional: only other libraries' arrays need it)

    found = {type(a).__module__.split(".")[0]: a for a in (x, *more)
             if a is not None and not isinstance(a, PLAIN)}
    if len(found) > 1:
        raise TypeError(f"Cannot compute on arrays of {' and '.join(sorted(found))} in one op: "
                        "move them to one library first (e.g. dask_array.compute()).")
    found = {k: array_api_compat.array_namespace(a) for k, a in found.items()}
    return next(iter(found.values()), np)


# NumPy's names that the array API standard spells differently
_STANDARD_NAMES = {"absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
                   "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
                   "arctan2": "atan2", "power": "pow", "conjugate": "conj",
                   "invert": "bitwise_invert", "amax": "max", "amin": "min"}


_TWINS: dict = {}  # NumPy ufunc -> the array API function of the same meaning


def ufunc(np_fn: Any) -> Any:
    """``np_fn`` itself, as an op's impl, with its array API twin noted.

    NumPy values (and Dask's and CuPy's, through NumPy's dispatch protocols) take
    ``np_fn`` with no wrapper in between; where NumPy refuses an input (an array of a
    library without those protocols, such as array-api-strict or a GPU library), the
    dispatch path calls the twin from the array's own namespace (:func:`other_library`).
    """
    _TWINS[np_fn] = _STANDARD_NAMES.get(np_fn.__name__, np_fn.__name__)
    return np_fn


_BAD_ARGUMENTS = (ValueError, IndexError, np.linalg.LinAlgError)


def other_library(prim: Any, arrays: list, params: dict, err: Exception) -> Any:
    """An op's impl failed on ``arrays``: None if they are all NumPy's (the engine describes
    NumPy's error); the impl's array API twin applied to them, where it has one; else the
    error of another library's refusal is raised (a TypeError for two libraries in one op,
    NotImplementedError naming the op and the library otherwise; a ValueError stays one)."""
    foreign = sorted({library(a) for a in arrays if not is_numpy(a)})
    if not foreign:
        return None
    if len(foreign) > 1:
        raise TypeError(f"{prim.name}: arrays of {' and '.join(foreign)} in one op; move them "
                        "to one library first (e.g. dask_array.compute()).")
    name = _TWINS.get(prim.impl)
    twin = None if name is None else getattr(namespace(*arrays), name, None)
    if twin is not None:
        return twin(*arrays, **params)
    if isinstance(err, _BAD_ARGUMENTS) or str(err).startswith(prim.name + ":"):
        return None  # (a bad argument, or an error of the op's own: the engine raises it)
    other = next(a for a in arrays if not is_numpy(a))
    raise unsupported(prim.name, other, f"{type(err).__name__}: {err}")


def take(op: str, x: Any, idx: tuple) -> Any:
    """``x[idx]`` with NumPy index arrays in ``idx`` moved to ``x``'s library first; an index
    that library cannot take (several arrays, masks, on Dask or array-api-strict) is refused."""
    if is_numpy(x):
        return x[idx]
    xp = namespace(x)
    moved = tuple(xp.asarray(i, device=device_of(x)) if isinstance(i, np.ndarray) else i
                  for i in idx)
    try:
        return x[moved]
    except (IndexError, ValueError, TypeError, NotImplementedError) as err:
        raise unsupported(op, x, f"{type(err).__name__}: {err}") from err


def device_of(x: Any) -> Any:
    """The device of ``x`` (for allocations beside it: "cpu" for NumPy)."""
    if isinstance(x, PLAIN):
        return "cpu"
    import array_api_compat

    return array_api_compat.device(x)


def _is(kind: str, x: Any) -> bool:
    """``array_api_compat.is_dask_array(x)`` for kind "dask", ``is_cupy_array`` ..."""
    if isinstance(x, PLAIN):
        return False
    import array_api_compat

    return getattr(array_api_compat, f"is_{kind}_array")(x)


def library(x: Any) -> str:
    """The package holding ``x``: "numpy", "dask", "cupy", "array_api_strict", ..."""
    return "numpy" if is_numpy(x) else type(x).__module__.split(".")[0]


def to_numpy(x: Any) -> Any:
    """``x`` in host memory as NumPy: Dask computes, CuPy copies from the device."""
    if isinstance(x, PLAIN):
        return x
    if _is("dask", x):
        return np.asarray(x.compute())
    return x.get() if _is("cupy", x) else np.from_dlpack(x)


def numpy_dtype(x: Any) -> np.dtype:
    """NumPy's dtype of the array ``x`` (array-api-strict has dtype objects of its own)."""
    d = x.dtype
    if isinstance(d, np.dtype):
        return d
    if d not in _DTYPES:
        xp = namespace(x)
        _DTYPES.update({getattr(xp, n): np.dtype(n) for n in np.sctypeDict if hasattr(xp, n)})
    return _DTYPES[d]


def dtype_for(xp: Any, dtype: Any) -> Any:
    """The dtype object ``xp`` takes for a NumPy dtype (the same one, but for libraries
    with dtype objects of their own, such as array-api-strict)."""
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

        out = xp.zeros(shape, dtype=updates.dtype, device=device_of(updates))
        cupyx.scatter_add(out, indices, updates)
        return out
    if len(indices.shape) != 1 or len(shape) < 1:
        raise unsupported(op, updates, "scatter-add there takes 1-d row indices")
    indices = xp.asarray(indices, device=device_of(updates))
    rows = xp.arange(shape[0], dtype=indices.dtype, device=device_of(updates))
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
    """Raise :func:`unsupported` unless every array is NumPy (ops with no other form yet)."""
    for a in arrays:
        if a is not None and not isinstance(a, PLAIN):
            raise unsupported(op, a)
