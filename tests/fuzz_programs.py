"""Random op programs for differential tests.

``generate(seed, index)`` builds one small program: 1-3 float64 inputs of random shapes, then
2-8 ops drawn from the table below (elementwise, reductions, shape and index ops, matmul and
einsum, softmax and friends, linear algebra, ``where``), each applied to earlier values with
random shapes, broadcasting and axes. The program is Python source written against TensorFlow's
API, which tapegrad mirrors: ``program.run(L, *inputs)`` runs the same lines with ``L`` set to
``tapegrad`` or to ``tensorflow``, and ``str(program)`` prints them, with every value's shape,
as a runnable reproduction.

The builder runs each op as it goes, on the actual values, and keeps an op only where its
inputs stay away from domain edges and kinks (positive inputs for log and sqrt, no ties for
max and sort, no points near a kink of abs or relu, well-conditioned matrices, ...), so a
difference found on a program is a real bug, not a finite-difference artefact.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import tapegrad as tg

MAX_SIZE = 24  # elements in any value: keeps Jacobians and finite differences cheap
BOUND = 30.0  # largest magnitude a value may reach
MARGIN = 0.05  # distance kept from kinks, ties and domain edges


class Reject(Exception):
    """The op does not fit the values at hand; the builder tries another."""


@dataclass
class Value:
    """A named value of the program, with its array (computed while building)."""

    name: str
    array: np.ndarray

    def __str__(self) -> str:
        return self.name

    @property
    def shape(self) -> tuple:
        return self.array.shape

    @property
    def rank(self) -> int:
        return self.array.ndim


@dataclass
class Program:
    """Inputs and source lines of one generated program."""

    seed: int
    index: int
    inputs: list[Value]
    lines: list[str]  # "v3 = L.exp(v2)  # (2, 3)"
    output: str
    variables: bool  # inputs are Variables (else watched tensors)
    ops: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The inputs' and then every op result's name, in program order."""
        targets = [line.split(" = ", 1)[0] for line in self.lines]
        return [x.name for x in self.inputs] + [
            n.strip() for t in targets for n in t.split(",") if n.strip()
        ]

    def _source(self, result: str) -> str:
        args = ", ".join(x.name for x in self.inputs)
        body = "".join(f"    {line}\n" for line in self.lines)
        return f"def program(L, {args}):\n{body}    return {result}\n"

    @property
    def source(self) -> str:
        return self._source(self.output)

    def _compiled(self, result: str) -> Callable:
        namespace: dict = {}
        exec(
            compile(self._source(result), f"<program {self.seed}/{self.index}>", "exec"), namespace
        )
        return namespace["program"]

    @functools.cached_property
    def _run(self) -> Callable:
        return self._compiled(self.output)

    @functools.cached_property
    def _values(self) -> Callable:
        return self._compiled("{" + ", ".join(f"{n!r}: {n}" for n in self.names) + "}")

    def run(self, L, *inputs):
        """The program's output, computed by ``L`` (tapegrad or tensorflow)."""
        return self._run(L, *inputs)

    def values(self, L, *inputs) -> dict:
        """Every value of the program by name: its inputs, then each op's results."""
        return self._values(L, *inputs)

    def __str__(self) -> str:
        shapes = ", ".join(f"{x.name}: {x.shape}" for x in self.inputs)
        values = "".join(f"{x.name} = np.array({x.array.tolist()!r})\n" for x in self.inputs)
        kind = "Variables" if self.variables else "watched tensors"
        return (
            f"program {self.index} of seed {self.seed} (fuzz_programs.generate({self.seed}, "
            f"{self.index})): inputs {shapes} as {kind}; ops {', '.join(self.ops)}\n"
            f"{values}{self.source}"
        )


# ----------------------------------------------------------------------------------------------
# Conditions on values
# ----------------------------------------------------------------------------------------------


def away(a, *points, margin=MARGIN) -> bool:
    """Every element is farther than ``margin`` from each point."""
    return all(np.all(np.abs(np.asarray(a) - p) > margin) for p in points)


def _last_axes(a, axis) -> np.ndarray:
    """``a`` with the axes in ``axis`` (None: all) flattened into one last axis."""
    a = np.asarray(a)
    if axis is None:
        return a.reshape(1, -1)
    axes = [k % a.ndim for k in np.atleast_1d(axis)]
    rest = [k for k in range(a.ndim) if k not in axes]
    moved = np.transpose(a, rest + axes)
    return moved.reshape(moved.shape[: len(rest)] + (-1,))


def distinct(a, axis=-1) -> bool:
    """Values along ``axis`` differ pairwise by more than the margin (sort, top_k)."""
    s = np.sort(_last_axes(a, axis), axis=-1)
    return s.shape[-1] < 2 or bool(np.all(np.diff(s, axis=-1) > MARGIN))


def unique_extreme(a, axis) -> bool:
    """The max and the min along ``axis`` are each unique by the margin (reduce_max/min)."""
    s = np.sort(_last_axes(a, axis), axis=-1)
    if s.shape[-1] < 2:
        return True
    return bool(np.all(s[..., -1] - s[..., -2] > MARGIN) and np.all(s[..., 1] - s[..., 0] > MARGIN))


