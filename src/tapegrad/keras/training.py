"""``compile``/``fit``/``evaluate``/``predict`` for Keras models.

``fit`` runs ``train_step`` on each batch, through ``tapegrad.function`` when tapegrad has it
(after one eager step that creates the optimizer's and metrics' state), so overriding
``train_step`` customises training inside ``fit`` exactly as in Keras.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

import tapegrad as tg

from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optimizers
from ._utils import flatten, map_structure, shape_of
from .callbacks import CallbackList, History, ProgbarLogger

__all__ = ["Trainer"]


def unpack_x_y_sample_weight(data: Any) -> tuple:
    """``(x, y, sample_weight)`` from a batch: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        f"A batch must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of "
        f"{len(data)} entries."
    )


class CompileMetrics(_metrics.Metric):
    """The metrics given to ``compile``, resolved from the first batch's shapes (``"accuracy"``
    becomes binary, sparse categorical or categorical accuracy as in Keras)."""

    def __init__(self, metrics: list, loss: Any):
        super().__init__(name="compile_metrics")
        self._specs, self._loss = list(metrics), loss
        self._built: list | None = None

    def _resolve(self, spec: Any, y_true: Any, y_pred: Any) -> _metrics.Metric:
        if spec in ("accuracy", "acc"):
            t_shape, p_shape = shape_of(y_true), shape_of(y_pred)
            p_last = p_shape[-1] if p_shape else 1
            t_last = t_shape[-1] if t_shape else 1
            if p_last == 1:
                return _metrics.BinaryAccuracy(name=spec)
            if len(t_shape) < len(p_shape) or t_last == 1:
                return _metrics.SparseCategoricalAccuracy(name=spec)
            return _metrics.CategoricalAccuracy(name=spec)
        if isinstance(spec, _metrics.Metric):
            return spec
        found = _metrics.get(spec)
        if isinstance(found, _metrics.Metric):
            return found
        if callable(found):
            return _metrics.MeanMetricWrapper(found, name=getattr(found, "__name__", None))
        raise ValueError(f"Could not interpret metric {spec!r}.")

    @property
    def variables(self) -> list:
        return [v for m in self._built or [] for v in m.variables]

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self._built is None:
            self._built = [self._resolve(s, y_true, y_pred) for s in self._specs]
        for metric in self._built:
            metric.update_state(y_true, y_pred, sample_weight)

    def result(self) -> dict:
        return {m.name: m.result() for m in self._built or []}

    def reset_state(self) -> None:
        for metric in self._built or []:
            metric.reset_state()


def _python_logs(logs: Any) -> dict:
    """Flatten nested result dicts and turn tensors into floats."""
    out: dict = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            out.update(_python_logs(value))
        else:
            out[key] = float(np.asarray(value))
    return out


def _array(a: Any) -> np.ndarray:
    return a.numpy() if isinstance(a, tg.Tensor) else np.asarray(a)


def _batches(n: int, batch_size: int, order: np.ndarray | None = None) -> list:
    idx = np.arange(n) if order is None else order
    return [idx[i : i + batch_size] for i in range(0, n, batch_size)]


def _take(data: Any, rows: np.ndarray) -> Any:
    """Rows of every array in a nest, as tensors."""

    def take(a: Any) -> Any:
        if a is None:
            return None
        a = a.numpy() if isinstance(a, tg.Tensor) else np.asarray(a)
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        return tg.constant(a[rows])

    return map_structure(take, data)


def _length(data: Any) -> int:
    for a in flatten(data):
        if a is not None and not isinstance(a, (tg.Tensor, np.ndarray, list, tuple, int, float)):
            raise TypeError(
                f"Expected NumPy arrays or tensors (or lists or dicts of them) as data, got "
                f"{type(a).__name__}. Datasets and generators are not supported: pass arrays, "
                "or loop over batches with train_on_batch."
            )
    sizes = {
        int(shape_of(np.asarray(a) if not isinstance(a, tg.Tensor) else a)[0])
        for a in flatten(data)
        if a is not None
    }
    if len(sizes) != 1:
        raise ValueError(
            f"All inputs and targets must have the same number of examples (the "
            f"first axis); got sizes {sorted(sizes)}."
        )
    return sizes.pop()


