"""``keras.optimizers``: Keras 3's optimizers, with its update formulas and defaults.

These differ from ``tg.optimizers`` (which follows torch.optim): Keras's Adam uses
``epsilon=1e-7`` added to ``sqrt(v)`` with the bias correction folded into the step size, its
Adagrad starts the accumulator at 0.1, its SGD momentum buffer holds ``-lr * g`` terms, and its
weight decay is ``var -= var * weight_decay * lr`` before the update. State lives in
Variables and every update is an ``assign`` of tapegrad ops, so a compiled training step
(``tapegrad.function``) runs the updates in its generated code.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from .._utils import get_from_module, np_dtype
from . import schedules
from .schedules import LearningRateSchedule

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Nadam",
    "schedules",
    "get",
    "serialize",
    "deserialize",
]


def _positive(value: Any, name: str, cls: str, allow_none: bool = True) -> Any:
    if value is None and allow_none:
        return None
    if not isinstance(value, (int, float)) or value < 0 or value != value:
        raise ValueError(f"{cls}: `{name}` must be a non-negative number, got {value!r}.")
    return float(value)


def clip_by_global_norm(grads: list, clip_norm: float) -> list:
    """Scale all gradients together so their joint L2 norm is at most ``clip_norm``."""
    norm = tg.sqrt(tg.reduce_sum(tg.stack([tg.reduce_sum(tg.square(g)) for g in grads])))
    scale = clip_norm * tg.minimum(1.0 / norm, 1.0 / clip_norm)
    scale = scale + (norm - norm)  # NaN for a non-finite norm, as Keras
    return [g * tg.cast(scale, g.dtype) for g in grads]


class Optimizer:
    """Base class of the Keras optimizers (Keras 3's arguments).

    Args:
        learning_rate: a float, a ``schedules.LearningRateSchedule`` or a callable.
        weight_decay: decoupled decay ``var -= var * weight_decay * lr`` before each update.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient entry to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this joint L2 norm.
        name: the optimizer's name.
    """

    def __init__(
        self,
        learning_rate: Any,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: Any = None,
        loss_scale_factor: Any = None,
        gradient_accumulation_steps: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        cls = type(self).__name__
        if kwargs:
            raise TypeError(f"{cls}: unrecognized keyword arguments {sorted(kwargs)}.")
        if use_ema or gradient_accumulation_steps:
            raise NotImplementedError(
                f"{cls}: use_ema and gradient accumulation are not supported."
            )
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{cls}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set."
            )
        self.name = name or cls.lower()
        self.weight_decay = _positive(weight_decay, "weight_decay", cls)
        self.clipnorm = _positive(clipnorm, "clipnorm", cls)
        self.clipvalue = _positive(clipvalue, "clipvalue", cls)
        self.global_clipnorm = _positive(global_clipnorm, "global_clipnorm", cls)
        self.loss_scale_factor = loss_scale_factor
        self._iterations = tg.Variable(np.int64(0), trainable=False, name="iteration")
        self._learning_rate: Any = None
        self.learning_rate = learning_rate
        self._slots: dict = {}  # id(variable) -> {slot name: Variable}
        self._tracked: list = []
        self.built = False

    # -- learning rate and step -----------------------------------------------------------------
    @property
    def iterations(self) -> tg.Variable:
        """The number of updates applied (an int64 Variable)."""
        return self._iterations

    @property
    def learning_rate(self) -> Any:
        """The current learning rate (a schedule is evaluated at ``iterations``)."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, tg.Variable):
            return lr
        return lr()

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, LearningRateSchedule) or (
            callable(value) and not isinstance(value, tg.Tensor)
        ):
            self._learning_rate = value
            return
        value = float(value)
        if not value >= 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be >= 0, got {value}.")
        if isinstance(self._learning_rate, tg.Variable):
            self._learning_rate.assign(np.float32(value))
        else:
            self._learning_rate = tg.Variable(
                np.float32(value), trainable=False, name="learning_rate"
            )

    @property
    def variables(self) -> list:
        """The optimizer's state: iterations, learning rate, then every slot."""
        found = [self._iterations]
        if isinstance(self._learning_rate, tg.Variable):
            found.append(self._learning_rate)
        for slots in self._slots.values():
            found.extend(slots.values())
        return found

    # -- state ----------------------------------------------------------------------------------
    def build(self, var_list: list) -> None:
        """Create the state (slots) of every variable in ``var_list`` that lacks it."""
        for v in var_list:
            if id(v) not in self._slots:
                self._slots[id(v)] = self._create_slots(v)
                self._tracked.append(v)
        self.built = True

    def _create_slots(self, v: tg.Variable) -> dict:
        return {}

    def add_variable_from_reference(
        self, reference: tg.Variable, name: str, initializer: Any = 0.0
    ) -> tg.Variable:
        value = np.full(tuple(reference.shape), initializer, np_dtype(reference.dtype))
        return tg.Variable(value, trainable=False, name=f"{reference.name.split(':')[0]}_{name}")

    def get_slot(self, var: tg.Variable, name: str) -> tg.Variable:
        return self._slots[id(var)][name]

    # -- updates --------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Any) -> tg.Variable:
        """Apply ``(gradient, variable)`` pairs; pairs whose gradient is None are skipped.

        Returns:
            ``iterations`` after the update.
        """
        pairs = list(grads_and_vars)
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise TypeError(
                    f"{type(self).__name__}.apply_gradients expects (gradient, variable) pairs, "
                    f"got {pair!r}. Pass zip(grads, model.trainable_variables)."
                )
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self._iterations

    def apply(self, grads: list, trainable_variables: list | None = None) -> None:
        """Update ``trainable_variables`` with ``grads`` (Keras 3's order: clip, decay, step)."""
        if trainable_variables is None:
            trainable_variables = list(self._tracked)
        grads, variables = list(grads), list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply: got {len(grads)} gradients for "
                f"{len(variables)} variables; pass one gradient per variable."
            )
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        for _, v in kept:
            if not isinstance(v, tg.Variable):
                raise TypeError(
                    f"{type(self).__name__}: can only update tapegrad Variables, got "
                    f"{type(v).__name__}."
                )
        if kept:
            self.build([v for _, v in kept])
            grads = [self._dense(g, v) for g, v in kept]
            variables = [v for _, v in kept]
            if self.loss_scale_factor is not None:
                grads = [g / self.loss_scale_factor for g in grads]
            grads = self._clip(grads)
            lr = self.learning_rate
            if self.weight_decay:
                for v in variables:
                    dtype = np_dtype(v.dtype)
                    v.assign(v - v * tg.cast(self.weight_decay, dtype) * tg.cast(lr, dtype))
            self._before_step(variables)
            for g, v in zip(grads, variables):
                self.update_step(g, v, tg.cast(lr, np_dtype(v.dtype)))
                constraint = getattr(v, "constraint", None)
                if constraint is not None:
                    v.assign(constraint(v))
        self._iterations.assign_add(np.int64(1))

    def _dense(self, g: Any, v: tg.Variable) -> tg.Tensor:
        g = tg.convert_to_tensor(g)  # IndexedSlices (embedding gradients) become dense
        if tuple(g.shape) != tuple(v.shape):
            raise ValueError(
                f"{type(self).__name__}: gradient of shape {tuple(g.shape)} does not match "
                f"variable {v.name} of shape {tuple(v.shape)}."
            )
        return g if np_dtype(g.dtype) == np_dtype(v.dtype) else tg.cast(g, np_dtype(v.dtype))

    def _clip(self, grads: list) -> list:
        if self.clipnorm:
            out = []
            for g in grads:
                l2sum = tg.reduce_sum(tg.square(g))
                norm = tg.sqrt(tg.maximum(l2sum, tg.zeros_like(l2sum)))
                out.append(g * self.clipnorm / tg.maximum(norm, tg.cast(self.clipnorm, g.dtype)))
            return out
        if self.global_clipnorm:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return [tg.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _before_step(self, variables: list) -> None:
        """A hook run once per step before the per-variable updates (Nadam's product)."""

    def _local_step(self, dtype: Any, offset: int = 1) -> tg.Tensor:
        return tg.cast(self._iterations + np.int64(offset), dtype)

    def update_step(self, gradient: tg.Tensor, variable: tg.Variable, learning_rate: Any):
        raise NotImplementedError

    def minimize(self, loss: Any, var_list: Any, tape: Any = None) -> tg.Tensor:
        """Compute the gradient of ``loss`` (a callable, or a tensor with its ``tape``) with
        respect to ``var_list`` and apply it; returns the loss."""
        if callable(loss):
            with tg.GradientTape() as tape:
                value = loss()
        elif tape is None:
            raise ValueError(
                f"{type(self).__name__}.minimize: pass `tape` when `loss` is a tensor, or pass "
                "the loss as a callable."
            )
        else:
            value = loss
        variables = list(var_list() if callable(var_list) else var_list)
        grads = tape.gradient(value, variables)
        self.apply_gradients(zip(grads, variables))
        return value

    # -- configuration --------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif isinstance(lr, tg.Variable):
            lr = float(lr.numpy())
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            **getattr(self, "_config", {}),
        }

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<keras.optimizers.{type(self).__name__} name={self.name}>"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, Keras's formulation.

    ``m = momentum * m - lr * g``; ``var += m`` (Nesterov: ``var += momentum * m - lr * g``).

    >>> import tapegrad as tg
    >>> from tapegrad import keras
    >>> v = tg.Variable([1.0])
    >>> _ = keras.optimizers.SGD(learning_rate=0.1).apply_gradients([(tg.constant([2.0]), v)])
    >>> v.numpy().tolist()
    [0.800000011920929]
    """

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be in [0, 1], got {momentum}.")
        self.momentum, self.nesterov = float(momentum), nesterov
        self._config = {"momentum": momentum, "nesterov": nesterov}

    def _create_slots(self, v):
        return (
            {"momentum": self.add_variable_from_reference(v, "momentum")} if self.momentum else {}
        )

    def update_step(self, gradient, variable, learning_rate):
        if not self.momentum:
            variable.assign_sub(gradient * learning_rate)
            return
        m = self.get_slot(variable, "momentum")
        m.assign(m * self.momentum - gradient * learning_rate)
        if self.nesterov:
            variable.assign_add(m * self.momentum - gradient * learning_rate)
        else:
            variable.assign_add(m)


class Adam(Optimizer):
    """Adam as Keras computes it: ``alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)``,
    ``var -= alpha * m / (sqrt(v) + epsilon)`` with ``epsilon = 1e-7``."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self._config = {"beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon, "amsgrad": amsgrad}

    def _create_slots(self, v):
        slots = {
            "momentum": self.add_variable_from_reference(v, "momentum"),
            "velocity": self.add_variable_from_reference(v, "velocity"),
        }
        if self.amsgrad:
            slots["velocity_hat"] = self.add_variable_from_reference(v, "velocity_hat")
        return slots

    def update_step(self, gradient, variable, learning_rate):
        dtype = np_dtype(variable.dtype)
        step = self._local_step(dtype)
        b1, b2 = tg.cast(self.beta_1, dtype), tg.cast(self.beta_2, dtype)
        alpha = learning_rate * tg.sqrt(1.0 - tg.pow(b2, step)) / (1.0 - tg.pow(b1, step))
        m, v = self.get_slot(variable, "momentum"), self.get_slot(variable, "velocity")
        m.assign_add((gradient - m) * (1.0 - self.beta_1))
        v.assign_add((tg.square(gradient) - v) * (1.0 - self.beta_2))
        if self.amsgrad:
            v_hat = self.get_slot(variable, "velocity_hat")
            v_hat.assign(tg.maximum(v_hat, v))
            v = v_hat
        variable.assign_sub((m * alpha) / (tg.sqrt(v) + self.epsilon))