def broadcastable(*shapes) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


def well_conditioned(a, limit=20.0) -> bool:
    return bool(np.all(np.linalg.cond(a) < limit))


# ----------------------------------------------------------------------------------------------
# The builder
# ----------------------------------------------------------------------------------------------


class Builder:
    """Grows one program: picks values, samples parameters, runs each op to check it fits."""

    def __init__(self, rng: np.random.Generator, max_inputs: int = 3):
        self.rng = rng
        self.max_inputs = max_inputs
        self.inputs: list[Value] = []
        self.pool: list[Value] = []
        self.lines: list[str] = []
        self.ops: list[str] = []
        self.pending: list[Value] = []  # inputs made for the op being built
        self.tensors: dict = {}  # name -> tapegrad Tensor, to run the next line on
        self.last: list[str] = []  # the names the last op defined
        self.used: set = set()  # names some op has read
        self.count = 0

    # Random choices
    def coin(self, p: float = 0.5) -> bool:
        return bool(self.rng.random() < p)

    def choice(self, options):
        options = list(options)
        return options[int(self.rng.integers(len(options)))]

    def integer(self, low: int, high: int) -> int:
        """A random integer in ``[low, high]``."""
        return int(self.rng.integers(low, high + 1))

    def require(self, condition) -> None:
        if not condition:
            raise Reject

    def axis(self, x: Value) -> int:
        """A valid axis of ``x``, negative half the time."""
        self.require(x.rank > 0)
        k = self.integer(0, x.rank - 1)
        return k - x.rank if self.coin() else k

    def axes(self, x: Value):
        """None, one axis, or a list of distinct axes of ``x``."""
        if x.rank == 0 or self.coin(0.25):
            return None
        if self.coin(0.5):
            return self.axis(x)
        chosen = sorted(self.rng.choice(x.rank, self.integer(1, x.rank), replace=False).tolist())
        return [int(k) - x.rank if self.coin(0.3) else int(k) for k in chosen]

    def shape(self, max_rank: int = 3) -> tuple:
        for _ in range(20):
            shape = tuple(self.integer(1, 4) for _ in range(self.integer(0, max_rank)))
            if int(np.prod(shape)) <= MAX_SIZE:
                return shape
        return (2,)

    # Values
    def new_input(self, shape: tuple, ok: Callable = lambda a: True) -> Value:
        """A fresh program input of ``shape`` whose values satisfy ``ok``."""
        self.require(len(self.inputs) + len(self.pending) < self.max_inputs)
        self.require(int(np.prod(shape)) <= MAX_SIZE)
        for _ in range(10):
            kind = self.integer(0, 2)
            if kind == 0:
                a = self.rng.uniform(0.5, 2.0, shape)
            elif kind == 1:
                a = self.rng.uniform(-0.9, 0.9, shape)
            else:
                a = self.rng.choice([-1.0, 1.0], shape) * self.rng.uniform(0.3, 2.0, shape)
            a = np.asarray(a, np.float64)
            if ok(a):
                value = Value(f"x{len(self.inputs) + len(self.pending)}", a)
                self.pending.append(value)
                return value
        raise Reject

    def pick(self, ok: Callable = lambda v: True, fresh: Callable | None = None) -> Value:
        """A value for an op: usually the newest one no op has used yet (so that ops compose),
        else any earlier one, or a fresh input made by ``fresh()``."""
        candidates = [v for v in self.pool if ok(v)]
        unused = [v for v in candidates if v.name not in self.used]
        if candidates and not (fresh is not None and self.coin(0.2)):
            return unused[-1] if unused and self.coin(0.7) else self.choice(candidates)
        self.require(fresh is not None)
        value = fresh()
        self.require(ok(value))
        return value

    def pick_array(self, ok: Callable = lambda a: True, min_rank: int = 0) -> Value:
        """A value whose array satisfies ``ok`` (a fresh input of a random shape if none does)."""
        return self.pick(
            lambda v: v.rank >= min_rank and ok(v.array),
            lambda: self.new_input(self.shape_of_rank(min_rank), ok),
        )

    def shape_of_rank(self, min_rank: int) -> tuple:
        for _ in range(20):
            shape = self.shape(max(3, min_rank))
            if len(shape) >= min_rank:
                return shape
        return (2,) * min_rank

    def partner(self, x: Value, ok: Callable = lambda a: True) -> Value:
        """A second operand that broadcasts against ``x`` (an earlier value or a fresh input)."""

        def fits(v):
            return v is not x and broadcastable(x.shape, v.shape) and ok(v.array)

        def fresh():
            shape = list(x.shape[self.integer(0, x.rank) :] if self.coin(0.3) else x.shape)
            shape = [1 if self.coin(0.25) else d for d in shape]
            if self.coin(0.15):
                shape = [self.integer(1, 2), *shape]
            return self.new_input(tuple(shape), ok)

        return self.pick(fits, fresh)

    def like(self, x: Value, shape: tuple) -> Value:
        """A value of exactly ``shape`` other than ``x`` (an earlier one or a fresh input)."""
        return self.pick(
            lambda v: v.shape == tuple(shape) and v is not x, lambda: self.new_input(tuple(shape))
        )

    # Growing the program
    def commit_inputs(self) -> None:
        for value in self.pending:
            self.inputs.append(value)
            self.pool.append(value)
            self.tensors[value.name] = tg.constant(value.array)
        self.pending = []

    def add(self, name: str, expression: str, outputs: int | None = None) -> None:
        """Run ``expression`` on the values so far and keep it if its results fit.

        ``outputs``: None for an op that returns one tensor, else how many tensors the list
        (or tuple) it returns holds.
        """
        count = 1 if outputs is None else outputs
        names = [f"v{self.count + k}" for k in range(count)]
        target = ", ".join(names) + ("," if outputs == 1 else "")
        line = f"{target} = {expression}"
        namespace = {"L": tg, **self.tensors}
        namespace.update((v.name, tg.constant(v.array)) for v in self.pending)
        with np.errstate(all="ignore"):  # a guarded branch not taken may be inf
            exec(line, namespace)
        results = [namespace[n] for n in names]
        for r in results:
            self.require(isinstance(r, tg.Tensor) and r.dtype == tg.float64)
            a = r.numpy()
            self.require(0 < a.size <= MAX_SIZE and np.all(np.abs(a) <= BOUND))
        self.commit_inputs()
        self.lines.append(f"{line}  # {', '.join(str(r.shape) for r in results)}")
        self.ops.append(name)
        for n, r in zip(names, results, strict=True):
            self.pool.append(Value(n, r.numpy()))
            self.tensors[n] = r
        self.last = names
        self.used.update(v.name for v in self.pool if re.search(rf"\b{v.name}\b", expression))
        self.count += count


