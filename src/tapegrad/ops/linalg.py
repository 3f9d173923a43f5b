"""Linear algebra (``tf.linalg``): products, solves and decompositions, batched.

Every op works on the last two axes and broadcasts (or loops over) the
leading batch axes. Forward passes call numpy.linalg / SciPy's BLAS; the
derivative rules are TensorFlow's matrix-calculus formulas (``linalg_grad.py``)
written with tapegrad ops, so they differentiate again (second order works).

Rules never assume how many leading dimensions a cotangent or tangent has:
they use matmul broadcasting, column selection by matmuls with constant
selectors and negative axes, so Jacobians push a whole batch of cotangents
through one sweep.

Conventions shared with TensorFlow:

* ``cholesky`` and ``eigh`` read only the lower triangle; their gradients are
  TensorFlow's (cholesky: symmetrised; eigh: lower-triangular with a halved
  diagonal).
* ``eigh``/``svd`` gradients use ``x / (x**2 + 1e-20)`` for ``1 / x`` (finite for
  repeated eigen/singular values, but then only the eigenvalue part is right).
* ``svd`` returns ``(s, u, v)`` with ``v`` not transposed; ``qr`` and ``slogdet``
  return named tuples ``(q, r)`` and ``(sign, log_abs_determinant)``.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._args import read_values
from ._matrix import (
    _const,
)
from ._namespace import device_of, namespace
from ._rules import conj as _conj
from ._rules import lead, linear
from .reduce import reduce_sum_p
from .shape import expand_dims, reshape_p, squeeze

__all__ = [
    "matmul",
    "matvec",
    "trace",
    "diag",
    "diag_part",
    "tensordot",
    "einsum",
]


# ---------------------------------------------------------------------------------
# matmul, matvec
# ---------------------------------------------------------------------------------
def _matmul_impl(a, b, ta=False, tb=False):
    xp = namespace(a, b)
    if ta:
        a = xp.matrix_transpose(a) if xp is not np else a.swapaxes(-1, -2)
    if tb:
        b = xp.matrix_transpose(b) if xp is not np else b.swapaxes(-1, -2)
    return xp.matmul(a, b)


def _rows_times(g, m, tm, shape):
    """``g``'s rows (its last axis) times the matrix ``op(m)``, as one 2-D product, of ``shape``.

    NumPy runs a stacked product such as ``(100, 1, n) @ (n, k)`` (a batched
    Jacobian's cotangents through ``matvec``) as one small product per row block:
    folding the leading axes into rows makes it one matrix product, a few times faster.
    """
    n = g.shape[-1]
    rows = g if g.ndim == 2 else reshape_p.bind(g, shape=(g.size // n, n))
    return reshape_p.bind(matmul_p.bind(rows, m, ta=False, tb=tm), shape=shape)


def _matmul_vjp_a(g, ans, a, b, ta=False, tb=False):
    b = _conj(b)  # complex: the adjoint of the other operand (TensorFlow's convention)
    if not ta:
        if b.ndim == 2 and g.ndim > 2 and g.size:  # g @ op(b)^T with one matrix b
            return _rows_times(g, b, not tb, tuple(g.shape[:-1]) + (b.shape[1 if tb else 0],))
        return matmul_p.bind(g, b, ta=False, tb=not tb)  # g @ op(b)^T
    return matmul_p.bind(b, g, ta=tb, tb=True)  # op(b) @ g^T


def _matmul_vjp_b(g, ans, a, b, ta=False, tb=False):
    a = _conj(a)
    if not tb:
        if a.ndim == 2 and g.ndim > 2 and g.shape[-1] == 1 and g.size:
            # op(a)^T @ g for vectors g (matvec): the rows g^T @ op(a), in one product
            k = a.shape[0 if ta else 1]
            g_rows = reshape_p.bind(g, shape=tuple(g.shape[:-1]))
            return _rows_times(g_rows, a, ta, tuple(g.shape[:-2]) + (k, 1))
        return matmul_p.bind(a, g, ta=not ta, tb=False)  # op(a)^T @ g
    return matmul_p.bind(g, a, ta=True, tb=ta)  # g^T @ op(a)


# ``ta``/``tb`` swap the last two axes of an operand inside the op, so the backward pass
# needs no separate transposes (one op per cotangent instead of two).
matmul_p: Primitive = Primitive(
    "matmul",
    _matmul_impl,
    vjps=(_matmul_vjp_a, _matmul_vjp_b),
    jvps=(lambda t, ans, a, b, ta=False, tb=False: matmul_p.bind(t, b, ta=ta, tb=tb),
          lambda t, ans, a, b, ta=False, tb=False: matmul_p.bind(a, t, ta=ta, tb=tb)),
    reads=((1,), (0,)),
    dtypes="fciu",
)


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    name: Any = None,
) -> Tensor:
    """Matrix product of the last two axes, broadcasting the leading (batch) axes.

    Args:
        a: Tensor of rank >= 2.
        b: Tensor of rank >= 2 with ``b.shape[-2] == a.shape[-1]`` (after transposes).
        transpose_a, transpose_b: Transpose the last two axes first.
        adjoint_a, adjoint_b: Conjugate-transpose the last two axes first.
        a_is_sparse, b_is_sparse, output_type, name: Accepted for TensorFlow
            compatibility and ignored.

    Returns:
        ``a @ b`` with broadcast batch dimensions.

    >>> import tapegrad as tg
    >>> tg.matmul(tg.ones((2, 3)), tg.ones((3, 4))).shape
    TensorShape([2, 4])
    """
    # Variables go to the op as they are (the tape snapshots what it saves): no extra read op.
    a = a if isinstance(a, Tensor) else convert_to_tensor(a)
    b = b if isinstance(b, Tensor) else convert_to_tensor(b, dtype_hint=a.dtype)
    if a.ndim < 2 or b.ndim < 2:
        raise InvalidArgumentError(
            f"matmul: both inputs must have rank >= 2, got shapes {a.shape} and {b.shape}. "
            "Use tapegrad.linalg.matvec for matrix @ vector, or expand_dims."
        )
    ta = bool(transpose_a or adjoint_a)
    tb = bool(transpose_b or adjoint_b)
    if adjoint_a:
        a = _conj(a)
    if adjoint_b:
        b = _conj(b)
    a_shape, b_shape = a._value.shape, b._value.shape
    inner_a = a_shape[-2] if ta else a_shape[-1]
    inner_b = b_shape[-1] if tb else b_shape[-2]
    if inner_a != inner_b:
        raise InvalidArgumentError(
            f"matmul: inner dimensions differ: a has shape {a.shape}"
            f"{' (transposed)' if ta else ''} and b has shape {b.shape}"
            f"{' (transposed)' if tb else ''}; the contracted dimensions must be equal."
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
        except ValueError:
            raise InvalidArgumentError(
                f"matmul: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} do not broadcast."
            ) from None
    if ta or tb:
        return matmul_p.bind(a, b, ta=ta, tb=tb)
    return matmul_p.bind(a, b)


def matvec(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    adjoint_a: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    name: Any = None,
) -> Tensor:
    """Matrix times vector over the last axes: ``a @ b[..., None]``, squeezed.

    Args:
        a: Tensor of shape ``[..., M, N]``.
        b: Tensor of shape ``[..., N]``.
        transpose_a, adjoint_a: (Conjugate-)transpose ``a`` first.
        a_is_sparse, b_is_sparse, name: Ignored (TensorFlow compatibility).

    Returns:
        Tensor of shape ``[..., M]``.

    >>> import tapegrad as tg
    >>> tg.linalg.matvec(tg.eye(2), tg.constant([1.0, 2.0])).numpy().tolist()
    [1.0, 2.0]
    """

    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    if b.ndim < 1:
        raise InvalidArgumentError(f"matvec: b must be a vector (rank >= 1), got shape {b.shape}.")
    out = matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a)
    return squeeze(out, -1)


# ---------------------------------------------------------------------------------
# diag, diag_part, trace
# ---------------------------------------------------------------------------------
def _diag_part_impl(x, k):
    if not isinstance(x, (np.ndarray, np.generic)):  # the standard's linalg.diagonal
        return namespace(x).linalg.diagonal(x, offset=k)
    return np.diagonal(x, offset=k, axis1=-2, axis2=-1).copy()


matrix_diag_part_p: Primitive = linear(
    "matrix_diag_part",
    _diag_part_impl,
    vjps=(lambda g, ans, x, k: matrix_diag_p.bind(g, k=k, shape=tuple(x.shape[-2:])),),
)


def _diag_impl(d, k, shape):
    rows, cols = shape
    if not isinstance(d, (np.ndarray, np.generic)):  # (no writes: one-hot placement matrices)
        xp = namespace(d)
        i, r, c = (xp.arange(n, device=device_of(d)) for n in (d.shape[-1], rows, cols))
        place_rows = xp.astype(r[:, None] == (i + max(-k, 0))[None, :], d.dtype)
        place_cols = xp.astype((i + max(k, 0))[:, None] == c[None, :], d.dtype)
        return xp.matmul(place_rows * d[..., None, :], place_cols)
    out = np.zeros(d.shape[:-1] + (rows, cols), dtype=d.dtype)
    i = np.arange(d.shape[-1])
    out[..., i + max(-k, 0), i + max(k, 0)] = d
    return out


matrix_diag_p: Primitive = linear(
    "matrix_diag",
    _diag_impl,
    vjps=(lambda g, ans, d, k, shape: matrix_diag_part_p.bind(g, k=k),),
)


def _single_k(k: Any, op: str) -> int:
    if isinstance(k, Tensor):
        k = read_values(k).tolist()
    if isinstance(k, np.ndarray):
        k = k.tolist()
    if isinstance(k, (list, tuple)):
        if len(k) == 2 and int(k[0]) == int(k[1]):
            return int(k[0])
        if len(k) == 1:
            return int(k[0])
        raise NotImplementedError(
            f"{op}: k={list(k)} names a band of diagonals; tapegrad supports one diagonal "
            "(an int k, or a pair with k[0] == k[1])."
        )
    try:
        return int(k)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: k must be an integer, got {k!r}.") from None


def diag(
    diagonal: Any,
    name: Any = "diag",
    k: Any = 0,
    num_rows: int = -1,
    num_cols: int = -1,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """Batched diagonal matrices from vectors (``tf.linalg.diag``).

    Args:
        diagonal: Tensor of shape ``[..., L]``: the values of diagonal ``k``.
        name: Ignored.
        k: Which diagonal (0 main, > 0 above, < 0 below). One diagonal only.
        num_rows, num_cols: Output size. When both are -1 the output is square,
            ``L + |k|``; when one is -1 it is the smallest that fits.
        padding_value: Value of the entries off the diagonal.
        align: Accepted for compatibility (irrelevant for a single diagonal).

    Returns:
        Tensor of shape ``[..., num_rows, num_cols]``.

    >>> import tapegrad as tg
    >>> tg.linalg.diag(tg.constant([1.0, 2.0])).numpy().tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    d = convert_to_tensor(diagonal)
    if d.ndim < 1:
        raise InvalidArgumentError(f"diag: diagonal must have rank >= 1, got shape {d.shape}.")
    k = _single_k(k, "diag")
    length = d.shape[-1]
    rows = -1 if num_rows is None else int(num_rows)
    cols = -1 if num_cols is None else int(num_cols)
    if rows == -1 and cols == -1:  # TensorFlow: square, just big enough
        rows = cols = length + abs(k)
    elif rows == -1:
        rows = length + max(-k, 0)
    elif cols == -1:
        cols = length + max(k, 0)
    if min(rows - max(-k, 0), cols - max(k, 0)) != length:
        raise InvalidArgumentError(
            f"diag: num_rows={rows} and num_cols={cols} do not fit diagonal k={k} of length "
            f"{length} (shape {d.shape}): the diagonal must fill the matrix exactly."
        )
    out = matrix_diag_p.bind(d, k=k, shape=(rows, cols))
    pad = np.asarray(padding_value.numpy() if isinstance(padding_value, Tensor) else padding_value)
    if np.any(pad != 0):
        on = _diag_impl(np.ones((length,), dtype=np.float64), k, (rows, cols))
        out = out + _const(pad * (1 - on), d.dtype)
    return out


def diag_part(
    input: Any,
    name: Any = "diag_part",
    k: Any = 0,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """The ``k``-th diagonal of each matrix (``tf.linalg.diag_part``).

    Args:
        input: Tensor of shape ``[..., M, N]``.
        name: Ignored.
        k: Which diagonal (0 main, > 0 above, < 0 below). One diagonal only.
        padding_value, align: Accepted for compatibility (unused for one diagonal).

    Returns:
        Tensor of shape ``[..., L]``.

    >>> import tapegrad as tg
    >>> tg.linalg.diag_part(tg.reshape(tg.range(9.0), [3, 3])).numpy().tolist()
    [0.0, 4.0, 8.0]
    """
    x = convert_to_tensor(input)
    if x.ndim < 2:
        raise InvalidArgumentError(f"diag_part: input must have rank >= 2, got shape {x.shape}.")
    k = _single_k(k, "diag_part")
    m, n = x.shape[-2:]
    if not -m <= k <= n:
        raise InvalidArgumentError(
            f"diag_part: k={k} is out of range for matrices of shape {x.shape[-2:]} (valid: "
            f"{-m} to {n})."
        )
    return matrix_diag_part_p.bind(x, k=k)


def trace(x: Any, name: Any = None) -> Tensor:
    """Sum of the main diagonal of each matrix (``tf.linalg.trace``).

    Args:
        x: Tensor of shape ``[..., M, N]``.
        name: Ignored.

    Returns:
        Tensor of shape ``[...]``.

    >>> import tapegrad as tg
    >>> float(tg.linalg.trace(tg.reshape(tg.range(9.0), [3, 3])))
    12.0
    """

    x = convert_to_tensor(x)
    if x.ndim < 2:
        raise InvalidArgumentError(f"trace: x must have rank >= 2, got shape {x.shape}.")
    return reduce_sum_p.bind(matrix_diag_part_p.bind(x, k=0), axis=(-1,), keepdims=False)


def _mm(a: Tensor, b: Tensor) -> Tensor:
    return matmul_p.bind(a, b)


def _diag_mat(v: Tensor) -> Tensor:
    n = v.shape[-1]
    return matrix_diag_p.bind(v, k=0, shape=(n, n))


def _diag_vec(x: Tensor) -> Tensor:
    return matrix_diag_part_p.bind(x, k=0)


def _cols(x: Tensor, start: int, stop: int) -> Tensor:
    """``x[..., :, start:stop]`` as a matmul with a constant selector (linear, batchable)."""
    n = x.shape[-1]
    if start == 0 and stop == n:
        return x
    return _mm(x, _const(np.eye(n)[:, start:stop], x.dtype))


def _join_cols(a: Tensor, b: Tensor) -> Tensor:
    """``concat([a, b], axis=-1)`` as two matmuls with constant selectors."""
    p, q = a.shape[-1], b.shape[-1]
    eye = np.eye(p + q)
    return _mm(a, _const(eye[:p], a.dtype)) + _mm(b, _const(eye[p:], b.dtype))


# ---------------------------------------------------------------------------------
# einsum, tensordot
# ---------------------------------------------------------------------------------
_LETTERS = string.ascii_letters


def _einsum_impl(*xs, equation):
    if len(xs) == 1:
        out = np.einsum(equation, xs[0])
        if isinstance(out, np.ndarray) and not out.flags.owndata:
            out = out.copy()
        return out
    return np.einsum(equation, *xs, optimize=True)


def _split_equation(equation: str) -> tuple[list, str]:
    ins, out = equation.split("->")
    return ins.split(","), out


def _fresh_letters(used: str):
    return iter(c for c in _LETTERS if c not in used)


def _einsum_vjp_rule(i: int):
    def rule(g, ans, *xs, equation):
        ins, out = _split_equation(equation)
        used = set(equation)
        fresh = _fresh_letters("".join(used))
        k = lead(g, len(out))
        batch = "".join(next(fresh) for _ in range(k))
        operands, subs = [g], [batch + out]
        for j, x in enumerate(xs):
            if j != i:
                operands.append(_conj(x))
                subs.append(ins[j])
        available = set("".join(subs))
        target = list(ins[i])
        seen: set = set()
        for pos, c in enumerate(target):
            size = xs[i].shape[pos]
            if c in seen:  # repeated label (a diagonal): a fresh label tied by an identity
                new = next(fresh)
                target[pos] = new
                operands.append(_const(np.eye(size), g.dtype))
                subs.append(c + new)
                continue
            seen.add(c)
            if c not in available:  # summed in the forward: broadcast back with ones
                operands.append(_const(np.ones(size), g.dtype))
                subs.append(c)
                available.add(c)
        eq = ",".join(subs) + "->" + batch + "".join(target)
        return einsum_p.bind(*operands, equation=eq)

    return rule


def _einsum_jvp_rule(i: int):
    def rule(t, ans, *xs, equation):
        ins, out = _split_equation(equation)
        fresh = _fresh_letters(equation)
        batch = "".join(next(fresh) for _ in range(lead(t, xs[i].ndim)))
        subs = list(ins)
        subs[i] = batch + ins[i]
        operands = list(xs)
        operands[i] = t
        return einsum_p.bind(*operands, equation=",".join(subs) + "->" + batch + out)

    return rule


einsum_p: Primitive = Primitive(
    "einsum",
    _einsum_impl,
    vjps=tuple(_einsum_vjp_rule(i) for i in range(len(_LETTERS))),
    jvps=tuple(_einsum_jvp_rule(i) for i in range(len(_LETTERS))),
    # operand i's rule reads the other operands (and only the shape of operand i)
    reads=tuple(tuple(j for j in range(len(_LETTERS)) if j != i) for i in range(len(_LETTERS))),
    dtypes="fciu",
)


def _parse_einsum(equation: str, shapes: list) -> str:
    """Validate ``equation`` against ``shapes``; return it explicit, without ellipses."""
    eq = "".join(equation.split())
    if not isinstance(equation, str) or eq.count("->") > 1:
        raise InvalidArgumentError(f"einsum: malformed equation {equation!r}.")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise InvalidArgumentError(
            f"einsum: equation {equation!r} names {len(terms)} operand(s) but "
            f"{len(shapes)} were given (shapes {shapes})."
        )
    for term in terms + ([rhs] if arrow else []):
        rest = term.replace("...", "", 1)
        bad = [c for c in rest if c not in _LETTERS]
        if bad:
            raise InvalidArgumentError(
                f"einsum: invalid character {bad[0]!r} in equation {equation!r}; use letters "
                "a-z, A-Z and at most one '...' per term."
            )
    used = "".join(c for c in eq if c in _LETTERS)
    ell_ranks = []
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." in term:
            if len(shape) < named:
                raise InvalidArgumentError(
                    f"einsum: operand of shape {shape} has rank {len(shape)}, fewer than the "
                    f"{named} labels of {term!r} in {equation!r}."
                )
            ell_ranks.append(len(shape) - named)
        else:
            if len(shape) != named:
                raise InvalidArgumentError(
                    f"einsum: operand of shape {shape} has rank {len(shape)}, but {term!r} in "
                    f"{equation!r} has {named} labels."
                )
            ell_ranks.append(0)
    n_ell = max(ell_ranks, default=0)
    fresh = _fresh_letters(used)
    ell_letters = "".join(next(fresh) for _ in range(n_ell))
    if len(ell_letters) < n_ell:
        raise InvalidArgumentError(f"einsum: too many dimensions for equation {equation!r}.")
    explicit = []
    for term, r in zip(terms, ell_ranks):
        explicit.append(term.replace("...", ell_letters[n_ell - r:] if r else ""))
    # Sizes: named labels must agree exactly; ellipsis labels broadcast (1 or equal).
    sizes: dict = {}
    for term, shape in zip(explicit, shapes):
        for c, d in zip(term, shape):
            if c in ell_letters:
                prev = sizes.get(c, 1)
                if prev != d and 1 not in (prev, d):
                    raise InvalidArgumentError(
                        f"einsum: the '...' dimensions of the operands (shapes {shapes}) do not "
                        f"broadcast in {equation!r}."
                    )
                sizes[c] = max(prev, d) if 1 in (prev, d) else d
            elif c in sizes and sizes[c] != d:
                raise InvalidArgumentError(
                    f"einsum: label {c!r} has size {sizes[c]} in one place and {d} in another "
                    f"in {equation!r} (operand shapes {shapes})."
                )
            else:
                sizes[c] = d
    if arrow:
        if "..." in rhs:
            out = rhs.replace("...", ell_letters)
        elif n_ell and any(sizes[c] != 1 for c in ell_letters):
            raise InvalidArgumentError(
                f"einsum: the operands have '...' dimensions but the output {rhs!r} of "
                f"{equation!r} has no '...'."
            )
        else:
            out = rhs
        for c in out:
            if c not in sizes:
                raise InvalidArgumentError(
                    f"einsum: output label {c!r} of {equation!r} appears in no operand."
                )
        if len(set(out)) != len(out):
            raise InvalidArgumentError(f"einsum: output of {equation!r} repeats a label.")
    else:
        counts: dict = {}
        for term in terms:
            for c in term.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    return ",".join(explicit) + "->" + out


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """Einstein summation (``tf.einsum``), with ``...`` for broadcast batch dimensions.

    The gradient with respect to each operand is another einsum (repeated labels
    and summed labels handled with identity and ones operands), so it works to
    any order.

    Args:
        equation: Subscripts such as ``"ij,jk->ik"``, ``"...ij,...jk"`` or ``"ii"``;
            without ``->`` the output holds the labels used once, sorted.
        *inputs: The operands (one per comma-separated term).
        **kwargs: ``name`` and ``optimize`` are accepted and ignored.

    Returns:
        The contracted tensor.

    >>> import tapegrad as tg
    >>> tg.einsum("ij,jk->ik", tg.ones((2, 3)), tg.ones((3, 4))).shape
    TensorShape([2, 4])
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(unknown)}.")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {type(equation).__name__}.")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)) and inputs[0] and all(
        isinstance(v, Tensor) for v in inputs[0]
    ):
        inputs = tuple(inputs[0])
    if not inputs:
        raise InvalidArgumentError("einsum: no operands given.")
    tensors = []
    hint = next((v.dtype for v in inputs if isinstance(v, Tensor)), None)
    for v in inputs:
        tensors.append(convert_to_tensor(v, dtype_hint=hint))
    explicit = _parse_einsum(equation, [t.shape for t in tensors])
    return einsum_p.bind(*tensors, equation=explicit)


def _axes_list(axes: Any) -> Any:
    if isinstance(axes, Tensor):
        axes = read_values(axes)
    if isinstance(axes, np.ndarray):
        axes = axes.tolist()
    return axes


def tensordot(a: Any, b: Any, axes: Any, name: Any = None) -> Tensor:
    """Contract ``a`` and ``b`` over the given axes (``tf.tensordot``).

    Args:
        a: Tensor.
        b: Tensor of the same dtype.
        axes: An int ``N`` (the last ``N`` axes of ``a`` with the first ``N`` of
            ``b``) or a pair ``[a_axes, b_axes]`` of equal-length lists (or ints).
        name: Ignored.

    Returns:
        Tensor with the free axes of ``a`` followed by the free axes of ``b``.

    >>> import tapegrad as tg
    >>> tg.tensordot(tg.ones((2, 3, 4)), tg.ones((4, 3, 5)), axes=[[1, 2], [1, 0]]).shape
    TensorShape([2, 5])
    """
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    axes = _axes_list(axes)
    if isinstance(axes, (int, np.integer)):
        count = int(axes)
        if count < 0 or count > a.ndim or count > b.ndim:
            raise InvalidArgumentError(
                f"tensordot: axes={count} must be between 0 and the ranks of a {a.shape} and "
                f"b {b.shape}."
            )
        a_axes: Any = list(range(a.ndim - count, a.ndim))
        b_axes: Any = list(range(count))
    elif isinstance(axes, (list, tuple)) and len(axes) == 2:
        a_axes, b_axes = (_axes_list(x) for x in axes)
        a_axes = [a_axes] if isinstance(a_axes, (int, np.integer)) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, (int, np.integer)) else list(b_axes)
        if len(a_axes) != len(b_axes):
            raise InvalidArgumentError(
                f"tensordot: axes {a_axes} of a and {b_axes} of b must have the same length."
            )
    else:
        raise InvalidArgumentError(
            f"tensordot: axes must be an int or a pair of lists [a_axes, b_axes], got {axes!r}."
        )

    def positive(ax_list, x, which):
        out = []
        for ax in ax_list:
            ax = int(ax)
            if not -x.ndim <= ax < x.ndim:
                raise InvalidArgumentError(
                    f"tensordot: axis {ax} is out of range for {which} of shape {x.shape}."
                )
            out.append(ax % x.ndim)
        if len(set(out)) != len(out):
            raise InvalidArgumentError(f"tensordot: axes {ax_list} of {which} repeat an axis.")
        return out

    a_axes = positive(a_axes, a, "a")
    b_axes = positive(b_axes, b, "b")
    for i, j in zip(a_axes, b_axes):
        if a.shape[i] != b.shape[j]:
            raise InvalidArgumentError(
                f"tensordot: cannot contract axis {i} of a (shape {a.shape}, size {a.shape[i]}) "
                f"with axis {j} of b (shape {b.shape}, size {b.shape[j]})."
            )
    if a.ndim + b.ndim - len(a_axes) > len(_LETTERS):
        raise InvalidArgumentError("tensordot: too many dimensions.")
    a_sub = list(_LETTERS[: a.ndim])
    fresh = iter(_LETTERS[a.ndim:])
    b_sub: list = [None] * b.ndim
    for i, j in zip(a_axes, b_axes):
        b_sub[j] = a_sub[i]
    b_sub = [c if c is not None else next(fresh) for c in b_sub]
    out = [c for i, c in enumerate(a_sub) if i not in a_axes]
    out += [c for j, c in enumerate(b_sub) if j not in b_axes]
    eq = "".join(a_sub) + "," + "".join(b_sub) + "->" + "".join(out)
    return einsum_p.bind(a, b, equation=eq)
