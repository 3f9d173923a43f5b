"""Padding, tiling and reversing: ops that move entries to new positions along axes.

All are linear: each JVP is the op itself on the tangent, and each VJP is its
transpose (the interior of a padded cotangent, a ``getitem`` slice, plus the
mirrored parts folded back; the sum of tiled copies; the reversal). Paddings
count from the last axis, so cotangents and tangents with extra leading batch
dimensions need no change.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._args import ints_arg as _ints
from ._args import read_values
from ._namespace import numpy_only
from ._rules import lead, linear, normalize_axis
from .index import getitem_p
from .shape import _unchanged, reduce_sum_p, reshape_p

__all__ = ["tile", "pad", "reverse"]


# --- tile -------------------------------------------------------------------------------
def _tile_impl(x, multiples):
    k = x.ndim - len(multiples)
    return np.tile(x, (1,) * k + tuple(multiples))


def _tile_vjp(g, ans, x, multiples):
    r = len(multiples)
    k = lead(g, r)
    pairs = tuple(d for m, n in zip(multiples, x.shape) for d in (m, n))
    g = reshape_p.bind(g, shape=g.shape[:k] + pairs)
    axes = tuple(2 * i - 2 * r for i in range(r))
    return reduce_sum_p.bind(g, axis=axes, keepdims=False)


tile_p: Primitive = linear("tile", _tile_impl, vjps=(_tile_vjp,))


def tile(input: Any, multiples: Any, name: Any = None) -> Tensor:
    """Repeat a tensor ``multiples[i]`` times along each axis ``i`` (``tf.tile``).

    Args:
        input: The tensor to tile.
        multiples: Non-negative ints, one per axis of ``input``.
        name: Ignored.

    Returns:
        A tensor of shape ``input.shape[i] * multiples[i]``; the gradient sums the copies.

    >>> import tapegrad as tg
    >>> tg.tile(tg.constant([[1.0, 2.0]]), [2, 2]).numpy().tolist()
    [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
    """
    x = convert_to_tensor(input)
    reps = _ints(multiples, "tile", "multiples")
    if len(reps) != x.ndim:
        raise InvalidArgumentError(
            f"tile: multiples must have one entry per axis of input (shape {x.shape}): "
            f"expected length {x.ndim}, got {reps} (length {len(reps)})."
        )
    for i, m in enumerate(reps):
        if m < 0:
            raise InvalidArgumentError(
                f"tile: multiples[{i}] must be >= 0, got {m} (multiples {reps})."
            )
    if all(m == 1 for m in reps):
        return _unchanged(x)
    return tile_p.bind(x, multiples=tuple(reps))


# --- pad -------------------------------------------------------------------------------
def _full_paddings(x_ndim: int, paddings: tuple) -> tuple:
    return ((0, 0),) * (x_ndim - len(paddings)) + tuple(paddings)


def _pad_impl(x, paddings, mode, constant_values):
    pads = _full_paddings(x.ndim, paddings)
    if mode != "CONSTANT":
        numpy_only("pad", x)  # (Dask's mirror padding fails when computed)
    if mode == "CONSTANT":
        return np.pad(x, pads, mode="constant", constant_values=constant_values)
    return np.pad(x, pads, mode=mode.lower())


def _pad_vjp(g, ans, x, paddings, mode, constant_values):
    if mode == "CONSTANT":
        n = len(paddings)
        inner = x.shape[len(x.shape) - n:]
        return getitem_p.bind(g, idx=tuple(slice(b, b + d) for (b, _), d in zip(paddings, inner)),
                              lead_ndim=len(g.shape) - n)
    return pad_grad_p.bind(g, paddings=paddings, mode=mode)


def _pad_jvp(t, ans, x, paddings, mode, constant_values):
    zero = np.zeros((), x.dtype)[()]
    return pad_p.bind(t, paddings=paddings, mode=mode, constant_values=zero)


pad_p: Primitive = Primitive("pad", _pad_impl, vjps=(_pad_vjp,), jvps=(_pad_jvp,), reads=((),))


def pad(
    tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0, name: Any = None
) -> Tensor:
    """Pad a tensor (``tf.pad``): ``paddings[i] = [before, after]`` entries on axis ``i``.

    ``"CONSTANT"`` fills with ``constant_values``; ``"REFLECT"`` mirrors without
    the edge (paddings < axis size); ``"SYMMETRIC"`` mirrors with it
    (paddings <= axis size). Mode names are case-insensitive. The gradient is the
    cotangent's interior, plus the mirrored parts folded back; ``constant_values``
    gets no gradient (as TensorFlow).

    Args:
        tensor: The tensor to pad.
        paddings: Non-negative ints of shape ``[rank, 2]``.
        mode: "CONSTANT", "REFLECT" or "SYMMETRIC".
        constant_values: The fill value for "CONSTANT" (a scalar of the tensor's dtype).
        name: Ignored.

    Returns:
        The padded tensor.

    >>> import tapegrad as tg
    >>> tg.pad(tg.constant([1.0, 2.0, 3.0]), [[2, 1]], "REFLECT").numpy().tolist()
    [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
    """
    x = convert_to_tensor(tensor)
    mode_name = str(mode).upper()
    if mode_name not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise InvalidArgumentError(
            f'pad: mode must be one of "CONSTANT", "REFLECT" or "SYMMETRIC", got {mode!r}.'
        )
    raw = np.asarray(read_values(paddings))
    if raw.size and raw.dtype.kind not in "iu":
        raise TypeError(f"pad: paddings must be integers, got {paddings!r}.")
    if raw.size == 0 and x.ndim == 0:
        raw = np.zeros((0, 2), np.int64)
    if raw.shape != (x.ndim, 2):
        raise InvalidArgumentError(
            f"pad: paddings must have shape [rank, 2] = [{x.ndim}, 2] for a tensor of shape "
            f"{x.shape}, got shape {list(raw.shape)}."
        )
    pads = tuple((int(b), int(a)) for b, a in raw)
    for i, (b, a) in enumerate(pads):
        if b < 0 or a < 0:
            raise InvalidArgumentError(
                f"pad: paddings must be non-negative, got {[b, a]} for axis {i}."
            )
        size = x.shape[i]
        if mode_name == "REFLECT" and (b >= size or a >= size):  # (0, 0) too, as TensorFlow
            hint = (f"at most {size - 1} per side" if size else
                    "an empty axis has no entry to mirror, not even for 0: use mode='CONSTANT'")
            raise InvalidArgumentError(
                f"pad: REFLECT paddings must be less than the dimension size: got {[b, a]} for "
                f"axis {i} of size {size} (tensor shape {x.shape}); {hint}."
            )
        if mode_name == "SYMMETRIC" and (b > size or a > size):
            raise InvalidArgumentError(
                f"pad: SYMMETRIC paddings must be no greater than the dimension size: got "
                f"{[b, a]} for axis {i} of size {size} (tensor shape {x.shape})."
            )
    fill = np.asarray(read_values(constant_values))
    if fill.ndim != 0:
        raise InvalidArgumentError(
            f"pad: constant_values must be a scalar, got shape {fill.shape}."
        )
    fill = convert_to_tensor(fill[()], dtype=x.dtype)._value
    if all(p == (0, 0) for p in pads):
        return _unchanged(x)
    return pad_p.bind(x, paddings=pads, mode=mode_name, constant_values=fill)


def _slab(a: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    return a[(slice(None),) * axis + (slice(start, stop),)]


def _pad_grad_impl(g, paddings, mode):
    """Fold a mirror-padded cotangent back onto the unpadded positions (MirrorPadGrad)."""
    numpy_only("pad_grad", g)  # (writes into slices of a NumPy buffer)
    k = g.ndim - len(paddings)
    out = g
    for i, (before, after) in enumerate(paddings):
        if not before and not after:
            continue
        ax = k + i
        n = out.shape[ax] - before - after
        core = np.array(_slab(out, ax, before, before + n))
        left = np.flip(_slab(out, ax, 0, before), ax)
        right = np.flip(_slab(out, ax, before + n, before + n + after), ax)
        shift = 1 if mode == "REFLECT" else 0
        if before:
            _slab(core, ax, shift, shift + before)[...] += left
        if after:
            _slab(core, ax, n - shift - after, n - shift)[...] += right
        out = core
    return out


pad_grad_p: Primitive = linear(
    "pad_grad",
    _pad_grad_impl,
    vjps=(lambda gg, ans, g, paddings, mode: pad_p.bind(
        gg, paddings=paddings, mode=mode, constant_values=np.zeros((), g.dtype)[()]),),
)


# --- reverse ----------------------------------------------------------------------------
def _reverse_impl(x, axis):
    return np.flip(x, axis)


reverse_p: Primitive = linear(
    "reverse", _reverse_impl, vjps=(lambda g, ans, x, axis: reverse_p.bind(g, axis=axis),)
)


def reverse(tensor: Any, axis: Any, name: Any = None) -> Tensor:
    """Reverse the order of entries along the given axes (``tf.reverse``).

    Args:
        tensor: The tensor.
        axis: A list of distinct axes (negative counts from the end).
        name: Ignored.

    Returns:
        The reversed tensor.

    >>> import tapegrad as tg
    >>> tg.reverse(tg.constant([[1.0, 2.0], [3.0, 4.0]]), [-1]).numpy().tolist()
    [[2.0, 1.0], [4.0, 3.0]]
    """
    x = convert_to_tensor(tensor)
    axes = _ints(axis, "reverse", "axis")
    seen = set()
    for a in axes:
        n = normalize_axis(a, x.ndim, "reverse")
        if n in seen:
            raise InvalidArgumentError(
                f"reverse: axis {a % max(x.ndim, 1)} is named more than once in {axes}."
            )
        seen.add(n)
    if not seen:
        return _unchanged(x)
    return reverse_p.bind(x, axis=tuple(sorted(seen)))
