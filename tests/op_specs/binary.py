"""Specs for the binary elementwise ops (src/tapegrad/ops/binary.py).

Each op runs on equal shapes and on broadcasting pairs ((2, 1, 3) with (4, 1),
a scalar with a matrix). Inputs avoid ties, bounds and zeros, where the
derivative is a convention (tested in tests/test_elementwise.py).
"""

from __future__ import annotations

import numpy as np

import tapegrad as tg

from . import OpSpec, positive, randn


def away(x: np.ndarray, gap: float = 0.3) -> np.ndarray:
    return x + gap * np.where(x >= 0, 1.0, -1.0)


def as_float(fn):
    """A bool- or int-valued op made float, so the table can run it (no gradient expected)."""
    return lambda *xs: tg.cast(fn(*xs), xs[0].dtype)


def as_int(x):
    return tg.cast(tg.floor(x * 4), tg.int32)


def _np_floormod(x, y):
    r = np.fmod(x, y)
    return np.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


def _np_clip(x, lo, hi):
    return np.maximum(np.minimum(x, hi), lo)


def _np_xlogy(x, y):
    return x * np.log(y)


BROADCAST = [randn(2, 1, 3), randn(4, 1, seed=1)]
SCALAR_MATRIX = [randn(seed=2), randn(2, 3, seed=3)]