class AdamW(Adam):
    """Adam with decoupled weight decay (``weight_decay=0.004`` by default, as Keras)."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ):
        if weight_decay is None:
            raise ValueError("AdamW: `weight_decay` cannot be None; use Adam for no decay.")
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs
        )


class RMSprop(Optimizer):
    """RMSprop as Keras: ``velocity = rho * velocity + (1 - rho) * g^2``,
    ``var -= lr * g / sqrt(velocity + epsilon)`` (``centered`` subtracts the mean gradient's
    square; ``momentum`` accumulates the increments)."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered
        self._config = {"rho": rho, "momentum": momentum, "epsilon": epsilon, "centered": centered}

    def _create_slots(self, v):
        slots = {"velocity": self.add_variable_from_reference(v, "velocity")}
        if self.momentum > 0:
            slots["momentum"] = self.add_variable_from_reference(v, "momentum")
        if self.centered:
            slots["average_gradient"] = self.add_variable_from_reference(v, "average_gradient")
        return slots

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.get_slot(variable, "velocity")
        rho = self.rho
        velocity.assign(rho * velocity + (1.0 - rho) * tg.square(gradient))
        if self.centered:
            average = self.get_slot(variable, "average_gradient")
            average.assign(rho * average + (1.0 - rho) * gradient)
            denominator = velocity - tg.square(average) + self.epsilon
        else:
            denominator = velocity + self.epsilon
        increment = learning_rate * gradient / tg.sqrt(denominator)
        if self.momentum > 0:
            momentum = self.get_slot(variable, "momentum")
            momentum.assign(self.momentum * momentum + increment)
            variable.assign_sub(momentum)
        else:
            variable.assign_sub(increment)


