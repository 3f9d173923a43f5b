"""Convolution and pooling layers on ``tg.nn``'s NHWC convolutions and pools."""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from .. import activations as _activations
from .. import initializers, regularizers
from .._utils import normalize_data_format, normalize_padding, normalize_tuple, np_dtype
from .layer import InputSpec, Layer

__all__ = [
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "DepthwiseConv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
]


def _channels_last(x: tg.Tensor, data_format: str) -> tg.Tensor:
    if data_format == "channels_first":
        return tg.transpose(x, [0, *range(2, x.ndim), 1])
    return x


def _channels_back(x: tg.Tensor, data_format: str) -> tg.Tensor:
    if data_format == "channels_first":
        return tg.transpose(x, [0, x.ndim - 1, *range(1, x.ndim - 1)])
    return x


class _Conv(Layer):
    """The arguments and weights shared by the convolution layers (Keras 3's names)."""

    rank = 2

    def __init__(
        self,
        filters: int | None,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if filters is not None and (not isinstance(filters, int) or filters <= 0):
            raise ValueError(f"{cls}: `filters` must be a positive integer, got {filters!r}.")
        if groups != 1:
            raise NotImplementedError(f"{cls}: groups={groups} is not supported (only 1).")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, self.rank, "strides", cls)
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        self.padding = normalize_padding(padding, cls, allowed)
        self.data_format = normalize_data_format(data_format, cls)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", cls)
        self.groups = groups
        self.activation = _activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self._remember(
            filters=filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
            activation=self.activation,
            use_bias=use_bias,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
        )

    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _kernel_shape(self, in_channels: int) -> tuple:
        return (*self.kernel_size, in_channels, self.filters)

    def _bias_size(self, in_channels: int) -> int:
        return int(self.filters or 0)

    def build(self, input_shape):
        axis = self._channel_axis()
        channels = input_shape[axis]
        self.kernel = self.add_weight(
            shape=self._kernel_shape(channels),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self._bias_size(channels),),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})

    def call(self, inputs):
        if np_dtype(inputs.dtype).kind != "f":  # integer inputs compute in the kernel's dtype
            inputs = tg.cast(inputs, self.kernel.dtype)
        x = _channels_last(inputs, self.data_format)
        y = self._convolve(x)
        if self.bias is not None:
            y = y + self.bias
        return _channels_back(self.activation(y), self.data_format)


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)``; ``padding`` may be ``"causal"``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> tuple(keras.layers.Conv1D(4, 3)(np.ones((2, 10, 1), np.float32)).shape)
    (2, 8, 4)
    """

    rank = 1

    def _convolve(self, x):
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            x = tg.pad(x, [[0, 0], [left, 0], [0, 0]])
            padding = "valid"
        return tg.nn.conv1d(
            x,
            self.kernel,
            stride=self.strides[0],
            padding=padding.upper(),
            dilations=self.dilation_rate[0],
        )


class Conv2D(_Conv):
    """2-D convolution over ``(batch, height, width, channels)`` (Keras's NHWC default).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Conv2D(8, 3, padding="same", activation="relu")
    >>> tuple(layer(np.ones((2, 8, 8, 1), np.float32)).shape), tuple(layer.kernel.shape)
    ((2, 8, 8, 8), (3, 3, 1, 8))
    """

    def _convolve(self, x):
        return tg.nn.conv2d(
            x,
            self.kernel,
            strides=list(self.strides),
            padding=self.padding.upper(),
            dilations=list(self.dilation_rate),
        )


class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution (the gradient of ``Conv2D`` with respect to its input).

    The kernel is ``(kh, kw, filters, in_channels)`` as in Keras; the output size is
    ``in * stride`` for ``"same"`` and ``in * stride + max(k - stride, 0)`` for ``"valid"``.
    """

    def __init__(
        self,
        filters: int | None,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        **kwargs: Any,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            **kwargs,
        )
        if output_padding is not None:
            raise NotImplementedError("Conv2DTranspose: output_padding is not supported.")

    def _kernel_shape(self, in_channels):
        return (*self.kernel_size, self.filters, in_channels)

    def _convolve(self, x):
        transpose = getattr(tg.nn, "conv2d_transpose", None)
        if transpose is None:
            raise NotImplementedError(
                "Conv2DTranspose needs tg.nn.conv2d_transpose, which this tapegrad lacks."
            )
        size = []
        for n, k, s, d in zip(x.shape[1:3], self.kernel_size, self.strides, self.dilation_rate):
            k = (k - 1) * d + 1
            size.append(n * s if self.padding == "same" else n * s + max(k - s, 0))
        out_shape = [x.shape[0], *size, self.filters]
        return transpose(
            x,
            self.kernel,
            out_shape,
            strides=list(self.strides),
            padding=self.padding.upper(),
            dilations=list(self.dilation_rate),
        )


class DepthwiseConv2D(_Conv):
    """One ``kh x kw`` filter per input channel (times ``depth_multiplier``), no channel mixing.

    The kernel is ``(kh, kw, in_channels, depth_multiplier)`` as in Keras.
    """

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        depthwise_initializer: Any = "glorot_uniform",
        depthwise_regularizer: Any = None,
        **kwargs: Any,
    ):
        kwargs.setdefault("kernel_initializer", depthwise_initializer)
        kwargs.setdefault("kernel_regularizer", depthwise_regularizer)
        super().__init__(
            None,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            **kwargs,
        )
        self.depth_multiplier = int(depth_multiplier)

    def _kernel_shape(self, in_channels):
        return (*self.kernel_size, in_channels, self.depth_multiplier)

    def _bias_size(self, in_channels):
        return in_channels * self.depth_multiplier

    def build(self, input_shape):
        super().build(input_shape)
        self.depthwise_kernel = self.kernel

    def _convolve(self, x):
        depthwise = getattr(tg.nn, "depthwise_conv2d", None)
        if depthwise is None:
            raise NotImplementedError(
                "DepthwiseConv2D needs tg.nn.depthwise_conv2d, which this tapegrad lacks."
            )
        return depthwise(
            x,
            self.kernel,
            strides=[1, *self.strides, 1],
            padding=self.padding.upper(),
            dilations=list(self.dilation_rate),
        )