# ----------------------------------------------------------------------------------------------
# The op table: name -> (weight, builder function). Each function picks its inputs, samples its
# parameters and calls ``b.add`` with the op's source, or raises Reject.
# ----------------------------------------------------------------------------------------------

OPS: dict[str, tuple[float, Callable[[Builder], None]]] = {}


def op(name: str, weight: float = 1.0):
    def register(f):
        OPS[name] = (weight, f)
        return f

    return register


def _positive(a):
    return np.all(a > 0.2)


def _unit(a):
    return np.all(np.abs(a) < 0.8)


# name: (source with {x}, condition on the input's values or None)
UNARY: dict[str, tuple[str, Callable | None]] = {
    "negative": ("L.negative({x})", None),
    "neg_operator": ("(-{x})", None),
    "square": ("L.square({x})", None),
    "pow_scalar": ("({x} ** 3)", None),
    "exp": ("L.exp({x})", lambda a: np.all(a < 2.5)),
    "expm1": ("L.math.expm1({x})", lambda a: np.all(a < 2.5)),
    "log": ("L.math.log({x})", _positive),
    "log1p": ("L.math.log1p({x})", lambda a: np.all(a > -0.8)),
    "sqrt": ("L.sqrt({x})", _positive),
    "rsqrt": ("L.math.rsqrt({x})", _positive),
    "reciprocal": ("L.math.reciprocal({x})", lambda a: away(a, 0.0, margin=0.2)),
    "sin": ("L.sin({x})", None),
    "cos": ("L.cos({x})", None),
    "tan": ("L.tan({x})", lambda a: np.all(np.abs(np.cos(a)) > 0.3)),
    "tanh": ("L.tanh({x})", None),
    "sinh": ("L.math.sinh({x})", lambda a: np.all(np.abs(a) < 3)),
    "cosh": ("L.math.cosh({x})", lambda a: np.all(np.abs(a) < 3)),
    "asin": ("L.math.asin({x})", _unit),
    "acos": ("L.math.acos({x})", _unit),
    "atan": ("L.math.atan({x})", None),
    "asinh": ("L.math.asinh({x})", None),
    "acosh": ("L.math.acosh({x})", lambda a: np.all(a > 1.2)),
    "atanh": ("L.math.atanh({x})", _unit),
    "erf": ("L.math.erf({x})", None),
    "lgamma": ("L.math.lgamma({x})", _positive),
    "digamma": ("L.math.digamma({x})", lambda a: np.all(a > 0.3)),
    "polygamma": ("L.math.polygamma(L.ones_like({x}), {x})", lambda a: np.all(a > 0.3)),
    "sigmoid": ("L.sigmoid({x})", None),
    "log_sigmoid": ("L.math.log_sigmoid({x})", None),
    "softplus": ("L.nn.softplus({x})", None),
    "abs": ("L.abs({x})", lambda a: away(a, 0.0)),
    "abs_builtin": ("abs({x})", lambda a: away(a, 0.0)),
    "relu": ("L.nn.relu({x})", lambda a: away(a, 0.0)),
    "relu6": ("L.nn.relu6({x})", lambda a: away(a, 0.0, 6.0)),
    "leaky_relu": ("L.nn.leaky_relu({x}, alpha=0.25)", lambda a: away(a, 0.0)),
    "elu": ("L.nn.elu({x})", lambda a: away(a, 0.0)),
    "selu": ("L.nn.selu({x})", lambda a: away(a, 0.0)),
    "gelu": ("L.nn.gelu({x})", None),
    "gelu_tanh": ("L.nn.gelu({x}, approximate=True)", None),
    "silu": ("L.nn.silu({x})", None),
    "softsign": ("L.nn.softsign({x})", lambda a: away(a, 0.0)),
    "sign": ("L.sign({x})", lambda a: away(a, 0.0)),
    "floor": ("L.floor({x})", lambda a: away(a - np.round(a), 0.0)),
    "round": ("L.round({x})", lambda a: away(a - np.floor(a), 0.5)),
    "identity": ("L.identity({x})", None),
    "cast_same": ("L.cast({x}, L.float64)", None),
    "stop_gradient": ("L.stop_gradient({x})", None),
    "square_difference_self": ("L.math.squared_difference({x}, 0.5)", None),
    "clip": ("L.clip_by_value({x}, -0.7, 1.1)", lambda a: away(a, -0.7, 1.1)),
    # the everyday guard: the branch not taken may be inf, its gradient must not poison
    "where_sqrt_guard": (
        "L.where({x} > 0.1, L.sqrt(L.nn.relu({x})), 0.0)",
        lambda a: away(a, 0.0, 0.1),
    ),
    "where_rsqrt_guard": (
        "L.where({x} > 0.1, L.math.rsqrt(L.nn.relu({x})), 0.0)",
        lambda a: away(a, 0.0, 0.1),
    ),
    "where_reciprocal_guard": (
        "L.where({x} > 0.1, L.math.reciprocal(L.nn.relu({x})), 0.0)",
        lambda a: away(a, 0.0, 0.1),
    ),
}

