"""``keras.losses``: Keras 3's loss classes and functions with its formulas and reductions.

A loss function returns one value per example (the mean or sum over the last axis); a loss
class reduces those with ``reduction`` (``"sum_over_batch_size"`` by default: the sum divided
by the number of values), after weighting them by ``sample_weight``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tg

from ._utils import get_callable, get_from_module, np_dtype, shape_of, to_tensor

__all__ = [
    "Loss",
    "LossFunctionWrapper",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "Huber",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "KLDivergence",
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "kl_divergence",
    "mse",
    "mae",
    "get",
    "serialize",
    "deserialize",
]

EPSILON = 1e-7  # keras.config.epsilon()
_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def _pair(y_true: Any, y_pred: Any, what: str) -> tuple[tg.Tensor, tg.Tensor]:
    """Tensors of y_pred's floating dtype, a trailing axis of 1 squeezed or added as Keras does."""
    y_pred = to_tensor(y_pred)
    if np_dtype(y_pred.dtype).kind != "f":
        y_pred = tg.cast(y_pred, tg.float32)
    y_true = to_tensor(y_true)
    if np_dtype(y_true.dtype) != np_dtype(y_pred.dtype):
        y_true = tg.cast(y_true, y_pred.dtype)
    return _same_rank(y_true, y_pred, what)


def _same_rank(y_true: tg.Tensor, y_pred: tg.Tensor, what: str) -> tuple:
    t_rank, p_rank = y_true.ndim, y_pred.ndim
    if t_rank == p_rank + 1 and shape_of(y_true)[-1] == 1:
        y_true = tg.squeeze(y_true, [-1]) if p_rank != 1 else y_true
        y_pred = tg.expand_dims(y_pred, -1) if p_rank == 1 else y_pred
    elif p_rank == t_rank + 1 and shape_of(y_pred)[-1] == 1:
        y_pred = tg.squeeze(y_pred, [-1]) if t_rank != 1 else y_pred
        y_true = tg.expand_dims(y_true, -1) if t_rank == 1 else y_true
    try:
        np.broadcast_shapes(shape_of(y_true), shape_of(y_pred))
    except ValueError:
        raise ValueError(
            f"{what}: y_true and y_pred have incompatible shapes {shape_of(y_true)} and "
            f"{shape_of(y_pred)}. Give y_true the model output's shape (for integer class labels "
            "use SparseCategoricalCrossentropy)."
        ) from None
    return y_true, y_pred


# -- functions -----------------------------------------------------------------------------------
def mean_squared_error(y_true: Any, y_pred: Any) -> tg.Tensor:
    """``mean(square(y_true - y_pred), axis=-1)``.

    >>> from tapegrad import keras
    >>> keras.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy().tolist()
    [0.5]
    """
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_error")
    return tg.reduce_mean(tg.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> tg.Tensor:
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_error")
    return tg.reduce_mean(tg.abs(y_true - y_pred), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> tg.Tensor:
    """Quadratic for errors up to ``delta``, linear beyond; mean over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, "huber")
    error = y_pred - y_true
    abs_error = tg.abs(error)
    d = tg.cast(delta, error.dtype)
    values = tg.where(abs_error <= d, 0.5 * tg.square(error), d * abs_error - 0.5 * tg.square(d))
    return tg.reduce_mean(values, axis=-1)


def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> tg.Tensor:
    """Mean binary cross entropy over ``axis``; probabilities are clipped to ``[1e-7, 1-1e-7]``.

    >>> from tapegrad import keras
    >>> round(float(keras.losses.binary_crossentropy([1.0], [0.5])[()]), 4)
    0.6931
    """
    y_true, y_pred = _pair(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        values = tg.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p = tg.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        values = -(y_true * tg.math.log(p) + (1.0 - y_true) * tg.math.log(1.0 - p))
    return tg.reduce_mean(values, axis=axis)


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> tg.Tensor:
    """Cross entropy of one-hot (or soft) labels; probabilities are renormalised and clipped."""
    y_true, y_pred = _pair(y_true, y_pred, "categorical_crossentropy")
    if shape_of(y_true) != shape_of(y_pred):
        raise ValueError(
            f"categorical_crossentropy: y_true {shape_of(y_true)} and y_pred {shape_of(y_pred)} "
            "must have the same shape (one-hot labels). For integer labels use "
            "sparse_categorical_crossentropy."
        )
    if label_smoothing:
        n = shape_of(y_pred)[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    if from_logits:
        return tg.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    p = y_pred / tg.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = tg.clip_by_value(p, EPSILON, 1.0 - EPSILON)
    return -tg.reduce_sum(y_true * tg.math.log(p), axis=axis)


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> tg.Tensor:
    """Cross entropy of integer labels against probabilities (or logits) over classes.

    >>> from tapegrad import keras
    >>> round(float(keras.losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]])[0]), 4)
    0.6931
    """
    y_pred = to_tensor(y_pred)
    labels = to_tensor(y_true)
    pred_shape = shape_of(y_pred)
    if labels.ndim == len(pred_shape) and shape_of(labels)[-1:] == (1,):
        labels = tg.squeeze(labels, [-1])
    if shape_of(labels) != pred_shape[:-1]:
        raise ValueError(
            f"sparse_categorical_crossentropy: y_true {shape_of(labels)} must hold one integer "
            f"label per row of y_pred {pred_shape} (shape {pred_shape[:-1]}). For one-hot labels "
            "use categorical_crossentropy."
        )
    labels = tg.cast(labels, tg.int64)
    valid = None
    if ignore_class is not None:
        valid = tg.not_equal(labels, ignore_class)
        labels = tg.where(valid, labels, tg.zeros_like(labels))
    logits = (
        y_pred if from_logits else tg.math.log(tg.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    )
    n = pred_shape[-1]
    if not isinstance(y_true, tg.Tensor):  # arrays are checked here; the op path stays traceable
        bad = np.asarray(y_true)[(np.asarray(y_true) < 0) | (np.asarray(y_true) >= n)]
        if ignore_class is not None:
            bad = bad[bad != ignore_class]
        if bad.size:
            raise ValueError(
                f"sparse_categorical_crossentropy: received a label value of {bad.flat[0]} "
                f"outside the valid range [0, {n}) for y_pred of shape {pred_shape}."
            )
    # One-hot labels as an elementwise comparison (the labels stay a traced tensor input, so a
    # compiled training step reads each batch's labels); same value and gradient as
    # sparse_softmax_cross_entropy_with_logits: logsumexp(z) - z[label], softmax - one_hot.
    one_hot = tg.cast(
        tg.equal(tg.expand_dims(labels, -1), tg.range(n, dtype=tg.int64)), logits.dtype
    )
    values = tg.nn.softmax_cross_entropy_with_logits(labels=one_hot, logits=logits)
    if valid is not None:
        values = values * tg.cast(valid, values.dtype)
    return values


def kl_divergence(y_true: Any, y_pred: Any) -> tg.Tensor:
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[1e-7, 1]``."""
    y_true, y_pred = _pair(y_true, y_pred, "kl_divergence")
    y_true = tg.clip_by_value(y_true, EPSILON, 1.0)
    y_pred = tg.clip_by_value(y_pred, EPSILON, 1.0)
    return tg.reduce_sum(y_true * tg.math.log(y_true / y_pred), axis=-1)


