"""Unary elementwise math: each op is its NumPy/SciPy function plus its derivative.

One line per rule, ``elementwise(name, forward, f'(x, ans))``: the VJP is
``g * conj(f')`` (TensorFlow's convention for complex inputs; ``conj`` is skipped
for real ones) and the JVP ``t * f'``, so both batch over leading dimensions.
Derivatives are written with tapegrad ops, so they differentiate again; each
uses TensorFlow's formula, which fixes the values at the edges (``sqrt'(0) =
inf``, ``abs'(0) = 0``, ``sign' = 0``, ``reciprocal'(0) = -inf``). tanh, sigmoid,
sqrt, rsqrt and reciprocal backpropagate through one fused op, TensorFlow's
TanhGrad, ..., ReciprocalGrad: a zero incoming gradient gives 0 even where ``f'``
is infinite, so ``where(x > 0, sqrt(x), 0)`` has gradient 0 at ``x = 0``.

Dtypes follow TensorFlow: transcendental functions take floating (and, where
TensorFlow does, complex) tensors only; ``abs``, ``sign``, ``square`` and
``negative`` also take integers. Rounding, predicates and ``logical_not``
have no gradient (None). SciPy results are cast back to the input's dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special as _sp

from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._namespace import is_numpy, namespace, numpy_dtype, special, ufunc
from ._rules import conj as _conj
from ._rules import elementwise, nondifferentiable
from .arithmetic import div_no_nan_p
from .casting import cast, conj  # noqa: F401  (conj: public name, re-exported)
from .creation import zeros_like

__all__ = [
    "abs",
    "sign",
    "square",
    "sqrt",
    "rsqrt",
    "reciprocal",
    "exp",
    "expm1",
    "log",
    "log1p",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "erf",
    "lgamma",
    "digamma",
    "polygamma",
    "floor",
    "ceil",
    "round",
    "is_nan",
    "is_finite",
    "is_inf",
    "logical_not",
    "conj",
]


# --- fused gradient ops (TensorFlow's ...Grad kernels) -------------------------------------------
def _fused_grad(name, impl, d_dy, *, d_dg=None, reads_ans=False, dtypes="f"):
    """TensorFlow's TanhGrad, SigmoidGrad, SqrtGrad, ...: ``op(y, g) = g * conj(f')`` in one op.

    The backward pass of ``f`` then costs one op instead of several, and the op fixes
    the value where ``g`` is 0: SqrtGrad, RsqrtGrad and ReciprocalGrad give 0 there even
    where ``f'`` is infinite, so a ``where`` that discards a branch discards its gradient.
    ``d_dy(gg, ans, y, g)`` and ``d_dg(gg, y)`` are the op's VJPs (TensorFlow's
    ...GradGrad); ``d_dg`` defaults to the op itself (``g * f'`` is linear in ``g``).
    ``d_dg`` is also ``f``'s JVP (TensorFlow's forward mode transposes the VJP in ``g``).
    The op is real or antiholomorphic in ``y``, so ``d_dy`` is its JVP in ``y`` as well;
    its JVP in ``g`` is ``d_dg`` at ``conj(y)``. ``reads_ans``: ``d_dy`` reads the output.
    """

    def by_g(gg, ans, y, g):
        return prim.bind(y, gg) if d_dg is None else d_dg(gg, y)

    def by_g_jvp(t, ans, y, g):
        return by_g(t, ans, _conj(y), g)

    prim = Primitive(
        name,
        impl,
        vjps=(d_dy, by_g),
        jvps=(d_dy, by_g_jvp),
        reads=((0, 1, ANS) if reads_ans else (0, 1), (0,)),
        dtypes=dtypes,
    )
    return prim


def _zero_where_no_gradient(formula):
    """``formula(conj(y), g)``, and 0 where ``g == 0`` (TensorFlow's kernels: no 0 * inf)."""

    def impl(y, g):
        if not isinstance(y, (np.ndarray, np.generic)):  # other libraries
            xp = namespace(y, g)
            y_conj = xp.conj(y) if numpy_dtype(y).kind == "c" else y
            return xp.where(g == 0, xp.zeros_like(g), formula(y_conj, g))
        y_conj = np.conj(y) if y.dtype.kind == "c" else y
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.where(g == 0, 0, formula(y_conj, g))

    return impl


# --- sign and magnitude --------------------------------------------------------------------------
def _sign_vjp(g, ans, x):
    return zeros_like(g)  # TensorFlow: zeros, even where g is inf or nan


sign_p = Primitive("sign", ufunc(np.sign), vjps=(_sign_vjp,), jvps=(None,),  # TF: no tangent (None)
                   reads=((),), dtypes="fi")


def sign(x: Any, name: Any = None) -> Tensor:
    """-1, 0 or 1 by the sign of ``x`` (nan stays nan); its gradient is zero everywhere.

    For complex ``x``, ``x / |x|`` (0 at 0), differentiable, as TensorFlow computes it.

    >>> import tapegrad as tg
    >>> tg.sign(tg.constant([-2.0, 0.0, 3.0])).numpy().tolist()
    [-1.0, 0.0, 1.0]
    """
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if x.dtype.kind == "c":
        return div_no_nan_p.bind(x, cast(complex_abs_p.bind(x), x.dtype))
    return sign_p.bind(x)


abs_p: Primitive = elementwise("abs", ufunc(np.abs), lambda x, ans: sign_p.bind(x), dtypes="fi")


def _complex_abs_vjp(g, ans, x):  # TensorFlow: g * x / |x|, and 0 at 0
    return div_no_nan_p.bind(cast(g, x.dtype) * x, cast(ans, x.dtype))


def _complex_abs_jvp(t, ans, x):
    return div_no_nan_p.bind(cast(_conj(x) * t, ans.dtype), ans)


complex_abs_p = Primitive("complex_abs", ufunc(np.abs), vjps=(_complex_abs_vjp,),
                          jvps=(_complex_abs_jvp,),
                          reads=((0, ANS),), dtypes="c")


def abs(x: Any, name: Any = None) -> Tensor:
    """``|x|`` elementwise; the gradient is ``sign(x)``, so 0 at 0 (TensorFlow).

    Floating and signed integer tensors keep their dtype; complex ones give their
    magnitude as a real tensor (complex64 -> float32), with gradient ``g * x / |x|``.

    >>> import tapegrad as tg
    >>> tg.abs(tg.constant([-2.0, 0.0, 3.0])).numpy().tolist()
    [2.0, 0.0, 3.0]
    """
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return complex_abs_p.bind(x) if x.dtype.kind == "c" else abs_p.bind(x)


square_p: Primitive = elementwise("square", ufunc(np.square), lambda x, ans: x * 2, dtypes="fciu")


def square(x: Any, name: Any = None) -> Tensor:
    """``x * x`` elementwise (any numeric dtype).

    >>> import tapegrad as tg
    >>> tg.square(3.0).numpy()
    np.float32(9.0)
    """
    return square_p.bind(x)


# --- powers and roots ----------------------------------------------------------------------------
sqrt_grad_p: Primitive = _fused_grad(  # y = sqrt(x): 0.5 * g / conj(y)
    "sqrt_grad", _zero_where_no_gradient(lambda yc, g: (0.5 * g) / yc),
    lambda gg, ans, y, g: -_conj(gg / y) * ans, d_dg=lambda gg, y: (gg / y) * 0.5,
    reads_ans=True, dtypes="fc",
)

sqrt_p: Primitive = elementwise("sqrt", ufunc(np.sqrt), lambda x, ans: 0.5 / ans, uses="ans",
                                fused=sqrt_grad_p)


def sqrt(x: Any, name: Any = None) -> Tensor:
    """Square root; the gradient at 0 is inf, and 0 where the incoming gradient is 0 (TF).

    >>> import tapegrad as tg
    >>> tg.sqrt(4.0).numpy()
    np.float32(2.0)
    """
    return sqrt_p.bind(x)


rsqrt_grad_p: Primitive = _fused_grad(  # y = rsqrt(x): -0.5 * g * conj(y)**3
    "rsqrt_grad", _zero_where_no_gradient(lambda yc, g: -0.5 * (g * yc) * (yc * yc)),
    lambda gg, ans, y, g: _conj(gg) * g * square_p.bind(_conj(y)) * -1.5,
    d_dg=lambda gg, y: rsqrt_grad_p.bind(_conj(y), gg), dtypes="fc",
)

rsqrt_p = elementwise("rsqrt", lambda x: 1 / namespace(x).sqrt(x),
                      lambda x, ans: -0.5 * (ans * ans * ans),
                      uses="ans", fused=rsqrt_grad_p)


def rsqrt(x: Any, name: Any = None) -> Tensor:
    """``1 / sqrt(x)`` elementwise.

    >>> import tapegrad as tg
    >>> tg.math.rsqrt(4.0).numpy()
    np.float32(0.5)
    """
    return rsqrt_p.bind(x)


reciprocal_grad_p: Primitive = _fused_grad(  # y = 1 / x: -g * conj(y)**2
    "reciprocal_grad", _zero_where_no_gradient(lambda yc, g: -(yc * yc) * g),
    lambda gg, ans, y, g: _conj(gg) * -2.0 * g * _conj(y),
    d_dg=lambda gg, y: reciprocal_grad_p.bind(_conj(y), gg), dtypes="fc",
)

def _reciprocal_impl(x):
    if isinstance(x, (np.ndarray, np.generic)):
        return np.reciprocal(x)
    return 1 / x  # (the array API standard has no reciprocal)


reciprocal_p = elementwise("reciprocal", _reciprocal_impl, lambda x, ans: -(ans * ans), uses="ans",
                           fused=reciprocal_grad_p)


def reciprocal(x: Any, name: Any = None) -> Tensor:
    """``1 / x`` elementwise (floating or complex tensors).

    >>> import tapegrad as tg
    >>> tg.math.reciprocal(4.0).numpy()
    np.float32(0.25)
    """
    return reciprocal_p.bind(x)


# --- exponentials and logarithms -----------------------------------------------------------------
exp_p: Primitive = elementwise("exp", ufunc(np.exp), lambda x, ans: ans, uses="ans")


def exp(x: Any, name: Any = None) -> Tensor:
    """``e ** x`` elementwise.

    >>> import tapegrad as tg
    >>> float(tg.exp(0.0))
    1.0
    """
    return exp_p.bind(x)


expm1_p: Primitive = elementwise("expm1", ufunc(np.expm1), lambda x, ans: exp_p.bind(x))


def expm1(x: Any, name: Any = None) -> Tensor:
    """``exp(x) - 1``, accurate for small ``x``.

    >>> import tapegrad as tg
    >>> float(tg.math.expm1(0.0))
    0.0
    """
    return expm1_p.bind(x)


log_p: Primitive = elementwise("log", ufunc(np.log), lambda x, ans: reciprocal_p.bind(x))


def log(x: Any, name: Any = None) -> Tensor:
    """Natural logarithm.

    >>> import tapegrad as tg
    >>> float(tg.math.log(1.0))
    0.0
    """
    return log_p.bind(x)


log1p_p: Primitive = elementwise("log1p", ufunc(np.log1p), lambda x, ans: reciprocal_p.bind(1 + x))


def log1p(x: Any, name: Any = None) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``.

    >>> import tapegrad as tg
    >>> float(tg.math.log1p(0.0))
    0.0
    """
    return log1p_p.bind(x)


# --- trigonometric -------------------------------------------------------------------------------
def _one_minus_square(x):
    return 1 - square_p.bind(x)


sin_p: Primitive = elementwise("sin", ufunc(np.sin), lambda x, ans: cos_p.bind(x))


def sin(x: Any, name: Any = None) -> Tensor:
    """Sine.

    >>> import tapegrad as tg
    >>> float(tg.sin(0.0))
    0.0
    """
    return sin_p.bind(x)


cos_p: Primitive = elementwise("cos", ufunc(np.cos), lambda x, ans: -sin_p.bind(x))


def cos(x: Any, name: Any = None) -> Tensor:
    """Cosine.

    >>> import tapegrad as tg
    >>> float(tg.cos(0.0))
    1.0
    """
    return cos_p.bind(x)


tan_p = elementwise("tan", ufunc(np.tan),
                    lambda x, ans: square_p.bind(reciprocal_p.bind(cos_p.bind(x))))


def tan(x: Any, name: Any = None) -> Tensor:
    """Tangent.

    >>> import tapegrad as tg
    >>> float(tg.tan(0.0))
    0.0
    """
    return tan_p.bind(x)


asin_p: Primitive = elementwise(
    "asin", ufunc(np.arcsin), lambda x, ans: reciprocal_p.bind(sqrt_p.bind(_one_minus_square(x)))
)


def asin(x: Any, name: Any = None) -> Tensor:
    """Inverse sine (nan outside [-1, 1]).

    >>> import tapegrad as tg
    >>> float(tg.asin(0.0))
    0.0
    """
    return asin_p.bind(x)


acos_p: Primitive = elementwise(
    "acos", ufunc(np.arccos), lambda x, ans: -reciprocal_p.bind(sqrt_p.bind(_one_minus_square(x)))
)


def acos(x: Any, name: Any = None) -> Tensor:
    """Inverse cosine (nan outside [-1, 1]).

    >>> import tapegrad as tg
    >>> float(tg.acos(1.0))
    0.0
    """
    return acos_p.bind(x)


atan_p = elementwise("atan", ufunc(np.arctan),
                     lambda x, ans: reciprocal_p.bind(1 + square_p.bind(x)))


def atan(x: Any, name: Any = None) -> Tensor:
    """Inverse tangent.

    >>> import tapegrad as tg
    >>> float(tg.atan(0.0))
    0.0
    """
    return atan_p.bind(x)


# --- hyperbolic ----------------------------------------------------------------------------------
sinh_p: Primitive = elementwise("sinh", ufunc(np.sinh), lambda x, ans: cosh_p.bind(x))


def sinh(x: Any, name: Any = None) -> Tensor:
    """Hyperbolic sine.

    >>> import tapegrad as tg
    >>> float(tg.sinh(0.0))
    0.0
    """
    return sinh_p.bind(x)


cosh_p: Primitive = elementwise("cosh", ufunc(np.cosh), lambda x, ans: sinh_p.bind(x))


def cosh(x: Any, name: Any = None) -> Tensor:
    """Hyperbolic cosine.

    >>> import tapegrad as tg
    >>> float(tg.cosh(0.0))
    1.0
    """
    return cosh_p.bind(x)


tanh_grad_p = _fused_grad("tanh_grad", lambda y, g: g * (1 - y * y),
                          lambda gg, ans, y, g: gg * (g * (y * -2)))

tanh_p: Primitive = elementwise("tanh", ufunc(np.tanh), lambda x, ans: 1 - ans * ans, uses="ans",
                                fused=tanh_grad_p)


def tanh(x: Any, name: Any = None) -> Tensor:
    """Hyperbolic tangent.

    >>> import tapegrad as tg
    >>> float(tg.tanh(0.0))
    0.0
    """
    return tanh_p.bind(x)


asinh_p = elementwise("asinh", ufunc(np.arcsinh),
                      lambda x, ans: reciprocal_p.bind(cosh_p.bind(ans)), uses="ans")


def asinh(x: Any, name: Any = None) -> Tensor:
    """Inverse hyperbolic sine.

    >>> import tapegrad as tg
    >>> float(tg.asinh(0.0))
    0.0
    """
    return asinh_p.bind(x)


acosh_p = elementwise("acosh", ufunc(np.arccosh),
                      lambda x, ans: reciprocal_p.bind(sinh_p.bind(ans)), uses="ans")


def acosh(x: Any, name: Any = None) -> Tensor:
    """Inverse hyperbolic cosine (nan below 1; the gradient at 1 is inf).

    >>> import tapegrad as tg
    >>> float(tg.acosh(1.0))
    0.0
    """
    return acosh_p.bind(x)


atanh_p = elementwise("atanh", ufunc(np.arctanh),
                      lambda x, ans: reciprocal_p.bind(_one_minus_square(x)))


def atanh(x: Any, name: Any = None) -> Tensor:
    """Inverse hyperbolic tangent (nan outside [-1, 1]).

    >>> import tapegrad as tg
    >>> float(tg.atanh(0.0))
    0.0
    """
    return atanh_p.bind(x)


# --- logistic (stable for logits of +-1000) ------------------------------------------------------
def _sigmoid_impl(x):
    if not isinstance(x, (np.ndarray, np.generic)):  # other libraries
        xp = namespace(x)
        if numpy_dtype(x).kind == "c":
            return 1 / (1 + xp.exp(-x))
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
    if x.dtype.kind == "c":
        return 1 / (1 + np.exp(-x))
    e = np.exp(-np.abs(x))  # exp of a non-positive number only: stable in both tails
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


sigmoid_grad_p: Primitive = _fused_grad(
    "sigmoid_grad", lambda y, g: g * (y * (1 - y)), lambda gg, ans, y, g: gg * (g * (1 - y * 2))
)

sigmoid_p: Primitive = elementwise("sigmoid", _sigmoid_impl, lambda x, ans: ans * (1 - ans),
                                   uses="ans", fused=sigmoid_grad_p)


def sigmoid(x: Any, name: Any = None) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed stably (finite at +-1000).

    >>> import tapegrad as tg
    >>> tg.sigmoid(tg.constant([-1000.0, 0.0, 1000.0])).numpy().tolist()
    [0.0, 0.5, 1.0]
    """
    return sigmoid_p.bind(x)


def _softplus_impl(x):
    xp = namespace(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))  # log(1 + e^x), stable