SPECS = [
    # arithmetic
    OpSpec("add", tg.add, [randn(3, 4), randn(4, seed=1)], ("add",), np.add),
    OpSpec("add/broadcast", lambda x, y: x + y, BROADCAST, ("add",), np.add),
    OpSpec("add/scalar", lambda x, y: x + y, SCALAR_MATRIX, ("add",), np.add),
    OpSpec("subtract", tg.subtract, [randn(3, 1), randn(1, 4, seed=1)], ("subtract",),
           np.subtract),
    OpSpec("subtract/scalar", lambda x, y: y - x, SCALAR_MATRIX, ("subtract",),
           lambda x, y: y - x),
    OpSpec("multiply", tg.multiply, [randn(2, 3), randn(2, 3, seed=1)], ("multiply",),
           np.multiply),
    OpSpec("multiply/broadcast", lambda x, y: x * y, BROADCAST, ("multiply",), np.multiply),
    OpSpec("multiply/scalar", lambda x, y: x * y, SCALAR_MATRIX, ("multiply",), np.multiply),
    OpSpec("divide", tg.divide, [randn(2, 3), positive(3, seed=1)], ("divide",), np.divide),
    OpSpec("divide/broadcast", lambda x, y: x / y, [randn(2, 1, 3), away(randn(4, 1, seed=1))],
           ("divide",), np.divide),
    OpSpec("truediv/scalar", tg.truediv, [away(randn(seed=2)), away(randn(2, 3, seed=3))],
           ("divide",), np.divide),
    OpSpec("negative", tg.negative, [randn(3)], ("negative",), np.negative),
    OpSpec("pow", tg.pow, [positive(3), randn(3, seed=1)], ("pow",), np.power),
    OpSpec("pow/broadcast", tg.pow, [positive(2, 1, 3), randn(4, 1, seed=1)], ("pow",),
           np.power),
    OpSpec("pow/scalar_base", lambda x, y: x ** y, [positive(seed=2), randn(2, 3, seed=3)],
           ("pow",), np.power),
    OpSpec("pow/int_exponent", lambda x: x ** 3, [randn(4)], ("pow",), lambda x: x**3),
    OpSpec("floormod", tg.math.floormod, [randn(4) * 3, positive(4, seed=1)], ("floormod",),
           _np_floormod),
    OpSpec("floormod/broadcast", lambda x, y: x % y, [randn(2, 1, 3) * 3, -positive(4, 1)],
           ("floormod",), _np_floormod),
    # extrema and clipping (inputs without ties)
    OpSpec("maximum", tg.maximum, [randn(2, 3), randn(2, 3, seed=1)], ("maximum",), np.maximum),
    OpSpec("maximum/broadcast", tg.maximum, BROADCAST, ("maximum",), np.maximum),
    OpSpec("maximum/scalar", tg.maximum, SCALAR_MATRIX, ("maximum",), np.maximum),
    OpSpec("minimum", tg.minimum, [randn(2, 3), randn(2, 3, seed=1)], ("minimum",), np.minimum),
    OpSpec("minimum/broadcast", tg.minimum, BROADCAST, ("minimum",), np.minimum),
    OpSpec("minimum/scalar", tg.minimum, SCALAR_MATRIX, ("minimum",), np.minimum),
    OpSpec("clip_by_value", tg.clip_by_value,
           [np.array([[-2.0, -0.2, 0.3], [1.5, 0.1, -1.1]]), np.array(-0.5),
            np.array([0.7, 0.9, 0.2])], ("maximum", "minimum"), _np_clip),
    OpSpec("clip_by_value/python_bounds", lambda x: tg.clip_by_value(x, -0.5, 0.5),
           [np.array([-2.0, -0.2, 0.3, 1.5])], ("maximum", "minimum"),
           lambda x: np.clip(x, -0.5, 0.5)),
    # more binary math
    OpSpec("squared_difference", tg.math.squared_difference, [randn(2, 3), randn(3, seed=1)],
           ("squared_difference",), lambda x, y: (x - y) ** 2),
    OpSpec("squared_difference/broadcast", tg.math.squared_difference, BROADCAST,
           ("squared_difference",), lambda x, y: (x - y) ** 2),
    OpSpec("atan2", tg.atan2, [randn(2, 3), randn(2, 3, seed=1)], ("atan2",), np.arctan2),
    OpSpec("atan2/broadcast", tg.atan2, [randn(2, 1, 3), away(randn(4, 1, seed=1))],
           ("atan2",), np.arctan2),
    OpSpec("xlogy", tg.math.xlogy, [randn(2, 3), positive(2, 3, seed=1)], ("xlogy",),
           _np_xlogy),
    OpSpec("xlogy/broadcast", tg.math.xlogy, [randn(2, 1, 3), positive(4, 1, seed=1)],
           ("xlogy",), _np_xlogy),
    OpSpec("xdivy", tg.math.xdivy, [randn(2, 3), away(randn(3, seed=1))], ("xdivy",),
           np.divide),
    OpSpec("divide_no_nan", tg.math.divide_no_nan, [randn(2, 3), away(randn(2, 3, seed=1))],
           ("divide_no_nan",), np.divide),
    OpSpec("divide_no_nan/broadcast", tg.math.divide_no_nan, [randn(seed=2),
           away(randn(2, 3, seed=3))], ("divide_no_nan",), np.divide),
    # no gradient (None, as TensorFlow)
    OpSpec("floordiv", tg.math.floordiv, [randn(4) * 3, positive(4, seed=1)], ("floordiv",),
           lambda x, y: np.floor(x / y), differentiable=False),
    OpSpec("floordiv/operator", lambda x, y: x // y, [randn(2, 1) * 3, -positive(3, seed=1)],
           ("floordiv",), lambda x, y: np.floor(x / y), differentiable=False),
    OpSpec("equal", as_float(tg.equal), [np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])],
           ("equal", "cast"), lambda x, y: (x == y).astype(x.dtype), differentiable=False),
    OpSpec("not_equal", as_float(tg.not_equal), [np.array([1.0, 2.0]), np.array([1.0, 0.0])],
           ("not_equal", "cast"), lambda x, y: (x != y).astype(x.dtype), differentiable=False),
    OpSpec("less", as_float(tg.less), BROADCAST, ("less", "cast"),
           lambda x, y: (x < y).astype(x.dtype), differentiable=False),
    OpSpec("less_equal", as_float(tg.less_equal), BROADCAST, ("less_equal", "cast"),
           lambda x, y: (x <= y).astype(x.dtype), differentiable=False),
    OpSpec("greater", as_float(tg.greater), SCALAR_MATRIX, ("greater", "cast"),
           lambda x, y: (x > y).astype(x.dtype), differentiable=False),
    OpSpec("greater_equal", as_float(tg.greater_equal), SCALAR_MATRIX, ("greater_equal", "cast"),
           lambda x, y: (x >= y).astype(x.dtype), differentiable=False),
    OpSpec("logical_and/or/xor", as_float(lambda x, y: tg.logical_or(
        tg.logical_and(x > 0, y > 0), tg.math.logical_xor(x > 1, y < 0))), BROADCAST,
        ("logical_and", "logical_or", "logical_xor"),
        lambda x, y: ((x > 0) & (y > 0) | ((x > 1) ^ (y < 0))).astype(x.dtype),
        differentiable=False),
    OpSpec("bitwise operators", as_float(lambda x, y: (as_int(x) & as_int(y)) | ~(
        as_int(x) ^ as_int(y))), BROADCAST, ("bitwise_and", "bitwise_or", "bitwise_xor", "invert"),
        None, differentiable=False),
]
