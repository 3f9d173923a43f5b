"""The tracer: records every primitive one call of a function runs, as a list of nodes.

A trace is an eager call of the Python function while the tracer listens to the
engine's events (``op_finished``, ``value_read``, ``variable_set``): no engine
class is patched. Each value the call computes gets a name; the nodes say which
op made it from which names. What the tracer sees:

* an op: ``Op`` (``prim``, ``params``, input names, output names, the user's
  line). An op whose inputs are all constants is folded: its outputs become
  constants (unless the op is ``stateful``: random draws, prints);
* a Variable read (a Variable given to an op): ``Load``, at that point of the
  program, so reads after an ``assign`` see the new value;
* ``assign``/``assign_add``/``assign_sub``: ``Assign``;
* a traced value turned into a Python value (``bool()``, ``int()``,
  ``float()``): ``Guard``, which the program checks on every call;
* ``.numpy()`` or ``np.asarray`` of a traced value: the trace cannot be
  compiled (``unsupported`` names the line).

Tensors the tracer has not seen (closures, constants made in the function) are
constants, captured by value at trace time; Variables are captured by
reference. Tensors are matched by id, and by their array for tensors that
re-wrap an array (every traced array is kept alive until the trace ends, so
array identities stay unique).
"""

from __future__ import annotations

import operator
import os
import sys
import threading
from typing import Any

import numpy as np

from .._core import events
from .._core.tensor import Tensor, new_id