class _Pool(Layer):
    rank = 2
    pool = "max"

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = normalize_tuple(
            strides if strides is not None else self.pool_size, self.rank, "strides", cls
        )
        self.padding = normalize_padding(padding, cls)
        self.data_format = normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self._remember(
            pool_size=self.pool_size,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
        )

    def call(self, inputs):
        x = _channels_last(inputs, self.data_format)
        if self.rank == 1:
            x = tg.expand_dims(x, 1)
        fn = tg.nn.max_pool2d if self.pool == "max" else tg.nn.avg_pool2d
        ksize = [1, *self.pool_size] if self.rank == 1 else list(self.pool_size)
        strides = [1, *self.strides] if self.rank == 1 else list(self.strides)
        y = fn(x, ksize=ksize, strides=strides, padding=self.padding.upper())
        if self.rank == 1:
            y = tg.squeeze(y, [1])
        return _channels_back(y, self.data_format)


class MaxPooling2D(_Pool):
    """Maximum over ``pool_size`` windows (``strides`` default to ``pool_size``).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> tuple(keras.layers.MaxPooling2D()(np.ones((1, 4, 4, 3), np.float32)).shape)
    (1, 2, 2, 3)
    """


class AveragePooling2D(_Pool):
    """Mean over ``pool_size`` windows (``"same"`` padding averages only real entries)."""

    pool = "avg"


class MaxPooling1D(_Pool):
    """Maximum over windows of ``(batch, steps, channels)``."""

    rank = 1


class AveragePooling1D(_Pool):
    """Mean over windows of ``(batch, steps, channels)``."""

    rank = 1
    pool = "avg"


class _GlobalPool(Layer):
    rank = 2
    reduce = staticmethod(tg.reduce_mean)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self._remember(data_format=self.data_format, keepdims=keepdims)

    def call(self, inputs):
        axes = (
            list(range(2, 2 + self.rank))
            if self.data_format == "channels_first"
            else list(range(1, 1 + self.rank))
        )
        return self.reduce(inputs, axis=axes, keepdims=self.keepdims)


class GlobalAveragePooling2D(_GlobalPool):
    """Mean over height and width: ``(batch, h, w, c) -> (batch, c)``."""


class GlobalMaxPooling2D(_GlobalPool):
    """Maximum over height and width: ``(batch, h, w, c) -> (batch, c)``."""

    reduce = staticmethod(tg.reduce_max)


class GlobalAveragePooling1D(_GlobalPool):
    """Mean over steps: ``(batch, steps, c) -> (batch, c)``."""

    rank = 1


class GlobalMaxPooling1D(_GlobalPool):
    """Maximum over steps: ``(batch, steps, c) -> (batch, c)``."""

    rank = 1
    reduce = staticmethod(tg.reduce_max)
