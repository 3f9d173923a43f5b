"""BatchNormalization and LayerNormalization with Keras 3's arguments and formulas."""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from .. import initializers, regularizers
from .layer import InputSpec, Layer

__all__ = ["BatchNormalization", "LayerNormalization"]


def _add_gamma_and_beta(layer: Any, shape: tuple, *, center: bool) -> None:
    """The scale ``gamma`` (when ``layer.scale``) and offset ``beta`` (when ``center``) weights.

    ``layer`` is a BatchNormalization or LayerNormalization: both carry the gamma/beta settings.
    """
    layer.gamma = (
        layer.add_weight(
            shape=shape,
            name="gamma",
            initializer=layer.gamma_initializer,
            regularizer=layer.gamma_regularizer,
            constraint=layer.gamma_constraint,
        )
        if layer.scale
        else None
    )
    layer.beta = (
        layer.add_weight(
            shape=shape,
            name="beta",
            initializer=layer.beta_initializer,
            regularizer=layer.beta_regularizer,
            constraint=layer.beta_constraint,
        )
        if center
        else None
    )


def _normalize(x, mean, variance, gamma, beta, epsilon):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta`` in Keras's order of operations."""
    inv = tg.math.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    if beta is not None:
        res = res + beta
    return x * inv + res


class BatchNormalization(Layer):
    """Normalizes over the batch (``training=True``) or with moving statistics (inference).

    ``moving_mean`` and ``moving_variance`` are non-trainable weights updated at each training
    call as ``moving = moving * momentum + batch_statistic * (1 - momentum)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> bn = keras.layers.BatchNormalization()
    >>> y = bn(np.random.default_rng(0).normal(3.0, 2.0, (64, 2)).astype("float32"),
    ...        training=True)
    >>> [w.name.split(":")[0] for w in bn.weights]
    ['gamma', 'beta', 'moving_mean', 'moving_variance']
    >>> bool(abs(float(np.mean(y.numpy()))) < 1e-3)
    True
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        synchronized: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self._remember(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale)

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Layer '{self.name}' (BatchNormalization): axis={self.axis} is out of range for "
                f"inputs of shape {tuple(input_shape)}."
            )
        self._axis = self.axis % rank
        shape = (input_shape[self._axis],)
        _add_gamma_and_beta(self, shape, center=self.center)
        self.moving_mean = self.add_weight(
            shape=shape,
            name="moving_mean",
            trainable=False,
            initializer=self.moving_mean_initializer,
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            name="moving_variance",
            trainable=False,
            initializer=self.moving_variance_initializer,
        )
        self.input_spec = InputSpec(ndim=rank, axes={self._axis: shape[0]})

    def _broadcast(self, v, rank):
        if v is None or self._axis == rank - 1:
            return v
        shape = [1] * rank
        shape[self._axis] = -1
        return tg.reshape(v, shape)

    def call(self, inputs, training=None, mask=None):
        rank = inputs.ndim
        if training and self.trainable:
            axes = [i for i in range(rank) if i != self._axis]
            mean, variance = tg.nn.moments(inputs, axes=axes)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + tg.stop_gradient(mean) * (1.0 - m))
            self.moving_variance.assign(
                self.moving_variance * m + tg.stop_gradient(variance) * (1.0 - m)
            )
        else:
            mean, variance = self.moving_mean, self.moving_variance
        b = self._broadcast
        return _normalize(
            inputs,
            b(mean, rank),
            b(variance, rank),
            b(self.gamma, rank),
            b(self.beta, rank),
            self.epsilon,
        )


class LayerNormalization(Layer):
    """Normalizes each example over ``axis`` (the last by default), then scales and shifts.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.LayerNormalization()(np.array([[1.0, 2.0, 3.0]], np.float32))
    >>> np.round(y.numpy(), 3).tolist()
    [[-1.224, 0.0, 1.224]]
    """

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        rms_scaling: bool = False,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), center, scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self._remember(axis=self.axis, epsilon=epsilon, center=center, scale=scale)

    def build(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f"Layer '{self.name}' (LayerNormalization): axis={a} is out of range for "
                    f"inputs of shape {tuple(input_shape)}."
                )
        self._axes = sorted(a % rank for a in axes)
        shape = tuple(input_shape[a] for a in self._axes)
        _add_gamma_and_beta(self, shape, center=self.center and not self.rms_scaling)
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._axes})

    def _broadcast(self, v, rank):
        if v is None:
            return None
        shape = [1] * rank
        for a, d in zip(self._axes, tuple(v.shape)):
            shape[a] = d
        return tg.reshape(v, shape)

    def call(self, inputs):
        rank = inputs.ndim
        gamma, beta = self._broadcast(self.gamma, rank), self._broadcast(self.beta, rank)
        if self.rms_scaling:
            variance = tg.reduce_mean(tg.square(inputs), axis=self._axes, keepdims=True)
            out = inputs * tg.math.rsqrt(variance + self.epsilon)
            return out * gamma if gamma is not None else out
        mean, variance = tg.nn.moments(inputs, axes=self._axes, keepdims=True)
        return _normalize(inputs, mean, variance, gamma, beta, self.epsilon)
