"""The few ops the engine itself calls, handed over once by ``tapegrad.ops``.

The engine accumulates cotangents, undoes broadcasting, seeds sweeps and
stacks batches, and it must do so with recorded ops (so that an outer tape
differentiates the sweep). It does not define ops, so ``tapegrad.ops`` hands
them over in one call to :func:`provide`, which checks that every one is
there: a missing op fails at import, not in the middle of a gradient.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ops", "provide", "REQUIRED"]

REQUIRED: dict[str, str] = {
    "add": "add(a, b): sum of two cotangents or tangents (recorded)",
    "multiply": "multiply(a, b)",
    "reduce_sum": "reduce_sum(x, axis): axis None sums everything",
    "sum_to_shape": "sum_to_shape(x, shape, batch_ndim): undo broadcasting of an input",
    "zeros": "zeros(shape, dtype, like=None): a new zero tensor (in the array library of like)",
    "zeros_like": "zeros_like(x)",
    "ones_like": "ones_like(x): the seed of a gradient",
    "stack": "stack(tensors): along a new axis 0",
    "concat": "concat(tensors, axis)",
    "reshape": "reshape(x, shape)",
    "transpose": "transpose(x, perm)",
    "broadcast_to": "broadcast_to(x, shape)",
    "cast": "cast(x, dtype)",
    "conj": "conj(x): complex conjugate (x itself for real dtypes, nothing recorded)",
    "real": "real(x): real part of a complex tensor (recorded)",
    "scatter_rows": "scatter_rows(values, indices, dense_shape): IndexedSlices to dense",
    "pack": "pack(values): a tensor from a nested list holding tensors (recorded)",
    "to_numpy": "to_numpy(array): any library's array in host memory (Dask computes)",
    "numpy_dtype": "numpy_dtype(array): NumPy's dtype of any library's array",
    "other_library": "other_library(prim, arrays, params, err): NumPy refused another "
    "library's arrays: the op's array API twin, or that library's refusal raised; None: NumPy's",
}


class _EngineOps:
    """Attribute access to the provided ops: ``ops.add(a, b)``."""

    def __getattr__(self, name: str) -> Any:
        if name in REQUIRED:
            raise RuntimeError(
                f"The engine op {name!r} is not installed: import tapegrad (tapegrad.ops "
                "provides the engine's ops), not tapegrad._core alone."
            )
        raise AttributeError(name)


ops: Any = _EngineOps()


def provide(**given: Any) -> None:
    """Install the engine's ops; every name in :data:`REQUIRED` must be given, and no other."""
    missing = sorted(set(REQUIRED) - set(given))
    unknown = sorted(set(given) - set(REQUIRED))
    if missing or unknown:
        raise TypeError(
            f"engine_ops.provide: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}."
        )
    for name, fn in given.items():
        if not callable(fn):
            raise TypeError(f"engine_ops.provide: {name} must be callable, got {fn!r}.")
        setattr(ops, name, fn)
