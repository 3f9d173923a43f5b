"""Primitive and ``bind``: the single dispatch path of every op.

A primitive is a forward function on arrays plus its derivative rules, declared once in the
rule language of ``tapegrad/ops/_rules.py`` (per-input ``vjps``, ``jvps``, and ``reads``:
what each reverse rule reads, from which the tape decides what to keep). ``bind`` converts,
checks dtypes, computes, wraps and, when a tape, an accumulator or a per-op observer is
active, hands the op to ``record.after_op``. The op-table tests check its fast paths (one or
two tensor inputs, no params, nothing active) against :meth:`Primitive.bind_reference`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine_ops import ops
from .errors import InvalidArgumentError
from .record import after_op
from .state import engine
from .tensor import KIND_NAMES, SCALAR_KIND, Tensor, convert_to_tensor, new_id, prefixed, to_array

_new = object.__new__

__all__ = ["Primitive", "REGISTRY", "ANS", "INPUTS"]

REGISTRY: dict[str, Primitive] = {}

ANS = "ans"  # in ``reads``: the rule reads the op's output
INPUTS = "inputs"  # in a joint rule's ``reads``: it reads every input (variadic ops)
_NUMPY_VALUES = (np.ndarray, np.generic)
_BAD_ARGUMENTS = (ValueError, IndexError, np.linalg.LinAlgError)  # NumPy's errors on bad arguments
_FAILURES = (*_BAD_ARGUMENTS, TypeError, AttributeError, AssertionError, NotImplementedError,
             RuntimeError)  # (and how other array libraries refuse)


class Primitive:
    """An op: forward function, derivative rules and metadata, registered by name."""

    __slots__ = (
        "name",
        "impl",
        "vjps",
        "vjp",
        "jvps",
        "jvp",
        "reads",
        "joint_reads",
        "multiple_results",
        "same_dtype",
        "dtypes",
        "differentiable",
        "batchable",
        "sparse_vjp",
        "constant_output",
        "stateful",
    )

    def __init__(
        self,
        name: str,
        impl: Callable,
        *,
        vjps: Sequence[Callable | None] | None = None,
        vjp: Callable | None = None,
        jvps: Sequence[Callable | None] | None = None,
        jvp: Callable | None = None,
        reads: Sequence[Any] | None = None,
        multiple_results: bool = False,
        same_dtype: bool = True,
        dtypes: str | None = None,
        differentiable: bool = True,
        batchable: bool = True,
        sparse_vjp: bool = False,
        constant_output: bool = False,
        register: bool = True,
    ):
        self.name = name
        self.impl = impl
        self.vjps = tuple(vjps) if vjps is not None else None
        self.vjp = vjp
        self.jvps = tuple(jvps) if jvps is not None else None
        self.jvp = jvp
        self.multiple_results = multiple_results
        self.same_dtype = same_dtype
        self.dtypes = dtypes
        self.differentiable = differentiable and (vjps is not None or vjp is not None)
        self.batchable = batchable
        self.sparse_vjp = sparse_vjp
        # A new constant to every tape, as TensorFlow's unrecorded StopGradient: recorded (for
        # explanations), but its output is no source of gradients unless a tape watches it.
        self.constant_output = constant_output and not self.differentiable
        self.stateful = False  # random draws, prints: never folded into a constant (set after)
        self.reads, self.joint_reads = self._declared_reads(reads)
        if register:
            if name in REGISTRY:
                raise ValueError(f"A primitive named {name!r} is already registered.")
            REGISTRY[name] = self

    def _declared_reads(self, reads: Any) -> tuple:
        """(per input: (positions, reads ans)) for ``vjps``, or one (positions, ans) for ``vjp``.

        Positions None mean every input; without a declaration the tape keeps everything.
        """
        if not self.differentiable:
            return None, ((), False)
        if reads is None:
            return None, (None, True)
        if self.vjps is None:  # one joint rule: one flat declaration
            wanted = set(reads)
            positions = None if INPUTS in wanted else tuple(sorted(wanted - {ANS}))
            return None, (positions, ANS in wanted)
        if len(reads) != len(self.vjps):
            raise ValueError(
                f"Primitive {self.name}: reads declares {len(reads)} inputs, vjps {len(self.vjps)}."
            )
        per_input = tuple((None if INPUTS in r else tuple(sorted(set(r) - {ANS})), ANS in r)
                          for r in reads)
        return per_input, None

    def __repr__(self) -> str:
        return f"<Primitive {self.name}>"

    # ------------------------------------------------------------------------------
    def __call__(self, *args: Any, **params: Any):
        return self.bind(*args, **params)

    def bind(self, *args: Any, **params: Any):
        """Convert the inputs, check dtypes, compute, wrap, then record on active tapes.

        This runs for every op, so the common cases (one or two tensor inputs, no
        tape anywhere) take the shortest path: a few attribute reads and one check
        of ``engine.active``.
        """
        kinds = self.dtypes
        n = len(args)
        if n == 1:
            a = args[0]
            if not isinstance(a, Tensor):
                args = self._convert(args)
                a = args[0]
            x = a._value
            if kinds is not None and (SCALAR_KIND.get(x.__class__) or x.dtype.kind) not in kinds:
                self._dtype_unsupported(a)
            try:
                out = self.impl(x, **params) if params else self.impl(x)
            except _FAILURES as err:
                out = self._refused(args, params, err)
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
                    a, b = args = self._dtype_mismatch(args)
                    x, y = a._value, b._value
            if kinds is not None and (SCALAR_KIND.get(x.__class__) or x.dtype.kind) not in kinds:
                self._dtype_unsupported(a)
            try:
                out = self.impl(x, y, **params) if params else self.impl(x, y)
            except _FAILURES as err:
                out = self._refused(args, params, err)
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
        if engine.active:
            after_op(self, args, result, params)
        return result

    def bind_reference(self, *args: Any, **params: Any):
        """``bind`` without its fast paths: convert, check, compute, wrap, record.

        The op-table tests run every op through this and compare with ``bind``.
        """
        if not all(isinstance(a, Tensor) for a in args):
            args = self._convert(args)
        out = self._impl_many(args, params)
        if self.multiple_results:
            result: Any = tuple(Tensor._wrap(o) for o in out)
        else:
            result = Tensor._wrap(out)
        if engine.active:
            after_op(self, args, result, params)
        return result

    def _impl_many(self, args: tuple, params: dict) -> Any:
        if self.same_dtype and args:
            dtype = args[0]._value.dtype
            for a in args:
                if a._value.dtype != dtype:
                    args = self._dtype_mismatch(args)
                    break
        if self.dtypes is not None and args and args[0].dtype.kind not in self.dtypes:
            self._dtype_unsupported(args[0])
        try:
            return self.impl(*[a._value for a in args], **params)
        except _FAILURES as err:
            return self._refused(args, params, err)

    def _refused(self, args: tuple, params: dict, err: Exception) -> Any:
        """The impl failed: another library's arrays may take its array API twin, or raise
        that library's refusal (``ops.other_library``); NumPy's errors are described."""
        out = ops.other_library(self, [a._value for a in args], params, err)
        if out is None:
            raise _describe_failure(self, args, params, err) from err
        return out

    def _convert(self, args: tuple) -> tuple:
        """Turn non-tensor arguments into tensors; Python numbers take a tensor's dtype.

        A caller's writable NumPy array is copied (``to_array``): the result must not change
        when the caller writes the array after the call.
        """
        dtype = like = None
        if self.same_dtype:
            for a in args:
                if isinstance(a, Tensor):
                    dtype, like = a.dtype, a._value
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
                    converted.append(Tensor._wrap(_beside(to_array(a, dtype), like)))
            except (TypeError, ValueError) as err:
                raise prefixed(err, f"{self.name}: argument {i}") from None
            if dtype is None and self.same_dtype:
                dtype = converted[-1].dtype
        return tuple(converted)

    def _dtype_mismatch(self, args: tuple) -> tuple:
        like = next((a._value for a in args if not isinstance(a._value.dtype, np.dtype)), None)
        if like is not None and len({a.dtype for a in args}) == 1:  # NumPy values beside a
            return tuple(a if a._value is like else Tensor._wrap(_beside(a._value, like))
                         for a in args)  # library with dtypes of its own: move them there
        described = ", ".join(f"{a.dtype.name} {a.shape}" for a in args)
        raise TypeError(
            f"{self.name}: all inputs must have the same dtype, got {described}. tapegrad does "
            "not promote dtypes silently (as TensorFlow); convert one with tapegrad.cast(x, dtype)."
        )

    def _dtype_unsupported(self, x: Tensor):
        if x.dtype.kind in (self.dtypes or ""):
            return  # (a library with dtype objects of its own: SCALAR_KIND said "?")
        wanted = " or ".join(KIND_NAMES[k] for k in self.dtypes or "")
        raise TypeError(
            f"{self.name}: expected a {wanted} tensor, got dtype {x.dtype.name} (shape {x.shape}). "
            f"Convert it first, e.g. tapegrad.cast(x, tapegrad.float32)."
        )


def _beside(array: Any, like: Any) -> Any:
    """A NumPy value moved to ``like``'s library if its dtypes are its own (array-api-strict)."""
    if like is None or isinstance(like.dtype, np.dtype) or not isinstance(array, _NUMPY_VALUES):
        return array
    value = array.item() if array.ndim == 0 else array
    return like.__array_namespace__().asarray(value, dtype=like.dtype, device=like.device)


def _describe_failure(prim: Primitive, args: tuple, params: dict, err: Exception) -> Exception:
    """NumPy's error again as an InvalidArgumentError (a ValueError) naming op, shapes, dtypes."""
    if isinstance(err, (ValueError, NotImplementedError)) and str(err).startswith(prim.name + ":"):
        return err  # already one of ours
    if not isinstance(err, _BAD_ARGUMENTS):
        raise  # NumPy's own TypeError (or other), unchanged
    inputs = ", ".join(f"shape {a.shape} dtype {a.dtype.name}" for a in args)
    shown = {k: v for k, v in params.items() if not isinstance(v, np.ndarray) or v.size < 10}
    extra = f" with {shown}" if shown else ""
    return InvalidArgumentError(f"{prim.name}: invalid arguments ({inputs}){extra}: {err}")

