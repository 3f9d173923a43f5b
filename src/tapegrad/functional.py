"""JAX-style function transforms: grad, value_and_grad, jacobian, hessian, vjp, jvp.

Each transform takes a function ``f`` and differentiates it with respect to
the positional arguments named by ``argnums``. Arguments and results may be
tensors, Python numbers, NumPy arrays, or nested lists/tuples/dicts of them;
results come back as tapegrad Tensors in the same structure. As in JAX, the
differentiated arguments are fresh values inside ``f``: a tensor that ``f``
also closes over counts as a constant, and a gradient is never None (zeros
where ``f`` does not depend on an input). The transforms nest (``grad`` of
``grad``, ``jacobian`` of ``grad``) and work inside GradientTapes.

Vectorised Jacobians and Hessians
---------------------------------
``jacobian`` never runs one sweep per row: reverse mode pushes a batch of
identity cotangents (one per output element) through one reverse sweep;
forward mode pushes a batch of identity tangents (one per input element)
through one forward sweep (``ForwardAccumulator(..., batch_ndim=1)``).
``mode=None`` takes the forward sweep when the inputs have fewer elements
than the outputs. ``hessian`` takes the gradient with one reverse sweep and
its Jacobian with one more batched sweep (reverse, or forward with ``mode="fwd"``).

Primitives that loop
--------------------
Rules see the batch as extra leading dimensions. A primitive whose rules
cannot handle them says ``batchable=False``, and the engine loops over the
batch for that op alone (the rest of the sweep stays vectorised). Primitives
without a ``jvp`` rule get one in forward mode by transposing their VJP, which
batches but costs a small extra sweep per op. Both lists below are generated
from the registry by :func:`looping_primitives`, and
``tests/test_functional.py::test_documented_loop_lists_match_registry`` fails
when they are out of date (so update them when you add such an op):

Loop over the batch (``batchable=False``): none.

Forward mode via the transposed VJP (no ``jvp`` rule): ``svd_full``.

Functions decorated with ``custom_gradient`` are not registered primitives:
their ``grad_fn`` is called with the whole batch of cotangents (leading axes).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._core import nest
from ._core.primitive import REGISTRY
from ._core.tensor import Tensor, convert_to_tensor
from ._core.variable import Variable
from .forward_mode import ForwardAccumulator
from .ops.casting import cast, identity_p
from .ops.shape import concat, reshape, transpose
from .tape import GradientTape

__all__ = ["grad", "value_and_grad", "jacobian", "hessian", "vjp", "jvp", "looping_primitives"]


def looping_primitives() -> dict:
    """Registered primitives that loop over a batch, or batch only through their VJP.

    Returns:
        ``{"loop": [...], "transposed_vjp": [...]}``: sorted names of the primitives
        with ``batchable=False`` and of the differentiable ones without a ``jvp``.

    >>> import tapegrad as tg
    >>> sorted(tg.functional.looping_primitives())
    ['loop', 'transposed_vjp']
    """
    loop = sorted(name for name, p in REGISTRY.items() if p.differentiable and not p.batchable)
    transposed = sorted(name for name, p in REGISTRY.items() if p.differentiable and p.jvp is None
                         and p.jvps is None)
    return {"loop": loop, "transposed_vjp": transposed}


# ---------------------------------------------------------------------------------
# Arguments and results
# ---------------------------------------------------------------------------------
class _Args:
    """The differentiated leaves of the arguments, and how to put results back."""

    def __init__(self, name: str, args: tuple, argnums: Any, kinds: str = "fc"):
        self.single, self.nums = _argnums(name, argnums, len(args))
        self.call_args = list(args)
        self.leaves: list = []
        self.treedefs: list = []  # (treedef, which leaves are None) per differentiated argument
        for a in self.nums:
            leaves, treedef = nest.flatten(args[a])
            # None leaves are empty subtrees, as in JAX: passed through, None in the results
            converted = [None if leaf is None else _source(name, leaf, a, kinds)
                         for leaf in leaves]
            self.call_args[a] = nest.unflatten(treedef, converted)
            self.leaves.extend(c for c in converted if c is not None)
            self.treedefs.append((treedef, [c is None for c in converted]))

    def pack(self, flat: Sequence) -> Any:
        """Values for ``leaves`` (flat, same order) in the structure of the arguments."""
        out, values = [], iter(flat)
        for treedef, empty in self.treedefs:
            out.append(nest.unflatten(treedef, [None if e else next(values) for e in empty]))
        return out[0] if self.single else tuple(out)

    @property
    def size(self) -> int:
        return sum(s.size for s in self.leaves)


def _argnums(name: str, argnums: Any, n_args: int) -> tuple[bool, tuple]:
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, (tuple, list)) or not all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in nums
    ):
        raise TypeError(
            f"tapegrad.{name}: argnums must be an int or a tuple of ints, got {argnums!r}."
        )
    if not nums:
        raise ValueError(f"tapegrad.{name}: argnums is empty; name at least one argument.")
    if len({int(a) % max(n_args, 1) for a in nums}) != len(nums):
        raise ValueError(f"tapegrad.{name}: argnums {tuple(nums)} names an argument twice.")
    out = []
    for a in nums:
        if not -n_args <= a < n_args:
            raise ValueError(
                f"tapegrad.{name}: argnums {a} is out of range: the function was called with "
                f"{n_args} positional argument(s)."
            )
        out.append(int(a) % n_args)
    return single, tuple(out)


def _source(name: str, leaf: Any, argnum: int, kinds: str) -> Tensor:
    if isinstance(leaf, Variable):
        t = leaf
    elif isinstance(leaf, Tensor):
        t = identity_p.bind(leaf)  # a fresh id; outer tapes and accumulators still see through
    else:
        try:
            t = convert_to_tensor(leaf)
        except TypeError as err:
            raise TypeError(f"tapegrad.{name}: argument {argnum}: {err}") from None
    if t.dtype.kind not in kinds:
        what = "floating" if kinds == "f" else "floating or complex"
        raise TypeError(
            f"tapegrad.{name}: argument {argnum} has dtype {t.dtype.name} (shape {t.shape}); "
            f"only {what} inputs can be differentiated. Cast it to float first, e.g. "
            "tapegrad.cast(x, tapegrad.float32), or write 2.0 instead of 2."
        )
    return t


def _split_aux(name: str, out: Any, has_aux: bool) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(
            f"tapegrad.{name}: with has_aux=True the function must return a pair "
            f"(output, aux), got {type(out).__name__}."
        )
    return out[0], out[1]


def _scalar(name: str, out: Any) -> Tensor:
    if isinstance(out, (list, tuple, dict)):
        raise TypeError(
            f"tapegrad.{name}: the function must return a scalar, got a "
            f"{type(out).__name__}. If it returns (output, extra values), pass has_aux=True; "
            "for several outputs use tapegrad.jacobian or tapegrad.vjp."
        )
    y = out if isinstance(out, Tensor) else convert_to_tensor(out)
    if y.shape != ():
        raise TypeError(
            f"tapegrad.{name}: the function must return a scalar (shape ()), got shape "
            f"{y.shape}. Use tapegrad.jacobian for the full Jacobian, or tapegrad.vjp to pull "
            "back a cotangent (or reduce the output, e.g. tapegrad.reduce_sum(y))."
        )
    if y.dtype.kind != "f":
        raise TypeError(
            f"tapegrad.{name}: the function must return a floating scalar, got dtype "
            f"{y.dtype.name}. Cast integer results to float inside the function; for complex "
            "outputs use tapegrad.vjp."
        )
    return y


def _float_outputs(name: str, out: Any) -> tuple[list, Any]:
    leaves, treedef = nest.flatten(out)
    flat = []
    for i, leaf in enumerate(leaves):
        t = leaf if isinstance(leaf, Tensor) else convert_to_tensor(leaf)
        if t.dtype.kind != "f":
            raise TypeError(
                f"tapegrad.{name}: output {i} has dtype {t.dtype.name}; Jacobians need "
                "floating outputs. Cast it to float inside the function, or leave it out."
            )
        flat.append(t)
    return flat, treedef


def _eye_blocks(tensors: list, dtype_of: Callable = lambda t: t.dtype) -> list:
    """Identity rows, split over ``tensors``: block ``i`` has shape ``(n_total,) + shape_i``."""
    total = sum(t.size for t in tensors)
    blocks, offset = [], 0
    for t in tensors:
        block = np.zeros((total, t.size), dtype=dtype_of(t))
        block[offset:offset + t.size] = np.eye(t.size, dtype=block.dtype)
        blocks.append(Tensor._wrap(block.reshape((total,) + t.shape)))
        offset += t.size
    return blocks


def _columns_to_end(rows: Tensor, out_shape: tuple, sources: list) -> list:
    """``rows`` of shape ``(n_in,) + out_shape`` -> one ``out_shape + source.shape`` per source."""
    m = int(np.prod(out_shape, dtype=np.int64))
    flat: Any = transpose(reshape(rows, (rows.shape[0], m)))  # (m, n_in)
    out, offset = [], 0
    for s in sources:
        block = flat[:, offset:offset + s.size] if len(sources) > 1 else flat
        out.append(reshape(block, out_shape + s.shape))
        offset += s.size
    return out


# ---------------------------------------------------------------------------------
# grad and value_and_grad
# ---------------------------------------------------------------------------------
def _value_and_grad(name: str, f: Callable, argnums: Any, has_aux: bool, args, kwargs):
    a = _Args(name, args, argnums)
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a.leaves)
        out = f(*a.call_args, **kwargs)
        value, aux = _split_aux(name, out, has_aux)
        y = _scalar(name, value)
    grads = tape.gradient(y, a.leaves, unconnected_gradients="zero")
    return y, a.pack([convert_to_tensor(g) for g in grads]), aux


def value_and_grad(f: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """A function that returns ``f``'s value and its gradient (JAX's ``value_and_grad``).

    Args:
        f: Function of tensors returning a float scalar (and ``aux`` if ``has_aux``).
        argnums: Index (int) or indices (tuple) of the positional arguments to
            differentiate.
        has_aux: ``f`` returns ``(value, aux)``; ``aux`` is passed through.

    Returns:
        A function returning ``(value, grads)``, or ``((value, aux), grads)``. ``grads``
        has the structure of the argument (a tuple of them for a tuple ``argnums``).

    Raises:
        TypeError: ``f`` returns a non-scalar or non-float value, or a
            differentiated argument is an integer.

    >>> import tapegrad as tg
    >>> value, g = tg.value_and_grad(lambda x: tg.reduce_sum(x ** 2))(tg.constant([1.0, 2.0]))
    >>> float(value), g.numpy().tolist()
    (5.0, [2.0, 4.0])
    """

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        value, grads, aux = _value_and_grad("value_and_grad", f, argnums, has_aux, args, kwargs)
        return ((value, aux), grads) if has_aux else (value, grads)

    return value_and_grad_f


def grad(f: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function (JAX's ``grad``).

    Args:
        f: Function of tensors returning a float scalar (and ``aux`` if ``has_aux``).
        argnums: Index (int) or indices (tuple) of the positional arguments to
            differentiate; arguments may be nested lists, tuples and dicts.
        has_aux: ``f`` returns ``(value, aux)``; the gradient function then
            returns ``(grads, aux)``.

    Returns:
        A function with ``f``'s arguments returning the gradient, in the structure
        of the differentiated argument(s). Unconnected inputs get zeros.

    Raises:
        TypeError: ``f`` returns a non-scalar (use ``jacobian`` or ``vjp``) or a
            non-float value, or a differentiated argument is an integer (cast it).

    >>> import tapegrad as tg
    >>> tg.grad(lambda x: x ** 3)(2.0).numpy()
    np.float32(12.0)
    """

    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        _, grads, aux = _value_and_grad("grad", f, argnums, has_aux, args, kwargs)
        return (grads, aux) if has_aux else grads

    return grad_f


