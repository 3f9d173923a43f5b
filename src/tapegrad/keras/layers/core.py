"""Core layers: Dense, activations as layers, Flatten, Reshape, Dropout, Embedding, Lambda."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tg

from .. import activations as _activations
from .. import initializers, regularizers
from .._utils import np_dtype, shape_of
from .layer import InputSpec, Layer

__all__ = [
    "Dense",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "Flatten",
    "Reshape",
    "Dropout",
    "Embedding",
    "Lambda",
    "Identity",
]


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis.

    Args:
        units: the output size.
        activation: a name (``"relu"``), a callable or None.
        use_bias: add a bias vector.
        kernel_initializer: ``"glorot_uniform"`` by default.
        bias_initializer: ``"zeros"`` by default.
        kernel_regularizer: a penalty on the kernel, added to ``losses``.
        bias_regularizer: a penalty on the bias, added to ``losses``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Dense(2, activation="relu")
    >>> tuple(layer(np.ones((4, 3), np.float32)).shape), tuple(layer.kernel.shape)
    ((4, 2), (3, 2))
    """

    def __init__(
        self,
        units: int,
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
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Dense: `units` must be a positive integer, got {units!r}.")
        self.units = int(units)
        self.activation = _activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=2)
        self._remember(
            units=units,
            activation=self.activation,
            use_bias=use_bias,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
        )

    def build(self, input_shape):
        in_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(in_dim, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})

    def call(self, inputs):
        if np_dtype(inputs.dtype).kind != "f":  # integer inputs compute in the kernel's dtype
            inputs = tg.cast(inputs, self.kernel.dtype)
        if inputs.ndim == 2:
            x = tg.matmul(inputs, self.kernel)
        else:
            x = tg.tensordot(inputs, self.kernel, [[inputs.ndim - 1], [0]])
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)


class Activation(Layer):
    """Applies an activation (a name or a callable).

    >>> from tapegrad import keras
    >>> keras.layers.Activation("relu")([[-1.0, 2.0]]).numpy().tolist()
    [[0.0, 2.0]]
    """

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)
        self._remember(activation=self.activation)

    def call(self, inputs):
        return self.activation(inputs)


class ReLU(Layer):
    """Keras's ReLU layer: ``max_value``, ``negative_slope`` and ``threshold``."""

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU: `max_value` must be >= 0, got {max_value}.")
        if negative_slope < 0:
            raise ValueError(f"ReLU: `negative_slope` must be >= 0, got {negative_slope}.")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold
        self._remember(max_value=max_value, negative_slope=negative_slope, threshold=threshold)

    def call(self, inputs):
        return _activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)


class LeakyReLU(Layer):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise (Keras's default slope 0.3)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU: `negative_slope` must be >= 0, got {negative_slope}.")
        self.negative_slope = float(negative_slope)
        self._remember(negative_slope=self.negative_slope)

    def call(self, inputs):
        return tg.nn.leaky_relu(inputs, alpha=self.negative_slope)


class Softmax(Layer):
    """Softmax along ``axis``; an optional boolean ``mask`` removes entries."""

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis
        self._remember(axis=axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs + (1.0 - tg.cast(mask, inputs.dtype)) * -1e9
        return tg.nn.softmax(inputs, axis=self.axis)


class Identity(Layer):
    """Returns its input unchanged."""

    def call(self, inputs):
        return inputs


class Flatten(Layer):
    """Reshape to ``(batch, -1)`` (channels-first inputs are made channels-last first)."""

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(min_ndim=1)
        self._remember(data_format=self.data_format)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = tg.transpose(inputs, [0, *range(2, inputs.ndim), 1])
        batch = shape_of(inputs)[0]
        return tg.reshape(inputs, (batch, int(np.prod(shape_of(inputs)[1:]))))


class Reshape(Layer):
    """Reshape every example to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape: tuple, **kwargs: Any):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        self._remember(target_shape=self.target_shape)

    def call(self, inputs):
        shape = shape_of(inputs)
        size, target = int(np.prod(shape[1:])), self.target_shape
        known = int(np.prod([d for d in target if d != -1]))
        if (-1 in target and (known == 0 or size % known)) or (-1 not in target and known != size):
            raise ValueError(
                f"Layer '{self.name}' (Reshape): cannot reshape examples of shape {shape[1:]} "
                f"({size} values) to target_shape {target}; the sizes must match."
            )
        return tg.reshape(inputs, (shape[0], *target))


class Dropout(Layer):
    """Sets a fraction ``rate`` of inputs to 0 during training, scaling the rest by
    ``1 / (1 - rate)``; does nothing at inference.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Dropout(0.5, seed=1)
    >>> layer(np.ones((2, 2), np.float32)).numpy().tolist()   # training=False by default
    [[1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1], got {rate}.")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        self._remember(rate=rate, noise_shape=noise_shape, seed=seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise_shape = None
        if self.noise_shape is not None:
            noise_shape = [
                s if d is None else d for s, d in zip(shape_of(inputs), self.noise_shape)
            ]
        return tg.nn.dropout(inputs, self.rate, noise_shape=noise_shape, seed=self.seed)


class Embedding(Layer):
    """Maps integer ids to rows of ``embeddings``; the gradient is an ``IndexedSlices``.

    >>> from tapegrad import keras
    >>> layer = keras.layers.Embedding(10, 3)
    >>> tuple(layer([[1, 2], [3, 4]]).shape)
    (2, 2, 3)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = mask_zero
        self._remember(
            input_dim=input_dim,
            output_dim=output_dim,
            mask_zero=mask_zero,
            embeddings_initializer=self.embeddings_initializer,
        )

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            name="embeddings",
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def _convert(self, inputs):
        return inputs if isinstance(inputs, tg.Tensor) else tg.constant(np.asarray(inputs))

    def call(self, inputs):
        if np_dtype(inputs.dtype).kind not in "iu":
            inputs = tg.cast(inputs, tg.int32)
        try:
            return tg.nn.embedding_lookup(self.embeddings, inputs)
        except IndexError as err:
            raise type(err)(
                f"Layer '{self.name}' (Embedding): {err} The layer has input_dim="
                f"{self.input_dim} (input shape {shape_of(inputs)}); raise input_dim or remap "
                "the ids."
            ) from err

    def compute_mask(self, inputs, mask=None):
        return None if not self.mask_zero else tg.not_equal(inputs, 0)


class Lambda(Layer):
    """Wraps a function of tensors as a layer (``arguments`` are passed as keywords).

    >>> from tapegrad import keras
    >>> keras.layers.Lambda(lambda x: x * 2.0)([1.0, 2.0]).numpy().tolist()
    [2.0, 4.0]
    """

    def __init__(
        self,
        function: Callable,
        output_shape: Any = None,
        mask: Any = None,
        arguments: dict | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}.")
        self.function, self.output_shape, self.arguments = function, output_shape, arguments or {}

    def call(self, inputs):
        return self.function(inputs, **self.arguments)
