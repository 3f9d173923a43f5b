"""Convolutions and pooling (NHWC), vectorised with sliding windows.

Every op is a NumPy ``sliding_window_view`` (im2col without a Python loop)
followed by one ``tensordot`` or reduction. The gradients are primitives of
their own, so second and higher derivatives work:

* ``conv2d(x, w)``, ``conv2d_backprop_input(g, w)`` and
  ``conv2d_backprop_filter(x, g)`` are the three faces of one trilinear form
  ``<g, conv2d(x, w)>``: each one's VJPs and JVP are the other two.
  ``conv2d_backprop_input`` is itself a convolution: the cotangent spread out
  by the strides, padded, and correlated with the flipped filter.
* ``avg_pool2d`` and ``avg_pool2d_grad`` are linear and adjoint to each other.
  With SAME padding each window is averaged over its valid elements only.
* ``max_pool2d`` routes the gradient to the first maximum of each window
  (row-major order inside the window, TensorFlow's CPU rule) with
  ``max_pool2d_grad`` (scatter-add), whose transpose is ``max_pool2d_gather``
  (also max_pool2d's JVP). The routing is piecewise constant in the pooled
  input, so their derivative with respect to it is zero, and connected, as
  TensorFlow's ``MaxPoolGrad`` gradients are.

Shapes: inputs are ``batch_shape + [height, width, channels]`` (any number of
leading dimensions); filters are exactly ``[kh, kw, in, out]``. Cotangents and
tangents may carry extra leading batch dimensions: on an image-like operand
they are just more leading dimensions; on a filter-like operand the rules
fold them into a channel axis, call the primitive once, and unfold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._args import read_values
from ._namespace import numpy_only
from ._rules import linear
from .shape import reshape_p, transpose_p

__all__ = ["conv1d", "conv2d", "max_pool2d", "avg_pool2d"]


# =====================================================================================
# Array helpers (forward computations on NumPy arrays)
# =====================================================================================
def _pad_hw(x, pads, value=0):
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    widths = [(0, 0)] * (x.ndim - 3) + [(pt, pb), (pl, pr), (0, 0)]
    return np.pad(x, widths, constant_values=value)


def _windows(xp, ksize, strides, dilations):
    """View ``(..., Ho, Wo, C, kh, kw)`` of the windows of a padded ``(..., Hp, Wp, C)``.

    An axis shorter than the window (an empty input's) has no windows: ``Ho`` or ``Wo`` is 0.
    """
    (kh, kw), (sh, sw), (dh, dw) = ksize, strides, dilations
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    ho = max((xp.shape[-3] - eh) // sh + 1, 0)
    wo = max((xp.shape[-2] - ew) // sw + 1, 0)
    if xp.shape[-3] < eh or xp.shape[-2] < ew:
        return np.zeros(xp.shape[:-3] + (ho, wo, xp.shape[-1], kh, kw), xp.dtype)
    win = sliding_window_view(xp, (eh, ew), axis=(-3, -2))
    return win[..., : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw, :, ::dh, ::dw]


def _spread(g, in_hw, ksize, strides, dilations, pads):
    """Place ``g[..., i, j, :]`` at ``(i*sh + off_h, j*sw + off_w)`` in zeros of spatial size
    ``in + effective_kernel - 1``: a valid correlation of the result with the flipped
    kernel is the transpose of the strided, padded, dilated correlation."""
    out_shape = list(g.shape)
    dst, src = [], []
    for axis in range(2):
        n, k, s, d, lo = in_hw[axis], ksize[axis], strides[axis], dilations[axis], pads[axis][0]
        e = (k - 1) * d + 1
        length = n + e - 1
        off = e - 1 - lo
        count = g.shape[axis - 3]
        i0 = 0 if off >= 0 else (-off + s - 1) // s
        i1 = min(count - 1, (length - 1 - off) // s)
        out_shape[axis - 3] = length
        if i1 >= i0:
            src.append(slice(i0, i1 + 1))
            dst.append(slice(i0 * s + off, i1 * s + off + 1, s))
    out = np.zeros(out_shape, g.dtype)
    if len(src) == 2:  # else no entry of g lands inside (or g is empty)
        out[..., dst[0], dst[1], :] = g[..., src[0], src[1], :]
    return out


def _conv_impl(x, w, strides, dilations, pads):
    numpy_only("conv2d", x, w)  # (sliding_window_view: NumPy's strides)
    win = _windows(_pad_hw(x, pads), w.shape[:2], strides, dilations)
    win = np.moveaxis(win, -3, -1)  # (..., Ho, Wo, kh, kw, C): C innermost for the copy
    return np.tensordot(win, w, axes=3)


def _conv_input_grad_impl(g, w, in_hw, strides, dilations, pads):
    numpy_only("conv2d_backprop_input", g, w)
    spread = _spread(g, in_hw, w.shape[:2], strides, dilations, pads)
    flipped = np.swapaxes(w[::-1, ::-1], 2, 3)  # (kh, kw, out, in)
    return _conv_impl(spread, flipped, (1, 1), dilations, ((0, 0), (0, 0)))


def _conv_filter_grad_impl(x, g, ksize, strides, dilations, pads):
    numpy_only("conv2d_backprop_filter", x, g)
    win = _windows(_pad_hw(x, pads), ksize, strides, dilations)  # (*B, Ho, Wo, C, kh, kw)
    axes = list(range(x.ndim - 1))  # batch dims, Ho, Wo
    out = np.tensordot(win, g, axes=(axes, axes))  # (C, kh, kw, O)
    return np.ascontiguousarray(np.moveaxis(out, 0, 2))


def _pool_counts(in_hw, ksize, strides, pads, out_hw, dtype):
    counts = []
    for n, k, s, (lo, _), m in zip(in_hw, ksize, strides, pads, out_hw):
        start = np.arange(m) * s - lo
        counts.append(np.minimum(start + k, n) - np.maximum(start, 0))
    return (counts[0][:, None] * counts[1][None, :])[:, :, None].astype(dtype)


def _avg_pool_impl(x, ksize, strides, pads):
    numpy_only("avg_pool2d", x)
    win = _windows(_pad_hw(x, pads), ksize, strides, (1, 1))
    total = win.sum(axis=(-2, -1))
    counts = _pool_counts(x.shape[-3:-1], ksize, strides, pads, total.shape[-3:-1], x.dtype)
    return total / counts


def _avg_pool_grad_impl(g, in_hw, ksize, strides, pads):
    numpy_only("avg_pool2d_grad", g)
    scaled = g / _pool_counts(in_hw, ksize, strides, pads, g.shape[-3:-1], g.dtype)
    spread = _spread(scaled, in_hw, ksize, strides, (1, 1), pads)
    return _windows(spread, ksize, (1, 1), (1, 1)).sum(axis=(-2, -1))


def _max_pool_impl(x, ksize, strides, pads):
    numpy_only("max_pool2d", x)
    win = _windows(_pad_hw(x, pads, -np.inf), ksize, strides, (1, 1))
    return win.max(axis=(-2, -1))


def _max_pool_index(x, ksize, strides, pads) -> tuple:
    """Index arrays into ``x`` of the first maximum of every window (``x[idx]`` is the pool)."""
    (kh, kw), (sh, sw), ((pt, _), (pl, _)) = ksize, strides, pads
    win = _windows(_pad_hw(x, pads, -np.inf), ksize, strides, (1, 1))
    ho, wo, channels = win.shape[-5], win.shape[-4], win.shape[-3]
    flat = win.reshape(win.shape[:-2] + (kh * kw,))
    first = flat.argmax(axis=-1)  # (*B, Ho, Wo, C): the first maximum (or first NaN)
    if any(p for pair in pads for p in pair):
        rows = np.arange(ho)[:, None] * sh + np.arange(kh) - pt
        cols = np.arange(wo)[:, None] * sw + np.arange(kw) - pl
        rows_ok = (rows >= 0) & (rows < x.shape[-3])
        cols_ok = (cols >= 0) & (cols < x.shape[-2])
        valid = (rows_ok[:, None, :, None] & cols_ok[None, :, None, :]).reshape(ho, wo, 1, kh * kw)
        valid = np.broadcast_to(valid, flat.shape)
        if not np.take_along_axis(valid, first[..., None], axis=-1).all():
            # A window whose maximum is -inf may pick a padded -inf first: take the first
            # valid position equal to the maximum instead.
            top = flat.max(axis=-1, keepdims=True)
            first = ((flat == top) & valid).argmax(axis=-1)
    a, b = np.divmod(first, kw)
    h = np.arange(ho)[:, None, None] * sh + a - pt
    w = np.arange(wo)[:, None] * sw + b - pl
    nb = x.ndim - 3
    batch = tuple(
        np.arange(n).reshape((n,) + (1,) * (nb - i + 2)) for i, n in enumerate(x.shape[:nb])
    )
    return batch + (h, w, np.arange(channels))


# =====================================================================================
# Folding extra leading (batch) dimensions of filter-like operands into a channel axis
# =====================================================================================
def _fold(t: Tensor, k: int, axis: int) -> Tensor:
    """``(*K, *core)`` -> ``core`` with ``prod(K)`` merged (major) into ``core[axis]``."""

    r = t.ndim - k
    ax = r + axis
    core = t.shape[k:]
    perm = tuple(range(k, k + ax)) + tuple(range(k)) + tuple(range(k + ax, k + r))
    if perm != tuple(range(t.ndim)):
        t = transpose_p.bind(t, perm=perm)
    merged = int(np.prod(t.shape[ax : ax + k + 1], dtype=np.int64))
    return reshape_p.bind(t, shape=core[:ax] + (merged,) + core[ax + 1 :])


def _unfold(y: Tensor, kshape: tuple, axis: int) -> Tensor:
    """Inverse of :func:`_fold` on a result: split ``y``'s ``axis`` and move ``K`` to the front."""

    k = len(kshape)
    ax = y.ndim + axis
    m = y.shape[ax] // max(int(np.prod(kshape, dtype=np.int64)), 1)
    y = reshape_p.bind(y, shape=y.shape[:ax] + tuple(kshape) + (m,) + y.shape[ax + 1 :])
    perm = tuple(range(ax, ax + k)) + tuple(range(ax)) + tuple(range(ax + k, y.ndim))
    return y if perm == tuple(range(y.ndim)) else transpose_p.bind(y, perm=perm)


def _conv(x: Tensor, w: Tensor, geometry: dict) -> Tensor:
    """conv2d where ``w`` may carry leading batch dims (folded into out-channels)."""
    k = w.ndim - 4
    if k <= 0:
        return conv2d_p.bind(x, w, **geometry)
    y = conv2d_p.bind(x, _fold(w, k, -1), **geometry)
    return _unfold(y, w.shape[:k], -1)


def _conv_input_grad(g: Tensor, w: Tensor, in_hw: tuple, geometry: dict) -> Tensor:
    """conv2d_backprop_input where ``w`` may carry leading batch dims (folded into in-channels)."""
    k = w.ndim - 4
    if k <= 0:
        return conv2d_backprop_input_p.bind(g, w, in_hw=tuple(in_hw), **geometry)
    y = conv2d_backprop_input_p.bind(g, _fold(w, k, -2), in_hw=tuple(in_hw), **geometry)
    return _unfold(y, w.shape[:k], -1)


def _conv_filter_grad(x: Tensor, g: Tensor, ksize: tuple, geometry: dict) -> Tensor:
    """conv2d_backprop_filter where either operand may carry extra leading batch dims."""
    ksize = tuple(ksize)
    if x.ndim == g.ndim:
        return conv2d_backprop_filter_p.bind(x, g, ksize=ksize, **geometry)
    if x.ndim > g.ndim:
        k = x.ndim - g.ndim
        y = conv2d_backprop_filter_p.bind(_fold(x, k, -1), g, ksize=ksize, **geometry)
        return _unfold(y, x.shape[:k], -2)
    k = g.ndim - x.ndim
    y = conv2d_backprop_filter_p.bind(x, _fold(g, k, -1), ksize=ksize, **geometry)
    return _unfold(y, g.shape[:k], -1)


# =====================================================================================
# Argument parsing
# =====================================================================================
def _ints(value: Any, name: str, op: str) -> list:
    if isinstance(value, Tensor):
        value = read_values(value).tolist()
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return [int(value)]
    message = f"{op}: {name} must be an int or a list of ints, got {value!r}."
    if isinstance(value, (str, bytes)):
        raise TypeError(message)
    try:
        values = list(value)
    except TypeError:
        raise TypeError(message) from None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise TypeError(message)
    return [int(v) for v in values]


def _spatial_pair(value: Any, name: str, op: str, channels_first: bool) -> tuple:
    """TensorFlow's 2-D ``strides``/``dilations``/``ksize``: an int, or 1, 2 or 4 ints."""
    vals = _ints(value, name, op)
    if len(vals) == 1:
        h = w = vals[0]
    elif len(vals) == 2:
        h, w = vals
    elif len(vals) == 4:
        if channels_first:
            n, c, h, w = vals
        else:
            n, h, w, c = vals
        if n != 1 or c != 1:
            raise InvalidArgumentError(
                f"{op}: {name} {vals} must be 1 in the batch and channel dimensions "
                "(TensorFlow does not support them)."
            )
    else:
        raise InvalidArgumentError(
            f"{op}: {name} must be an int or a list of 1, 2 or 4 ints, got {vals} of length "
            f"{len(vals)}."
        )
    if h < 1 or w < 1:
        raise InvalidArgumentError(f"{op}: {name} must be positive, got {vals}.")
    return (h, w)


def _spatial_single(value: Any, name: str, op: str, channels_first: bool) -> int:
    """conv1d's ``stride``/``dilations``: an int, or 1 or 3 ints."""
    vals = _ints(value, name, op)
    if len(vals) == 1:
        s = vals[0]
    elif len(vals) == 3:
        n, s, c = (vals[0], vals[2], vals[1]) if channels_first else vals
        if n != 1 or c != 1:
            raise InvalidArgumentError(
                f"{op}: {name} {vals} must be 1 in the batch and channel dimensions."
            )
    else:
        raise InvalidArgumentError(
            f"{op}: {name} must be an int or a list of 1 or 3 ints, got {vals} of length "
            f"{len(vals)}."
        )
    if s < 1:
        raise InvalidArgumentError(f"{op}: {name} must be positive, got {vals}.")
    return s


def _data_format(value: Any, allowed: tuple, op: str) -> bool:
    """True for channels-first formats."""
    fmt = allowed[0] if value is None else value
    if fmt not in allowed:
        raise InvalidArgumentError(
            f"{op}: data_format must be one of {list(allowed)}, got {value!r}."
        )
    return fmt == allowed[1]


def _strides_dilations(
    strides: Any, dilations: Any, ksize: tuple, op: str, channels_first: bool
) -> tuple:
    """2-D ``(strides, dilations, effective kernel size)``; ``dilations`` None means 1."""
    strides = _spatial_pair(strides, "strides", op, channels_first)
    dilations = (
        (1, 1) if dilations is None else _spatial_pair(dilations, "dilations", op, channels_first)
    )
    eff = tuple((k - 1) * d + 1 for k, d in zip(ksize, dilations))
    return strides, dilations, eff


def _padding(
    padding: Any,
    in_hw: tuple,
    eff_hw: tuple,
    strides: tuple,
    op: str,
    channels_first: bool,
    explicit: bool,
) -> tuple:
    """TensorFlow's padding (``"SAME"``, ``"VALID"`` or explicit pairs) as ``((t, b), (l, r))``."""
    if isinstance(padding, str):
        if padding == "VALID":
            pads: tuple = ((0, 0), (0, 0))
        elif padding == "SAME":
            pairs: list = []
            for n, e, s in zip(in_hw, eff_hw, strides):
                out = -(-n // s)
                total = max((out - 1) * s + e - n, 0)
                pairs.append((total // 2, total - total // 2))
            pads = tuple(pairs)
        else:
            extra = " or a list of [before, after] pairs" if explicit else ""
            raise InvalidArgumentError(
                f"{op}: padding must be 'SAME' or 'VALID'{extra} (upper case, as TensorFlow), "
                f"got {padding!r}."
            )
    elif explicit:
        try:
            pairs = [tuple(int(v) for v in p) for p in padding]
        except (TypeError, ValueError):
            pairs = []
        if len(pairs) != 4 or any(len(p) != 2 or min(p) < 0 for p in pairs):
            raise InvalidArgumentError(
                f"{op}: explicit padding must be 4 pairs of non-negative ints "
                f"([[0, 0], [top, bottom], [left, right], [0, 0]] for NHWC), got {padding!r}."
            )
        outer = (pairs[0], pairs[1]) if channels_first else (pairs[0], pairs[3])
        if any(p != (0, 0) for p in outer):
            raise InvalidArgumentError(
                f"{op}: explicit padding {padding!r} must be [0, 0] for the batch and channel "
                "dimensions."
            )
        pads = (pairs[2], pairs[3]) if channels_first else (pairs[1], pairs[2])
    else:
        raise InvalidArgumentError(
            f"{op}: padding must be the string 'SAME' or 'VALID', got {padding!r}."
        )
    for n, e, s, (lo, hi) in zip(in_hw, eff_hw, strides, pads):
        if n == 0 and lo + hi - e + 2 * s > 0:
            continue  # an empty axis where TensorFlow's output size is 0 (always with SAME)
        if n + lo + hi < e:
            raise InvalidArgumentError(
                f"{op}: the window (effective size {tuple(eff_hw)}) is larger than the padded "
                f"input (spatial size {tuple(in_hw)}, padding {pads}); use padding='SAME' or a "
                "smaller window."
            )
    return pads


def _to_channels_last(x: Tensor) -> Tensor:

    r = x.ndim
    return transpose_p.bind(x, perm=tuple(range(r - 3)) + (r - 2, r - 1, r - 3))


def _to_channels_first(x: Tensor) -> Tensor:

    r = x.ndim
    return transpose_p.bind(x, perm=tuple(range(r - 3)) + (r - 1, r - 3, r - 2))


def _some_in_channels(w: Tensor, axis: int, op: str) -> None:
    """TensorFlow refuses filters with no input channels (even when the result would be 0)."""
    if w.shape[axis] == 0:
        raise InvalidArgumentError(
            f"{op}: filters of shape {w.shape} have 0 input channels; a convolution needs at "
            "least one (TensorFlow refuses this too)."
        )


def _same_dtype(x: Tensor, w: Tensor, op: str, what: str) -> None:
    if x.dtype != w.dtype:
        raise TypeError(
            f"{op}: input dtype {x.dtype.name} and {what} dtype {w.dtype.name} differ; cast one "
            "with tapegrad.cast."
        )


# =====================================================================================
# conv2d and its two gradients: three faces of <g, conv2d(x, w)>
# =====================================================================================
conv2d_p: Primitive = Primitive(
    "conv2d",
    _conv_impl,
    vjps=(
        lambda g, ans, x, w, **geo: _conv_input_grad(g, w, x.shape[-3:-1], geo),
        lambda g, ans, x, w, **geo: _conv_filter_grad(x, g, w.shape[:2], geo),
    ),
    jvps=(
        lambda t, ans, x, w, **geo: conv2d_p.bind(t, w, **geo),
        lambda t, ans, x, w, **geo: _conv(x, t, geo),
    ),
    reads=((1,), (0,)),
    dtypes="fi",
)

conv2d_backprop_input_p: Primitive = Primitive(
    "conv2d_backprop_input",
    _conv_input_grad_impl,
    vjps=(
        lambda gg, ans, g, w, in_hw, **geo: _conv(gg, w, geo),
        lambda gg, ans, g, w, in_hw, **geo: _conv_filter_grad(gg, g, w.shape[:2], geo),
    ),
    jvps=(
        lambda t, ans, g, w, in_hw, **geo: conv2d_backprop_input_p.bind(t, w, in_hw=in_hw, **geo),
        lambda t, ans, g, w, in_hw, **geo: _conv_input_grad(g, t, in_hw, geo),
    ),
    reads=((1,), (0,)),
    dtypes="fi",
)

conv2d_backprop_filter_p: Primitive = Primitive(
    "conv2d_backprop_filter",
    _conv_filter_grad_impl,
    vjps=(
        lambda gg, ans, x, g, ksize, **geo: _conv_input_grad(g, gg, x.shape[-3:-1], geo),
        lambda gg, ans, x, g, ksize, **geo: _conv(x, gg, geo),
    ),
    jvps=(
        lambda t, ans, x, g, ksize, **geo: _conv_filter_grad(t, g, ksize, geo),
        lambda t, ans, x, g, ksize, **geo: _conv_filter_grad(x, t, ksize, geo),
    ),
    reads=((1,), (0,)),
    dtypes="fi",
)


def conv2d(
    input: Any,
    filters: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """2-D convolution (cross-correlation, as TensorFlow) of NHWC images with HWIO filters.

    ``"SAME"`` padding keeps ``ceil(size / stride)`` outputs and puts the odd
    extra row/column of padding at the bottom/right, as TensorFlow.

    Args:
        input: ``batch_shape + [height, width, in_channels]`` (``[..., C, H, W]`` for NCHW).
        filters: ``[filter_height, filter_width, in_channels, out_channels]``.
        strides: An int, or a list of 1, 2 or 4 ints.
        padding: ``"SAME"``, ``"VALID"``, or explicit ``[[0, 0], [t, b], [l, r], [0, 0]]``.
        data_format: ``"NHWC"`` (default) or ``"NCHW"``.
        dilations: An int, or a list of 1, 2 or 4 ints (default 1).
        name: Ignored (TensorFlow compatibility).

    Returns:
        ``batch_shape + [out_height, out_width, out_channels]``.

    >>> import tapegrad as tg
    >>> tg.nn.conv2d(tg.ones((1, 4, 4, 2)), tg.ones((3, 3, 2, 5)), 2, "SAME").shape
    TensorShape([1, 2, 2, 5])
    """
    op = "conv2d"
    x = convert_to_tensor(input)
    w = convert_to_tensor(filters, dtype_hint=x.dtype)
    channels_first = _data_format(data_format, ("NHWC", "NCHW"), op)
    if x.ndim < 4:
        raise InvalidArgumentError(
            f"{op}: input must have rank >= 4 (batch_shape + [height, width, channels]), got "
            f"shape {x.shape}."
        )
    if w.ndim != 4:
        raise InvalidArgumentError(
            f"{op}: filters must have rank 4 [filter_height, filter_width, in_channels, "
            f"out_channels], got shape {w.shape}."
        )
    _same_dtype(x, w, op, "filters")
    if channels_first:
        x = _to_channels_last(x)
    if x.shape[-1] != w.shape[2]:
        raise InvalidArgumentError(
            f"{op}: input has {x.shape[-1]} channels (shape {x.shape}) but filters (shape "
            f"{w.shape}) expect {w.shape[2]} input channels."
        )
    _some_in_channels(w, 2, op)
    strides, dilations, eff = _strides_dilations(
        strides, dilations, w.shape[:2], op, channels_first
    )
    pads = _padding(padding, x.shape[-3:-1], eff, strides, op, channels_first, explicit=True)
    y = conv2d_p.bind(x, w, strides=strides, dilations=dilations, pads=pads)
    return _to_channels_first(y) if channels_first else y


def conv1d(
    input: Any,
    filters: Any,
    stride: Any,
    padding: Any,
    data_format: str = "NWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """1-D convolution of NWC signals with ``[width, in, out]`` filters (a height-1 conv2d).

    Args:
        input: ``batch_shape + [width, in_channels]`` (``[..., C, W]`` for NCW).
        filters: ``[filter_width, in_channels, out_channels]``.
        stride: An int, or a list of 1 or 3 ints.
        padding: ``"SAME"`` or ``"VALID"``.
        data_format: ``"NWC"`` (default) or ``"NCW"``.
        dilations: An int, or a list of 1 or 3 ints (default 1).
        name: Ignored (TensorFlow compatibility).

    Returns:
        ``batch_shape + [out_width, out_channels]``.

    >>> import tapegrad as tg
    >>> tg.nn.conv1d(tg.ones((2, 7, 3)), tg.ones((3, 3, 4)), 2, "SAME").shape
    TensorShape([2, 4, 4])
    """

    op = "conv1d"
    x = convert_to_tensor(input)
    w = convert_to_tensor(filters, dtype_hint=x.dtype)
    channels_first = _data_format(data_format, ("NWC", "NCW"), op)
    if x.ndim < 3:
        raise InvalidArgumentError(
            f"{op}: input must have rank >= 3 (batch_shape + [width, channels]), got shape "
            f"{x.shape}."
        )
    if w.ndim != 3:
        raise InvalidArgumentError(
            f"{op}: filters must have rank 3 [filter_width, in_channels, out_channels], got "
            f"shape {w.shape}."
        )
    _same_dtype(x, w, op, "filters")
    r = x.ndim
    if channels_first:
        x = transpose_p.bind(x, perm=tuple(range(r - 2)) + (r - 1, r - 2))
    if x.shape[-1] != w.shape[1]:
        raise InvalidArgumentError(
            f"{op}: input has {x.shape[-1]} channels (shape {x.shape}) but filters (shape "
            f"{w.shape}) expect {w.shape[1]} input channels."
        )
    _some_in_channels(w, 1, op)
    s = _spatial_single(stride, "stride", op, channels_first)
    d = 1 if dilations is None else _spatial_single(dilations, "dilations", op, channels_first)
    eff = (1, (w.shape[0] - 1) * d + 1)
    pads = _padding(padding, (1, x.shape[-2]), eff, (1, s), op, channels_first, explicit=False)
    x4 = reshape_p.bind(x, shape=x.shape[:-2] + (1,) + x.shape[-2:])
    w4 = reshape_p.bind(w, shape=(1,) + w.shape)
    y = conv2d_p.bind(x4, w4, strides=(1, s), dilations=(1, d), pads=pads)
    y = reshape_p.bind(y, shape=y.shape[:-3] + y.shape[-2:])
    if channels_first:
        y = transpose_p.bind(y, perm=tuple(range(r - 2)) + (r - 1, r - 2))
    return y


# =====================================================================================
# Pooling
# =====================================================================================
def _pool_args(
    op: str, input: Any, ksize: Any, strides: Any, padding: Any, data_format: Any, explicit: bool
) -> tuple:
    x = convert_to_tensor(input)
    channels_first = _data_format(data_format, ("NHWC", "NCHW"), op)
    if x.ndim != 4:
        raise InvalidArgumentError(
            f"{op}: input must have rank 4 [batch, height, width, channels], got shape {x.shape}."
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating-point tensor, got dtype {x.dtype.name}.")
    if channels_first:
        x = _to_channels_last(x)
    ksize = _spatial_pair(ksize, "ksize", op, channels_first)
    strides = _spatial_pair(strides, "strides", op, channels_first)
    pads = _padding(padding, x.shape[-3:-1], ksize, strides, op, channels_first, explicit)
    return x, channels_first, dict(ksize=ksize, strides=strides, pads=pads)


avg_pool2d_p: Primitive = linear(
    "avg_pool2d",
    _avg_pool_impl,
    vjps=(lambda g, ans, x, **geo: avg_pool2d_grad_p.bind(g, in_hw=tuple(x.shape[-3:-1]), **geo),),
    dtypes="f",
)

avg_pool2d_grad_p: Primitive = linear(
    "avg_pool2d_grad",
    _avg_pool_grad_impl,
    vjps=(lambda gg, ans, g, in_hw, **geo: avg_pool2d_p.bind(gg, **geo),),
    dtypes="f",
)


def avg_pool2d(
    input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """Mean over each window; with ``"SAME"`` padding, over the window's valid elements only.

    Args:
        input: ``[batch, height, width, channels]`` (``[N, C, H, W]`` for NCHW).
        ksize: Window size: an int, or a list of 1, 2 or 4 ints.
        strides: An int, or a list of 1, 2 or 4 ints.
        padding: ``"SAME"`` or ``"VALID"``.
        data_format: ``"NHWC"`` (default) or ``"NCHW"``.
        name: Ignored (TensorFlow compatibility).

    Returns:
        The pooled tensor.

    >>> import tapegrad as tg
    >>> x = tg.reshape(tg.range(16.0), (1, 4, 4, 1))
    >>> tg.nn.avg_pool2d(x, 3, 2, "SAME").numpy().ravel().tolist()
    [5.0, 6.5, 11.0, 12.5]
    """
    x, channels_first, geo = _pool_args(
        "avg_pool2d", input, ksize, strides, padding, data_format, explicit=False
    )
    y = avg_pool2d_p.bind(x, **geo)
    return _to_channels_first(y) if channels_first else y


def _zeros(shape, dtype):
    return Tensor._wrap(np.zeros(shape, dtype))


def _max_pool_grad_impl(g, x, ksize, strides, pads):
    """Scatter-add ``g`` (pooled shape, any extra lead dims) to the first maxima of ``x``."""
    numpy_only("max_pool2d_grad", g, x)
    k = g.ndim - x.ndim
    out = np.zeros(g.shape[:k] + x.shape, g.dtype)
    np.add.at(out, (slice(None),) * k + _max_pool_index(x, ksize, strides, pads), g)
    return out


def _max_pool_gather_impl(t, x, ksize, strides, pads):
    """``t`` (shaped like ``x``, any extra lead dims) read at the first maxima of ``x``."""
    numpy_only("max_pool2d_gather", t, x)
    k = t.ndim - x.ndim
    return t[(slice(None),) * k + _max_pool_index(x, ksize, strides, pads)]


def _x_zeros(c: Tensor, operand, x):
    """Zero cotangent/tangent for ``x``: the routing is piecewise constant in ``x``, so its
    derivative is zero, and connected (not None), as TensorFlow's MaxPoolGrad gradients."""
    return _zeros(c.shape[: c.ndim - operand.ndim] + tuple(x.shape), c.dtype)


def _ans_zeros(t: Tensor, ans, x):
    """The zero (connected) tangent of the output for a tangent ``t`` of ``x``."""
    return _zeros(t.shape[: t.ndim - x.ndim] + tuple(ans.shape), ans.dtype)


# max_pool2d_grad and max_pool2d_gather are each other's transposes (for a fixed x).
max_pool2d_grad_p: Primitive = Primitive(
    "max_pool2d_grad",
    _max_pool_grad_impl,
    vjps=(
        lambda gg, ans, g, x, **geo: max_pool2d_gather_p.bind(gg, x, **geo),
        lambda gg, ans, g, x, **geo: _x_zeros(gg, g, x),
    ),
    jvps=(
        lambda t, ans, g, x, **geo: max_pool2d_grad_p.bind(t, x, **geo),
        lambda t, ans, g, x, **geo: _ans_zeros(t, ans, x),
    ),
    reads=((1,), (1,)),
    dtypes="f",
)

max_pool2d_gather_p: Primitive = Primitive(
    "max_pool2d_gather",
    _max_pool_gather_impl,
    vjps=(
        lambda gg, ans, t, x, **geo: max_pool2d_grad_p.bind(gg, x, **geo),
        lambda gg, ans, t, x, **geo: _x_zeros(gg, t, x),
    ),
    jvps=(
        lambda t, ans, tt, x, **geo: max_pool2d_gather_p.bind(t, x, **geo),
        lambda t, ans, tt, x, **geo: _ans_zeros(t, ans, x),
    ),
    reads=((1,), (1,)),
    dtypes="f",
)

max_pool2d_p: Primitive = Primitive(
    "max_pool2d",
    _max_pool_impl,
    vjps=(lambda g, ans, x, **geo: max_pool2d_grad_p.bind(g, x, **geo),),
    jvps=(lambda t, ans, x, **geo: max_pool2d_gather_p.bind(t, x, **geo),),
    reads=((0,),),
    dtypes="f",
)


def max_pool2d(
    input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """Maximum over each window; the gradient goes to the first maximum of each window.

    "First" is row-major order inside the window (TensorFlow's CPU kernel);
    padded positions never win.

    Args:
        input: ``[batch, height, width, channels]`` (``[N, C, H, W]`` for NCHW).
        ksize: Window size: an int, or a list of 1, 2 or 4 ints.
        strides: An int, or a list of 1, 2 or 4 ints.
        padding: ``"SAME"``, ``"VALID"``, or explicit ``[[0, 0], [t, b], [l, r], [0, 0]]``.
        data_format: ``"NHWC"`` (default) or ``"NCHW"``.
        name: Ignored (TensorFlow compatibility).

    Returns:
        The pooled tensor.

    >>> import tapegrad as tg
    >>> x = tg.reshape(tg.range(16.0), (1, 4, 4, 1))
    >>> tg.nn.max_pool2d(x, 2, 2, "VALID").numpy().ravel().tolist()
    [5.0, 7.0, 13.0, 15.0]
    """
    x, channels_first, geo = _pool_args(
        "max_pool2d", input, ksize, strides, padding, data_format, explicit=True
    )
    y = max_pool2d_p.bind(x, **geo)
    return _to_channels_first(y) if channels_first else y
