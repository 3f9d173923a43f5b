"""Specs for the unary elementwise ops (src/tapegrad/ops/unary.py).

Inputs stay inside each function's domain and away from kinks (TensorFlow's
conventions at kinks and poles are tested in tests/test_elementwise.py).
"""

from __future__ import annotations

import numpy as np
import scipy.special as sp

import tapegrad as tg
from tapegrad.ops import unary as _unary

from . import Empty, OpSpec, positive, randn


def uniform(low: float, high: float, *shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape)


def away(x: np.ndarray, gap: float = 0.2) -> np.ndarray:
    """``x`` pushed at least ``gap`` away from 0 (no kink of abs/sign in reach)."""
    return x + gap * np.where(x >= 0, 1.0, -1.0)


def as_float(fn):
    """A bool-valued op made float, so the table can run it (no gradient expected)."""
    return lambda x: tg.cast(fn(x), x.dtype)


EMPTY = Empty([(2, 0)], [(2, 0)])  # an elementwise op keeps the empty shape
EMPTY_3D = Empty([(0, 1, 3)], [(0, 1, 3)])


def _smooth(name, fn, reference, x, empty=EMPTY, **kw):
    return OpSpec(name, fn, [x], (name.split("/")[0],), reference, empty=empty, **kw)


def _batched(spec_fn, reference, prim, x, **kw):
    return OpSpec(f"{prim}/batch", spec_fn, [x], (prim,), reference, empty=EMPTY_3D, **kw)


def _complex(a, b):
    """``a + i b`` (complex64 from float32, complex128 from float64), differentiable."""
    dtype = tg.complex64 if a.dtype == np.float32 else tg.complex128
    return tg.cast(a, dtype) + tg.cast(b, dtype) * 1j


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


SPECS = [
    # sign and magnitude
    _smooth("abs", tg.abs, np.abs, away(randn(5))),
    _smooth("abs/matrix", tg.abs, np.abs, away(randn(2, 3, seed=1))),
    _smooth("sign", tg.sign, np.sign, away(randn(5))),
    _smooth("square", tg.square, np.square, randn(3, 2)),
    _smooth("square/scalar", tg.square, np.square, randn(seed=3), Empty([(0,)], [(0,)])),
    # powers and roots
    _smooth("sqrt", tg.sqrt, np.sqrt, positive(4)),
    _smooth("rsqrt", tg.math.rsqrt, lambda x: 1 / np.sqrt(x), positive(2, 3)),
    _smooth("reciprocal", tg.math.reciprocal, np.reciprocal, away(randn(5), 0.5)),
    # exponentials and logarithms
    _smooth("exp", tg.exp, np.exp, randn(4)),
    _smooth("expm1", tg.math.expm1, np.expm1, randn(2, 3)),
    _smooth("log", tg.math.log, np.log, positive(4)),
    _smooth("log1p", tg.math.log1p, np.log1p, uniform(-0.6, 2.0, 5)),
    # trigonometric
    _smooth("sin", tg.sin, np.sin, randn(4)),
    _smooth("cos", tg.cos, np.cos, randn(2, 2)),
    _smooth("tan", tg.tan, np.tan, uniform(-1.2, 1.2, 5)),
    _smooth("asin", tg.asin, np.arcsin, uniform(-0.8, 0.8, 5)),
    _smooth("acos", tg.acos, np.arccos, uniform(-0.8, 0.8, 5)),
    _smooth("atan", tg.atan, np.arctan, randn(5) * 2),
    # hyperbolic
    _smooth("sinh", tg.sinh, np.sinh, randn(4)),
    _smooth("cosh", tg.cosh, np.cosh, randn(4)),
    _smooth("tanh", tg.tanh, np.tanh, randn(4)),
    _smooth("asinh", tg.asinh, np.arcsinh, randn(4) * 2),
    _smooth("acosh", tg.acosh, np.arccosh, uniform(1.2, 3.0, 5)),
    _smooth("atanh", tg.atanh, np.arctanh, uniform(-0.8, 0.8, 5)),
    # logistic
    _smooth("sigmoid", tg.sigmoid, _np_sigmoid, randn(4) * 3),
    _smooth("softplus", tg.math.softplus, lambda x: np.logaddexp(0, x), randn(5) * 3),
    _smooth("log_sigmoid", tg.math.log_sigmoid, lambda x: -np.logaddexp(0, -x), randn(5) * 3),
    # special functions
    _smooth("erf", tg.math.erf, sp.erf, randn(5)),
    _smooth("lgamma", tg.math.lgamma, sp.gammaln, uniform(0.3, 4.0, 5)),
    _smooth("lgamma/negative", tg.math.lgamma, sp.gammaln, uniform(-2.8, -2.2, 3)),
    _smooth("digamma", tg.math.digamma, sp.digamma, uniform(0.5, 4.0, 5)),
    OpSpec("polygamma/order1", lambda x: tg.math.polygamma(1.0, x), [uniform(0.5, 3.0, 4)],
           ("polygamma",), lambda x: sp.polygamma(1, x), rtol=1e-4, empty=EMPTY),
    OpSpec("polygamma/order2_broadcast",
           lambda x: tg.math.polygamma(tg.cast([[2.0], [3.0]], x.dtype), x),
           [uniform(0.8, 3.0, 3)], ("polygamma",),
           lambda x: sp.polygamma(np.array([[2], [3]]), x), rtol=1e-4, float32_rtol=1e-4,
           empty=Empty([(0,)], [(2, 0)])),
    # a few batched shapes: rules must broadcast over leading dims
    _batched(tg.math.softplus, lambda x: np.logaddexp(0, x), "softplus", randn(2, 2, 3)),
    _batched(tg.math.atanh, np.arctanh, "atanh", uniform(-0.7, 0.7, 2, 1, 3)),
    _batched(tg.math.lgamma, sp.gammaln, "lgamma", uniform(0.5, 3.0, 2, 3)),
    # composition: second derivatives through chains of these rules
    OpSpec("chain/sigmoid_log_sqrt", lambda x: tg.sigmoid(tg.math.log(tg.sqrt(x)) * tg.tan(x)),
           [uniform(0.3, 1.2, 4)], ("sigmoid", "log", "sqrt", "tan"),
           lambda x: _np_sigmoid(np.log(np.sqrt(x)) * np.tan(x)), empty=EMPTY),
    # complex inputs (built from real ones): TensorFlow's conj convention, checked numerically
    OpSpec("complex_abs", lambda a, b: tg.abs(_complex(a, b)), [randn(4), randn(4, seed=1)],
           ("complex_abs", "cast", "multiply", "add"), lambda a, b: np.abs(a + 1j * b),
           empty=Empty([(0, 2), (0, 2)], [(0, 2)])),
    OpSpec("complex/sign_exp_sqrt", lambda a, b: tg.cast(
        tg.sign(_complex(a, b)) * tg.exp(_complex(a, b)) + tg.sqrt(_complex(b, a)), a.dtype),
        [randn(3), randn(3, seed=1)], ("complex_abs", "divide_no_nan", "exp", "sqrt", "cast"),
        lambda a, b: np.real((a + 1j * b) / np.abs(a + 1j * b) * np.exp(a + 1j * b)
                             + np.sqrt(b + 1j * a)), float32_rtol=1e-4,
        empty=Empty([(3, 0), (3, 0)], [(3, 0)])),
    # no gradient (None, as TensorFlow)
    OpSpec("floor", tg.floor, [randn(5) * 3], ("floor",), np.floor, differentiable=False,
           empty=EMPTY),
    OpSpec("ceil", tg.math.ceil, [randn(5) * 3], ("ceil",), np.ceil, differentiable=False,
           empty=EMPTY),
    OpSpec("round", tg.round, [np.array([0.5, 1.5, 2.5, -0.5, -1.7, 3.2])], ("round",),
           np.round, differentiable=False, empty=EMPTY),
    OpSpec("is_nan", as_float(tg.math.is_nan), [np.array([1.0, np.nan, np.inf])],
           ("is_nan", "cast"), lambda x: np.isnan(x).astype(x.dtype), differentiable=False,
           empty=EMPTY),
    OpSpec("is_finite", as_float(tg.math.is_finite), [np.array([1.0, np.nan, -np.inf])],
           ("is_finite", "cast"), lambda x: np.isfinite(x).astype(x.dtype),
           differentiable=False, empty=EMPTY),
    OpSpec("is_inf", as_float(tg.math.is_inf), [np.array([1.0, np.nan, -np.inf])],
           ("is_inf", "cast"), lambda x: np.isinf(x).astype(x.dtype), differentiable=False,
           empty=EMPTY),
    OpSpec("logical_not", as_float(lambda x: tg.logical_not(x > 0)), [randn(4)],
           ("logical_not", "greater", "cast"), lambda x: (x <= 0).astype(x.dtype),
           differentiable=False, empty=EMPTY),
]

