"""``keras.metrics``: stateful metrics with ``update_state``, ``result`` and ``reset_state``.

State lives in non-trainable Variables updated with tapegrad ops, so updating a metric inside a
``tapegrad.function`` (``fit``'s compiled step) runs in the generated code too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tg

from . import losses as _losses
from ._utils import get_from_module, np_dtype, shape_of, snake_case, to_tensor, unique_name

__all__ = [
    "Metric",
    "Mean",
    "Sum",
    "MeanMetricWrapper",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "Precision",
    "Recall",
    "AUC",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "get",
    "serialize",
    "deserialize",
]


class Metric:
    """Base class: subclasses create state with ``add_variable`` and implement
    ``update_state`` and ``result``; calling a metric updates it and returns the result."""

    def __init__(self, dtype: Any = None, name: str | None = None):
        self.name = name or snake_case(type(self).__name__)
        self._dtype = np_dtype(dtype if dtype is not None else "float32")
        self._variables: list = []
        self._initial_values: list = []

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def variables(self) -> list:
        return list(self._variables)

    def add_variable(
        self, shape: tuple, initializer: Any = "zeros", dtype: Any = None, name: str | None = None
    ) -> tg.Variable:
        value = np.zeros(shape, np_dtype(dtype or self._dtype))
        if initializer not in ("zeros", None):
            value = np.full(shape, initializer, value.dtype)
        var = tg.Variable(value, trainable=False, name=name)
        self._variables.append(var)
        self._initial_values.append(value)
        return var

    def reset_state(self) -> None:
        """Return every state variable to its initial value."""
        for v, value in zip(self._variables, self._initial_values):
            v.assign(value)

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> tg.Tensor:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self._dtype.name}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Sum(Metric):
    """The running (weighted) sum of the values seen."""

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = tg.cast(to_tensor(values), self._dtype)
        if sample_weight is not None:
            values = values * tg.cast(to_tensor(sample_weight), self._dtype)
        self.total.assign_add(tg.reduce_sum(values))

    def result(self) -> tg.Tensor:
        return tg.identity(self.total)


class Mean(Metric):
    """The running (weighted) mean of the values seen.

    >>> from tapegrad import keras
    >>> m = keras.metrics.Mean()
    >>> m.update_state([1.0, 3.0]); m.update_state(5.0)
    >>> float(m.result())
    3.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = tg.cast(to_tensor(values), self._dtype)
        if sample_weight is None:
            self.total.assign_add(tg.reduce_sum(values))
            self.count.assign_add(tg.cast(int(np.prod(shape_of(values))), self._dtype))
            return
        weight = tg.cast(to_tensor(sample_weight), self._dtype)
        weight, values = _losses._same_rank(weight, values, f"metric {self.name}")
        weight = tg.broadcast_to(weight, np.broadcast_shapes(shape_of(weight), shape_of(values)))
        self.total.assign_add(tg.reduce_sum(values * weight))
        self.count.assign_add(tg.reduce_sum(weight))

    def result(self) -> tg.Tensor:
        return tg.math.divide_no_nan(self.total, self.count)


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over everything seen."""

    def __init__(self, fn: Callable, name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs

    # Keras's signature (y_true, y_pred) differs from Mean's (values):
    def update_state(  # type: ignore[override]
        self, y_true: Any, y_pred: Any, sample_weight: Any = None
    ) -> None:
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)


def _as_float(x: Any) -> tg.Tensor:
    x = to_tensor(x)
    return x if np_dtype(x.dtype).kind == "f" else tg.cast(x, tg.float32)


def accuracy(y_true: Any, y_pred: Any) -> tg.Tensor:
    """1.0 where ``y_true == y_pred``, else 0.0."""
    y_true, y_pred = _losses._same_rank(_as_float(y_true), _as_float(y_pred), "accuracy")
    return tg.cast(tg.equal(y_true, tg.cast(y_pred, y_true.dtype)), tg.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> tg.Tensor:
    """Mean over the last axis of ``y_true == (y_pred > threshold)``."""
    y_true, y_pred = _losses._same_rank(_as_float(y_true), _as_float(y_pred), "binary_accuracy")
    predicted = tg.cast(y_pred > threshold, y_true.dtype)
    return tg.reduce_mean(tg.cast(tg.equal(y_true, predicted), tg.float32), axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> tg.Tensor:
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` (one-hot labels)."""
    return tg.cast(
        tg.equal(tg.argmax(to_tensor(y_true), axis=-1), tg.argmax(to_tensor(y_pred), axis=-1)),
        tg.float32,
    )


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> tg.Tensor:
    """1.0 where the integer label equals ``argmax(y_pred)``."""
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    if y_true.ndim == y_pred.ndim and shape_of(y_true)[-1] == 1:
        y_true = tg.squeeze(y_true, [-1])
    predicted = tg.argmax(y_pred, axis=-1)
    return tg.cast(tg.equal(tg.cast(y_true, predicted.dtype), predicted), tg.float32)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true``."""

    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmaxes of one-hot labels and predictions agree."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` equals the integer label.

    >>> from tapegrad import keras
    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> float(m([0, 1], [[0.9, 0.1], [0.8, 0.2]]))
    0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    """The mean of squared errors."""

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(_losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of absolute errors."""

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(_losses.mean_absolute_error, name=name, dtype=dtype)


