"""Variable: the mutable state a model trains, and the op that reads it.

A Variable is a Tensor whose value ``assign`` replaces (never writes in place:
a tape that saved the old value keeps it). Its id never changes, so
gradients with respect to it add up over every read. Reading it is the one op
the engine owns, ``read_variable``: recorded like any other, so a trainable
Variable read inside a tape is watched and differentiated.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .primitive import Primitive
from .state import state
from .tensor import Tensor, _numpy_text, as_dtype, engine, events, new_id, prefixed, to_array

__all__ = ["Variable", "read_variable"]


class Variable(Tensor):
    """A mutable tensor: the state a model trains.

    Reading a trainable Variable inside a ``GradientTape`` watches it; its id is
    fixed, so gradients with respect to it add up over every read.

    >>> import tapegrad as tg
    >>> v = tg.Variable(1.0)
    >>> v.assign_add(2.0).numpy()
    np.float32(3.0)
    """

    __slots__ = ("_trainable", "_name")
    _is_variable = True

    def __init__(
        self,
        initial_value: Any = None,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        **unused: Any,
    ):
        if initial_value is None:
            raise ValueError("Variable needs an initial_value.")
        if callable(initial_value):
            initial_value = initial_value()
        try:
            array = to_array(initial_value, None if dtype is None else as_dtype(dtype))
        except (TypeError, ValueError) as err:
            raise prefixed(err, "Variable: initial_value") from None
        self._value = array[()] if array.ndim == 0 else array  # never shared with the caller
        self._id = new_id()
        self._trainable = bool(trainable)
        self._name = f"{state.name_scope}{name or 'Variable'}:0"

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def name(self) -> str:
        return self._name

    def value(self) -> Tensor:
        """The current value as a Tensor (recorded as a read, so it is differentiable)."""
        return read_variable.bind(self)

    read_value = value
    _read = value

    def _checked(self, value: Any, op: str) -> Any:
        array = to_array(value, self.dtype)
        if np.shape(array) != self.shape:
            raise ValueError(
                f"Variable.{op}: cannot assign a value of shape {np.shape(array)} to "
                f"{self._name} of shape {self.shape}."
            )
        return array

    def assign(self, value: Any, use_locking: Any = None, name: Any = None, read_value=True):
        """Replace the value (same shape and dtype); returns the variable."""
        array = self._checked(value, "assign")
        self._changed("assign", value)
        self._value = array if array.ndim else array[()]
        return self

    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None, read_value=True):
        """Add ``delta`` in place of the value; returns the variable."""
        self._changed("assign_add", delta)
        self._value = self._value + self._checked(delta, "assign_add")
        return self

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None, read_value=True):
        """Subtract ``delta`` from the value; returns the variable."""
        self._changed("assign_sub", delta)
        self._value = self._value - self._checked(delta, "assign_sub")
        return self

    def _changed(self, how: str, value: Any) -> None:  # (a compiled function records it)
        if engine.active and events.variable_set:
            events.variable_set.emit(self, how, value)

    def _in_place(self, *unused: Any) -> Any:
        raise RuntimeError(
            "`variable += value` (and -=, *=, /=) on a tapegrad.Variable is not supported, as in "
            "TensorFlow: it would silently replace the Variable with a new Tensor. Use "
            "variable.assign_add(value) / assign_sub / assign to change the Variable, or "
            "`out = variable + value` for a new Tensor."
        )

    __iadd__ = __isub__ = __imul__ = __itruediv__ = __ifloordiv__ = __imod__ = _in_place
    __ipow__ = __imatmul__ = _in_place

    # ``x = x + 1`` replaces a Variable with a Tensor, a common cause of a None gradient on the
    # next step. The four arithmetic operators note on their result which Variable it came
    # from (a slot on the new tensor, nothing global), for GradientTape.explain.
    def __add__(self, other: Any) -> Tensor:
        return _noted(Tensor.__add__(self, other), self, "+")

    def __sub__(self, other: Any) -> Tensor:
        return _noted(Tensor.__sub__(self, other), self, "-")

    def __mul__(self, other: Any) -> Tensor:
        return _noted(Tensor.__mul__(self, other), self, "*")

    def __truediv__(self, other: Any) -> Tensor:
        return _noted(Tensor.__truediv__(self, other), self, "/")

    def __repr__(self) -> str:
        return (
            f"<tapegrad.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
            f"numpy={_numpy_text(self._value, True)}>"
        )

    __str__ = __repr__  # (as TensorFlow prints a Variable)

    def __deepcopy__(self, memo: Any) -> Variable:
        rebuild, args = self.__reduce__()
        return rebuild(*args)

    def __reduce__(self):
        return (
            _rebuild_variable,
            (np.array(self._value), self._trainable, self._name.rsplit(":", 1)[0]),
        )


def _rebuild_variable(array: np.ndarray, trainable: bool, name: str) -> Variable:
    variable = Variable(array, trainable=trainable)
    variable._name = f"{name}:0"  # (the full name, whatever name_scope is active now)
    return variable


def _noted(result: Any, variable: Variable, op: str) -> Any:
    """Note on a same-shaped result the Variable it was computed from, and where."""
    if result.__class__ is Tensor and result._value.shape == variable._value.shape:
        frame = sys._getframe(2)
        result._origin = (variable._name, variable._id, op,
                          (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
    return result


read_variable = Primitive(
    "read_variable",
    lambda x: x,
    vjps=(lambda g, ans, x: g,),
    jvps=(lambda t, ans, x: t,),
    reads=((),),
    sparse_vjp=True,
)