mse, mae, kld = mean_squared_error, mean_absolute_error, kl_divergence
MSE, MAE, KLD = mse, mae, kld


# -- classes -------------------------------------------------------------------------------------
def reduce_values(
    values: tg.Tensor, sample_weight: Any = None, reduction: str | None = "sum_over_batch_size"
) -> tg.Tensor:
    """Weight per-example losses by ``sample_weight`` and reduce them (Keras's rules)."""
    if sample_weight is not None:
        weight = tg.cast(to_tensor(sample_weight), values.dtype)
        weight, values = _same_rank(weight, values, "sample_weight")
        values = values * weight
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = tg.reduce_sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return tg.math.divide_no_nan(total, tg.reduce_sum(weight))
    return tg.math.divide_no_nan(total, tg.cast(int(np.prod(shape_of(values))), total.dtype))


class Loss:
    """Base class: ``call(y_true, y_pred)`` gives per-example values; ``__call__`` reduces them."""

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ):
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: `reduction` must be one of {_REDUCTIONS}, got "
                f"{reduction!r}."
            )
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tg.Tensor:
        y_pred = to_tensor(y_pred, self.dtype)
        return reduce_values(self.call(y_true, y_pred), sample_weight, self.reduction)

    def call(self, y_true: Any, y_pred: Any) -> tg.Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement call().")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


def _snake(name: str) -> str:
    from ._utils import snake_case

    return snake_case(name)


class LossFunctionWrapper(Loss):
    """A loss class around a per-example function and its keyword arguments."""

    def __init__(
        self,
        fn: Callable,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors.

    >>> from tapegrad import keras
    >>> float(keras.losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors."""

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic up to ``delta``, linear beyond."""

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross entropy of probabilities (or logits with ``from_logits=True``)."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross entropy of one-hot labels."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross entropy of integer labels.

    >>> from tapegrad import keras
    >>> loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss([0, 1], [[2.0, 0.0], [0.0, 2.0]])), 4)
    0.1269
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence of y_pred from y_true."""

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "kl_divergence",
        dtype: Any = None,
    ):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


_TABLE: dict = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "huber": huber,
    "huber_loss": huber,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence,
    "kld": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
}
_CLASSES = {
    c.__name__: c
    for c in (
        MeanSquaredError,
        MeanAbsoluteError,
        Huber,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        KLDivergence,
    )
}


def serialize(loss: Any) -> Any:
    """A loss's name (functions) or ``{"class_name", "config"}`` (classes)."""
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return getattr(loss, "__name__", loss)


def deserialize(config: Any) -> Any:
    """The loss that ``serialize`` described."""
    return get(config)


def get(identifier: Any) -> Any:
    """A loss function from a name, a config, a ``Loss`` instance or a callable.

    Raises:
        ValueError: an unknown name; the message lists the known ones.

    >>> from tapegrad import keras
    >>> keras.losses.get("mse") is keras.losses.mean_squared_error
    True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier in _CLASSES:
        return _CLASSES[identifier]()
    if isinstance(identifier, dict):
        return get_from_module(identifier, _CLASSES, "loss")
    return get_callable(identifier, _TABLE, "loss", Loss)
