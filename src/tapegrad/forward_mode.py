"""Forward mode as users see it: ``ForwardAccumulator`` (TensorFlow's API).

The engine (``tapegrad._core.forward``) pushes tangents through ops as they run;
this class checks what the user gives it (nests, shapes, dtypes, batch
dimensions) and returns the tangents in the caller's structure.
"""

from __future__ import annotations

import warnings
from typing import Any

from ._core import forward as _forward
from ._core import nest
from ._core.engine_ops import ops
from ._core.tensor import Tensor, convert_to_tensor
from .differentiation import UnconnectedGradients, _unconnected_policy

__all__ = ["ForwardAccumulator", "TangentDtypeError"]


class TangentDtypeError(TypeError, ValueError):
    """A tangent whose dtype differs from its primal's (ValueError as TensorFlow, and TypeError)."""


class ForwardAccumulator(_forward.ForwardAccumulator):
    """Compute Jacobian-vector products with forward mode (TensorFlow's API).

    Args:
        primals: A tensor or variable, or a nest of them, to watch.
        tangents: The same nest of tangent vectors, each with its primal's shape
            (and dtype; Python numbers and NumPy arrays are converted).
        batch_ndim: tapegrad's extension: tangents carry this many extra leading
            batch dimensions, and every JVP is computed for the whole batch in
            one sweep (forward-mode Jacobians use it).

    Raises:
        ValueError: the nests differ, a primal is listed twice, or a tangent's
            shape differs from its primal's. A tangent of another dtype raises an
            error that is both a ValueError (as TensorFlow) and a TypeError.

    >>> import tapegrad as tg
    >>> x = tg.constant(3.0)
    >>> with tg.autodiff.ForwardAccumulator(x, tg.constant(1.0)) as acc:
    ...     y = x * x
    >>> acc.jvp(y).numpy()
    np.float32(6.0)
    """

    def __init__(self, primals: Any, tangents: Any, *, batch_ndim: int = 0):
        flat_p, def_p = nest.flatten(primals)
        flat_t, def_t = nest.flatten(tangents)
        if len(flat_p) != len(flat_t) or def_p != def_t:
            raise ValueError(
                f"ForwardAccumulator: primals and tangents must have the same nested structure; "
                f"got {len(flat_p)} primal(s) and {len(flat_t)} tangent(s) in structures "
                f"{_structure(def_p)} and {_structure(def_t)}. Give one tangent per primal (a "
                "Python list of numbers is a nest: pass it as tapegrad.constant([...]))."
            )
        if batch_ndim < 0:
            raise ValueError(f"ForwardAccumulator: batch_ndim must be >= 0, got {batch_ndim}.")
        super().__init__({}, int(batch_ndim), None if batch_ndim else ())
        seen: set = set()
        for i, (p, t) in enumerate(zip(flat_p, flat_t)):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"ForwardAccumulator: primal {i} must be a Tensor or Variable, got "
                    f"{type(p).__name__}. Convert it with tapegrad.constant first, and compute "
                    "with that tensor."
                )
            if p._id in seen:
                raise ValueError(
                    f"ForwardAccumulator: primal {i} (shape {p.shape}, dtype {p.dtype.name}) was "
                    "specified as a primal multiple times. If that was intended, sum the "
                    "corresponding tangents and list the primal once."
                )
            seen.add(p._id)
            self._tangents[p._id] = self._checked_tangent(i, p, t)

    def _checked_tangent(self, i: int, p: Tensor, t: Any) -> Tensor:
        if isinstance(t, Tensor):
            tangent = convert_to_tensor(t)
            if tangent.dtype != p.dtype:
                raise TangentDtypeError(
                    f"ForwardAccumulator: tangent {i} has dtype {tangent.dtype.name} but its "
                    f"primal has dtype {p.dtype.name}; they must match. Convert the tangent with "
                    f"tapegrad.cast(tangent, {p.dtype.name!r})."
                )
        else:
            try:
                tangent = convert_to_tensor(t, dtype=p.dtype)
            except TypeError as err:
                raise TangentDtypeError(f"ForwardAccumulator: tangent {i}: {err}") from None
        k = self._batch_ndim
        if tangent.ndim < k or tangent.shape[k:] != p.shape:
            batch = f" after {k} leading batch dimension(s)" if k else ""
            raise ValueError(
                f"ForwardAccumulator: tangent {i} has shape {tangent.shape} but its primal has "
                f"shape {p.shape}; the shapes must match{batch}."
            )
        if k:
            if self._batch_shape is None:
                self._batch_shape = tangent.shape[:k]
            elif tangent.shape[:k] != self._batch_shape:
                raise ValueError(
                    f"ForwardAccumulator: tangent {i} has batch shape {tangent.shape[:k]} but "
                    f"an earlier tangent has batch shape {self._batch_shape}; they must match."
                )
        if p.dtype.kind not in "fc":
            warnings.warn(
                f"ForwardAccumulator: primal {i} has dtype {p.dtype.name}; only floating and "
                "complex tensors carry tangents through ops, so outputs computed from it get none.",
                stacklevel=3,
            )
        return tangent

    # --- results -------------------------------------------------------------------
    def jvp(self, primals: Any, unconnected_gradients: Any = "none") -> Any:
        """The tangents of ``primals`` (a tensor or a nest of them).

        Args:
            primals: Tensors computed while the accumulator was active (or watched).
            unconnected_gradients: ``"none"`` gives None for a tensor without a
                tangent, ``"zero"`` gives zeros (with the batch dimensions, if any).

        Returns:
            The same nest of tangent tensors (or None).

        >>> import tapegrad as tg
        >>> x = tg.constant([1.0, 2.0])
        >>> with tg.autodiff.ForwardAccumulator(x, tg.constant([1.0, 0.0])) as acc:
        ...     y = x ** 3
        >>> acc.jvp({"y": y})["y"].numpy().tolist()
        [3.0, 0.0]
        """
        zero = _unconnected_policy(unconnected_gradients) is not UnconnectedGradients.NONE
        flat, treedef = nest.flatten(primals)
        out = []
        for i, p in enumerate(flat):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"ForwardAccumulator.jvp: expected Tensors, got {type(p).__name__} at "
                    f"position {i}."
                )
            t = self._tangents.get(p._id)
            if t is None and zero:
                t = ops.zeros((self._batch_shape or ()) + p.shape, p.dtype)
            out.append(t)
        return nest.unflatten(treedef, out)


def _structure(treedef: Any) -> str:
    if treedef is None:
        return "<leaf>"
    children = treedef.children
    inner = ", ".join(_structure(c) for c in children)
    if treedef.keys is not None:
        pairs = zip(treedef.keys, children)
        return "{" + ", ".join(f"{k!r}: {_structure(c)}" for k, c in pairs) + "}"
    return f"[{inner}]" if treedef.kind is list else f"({inner})"