# ---------------------------------------------------------------------------------
# jacobian
# ---------------------------------------------------------------------------------
_MODES = (None, "rev", "fwd")


def _rev_jacobian(f, a: _Args, has_aux: bool, kwargs, name: str, probe: bool):
    """One reverse sweep with a batch of identity cotangents (all outputs at once)."""
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a.leaves)
        out = f(*a.call_args, **kwargs)
        value, aux = _split_aux(name, out, has_aux)
        flat, treedef = _float_outputs(name, value)
        n_out = sum(y.size for y in flat)
        if probe and n_out > a.size:
            return None, (value, aux)  # forward mode is cheaper: the caller reruns f
        if len(flat) == 1:
            target = flat[0]
        elif flat:  # all outputs as one vector (in their common dtype): still one sweep
            dtype = np.result_type(*[y.dtype for y in flat])
            target = concat([reshape(cast(y, dtype), (-1,)) for y in flat], 0)
    if not flat:
        return nest.unflatten(treedef, []), (value, aux)
    rows = tape.jacobian(target, a.leaves, unconnected_gradients="zero")
    rows = [reshape(r, (n_out,) + s.shape) for r, s in zip(rows, a.leaves)]
    per_output, offset = [], 0
    for y in flat:
        blocks = [r[offset:offset + y.size] if len(flat) > 1 else r for r in rows]
        per_output.append(a.pack([reshape(b, y.shape + s.shape) for b, s in zip(blocks, a.leaves)]))
        offset += y.size
    return nest.unflatten(treedef, per_output), (value, aux)