__all__ = ["Trace", "Op", "Load", "Assign", "Guard", "current", "user_line"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_local = threading.local()
_subscribers = [0]
_lock = threading.Lock()


def current() -> Trace | None:
    """The trace this thread is recording, if any."""
    return getattr(_local, "trace", None)


def user_line() -> tuple[str, int]:
    """(file, line) of the innermost frame outside the tapegrad package."""
    frame: Any = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return ("<unknown>", 0)
    return (frame.f_code.co_filename, frame.f_lineno)


class Op:
    __slots__ = ("prim", "params", "inputs", "outputs", "line", "metas", "param_refs")

    def __init__(self, prim, params, inputs, outputs, line, metas, param_refs=None):
        self.prim = prim
        self.params = params
        self.param_refs = param_refs or {}  # param -> name: a traced array passed as a param
        self.inputs = inputs  # names
        self.outputs = outputs  # names (None for an output nothing can use)
        self.line = line
        self.metas = metas  # (shape, dtype) of each input, for error messages


class Load:
    __slots__ = ("variable", "var", "output", "line")

    def __init__(self, variable, var, output, line):
        self.variable = variable  # the Variable object
        self.var = var  # its constant name
        self.output = output
        self.line = line


class Assign:
    __slots__ = ("variable", "var", "how", "value", "scalar", "line")

    def __init__(self, variable, var, how, value, scalar, line):
        self.variable = variable
        self.var = var
        self.how = how  # "assign", "assign_add" or "assign_sub"
        self.value = value  # name of the value
        self.scalar = scalar  # assign of a 0-d array: the Variable holds ``value[()]``
        self.line = line


class Guard:
    __slots__ = ("value", "how", "expected", "line")

    def __init__(self, value, how, expected, line):
        self.value = value
        self.how = how  # "bool", "int", "float", "complex" or "values"
        self.expected = expected
        self.line = line


def values(value: Any) -> tuple:
    """An array's values as a tuple of Python numbers (a shape, paddings, a mask)."""
    return tuple(np.ravel(value).tolist())


_CONVERSIONS: dict[str, Any] = {"bool()": bool, "int()": int, "float()": float,
                                "complex()": complex, "values()": values}


class Trace:
    """What one traced call did: nodes, constants, inputs, and what it cannot compile."""

    def __init__(self, name: str):
        self.name = name
        self.nodes: list = []
        self.consts: dict[str, Any] = {}  # name -> value (arrays, Variables, params)
        self.inputs: list[str] = []
        self.unsupported: tuple | None = None  # (how, (file, line)) of a value read as NumPy
        self.created: list = []  # Variables created during the trace
        self.assigned: dict = {}  # id(variable) -> (variable, value before the trace)
        self._by_id: dict[int, str] = {}
        self._by_array: dict[int, str] = {}
        self._const_of: dict[int, str] = {}
        self._loaded: dict[int, str] = {}  # variable id -> name of its current value
        self._var_names: dict[int, str] = {}
        self._keep: list = []  # every traced array, alive until the trace ends
        self.sizes: dict[str, int] = {}  # name -> number of elements (to free large arrays)
        self._count = 0
        self._first_id = new_id()  # Variables with a larger id were created during the trace

    # --- names ------------------------------------------------------------------------
    def _new(self, prefix: str = "t") -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def _register(self, tensor: Any, name: str) -> None:
        self._by_id[tensor._id] = name
        self._by_array[id(tensor._value)] = name
        self._keep.append(tensor._value)
        self.sizes[name] = getattr(tensor._value, "size", 1)

    def add_input(self, tensor: Tensor) -> str:
        name = self._new("x")
        self.inputs.append(name)
        self._register(tensor, name)
        return name

    def add_variable(self, v: Any) -> str:
        """A Variable argument: the program gets the Variable itself."""
        name = self._var_names.get(id(v))
        if name is None:
            name = self._var_names[id(v)] = self._new("x")
            self.inputs.append(name)
        return name

    def constant(self, value: Any) -> str:
        """The name of a constant (each object once)."""
        name = self._const_of.get(id(value))
        if name is None:
            name = self._new("c")
            self.consts[name] = value
            self._const_of[id(value)] = name
            self._keep.append(value)
        return name

    def variable(self, v: Any) -> str:
        name = self._var_names.get(id(v))
        if name is None:
            if v._id > self._first_id:
                self.created.append(v)
            name = self._var_names[id(v)] = self._new("v")
            self.consts[name] = v
        return name

    def name_of(self, t: Any, line: Any = None) -> str:
        """The name of tensor ``t``'s value at this point of the program."""
        if t._is_variable:
            name = self._loaded.get(t._id)
            if name is None:
                name = self._new()
                self.nodes.append(Load(t, self.variable(t), name, line or user_line()))
                self._loaded[t._id] = name
                self._by_array[id(t._value)] = name
                self._keep.append(t._value)
            return name
        name = self._by_id.get(t._id)
        if name is None:
            name = self._by_array.get(id(t._value))
            if name is None:
                return self.constant(t._value)
        return name

    def is_constant(self, name: str) -> bool:
        return name[0] == "c"

    # --- events -----------------------------------------------------------------------
    def on_op(self, prim: Any, args: tuple, result: Any, params: dict) -> None:
        line = user_line()
        names = [self.name_of(a, line) for a in args]
        results = result if prim.multiple_results else (result,)
        refs = None
        for key, value in params.items():  # e.g. where's condition: a traced tensor's array
            ref = self._param_ref(value)
            if ref is not None:
                refs = refs or {}
                refs[key] = ref
        if not prim.stateful and all(n[0] == "c" for n in names) and not refs:
            for r in results:  # folded: its value is known now and never changes
                name = self.constant(r._value)
                self._by_id[r._id] = name
            return
        if prim.impl is operator.mul and len(names) == 2 and not params and not refs:
            alias = self._times_one(args, names, result)
            if alias is not None:  # ``x * ones`` is x, bit for bit (e.g. a gradient's seed)
                self._by_id[result._id] = alias
                self._by_array[id(result._value)] = alias
                self._keep.append(result._value)
                return
        if prim.name == "pow" and names[1][0] == "c" and names[0][0] != "c" and not params:
            alias = self._power_one_or_zero(args, result)
            if alias is not None:  # a gradient's ``x ** (2 - 1)`` is x, ``x ** 0`` ones
                self._by_id[result._id] = alias
                self._by_array[id(result._value)] = alias
                self._keep.append(result._value)
                return
        outputs = []
        for r in results:
            name = self._new()
            self._register(r, name)
            outputs.append(name)
        metas = tuple((a._value.shape, a._value.dtype) for a in args)
        self.nodes.append(Op(prim, params, names, outputs, line, metas, refs))

    def _param_ref(self, value: Any) -> Any:
        """A param holding traced arrays (alone, or in a tuple such as an index): its names
        (a name, or a tuple of names with the other items as constants); else None."""
        if value.__class__ is np.ndarray or isinstance(value, np.generic):
            return self._by_array.get(id(value)) or None
        if value.__class__ is tuple and any(
                self._by_array.get(id(v)) for v in value if v.__class__ is np.ndarray):
            return tuple((self._by_array.get(id(v)) if v.__class__ is np.ndarray else None)
                         or self.constant(v) for v in value)
        return None

    def _power_one_or_zero(self, args: tuple, result: Any) -> str | None:
        """For ``x ** c`` with a constant ``c``: x's name where c is all ones, a constant of
        ones where c is all zeros (exact for real dtypes, nan and inf included); else None."""
        out, value, power = result._value, args[0]._value, args[1]._value
        if (value.__class__ is not out.__class__ or out.__class__ is not np.ndarray
                or not isinstance(power, (np.ndarray, np.generic))
                or value.dtype != out.dtype or value.shape != out.shape
                or out.dtype.kind not in "fiu"):
            return None
        if (power == 1).all():
            return self.name_of(args[0])
        if (power == 0).all():
            return self.constant(out)
        return None

    def _times_one(self, args: tuple, names: list, result: Any) -> str | None:
        """The name of ``x`` when the op is ``x * c`` with a constant ``c`` of ones that
        changes neither the shape, the dtype nor the kind of array."""
        out = result._value
        for c, x in ((0, 1), (1, 0)):
            if names[c][0] != "c" or names[x][0] == "c":
                continue
            one, value = args[c]._value, args[x]._value
            if (value.__class__ is out.__class__ and value.dtype == out.dtype
                    and value.shape == out.shape and one.dtype == out.dtype and (one == 1).all()):
                return names[x]
        return None

    def on_read(self, t: Any, how: str) -> None:
        name = self.name_of(t)
        if self.is_constant(name):
            return
        convert = _CONVERSIONS.get(how)
        if convert is None:
            if self.unsupported is None:
                self.unsupported = (how, user_line())
            return
        self.nodes.append(Guard(name, how[:-2], convert(t._value), user_line()))

    def on_variable(self, v: Any, how: str, value: Any) -> None:
        """A Variable is about to be assigned (``value`` as given)."""
        line = user_line()
        if id(v) not in self.assigned:
            self.assigned[id(v)] = (v, v._value)
        if isinstance(value, Tensor):
            name = self.name_of(value, line)
            array = value._value
        else:  # a Python or NumPy value: the array the assignment makes of it, a constant
            array = v._checked(value, how)
            name = self.constant(array)
        scalar = how == "assign" and array.ndim == 0
        self.nodes.append(Assign(v, self.variable(v), how, name, scalar, line))
        if how == "assign" and not scalar:
            self._loaded[v._id] = name
        else:
            self._loaded.pop(v._id, None)


def _on_op(prim: Any, args: tuple, result: Any, params: dict) -> None:
    trace = getattr(_local, "trace", None)
    if trace is not None:
        trace.on_op(prim, args, result, params)


def _on_read(t: Any, how: str) -> None:
    trace = getattr(_local, "trace", None)
    if trace is not None:
        trace.on_read(t, how)


def _on_variable(v: Any, how: str, value: Any) -> None:
    trace = getattr(_local, "trace", None)
    if trace is not None:
        trace.on_variable(v, how, value)


class recording:
    """Within the block, this thread's ops are recorded into ``trace``."""

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self) -> Trace:
        with _lock:
            _subscribers[0] += 1
            if _subscribers[0] == 1:
                events.subscribe(events.op_finished, _on_op)
                events.subscribe(events.value_read, _on_read)
                events.subscribe(events.variable_set, _on_variable)
        self.outer = getattr(_local, "trace", None)
        _local.trace = self.trace
        return self.trace

    def __exit__(self, *exc: Any) -> None:
        _local.trace = self.outer
        with _lock:
            _subscribers[0] -= 1
            if _subscribers[0] == 0:
                events.unsubscribe(events.op_finished, _on_op)
                events.unsubscribe(events.value_read, _on_read)
                events.unsubscribe(events.variable_set, _on_variable)
