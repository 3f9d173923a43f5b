"""Primitive and ``bind``: the single dispatch path of every op.

A primitive is a forward function on arrays plus its derivative rules:

* ``vjps``: one function per input, ``vjp_i(g, ans, *inputs, **params)``,
  returning that input's cotangent (or ``None``); or ``vjp`` returning all of
  them at once when the inputs share work. Only the inputs that lead to a
  source are asked for.
* ``jvp(tangents, ans, *inputs, **params)``: the output tangent, where
  ``tangents`` holds ``None`` for inputs without one. Without a ``jvp`` the
  engine transposes the VJP (exact, but two sweeps).

Rules are written with tapegrad ops, so they are themselves differentiable.
``g`` and tangents may carry extra *leading* batch dimensions (Jacobians push a
whole batch of cotangents through one sweep): rules use negative axes and
broadcasting so they work unchanged; a rule that cannot says
``batchable=False`` and the engine loops.

``sparse_vjp=True`` says the rules take an ``IndexedSlices`` cotangent as it
is (linear ops that keep a sparse gradient sparse, as TensorFlow's); other
rules get it densified.

``save_inputs``/``save_ans`` say which values the rules read; the tape keeps
only those, read-only. ``vjp_reads`` refines this per input: ``vjp_reads[i]``
lists the inputs that input ``i``'s rule reads, and the tape saves only what
the rules of the inputs it tracks need (``x * 0.5`` saves 0.5, not ``x``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .state import busy, hooks, state
from .tensor import Tensor, Variable, convert_to_tensor, new_id, prefixed, to_array

_new = object.__new__

# dtype kind of each NumPy scalar type: reading ``.dtype.kind`` off a scalar costs more.
_SCALAR_KIND = {
    t: np.dtype(t).kind
    for t in (np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128,
              np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
              np.bool_)
}

__all__ = ["Primitive", "REGISTRY", "TapeEntry", "record_operation", "read_variable"]

REGISTRY: dict[str, Primitive] = {}

_KIND_NAMES = {"f": "floating", "c": "complex", "i": "signed integer", "u": "unsigned integer",
               "b": "bool"}


class Primitive:
    """An op: forward function, derivative rules and metadata, registered by name."""

    __slots__ = (
        "name",
        "impl",
        "vjps",
        "vjp",
        "jvp",
        "save_inputs",
        "vjp_reads",
        "save_ans",
        "multiple_results",
        "same_dtype",
        "dtypes",
        "differentiable",
        "batchable",
        "sparse_vjp",
    )

    def __init__(
        self,
        name: str,
        impl: Callable,
        *,
        vjps: Sequence[Callable | None] | None = None,
        vjp: Callable | None = None,
        jvp: Callable | None = None,
        save_inputs: Sequence[int] | None = None,
        vjp_reads: Sequence[Sequence[int]] | None = None,
        save_ans: bool = False,
        multiple_results: bool = False,
        same_dtype: bool = True,
        dtypes: str | None = None,
        differentiable: bool = True,
        batchable: bool = True,
        sparse_vjp: bool = False,
        register: bool = True,
    ):
        self.name = name
        self.impl = impl
        self.vjps = tuple(vjps) if vjps is not None else None
        self.vjp = vjp
        self.jvp = jvp
        self.save_inputs = None if save_inputs is None else tuple(save_inputs)
        self.vjp_reads = None if vjp_reads is None else tuple(tuple(r) for r in vjp_reads)
        self.save_ans = save_ans
        self.multiple_results = multiple_results
        self.same_dtype = same_dtype
        self.dtypes = dtypes
        self.differentiable = differentiable and (vjps is not None or vjp is not None)
        self.batchable = batchable
        self.sparse_vjp = sparse_vjp
        if register:
            if name in REGISTRY:
                raise ValueError(f"A primitive named {name!r} is already registered.")
            REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"<Primitive {self.name}>"

    # ------------------------------------------------------------------------------
    def __call__(self, *args: Any, **params: Any):
        return self.bind(*args, **params)

    def bind(self, *args: Any, **params: Any):
        """Convert the inputs, check dtypes, compute, wrap, then record on active tapes.

        This runs for every op, so the common cases (one or two tensor inputs, no
        tape anywhere) take the shortest path: a few attribute reads and one check
        of ``busy``.
        """
        kinds = self.dtypes
        n = len(args)
        if n == 1:
            a = args[0]
            if not isinstance(a, Tensor):
                args = self._convert(args)
                a = args[0]
            x = a._value
            if kinds is not None and (_SCALAR_KIND.get(x.__class__) or x.dtype.kind) not in kinds:
                self._dtype_unsupported(a)
            try:
                out = self.impl(x, **params) if params else self.impl(x)
            except (ValueError, IndexError, np.linalg.LinAlgError) as err:
                raise _describe_failure(self, args, params, err) from err
        elif n == 2:
            a, b = args
            if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
                args = self._convert(args)
                a, b = args
            x = a._value
            y = b._value
            if self.same_dtype and (x.__class__ is not y.__class__ or x.__class__ is np.ndarray):
                # (two NumPy scalars of one class share their dtype: nothing to compare)
                if x.dtype != y.dtype:
                    self._dtype_mismatch(args)
            if kinds is not None and (_SCALAR_KIND.get(x.__class__) or x.dtype.kind) not in kinds:
                self._dtype_unsupported(a)
            try:
                out = self.impl(x, y, **params) if params else self.impl(x, y)
            except (ValueError, IndexError, np.linalg.LinAlgError) as err:
                raise _describe_failure(self, args, params, err) from err
        else:
            for a in args:
                if not isinstance(a, Tensor):
                    args = self._convert(args)
                    break
            out = self._impl_many(args, params)
        result: Any
        if self.multiple_results:
            result = tuple([Tensor._wrap(o) for o in out])
        else:
            result = _new(Tensor)
            result._value = out
            result._id = new_id()
        if busy[0]:
            _after_op(self, args, result, params)
        return result

    def _impl_many(self, args: tuple, params: dict) -> Any:
        if self.same_dtype and args:
            dtype = args[0]._value.dtype
            for a in args:
                if a._value.dtype != dtype:
                    self._dtype_mismatch(args)
        if self.dtypes is not None and args and args[0]._value.dtype.kind not in self.dtypes:
            self._dtype_unsupported(args[0])
        try:
            return self.impl(*[a._value for a in args], **params)
        except (ValueError, IndexError, np.linalg.LinAlgError) as err:
            raise _describe_failure(self, args, params, err) from err

    def _convert(self, args: tuple) -> tuple:
        """Turn non-tensor arguments into tensors; Python numbers take a tensor's dtype.

        A caller's writable NumPy array is copied (``to_array``): the result must not change
        when the caller writes the array after the call.
        """
        dtype = None
        if self.same_dtype:
            for a in args:
                if isinstance(a, Tensor):
                    dtype = a._value.dtype
                    break
            if dtype is None:  # no tensor: the first NumPy value, if any, sets the dtype
                for a in args:
                    if isinstance(a, (np.ndarray, np.generic)):
                        dtype = a.dtype
                        break
        converted = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                converted.append(a)
                continue
            try:
                if isinstance(a, (list, tuple)):
                    converted.append(convert_to_tensor(a, dtype))
                elif hasattr(a, "_as_dense_tensor"):  # IndexedSlices: densify, differentiably
                    converted.append(a._as_dense_tensor())
                else:
                    converted.append(Tensor._wrap(to_array(a, dtype)))
            except (TypeError, ValueError) as err:
                raise prefixed(err, f"{self.name}: argument {i}") from None
            if dtype is None and self.same_dtype:
                dtype = converted[-1]._value.dtype
        return tuple(converted)

    def _dtype_mismatch(self, args: tuple):
        described = ", ".join(f"{a.dtype.name} {a.shape}" for a in args)
        raise TypeError(
            f"{self.name}: all inputs must have the same dtype, got {described}. tapegrad does "
            "not promote dtypes silently (as TensorFlow); convert one with tapegrad.cast(x, dtype)."
        )

    def _dtype_unsupported(self, x: Tensor):
        wanted = " or ".join(_KIND_NAMES[k] for k in self.dtypes or "")
        raise TypeError(
            f"{self.name}: expected a {wanted} tensor, got dtype {x.dtype.name} (shape {x.shape}). "
            f"Convert it first, e.g. tapegrad.cast(x, tapegrad.float32)."
        )


def _describe_failure(prim: Primitive, args: tuple, params: dict, err: Exception) -> Exception:
    """Re-raise NumPy's error as a ValueError that names the op, shapes and dtypes."""
    if isinstance(err, ValueError) and str(err).startswith(prim.name + ":"):
        return err  # already one of ours
    inputs = ", ".join(f"shape {a.shape} dtype {a.dtype.name}" for a in args)
    shown = {k: v for k, v in params.items() if not isinstance(v, np.ndarray) or v.size < 10}
    extra = f" with {shown}" if shown else ""
    return ValueError(f"{prim.name}: invalid arguments ({inputs}){extra}: {err}")