def _fwd_jacobian(f, a: _Args, has_aux: bool, kwargs, name: str):
    """One forward sweep with a batch of identity tangents (all inputs at once)."""
    tangents = _eye_blocks(a.leaves)
    with ForwardAccumulator(a.leaves, tangents, batch_ndim=1) as acc:
        out = f(*a.call_args, **kwargs)
    value, aux = _split_aux(name, out, has_aux)
    flat, treedef = _float_outputs(name, value)
    per_output = []
    for y, t in zip(flat, acc.jvp(flat, unconnected_gradients="zero")):
        per_output.append(a.pack(_columns_to_end(t, y.shape, a.leaves)))
    return nest.unflatten(treedef, per_output), (value, aux)


def jacobian(f: Callable, argnums: Any = 0, has_aux: bool = False, mode: str | None = None
             ) -> Callable:
    """The Jacobian of ``f``, vectorised (JAX's ``jacobian``, with forward or reverse mode).

    Args:
        f: Function of tensors returning a float tensor or a nest of them.
        argnums: Index (int) or indices (tuple) of the positional arguments to
            differentiate.
        has_aux: ``f`` returns ``(output, aux)``; the result is then ``(jac, aux)``.
        mode: ``"rev"`` (one reverse sweep with a batch of cotangents, one per
            output element), ``"fwd"`` (one forward sweep with a batch of
            tangents, one per input element), or None: forward when the inputs
            have fewer elements than the outputs. With None the first call for
            given input shapes evaluates ``f`` under a tape to learn the output
            size (and again, if forward mode wins); later calls remember the choice.

    Returns:
        A function returning, for each output leaf, the structure of the
        differentiated argument(s) with entries of shape ``out.shape + in.shape``.

    Raises:
        TypeError: integer inputs or outputs. ValueError: an unknown ``mode``.

    >>> import tapegrad as tg
    >>> A = tg.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> tg.jacobian(lambda x: tg.linalg.matvec(A, x))(tg.constant([1.0, 1.0])).numpy().tolist()
    [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    """
    if mode not in _MODES:
        raise ValueError(f"tapegrad.jacobian: mode must be None, 'rev' or 'fwd', got {mode!r}.")
    chosen: dict = {}

    @functools.wraps(f)
    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        a = _Args("jacobian", args, argnums, kinds="f")
        key = tuple((s.shape, s.dtype) for s in a.leaves)
        use = mode or chosen.get(key)
        if use == "fwd" and a.size:
            jac, (_, aux) = _fwd_jacobian(f, a, has_aux, kwargs, "jacobian")
        else:
            jac, (_, aux) = _rev_jacobian(f, a, has_aux, kwargs, "jacobian", probe=use is None)
            if jac is None:
                chosen[key] = "fwd"
                a = _Args("jacobian", args, argnums, kinds="f")
                jac, (_, aux) = _fwd_jacobian(f, a, has_aux, kwargs, "jacobian")
            elif use is None:
                chosen[key] = "rev"
        return (jac, aux) if has_aux else jac

    return jacobian_f


