"""Elementwise ops against TensorFlow itself (skipped where TensorFlow is not installed).

For each op, on inputs that include TensorFlow's special points (ties, zeros,
poles, +-inf, nan, +-1000), in float32 and float64: the value and dtype, the
gradient of every input (None where TensorFlow gives None), a second-order
gradient, and the forward-mode JVP must match TensorFlow's.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")

import tapegrad as tg  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

S = [-1000.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 1000.0, np.inf, -np.inf, np.nan]
FINITE = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]
P = [0.0, 1e-3, 0.5, 1.0, 2.0, 100.0, np.inf]
U = [-1.0, -0.99, -0.5, 0.0, 0.5, 0.99, 1.0, 1.5]
G = [-2.5, -1.0, 0.0, 0.5, 1.0, 3.5, 50.0]
A = [-2.0, -1.0, 0.0, 0.0, 1.0, 2.0, 3.0, np.nan, 1.0]
B = [-1.0, -1.0, 0.0, 1.0, 1.0, 3.0, 2.0, 1.0, np.nan]

UNARY = {
    "abs": ("abs", S), "sign": ("sign", S), "square": ("square", S), "sqrt": ("sqrt", P),
    "rsqrt": ("math.rsqrt", P), "reciprocal": ("math.reciprocal", S), "exp": ("exp", S),
    "expm1": ("math.expm1", S), "log": ("math.log", P), "log1p": ("math.log1p", [-1, -0.5, 0, 3]),
    "sin": ("sin", FINITE), "cos": ("cos", FINITE), "tan": ("tan", FINITE), "asin": ("asin", U),
    "acos": ("acos", U), "atan": ("atan", S), "sinh": ("sinh", FINITE), "cosh": ("cosh", FINITE),
    "tanh": ("tanh", S), "asinh": ("asinh", S), "acosh": ("acosh", [1.0, 1.5, 3.0, 100.0]),
    "atanh": ("atanh", U), "sigmoid": ("sigmoid", S), "log_sigmoid": ("math.log_sigmoid", S),
    "softplus": ("math.softplus", S), "erf": ("math.erf", S[:-3]), "lgamma": ("math.lgamma", G),
    "digamma": ("math.digamma", G), "floor": ("floor", S), "ceil": ("math.ceil", S),
    "round": ("round", [0.5, 1.5, 2.5, -0.5, -2.5, 1.2]), "negative": ("negative", S),
}
BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "math.squared_difference",
          "atan2", "math.xlogy", "math.xdivy", "math.divide_no_nan", "pow", "math.floormod",
          "math.floordiv", "truediv"]


def _op(lib, path):
    obj = lib
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _run(lib, fn, xs, dtype):
    ts = [lib.constant(np.asarray(x, dtype)) for x in xs]
    with lib.GradientTape(persistent=True) as outer:
        outer.watch(ts)
        with lib.GradientTape() as inner:
            inner.watch(ts)
            y = fn(lib)(*ts)
        gs = inner.gradient(y, ts)
        s = None
        for g in gs:
            if g is not None:
                term = lib.reduce_sum(g * g)
                s = term if s is None else s + term
    hs = outer.gradient(s, ts) if s is not None else [None] * len(ts)
    tangents = [lib.constant(np.linspace(0.5, 1.5, np.size(x)).reshape(np.shape(x)).astype(dtype))
                for x in xs]
    with lib.autodiff.ForwardAccumulator(ts, tangents) as acc:
        out = fn(lib)(*ts)
    jvp = acc.jvp(out)
    as_np = [None if g is None else np.asarray(g) for g in gs]
    return y, as_np, [None if h is None else np.asarray(h) for h in hs], jvp


def _same(a, b, rtol):
    if a is None or b is None:
        zero = lambda v: v is None or not np.any(v)  # noqa: E731
        return (a is None and b is None) or (zero(a) and zero(b))
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=rtol, equal_nan=True)


def _compare(fn, xs, dtype):
    expected, got = _run(tf, fn, xs, dtype), _run(tg, fn, xs, dtype)
    rtol = 2e-5 if dtype == np.float32 else 1e-9
    (ty, tgr, th, tj), (gy, ggr, gh, gj) = expected, got
    assert gy.dtype == ty.dtype.as_numpy_dtype, f"dtype {gy.dtype} != {ty.dtype}"
    assert _same(ty.numpy(), gy.numpy(), rtol), f"value {gy.numpy()} != {ty.numpy()}"
    for i, (a, b) in enumerate(zip(tgr, ggr)):
        assert (a is None) == (b is None), f"gradient {i}: None-ness differs ({a}, {b})"
        assert _same(a, b, rtol), f"gradient {i}: {b} != TensorFlow's {a}"
    for i, (a, b) in enumerate(zip(th, gh)):
        assert _same(a, b, 1e-4 if dtype == np.float32 else 1e-7), f"second order {i}: {b} != {a}"
    tj = None if tj is None else tj.numpy()
    gj = None if gj is None else gj.numpy()
    assert _same(tj, gj, rtol), f"jvp {gj} != TensorFlow's {tj}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_tensorflow(name, dtype):
    path, x = UNARY[name]
    _compare(lambda lib: _op(lib, path), [np.asarray(x)], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("path", BINARY)
@pytest.mark.parametrize("broadcast", [False, True])
def test_binary_matches_tensorflow(path, dtype, broadcast):
    x, y = np.asarray(A), np.asarray(B)
    if broadcast:
        x, y = x[:3, None], y[None, :4]
    _compare(lambda lib: _op(lib, path), [x, y], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs", [
    ([-2.0, -1.0, 0.0, 1.0, 2.0, np.nan], -1.0, 1.0),
    ([[-2.0, -1.0, 0.0, 1.0, 2.0]], [-1.0, -1.0, 0.5, 1.0, 3.0], [1.0, 2.0, 0.2, 1.0, 0.0]),
    ([1.0, 2.0, 3.0], 2.5, 1.5),
])
def test_clip_by_value_matches_tensorflow(xs, dtype):
    _compare(lambda lib: lib.clip_by_value, [np.asarray(x) for x in xs], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_special_bases_match_tensorflow(dtype):
    _compare(lambda lib: lib.pow, [np.array([-2.0, -2.0, 0.0, 0.0, 0.0, 2.0]),
                                   np.array([2.0, 0.5, 0.0, -1.0, 2.0, 0.0])], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_polygamma_matches_tensorflow(dtype):
    orders = np.array([[0.0], [1.0], [2.0], [3.0], [1.5]])
    fn = lambda lib: lambda x: lib.math.polygamma(  # noqa: E731
        lib.cast(lib.constant(orders), x.dtype) + 0 * x, x)
    _compare(fn, [np.array([-1.5, -1.0, 0.5, 2.0, 7.0])], dtype)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.int16, np.bool_])
@pytest.mark.parametrize("path", ["abs", "sign", "square", "negative", "sqrt", "round", "floor",
                                  "sigmoid", "math.reciprocal", "math.is_nan", "math.lgamma",
                                  "math.logical_not"])
def test_unary_integer_and_bool_dtypes_match_tensorflow(path, dtype):
    x = np.array([7, 1, 0, 3]) if dtype is not np.bool_ else np.array([True, False])
    _same_outcome(lambda lib: _op(lib, path)(lib.constant(x.astype(dtype))))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.int16, np.bool_])
@pytest.mark.parametrize("path", ["add", "subtract", "multiply", "divide", "truediv", "maximum",
                                  "minimum", "math.floordiv", "math.floormod", "pow",
                                  "math.squared_difference", "math.divide_no_nan", "equal", "less",
                                  "math.xlogy", "atan2", "logical_and", "math.logical_xor"])
def test_binary_integer_and_bool_dtypes_match_tensorflow(path, dtype):
    x = np.array([7, 1, 0, 3]) if dtype is not np.bool_ else np.array([True, False, True, False])
    y = np.array([2, 3, 1, 2]) if dtype is not np.bool_ else np.array([True, True, False, False])
    _same_outcome(lambda lib: _op(lib, path)(lib.constant(x.astype(dtype)),
                                             lib.constant(y.astype(dtype))))


@pytest.mark.parametrize("expr", [
    lambda lib, x, y: (x + 2) * (3 - y) // 2 + x % 3 + y ** 2 + abs(x),
    lambda lib, x, y: x / y,
    lambda lib, x, y: 3 / y,
    lambda lib, x, y: (x & y) | (x ^ 5) | ~y,
    lambda lib, x, y: x == lib.constant([1, 2, 3]),
    lambda lib, x, y: x != lib.constant([1, 2, 3]),
])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8])
def test_integer_operators_match_tensorflow(expr, dtype):
    x, y = np.array([7, 1, 0, 3], dtype), np.array([2, 3, 1, 2], dtype)
    _same_outcome(lambda lib: expr(lib, lib.constant(x), lib.constant(y)))


def test_bool_operators_match_tensorflow():
    x, y = np.array([True, False, True]), np.array([True, True, False])
    _same_outcome(lambda lib: (lib.constant(x) & lib.constant(y)) | (
        lib.constant(x) ^ ~lib.constant(y)))


def _same_outcome(make):
    """Both raise, or both give the same values and dtype."""
    outcomes = []
    for lib in (tf, tg):
        try:
            r = make(lib)
            dtype = r.dtype.as_numpy_dtype if lib is tf else r.dtype
            outcomes.append((np.asarray(r.numpy()), np.dtype(dtype)))
        except Exception as err:  # TensorFlow raises its own error types
            outcomes.append(type(err).__name__)
    a, b = outcomes
    if isinstance(a, str) or isinstance(b, str):
        assert isinstance(a, str) and isinstance(b, str), f"TensorFlow: {a}, tapegrad: {b}"
        return
    assert a[1] == b[1], f"dtype {b[1]} != TensorFlow's {a[1]}"
    np.testing.assert_array_equal(b[0], a[0])