_WEIGHTS = {
    "identity": 0.3,
    "cast_same": 0.3,
    "stop_gradient": 0.2,
    "sign": 0.2,
    "floor": 0.2,
    "round": 0.2,
    "neg_operator": 0.5,
    "abs_builtin": 0.3,
}


def _unary(name: str, source: str, ok: Callable | None):
    def build(b: Builder) -> None:
        x = b.pick_array(ok or (lambda a: True))
        b.add(name, source.format(x=x))

    return build


for _name, (_source, _ok) in UNARY.items():
    op(_name, 0.4 * _WEIGHTS.get(_name, 1.0))(_unary(_name, _source, _ok))


# name: (source with {x} and {y}, condition on (x, y) or None, condition on y alone or None)
BINARY: dict[str, tuple[str, Callable | None, Callable | None]] = {
    "add": ("L.add({x}, {y})", None, None),
    "add_operator": ("({x} + {y})", None, None),
    "subtract": ("L.subtract({x}, {y})", None, None),
    "sub_operator": ("({x} - {y})", None, None),
    "multiply": ("L.multiply({x}, {y})", None, None),
    "mul_operator": ("({x} * {y})", None, None),
    "divide": ("L.divide({x}, {y})", None, lambda a: away(a, 0.0, margin=0.3)),
    "div_operator": ("({x} / {y})", None, lambda a: away(a, 0.0, margin=0.3)),
    "maximum": ("L.maximum({x}, {y})", lambda a, c: away(a - c, 0.0), None),
    "minimum": ("L.minimum({x}, {y})", lambda a, c: away(a - c, 0.0), None),
    "pow": ("L.pow({x}, {y})", lambda a, c: np.all(a > 0.3) and np.all(np.abs(c) < 2), None),
    "squared_difference": ("L.math.squared_difference({x}, {y})", None, None),
    "atan2": ("L.math.atan2({x}, {y})", None, lambda a: np.all(a > 0.2)),
    "xlogy": ("L.math.xlogy({x}, {y})", None, _positive),
    "xdivy": ("L.math.xdivy({x}, {y})", None, lambda a: away(a, 0.0, margin=0.3)),
    "divide_no_nan": ("L.math.divide_no_nan({x}, {y})", None, lambda a: away(a, 0.0, margin=0.3)),
    "floormod": (
        "L.math.floormod({x}, {y})",
        lambda a, c: away(np.mod(a / c, 1.0), 0.0, 1.0, margin=0.05),
        lambda a: np.all(a > 0.5),
    ),
}


def _binary(name: str, source: str, ok: Callable | None, ok_y: Callable | None):
    def build(b: Builder) -> None:
        x = b.pick_array(lambda a: True)
        y = b.partner(x, ok_y or (lambda a: True))
        x, y = (x, y) if b.coin(0.8) else (y, x)
        if ok_y is not None:
            b.require(ok_y(y.array))
        if ok is not None:
            b.require(ok(*np.broadcast_arrays(x.array, y.array)))
        b.add(name, source.format(x=x, y=y))

    return build


for _name, (_source, _ok, _ok_y) in BINARY.items():
    op(_name, 0.6 if "operator" not in _name else 0.3)(_binary(_name, _source, _ok, _ok_y))


@op("where", 1.0)
def _where(b: Builder) -> None:
    c = b.pick_array(lambda a: away(a, 0.25))
    x = b.partner(c)
    y = b.partner(x)
    b.require(broadcastable(c.shape, x.shape, y.shape))
    b.add("where", f"L.where({c} > 0.25, {x}, {y})")