# ---------------------------------------------------------------------------------
# hessian
# ---------------------------------------------------------------------------------
def hessian(f: Callable, argnums: Any = 0, has_aux: bool = False, mode: str = "rev"
            ) -> Callable:
    """The Hessian of a scalar function, vectorised.

    The gradient comes from one reverse sweep; its Jacobian from one more
    vectorised sweep: reverse-over-reverse by default (nested tapes, then one
    reverse sweep carrying a batch of identity cotangents), or
    forward-over-reverse (the gradient's sweep runs under one forward sweep
    carrying a batch of identity tangents). Both give the same matrix; reverse
    is faster for small inputs (fewer ops), forward keeps less on the tape.

    Args:
        f: Function of tensors returning a float scalar.
        argnums: Index (int) or indices (tuple) of the positional arguments to
            differentiate.
        has_aux: ``f`` returns ``(value, aux)``; the result is then ``(hess, aux)``.
        mode: ``"rev"`` (reverse-over-reverse) or ``"fwd"`` (forward-over-reverse).

    Returns:
        A function returning the Hessian: the argument structure nested in itself,
        with blocks ``H[i][j]`` of shape ``in_i.shape + in_j.shape``.

    Raises:
        TypeError: ``f`` returns a non-scalar, or an input is not floating.
        ValueError: an unknown ``mode``.

    >>> import tapegrad as tg
    >>> A = tg.constant([[2.0, 1.0], [0.0, 3.0]])
    >>> quad = lambda x: tg.reduce_sum(x * tg.linalg.matvec(A, x))
    >>> tg.hessian(quad)(tg.constant([1.0, -1.0])).numpy().tolist()
    [[4.0, 1.0], [1.0, 6.0]]
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"tapegrad.hessian: mode must be 'rev' or 'fwd', got {mode!r}.")

    @functools.wraps(f)
    def hessian_f(*args: Any, **kwargs: Any) -> Any:
        a = _Args("hessian", args, argnums, kinds="f")
        run = _hessian_fwd_over_rev if mode == "fwd" else _hessian_rev_over_rev
        blocks, aux = run(f, a, has_aux, kwargs)  # blocks[i][j]: in_i.shape + in_j.shape
        hess = a.pack([a.pack(row) for row in blocks])
        return (hess, aux) if has_aux else hess

    return hessian_f


def _gradient_of(f, a: _Args, has_aux: bool, kwargs) -> tuple[list, Any]:
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a.leaves)
        out = f(*a.call_args, **kwargs)
        value, aux = _split_aux("hessian", out, has_aux)
        y = _scalar("hessian", value)
    grads = tape.gradient(y, a.leaves, unconnected_gradients="zero")
    return [convert_to_tensor(g) for g in grads], aux  # dense, and recorded by the outer sweep


def _hessian_rev_over_rev(f, a: _Args, has_aux: bool, kwargs) -> tuple[list, Any]:
    sources = a.leaves
    with GradientTape(watch_accessed_variables=False) as outer:
        outer.watch(sources)
        grads, aux = _gradient_of(f, a, has_aux, kwargs)
        if len(grads) == 1:
            target = grads[0]
        else:  # all gradients as one vector: one batched reverse sweep
            dtype = np.result_type(*[g.dtype for g in grads])
            target = concat([reshape(cast(g, dtype), (-1,)) for g in grads], 0)
    rows = outer.jacobian(target, sources, unconnected_gradients="zero")
    if len(grads) == 1:
        return [[rows[0]]], aux
    blocks, offset = [], 0
    for si in sources:
        blocks.append([reshape(r[offset:offset + si.size], si.shape + sj.shape)
                       for r, sj in zip(rows, sources)])
        offset += si.size
    return blocks, aux


def _hessian_fwd_over_rev(f, a: _Args, has_aux: bool, kwargs) -> tuple[list, Any]:
    sources = a.leaves
    with ForwardAccumulator(sources, _eye_blocks(sources), batch_ndim=1) as acc:
        grads, aux = _gradient_of(f, a, has_aux, kwargs)
    tangents = acc.jvp(grads, unconnected_gradients="zero")  # each (n_in,) + in_i.shape
    return [_columns_to_end(t, s.shape, sources) for t, s in zip(tangents, sources)], aux


# ---------------------------------------------------------------------------------
# vjp and jvp
# ---------------------------------------------------------------------------------
def _matching(values: list, refs: list, op: str, role: str, ref_name: str) -> list:
    """``values`` as tensors with the dtype and shape of ``refs`` (clear errors otherwise)."""
    out = []
    for i, (v, ref) in enumerate(zip(values, refs)):
        other = ref_name.format(i=i)
        if isinstance(v, Tensor):
            if v.dtype != ref.dtype:
                raise TypeError(
                    f"{op}: {role} {i} has dtype {v.dtype.name} but {other} has dtype "
                    f"{ref.dtype.name}; they must match."
                )
        else:
            v = convert_to_tensor(v, dtype=ref.dtype)
        if v.shape != ref.shape:
            raise ValueError(
                f"{op}: {role} {i} has shape {v.shape} but {other} has shape {ref.shape}; "
                "they must match."
            )
        out.append(v)
    return out


def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate ``f`` and return a function that pulls cotangents back (JAX's ``vjp``).

    Args:
        f: Function of tensors returning a tensor or a nest of them.
        *primals: The arguments; every one is differentiated.
        has_aux: ``f`` returns ``(output, aux)``; ``aux`` is returned third.

    Returns:
        ``(output, vjp_fn)`` (or ``(output, vjp_fn, aux)``). ``vjp_fn(cotangent)``
        takes a cotangent with the structure, shapes and dtypes of ``output`` and
        returns a tuple with one gradient per primal. It may be called many times.

    Raises:
        TypeError: an integer primal. ValueError: a cotangent of the wrong
            structure or shape.

    >>> import tapegrad as tg
    >>> y, pullback = tg.vjp(lambda x: x * x, tg.constant([1.0, 2.0]))
    >>> pullback(tg.constant([1.0, 10.0]))[0].numpy().tolist()
    [2.0, 40.0]
    """
    a = _Args("vjp", primals, tuple(range(len(primals)))) if primals else None
    if a is None:
        raise TypeError("tapegrad.vjp: give at least one primal, e.g. vjp(f, x).")
    tape = GradientTape(persistent=True, watch_accessed_variables=False)
    with tape:
        tape.watch(a.leaves)
        out = f(*a.call_args)
    value, aux = _split_aux("vjp", out, has_aux)
    flat_out, out_def = nest.flatten(value)
    flat_out = [y if isinstance(y, Tensor) else convert_to_tensor(y) for y in flat_out]
    value = nest.unflatten(out_def, flat_out)

    def vjp_fn(cotangent: Any) -> tuple:
        flat_ct, ct_def = nest.flatten(cotangent)
        if ct_def != out_def or len(flat_ct) != len(flat_out):
            raise ValueError(
                "tapegrad.vjp: the cotangent must have the structure of the function's output "
                f"({len(flat_out)} leaves); got {len(flat_ct)} leaves in another structure."
            )
        cts = _matching(flat_ct, flat_out, "tapegrad.vjp", "cotangent", "output {i}")
        grads = tape.gradient(flat_out, a.leaves, output_gradients=cts,
                              unconnected_gradients="zero")
        packed = a.pack([convert_to_tensor(g) for g in grads])
        return packed if isinstance(packed, tuple) else (packed,)

    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False) -> tuple:
    """Evaluate ``f`` and its Jacobian-vector product in one forward sweep (JAX's ``jvp``).

    Args:
        f: Function of tensors returning a tensor or a nest of them.
        primals: Tuple or list of the arguments (each may be a nest).
        tangents: Tuple or list of tangents, the same structure, shapes and dtypes.
        has_aux: ``f`` returns ``(output, aux)``; ``aux`` is returned third.

    Returns:
        ``(output, tangent_out)`` (or with ``aux`` third); ``tangent_out`` has the
        structure of ``output``, with zeros where the output does not depend on
        the primals.

    Raises:
        TypeError: primals/tangents not a tuple or list, an integer primal, or a
            tangent of another dtype. ValueError: structures or shapes differ.

    >>> import tapegrad as tg
    >>> y, t = tg.jvp(lambda x: tg.sin(x), (tg.constant(0.0),), (tg.constant(2.0),))
    >>> float(y), float(t)
    (0.0, 2.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "tapegrad.jvp: primals and tangents must be tuples or lists of the arguments, e.g. "
            f"jvp(f, (x,), (v,)); got {type(primals).__name__} and {type(tangents).__name__}."
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"tapegrad.jvp: got {len(primals)} primals but {len(tangents)} tangents; give one "
            "tangent per primal."
        )
    if not primals:
        raise TypeError("tapegrad.jvp: give at least one primal, e.g. jvp(f, (x,), (v,)).")
    a = _Args("jvp", tuple(primals), tuple(range(len(primals))))
    flat_t: list = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        p_leaves, p_def = nest.flatten(p)
        t_leaves, t_def = nest.flatten(t)
        if p_def != t_def or len(p_leaves) != len(t_leaves):
            raise ValueError(
                f"tapegrad.jvp: tangent {i} must have the structure of primal {i}; got "
                f"{len(t_leaves)} leaves for {len(p_leaves)}."
            )
        flat_t.extend(t for p_leaf, t in zip(p_leaves, t_leaves) if p_leaf is not None)
    checked = _matching(flat_t, a.leaves, "tapegrad.jvp", "tangent", "its primal")
    with ForwardAccumulator(a.leaves, checked) as acc:
        out = f(*a.call_args)
    value, aux = _split_aux("jvp", out, has_aux)
    flat_out, out_def = nest.flatten(value)
    flat_out = [y if isinstance(y, Tensor) else convert_to_tensor(y) for y in flat_out]
    tangent_out = acc.jvp(flat_out, unconnected_gradients="zero")
    value = nest.unflatten(out_def, flat_out)
    tangent_out = nest.unflatten(out_def, tangent_out)
    return (value, tangent_out, aux) if has_aux else (value, tangent_out)
