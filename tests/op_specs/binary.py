"""Specs for the binary elementwise ops (src/tapegrad/ops/arithmetic.py and binary.py).

Each op runs on equal shapes and on broadcasting pairs ((2, 1, 3) with (4, 1),
a scalar with a matrix). Inputs avoid ties, bounds and zeros, where the
derivative is a convention (tested in tests/test_elementwise.py).
"""

from __future__ import annotations

import numpy as np

import tapegrad as tg

from . import Empty, OpSpec, positive, randn


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
EMPTY_BROADCAST = Empty([(2, 1, 0), (4, 1)], [(2, 4, 0)])  # the full input's gradient is zero
EMPTY_SCALAR = Empty([(), (2, 0)], [(2, 0)])
EMPTY_SAME = Empty([(0, 3), (0, 3)], [(0, 3)])

SPECS = [
    # arithmetic
    OpSpec("add", tg.add, [randn(3, 4), randn(4, seed=1)], ("add",), np.add,
           empty=Empty([(3, 0), (0,)], [(3, 0)])),
    OpSpec("add/broadcast", lambda x, y: x + y, BROADCAST, ("add",), np.add, empty=EMPTY_BROADCAST),
    OpSpec("add/scalar", lambda x, y: x + y, SCALAR_MATRIX, ("add",), np.add, empty=EMPTY_SCALAR),
    OpSpec("subtract", tg.subtract, [randn(3, 1), randn(1, 4, seed=1)], ("subtract",),
           np.subtract, empty=Empty([(0, 1), (1, 4)], [(0, 4)])),
    OpSpec("subtract/scalar", lambda x, y: y - x, SCALAR_MATRIX, ("subtract",),
           lambda x, y: y - x, empty=EMPTY_SCALAR),
    OpSpec("multiply", tg.multiply, [randn(2, 3), randn(2, 3, seed=1)], ("multiply",),
           np.multiply, empty=EMPTY_SAME),
    OpSpec("multiply/broadcast", lambda x, y: x * y, BROADCAST, ("multiply",), np.multiply,
           empty=EMPTY_BROADCAST),
    OpSpec("multiply/scalar", lambda x, y: x * y, SCALAR_MATRIX, ("multiply",), np.multiply,
           empty=EMPTY_SCALAR),
    OpSpec("divide", tg.divide, [randn(2, 3), positive(3, seed=1)], ("divide",), np.divide,
           empty=Empty([(2, 0), positive(0, seed=1)], [(2, 0)])),
    OpSpec("divide/broadcast", lambda x, y: x / y, [randn(2, 1, 3), away(randn(4, 1, seed=1))],
           ("divide",), np.divide,
           empty=Empty([(2, 1, 0), away(randn(4, 1, seed=1))], [(2, 4, 0)])),
    OpSpec("truediv/scalar", tg.truediv, [away(randn(seed=2)), away(randn(2, 3, seed=3))],
           ("divide",), np.divide, empty=EMPTY_SCALAR),
    OpSpec("negative", tg.negative, [randn(3)], ("negative",), np.negative,
           empty=Empty([(0,)], [(0,)])),
    OpSpec("pow", tg.pow, [positive(3), randn(3, seed=1)], ("pow",), np.power,
           empty=Empty([(0,), (0,)], [(0,)])),
    OpSpec("pow/broadcast", tg.pow, [positive(2, 1, 3), randn(4, 1, seed=1)], ("pow",),
           np.power, empty=EMPTY_BROADCAST),
    OpSpec("pow/scalar_base", lambda x, y: x ** y, [positive(seed=2), randn(2, 3, seed=3)],
           ("pow",), np.power, empty=Empty([positive(seed=2), (2, 0)], [(2, 0)])),
    OpSpec("pow/int_exponent", lambda x: x ** 3, [randn(4)], ("pow",), lambda x: x**3,
           empty=Empty([(0,)], [(0,)])),
    OpSpec("floormod", tg.math.floormod, [randn(4) * 3, positive(4, seed=1)], ("floormod",),
           _np_floormod, empty=EMPTY_SAME),
    OpSpec("floormod/broadcast", lambda x, y: x % y, [randn(2, 1, 3) * 3, -positive(4, 1)],
           ("floormod",), _np_floormod, empty=EMPTY_BROADCAST),
    # extrema and clipping (inputs without ties)
    OpSpec("maximum", tg.maximum, [randn(2, 3), randn(2, 3, seed=1)], ("maximum",), np.maximum,
           empty=EMPTY_SAME),
    OpSpec("maximum/broadcast", tg.maximum, BROADCAST, ("maximum",), np.maximum,
           empty=EMPTY_BROADCAST),
    OpSpec("maximum/scalar", tg.maximum, SCALAR_MATRIX, ("maximum",), np.maximum,
           empty=EMPTY_SCALAR),
    OpSpec("minimum", tg.minimum, [randn(2, 3), randn(2, 3, seed=1)], ("minimum",), np.minimum,
           empty=EMPTY_SAME),
    OpSpec("minimum/broadcast", tg.minimum, BROADCAST, ("minimum",), np.minimum,
           empty=EMPTY_BROADCAST),
    OpSpec("minimum/scalar", tg.minimum, SCALAR_MATRIX, ("minimum",), np.minimum,
           empty=EMPTY_SCALAR),
    OpSpec("clip_by_value", tg.clip_by_value,
           [np.array([[-2.0, -0.2, 0.3], [1.5, 0.1, -1.1]]), np.array(-0.5),
            np.array([0.7, 0.9, 0.2])], ("maximum", "minimum"), _np_clip,
           empty=Empty([(0, 3), np.array(-0.5), np.array([0.7, 0.9, 0.2])], [(0, 3)])),
    OpSpec("clip_by_value/python_bounds", lambda x: tg.clip_by_value(x, -0.5, 0.5),
           [np.array([-2.0, -0.2, 0.3, 1.5])], ("maximum", "minimum"),
           lambda x: np.clip(x, -0.5, 0.5), empty=Empty([(0,)], [(0,)])),
    # more binary math
    OpSpec("squared_difference", tg.math.squared_difference, [randn(2, 3), randn(3, seed=1)],
           ("squared_difference",), lambda x, y: (x - y) ** 2,
           empty=Empty([(0, 3), (3,)], [(0, 3)])),
    OpSpec("squared_difference/broadcast", tg.math.squared_difference, BROADCAST,
           ("squared_difference",), lambda x, y: (x - y) ** 2, empty=EMPTY_BROADCAST),
    OpSpec("atan2", tg.atan2, [randn(2, 3), randn(2, 3, seed=1)], ("atan2",), np.arctan2,
           empty=EMPTY_SAME),
    OpSpec("atan2/broadcast", tg.atan2, [randn(2, 1, 3), away(randn(4, 1, seed=1))],
           ("atan2",), np.arctan2, empty=EMPTY_BROADCAST),
    OpSpec("xlogy", tg.math.xlogy, [randn(2, 3), positive(2, 3, seed=1)], ("xlogy",),
           _np_xlogy, empty=EMPTY_SAME),
    OpSpec("xlogy/broadcast", tg.math.xlogy, [randn(2, 1, 3), positive(4, 1, seed=1)],
           ("xlogy",), _np_xlogy, empty=Empty([(2, 1, 0), positive(4, 1, seed=1)], [(2, 4, 0)])),
    OpSpec("xdivy", tg.math.xdivy, [randn(2, 3), away(randn(3, seed=1))], ("xdivy",),
           np.divide, empty=Empty([(0, 3), away(randn(3, seed=1))], [(0, 3)])),
    OpSpec("divide_no_nan", tg.math.divide_no_nan, [randn(2, 3), away(randn(2, 3, seed=1))],
           ("divide_no_nan",), np.divide, empty=EMPTY_SAME),
    OpSpec("divide_no_nan/broadcast", tg.math.divide_no_nan, [randn(seed=2),
           away(randn(2, 3, seed=3))], ("divide_no_nan",), np.divide, empty=EMPTY_SCALAR),
    # no gradient (None, as TensorFlow)
    OpSpec("floordiv", tg.math.floordiv, [randn(4) * 3, positive(4, seed=1)], ("floordiv",),
           lambda x, y: np.floor(x / y), differentiable=False, empty=Empty([(0,), (0,)], [(0,)])),
    OpSpec("floordiv/operator", lambda x, y: x // y, [randn(2, 1) * 3, -positive(3, seed=1)],
           ("floordiv",), lambda x, y: np.floor(x / y), differentiable=False,
           empty=Empty([(0, 1), (3,)], [(0, 3)])),
    OpSpec("equal", as_float(tg.equal), [np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])],
           ("equal", "cast"), lambda x, y: (x == y).astype(x.dtype), differentiable=False,
           empty=Empty([(0,), (0,)], [(0,)])),
    OpSpec("not_equal", as_float(tg.not_equal), [np.array([1.0, 2.0]), np.array([1.0, 0.0])],
           ("not_equal", "cast"), lambda x, y: (x != y).astype(x.dtype), differentiable=False,
           empty=Empty([(0,), (0,)], [(0,)])),
    OpSpec("less", as_float(tg.less), BROADCAST, ("less", "cast"),
           lambda x, y: (x < y).astype(x.dtype), differentiable=False, empty=EMPTY_BROADCAST),
    OpSpec("less_equal", as_float(tg.less_equal), BROADCAST, ("less_equal", "cast"),
           lambda x, y: (x <= y).astype(x.dtype), differentiable=False, empty=EMPTY_BROADCAST),
    OpSpec("greater", as_float(tg.greater), SCALAR_MATRIX, ("greater", "cast"),
           lambda x, y: (x > y).astype(x.dtype), differentiable=False, empty=EMPTY_SCALAR),
    OpSpec("greater_equal", as_float(tg.greater_equal), SCALAR_MATRIX, ("greater_equal", "cast"),
           lambda x, y: (x >= y).astype(x.dtype), differentiable=False, empty=EMPTY_SCALAR),
    OpSpec("logical_and/or/xor", as_float(lambda x, y: tg.logical_or(
        tg.logical_and(x > 0, y > 0), tg.math.logical_xor(x > 1, y < 0))), BROADCAST,
        ("logical_and", "logical_or", "logical_xor"),
        lambda x, y: ((x > 0) & (y > 0) | ((x > 1) ^ (y < 0))).astype(x.dtype),
        differentiable=False, empty=EMPTY_BROADCAST),
    OpSpec("bitwise operators", as_float(lambda x, y: (as_int(x) & as_int(y)) | ~(
        as_int(x) ^ as_int(y))), BROADCAST, ("bitwise_and", "bitwise_or", "bitwise_xor", "invert"),
        None, differentiable=False, empty=EMPTY_BROADCAST),
]