# ---------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------
class InputSpec:
    """Shape and dtype of an input the rules do not read (they may still ask ``.shape``)."""

    __slots__ = ("shape", "dtype")

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
    ``InputSpec`` (shape and dtype only), so the tape keeps no array it does not need.
    """

    __slots__ = (
        "prim",
        "params",
        "input_ids",
        "inputs",
        "output_ids",
        "ans",
        "output_meta",
        "trace",
        "__weakref__",
    )

    def __init__(self, prim, params, input_ids, inputs, output_ids, ans, meta):
        self.prim = prim
        self.params = params
        self.input_ids = input_ids  # None where the input cannot carry a gradient
        self.inputs = inputs
        self.output_ids = output_ids
        self.ans = ans
        self.output_meta = meta  # ((shape, dtype), ...) of every output
        self.trace = None  # user frame, filled when debugging asks for it

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
        """Bytes of the arrays this entry keeps alive."""
        total = 0
        seen = set()
        for t in self.saved_tensors():
            if id(t._value) not in seen:
                seen.add(id(t._value))
                total += t._value.nbytes
        return total


def _freeze(t: Tensor) -> Tensor:
    """The value a tape keeps: read-only, and a fixed snapshot for Variables.

    Every array a tensor holds is tapegrad's own (conversion copies the caller's), so
    freezing it, and the bases of a view, never locks an array the caller writes.
    """
    value = t._value
    if value.__class__ is np.ndarray:
        if value.flags.writeable:
            value.flags.writeable = False
            base = value.base
            while base.__class__ is np.ndarray and base.flags.writeable:
                base.flags.writeable = False  # a view's owner too: writes through it would leak
                base = base.base
    elif t.__class__ is Tensor:
        return t  # a NumPy scalar: immutable already
    if t.__class__ is not Tensor and isinstance(t, Variable):
        snap = _new(Tensor)
        snap._value = value
        snap._id = t._id  # same id: gradients through the snapshot reach the variable
        return snap
    return t


def _needed_inputs(prim: Primitive, ids: tuple, tapes: list) -> tuple | None:
    """Inputs the rules of the tracked inputs read (None: every input)."""
    reads = prim.vjp_reads
    if reads is None:
        return prim.save_inputs
    needed: tuple = ()
    if len(tapes) == 1:
        tracked = tapes[0]._ids
        for input_id, read in zip(ids, reads):
            if input_id is not None and input_id in tracked:
                needed += read
        return needed
    for input_id, read in zip(ids, reads):
        if input_id is not None and any(input_id in tape._ids for tape in tapes):
            needed += read
    return needed


def _grad_id(a: Tensor) -> int | None:
    """The id under which ``a`` can receive a gradient (None for integer and bool tensors)."""
    value = a._value
    kind = _SCALAR_KIND.get(value.__class__) or value.dtype.kind
    return a._id if kind in "fc" else None


def _kept(a: Tensor, keep: bool) -> Any:
    """What the entry holds for input ``a``: the (frozen) tensor, or only its shape and dtype.

    NumPy scalars cost no memory, and keeping them is cheaper than describing them.
    """
    value = a._value
    if keep or value.__class__ is not np.ndarray:
        return _freeze(a)
    return InputSpec(value.shape, value.dtype)


def _make_entry(prim: Primitive, args: tuple, result: Any, params: dict, tapes: list) -> TapeEntry:
    n = len(args)
    if n == 1:
        ids: tuple = (_grad_id(args[0]),)
    elif n == 2:
        ids = (_grad_id(args[0]), _grad_id(args[1]))
    else:
        ids = tuple([_grad_id(a) for a in args])
    save = _needed_inputs(prim, ids, tapes)
    if save is None:
        inputs = tuple([_freeze(a) for a in args])
    elif n == 1:
        inputs = (_kept(args[0], 0 in save),)
    elif n == 2:
        inputs = (_kept(args[0], 0 in save), _kept(args[1], 1 in save))
    else:
        inputs = tuple([_kept(a, i in save) for i, a in enumerate(args)])
    ans: Any
    if prim.multiple_results:
        out_ids = tuple([r._id for r in result])
        meta = tuple([(r._value.shape, r._value.dtype) for r in result])
        ans = tuple([_freeze(r) for r in result]) if prim.save_ans else None
    else:
        value = result._value
        out_ids = (result._id,)
        meta = ((value.shape, value.dtype),)
        ans = _freeze(result) if prim.save_ans else None
    return TapeEntry(prim, params, ids, inputs, out_ids, ans, meta)


def _after_op(prim: Primitive, args: tuple, result: Any, params: dict) -> None:
    """The slow path of bind: something (a tape, an accumulator, a debug hook) is active."""
    st = state
    if st.tapes:
        _record(st.tapes, prim, args, result, params)
    if st.accumulators:
        _push_tangents(st.accumulators, prim, args, result, params)
    check = hooks._check_numerics
    if check is not None:
        check(prim, args, result)


def _record(tapes: list, prim: Primitive, args: tuple, result: Any, params: dict) -> None:
    entry = None
    if len(tapes) == 1:  # the common case, without the loops over tapes
        tape = tapes[0]
        ids = tape._ids
        if tape._watch_accessed_variables:
            for a in args:
                if a.__class__ is Variable and a._trainable and a._id not in ids:
                    tape._watch_variable(a)
        for a in args:
            if a._id in ids:
                entry = _make_entry(prim, args, result, params, tapes)
                tape._entries.append(entry)
                ids.update(entry.output_ids)
                break
    else:
        entry = _record_nested(tapes, prim, args, result, params)
    if hooks.on_record is not None:  # debugging: integer links, evidence, source lines
        hooks.on_record(tapes, prim, args, result, entry)


def _record_nested(tapes: list, prim: Primitive, args: tuple, result: Any, params: dict) -> Any:
    """Record on each of several active tapes that knows an input (one shared entry)."""
    for tape in tapes:  # reading a trainable Variable watches it (first, for every tape)
        if tape._watch_accessed_variables:
            for a in args:
                if a.__class__ is Variable and a._trainable and a._id not in tape._ids:
                    tape._watch_variable(a)
    entry = None
    for tape in tapes:
        ids = tape._ids
        for a in args:
            if a._id in ids:
                break
        else:
            continue
        if entry is None:
            entry = _make_entry(prim, args, result, params, tapes)
        tape._entries.append(entry)
        ids.update(entry.output_ids)
    return entry


def record_operation(prim: Primitive, args: Sequence[Tensor], result: Any, params: dict) -> None:
    """Record an op computed outside ``bind`` (custom_gradient) on the active tapes."""
    args = tuple(args)
    if state.tapes:
        _record(state.tapes, prim, args, result, params)
    if state.accumulators:
        _push_tangents(state.accumulators, prim, args, result, params)


def _push_tangents(accumulators: list, prim, args, result, params) -> None:
    for acc in accumulators:
        acc._propagate(prim, args, result, params)


# ---------------------------------------------------------------------------------
# Reading a variable: the one op the engine owns.
# ---------------------------------------------------------------------------------
def _identity_impl(x):
    return x


read_variable = Primitive(
    "read_variable",
    _identity_impl,
    vjps=(lambda g, ans, x: g,),
    jvp=lambda tangents, ans, x: tangents[0],
    save_inputs=(),
    sparse_vjp=True,
)
