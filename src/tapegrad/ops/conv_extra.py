"""More of ``tf.nn``: conv2d_transpose, depthwise_conv2d, batch_normalization, and the
1-D pools.

``conv2d_transpose`` is ``conv2d_backprop_input`` (the transpose of a convolution), the
primitive conv2d's gradient already uses, so its gradients are the other two faces of
the same trilinear form. A grouped convolution is three primitives of its own, built
the same way as conv2d's (sliding windows, one ``einsum`` over all groups at once);
``depthwise_conv2d`` is one with a group per input channel. Jacobian batches fold into
each group's channels, so the rules batch. The 1-D pools are the 2-D pools on a height-1
image (TensorFlow builds them the same way). ``batch_normalization`` is TensorFlow's
formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._namespace import numpy_only
from .casting import cast
from .conv import (
    _conv_filter_grad_impl,
    _conv_impl,
    _conv_input_grad_impl,
    _data_format,
    _ints,
    _pad_hw,
    _padding,
    _same_dtype,
    _some_in_channels,
    _spatial_single,
    _spread,
    _strides_dilations,
    _to_channels_first,
    _to_channels_last,
    _windows,
    avg_pool2d,
    conv2d_backprop_input_p,
    max_pool2d,
)
from .conv import conv2d as _conv2d
from .shape import reshape_p, transpose_p
from .unary import rsqrt

__all__ = [
    "conv2d",
    "conv2d_transpose",
    "depthwise_conv2d",
    "batch_normalization",
    "max_pool1d",
    "avg_pool1d",
]


def _float_input(x: Tensor, op: str) -> None:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating-point tensor, got dtype {x.dtype.name} "
                        f"(shape {x.shape}); cast with tapegrad.cast.")


# --- grouped convolution: three faces of one trilinear form, as conv2d's -----------------
def _by_group(groups: int, cin: int) -> bool:
    """Whether to loop over the groups with conv2d's BLAS contractions: faster when each
    group has a few input channels or more; with one or two per group (depthwise) an
    ``einsum`` over all groups at once is."""
    return groups <= 32 and cin >= 4


def _slab(a, i: int, n: int):
    return a[..., i * n:(i + 1) * n]


def _grouped_impl(x, w, strides, dilations, pads, groups):
    numpy_only("grouped_conv2d", x, w)  # (sliding-window views, as conv2d's)
    kh, kw, cin, cout = w.shape
    og = cout // groups
    if _by_group(groups, cin):
        return np.concatenate([_conv_impl(_slab(x, i, cin), _slab(w, i, og), strides, dilations,
                                          pads) for i in range(groups)], -1)
    win = _windows(_pad_hw(x, pads), w.shape[:2], strides, dilations)  # (..., Ho, Wo, C, kh, kw)
    win = win.reshape(win.shape[:-3] + (groups, cin) + win.shape[-2:])
    out = np.einsum("...gcij,ijcgo->...go", win, w.reshape(kh, kw, cin, groups, og))
    return out.reshape(out.shape[:-2] + (cout,))


def _grouped_input_grad_impl(g, w, in_hw, strides, dilations, pads, groups):
    numpy_only("grouped_conv2d_backprop_input", g, w)
    kh, kw, cin, cout = w.shape
    og = cout // groups
    if _by_group(groups, cin):
        return np.concatenate([_conv_input_grad_impl(_slab(g, i, og), _slab(w, i, og), in_hw,
                                                     strides, dilations, pads)
                               for i in range(groups)], -1)
    spread = _spread(g, in_hw, w.shape[:2], strides, dilations, pads)
    flipped = w[::-1, ::-1].reshape(kh, kw, cin, groups, og).transpose(0, 1, 4, 3, 2)
    flipped = flipped.reshape(kh, kw, og, groups * cin)
    return _grouped_impl(spread, flipped, (1, 1), dilations, ((0, 0), (0, 0)), groups)


def _grouped_filter_grad_impl(x, g, ksize, strides, dilations, pads, groups):
    numpy_only("grouped_conv2d_backprop_filter", x, g)
    cin, cout = x.shape[-1] // groups, g.shape[-1] // groups
    if _by_group(groups, cin):
        return np.concatenate([_conv_filter_grad_impl(_slab(x, i, cin), _slab(g, i, cout), ksize,
                                                      strides, dilations, pads)
                               for i in range(groups)], -1)
    win = _windows(_pad_hw(x, pads), ksize, strides, dilations)  # (..., Ho, Wo, C, kh, kw)
    n = int(np.prod(win.shape[:-3], dtype=np.int64))
    gg = g.reshape(n, groups, cout)
    # one contraction per filter tap: 3x faster than one einsum over the 6-D window view
    taps = [np.einsum("ngc,ngo->cgo", win[..., i, j].reshape(n, groups, cin), gg)
            for i in range(ksize[0]) for j in range(ksize[1])]
    return np.stack(taps).reshape(tuple(ksize) + (cin, groups * cout))


# Jacobian batches: a filter-like operand's leading dims K fold into each group's channels,
# an image-like operand's into each group of its channels; one call, then unfold.
def _size(dims: tuple) -> int:
    return int(np.prod(dims, dtype=np.int64))


def _fold_filter(w: Tensor, k: int, groups: int, into: str) -> Tensor:
    """``(K, kh, kw, cin, cout)`` -> filters with ``K`` inside each group's "in" or "out"."""
    kh, kw, cin, cout = w.shape[k:]
    nk = _size(w.shape[:k])
    w = reshape_p.bind(w, shape=(nk, kh, kw, cin, groups, cout // groups))
    if into == "out":
        w = transpose_p.bind(w, perm=(1, 2, 3, 4, 0, 5))
        return reshape_p.bind(w, shape=(kh, kw, cin, groups * nk * (cout // groups)))
    w = transpose_p.bind(w, perm=(1, 2, 0, 3, 4, 5))
    return reshape_p.bind(w, shape=(kh, kw, nk * cin, cout))


def _fold_image(x: Tensor, k: int, groups: int) -> Tensor:
    """``(K, ..., C)`` -> ``(..., C * prod(K))`` with ``K`` inside each channel group."""
    nk, rest = _size(x.shape[:k]), tuple(x.shape[k:])
    x = reshape_p.bind(x, shape=(nk,) + rest[:-1] + (groups, rest[-1] // groups))
    r = x.ndim
    x = transpose_p.bind(x, perm=tuple(range(1, r - 1)) + (0, r - 1))
    return reshape_p.bind(x, shape=rest[:-1] + (groups * nk * (rest[-1] // groups),))


def _unfold_channels(y: Tensor, lead: tuple, groups: int) -> Tensor:
    """Inverse of the folds on a result's last axis ``(groups, K, c)``: ``K`` to the front."""
    nk = _size(lead)
    per = y.shape[-1] // (groups * nk)
    y = reshape_p.bind(y, shape=tuple(y.shape[:-1]) + (groups, nk, per))
    r = y.ndim
    y = transpose_p.bind(y, perm=(r - 2,) + tuple(range(r - 3)) + (r - 3, r - 1))
    return reshape_p.bind(y, shape=tuple(lead) + tuple(y.shape[1:-2]) + (groups * per,))


def _gconv(x: Tensor, w: Tensor, geo: dict) -> Tensor:
    k = w.ndim - 4
    if k <= 0:
        return grouped_conv2d_p.bind(x, w, **geo)
    y = grouped_conv2d_p.bind(x, _fold_filter(w, k, geo["groups"], "out"), **geo)
    return _unfold_channels(y, tuple(w.shape[:k]), geo["groups"])


def _gconv_input_grad(g: Tensor, w: Tensor, in_hw: tuple, geo: dict) -> Tensor:
    k = w.ndim - 4
    prim = grouped_conv2d_backprop_input_p
    if k <= 0:
        return prim.bind(g, w, in_hw=tuple(in_hw), **geo)
    y = prim.bind(g, _fold_filter(w, k, geo["groups"], "in"), in_hw=tuple(in_hw), **geo)
    return _unfold_channels(y, tuple(w.shape[:k]), geo["groups"])


def _gconv_filter_grad(x: Tensor, g: Tensor, ksize: tuple, geo: dict) -> Tensor:
    prim, groups, ksize = grouped_conv2d_backprop_filter_p, geo["groups"], tuple(ksize)
    if x.ndim == g.ndim:
        return prim.bind(x, g, ksize=ksize, **geo)
    if x.ndim > g.ndim:  # K inside each group's input channels of the result
        k = x.ndim - g.ndim
        y = prim.bind(_fold_image(x, k, groups), g, ksize=ksize, **geo)
        kh, kw, cin_k, cout = y.shape
        nk = _size(x.shape[:k])
        y = reshape_p.bind(y, shape=(kh, kw, nk, cin_k // nk, cout))
        y = transpose_p.bind(y, perm=(2, 0, 1, 3, 4))
        return reshape_p.bind(y, shape=tuple(x.shape[:k]) + (kh, kw, cin_k // nk, cout))
    k = g.ndim - x.ndim  # K inside each group's output channels
    y = prim.bind(x, _fold_image(g, k, groups), ksize=ksize, **geo)
    y = _unfold_channels(y, tuple(g.shape[:k]), groups)
    return y


def _bilinear_jvp(face: Any, t: tuple, a: Any, b: Any) -> Any:
    ta, tb = t
    out = None if ta is None else face(ta, b)
    other = None if tb is None else face(a, tb)
    return other if out is None else (out if other is None else out + other)


grouped_conv2d_p: Primitive = Primitive(
    "grouped_conv2d",
    _grouped_impl,
    vjps=(
        lambda g, ans, x, w, **geo: _gconv_input_grad(g, w, x.shape[-3:-1], geo),
        lambda g, ans, x, w, **geo: _gconv_filter_grad(x, g, w.shape[:2], geo),
    ),
    jvp=lambda t, ans, x, w, **geo: _bilinear_jvp(lambda a, b: _gconv(a, b, geo), t, x, w),
    reads=((1,), (0,)),
    dtypes="fi",
)
"""conv2d whose input channels split into ``groups``, each meeting its own filters."""

grouped_conv2d_backprop_input_p: Primitive = Primitive(
    "grouped_conv2d_backprop_input",
    _grouped_input_grad_impl,
    vjps=(
        lambda gg, ans, g, w, in_hw, **geo: _gconv(gg, w, geo),
        lambda gg, ans, g, w, in_hw, **geo: _gconv_filter_grad(gg, g, w.shape[:2], geo),
    ),
    jvp=lambda t, ans, g, w, in_hw, **geo: _bilinear_jvp(
        lambda a, b: _gconv_input_grad(a, b, in_hw, geo), t, g, w),
    reads=((1,), (0,)),
    dtypes="fi",
)

grouped_conv2d_backprop_filter_p: Primitive = Primitive(
    "grouped_conv2d_backprop_filter",
    _grouped_filter_grad_impl,
    vjps=(
        lambda gg, ans, x, g, ksize, **geo: _gconv_input_grad(g, gg, x.shape[-3:-1], geo),
        lambda gg, ans, x, g, ksize, **geo: _gconv(x, gg, geo),
    ),
    jvp=lambda t, ans, x, g, ksize, **geo: _bilinear_jvp(
        lambda a, b: _gconv_filter_grad(a, b, ksize, geo), t, x, g),
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
    """2-D convolution (``tf.nn.conv2d``), grouped when the filters have fewer input channels.

    With filters ``[kh, kw, in_channels / groups, out_channels]`` the input channels split
    into ``groups`` consecutive groups and output channels likewise; group ``i`` of the
    input meets only group ``i`` of the filters (TensorFlow's grouped convolution). Every
    other case is :func:`tapegrad.ops.conv.conv2d`, whose arguments this takes.

    Args:
        input: ``batch_shape + [height, width, in_channels]`` (``[..., C, H, W]`` for NCHW).
        filters: ``[filter_height, filter_width, in_channels / groups, out_channels]``.
        strides: An int, or a list of 1, 2 or 4 ints.
        padding: ``"SAME"``, ``"VALID"``, or explicit ``[[0, 0], [t, b], [l, r], [0, 0]]``.
        data_format: ``"NHWC"`` (default) or ``"NCHW"``.
        dilations: An int, or a list of 1, 2 or 4 ints (default 1).
        name: Ignored.

    Returns:
        ``batch_shape + [out_height, out_width, out_channels]``.

    >>> import tapegrad as tg
    >>> tuple(tg.nn.conv2d(tg.ones((1, 4, 4, 6)), tg.ones((3, 3, 2, 9)), 1, "VALID").shape)
    (1, 2, 2, 9)
    """
    op = "conv2d"
    x = convert_to_tensor(input)
    w = convert_to_tensor(filters, dtype_hint=x.dtype)
    channels_first = _data_format(data_format, ("NHWC", "NCHW"), op)
    if x.ndim < 4 or w.ndim != 4:
        return _conv2d(x, w, strides, padding, data_format, dilations)  # its errors
    channels = x.shape[-3] if channels_first else x.shape[-1]
    if channels == w.shape[2] or w.shape[2] == 0:
        return _conv2d(x, w, strides, padding, data_format, dilations)
    return _grouped(op, x, w, channels, strides, padding, channels_first, dilations)


def _grouped(op: str, x: Tensor, w: Tensor, channels: int, strides: Any, padding: Any,
             channels_first: bool, dilations: Any) -> Tensor:
    """Checks, then one grouped_conv2d (channels-last inside)."""
    _same_dtype(x, w, op, "filters")
    _some_in_channels(w, 2, op)
    groups = channels // w.shape[2]
    if channels % w.shape[2] or w.shape[3] % groups:
        raise InvalidArgumentError(
            f"{op}: input has {channels} channels (shape {x.shape}) but filters (shape "
            f"{w.shape}) expect {w.shape[2]} input channels; for a grouped convolution the "
            f"input channels must be a multiple of {w.shape[2]} and the output channels "
            f"({w.shape[3]}) a multiple of the number of groups ({channels / w.shape[2]:g})."
        )
    if channels_first:
        x = _to_channels_last(x)
    strides, dilations, eff = _strides_dilations(
        strides, dilations, w.shape[:2], op, channels_first
    )
    pads = _padding(padding, x.shape[-3:-1], eff, strides, op, channels_first, explicit=True)
    y = grouped_conv2d_p.bind(x, w, strides=strides, dilations=dilations, pads=pads,
                              groups=groups)
    return _to_channels_first(y) if channels_first else y


# --- conv2d_transpose ---------------------------------------------------------------------
def conv2d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str = "NHWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """The transpose of conv2d (``tf.nn.conv2d_transpose``), sometimes called deconvolution.

    The result is what conv2d's gradient with respect to its input would be for an
    input of ``output_shape`` and a cotangent ``input``; ``conv2d(result, filters,
    strides, padding)`` has ``input``'s shape.

    Args:
        input: ``[batch, height, width, in_channels]`` (``[N, C, H, W]`` for NCHW).
        filters: ``[filter_height, filter_width, out_channels, in_channels]``.
        output_shape: The result's shape, 4 ints (in ``data_format``).
        strides: An int, or a list of 1, 2 or 4 ints.
        padding: ``"SAME"``, ``"VALID"``, or explicit pairs as conv2d.
        data_format: ``"NHWC"`` (default) or ``"NCHW"``.
        dilations: An int, or a list of 1, 2 or 4 ints (default 1).
        name: Ignored.

    Returns:
        A tensor of ``output_shape``.

    >>> import tapegrad as tg
    >>> y = tg.nn.conv2d_transpose(tg.ones((1, 2, 2, 3)), tg.ones((3, 3, 5, 3)), [1, 4, 4, 5], 2)
    >>> tuple(y.shape)
    (1, 4, 4, 5)
    """
    op = "conv2d_transpose"
    x = convert_to_tensor(input)
    w = convert_to_tensor(filters, dtype_hint=x.dtype)
    channels_first = _data_format(data_format, ("NHWC", "NCHW"), op)
    if x.ndim != 4 or w.ndim != 4:
        raise InvalidArgumentError(
            f"{op}: input must have rank 4 and filters rank 4 [filter_height, filter_width, "
            f"out_channels, in_channels], got shapes {x.shape} and {w.shape}."
        )
    _same_dtype(x, w, op, "filters")
    _float_input(x, op)
    out = _ints(output_shape, "output_shape", op)
    if len(out) != 4:
        raise InvalidArgumentError(f"{op}: output_shape must have 4 entries, got {out}.")
    if channels_first:
        x = _to_channels_last(x)
        out = [out[0], out[2], out[3], out[1]]
    if x.shape[-1] != w.shape[3] or out[3] != w.shape[2] or out[0] != x.shape[0]:
        raise InvalidArgumentError(
            f"{op}: input (shape {x.shape}, channels last) needs filters [h, w, "
            f"{out[3]}, {x.shape[-1]}] for output_shape {out}, got filters of shape {w.shape}: "
            "filters are [height, width, output channels, input channels]."
        )
    strides, dilations, eff = _strides_dilations(
        strides, dilations, w.shape[:2], op, channels_first
    )
    in_hw = (out[1], out[2])
    pads = _padding(padding, in_hw, eff, strides, op, channels_first, explicit=True)
    expected = tuple((n + lo + hi - e) // s + 1
                     for n, e, s, (lo, hi) in zip(in_hw, eff, strides, pads))
    if expected != tuple(x.shape[1:3]):
        raise InvalidArgumentError(
            f"{op}: output_shape {out} with strides {strides} and padding {padding!r} gives "
            f"conv2d outputs of spatial size {expected}, but input has {tuple(x.shape[1:3])} "
            f"(input shape {x.shape}); choose an output_shape whose convolution matches."
        )
    y = conv2d_backprop_input_p.bind(x, w, in_hw=in_hw, strides=strides, dilations=dilations,
                                     pads=pads)
    return _to_channels_first(y) if channels_first else y


# --- depthwise_conv2d ---------------------------------------------------------------------
def depthwise_conv2d(
    input: Any,
    filter: Any,
    strides: Any,
    padding: Any,
    data_format: Any = None,
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """Each input channel convolved with its own filters (``tf.nn.depthwise_conv2d``).

    Output channel ``c * multiplier + m`` is input channel ``c`` convolved with
    ``filter[:, :, c, m]``: a grouped conv2d with one group per input channel.

    Args:
        input: ``[batch, height, width, in_channels]`` (``[N, C, H, W]`` for NCHW).
        filter: ``[filter_height, filter_width, in_channels, channel_multiplier]``.
        strides: 4 ints ``[1, stride_h, stride_w, 1]`` (or 1 or 2 ints).
        padding: ``"SAME"``, ``"VALID"``, or explicit pairs as conv2d.
        data_format: ``"NHWC"`` (default) or ``"NCHW"``.
        dilations: 2 ints (the dilation rate), default 1.
        name: Ignored.

    Returns:
        ``[batch, out_height, out_width, in_channels * channel_multiplier]``.

    >>> import tapegrad as tg
    >>> y = tg.nn.depthwise_conv2d(tg.ones((1, 3, 3, 2)), tg.ones((2, 2, 2, 3)), [1, 1, 1, 1],
    ...                            "VALID")
    >>> tuple(y.shape)
    (1, 2, 2, 6)
    """
    op = "depthwise_conv2d"
    x = convert_to_tensor(input)
    w = convert_to_tensor(filter, dtype_hint=x.dtype)
    fmt = "NHWC" if data_format is None else data_format
    channels_first = _data_format(fmt, ("NHWC", "NCHW"), op)
    if x.ndim != 4 or w.ndim != 4:
        raise InvalidArgumentError(
            f"{op}: input must have rank 4 and filter rank 4 [filter_height, filter_width, "
            f"in_channels, channel_multiplier], got shapes {x.shape} and {w.shape}."
        )
    _same_dtype(x, w, op, "filter")
    channels = x.shape[1] if channels_first else x.shape[3]
    if channels != w.shape[2] or w.shape[2] == 0:
        raise InvalidArgumentError(
            f"{op}: input has {channels} channels (shape {x.shape}, {fmt}) but filter (shape "
            f"{w.shape}) has {w.shape[2]} input channels; they must be equal (and non-zero)."
        )
    kh, kw, c, m = w.shape
    flat = reshape_p.bind(w, shape=(kh, kw, 1, c * m))
    if c == 1:
        return _conv2d(x, flat, strides, padding, data_format=fmt, dilations=dilations)
    return _grouped(op, x, flat, c, strides, padding, channels_first, dilations)


# --- batch_normalization ------------------------------------------------------------------
def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    offset: Any,
    scale: Any,
    variance_epsilon: Any,
    name: Any = None,
) -> Tensor:
    """``scale * (x - mean) / sqrt(variance + epsilon) + offset`` (``tf.nn.batch_normalization``).

    Computed as TensorFlow does (``x * inv + (offset - mean * inv)`` with ``inv =
    scale * rsqrt(variance + epsilon)``); the statistics broadcast against ``x``.

    Args:
        x: The input.
        mean: The mean, broadcastable to ``x``.
        variance: The variance, broadcastable to ``x``.
        offset: The shift (beta), or None.
        scale: The scale (gamma), or None.
        variance_epsilon: A small float avoiding division by zero.
        name: Ignored.

    Returns:
        The normalized tensor, of ``x``'s dtype.

    >>> import tapegrad as tg
    >>> y = tg.nn.batch_normalization(tg.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0)
    >>> y.numpy().tolist()
    [-1.0, 1.0]
    """
    t = convert_to_tensor(x)
    _float_input(t, "batch_normalization")
    m = convert_to_tensor(mean, dtype_hint=t.dtype)
    v = convert_to_tensor(variance, dtype_hint=t.dtype)
    eps = np.asarray(variance_epsilon, v.dtype)[()]
    inv = rsqrt(v + eps)
    if scale is not None:
        inv = inv * convert_to_tensor(scale, dtype_hint=t.dtype)
    shift = -m * inv if offset is None else convert_to_tensor(offset, dtype_hint=t.dtype) - m * inv
    inv = inv if inv.dtype == t.dtype else cast(inv, t.dtype)
    shift = shift if shift.dtype == t.dtype else cast(shift, t.dtype)
    return t * inv + shift


# --- 1-D pools ----------------------------------------------------------------------------
def _pool1d(pool: Any, op: str, input: Any, ksize: Any, strides: Any, padding: Any,
            data_format: str) -> Tensor:
    x = convert_to_tensor(input)
    channels_first = _data_format(data_format, ("NWC", "NCW"), op)
    if x.ndim != 3:
        raise InvalidArgumentError(
            f"{op}: input must have rank 3 [batch, width, channels] ([batch, channels, width] "
            f"for NCW), got shape {x.shape}."
        )
    _float_input(x, op)
    k = _spatial_single(ksize, "ksize", op, channels_first)
    s = _spatial_single(strides, "strides", op, channels_first)
    if not isinstance(padding, str) or padding not in ("SAME", "VALID"):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}.")
    if channels_first:
        x = transpose_p.bind(x, perm=(0, 2, 1))
    _padding(padding, (1, x.shape[1]), (1, k), (1, s), op, False, explicit=False)
    image = reshape_p.bind(x, shape=(x.shape[0], 1) + tuple(x.shape[1:]))
    y = pool(image, (1, k), (1, s), padding)
    y = reshape_p.bind(y, shape=(y.shape[0],) + tuple(y.shape[2:]))
    return transpose_p.bind(y, perm=(0, 2, 1)) if channels_first else y


def max_pool1d(
    input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC", name: Any = None
) -> Tensor:
    """Maximum over each window of a 1-D signal (``tf.nn.max_pool1d``).

    Args:
        input: ``[batch, width, channels]`` (``[batch, channels, width]`` for NCW).
        ksize: Window width: an int, or 1 or 3 ints.
        strides: An int, or 1 or 3 ints.
        padding: ``"SAME"`` or ``"VALID"``.
        data_format: ``"NWC"`` (default) or ``"NCW"``.
        name: Ignored.

    Returns:
        The pooled tensor; the gradient goes to the first maximum of each window.

    >>> import tapegrad as tg
    >>> x = tg.reshape(tg.constant([1.0, 3.0, 2.0, 5.0]), (1, 4, 1))
    >>> tg.nn.max_pool1d(x, 2, 2, "VALID").numpy().ravel().tolist()
    [3.0, 5.0]
    """
    return _pool1d(max_pool2d, "max_pool1d", input, ksize, strides, padding, data_format)


def avg_pool1d(
    input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC", name: Any = None
) -> Tensor:
    """Mean over each window of a 1-D signal (``tf.nn.avg_pool1d``).

    Args:
        input: ``[batch, width, channels]`` (``[batch, channels, width]`` for NCW).
        ksize: Window width: an int, or 1 or 3 ints.
        strides: An int, or 1 or 3 ints.
        padding: ``"SAME"`` (averages over the valid entries) or ``"VALID"``.
        data_format: ``"NWC"`` (default) or ``"NCW"``.
        name: Ignored.

    Returns:
        The pooled tensor.

    >>> import tapegrad as tg
    >>> x = tg.reshape(tg.constant([1.0, 3.0, 2.0, 5.0]), (1, 4, 1))
    >>> tg.nn.avg_pool1d(x, 2, 2, "VALID").numpy().ravel().tolist()
    [2.0, 3.5]
    """
    return _pool1d(avg_pool2d, "avg_pool1d", input, ksize, strides, padding, data_format)
