"""Control flow and functional ops with TensorFlow's eager semantics.

``cond``, ``case``, ``switch_case``, ``while_loop``, ``map_fn``,
``vectorized_map``, ``foldl``, ``foldr`` and ``scan`` call the Python functions
they are given, as TensorFlow does in eager mode, so they are differentiable
through whatever ops those functions run (to any order: tapes record them like
any other ops). They check what TensorFlow checks in a ``tf.function``: a loop
variable that changes shape (unless ``shape_invariants`` allows it) or dtype,
and a function that returns a different structure than declared, raise.

Differences from TensorFlow, on purpose: ``switch_case`` also takes a Python
int; ``case(exclusive=True)`` raises when several predicates hold (TensorFlow
documents this, its eager mode returns the first); ``vectorized_map`` calls
``fn`` once per element (the same values as TensorFlow's vectorization);
``parallel_iterations`` and ``swap_memory`` are accepted and have no effect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import nest
from ._core.errors import InvalidArgumentError
from ._core.tensor import Tensor, convert_to_tensor
from .custom import stop_gradient
from .dtypes import DType, as_dtype
from .errors import OutOfRangeError
from .ops.creation import zeros
from .ops.shape import stack
from .tensor_shape import TensorShape

__all__ = [
    "cond", "case", "switch_case", "while_loop", "map_fn", "vectorized_map", "foldl", "foldr",
    "scan",
]


# --- helpers -------------------------------------------------------------------------
def _callable(fn: Any, op: str, arg: str) -> None:
    if not callable(fn):
        raise TypeError(f"{op}: '{arg}' must be callable, got {type(fn).__name__} {fn!r}.")


def _truth(pred: Any, op: str, arg: str) -> bool:
    """A predicate's value: a Python bool or a one-element bool or numeric tensor."""
    if isinstance(pred, (bool, np.bool_)):
        return bool(pred)
    value = convert_to_tensor(pred)
    if value._value.size != 1:
        raise InvalidArgumentError(
            f"{op}: {arg} must be a scalar, got shape {value.shape} dtype {value.dtype.name}; "
            "reduce it first (tapegrad.reduce_all / reduce_any)."
        )
    return bool(value._value.reshape(()))


def _skeleton(value: Any) -> Any:
    """The shape of a nest, leaves blanked, lists and tuples alike (as TensorFlow compares)."""
    if isinstance(value, dict):
        return {k: _skeleton(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(_skeleton(v) for v in value)
    return "."


def _same_structure(expected: Any, got: Any, op: str, what: str) -> None:
    if _skeleton(expected) != _skeleton(got):
        raise InvalidArgumentError(
            f"{op}: {what} does not have the structure declared: expected "
            f"{_describe(expected)}, got {_describe(got)}. Return the same nest of tensors."
        )


def _describe(value: Any) -> str:
    def show(v: Any) -> Any:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k!r}: {show(x)}" for k, x in v.items()) + "}"
        if isinstance(v, (list, tuple)):
            inner = ", ".join(show(x) for x in v)
            return f"[{inner}]" if isinstance(v, list) else f"({inner}{',' if len(v) == 1 else ''})"
        return "tensor" if isinstance(v, Tensor) or not hasattr(v, "dtype") else str(v)

    return show(value)


def _tensors(value: Any) -> Any:
    return nest.map_structure(convert_to_tensor, value)