# The fused derivative ops behind the VJPs of tanh, sigmoid, sqrt, rsqrt and reciprocal
# (TensorFlow's TanhGrad, SigmoidGrad, SqrtGrad, RsqrtGrad, ReciprocalGrad).

SPECS += [
    OpSpec("tanh_grad", lambda y, g: _unary.tanh_grad_p.bind(y, g),
           [np.tanh(randn(3, 4)), randn(3, 4, seed=1)], ("tanh_grad",),
           lambda y, g: g * (1 - y * y), empty=Empty(
               [(3, 0), (3, 0)], [(3, 0)], tf=lambda tf, y, g: tf.raw_ops.TanhGrad(y=y, dy=g))),
    OpSpec("sigmoid_grad", lambda y, g: _unary.sigmoid_grad_p.bind(y, g),
           [1 / (1 + np.exp(-randn(3, 4))), randn(3, 4, seed=1)], ("sigmoid_grad",),
           lambda y, g: g * y * (1 - y), empty=Empty(
               [(3, 0), (3, 0)], [(3, 0)], tf=lambda tf, y, g: tf.raw_ops.SigmoidGrad(y=y, dy=g))),
    OpSpec("sqrt_grad", lambda y, g: _unary.sqrt_grad_p.bind(y, g),
           [positive(3, 4), randn(3, 4, seed=1)], ("sqrt_grad",), lambda y, g: 0.5 * g / y,
           empty=Empty([(3, 0), (3, 0)], [(3, 0)],
                       tf=lambda tf, y, g: tf.raw_ops.SqrtGrad(y=y, dy=g))),
    OpSpec("rsqrt_grad", lambda y, g: _unary.rsqrt_grad_p.bind(y, g),
           [positive(3, 4), randn(3, 4, seed=1)], ("rsqrt_grad",), lambda y, g: -0.5 * g * y**3,
           empty=Empty([(3, 0), (3, 0)], [(3, 0)],
                       tf=lambda tf, y, g: tf.raw_ops.RsqrtGrad(y=y, dy=g))),
    OpSpec("reciprocal_grad", lambda y, g: _unary.reciprocal_grad_p.bind(y, g),
           [away(randn(3, 4), 0.5), randn(3, 4, seed=1)], ("reciprocal_grad",),
           lambda y, g: -g * y * y, empty=Empty(
               [(3, 0), (3, 0)], [(3, 0)],
               tf=lambda tf, y, g: tf.raw_ops.ReciprocalGrad(y=y, dy=g))),
]