class _Confusion(Metric):
    """Confusion-matrix counts at thresholds: ``y_pred > threshold`` counts as positive."""

    def __init__(self, thresholds: Any, name: str | None, dtype: Any):
        super().__init__(dtype=dtype, name=name or unique_name(snake_case(type(self).__name__)))
        self._single = thresholds is None or np.ndim(thresholds) == 0
        default = 0.5 if thresholds is None else thresholds
        self.thresholds = np.atleast_1d(np.asarray(default, np.float64))

    def _counts(self, y_true: Any, y_pred: Any, sample_weight: Any) -> dict:
        y_pred = _as_float(y_pred)
        y_true = tg.cast(to_tensor(y_true), y_pred.dtype)
        y_true, y_pred = _losses._same_rank(y_true, y_pred, f"metric {self.name}")
        y_true = tg.broadcast_to(y_true, shape_of(y_pred))
        p = tg.reshape(y_pred, (-1, 1))
        t = tg.reshape(y_true, (-1, 1)) > 0.5
        above = p > tg.constant(self.thresholds.astype(np_dtype(p.dtype)))[None, :]
        weight = tg.ones_like(tg.cast(p, self._dtype))
        if sample_weight is not None:
            w = tg.broadcast_to(tg.cast(to_tensor(sample_weight), self._dtype), shape_of(y_pred))
            weight = tg.reshape(w, (-1, 1))

        def count(mask: tg.Tensor) -> tg.Tensor:
            return tg.reduce_sum(tg.cast(mask, self._dtype) * weight, axis=0)

        not_t, not_above = tg.logical_not(t), tg.logical_not(above)
        return {
            "tp": lambda: count(tg.logical_and(t, above)),
            "fp": lambda: count(tg.logical_and(not_t, above)),
            "tn": lambda: count(tg.logical_and(not_t, not_above)),
            "fn": lambda: count(tg.logical_and(t, not_above)),
        }

    def _finish(self, value: tg.Tensor) -> tg.Tensor:
        return value[0] if self._single else value