# --- branches ---------------------------------------------------------------------------
def cond(pred: Any, true_fn: Callable | None = None, false_fn: Callable | None = None,
         name: Any = None) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()`` (TensorFlow's ``tf.cond``, eager).

    Args:
        pred: a Python bool or a scalar tensor.
        true_fn, false_fn: functions of no arguments.
        name: ignored.

    >>> import tapegrad as tf
    >>> x = tf.constant(2.0)
    >>> tf.cond(x > 1.0, lambda: x * x, lambda: -x).numpy()
    np.float32(4.0)
    """
    _callable(true_fn, "cond", "true_fn")
    _callable(false_fn, "cond", "false_fn")
    return true_fn() if _truth(pred, "cond", "pred") else false_fn()  # type: ignore[misc]


def case(pred_fn_pairs: Any, default: Callable | None = None, exclusive: bool = False,
         strict: bool = False, name: str = "case") -> Any:
    """Run the function of the first predicate that holds (TensorFlow's ``tf.case``).

    Args:
        pred_fn_pairs: a list of ``(predicate, function)`` pairs.
        default: the function to run when no predicate holds; without one, that
            case raises ``InvalidArgumentError`` as TensorFlow does.
        exclusive: if True, more than one predicate holding raises
            ``InvalidArgumentError``.
        strict, name: ignored.

    >>> import tapegrad as tf
    >>> x = tf.constant(3)
    >>> tf.case([(x < 0, lambda: -1), (x < 5, lambda: 5)], default=lambda: 9)
    5
    """
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    if not isinstance(pred_fn_pairs, (list, tuple)):
        raise TypeError(f"case: pred_fn_pairs must be a list of pairs, got {pred_fn_pairs!r}.")
    for i, pair in enumerate(pred_fn_pairs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"case: pred_fn_pairs[{i}] must be a (predicate, function) pair.")
        _callable(pair[1], "case", f"pred_fn_pairs[{i}][1]")
    if default is not None:
        _callable(default, "case", "default")
    chosen = None
    for i, (pred, fn) in enumerate(pred_fn_pairs):
        if _truth(pred, "case", f"predicate {i}"):
            if chosen is not None:
                raise InvalidArgumentError(
                    f"case: exclusive=True and more than one condition evaluated as True "
                    f"(predicates {chosen[0]} and {i})."
                )
            chosen = (i, fn)
            if not exclusive:
                break
    if chosen is not None:
        return chosen[1]()
    if default is None:
        raise InvalidArgumentError(
            "case: none of the conditions evaluated as True and no default was given; "
            "pass default=... to handle that case."
        )
    return default()


def switch_case(branch_index: Any, branch_fns: Any, default: Callable | None = None,
                name: str = "switch_case") -> Any:
    """Run ``branch_fns[branch_index]()`` (TensorFlow's ``tf.switch_case``).

    Args:
        branch_index: an integer scalar tensor (or Python int).
        branch_fns: a list of functions, a list of ``(int, function)`` pairs,
            or a dict from int to function; the keys must be 0 .. N-1.
        default: the function for an index out of range; without one, the
            last branch runs (as in TensorFlow).
        name: ignored.

    >>> import tapegrad as tf
    >>> tf.switch_case(tf.constant(1), [lambda: "zero", lambda: "one"])
    'one'
    """
    items: list[tuple]
    if isinstance(branch_fns, dict):
        items = list(branch_fns.items())
    elif isinstance(branch_fns, (list, tuple)):
        items = [tuple(f) if isinstance(f, (list, tuple)) else (i, f)
                 for i, f in enumerate(branch_fns)]
    else:
        raise TypeError(f"switch_case: branch_fns must be a list or dict, got {branch_fns!r}.")
    keys = sorted(k for k, _ in items)
    if not items or keys != list(range(len(items))):
        raise InvalidArgumentError(
            f"switch_case: branch indices (keys) must form the range 0..N-1, got {keys}."
        )
    for k, fn in items:
        _callable(fn, "switch_case", f"branch_fns[{k}]")
    if isinstance(branch_index, (bool, np.bool_)):
        raise TypeError("switch_case: 'branch_index' must be an integer Tensor, got a bool.")
    index = convert_to_tensor(branch_index)
    if index.dtype.kind not in "iu" or index._value.ndim != 0:
        raise TypeError(
            f"switch_case: 'branch_index' must be an integer scalar Tensor, got shape "
            f"{index.shape} dtype {index.dtype.name}."
        )
    fns = dict(items)
    i = int(index._value)
    if i in fns:
        return fns[i]()
    return (default or fns[len(fns) - 1])()


# --- loops -------------------------------------------------------------------------
def while_loop(cond: Callable, body: Callable, loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
               maximum_iterations: Any = None, name: Any = None) -> Any:
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (``tf.while_loop``).

    Each loop variable must keep its dtype, and its shape unless
    ``shape_invariants`` (a matching nest of shapes with None for dimensions
    that may change) allows the change; the structure must stay the same.
    Gradients flow through every iteration's ops.

    Args:
        cond: a function of the loop variables returning a scalar bool.
        body: a function of the loop variables returning new ones.
        loop_vars: a tuple or list (possibly nested) of tensors, or one tensor.
        shape_invariants: optional shapes for the loop variables.
        maximum_iterations: stop after this many iterations even if ``cond`` holds.
        back_prop: False stops gradients through the results (deprecated in TF).
        parallel_iterations, swap_memory, name: accepted, no effect.

    >>> import tapegrad as tf
    >>> i, total = tf.while_loop(lambda i, t: i < 4, lambda i, t: (i + 1, t + i), (0, 0))
    >>> int(i), int(total)
    (4, 6)
    """
    _callable(cond, "while_loop", "cond")
    _callable(body, "while_loop", "body")
    if loop_vars is None or (isinstance(loop_vars, (list, tuple)) and not loop_vars):
        raise InvalidArgumentError("while_loop: 'loop_vars' must be provided (a non-empty nest).")
    unpack = isinstance(loop_vars, (list, tuple))
    current = _tensors(loop_vars)
    flat, _ = nest.flatten(current)
    invariants = _shape_invariants(shape_invariants, current, flat)
    limit = None
    if maximum_iterations is not None:
        limit = int(convert_to_tensor(maximum_iterations)._value)
        if limit < 0:
            raise InvalidArgumentError(
                f"while_loop: maximum_iterations must be >= 0, got {limit}."
            )
    iteration = 0
    while (limit is None or iteration < limit) and _truth(
        cond(*current) if unpack else cond(current), "while_loop", "the value of cond"
    ):
        result = body(*current) if unpack else body(current)
        if unpack and len(current) == 1 and not isinstance(result, (list, tuple)):
            result = type(current)([result]) if type(current) in (list, tuple) else (result,)
        _same_structure(current, result, "while_loop", "the result of body")
        new_flat = [convert_to_tensor(v, dtype_hint=old.dtype)
                    for v, old in zip(nest.flatten(result)[0], flat, strict=True)]
        iteration += 1
        _check_loop_vars(flat, new_flat, invariants, iteration)
        flat = new_flat
        current = nest.unflatten(nest.flatten(current)[1], flat)
    if not back_prop:
        current = nest.map_structure(stop_gradient, current)
    return current


def _shape_invariants(shape_invariants: Any, current: Any, flat: list) -> list:
    if shape_invariants is None:
        return [TensorShape(v._value.shape) for v in flat]
    if isinstance(shape_invariants, TensorShape) and len(flat) == 1:
        shape_invariants = nest.map_structure(lambda _: shape_invariants, current)
    _same_structure(current, _shapes_as_leaves(shape_invariants), "while_loop",
                    "shape_invariants")
    shapes = [TensorShape(s.shape) for s in nest.flatten(_shapes_as_leaves(shape_invariants))[0]]
    for i, (v, shape) in enumerate(zip(flat, shapes, strict=True)):
        if not shape.is_compatible_with(v._value.shape):
            raise InvalidArgumentError(
                f"while_loop: loop variable {i} enters the loop with shape {v.shape}, but the "
                f"specified shape invariant is {shape}."
            )
    return shapes


def _shapes_as_leaves(value: Any) -> Any:
    """Shape invariants with each shape (a list or tuple of dims) made a leaf."""
    if isinstance(value, TensorShape) or value is None:
        return _Leaf(value)
    if isinstance(value, dict):
        return {k: _shapes_as_leaves(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(d is None or isinstance(d, (int, np.integer)) for d in value) and not any(
            isinstance(d, bool) for d in value
        ):
            return _Leaf(value)
        return type(value)(_shapes_as_leaves(v) for v in value)
    return _Leaf(value)


class _Leaf:
    """A shape held as one leaf of a nest."""

    __slots__ = ("shape",)

    def __init__(self, shape: Any):
        self.shape = shape



def _check_loop_vars(old: list, new: list, invariants: list, iteration: int) -> None:
    for i, (before, after, shape) in enumerate(zip(old, new, invariants, strict=True)):
        if after._value.dtype != before._value.dtype:
            raise TypeError(
                f"while_loop: loop variable {i} enters the loop with dtype {before.dtype.name} "
                f"but has dtype {after.dtype.name} after {iteration} iteration(s); its dtype "
                "must stay the same (cast it in body)."
            )
        if not shape.is_compatible_with(after._value.shape):
            raise InvalidArgumentError(
                f"while_loop: loop variable {i} enters the loop with shape {shape}, but has "
                f"shape {after.shape} after {iteration} iteration(s). To allow the shape to "
                "vary across iterations, use the `shape_invariants` argument of while_loop to "
                "specify a less-specific shape (None for the dimensions that change)."
            )


# --- maps and folds ----------------------------------------------------------------
def _elements(elems: Any, op: str) -> tuple[Any, list, int]:
    """``(structure, flat tensors, n)`` of ``elems``, each at least 1-D with one length."""
    structure = _tensors(elems)
    flat = nest.flatten(structure)[0]
    if not flat:
        raise InvalidArgumentError(f"{op}: elems must hold at least one tensor.")
    for t in flat:
        if t._value.ndim == 0:
            raise InvalidArgumentError(
                f"{op}: elements in elems must be 1+ dimensional tensors, not scalars "
                f"(got shape {t.shape} dtype {t.dtype.name})."
            )
    lengths = {t._value.shape[0] for t in flat}
    if len(lengths) > 1:
        shapes = ", ".join(str(t.shape) for t in flat)
        raise InvalidArgumentError(
            f"{op}: the tensors of elems must have the same first dimension, got shapes {shapes}."
        )
    return structure, flat, flat[0]._value.shape[0]


def _slice(structure: Any, flat: list, i: int) -> Any:
    return nest.unflatten(nest.flatten(structure)[1], [t[i] for t in flat])


def _signature_leaf(spec: Any) -> tuple:
    """(dtype or None, TensorShape or None) of one ``fn_output_signature`` leaf."""
    if isinstance(spec, (DType, np.dtype, type, str)):
        return as_dtype(spec), None
    if hasattr(spec, "shape") and hasattr(spec, "dtype") and not isinstance(spec, Tensor):
        return as_dtype(spec.dtype), TensorShape(spec.shape)  # a TensorSpec
    return as_dtype(spec), None


def _map(fn: Callable, elems: Any, signature: Any, op: str) -> Any:
    _callable(fn, op, "fn")
    structure, flat, n = _elements(elems, op)
    declared = structure if signature is None else signature
    specs = None
    if signature is not None:
        specs = [_signature_leaf(s) for s in nest.flatten(signature)[0]]
    outputs = []
    for i in range(n):
        out = fn(_slice(structure, flat, i))
        if op == "map_fn":
            _same_structure(declared, out, op, "the result of fn")
        leaves = [convert_to_tensor(v) for v in nest.flatten(out)[0]]
        if specs is not None:
            _check_signature(leaves, specs, op)
        outputs.append((leaves, nest.flatten(out)[1]))
    if n == 0:
        if op != "map_fn":
            raise InvalidArgumentError(f"{op}: elems has no elements (first dimension 0).")
        leaves_specs = specs or [(t.dtype, None) for t in flat]
        empty = [zeros((0,) + (tuple(s) if s is not None and s.is_fully_defined() else ()), d)
                 for d, s in leaves_specs]
        return nest.unflatten(nest.flatten(declared)[1], empty)
    treedef = outputs[0][1]
    columns = [stack([leaves[k] for leaves, _ in outputs]) for k in range(len(outputs[0][0]))]
    return nest.unflatten(treedef, columns)


def _check_signature(leaves: list, specs: list, op: str) -> None:
    for k, (value, (dtype, shape)) in enumerate(zip(leaves, specs, strict=True)):
        if value.dtype != dtype:
            raise InvalidArgumentError(
                f"{op}: output {k} of fn has dtype {value.dtype.name} but fn_output_signature "
                f"declares {dtype.name}; cast it in fn or fix the signature."
            )
        if shape is not None and not shape.is_compatible_with(value._value.shape):
            raise InvalidArgumentError(
                f"{op}: output {k} of fn has shape {value.shape} but fn_output_signature "
                f"declares {shape}."
            )


def map_fn(fn: Callable, elems: Any, dtype: Any = None, parallel_iterations: Any = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
           name: Any = None, fn_output_signature: Any = None) -> Any:
    """Apply ``fn`` to each element along axis 0 of ``elems`` and stack (``tf.map_fn``).

    Args:
        fn: a function of one element (a nest like ``elems``, each tensor without
            its first dimension).
        elems: a tensor or a nest of tensors with the same first dimension.
        fn_output_signature: the structure and dtypes (``DType`` or ``TensorSpec``
            leaves) of ``fn``'s result; without it, the result must have the
            structure of ``elems``. A result that differs raises
            ``InvalidArgumentError``.
        dtype: the deprecated name of ``fn_output_signature``.
        back_prop: False stops gradients through the result.
        parallel_iterations, swap_memory, infer_shape, name: accepted, no effect.

    >>> import tapegrad as tf
    >>> tf.map_fn(lambda x: x * x, tf.constant([1.0, 2.0, 3.0])).numpy()
    array([1., 4., 9.], dtype=float32)
    >>> tf.map_fn(lambda p: p[0] + p[1], (tf.constant([1, 2]), tf.constant([10, 20])),
    ...           fn_output_signature=tf.int32).numpy()
    array([11, 22], dtype=int32)
    """
    signature = fn_output_signature if fn_output_signature is not None else dtype
    result = _map(fn, elems, signature, "map_fn")
    return result if back_prop else nest.map_structure(stop_gradient, result)


def vectorized_map(fn: Callable, elems: Any, fallback_to_while_loop: bool = True,
                   warn: bool = True) -> Any:
    """``fn`` over axis 0 of ``elems``, results stacked (``tf.vectorized_map``).

    tapegrad calls ``fn`` once per element and stacks the results: the values
    and gradients are TensorFlow's; ``fn``'s result may have any structure.

    >>> import tapegrad as tf
    >>> tf.vectorized_map(lambda r: tf.reduce_sum(r * r), tf.ones([3, 2])).numpy()
    array([2., 2., 2.], dtype=float32)
    """
    return _map(fn, elems, None, "vectorized_map")


def _fold(fn: Callable, elems: Any, initializer: Any, reverse: bool, op: str,
          keep: bool) -> tuple[Any, list]:
    _callable(fn, op, "fn")
    structure, flat, n = _elements(elems, op)
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    if initializer is None:
        if n == 0:
            raise OutOfRangeError(
                f"{op}: elems is empty and no initializer was given; pass initializer=..."
            )
        acc = _slice(structure, flat, order[0])
        order = order[1:]
    else:
        acc = _tensors(initializer)
    history = [acc] if keep and initializer is None else []
    for i in order:
        new = fn(acc, _slice(structure, flat, i))
        _same_structure(acc, new, op, "the result of fn")
        acc = _tensors(new)
        if keep:
            history.append(acc)
    return acc, history


def foldl(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: Any = None) -> Any:
    """Fold ``fn(acc, x)`` over axis 0 of ``elems``, first to last (``tf.foldl``).

    Without ``initializer`` the first element starts the fold.

    >>> import tapegrad as tf
    >>> tf.foldl(lambda a, x: a - x, tf.constant([1, 2, 3, 4])).numpy()
    np.int32(-8)
    """
    acc, _ = _fold(fn, elems, initializer, False, "foldl", keep=False)
    return acc if back_prop else nest.map_structure(stop_gradient, acc)


def foldr(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: Any = None) -> Any:
    """Fold ``fn(acc, x)`` over axis 0 of ``elems``, last to first (``tf.foldr``).

    >>> import tapegrad as tf
    >>> tf.foldr(lambda a, x: a - x, tf.constant([1, 2, 3, 4])).numpy()
    np.int32(-2)
    """
    acc, _ = _fold(fn, elems, initializer, True, "foldr", keep=False)
    return acc if back_prop else nest.map_structure(stop_gradient, acc)


def scan(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
         reverse: bool = False, name: Any = None) -> Any:
    """Every accumulator of ``acc = fn(acc, x)`` over axis 0, stacked (``tf.scan``).

    Without ``initializer`` the first element (the last with ``reverse=True``)
    is the first accumulator and the first output. With ``reverse=True`` the
    outputs keep the elements' order.

    >>> import tapegrad as tf
    >>> tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4])).numpy()
    array([ 1,  3,  6, 10], dtype=int32)
    >>> tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4]), reverse=True).numpy()
    array([10,  9,  7,  4], dtype=int32)
    """
    acc, history = _fold(fn, elems, initializer, reverse, "scan", keep=True)
    if not history:  # no elements and an initializer: empty outputs of the accumulator's kind
        leaves, treedef = nest.flatten(acc)
        empty = [zeros((0,) + tuple(t._value.shape), t.dtype) for t in leaves]
        return nest.unflatten(treedef, empty)
    if reverse:
        history = history[::-1]
    treedef = nest.flatten(history[0])[1]
    flats = [nest.flatten(h)[0] for h in history]
    result = nest.unflatten(treedef, [stack([f[k] for f in flats]) for k in range(len(flats[0]))])
    return result if back_prop else nest.map_structure(stop_gradient, result)