# Reductions
REDUCTIONS: dict[str, Callable | None] = {
    "reduce_sum": None,
    "reduce_mean": None,
    "reduce_prod": lambda a, axis: away(a, 0.0, margin=0.2),
    "reduce_max": lambda a, axis: unique_extreme(a, axis),
    "reduce_min": lambda a, axis: unique_extreme(a, axis),
    "reduce_logsumexp": None,
    "reduce_variance": None,
    "reduce_std": lambda a, axis: np.all(np.std(_last_axes(a, axis), axis=-1) > 0.1),
    "reduce_euclidean_norm": lambda a, axis: np.all(
        np.linalg.norm(_last_axes(a, axis), axis=-1) > 0.2
    ),
}


def _reduction(name: str, ok: Callable | None):
    def build(b: Builder) -> None:
        x = b.pick_array(min_rank=0)
        axis = b.axes(x)
        if ok is not None:
            b.require(ok(x.array, axis))
        keepdims = b.coin()
        b.add(name, f"L.math.{name}({x}, axis={axis}, keepdims={keepdims})")

    return build


for _name, _ok in REDUCTIONS.items():
    op(_name, 0.7)(_reduction(_name, _ok))


@op("norm", 0.6)
def _norm(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    if x.rank >= 2 and b.coin(0.3):
        axis, order = [-2, -1], b.choice(["'fro'", "'euclidean'"])
    else:
        axis, order = b.axis(x) if b.coin(0.7) else None, b.choice(["'euclidean'", "1", "2"])
    if order == "1":
        b.require(away(x.array, 0.0))
    b.require(np.all(np.linalg.norm(_last_axes(x.array, axis), axis=-1) > 0.2))
    b.add("norm", f"L.norm({x}, ord={order}, axis={axis}, keepdims={b.coin()})")


@op("cumsum", 0.5)
def _cumsum(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    kind = b.choice(["cumsum", "cumprod"])
    if kind == "cumprod":
        b.require(away(x.array, 0.0, margin=0.2))
    b.add(kind, f"L.math.{kind}({x}, axis={b.axis(x)}, exclusive={b.coin()}, reverse={b.coin()})")


@op("softmax", 1.0)
def _softmax(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    kind = b.choice(["softmax", "log_softmax"])
    b.add(kind, f"L.nn.{kind}({x}, axis={b.axis(x)})")


@op("l2_normalize", 0.4)
def _l2_normalize(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    axis = b.axis(x)
    b.require(np.all(np.linalg.norm(_last_axes(x.array, axis), axis=-1) > 0.3))
    b.add("l2_normalize", f"L.math.l2_normalize({x}, axis={axis})")


@op("moments", 0.4)
def _moments(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    axes = sorted({b.axis(x) % x.rank for _ in range(b.integer(1, x.rank))})
    b.add("moments", f"L.nn.moments({x}, axes={axes}, keepdims={b.coin()})", outputs=2)


@op("cross_entropy", 0.5)
def _cross_entropy(b: Builder) -> None:
    # Labels in sixteenths: each row of softmax labels sums to exactly 1, as TF's rule assumes.
    x = b.pick_array(min_rank=1)
    if b.coin():
        labels = b.rng.integers(0, 17, x.shape) / 16
        b.add(
            "sigmoid_cross_entropy",
            f"L.nn.sigmoid_cross_entropy_with_logits(labels=L.constant({labels.tolist()}, "
            f"dtype=L.float64), logits={x})",
        )
    else:
        n = x.shape[-1]
        cuts = np.sort(b.rng.integers(0, 17, (*x.shape[:-1], n - 1)), axis=-1)
        zero, full = np.zeros((*x.shape[:-1], 1)), np.full((*x.shape[:-1], 1), 16)
        labels = np.diff(np.concatenate([zero, cuts, full], -1), axis=-1) / 16
        b.add(
            "softmax_cross_entropy",
            f"L.nn.softmax_cross_entropy_with_logits(labels=L.constant({labels.tolist()}, "
            f"dtype=L.float64), logits={x})",
        )


@op("constant", 0.4)
def _constant(b: Builder) -> None:
    # A float64 constant from a Python list must keep every digit (not pass through float32).
    x = b.pick_array()
    c = np.round(b.rng.uniform(-1, 1, x.shape[b.integer(0, x.rank) :]), 3)
    b.add("constant", f"({x} + L.constant({c.tolist()}, dtype=L.float64))")


@op("l2_loss", 0.2)
def _l2_loss(b: Builder) -> None:
    b.add("l2_loss", f"L.nn.l2_loss({b.pick_array()})")


@op("bias_add", 0.3)
def _bias_add(b: Builder) -> None:
    x = b.pick_array(min_rank=2)
    bias = b.like(x, x.shape[-1:])
    b.add("bias_add", f"L.nn.bias_add({x}, {bias})")


# Shape ops
def _factor(b: Builder, size: int) -> list:
    """A random shape of ``size`` elements, rank 0 to 4."""
    dims = []
    rest = size
    for _ in range(b.integer(0, 3)):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = b.choice(divisors)
        dims.append(d)
        rest //= d
    if rest > 1 or (dims and b.coin(0.3)):
        dims.append(rest)
    b.rng.shuffle(dims)
    return [int(d) for d in dims]


@op("reshape", 1.5)
def _reshape(b: Builder) -> None:
    x = b.pick_array()
    shape = _factor(b, x.array.size) if b.coin(0.85) else list(x.shape)
    if shape and b.coin(0.3):
        shape[b.integer(0, len(shape) - 1)] = -1
    b.add("reshape", f"L.reshape({x}, {shape})")


@op("transpose", 1.0)
def _transpose(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    perm = b.rng.permutation(x.rank).tolist() if b.coin(0.85) else list(range(x.rank))
    if b.coin(0.2) and x.rank >= 2:
        b.add("matrix_transpose", f"L.linalg.matrix_transpose({x})")
    else:
        b.add("transpose", f"L.transpose({x}, perm={perm})")


@op("expand_dims", 0.8)
def _expand_dims(b: Builder) -> None:
    x = b.pick_array()
    axis = b.integer(-(x.rank + 1), x.rank)
    b.add("expand_dims", f"L.expand_dims({x}, axis={axis})")


@op("squeeze", 0.8)
def _squeeze(b: Builder) -> None:
    x = b.pick_array()
    ones = [k for k, d in enumerate(x.shape) if d == 1]
    if ones and b.coin(0.6):
        axis = [k - x.rank if b.coin() else k for k in ones if b.coin(0.7)] or None
    else:
        axis = None
    b.add("squeeze", f"L.squeeze({x}, axis={axis})")


@op("concat", 1.2)
def _concat(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    axis = b.axis(x)
    parts = [x]

    def fits(v):  # x's shape but for the concatenated axis
        same = [d == e for d, e in zip(v.shape, x.shape, strict=False)]
        return v.rank == x.rank and all(same[: axis % x.rank] + same[axis % x.rank + 1 :])

    for _ in range(b.choice([0, 1, 1, 2])):
        shape = list(x.shape)
        shape[axis] = b.integer(1, 3)
        parts.append(b.pick(fits, lambda shape=tuple(shape): b.new_input(shape)))
    b.rng.shuffle(parts)
    b.add("concat", f"L.concat([{', '.join(map(str, parts))}], axis={axis})")


@op("stack", 1.0)
def _stack(b: Builder) -> None:
    x = b.pick_array()
    parts = [x] + [b.like(x, x.shape) for _ in range(b.choice([0, 1, 1, 2]))]
    axis = b.integer(-(x.rank + 1), x.rank)
    b.add("stack", f"L.stack([{', '.join(map(str, parts))}], axis={axis})")


@op("unstack", 1.0)
def _unstack(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    axis = b.axis(x)
    b.add("unstack", f"L.unstack({x}, axis={axis})", outputs=x.shape[axis])


@op("split", 1.2)
def _split(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    axis = b.axis(x)
    n = x.shape[axis]
    if b.coin():
        pieces = b.choice([d for d in range(1, n + 1) if n % d == 0])
        b.add("split", f"L.split({x}, {pieces}, axis={axis})", outputs=pieces)
    else:
        cuts = sorted(b.rng.choice(np.arange(1, n), b.integer(0, n - 1), replace=False).tolist())
        sizes = np.diff([0, *cuts, n]).tolist()
        if len(sizes) > 1 and b.coin(0.3):
            sizes[b.integer(0, len(sizes) - 1)] = -1
        b.add("split_sizes", f"L.split({x}, {sizes}, axis={axis})", outputs=len(sizes))


@op("tile", 0.8)
def _tile(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    multiples = [b.choice([1, 1, 2]) for _ in x.shape]
    b.add("tile", f"L.tile({x}, {multiples})")


@op("broadcast_to", 0.8)
def _broadcast_to(b: Builder) -> None:
    x = b.pick_array()
    shape = [b.integer(2, 3) if d == 1 and b.coin(0.6) else d for d in x.shape]
    if b.coin(0.4):
        shape = [b.integer(1, 3), *shape]
    b.add("broadcast_to", f"L.broadcast_to({x}, {shape})")


@op("pad", 0.8)
def _pad(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    mode = b.choice(["CONSTANT", "CONSTANT", "REFLECT", "SYMMETRIC"])
    most = {"CONSTANT": 2, "REFLECT": 0, "SYMMETRIC": 0}[mode]
    pads = []
    for d in x.shape:
        top = min(2, d - 1) if mode == "REFLECT" else (min(2, d) if mode == "SYMMETRIC" else most)
        pads.append([b.integer(0, top), b.integer(0, top)])
    value = f", constant_values={b.choice([0.0, 0.5])}" if mode == "CONSTANT" else ""
    b.add("pad", f"L.pad({x}, {pads}, mode='{mode}'{value})")


@op("reverse", 0.6)
def _reverse(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    axes = [k for k in range(x.rank) if b.coin()]
    b.add("reverse", f"L.reverse({x}, axis={axes})")


def _slice_one(b: Builder, d: int) -> str:
    kind = b.integer(0, 5)
    if kind == 0:
        return str(b.integer(-d, d - 1))  # an index: drops the axis
    if kind == 1:
        return ":"
    step = b.choice([1, 1, 2, -1, -2])
    start = b.choice(["", str(b.integer(-d, d - 1))])
    stop = b.choice(["", str(b.integer(-d, d))])
    return f"{start}:{stop}" + (f":{step}" if step != 1 else "")


@op("slice", 1.5)
def _slice(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    k = b.integer(1, x.rank)
    where = b.choice(["", "", "front", "back"]) if k < x.rank else ""
    dims = x.shape[x.rank - k :] if where == "front" else x.shape[:k]
    parts = [_slice_one(b, d) for d in dims]
    parts = {"front": ["...", *parts], "back": [*parts, "..."]}.get(where, parts)
    if b.coin(0.15):
        parts.insert(b.integer(0, len(parts)), "None")
    b.add("slice", f"{x}[{', '.join(parts)}]")


@op("gather", 1.2)
def _gather(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    axis = b.axis(x)
    d = x.shape[axis]
    shape = b.choice([(), (b.integer(1, 4),), (2, b.integer(1, 2))])
    indices = b.rng.integers(0, d, shape).tolist()
    b.add("gather", f"L.gather({x}, {indices}, axis={axis})")


@op("gather_nd", 0.6)
def _gather_nd(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    depth = b.integer(1, x.rank)
    rows = b.integer(1, 3)
    indices = np.stack([b.rng.integers(0, d, rows) for d in x.shape[:depth]], -1).tolist()
    b.add("gather_nd", f"L.gather_nd({x}, {indices})")


@op("boolean_mask", 0.3)
def _boolean_mask(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    mask = b.rng.random(x.shape[:1]) < 0.6
    b.require(mask.any())
    b.add("boolean_mask", f"L.boolean_mask({x}, {mask.tolist()})")


@op("segment_sum", 0.4)
def _segment_sum(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    n = x.shape[0]
    if b.coin():
        ids = np.sort(b.rng.integers(0, 3, n)).tolist()
        b.add("segment_sum", f"L.math.segment_sum({x}, {ids})")
    else:
        ids = b.rng.integers(0, 3, n).tolist()
        b.add("unsorted_segment_sum", f"L.math.unsorted_segment_sum({x}, {ids}, 3)")


@op("scatter_nd", 0.3)
def _scatter_nd(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    n = x.shape[0]
    size = b.integer(1, 4)
    indices = b.rng.integers(0, size, (n, 1)).tolist()
    b.add("scatter_nd", f"L.scatter_nd({indices}, {x}, {[size, *x.shape[1:]]})")


# Products
@op("matmul", 1.5)
def _matmul(b: Builder) -> None:
    x = b.pick_array(min_rank=2)
    transpose_a, transpose_b = b.coin(0.3), b.coin(0.3)
    k = x.shape[-2] if transpose_a else x.shape[-1]
    n = b.integer(1, 3)
    batch = list(x.shape[:-2])
    if batch and b.coin(0.3):
        batch = [1 if b.coin() else d for d in batch][b.integer(0, len(batch)) :]
    y_shape = (*batch, n, k) if transpose_b else (*batch, k, n)
    y = b.pick(lambda v: v.shape == y_shape and v is not x, lambda: b.new_input(y_shape))
    if not (transpose_a or transpose_b) and b.coin(0.3):
        b.add("matmul_operator", f"({x} @ {y})")
    else:
        b.add("matmul", f"L.matmul({x}, {y}, transpose_a={transpose_a}, transpose_b={transpose_b})")


@op("matvec", 0.4)
def _matvec(b: Builder) -> None:
    x = b.pick_array(min_rank=2)
    v = b.like(x, (x.shape[-1],))
    b.add("matvec", f"L.linalg.matvec({x}, {v})")


@op("tensordot", 0.5)
def _tensordot(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    k = b.integer(0, min(2, x.rank))
    tail = x.shape[x.rank - k :]
    extra = tuple(b.integer(1, 3) for _ in range(b.integer(0, 1)))
    y = b.like(x, tail + extra)
    b.add("tensordot", f"L.tensordot({x}, {y}, axes={k})")


@op("einsum", 1.2)
def _einsum(b: Builder) -> None:
    x = b.pick_array(min_rank=1)
    letters = iter(string.ascii_lowercase)
    x_sub = [next(letters) for _ in x.shape]
    sizes = dict(zip(x_sub, x.shape, strict=True))
    operands, subs = [x], [x_sub]
    if b.coin(0.7):
        shared = [c for c in x_sub if b.coin(0.6)]
        new = [next(letters) for _ in range(b.integer(0, 2))]
        for c in new:
            sizes[c] = b.integer(1, 3)
        y_sub = shared + new
        b.rng.shuffle(y_sub)
        y = b.like(x, tuple(sizes[c] for c in y_sub))
        operands.append(y)
        subs.append(y_sub)
    used = list(dict.fromkeys(itertools.chain(*subs)))
    out = [c for c in used if b.coin(0.6)]
    b.rng.shuffle(out)
    equation = ",".join("".join(s) for s in subs) + "->" + "".join(out)
    b.add("einsum", f"L.einsum('{equation}', {', '.join(map(str, operands))})")


@op("top_k", 0.5)
def _top_k(b: Builder) -> None:
    x = b.pick_array(lambda a: distinct(a, -1), min_rank=1)
    if b.coin():
        b.add("top_k", f"L.math.top_k({x}, k={b.integer(1, x.shape[-1])}).values")
    else:
        axis = b.axis(x)
        b.require(distinct(x.array, axis))
        direction = b.choice(["ASCENDING", "DESCENDING"])
        b.add("sort", f"L.sort({x}, axis={axis}, direction='{direction}')")


# Linear algebra, on square matrices (a batch of them) that are well conditioned
def _square(b: Builder) -> Value:
    return b.pick(
        lambda v: v.rank >= 2 and v.shape[-1] == v.shape[-2] and well_conditioned(v.array),
        lambda: b.new_input((*b.choice([(), (2,)]), *(b.integer(2, 3),) * 2), well_conditioned),
    )


@op("linalg", 1.0)
def _linalg(b: Builder) -> None:
    x = _square(b)
    kind = b.choice(
        ["det", "inv", "solve", "slogdet", "cholesky", "eigh", "svd", "trace", "diag_part"]
    )
    spd = f"(L.matmul({x}, {x}, transpose_b=True) + L.eye({x.shape[-1]}, dtype=L.float64))"
    sym = f"({x} + L.linalg.matrix_transpose({x}))"
    if kind == "det":
        b.add(kind, f"L.linalg.det({x})")
    elif kind == "inv":
        b.add(kind, f"L.linalg.inv({x})")
    elif kind == "solve":
        rhs = b.like(x, (*x.shape[:-1], b.integer(1, 2)))
        b.add(kind, f"L.linalg.solve({x}, {rhs})")
    elif kind == "slogdet":
        b.add(kind, f"L.linalg.slogdet({x})[1]")
    elif kind == "cholesky":
        b.add(kind, f"L.linalg.cholesky({spd})")
    elif kind == "eigh":
        s = x.array + np.swapaxes(x.array, -1, -2)
        b.require(distinct(np.linalg.eigvalsh(s), -1))
        b.add(kind, f"L.linalg.eigh({sym})[0]")
    elif kind == "svd":
        b.require(distinct(np.linalg.svd(x.array, compute_uv=False), -1))
        b.add(kind, f"L.linalg.svd({x}, compute_uv=False)")
    elif kind == "trace":
        b.add(kind, f"L.linalg.trace({x})")
    else:
        b.add(kind, f"L.linalg.diag_part({x})")


# ----------------------------------------------------------------------------------------------


# Ops whose float64 kernels TensorFlow computes less accurately than rounding: the relative
# precision a comparison with TensorFlow allows (of each value and of the largest value) on
# programs that use them.
TF_PRECISION: dict[str, float] = {
    # TF's float64 gelu is off by up to ~5e-9, its gradient too (tapegrad: exact to rounding)
    "gelu": 1e-6,
    "gelu_tanh": 1e-6,
}

# Ops whose derivative finite differences cannot check: op -> why.
FD_BLIND: dict[str, str] = {
    "stop_gradient": "the value changes with the input, the gradient is zero by definition",
}

# Checks where TensorFlow's own answer is wrong for an op, so the comparison is skipped for
# programs that use it (finite differences still check tapegrad there): op -> {check: why}.
TF_WRONG: dict[str, dict[str, str]] = {
    "moments": {
        "second order": "tf.nn.moments computes the variance around stop_gradient(mean): "
        "right first derivative, Hessian 2/n*I instead of 2/n*(I - 1/n)",
        "gradient": "for the same reason TF's gradient w.r.t. the mean tensor is None where "
        "the output depends on the variance (tapegrad: zeros, the exact derivative)",
    },
}


class GenerationError(Exception):
    """An op failed in tapegrad while the program was being built (the message shows it)."""


def generate(seed: int, index: int) -> Program:
    """Program ``index`` of the stream ``seed``: the same program every time."""
    names = list(OPS)
    weights = np.array([OPS[n][0] for n in names])
    weights /= weights.sum()
    for attempt in itertools.count():
        rng = np.random.default_rng([seed, index, attempt])
        wanted = int(rng.integers(2, 9))
        b = Builder(rng)
        b.new_input(b.shape())
        b.commit_inputs()
        for _ in range(wanted * 40):
            if len(b.lines) >= wanted:
                break
            name = names[int(rng.choice(len(names), p=weights))]
            try:
                OPS[name][1](b)
            except Reject:
                b.pending = []
            except Exception as err:
                partial = Program(seed, index, b.inputs + b.pending, b.lines, "...", False, b.ops)
                raise GenerationError(
                    f"{type(err).__name__}: {err} in op {name} after\n{partial}"
                ) from err
        if len(b.lines) >= 2:
            return Program(seed, index, b.inputs, b.lines, b.choice(b.last), b.coin(0.4), b.ops)
    raise AssertionError("unreachable")