class _TruePositiveRatio(_Confusion):
    """``tp / (tp + other)``, where ``other`` is the count named by ``_other`` ("fp" or "fn") and
    kept in the variable ``_other_name``."""

    _other: str
    _other_name: str

    def __init__(
        self,
        thresholds: Any = None,
        top_k: Any = None,
        class_id: Any = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        if top_k is not None or class_id is not None:
            raise NotImplementedError(
                f"{type(self).__name__}: top_k and class_id are not supported."
            )
        super().__init__(thresholds, name, dtype)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), name="true_positives")
        setattr(self, self._other_name, self.add_variable((n,), name=self._other_name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = self._counts(y_true, y_pred, sample_weight)
        self.true_positives.assign_add(counts["tp"]())
        getattr(self, self._other_name).assign_add(counts[self._other]())

    def result(self):
        tp = tg.identity(self.true_positives)
        return self._finish(tg.math.divide_no_nan(tp, tp + getattr(self, self._other_name)))


class Precision(_TruePositiveRatio):
    """``tp / (tp + fp)`` with predictions above ``thresholds`` (0.5) counted positive.

    >>> from tapegrad import keras
    >>> float(keras.metrics.Precision()([0, 1, 1, 1], [1.0, 1.0, 0.0, 1.0]))
    0.6666666865348816
    """

    _other, _other_name = "fp", "false_positives"


class Recall(_TruePositiveRatio):
    """``tp / (tp + fn)`` with predictions above ``thresholds`` (0.5) counted positive."""

    _other, _other_name = "fn", "false_negatives"


class AUC(_Confusion):
    """Area under the ROC (or PR) curve from counts at ``num_thresholds`` thresholds, with
    Keras's Riemann sums (``"interpolation"``, ``"minoring"``, ``"majoring"``)."""

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: Any = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ):
        if multi_label or label_weights is not None:
            raise NotImplementedError("AUC: multi_label and label_weights are not supported.")
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC: `curve` must be 'ROC' or 'PR', got {curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(
                "AUC: `summation_method` must be 'interpolation', 'minoring' or 'majoring', "
                f"got {summation_method!r}."
            )
        if thresholds is None:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: `num_thresholds` must be > 1, got {num_thresholds}.")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        else:
            inner = sorted(float(t) for t in thresholds)
        eps = 1e-7
        super().__init__([0.0 - eps, *inner, 1.0 + eps], name, dtype)
        self._single = False
        self.num_thresholds = len(self.thresholds)
        self.curve, self.summation_method = curve.upper(), summation_method
        self.from_logits = from_logits
        n = self.num_thresholds
        self.true_positives = self.add_variable((n,), name="true_positives")
        self.false_positives = self.add_variable((n,), name="false_positives")
        self.true_negatives = self.add_variable((n,), name="true_negatives")
        self.false_negatives = self.add_variable((n,), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = tg.sigmoid(_as_float(y_pred))
        counts = self._counts(y_true, y_pred, sample_weight)
        self.true_positives.assign_add(counts["tp"]())
        self.false_positives.assign_add(counts["fp"]())
        self.true_negatives.assign_add(counts["tn"]())
        self.false_negatives.assign_add(counts["fn"]())

    def result(self):
        tp, fp = tg.identity(self.true_positives), tg.identity(self.false_positives)
        tn, fn = tg.identity(self.true_negatives), tg.identity(self.false_negatives)
        div = tg.math.divide_no_nan
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:-1] - tp[1:]
            p = tp + fp
            dp = p[:-1] - p[1:]
            slope = div(dtp, tg.maximum(dp, 0.0))
            intercept = tp[1:] - slope * p[1:]
            ratio = tg.where(
                tg.logical_and(p[:-1] > 0, p[1:] > 0),
                div(p[:-1], tg.maximum(p[1:], 0.0)),
                tg.ones_like(p[1:]),
            )
            return tg.reduce_sum(
                div(
                    slope * (dtp + intercept * tg.math.log(ratio)), tg.maximum(tp[1:] + fn[1:], 0.0)
                )
            )
        recall = div(tp, tp + fn)
        if self.curve == "ROC":
            x, y = div(fp, fp + tn), recall
        else:
            x, y = recall, div(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = tg.minimum(y[:-1], y[1:])
        else:
            heights = tg.maximum(y[:-1], y[1:])
        return tg.reduce_sum((x[:-1] - x[1:]) * heights)


_TABLE: dict = {
    c.__name__: c
    for c in (
        Mean,
        Sum,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        MeanSquaredError,
        MeanAbsoluteError,
        Precision,
        Recall,
        AUC,
    )
}
_TABLE.update({snake_case(k): v for k, v in list(_TABLE.items())})
_TABLE.update({"mse": MeanSquaredError, "mae": MeanAbsoluteError, "auc": AUC})


def serialize(metric: Metric) -> dict:
    """``{"class_name", "config"}`` for ``metric``."""
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config: dict) -> Metric:
    """The metric that ``serialize`` described."""
    return get(config)


def get(identifier: Any) -> Any:
    """A metric from a name (``"mse"``, ``"auc"``), a config, an instance or a function.

    >>> from tapegrad import keras
    >>> keras.metrics.get("auc").name
    'auc'
    """
    if isinstance(identifier, str) and identifier in _TABLE:
        return (
            _TABLE[identifier](name=identifier)
            if identifier in ("mse", "mae", "auc")
            else _TABLE[identifier]()
        )
    return get_from_module(identifier, _TABLE, "metric", Metric)
