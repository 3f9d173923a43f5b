"""Tape entries: what a recorded op keeps, decided from its rules' declared reads.

When an op runs while a tape watches one of its inputs, the tape appends a :class:`TapeEntry`:
op, params, input and output ids, and only the values the rules of the *tracked* inputs read
(``Primitive.reads``), frozen (a Variable as a snapshot); other inputs as an :class:`InputSpec`
(shape, dtype). Tapes share an entry and count it (``users``): a sweep frees it when unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import events
from .state import state
from .tensor import SCALAR_KIND, Tensor

__all__ = ["TapeEntry", "InputSpec", "after_op", "record_operation", "freeze", "snapshot"]

_new = object.__new__
_ndarray = np.ndarray  # (one global read per check on the per-op paths, not two)


class InputSpec:
    """Shape and dtype of an input the rules do not read (they may still ask ``.shape``)."""

    __slots__ = ("shape", "dtype")
    _value = None  # no array: what a released entry looks for, one check per input

    def __init__(self, shape: tuple, dtype: np.dtype):
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self) -> str:
        return f"InputSpec(shape={self.shape}, dtype={self.dtype.name})"


class TapeEntry:
    """One recorded op: which ids went in and came out, and what its rules need.

    ``inputs[i]`` is the saved Tensor when the rules read input ``i``, else an
    ``InputSpec``; ``ans`` is the saved output (a tuple for several) or None.
    """

    __slots__ = ("prim", "params", "input_ids", "inputs", "output_ids", "ans", "output_meta",
                 "users", "trace", "__weakref__")

    def __init__(self, prim, params, input_ids, inputs, output_ids, ans, meta, users=0):
        self.prim = prim
        self.params = params
        self.input_ids = input_ids  # None where the input cannot carry a gradient
        self.inputs = inputs
        self.output_ids = output_ids
        self.ans = ans
        self.output_meta = meta  # ((shape, dtype), ...) of every output
        self.users = users  # the tapes holding this entry
        self.trace = None  # the user's line, filled when debugging asks for it

    @property
    def input_shapes(self) -> tuple:
        return tuple(t.shape for t in self.inputs)

    @property
    def input_dtypes(self) -> tuple:
        return tuple(t.dtype for t in self.inputs)

    def saved_tensors(self) -> list:
        """The tensors whose arrays this entry keeps alive."""
        saved = [t for t in self.inputs if isinstance(t, Tensor)]
        if self.ans is not None:
            saved.extend(self.ans if isinstance(self.ans, tuple) else (self.ans,))
        return saved

    def nbytes(self) -> int:
        """Bytes of the arrays this entry keeps alive (each array counted once)."""
        arrays = {id(t._value): t._value for t in self.saved_tensors()}
        return sum(a.nbytes for a in arrays.values())

    def release(self) -> None:
        """Forget the saved arrays once no tape needs them (the shapes stay)."""
        self.users -= 1
        if self.users <= 0:
            self.ans = None
            for t in self.inputs:  # most entries keep one array or none: look before rebuilding
                if t._value.__class__ is _ndarray:  # (an InputSpec's _value is None)
                    self.inputs = tuple([_spec(t) for t in self.inputs])
                    break


def _spec(t: Any) -> Any:
    """A saved input as shape and dtype only (NumPy scalars and specs stay as they are)."""
    if t.__class__ is Tensor and t._value.__class__ is np.ndarray:
        return InputSpec(t._value.shape, t._value.dtype)
    return t


def snapshot(v: Tensor) -> Tensor:
    """A Variable as a Tensor of its current value, under the Variable's id.

    Gradients through the snapshot reach the Variable, and a later ``assign``
    does not change what the rules see.
    """
    snap = _new(Tensor)
    snap._value = v._value
    snap._id = v._id
    return snap


def freeze(t: Tensor) -> Tensor:
    """The value a tape keeps: read-only, and a fixed snapshot for Variables.

    Every array a tensor holds is tapegrad's own (conversion copies the caller's), so
    freezing it, and the bases of a view, never locks an array the caller writes.
    """
    value = t._value
    if value.__class__ is np.ndarray and value.flags.writeable:
        value.flags.writeable = False
        base = value.base
        while base.__class__ is np.ndarray and base.flags.writeable:
            base.flags.writeable = False  # a view's owner too: writes through it would leak
            base = base.base
    return snapshot(t) if t._is_variable else t


def _grad_id(a: Tensor) -> int | None:
    """The id under which ``a`` can receive a gradient (None for integer and bool tensors)."""
    value = a._value
    kind = SCALAR_KIND.get(value.__class__) or value.dtype.kind  # ("?": a.dtype tells)
    return a._id if kind in "fc" or (kind == "?" and a.dtype.kind in "fc") else None


_NOTHING = ((), False)  # no tracked input's rule reads anything


def _saved(prim: Any, ids: tuple, tapes: list) -> tuple:
    """(input positions to keep or None for all, keep the output?) for the tracked inputs."""
    per_input = prim.reads
    if per_input is None:  # one rule for every input
        return prim.joint_reads
    saved = None
    if len(tapes) == 1:  # the common case: one set to look in
        tracked = tapes[0]._ids
        for i, reads in zip(ids, per_input):
            if i is not None and i in tracked:
                # one tracked input (most ops on a chain): its declaration as it is, no merging
                saved = reads if saved is None else _merged(saved, reads)
    else:
        for i, reads in zip(ids, per_input):
            if i is not None and any(i in tape._ids for tape in tapes):
                saved = reads if saved is None else _merged(saved, reads)
    return _NOTHING if saved is None else saved


def _merged(a: tuple, b: tuple) -> tuple:  # two inputs' declarations: what either reads
    positions = None if a[0] is None or b[0] is None else a[0] + b[0]
    return positions, a[1] or b[1]


def _kept(a: Tensor, keep: bool) -> Any:
    """What the entry holds for input ``a``: the (frozen) tensor, or only its shape and dtype.

    NumPy scalars cost no memory, and keeping them is cheaper than describing them.
    """
    value = a._value
    if value.__class__ is not np.ndarray:  # immutable: freeze's checks without its call
        return snapshot(a) if a._is_variable else a
    return freeze(a) if keep else InputSpec(value.shape, value.dtype)


def _make_entry(prim: Any, args: tuple, result: Any, params: dict, tapes: list,
                users: int = 0) -> TapeEntry:
    n = len(args)
    if n == 1:  # one- and two-input ops are most ops: no generator for them
        ids: tuple = (_grad_id(args[0]),)
    elif n == 2:
        ids = (_grad_id(args[0]), _grad_id(args[1]))
    else:
        ids = tuple([_grad_id(a) for a in args])
    positions, keep_ans = _saved(prim, ids, tapes)
    if positions is None:
        inputs = tuple([freeze(a) for a in args])
    elif n == 1:
        inputs = (_kept(args[0], 0 in positions),)
    elif n == 2:
        inputs = (_kept(args[0], 0 in positions), _kept(args[1], 1 in positions))
    else:
        inputs = tuple([_kept(a, i in positions) for i, a in enumerate(args)])
    ans: Any
    if prim.multiple_results:
        out_ids = tuple([r._id for r in result])
        meta = tuple([(r._value.shape, r.dtype) for r in result])
        ans = tuple([freeze(r) for r in result]) if keep_ans else None
    else:
        value = result._value
        out_ids = (result._id,)
        meta = ((value.shape, value.dtype),)
        ans = freeze(result) if keep_ans else None
    return TapeEntry(prim, params, ids, inputs, out_ids, ans, meta, users)


def after_op(prim: Any, args: tuple, result: Any, params: dict) -> None:
    """The slow path of bind: a tape, an accumulator or a per-op observer is active."""
    st = state
    if st.tapes:
        record(st.tapes, prim, args, result, params)
    if st.accumulators:
        for acc in st.accumulators:
            acc._propagate(prim, args, result, params)
    if events.op_finished:
        events.op_finished.emit(prim, args, result, params)


def record(tapes: list, prim: Any, args: tuple, result: Any, params: dict) -> None:
    """Record an op on every active tape that knows one of its inputs (one shared entry)."""
    entry = None
    if len(tapes) == 1:  # the common case, without the loops over tapes
        tape = tapes[0]
        ids = tape._ids
        known = False
        for a in args:  # one pass: is an input known, and does reading a Variable watch it?
            if a._id in ids:
                known = True
            elif a._is_variable and a._trainable and tape._watch_accessed_variables:
                tape._watch_variable(a)
                known = True
        if known:
            entry = _make_entry(prim, args, result, params, tapes, 1)
            tape._entries.append(entry)
            ids.update(entry.output_ids)
    else:
        entry = record_on_each(tapes, prim, args, result, params)
    if events.op_recorded:
        events.op_recorded.emit(tapes, prim, args, result, entry)


def record_on_each(tapes: list, prim: Any, args: tuple, result: Any, params: dict) -> Any:
    """The general path of :func:`record`: any number of tapes."""
    for tape in tapes:  # reading a trainable Variable watches it (first, for every tape)
        if tape._watch_accessed_variables:
            for a in args:
                if a._is_variable and a._trainable and a._id not in tape._ids:
                    tape._watch_variable(a)
    entry = None
    for tape in tapes:
        ids = tape._ids
        if not any(a._id in ids for a in args):
            continue
        if entry is None:
            entry = _make_entry(prim, args, result, params, tapes)
        entry.users += 1
        tape._entries.append(entry)
        ids.update(entry.output_ids)
    return entry


def record_operation(prim: Any, args: Sequence[Tensor], result: Any, params: dict) -> None:
    """Record an op computed outside ``bind`` (custom_gradient) on the active tapes."""
    args = tuple(args)
    if state.tapes:
        record(state.tapes, prim, args, result, params)
    for acc in state.accumulators:
        acc._propagate(prim, args, result, params)
