"""The SciPy bridge: ``scipy.optimize`` with exact derivatives from tapegrad.

``minimize``, ``least_squares`` and ``root`` take the arguments of their SciPy
namesakes, with two differences: ``x0`` may be a nest (list, tuple, dict) of
arrays, tensors and Variables, and the derivatives the method can use are
computed by tapegrad unless you pass your own:

* ``minimize``: the gradient (``jac``) for every method that takes one, with
  the value from the same call (one forward and one reverse sweep per point);
  Hessian-vector products (``hessp``, forward-over-reverse: a
  ``ForwardAccumulator`` around a ``GradientTape``) for Newton-CG, trust-ncg,
  trust-krylov and trust-constr; the full Hessian (one batched
  forward-over-reverse sweep) for dogleg and trust-exact, which need it.
* ``least_squares``: the Jacobian of the residuals from one batched reverse
  sweep (``GradientTape.jacobian``).
* ``root``: the Jacobian with the value, for hybr and lm.

SciPy works on one flat float64 vector; the bridge flattens ``x0``, calls
``fun`` with the caller's structure rebuilt (leaves as tensors in their own
dtype; a Variable leaf is assigned the candidate point and passed itself, so
``fun`` may also close over it), and restores the result: ``res.x`` has the
structure of ``x0`` with NumPy arrays as leaves, and Variables in ``x0`` hold
the solution afterwards. ``fun`` may be any function of tensors, a
``tapegrad.function`` included. Use float64 leaves: SciPy's line searches
and tolerances assume double precision.

Besides SciPy's own counts (``nfev``, ``njev``, ...), the result carries
``evaluations``: how many gradients (``grad``, each with its value),
Hessian-vector products, Hessians and Jacobians tapegrad computed, and how
many times ``fun`` ran in all (``fun``: each derivative runs it once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.optimize

from ._core import nest
from ._core.tensor import Tensor, convert_to_tensor
from ._core.variable import Variable
from .forward_mode import ForwardAccumulator
from .function import Function, function
from .ops.shape import concat, reshape
from .tape import GradientTape

__all__ = ["minimize", "least_squares", "root"]

_TAKE_JAC = {"cg", "bfgs", "newton-cg", "l-bfgs-b", "tnc", "slsqp", "dogleg", "trust-ncg",
             "trust-krylov", "trust-exact", "trust-constr"}
_TAKE_HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
_NEED_HESS = {"dogleg", "trust-exact"}
_ROOT_TAKE_JAC = {"hybr", "lm"}


class _Problem:
    """``x0`` flattened: one float64 vector for SciPy, the caller's nest for ``fun``."""

    def __init__(self, name: str, fun: Callable, x0: Any, args: tuple):
        if not callable(fun):
            raise TypeError(f"tapegrad.optimize.{name}: fun must be callable, got "
                            f"{type(fun).__name__}.")
        self.name, self.fun, self.args = name, fun, tuple(args)
        leaves, self.treedef = nest.flatten(x0)
        if not leaves:
            raise ValueError(f"tapegrad.optimize.{name}: x0 holds no arrays; give the starting "
                             "point as an array, a tensor, a Variable, or a nest of them.")
        self.leaves: list = []  # Variables as given; other leaves as float arrays
        for i, leaf in enumerate(leaves):
            if isinstance(leaf, Variable):
                if leaf.dtype.kind != "f":
                    raise TypeError(f"tapegrad.optimize.{name}: Variable {leaf.name} (x0 leaf "
                                    f"{i}) has dtype {leaf.dtype.name}; it must be floating.")
                self.leaves.append(leaf)
                continue
            value = np.asarray(leaf.numpy() if isinstance(leaf, Tensor) else leaf)
            if value.dtype.kind not in "fc":
                if value.dtype.kind not in "biu":
                    raise TypeError(
                        f"tapegrad.optimize.{name}: x0 leaf {i} has dtype {value.dtype}; give "
                        "numbers (float arrays, tensors or Variables).")
                value = value.astype(np.float64)
            if value.dtype.kind == "c":
                raise TypeError(
                    f"tapegrad.optimize.{name}: x0 leaf {i} is complex ({value.dtype}); SciPy "
                    "optimizes real vectors: split it into real and imaginary parts.")
            self.leaves.append(value)
        self.shapes = [tuple(leaf.shape) for leaf in self.leaves]
        self.sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.offsets = np.cumsum([0] + self.sizes)
        self.size = int(self.offsets[-1])
        self.evaluations = {"fun": 0, "grad": 0, "hessp": 0, "hess": 0, "jac": 0}
        # A compiled objective gets a compiled gradient: value and gradient traced once into
        # one program (Variables in x0 are assigned from outside, so those stay eager).
        self.compiled = isinstance(fun, Function) and not any(
            isinstance(leaf, Variable) for leaf in self.leaves)
        self._grads = function(self._value_and_grads) if self.compiled else self._value_and_grads

    def flat(self) -> np.ndarray:
        """The starting point as SciPy's float64 vector."""
        parts = [np.asarray(leaf.numpy() if isinstance(leaf, Variable) else leaf, np.float64)
                 for leaf in self.leaves]
        return np.concatenate([p.reshape(-1) for p in parts])

    def _pieces(self, x: np.ndarray) -> list:
        x = np.asarray(x, np.float64).reshape(-1)
        return [x[a:b].reshape(s) for a, b, s in zip(self.offsets[:-1], self.offsets[1:],
                                                     self.shapes)]

    def point(self, x: np.ndarray) -> list:
        """Tensors at ``x`` in each leaf's dtype; Variables are assigned ``x`` and returned."""
        out = []
        for leaf, piece in zip(self.leaves, self._pieces(x)):
            if isinstance(leaf, Variable):
                leaf.assign(piece.astype(leaf.dtype))
                out.append(leaf)
            else:
                out.append(convert_to_tensor(piece.astype(leaf.dtype)))
        return out

    def call(self, leaves: list) -> Any:
        return self.fun(nest.unflatten(self.treedef, leaves), *self.args)

    def _count(self, *kinds: str) -> None:
        for kind in ("fun",) + kinds:
            self.evaluations[kind] += 1

    def vector(self, parts: list) -> np.ndarray:
        """Per-leaf values (tensors, arrays; None counts as zeros) as one float64 vector."""
        out = np.zeros(self.size)
        for part, a, b in zip(parts, self.offsets[:-1], self.offsets[1:]):
            if part is not None:
                out[a:b] = np.asarray(convert_to_tensor(part).numpy(), np.float64).reshape(-1)
        return out

    def restore(self, x: np.ndarray) -> Any:
        """``x`` in the structure of ``x0`` (NumPy leaves); Variables are assigned it."""
        pieces = self._pieces(x)
        for leaf, piece in zip(self.leaves, pieces):
            if isinstance(leaf, Variable):
                leaf.assign(piece.astype(leaf.dtype))
        leaves = [p.astype(leaf.dtype) for p, leaf in zip(pieces, self.leaves)]
        return nest.unflatten(self.treedef, leaves)

    # -- derivatives --------------------------------------------------------------
    def value(self, x: np.ndarray) -> float:
        self._count()
        return self._scalar(self.call(self.point(x)))

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        self._count("grad")
        value, grads = self._grads(self.point(x))
        return self._scalar(value), self.vector(grads)

    def _value_and_grads(self, leaves: list) -> tuple[Tensor, list]:
        with GradientTape() as tape:
            tape.watch(leaves)
            value = convert_to_tensor(self.call(leaves))
            self._check_scalar(value)
        return value, tape.gradient(value, leaves, unconnected_gradients="zero")

    def hessp(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        leaves = self.point(x)
        tangents = [convert_to_tensor(t.astype(leaf.dtype))
                    for t, leaf in zip(self._pieces(p), leaves)]
        self._count("hessp")
        with ForwardAccumulator(leaves, tangents) as acc:
            _, grads = self._value_and_grads(leaves)
        return self.vector(acc.jvp(grads, unconnected_gradients="zero"))

    def hess(self, x: np.ndarray) -> np.ndarray:
        leaves = self.point(x)
        eye = np.eye(self.size)
        tangents = [convert_to_tensor(eye[:, a:b].reshape((self.size,) + s).astype(leaf.dtype))
                    for a, b, s, leaf in zip(self.offsets[:-1], self.offsets[1:], self.shapes,
                                             leaves)]
        self._count("hess")
        with ForwardAccumulator(leaves, tangents, batch_ndim=1) as acc:  # all columns at once
            _, grads = self._value_and_grads(leaves)
        columns = acc.jvp(grads, unconnected_gradients="zero")  # each (n,) + leaf shape
        return np.concatenate([np.asarray(c.numpy(), np.float64).reshape(self.size, -1)
                               for c in columns], axis=1)

    def residuals(self, x: np.ndarray) -> np.ndarray:
        self._count()
        return self._flat_output(self.call(self.point(x)))

    def residuals_and_jacobian(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._count("jac")
        leaves = self.point(x)
        with GradientTape() as tape:
            tape.watch(leaves)
            flat_out = nest.flatten(self.call(leaves))[0]
            outs = [reshape(convert_to_tensor(o), (-1,)) for o in flat_out]
            target = outs[0] if len(outs) == 1 else concat(outs, 0)
        blocks = tape.jacobian(target, leaves, unconnected_gradients="zero")  # one batched sweep
        m = int(target.shape[0])
        jac = np.concatenate([np.asarray(b.numpy(), np.float64).reshape(m, -1) for b in blocks],
                             axis=1)
        return np.asarray(target.numpy(), np.float64), jac

    def _flat_output(self, out: Any) -> np.ndarray:
        parts = [np.asarray(convert_to_tensor(o).numpy(), np.float64).reshape(-1)
                 for o in nest.flatten(out)[0]]
        if not parts:
            raise ValueError(f"tapegrad.optimize.{self.name}: fun returned no values.")
        return np.concatenate(parts)

    def _scalar(self, value: Any) -> float:
        value = convert_to_tensor(value)
        self._check_scalar(value)
        return float(np.asarray(value.numpy()).reshape(()))

    def _check_scalar(self, value: Tensor) -> None:
        if value.shape != () and value.shape != (1,):
            raise ValueError(
                f"tapegrad.optimize.{self.name}: fun must return a scalar, got shape "
                f"{tuple(value.shape)} (dtype {value.dtype.name}). Reduce it (tapegrad."
                "reduce_sum) or use tapegrad.optimize.least_squares for residual vectors.")

    def result(self, res: Any) -> Any:
        res.x = self.restore(res.x)
        res.evaluations = dict(self.evaluations)
        return res


def _default_method(kwargs: dict) -> str:
    """SciPy's choice when ``method`` is None."""
    if kwargs.get("constraints"):
        return "slsqp"
    return "l-bfgs-b" if kwargs.get("bounds") is not None else "bfgs"


def minimize(fun: Callable, x0: Any, args: tuple = (), method: str | None = None,
             jac: Any = None, hess: Any = None, hessp: Any = None, **kwargs: Any) -> Any:
    """Minimize a scalar function with ``scipy.optimize.minimize`` and exact derivatives.

    Args:
        fun: ``fun(x, *args)`` returning a scalar; ``x`` has the structure of
            ``x0`` with tensors (or the Variables of ``x0``) as leaves.
        x0: Starting point: an array, tensor or Variable, or a nest of them.
        args: Extra positional arguments for ``fun``.
        method: Any method of ``scipy.optimize.minimize`` (default: SciPy's).
        jac, hess, hessp: None (the default) lets tapegrad provide what
            ``method`` takes; anything else goes to SciPy unchanged (it then
            works on the flat float64 vector, as do ``bounds`` and ``callback``).
        **kwargs: Passed to ``scipy.optimize.minimize`` (``tol``, ``options``,
            ``bounds``, ``constraints``, ``callback``).

    Returns:
        SciPy's ``OptimizeResult`` with ``x`` in the structure of ``x0`` (NumPy
        leaves) and ``evaluations``, the number of calls of ``fun`` and of each
        derivative. Variables in ``x0`` are assigned the solution.

    >>> import numpy as np
    >>> import tapegrad as tg
    >>> from tapegrad.optimize import minimize
    >>> rosen = lambda x: tg.reduce_sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> res = minimize(rosen, np.zeros(3), method="trust-ncg")
    >>> np.round(res.x, 6).tolist(), res.success
    ([1.0, 1.0, 1.0], True)
    """
    problem = _Problem("minimize", fun, x0, args)
    chosen = (method or _default_method(kwargs)).lower()
    target: Callable
    if jac is None and chosen in _TAKE_JAC:
        target, jac = problem.value_and_grad, True  # value and gradient from one sweep
    else:
        target = problem.value
    if hess is None and hessp is None:
        if chosen in _NEED_HESS:
            hess = problem.hess
        elif chosen in _TAKE_HESSP:
            hessp = problem.hessp
    res = scipy.optimize.minimize(target, problem.flat(), args=(), method=method, jac=jac,
                                  hess=hess, hessp=hessp, **kwargs)
    return problem.result(res)


def least_squares(fun: Callable, x0: Any, jac: Any = None, args: tuple = (),
                  **kwargs: Any) -> Any:
    """Solve a nonlinear least-squares problem with ``scipy.optimize.least_squares``.

    The Jacobian of the residuals comes from one batched reverse sweep
    (``GradientTape.jacobian``), not one sweep per residual.

    Args:
        fun: ``fun(x, *args)`` returning the residuals: a tensor of any shape
            (flattened), or a nest of them (concatenated).
        x0: Starting point: an array, tensor or Variable, or a nest of them.
        jac: None for tapegrad's Jacobian; anything else goes to SciPy unchanged.
        args: Extra positional arguments for ``fun``.
        **kwargs: Passed to ``scipy.optimize.least_squares`` (``method``,
            ``bounds``, ``loss``, ``x_scale``, ...).

    Returns:
        SciPy's ``OptimizeResult``, ``x`` in the structure of ``x0``, with
        ``evaluations``. Variables in ``x0`` are assigned the solution.

    >>> import numpy as np
    >>> import tapegrad as tg
    >>> from tapegrad.optimize import least_squares
    >>> t = np.linspace(0.0, 1.0, 20)
    >>> y = 2.0 * np.exp(-1.5 * t)
    >>> res = least_squares(lambda p: p["a"] * tg.exp(p["k"] * t) - y, {"a": 1.0, "k": 0.0})
    >>> {k: round(float(v), 6) for k, v in res.x.items()}
    {'a': 2.0, 'k': -1.5}
    """
    problem = _Problem("least_squares", fun, x0, args)
    if jac is None:
        jac = lambda x: problem.residuals_and_jacobian(x)[1]  # noqa: E731
    res = scipy.optimize.least_squares(problem.residuals, problem.flat(), jac=jac, **kwargs)
    return problem.result(res)


def root(fun: Callable, x0: Any, args: tuple = (), method: str = "hybr", jac: Any = None,
         **kwargs: Any) -> Any:
    """Find a root of a vector function with ``scipy.optimize.root``.

    For ``hybr`` and ``lm`` the Jacobian (one batched reverse sweep) comes
    with each value; the other methods (Broyden, Krylov, ...) take no
    Jacobian.

    Args:
        fun: ``fun(x, *args)`` returning as many values as ``x`` has (any
            shape or nest, flattened).
        x0: Starting point: an array, tensor or Variable, or a nest of them.
        args: Extra positional arguments for ``fun``.
        method: A method of ``scipy.optimize.root``.
        jac: None for tapegrad's Jacobian; anything else goes to SciPy unchanged.
        **kwargs: Passed to ``scipy.optimize.root`` (``tol``, ``options``).

    Returns:
        SciPy's ``OptimizeResult``, ``x`` in the structure of ``x0``, with
        ``evaluations``. Variables in ``x0`` are assigned the solution.

    >>> import numpy as np
    >>> import tapegrad as tg
    >>> from tapegrad.optimize import root
    >>> res = root(lambda x: tg.stack([x[0] ** 2 + x[1] ** 2 - 4.0, x[0] - x[1]]), [1.0, 0.5])
    >>> np.round(res.x, 6).tolist()
    [1.414214, 1.414214]
    """
    problem = _Problem("root", fun, x0, args)
    target: Callable
    if jac is None and method.lower() in _ROOT_TAKE_JAC:
        target, jac = problem.residuals_and_jacobian, True
    else:
        target = problem.residuals
    res = scipy.optimize.root(target, problem.flat(), method=method, jac=jac, **kwargs)
    return problem.result(res)