class Trainer:
    """The training loop of ``keras.Model`` (Keras 3's methods and arguments)."""

    if TYPE_CHECKING:  # provided by Layer, the other base of keras.Model
        name: str
        built: bool
        weights: list
        losses: list
        trainable_weights: list

        def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

    def __init__(self):
        self.optimizer: Any = None
        self.compiled = False
        self.stop_training = False
        self.history: History | None = None
        self._loss_tracker: Any = None
        self._compile_metrics: Any = None
        self.loss: Any = None
        self._steps: dict = {}

    # -- compile ------------------------------------------------------------------------------
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Set the optimizer, loss and metrics that ``fit`` and ``evaluate`` use.

        Args:
            optimizer: a name (``"adam"``) or a ``keras.optimizers.Optimizer``.
            loss: a name, a function ``loss(y_true, y_pred)``, a ``keras.losses.Loss`` (or a
                list, one per output).
            loss_weights: weights of the per-output losses.
            metrics: names (``"accuracy"``), functions or ``keras.metrics.Metric`` objects.
            run_eagerly: run ``train_step`` eagerly instead of through ``tapegrad.function``.
        """
        self.optimizer = _optimizers.get(optimizer)
        self.loss = loss
        self._loss_fns = (
            None
            if loss is None
            else [
                self._loss_object(item)
                for item in (loss if isinstance(loss, (list, tuple)) else [loss])
            ]
        )
        self._loss_weights = loss_weights
        self._loss_tracker = _metrics.Mean(name="loss")
        specs = list(metrics or []) + list(weighted_metrics or [])
        self._compile_metrics = CompileMetrics(specs, loss) if specs else None
        self.run_eagerly = run_eagerly
        self.compiled = True
        self._steps = {}

    @staticmethod
    def _loss_object(loss: Any) -> Any:
        found = _losses.get(loss)
        if isinstance(found, _losses.Loss):
            return found
        if callable(found):
            return _losses.LossFunctionWrapper(found, name=getattr(found, "__name__", None))
        raise ValueError(f"Could not interpret loss {loss!r}.")

    @property
    def metrics(self) -> list:
        """The loss tracker, then the compiled metrics (``train_step`` overrides update these)."""
        found = []
        if self._loss_tracker is not None:
            found.append(self._loss_tracker)
        if self._compile_metrics is not None:
            found.append(self._compile_metrics)
        return found

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> tg.Tensor:
        """The compiled loss of ``y_pred`` against ``y`` plus ``self.losses`` (regularizers)."""
        total: Any = None
        if self._loss_fns is not None and y is not None:
            preds, targets = y_pred, y
            if len(self._loss_fns) == 1:
                preds, targets = [y_pred], [y]
            if not isinstance(preds, (list, tuple)) or len(preds) != len(self._loss_fns):
                raise ValueError(
                    f"Model {self.name!r} has {len(flatten(y_pred))} output(s) but was compiled "
                    f"with {len(self._loss_fns)} loss(es); give one loss per output."
                )
            weights = self._loss_weights or [1.0] * len(self._loss_fns)
            for fn, target, pred, w in zip(self._loss_fns, targets, preds, weights):
                value = fn(target, pred, sample_weight)
                value = value if w == 1.0 else value * w
                total = value if total is None else total + value
        extra = self.losses
        if extra:
            reg = tg.add_n(extra) if hasattr(tg, "add_n") else _sum(extra)
            total = reg if total is None else total + tg.cast(reg, total.dtype)
        if total is None:
            return tg.constant(0.0)
        return total

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict:
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        out: dict = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[metric.name] = result
        return out

    # -- steps --------------------------------------------------------------------------------
    def train_step(self, data: Any) -> dict:
        """One optimisation step on a batch; override it to customise ``fit``."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with tg.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        self._loss_tracker.update_state(loss, sample_weight=shape_of(flatten(x)[0])[0])
        variables = self.trainable_weights
        if variables:
            grads = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict:
        """One evaluation step on a batch; override it to customise ``evaluate``."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
        )
        self._loss_tracker.update_state(loss, sample_weight=shape_of(flatten(x)[0])[0])
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _step_function(self, kind: str) -> Any:
        """``train_step``/``test_step``/``predict_step``: eager for the first call (it creates
        state), then through ``tapegrad.function`` when available and not ``run_eagerly``."""
        eager = getattr(self, f"{kind}_step")
        if getattr(self, "run_eagerly", False) or not hasattr(tg, "function"):
            return eager
        if kind not in self._steps:
            self._steps[kind] = [0, tg.function(eager)]
        entry = self._steps[kind]
        entry[0] += 1
        return eager if entry[0] == 1 else entry[1]

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must call `compile()` before using the model in `{what}()`: "
                "model.compile(optimizer='adam', loss='mse')."
            )

    # -- loops --------------------------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: list | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train for ``epochs`` epochs on arrays ``x``/``y``; returns the ``History``.

        Shows Keras's progress bar (``verbose=1``), one line per epoch (``verbose=2``) or
        nothing (``verbose=0``); ``validation_data`` or ``validation_split`` add ``val_``
        entries to the logs at the end of each epoch.
        """
        self._require_compiled("fit")
        if class_weight is not None:
            raise NotImplementedError("fit: class_weight is not supported; pass sample_weight.")
        if x is None:
            raise ValueError("fit: pass the training inputs `x`.")
        if validation_split and validation_data is None:
            if not 0.0 < validation_split < 1.0:
                raise ValueError(
                    f"fit: validation_split must be in (0, 1), got {validation_split}."
                )
            n = _length(x)
            split = int(math.floor(n * (1.0 - validation_split)))

            def cut(d: Any, s: slice) -> Any:
                return None if d is None else map_structure(lambda a: _array(a)[s], d)

            validation_data = (
                cut(x, slice(split, None)),
                cut(y, slice(split, None)),
                cut(sample_weight, slice(split, None)),
            )
            x, y = cut(x, slice(None, split)), cut(y, slice(None, split))
            sample_weight = cut(sample_weight, slice(None, split))
        data = (x, y, sample_weight)
        n = _length([a for a in data if a is not None])
        batch_size = batch_size or 32
        steps = steps_per_epoch or math.ceil(n / batch_size)
        verbose = 1 if verbose == "auto" else int(verbose)
        user = list(callbacks or [])
        history = next((c for c in user if isinstance(c, History)), None) or History()
        defaults: list = [history] if history not in user else []
        if verbose and not any(isinstance(c, ProgbarLogger) for c in user):
            defaults.append(ProgbarLogger(verbose=verbose))
        cbs = CallbackList(user + defaults, model=self, epochs=epochs, steps=steps, verbose=verbose)
        seed = int(tg.random.uniform((), 0, 2**31 - 1, dtype=tg.int64))
        rng = np.random.default_rng(seed)
        self.stop_training = False
        cbs.on_train_begin()
        logs: dict = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            order = rng.permutation(n) if shuffle else None
            for step, rows in enumerate(_batches(n, batch_size, order)[:steps]):
                cbs.on_train_batch_begin(step)
                batch = tuple(_take(part, rows) for part in data if part is not None)
                logs = _python_logs(self._step_function("train")(batch))
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                vx, vy, vw = unpack_x_y_sample_weight(validation_data)
                val = self.evaluate(
                    vx,
                    vy,
                    sample_weight=vw,
                    batch_size=validation_batch_size or batch_size,
                    steps=validation_steps,
                    verbose=0,
                    return_dict=True,
                )
                epoch_logs.update({f"val_{k}": v for k, v in val.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        self.history = history
        return history

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: list | None = None,
        return_dict: bool = False,
    ) -> Any:
        """The loss (and metrics) over ``x``/``y``: a float, a list ``[loss, *metrics]``, or a
        dict with ``return_dict=True``."""
        self._require_compiled("evaluate")
        data = tuple(a for a in (x, y, sample_weight) if a is not None)
        n = _length(data)
        batch_size = batch_size or 32
        verbose = 1 if verbose == "auto" else int(verbose)
        cbs = CallbackList(list(callbacks or []), model=self, steps=math.ceil(n / batch_size))
        self.reset_metrics()
        cbs.on_test_begin()
        logs: dict = {}
        for step, rows in enumerate(_batches(n, batch_size)[:steps]):
            cbs.on_test_batch_begin(step)
            logs = _python_logs(
                self._step_function("test")(tuple(_take(part, rows) for part in data))
            )
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        if verbose:
            from .callbacks import Progbar

            Progbar(math.ceil(n / batch_size)).update(math.ceil(n / batch_size), logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: list | None = None,
    ) -> Any:
        """The model's outputs on ``x`` in batches, as NumPy arrays (``training=False``)."""
        n = _length(x)
        batch_size = batch_size or 32
        outputs = []
        for rows in _batches(n, batch_size)[:steps]:
            out = self._step_function("predict")((_take(x, rows),))
            outputs.append(map_structure(lambda t: np.asarray(t), out))
        if isinstance(outputs[0], (list, tuple)):
            return [np.concatenate([o[i] for o in outputs]) for i in range(len(outputs[0]))]
        return np.concatenate(outputs)

    def train_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """One ``train_step`` on exactly this batch."""
        self._require_compiled("train_on_batch")
        data = tuple(
            _take(a, np.arange(_length(x))) for a in (x, y, sample_weight) if a is not None
        )
        logs = _python_logs(self._step_function("train")(data))
        return (
            logs
            if return_dict
            else (list(logs.values()) if len(logs) > 1 else next(iter(logs.values())))
        )

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """One ``test_step`` on exactly this batch (metrics reset first)."""
        self._require_compiled("test_on_batch")
        self.reset_metrics()
        data = tuple(
            _take(a, np.arange(_length(x))) for a in (x, y, sample_weight) if a is not None
        )
        logs = _python_logs(self._step_function("test")(data))
        return (
            logs
            if return_dict
            else (list(logs.values()) if len(logs) > 1 else next(iter(logs.values())))
        )

    def predict_on_batch(self, x: Any) -> Any:
        return np.asarray(self(x, training=False))

    # -- weights files ------------------------------------------------------------------------
    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Write the weights to ``filepath`` in tapegrad's checkpoint format (an ``.npz`` zip of
        arrays, no pickle), written atomically."""
        path = os.fspath(filepath)
        if not overwrite and os.path.exists(path):
            raise FileExistsError(f"save_weights: {path!r} exists and overwrite=False.")
        tg.checkpoint.save(path, self)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False) -> None:
        """Load weights saved by ``save_weights`` from a model of the same architecture.

        Raises:
            ValueError: the file holds another architecture's weights (names, shapes or
                dtypes differ); the model's weights are left unchanged.
        """
        path = os.fspath(filepath)
        if not self.built:
            raise ValueError(
                f"load_weights: model {self.name!r} has no weights yet; call it on a batch (or "
                "build it) before loading."
            )
        try:
            tg.checkpoint.restore(path, self)
        except ValueError as err:
            raise ValueError(
                f"load_weights: {path!r} does not match model {self.name!r} "
                f"({len(self.weights)} weights); was it saved from a model with another "
                f"architecture? The model's weights are unchanged. Details: {err}"
            ) from err


def _sum(values: list) -> tg.Tensor:
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total