class Adagrad(Optimizer):
    """Adagrad as Keras: the accumulator starts at ``initial_accumulator_value`` (0.1),
    ``var -= lr * g / sqrt(accumulator + epsilon)``."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon
        self._config = {"initial_accumulator_value": initial_accumulator_value, "epsilon": epsilon}

    def _create_slots(self, v):
        return {
            "accumulator": self.add_variable_from_reference(
                v, "accumulator", self.initial_accumulator_value
            )
        }

    def update_step(self, gradient, variable, learning_rate):
        acc = self.get_slot(variable, "accumulator")
        acc.assign_add(tg.square(gradient))
        variable.assign_sub(learning_rate * gradient / tg.sqrt(acc + self.epsilon))


class Nadam(Optimizer):
    """Adam with Nesterov momentum, Keras's schedule ``u_t = b1 * (1 - 0.5 * 0.96^(0.004 t))``
    (as Keras 3 writes it: ``0.96 ** t``)."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._u_product = tg.Variable(np.float32(1.0), trainable=False, name="u_product")
        self._config = {"beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon}

    def _create_slots(self, v):
        return {
            "momentum": self.add_variable_from_reference(v, "momentum"),
            "velocity": self.add_variable_from_reference(v, "velocity"),
        }

    def _before_step(self, variables):
        step = self._local_step(np.float32)
        self._u_product.assign(
            self._u_product
            * self.beta_1
            * (1.0 - 0.5 * tg.pow(tg.constant(np.float32(0.96)), step))
        )

    def update_step(self, gradient, variable, learning_rate):
        dtype = np_dtype(variable.dtype)
        step, next_step = self._local_step(dtype), self._local_step(dtype, 2)
        decay = tg.cast(0.96, dtype)
        b1, b2 = tg.cast(self.beta_1, dtype), tg.cast(self.beta_2, dtype)
        u_t = b1 * (1.0 - 0.5 * tg.pow(decay, step))
        u_t_1 = b1 * (1.0 - 0.5 * tg.pow(decay, next_step))
        u_product_t = tg.cast(self._u_product, dtype)
        u_product_t_1 = u_product_t * u_t_1
        m, v = self.get_slot(variable, "momentum"), self.get_slot(variable, "velocity")
        m.assign_add((gradient - m) * (1.0 - self.beta_1))
        v.assign_add((tg.square(gradient) - v) * (1.0 - self.beta_2))
        m_hat = u_t_1 * m / (1.0 - u_product_t_1) + (1.0 - u_t) * gradient / (1.0 - u_product_t)
        v_hat = v / (1.0 - tg.pow(b2, step))
        variable.assign_sub(m_hat * learning_rate / (tg.sqrt(v_hat) + self.epsilon))

    @property
    def variables(self) -> list:
        return [*super().variables, self._u_product]


_TABLE: dict = {c.__name__: c for c in (SGD, Adam, AdamW, RMSprop, Adagrad, Nadam)}
_TABLE.update({k.lower(): v for k, v in list(_TABLE.items())})


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name", "config"}`` for ``optimizer``."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict) -> Optimizer:
    """The optimizer that ``serialize`` described."""
    return _TABLE[config["class_name"]].from_config(config["config"])


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``), a config or an instance.

    >>> from tapegrad import keras
    >>> type(keras.optimizers.get("rmsprop")).__name__
    'RMSprop'
    """
    if isinstance(identifier, dict):
        return deserialize(identifier)
    found = get_from_module(identifier, _TABLE, "optimizer", Optimizer)
    if not isinstance(found, Optimizer):
        raise TypeError(
            f"Could not interpret optimizer {identifier!r}: pass a name such as 'adam' or a "
            "keras.optimizers.Optimizer."
        )
    return found
