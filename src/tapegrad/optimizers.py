"""Optimizers: SGD, Adam, AdamW, RMSprop and Adagrad.

The argument names are Keras's (``learning_rate``, ``beta_1``, ``beta_2``,
``epsilon``, ``rho``, ``momentum``, ``nesterov``, ``weight_decay``,
``initial_accumulator_value``); the update formulas and the defaults are
``torch.optim``'s, so a run can be compared step by step with PyTorch.

Each optimizer keeps its state per variable (moment estimates, a step count
for bias correction) in Variables created at the variable's first update, and
counts its updates in the Variable ``iterations`` (Keras 3's design). One update
is one op, ``optimizer_update`` (TensorFlow's fused ``ResourceApplyAdam`` and
friends): it computes the new values with NumPy on the variable's dtype, and
``Variable.assign`` writes them. So a whole training step, updates included,
compiles with ``tapegrad.function``; the arrays a tape saved are never touched.

Sparse gradients (``IndexedSlices``, the gradient of ``gather`` and
``embedding_lookup``) update only the rows they name, after summing duplicate
indices. SGD with momentum and Adam keep their state "lazily" for those rows:
the momentum, moments and weight decay of rows that are not named do not
move (TensorFlow's sparse momentum, ``torch.optim.SparseAdam``'s moments).
Adagrad updates the named rows exactly as its dense rule would; RMSprop
densifies sparse gradients.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._core.indexed_slices import IndexedSlices
from ._core.tensor import Tensor, convert_to_tensor, to_array
from ._core.variable import Variable
from .function.effects import check_finite
from .optimizer_updates import _computed, _zip_lengths, learning_rate_p, sparse_update_p, update_p
from .tape import GradientTape

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def _describe(value: Any) -> str:
    if isinstance(value, Variable):
        return f"Variable {value.name!r} (shape {value.shape}, dtype {value.dtype.name})"
    if isinstance(value, Tensor):
        return f"Tensor (shape {value.shape}, dtype {value.dtype.name})"
    return f"{type(value).__name__} {value!r}"[:80]


def _check_hyper(
    owner: str,
    name: str,
    value: Any,
    low: float = 0.0,
    high: float | None = None,
    high_open: bool = False,
) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {_describe(value)}.") from None
    bad = not (math.isfinite(number) and number >= low) or (
        high is not None and (number >= high if high_open else number > high)
    )
    if bad:
        bound = "" if high is None else f" and {'<' if high_open else '<='} {high}"
        raise ValueError(f"{owner}: {name} must be finite, >= {low}{bound}, got {value!r}.")
    return number


class Optimizer:
    """Base class: validates gradients and variables, keeps per-variable state.

    Subclasses implement ``_dense_update(p, g, state, lr)`` (and optionally
    ``_sparse_update(p, rows, g, state, lr)``) on NumPy arrays, returning the
    new value, and list their state arrays in ``_slot_names``. The state lives in
    Variables (``state_variables()``), so a compiled step reads and updates it.

    Args:
        learning_rate: a float, or a callable ``schedule(step) -> float`` called
            with ``optimizer.iterations`` (the number of updates applied so far).
        weight_decay: the L2 penalty coefficient added to the gradient
            (``g + weight_decay * p``), as ``torch.optim``'s ``weight_decay``.
        name: a name for messages; defaults to the class name.

    >>> import tapegrad as tg
    >>> v = tg.Variable([1.0, 2.0])
    >>> opt = tg.optimizers.SGD(learning_rate=0.5)
    >>> int(opt.apply_gradients([(tg.constant([1.0, 1.0]), v)]))
    1
    >>> v.numpy().tolist()
    [0.5, 1.5]
    """

    _slot_names: tuple = ()

    def __init__(self, learning_rate: Any, weight_decay: float = 0.0, name: str | None = None):
        self.name = name or type(self).__name__
        self.learning_rate = learning_rate
        self.weight_decay = _check_hyper(self.name, "weight_decay", weight_decay)
        self._iterations = Variable(np.int64(0), trainable=False, name="iterations")
        self._state: dict = {}  # var.ref() -> {slot name: Variable, "step": int64 Variable}

    @property
    def iterations(self) -> Variable:
        """The number of updates applied so far (an int64 Variable, as in Keras)."""
        return self._iterations

    @iterations.setter
    def iterations(self, value: Any) -> None:
        self._iterations.assign(np.int64(value))

    def state_variables(self) -> list[Variable]:
        """The state: ``iterations``, then each variable's step count and slots (by first use)."""
        out = [self._iterations]
        for state in self._state.values():
            out.append(state["step"])
            out.extend(state[name] for name in self._slot_names if name in state)
        return out

    @property
    def variables(self) -> list[Variable]:
        """``state_variables()`` (Keras 3's property)."""
        return self.state_variables()

    # --- hyperparameters -------------------------------------------------------------
    @property
    def learning_rate(self) -> Any:
        """The learning rate: a float, or the schedule given to the constructor."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if callable(value) and not isinstance(value, Tensor):
            self._learning_rate = value
        else:
            self._learning_rate = _check_hyper(self.name, "learning_rate", value)

    def _current_learning_rate(self) -> Tensor:
        """A float64 tensor: a constant, or the schedule's value (an op reading iterations)."""
        lr = self._learning_rate
        if not callable(lr):
            return Tensor._wrap(np.float64(lr))
        return learning_rate_p.bind(self._iterations, optimizer=self)

    def _scheduled(self, step: int) -> float:
        value = self._learning_rate(step)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"{self.name}: the learning-rate schedule returned {_describe(value)} at step "
                f"{step}; it must return a number."
            ) from None
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(
                f"learning_rate: {self.name}: the learning-rate schedule returned {value} at "
                f"step {step}; it must be a finite number >= 0."
            )
        return value

    def get_config(self) -> dict:
        """The constructor arguments (a schedule is returned as the callable itself)."""
        return {
            "name": self.name,
            "learning_rate": self._learning_rate,
            "weight_decay": self.weight_decay,
        }

    # --- state ---------------------------------------------------------------------
    def get_slot_names(self) -> list[str]:
        """The names of the per-variable state arrays this optimizer keeps."""
        return list(self._slot_names)

    def get_slot(self, var: Variable, slot_name: str) -> Tensor:
        """A copy of one state array of ``var`` (e.g. Adam's ``"m"``), as a Tensor.

        Raises:
            KeyError: the variable has no such state (not updated yet, or an unknown name).
        """
        state = self._state.get(var.ref()) if isinstance(var, Variable) else None
        if state is None or slot_name not in state or slot_name == "step":
            raise KeyError(
                f"{self.name}.get_slot: no slot {slot_name!r} for {_describe(var)}; slots are "
                f"{self.get_slot_names()} and exist after the variable's first update."
            )
        return Tensor._wrap(np.array(state[slot_name]._value))

    def _new_state(self, p: np.ndarray) -> dict:
        return {"step": 0}

    def _state_of(self, v: Variable) -> dict:
        """The state Variables of ``v``, created at its first update."""
        state = self._state.get(v.ref())
        if state is None:
            arrays = self._new_state(np.asarray(v._value))
            base = v.name.rsplit(":", 1)[0]
            state = self._state[v.ref()] = {
                k: Variable(np.int64(a) if k == "step" else a, trainable=False,
                            name=f"{base}/{k}") for k, a in arrays.items()
            }
        return state

    def _export_state(self, var: Variable) -> dict | None:
        """This variable's state as arrays (``step`` as int64), or None if it has none."""
        state = self._state.get(var.ref())
        if state is None:
            return None
        return {
            k: (np.asarray(v._value, np.int64) if k == "step" else np.array(v._value))
            for k, v in state.items()
        }

    def _import_state(self, var: Variable, arrays: dict | None) -> None:
        """Replace this variable's state (None forgets it); arrays are already validated."""
        if arrays is None:
            self._state.pop(var.ref(), None)
            return
        state = self._state_of(var)  # (the checkpoint checked the names and shapes)
        for k, v in arrays.items():
            state[k].assign(np.int64(v) if k == "step" else np.asarray(v, state[k].dtype))

    # --- applying gradients ----------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable, name: Any = None, **kw: Any) -> Variable:
        """Apply one update from ``(gradient, variable)`` pairs; returns ``iterations``.

        Pairs whose gradient is None are skipped. Gradients may be Tensors,
        NumPy arrays or ``IndexedSlices`` (only the named rows are updated).

        Raises:
            ValueError: ``zip(grads, vars)`` of sequences of different lengths, a
                gradient whose shape differs from its variable's, a variable given
                twice, or no gradient at all.
            TypeError: an entry of the variable list that is not a Variable, or a
                variable that is not floating point.
        """
        lengths = _zip_lengths(grads_and_vars)
        if lengths is not None and lengths[0] != lengths[1]:
            raise ValueError(
                f"{self.name}.apply_gradients: got {lengths[0]} gradients for {lengths[1]} "
                "variables; zip(grads, vars) needs one gradient (or None) per variable, in the "
                "order of the variable list given to tape.gradient."
            )
        pairs = []
        for i, pair in enumerate(grads_and_vars):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"{self.name}.apply_gradients: entry {i} is {_describe(pair)}, not a "
                    "(gradient, variable) pair; pass zip(grads, vars)."
                )
            pairs.append(tuple(pair))
        return self._apply(pairs)

    def apply(self, grads: Any, trainable_variables: Any) -> Variable:
        """Apply ``grads[i]`` to ``trainable_variables[i]`` (Keras 3's form).

        Returns:
            ``iterations``, the number of updates applied so far.

        Raises:
            ValueError: the two lists have different lengths (and as ``apply_gradients``).
        """
        grads = list(grads)
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"{self.name}.apply: got {len(grads)} gradients for {len(variables)} "
                "variables; give one gradient (or None) per variable."
            )
        return self._apply(list(zip(grads, variables, strict=True)))

    def _apply(self, pairs: list) -> Variable:
        pairs = _computed(pairs)
        seen: dict = {}
        work = []
        for i, (g, v) in enumerate(pairs):
            if not isinstance(v, Variable):
                raise TypeError(
                    f"{self.name}: entry {i} of the variable list is {_describe(v)}, not a "
                    "tapegrad.Variable; optimizers update Variables only (wrap the value with "
                    "tapegrad.Variable)."
                )
            if v.dtype.kind != "f":
                raise TypeError(
                    f"{self.name}: cannot train {_describe(v)}; optimizers update floating-point "
                    "variables only."
                )
            if v.ref() in seen:
                raise ValueError(
                    f"{self.name}: {_describe(v)} appears twice in the variable list (entries "
                    f"{seen[v.ref()]} and {i}); sum its gradients and pass it once."
                )
            seen[v.ref()] = i
            if g is None:
                continue
            work.append((self._checked_gradient(g, v, i), v, i))
        if pairs and not work:
            names = ", ".join(repr(v.name) for _, v in pairs[:5])
            raise ValueError(
                f"{self.name}: no gradients provided for any variable ({names}"
                f"{', ...' if len(pairs) > 5 else ''}). The loss does not depend on them; "
                "GradientTape.explain(loss, vars) tells why."
            )
        lr = self._current_learning_rate()
        for g, v, i in work:
            state = self._state_of(v)
            slot_names = tuple(n for n in self._slot_names if n in state)
            slots = [state[n] for n in slot_names]
            params = {"optimizer": self, "names": slot_names}
            if isinstance(g, tuple):
                values, indices = g
                outs = sparse_update_p.bind(v, values, indices, state["step"], lr, *slots,
                                            indices_of=(i, _describe(v)), **params)
            else:
                outs = update_p.bind(v, g, state["step"], lr, *slots, **params)
            v.assign(outs[0])
            state["step"].assign(outs[1])
            for var, new in zip(slots, outs[2:]):
                var.assign(new)
        self._iterations.assign_add(np.int64(1))
        return self._iterations

    def _checked_gradient(self, g: Any, v: Variable, i: int) -> Any:
        """A dense tensor, or IndexedSlices' ``(values, indices)`` (index range: in the op)."""
        if isinstance(g, IndexedSlices):
            if g.shape is not None and tuple(g.shape) != v.shape:  # None: unknown
                raise ValueError(
                    f"{self.name}: the IndexedSlices gradient {i} has dense_shape "
                    f"{tuple(g.shape)} but {_describe(v)}."
                )
            values = self._as_tensor(g.values, v, i)
            indices = convert_to_tensor(g.indices)
            n = int(np.prod(indices.shape, dtype=np.int64))
            if tuple(values.shape) != (n,) + v.shape[1:]:
                raise ValueError(
                    f"{self.name}: the IndexedSlices gradient {i} has values of shape "
                    f"{tuple(values.shape)} for {n} indices; expected "
                    f"{(n,) + v.shape[1:]} for {_describe(v)}."
                )
            return values, indices
        tensor = self._as_tensor(g, v, i)
        if tuple(tensor.shape) != v.shape:
            raise ValueError(
                f"{self.name}: gradient {i} has shape {tuple(tensor.shape)} but {_describe(v)}; "
                "each gradient must have its variable's shape."
            )
        return tensor

    def _as_tensor(self, g: Any, v: Variable, i: int) -> Tensor:
        try:
            if isinstance(g, Tensor):
                to_array(g, v.dtype)  # (checks the dtype)
                return g
            return Tensor._wrap(np.asarray(to_array(g, v.dtype)))
        except TypeError as err:
            raise TypeError(f"{self.name}: gradient {i} for {_describe(v)}: {err}") from None

    def _dense_update(self, p: np.ndarray, g: np.ndarray, state: dict, lr: float) -> np.ndarray:
        raise NotImplementedError

    def _sparse_update(
        self, p: np.ndarray, rows: np.ndarray, g: np.ndarray, state: dict, lr: float
    ) -> np.ndarray:
        """Default: densify the rows and apply the dense rule."""
        dense = np.zeros_like(p)
        dense[rows] = g
        return self._dense_update(p, dense, state, lr)

    # --- minimize --------------------------------------------------------------------
    def minimize(self, loss: Any, var_list: Any, tape: GradientTape | None = None) -> Tensor:
        """Compute the gradients of ``loss`` with a GradientTape and apply them.

        Args:
            loss: a callable taking no arguments that returns the loss; or the loss
                Tensor itself when ``tape`` (the tape that recorded it) is given.
            var_list: the variables to update (or a callable returning them).
            tape: the GradientTape that recorded ``loss`` when ``loss`` is a Tensor.

        Returns:
            The loss value (computed before the update).

        Raises:
            FloatingPointError: the loss, or a gradient, is NaN or infinite; the
                message names the step (``optimizer.iterations``) and nothing is
                updated.
        """
        if callable(loss) and not isinstance(loss, Tensor):
            with GradientTape() as tape:
                value = loss()
        elif tape is None:
            raise TypeError(
                f"{self.name}.minimize: loss is {_describe(loss)}; pass a callable returning "
                "the loss, or the loss Tensor together with the tape that recorded it (tape=...)."
            )
        else:
            value = loss
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        check_finite(  # an op: a compiled step checks on every call
            value, self._iterations,
            f"{self.name}.minimize: the loss is {{value}} at step {{step}}; stopped before "
            "updating, so the variables keep their last values. Lower the learning rate, check "
            "the inputs for NaN, or use tapegrad.debugging.detect_anomaly() to find the op "
            "that produced it.",
        )
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(
                    f"{self.name}.minimize: var_list holds {_describe(v)}, not a "
                    "tapegrad.Variable; optimizers update Variables only."
                )
        grads = tape.gradient(value, var_list)
        for g, v in zip(grads, var_list, strict=True):
            data = g.values if isinstance(g, IndexedSlices) else g
            if data is not None:
                described = _describe(v).replace("{", "{{").replace("}", "}}")
                check_finite(
                    data, self._iterations,
                    f"{self.name}.minimize: the gradient for {described} holds NaN or Inf at "
                    "step {step} (the loss is finite); stopped before updating. "
                    "tapegrad.debugging.detect_anomaly() names the op.",
                )
        self.apply_gradients(zip(grads, var_list, strict=True))
        return value

    def __repr__(self) -> str:
        config = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({config})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (``torch.optim.SGD``).

    ``g = grad + weight_decay * p``; with momentum ``buf = momentum * buf + g``
    (``buf = g`` at the first step) and the step uses ``buf``, or
    ``g + momentum * buf`` with ``nesterov=True``; ``p -= learning_rate * step``.

    Args:
        learning_rate: a float or a schedule ``f(step)``.
        momentum: the momentum factor (0 for plain SGD).
        nesterov: use Nesterov momentum (needs ``momentum > 0``).
        weight_decay: L2 penalty added to the gradient.
        name: a name for messages.

    >>> import tapegrad as tg
    >>> x = tg.Variable(3.0)
    >>> opt = tg.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> for _ in range(100):
    ...     _ = opt.minimize(lambda: (x - 1.0) ** 2, [x])
    >>> round(float(x), 3)
    1.0
    """

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        name: str | None = None,
    ):
        super().__init__(learning_rate, weight_decay, name)
        self.momentum = _check_hyper(self.name, "momentum", momentum)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError(f"{self.name}: nesterov=True needs a momentum > 0.")
        self._slot_names = ("momentum_buffer",) if self.momentum else ()

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

    def _new_state(self, p):
        state = {"step": 0}
        if self.momentum:
            state["momentum_buffer"] = np.zeros_like(p)  # 0 * momentum + g == g at step 1
        return state

    def _step(self, p, g, buf, lr):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = self.momentum * buf + g
            g = g + self.momentum * buf if self.nesterov else buf
        return p - lr * g, buf

    def _dense_update(self, p, g, state, lr):
        state["step"] += 1
        new, buf = self._step(p, g, state.get("momentum_buffer"), lr)
        if self.momentum:
            state["momentum_buffer"] = buf
        return new

    def _sparse_update(self, p, rows, g, state, lr):
        state["step"] += 1
        buf = state.get("momentum_buffer")
        new_rows, buf_rows = self._step(p[rows], g, None if buf is None else buf[rows], lr)
        if self.momentum:
            buf[rows] = buf_rows
        new = np.array(p)
        new[rows] = new_rows
        return new


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``), with bias correction and optional AMSGrad.

    ``m = beta_1 m + (1 - beta_1) g``, ``v = beta_2 v + (1 - beta_2) g^2``,
    ``p -= lr / (1 - beta_1^t) * m / (sqrt(v) / sqrt(1 - beta_2^t) + epsilon)``,
    where ``t`` counts this variable's updates and ``g`` includes the L2 term
    ``weight_decay * p``. With an IndexedSlices gradient only the named rows'
    moments and values change, with ``torch.optim.SparseAdam``'s formula
    ``p -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)``.

    Args:
        learning_rate: a float or a schedule ``f(step)``.
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the second moment.
        epsilon: added to the denominator.
        amsgrad: use the maximum of past second moments.
        weight_decay: L2 penalty added to the gradient.
        name: a name for messages.

    >>> import tapegrad as tg
    >>> x = tg.Variable([3.0, -2.0])
    >>> opt = tg.optimizers.Adam(learning_rate=0.1)
    >>> for _ in range(300):
    ...     _ = opt.minimize(lambda: tg.reduce_sum(x * x), [x])
    >>> bool(tg.reduce_max(abs(x)) < 1e-2)
    True
    """

    _decoupled = False

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        amsgrad: bool = False,
        weight_decay: float = 0.0,
        name: str | None = None,
    ):
        super().__init__(learning_rate, weight_decay, name)
        self.beta_1 = _check_hyper(self.name, "beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = _check_hyper(self.name, "beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = _check_hyper(self.name, "epsilon", epsilon)
        self.amsgrad = bool(amsgrad)
        self._slot_names = ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }

    def _new_state(self, p):
        state = {"step": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)}
        if self.amsgrad:
            state["vhat"] = np.zeros_like(p)
        return state

    def _moments(self, p, g, m, v, vhat, lr):
        """One step on (rows of) the arrays: returns p with decay, g with L2, new m, v, vhat."""
        if self._decoupled:
            p = p * (1 - lr * self.weight_decay)
        elif self.weight_decay:
            g = g + self.weight_decay * p
        m = self.beta_1 * m + (1 - self.beta_1) * g
        v = self.beta_2 * v + (1 - self.beta_2) * (g * g)
        if vhat is not None:
            vhat = np.maximum(vhat, v)
        return p, m, v, vhat

    def _dense_update(self, p, g, state, lr):
        state["step"] = t = state["step"] + 1
        p, state["m"], state["v"], vhat = self._moments(
            p, g, state["m"], state["v"], state.get("vhat"), lr
        )
        if vhat is not None:
            state["vhat"] = vhat
        denom = np.sqrt(state["v"] if vhat is None else vhat) / math.sqrt(1 - self.beta_2**t)
        return p - (lr / (1 - self.beta_1**t)) * (state["m"] / (denom + self.epsilon))

    def _sparse_update(self, p, rows, g, state, lr):
        state["step"] = t = state["step"] + 1
        vhat = state.get("vhat")
        p_rows, m, v, vhat_rows = self._moments(
            p[rows], g, state["m"][rows], state["v"][rows], None if vhat is None else vhat[rows], lr
        )
        state["m"][rows] = m
        state["v"][rows] = v
        if vhat is not None:
            vhat[rows] = vhat_rows
            v = vhat_rows
        step_size = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        new = np.array(p)
        new[rows] = p_rows - step_size * (m / (np.sqrt(v) + self.epsilon))
        return new


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``).

    Each step first shrinks the variable, ``p *= 1 - learning_rate * weight_decay``,
    then takes Adam's step with the plain gradient. With an IndexedSlices
    gradient only the named rows decay.

    Args:
        learning_rate: a float or a schedule ``f(step)``.
        weight_decay: the decoupled decay coefficient (torch's default 1e-2).
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the second moment.
        epsilon: added to the denominator.
        amsgrad: use the maximum of past second moments.
        name: a name for messages.

    >>> import tapegrad as tg
    >>> w = tg.Variable([1.0])
    >>> opt = tg.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> _ = opt.apply_gradients([(tg.constant([0.0]), w)])
    >>> round(float(w[0]), 6)  # 1 * (1 - 0.1 * 0.5); Adam's step is 0 for a zero gradient
    0.95
    """

    _decoupled = True

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.01,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        amsgrad: bool = False,
        name: str | None = None,
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, name)


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``; ``rho`` is torch's ``alpha``).

    ``s = rho s + (1 - rho) g^2``; ``avg = sqrt(s) + epsilon`` (``centered``:
    ``sqrt(s - a^2) + epsilon`` with ``a = rho a + (1 - rho) g``); then
    ``p -= lr * g / avg``, or with momentum ``buf = momentum buf + g / avg``,
    ``p -= lr * buf``. IndexedSlices gradients are densified.

    Args:
        learning_rate: a float or a schedule ``f(step)`` (torch's default 1e-2).
        rho: decay rate of the squared-gradient average (torch's default 0.99).
        momentum: the momentum factor.
        epsilon: added to the denominator.
        centered: normalise by the estimated variance instead of the second moment.
        weight_decay: L2 penalty added to the gradient.
        name: a name for messages.

    >>> import tapegrad as tg
    >>> x = tg.Variable(2.0)
    >>> opt = tg.optimizers.RMSprop(learning_rate=0.01)
    >>> _ = opt.apply_gradients([(tg.constant(4.0), x)])
    >>> round(float(x), 4)  # 2 - 0.01 * 4 / sqrt(0.01 * 16)
    1.9
    """

    def __init__(
        self,
        learning_rate: Any = 0.01,
        rho: float = 0.99,
        momentum: float = 0.0,
        epsilon: float = 1e-8,
        centered: bool = False,
        weight_decay: float = 0.0,
        name: str | None = None,
    ):
        super().__init__(learning_rate, weight_decay, name)
        self.rho = _check_hyper(self.name, "rho", rho, 0.0, 1.0)
        self.momentum = _check_hyper(self.name, "momentum", momentum)
        self.epsilon = _check_hyper(self.name, "epsilon", epsilon)
        self.centered = bool(centered)
        self._slot_names = (
            ("square_avg",)
            + (("momentum_buffer",) if self.momentum else ())
            + (("grad_avg",) if self.centered else ())
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }

    def _new_state(self, p):
        return {"step": 0, **{name: np.zeros_like(p) for name in self._slot_names}}

    def _dense_update(self, p, g, state, lr):
        state["step"] += 1
        if self.weight_decay:
            g = g + self.weight_decay * p
        rho = self.rho
        state["square_avg"] = s = rho * state["square_avg"] + (1 - rho) * (g * g)
        if self.centered:
            state["grad_avg"] = a = state["grad_avg"] + (1 - rho) * (g - state["grad_avg"])
            avg = np.sqrt(s - a * a) + self.epsilon
        else:
            avg = np.sqrt(s) + self.epsilon
        if self.momentum:
            state["momentum_buffer"] = buf = self.momentum * state["momentum_buffer"] + g / avg
            return p - lr * buf
        return p - lr * (g / avg)


class Adagrad(Optimizer):
    """Adagrad (``torch.optim.Adagrad``).

    ``s += g^2`` (``s`` starts at ``initial_accumulator_value``),
    ``p -= lr * g / (sqrt(s) + epsilon)``. IndexedSlices gradients update only
    their rows, as torch's sparse Adagrad.

    Args:
        learning_rate: a float or a schedule ``f(step)`` (torch's default 1e-2).
        initial_accumulator_value: the starting value of ``s``.
        epsilon: added to the denominator (torch's default 1e-10).
        weight_decay: L2 penalty added to the gradient.
        name: a name for messages.

    >>> import tapegrad as tg
    >>> x = tg.Variable(1.0)
    >>> opt = tg.optimizers.Adagrad(learning_rate=0.5)
    >>> _ = opt.apply_gradients([(tg.constant(3.0), x)])
    >>> round(float(x), 4)  # 1 - 0.5 * 3 / 3
    0.5
    """

    def __init__(
        self,
        learning_rate: Any = 0.01,
        initial_accumulator_value: float = 0.0,
        epsilon: float = 1e-10,
        weight_decay: float = 0.0,
        name: str | None = None,
    ):
        super().__init__(learning_rate, weight_decay, name)
        self.initial_accumulator_value = _check_hyper(
            self.name, "initial_accumulator_value", initial_accumulator_value
        )
        self.epsilon = _check_hyper(self.name, "epsilon", epsilon)
        self._slot_names = ("sum",)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }

    def _new_state(self, p):
        return {"step": 0, "sum": np.full_like(p, self.initial_accumulator_value)}

    def _step(self, p, g, s, lr):
        if self.weight_decay:
            g = g + self.weight_decay * p
        s = s + g * g
        return p - lr * (g / (np.sqrt(s) + self.epsilon)), s

    def _dense_update(self, p, g, state, lr):
        state["step"] += 1
        new, state["sum"] = self._step(p, g, state["sum"], lr)
        return new

    def _sparse_update(self, p, rows, g, state, lr):
        state["step"] += 1
        new_rows, state["sum"][rows] = self._step(p[rows], g, state["sum"][rows], lr)
        new = np.array(p)
        new[rows] = new_rows
        return new
