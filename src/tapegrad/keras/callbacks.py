"""``keras.callbacks``: hooks into ``fit``/``evaluate``/``predict`` and Keras's progress bar."""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "Callback",
    "CallbackList",
    "History",
    "ProgbarLogger",
    "EarlyStopping",
    "ModelCheckpoint",
    "LearningRateScheduler",
    "LambdaCallback",
    "Progbar",
]


class Callback:
    """Base class: override any of the ``on_*`` hooks; ``self.model`` is the model in use."""

    def __init__(self):
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


class CallbackList(Callback):
    """Calls each hook on every callback in order."""

    def __init__(self, callbacks: list, model: Any = None, **params: Any):
        super().__init__()
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            return lambda *args, **kwargs: [
                getattr(cb, name)(*args, **kwargs)
                for cb in object.__getattribute__(self, "callbacks")
            ]
        return object.__getattribute__(self, name)


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]`` is the list of epoch losses."""

    def __init__(self):
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


def _format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"


class Progbar:
    """Keras's progress bar: ``12/45 ━━━━━━━━━━━━━━━━━━━━ 1s 20ms/step - loss: 0.3``.

    On a terminal the line is redrawn in place; otherwise (a log, a notebook cell) it is
    printed once, when ``current`` reaches ``target``.
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, file: Any = None):
        self.target, self.width, self.verbose = target, width, verbose
        self.file = file if file is not None else sys.stdout
        self._start = time.perf_counter()
        self._tty = bool(getattr(self.file, "isatty", lambda: False)())
        self._last_draw = 0.0

    def update(self, current: int, values: dict | None = None, finalize: bool | None = None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.perf_counter()
        if not self.verbose or (
            not finalize and (self.verbose != 1 or not self._tty or now - self._last_draw < 0.1)
        ):
            return
        self._last_draw = now
        elapsed = now - self._start
        parts = []
        if self.target is not None:
            digits = len(str(self.target))
            filled = int(self.width * min(current, self.target) / max(self.target, 1))
            bar = (
                "\u2501" * filled + " " * (self.width - filled)
                if filled < self.width
                else "\u2501" * self.width
            )
            parts.append(f"{current:>{digits}}/{self.target} {bar}")
        else:
            parts.append(f"{current}")
        per_step = elapsed / max(current, 1)
        if finalize:
            unit = f"{per_step * 1e3:.0f}ms/step" if per_step < 1 else f"{per_step:.0f}s/step"
            parts.append(f"{elapsed:.0f}s {unit}")
        else:
            remaining = per_step * ((self.target or current) - current)
            parts.append(f"{remaining:.0f}s {per_step * 1e3:.0f}ms/step")
        line = " ".join(parts)
        if self.verbose == 2:  # one line per epoch, no bar: "45/45 - 1s - 20ms/step - ..."
            line = " - ".join([f"{current}/{self.target}", *parts[-1].split(" ", 1)])
        values = values or {}
        for key in sorted(values):
            line += f" - {key}: {_format_value(float(values[key]))}"
        if self._tty:
            self.file.write("\r" + line + ("\n" if finalize else ""))
        elif finalize:
            self.file.write(line + "\n")
        self.file.flush()


class ProgbarLogger(Callback):
    """Prints ``Epoch 1/5`` and a progress bar per epoch (``verbose=1``) or one line per epoch
    (``verbose=2``)."""

    def __init__(self, verbose: int = 1, file: Any = None):
        super().__init__()
        self.verbose, self.file = verbose, file
        self._bar: Progbar | None = None

    def on_epoch_begin(self, epoch, logs=None):
        out = self.file or sys.stdout
        if self.verbose:
            out.write(f"Epoch {epoch + 1}/{self.params.get('epochs', 1)}\n")
        self._bar = Progbar(self.params.get("steps"), verbose=self.verbose, file=self.file)

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose == 1 and self._bar is not None:
            self._bar.update(batch + 1, logs, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None and self.verbose:
            self._bar.update(self.params.get("steps") or 0, logs, finalize=True)


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has stopped improving for ``patience`` epochs.

    Args:
        monitor: the log to watch (``"val_loss"`` by default).
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like names).
        baseline: a value the monitored quantity must beat.
        restore_best_weights: put back the weights of the best epoch when stopping.
        start_from_epoch: epochs to wait before watching.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}.")
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.verbose, self.baseline = verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        if mode == "auto":
            mode = (
                "max" if any(k in monitor for k in ("acc", "auc", "precision", "recall")) else "min"
            )
        self.mode = mode
        self.stopped_epoch = 0

    def _better(self, value: float, reference: float) -> bool:
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"EarlyStopping: the monitored metric {self.monitor!r} is not in the logs "
                f"(available: {sorted(logs or {})}); pass validation data or monitor another.",
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._better(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._better(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(
                    f"Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model's weights (tapegrad's checkpoint format) after each epoch, or only when
    ``monitor`` improves (``save_best_only``). ``filepath`` may hold ``{epoch}`` and log keys,
    e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.weights.npz"``."""

    def __init__(
        self,
        filepath: str,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: Any = "epoch",
        initial_value_threshold: float | None = None,
    ):
        super().__init__()
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint: only save_freq='epoch' is supported.")
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if mode == "auto":
            mode = "max" if any(k in monitor for k in ("acc", "auc")) else "min"
        self.mode = mode
        self.best = (
            initial_value_threshold
            if initial_value_threshold is not None
            else (np.inf if mode == "min" else -np.inf)
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                warnings.warn(
                    f"ModelCheckpoint: {self.monitor!r} is not in the logs; nothing saved.",
                    stacklevel=2,
                )
                return
            improved = value < self.best if self.mode == "min" else value > self.best
            if not improved:
                return
            if self.verbose:
                print(
                    f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                    f"{value:.5f}, saving model to {path}"
                )
            self.best = value
        self.model.save_weights(path)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at each epoch to ``schedule(epoch, lr)``."""

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = float(np.asarray(optimizer.learning_rate))
        try:
            new = self.schedule(epoch, lr)
        except TypeError:
            new = self.schedule(epoch)
        new = float(np.asarray(new))
        optimizer.learning_rate = new
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, **hooks: Callable):
        super().__init__()
        for name, fn in hooks.items():
            if not name.startswith("on_"):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}.")
            setattr(self, name, fn)