softplus_p = elementwise("softplus", _softplus_impl, lambda x, ans: sigmoid_p.bind(x), dtypes="f")


def softplus(features: Any, name: Any = None) -> Tensor:
    """``log(1 + exp(x))``, computed stably; the gradient is ``sigmoid(x)``.

    >>> import tapegrad as tg
    >>> tg.math.softplus(tg.constant([-1000.0, 1000.0])).numpy().tolist()
    [0.0, 1000.0]
    """
    return softplus_p.bind(features)


def _log_sigmoid_impl(x):
    return -_softplus_impl(-x)  # TensorFlow's definition (-0.0 at +inf included)


log_sigmoid_p: Primitive = elementwise("log_sigmoid", _log_sigmoid_impl,
                                       lambda x, ans: sigmoid_p.bind(-x), dtypes="f")


def log_sigmoid(x: Any, name: Any = None) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, computed stably; the gradient is ``sigmoid(-x)``.

    >>> import tapegrad as tg
    >>> tg.math.log_sigmoid(tg.constant([-1000.0, 0.0])).numpy().tolist()
    [-1000.0, -0.6931471824645996]
    """
    return log_sigmoid_p.bind(x)


# --- special functions (SciPy) -------------------------------------------------------------------
def _special(fn):
    """A SciPy function that keeps the input's dtype (SciPy computes some in float64); CuPy's
    arrays take cupyx's, and a library without special functions is refused."""
    def impl(x):
        f = fn if is_numpy(x) else getattr(special(x, fn.__name__), fn.__name__)
        return f(x).astype(x.dtype, copy=False)

    return impl


