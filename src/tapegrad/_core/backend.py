"""The namespace lookup: ``numpy`` for NumPy values (one class check: the fast path), else the
array API namespace (array-api-compat) of Dask, CuPy, array-api-strict... arrays. NumPy 2 spells
the standard's names, so one op body serves every library; ops/_namespace.py adds the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_NUMPY = frozenset([np.ndarray, *np.sctypeDict.values()])  # arrays and NumPy scalar types
PLAIN = (np.ndarray, np.generic, bool, int, float, complex)  # values NumPy computes on
_DTYPES: dict = {}  # a library's own dtype objects (array-api-strict) -> NumPy's


def namespace(x: Any, *more: Any) -> Any:
    """The namespace computing on ``x`` and ``more``; NumPy values follow a foreign array."""
    if x.__class__ in _NUMPY and (not more or all(m.__class__ in _NUMPY for m in more)):
        return np
    import array_api_compat  # (optional: only other libraries' arrays need it)

    found = {xp.__name__: xp for xp in (array_api_compat.array_namespace(a) for a in (x, *more)
                                        if a is not None and not isinstance(a, PLAIN))}
    if len(found) > 1:
        raise TypeError(f"Cannot compute on arrays of {' and '.join(sorted(found))} in one op: "
                        "move them to one library first (e.g. dask_array.compute()).")
    return next(iter(found.values()), np)


def to_numpy(x: Any) -> Any:
    """``x`` in host memory as NumPy: Dask computes, CuPy copies from the device."""
    if isinstance(x, PLAIN):
        return x
    if hasattr(x, "dask") or hasattr(x, "get"):  # Dask .compute(), CuPy .get()
        return np.asarray(x.compute() if hasattr(x, "dask") else x.get())
    return np.from_dlpack(x)


def numpy_dtype(x: Any) -> np.dtype:
    """NumPy's dtype of the array ``x`` (array-api-strict has dtype objects of its own)."""
    d = x.dtype
    if not isinstance(d, np.dtype) and d not in _DTYPES:
        xp = namespace(x)
        _DTYPES.update({getattr(xp, n): np.dtype(n) for n in np.sctypeDict if hasattr(xp, n)})
    return d if isinstance(d, np.dtype) else _DTYPES[d]