_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)


erf_p: Primitive = elementwise(
    "erf", _special(_sp.erf), lambda x, ans: _TWO_OVER_SQRT_PI * exp_p.bind(-square_p.bind(x)),
    dtypes="f",
)


def erf(x: Any, name: Any = None) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``.

    >>> import tapegrad as tg
    >>> float(tg.math.erf(0.0))
    0.0
    """
    return erf_p.bind(x)


def _nonpositive_integer(x):
    return (x <= 0) & (x == np.floor(x))  # poles of the gamma function, and -inf


def _lgamma_impl(x):
    gammaln = special(x, "lgamma").gammaln
    return np.where(x == -np.inf, np.inf, gammaln(x)).astype(x.dtype, copy=False)


lgamma_p = elementwise("lgamma", _lgamma_impl, lambda x, ans: digamma_p.bind(x), dtypes="f")


def lgamma(x: Any, name: Any = None) -> Tensor:
    """``log|Gamma(x)|``; inf at the poles 0, -1, -2, ...; the gradient is ``digamma(x)``.

    >>> import tapegrad as tg
    >>> float(tg.math.lgamma(1.0))
    0.0
    """
    return lgamma_p.bind(x)


def _digamma_impl(x):
    # TensorFlow (Eigen) gives nan at the poles 0, -1, ... and at -inf; SciPy gives +-inf.
    psi = special(x, "digamma").digamma
    return np.where(_nonpositive_integer(x), np.nan, psi(x)).astype(x.dtype, copy=False)


digamma_p: Primitive = elementwise("digamma", _digamma_impl, lambda x, ans: polygamma_p.bind(1, x),
                                   dtypes="f")


def digamma(x: Any, name: Any = None) -> Tensor:
    """The derivative of ``lgamma``; nan at the poles (TensorFlow); gradient ``polygamma(1, x)``.

    >>> import tapegrad as tg
    >>> tg.math.digamma(1.0).numpy()
    np.float32(-0.5772157)
    """
    return digamma_p.bind(x)


def _polygamma_impl(a, x):
    order = np.where((a >= 0) & (a == np.floor(a)), a, np.nan)  # TF: nan for other orders
    with np.errstate(invalid="ignore"):
        out = special(x, "polygamma").polygamma(np.nan_to_num(order, nan=1.0), x)
    out = np.where(order == 0, _digamma_impl(x), out)
    even = (order >= 2) & (np.fmod(order, 2) == 0)
    out = np.where(np.isnan(order) | (even & _nonpositive_integer(x)), np.nan, out)
    return out.astype(x.dtype, copy=False)


def _polygamma_rule(g, ans, a, x):
    return g * polygamma_p.bind(a + 1, x)  # no derivative in the order (None, as TensorFlow)


polygamma_p: Primitive = Primitive(
    "polygamma",
    _polygamma_impl,
    vjps=(None, _polygamma_rule),
    jvps=(None, _polygamma_rule),
    reads=((), (0, 1)),
    dtypes="f",
)


def polygamma(a: Any, x: Any, name: Any = None) -> Tensor:
    """The ``a``-th derivative of ``digamma`` at ``x`` (``a`` a whole number, else nan).

    ``a`` and ``x`` are floating tensors of one dtype and broadcast together. As in
    TensorFlow there is a gradient for ``x`` but none (None) for ``a``.

    >>> import tapegrad as tg
    >>> tg.math.polygamma(1.0, 1.0).numpy()
    np.float32(1.644934)
    """
    if not isinstance(a, Tensor) and isinstance(x, Tensor):
        a = convert_to_tensor(a, dtype=x.dtype)  # a Python order takes x's dtype
    return polygamma_p.bind(a, x)


# --- rounding and predicates (no gradient: None, as TensorFlow) ----------------------------------
floor_p: Primitive = nondifferentiable("floor", ufunc(np.floor), dtypes="f")


def floor(x: Any, name: Any = None) -> Tensor:
    """Largest whole number ``<= x`` (floating tensors; no gradient).

    >>> import tapegrad as tg
    >>> tg.floor(tg.constant([-1.5, 1.5])).numpy().tolist()
    [-2.0, 1.0]
    """
    return floor_p.bind(x)


ceil_p: Primitive = nondifferentiable("ceil", ufunc(np.ceil), dtypes="f")


def ceil(x: Any, name: Any = None) -> Tensor:
    """Smallest whole number ``>= x`` (floating tensors; no gradient).

    >>> import tapegrad as tg
    >>> tg.math.ceil(tg.constant([-1.5, 1.5])).numpy().tolist()
    [-1.0, 2.0]
    """
    return ceil_p.bind(x)


# half to even, as TensorFlow
round_p: Primitive = nondifferentiable("round", ufunc(np.round), dtypes="f")


def round(x: Any, name: Any = None) -> Tensor:
    """Round half to even (banker's rounding, as TensorFlow); integers are returned as they are.

    No gradient (None).

    >>> import tapegrad as tg
    >>> tg.round(tg.constant([0.5, 1.5, 2.5, -0.5])).numpy().tolist()
    [0.0, 2.0, 2.0, -0.0]
    """
    x = convert_to_tensor(x)
    if x.dtype.kind in "iu":
        return x
    return round_p.bind(x)


is_nan_p: Primitive = nondifferentiable("is_nan", ufunc(np.isnan), dtypes="f")


def is_nan(x: Any, name: Any = None) -> Tensor:
    """True where ``x`` is nan (floating tensors).

    >>> import tapegrad as tg
    >>> tg.math.is_nan(tg.constant([1.0, float("nan")])).numpy().tolist()
    [False, True]
    """
    return is_nan_p.bind(x)


is_finite_p: Primitive = nondifferentiable("is_finite", ufunc(np.isfinite), dtypes="f")


def is_finite(x: Any, name: Any = None) -> Tensor:
    """True where ``x`` is neither inf nor nan (floating tensors).

    >>> import tapegrad as tg
    >>> tg.math.is_finite(tg.constant([1.0, float("inf")])).numpy().tolist()
    [True, False]
    """
    return is_finite_p.bind(x)


is_inf_p: Primitive = nondifferentiable("is_inf", ufunc(np.isinf), dtypes="f")


def is_inf(x: Any, name: Any = None) -> Tensor:
    """True where ``x`` is +inf or -inf (floating tensors).

    >>> import tapegrad as tg
    >>> tg.math.is_inf(tg.constant([1.0, float("-inf")])).numpy().tolist()
    [False, True]
    """
    return is_inf_p.bind(x)


logical_not_p: Primitive = nondifferentiable("logical_not", ufunc(np.logical_not), dtypes="b")


def logical_not(x: Any, name: Any = None) -> Tensor:
    """Elementwise NOT of a bool tensor.

    >>> import tapegrad as tg
    >>> tg.logical_not(tg.constant([True, False])).numpy().tolist()
    [False, True]
    """
    return logical_not_p.bind(x)

