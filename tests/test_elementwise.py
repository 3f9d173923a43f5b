"""Elementwise ops: TensorFlow's conventions, dtype rules, operators and bad input.

Expected values at ties, kinks and poles were read off TensorFlow 2.21 (the
op table in tests/op_specs/ checks smooth points against finite differences).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tapegrad as tg

INF, NAN = np.inf, np.nan
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # poles on purpose (NumPy warns)


def grads(f, *xs, dtype=np.float64, output_gradients=None):
    """Value and gradients of ``f(*xs)`` (None stays None)."""
    ts = [tg.constant(np.asarray(x, dtype)) for x in xs]
    with tg.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    gs = tape.gradient(y, ts, output_gradients=output_gradients)
    return y.numpy(), [None if g is None else np.asarray(g) for g in gs]


def second(f, x):
    """d/dx of sum(f'(x)), or None where TensorFlow gives None."""
    x = tg.constant(np.asarray(x, np.float64))
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    out = outer.gradient(g, x)
    return None if out is None else out.numpy()


def close(got, expected):
    np.testing.assert_allclose(got, np.asarray(expected, np.float64), rtol=1e-6, atol=1e-7)


# --- kinks, zeros and poles ----------------------------------------------------------------------
class TestKinks:
    def test_abs_gradient_is_sign_and_zero_at_zero(self):
        y, (g,) = grads(tg.abs, [-1.0, 0.0, 2.0])
        close(y, [1, 0, 2])
        close(g, [-1, 0, 1])
        close(second(tg.abs, [0.0, 1.0]), [0, 0])

    def test_sign_gradient_is_zero_even_for_inf_and_nan_cotangents(self):
        _, (g,) = grads(tg.sign, [1.0, -1.0], output_gradients=tg.constant([INF, NAN], tg.float64))
        close(g, [0, 0])
        x = tg.constant([1.0, -2.0])
        with tg.autodiff.ForwardAccumulator(x, tg.constant([1.0, 1.0])) as acc:
            y = tg.sign(x)
        assert acc.jvp(y) is None  # TensorFlow's forward mode: None

    @pytest.mark.parametrize("fn, x, value, grad", [
        (tg.sqrt, [0.0, 4.0], [0, 2], [INF, 0.25]),
        (tg.math.rsqrt, [0.0, 4.0], [INF, 0.5], [-INF, -0.0625]),
        (tg.math.reciprocal, [0.0, -2.0], [INF, -0.5], [-INF, -0.25]),
        (tg.math.log, [0.0, 2.0], [-INF, np.log(2)], [INF, 0.5]),
        (tg.acosh, [1.0], [0.0], [INF]),
        (tg.atanh, [1.0, -1.0], [INF, -INF], [INF, INF]),
        (tg.asin, [1.0], [np.pi / 2], [INF]),
        (tg.math.lgamma, [0.0, -1.0, -INF, 0.5], [INF, INF, INF, np.log(np.sqrt(np.pi))],
         [NAN, NAN, NAN, -1.9635100260214235]),
    ])
    def test_values_and_gradients_at_the_edge(self, fn, x, value, grad):
        y, (g,) = grads(fn, x)
        close(y, value)
        close(g, grad)

    def test_digamma_and_polygamma_give_nan_at_poles_like_tensorflow(self):
        close(tg.math.digamma(tg.constant([0.0, -0.0, -1.0, -INF, 0.5])).numpy(),
              [NAN, NAN, NAN, NAN, -1.9635100260214235])
        a = tg.constant([0.0, 1.0, 2.0, 3.0, 1.5, -1.0])
        close(tg.math.polygamma(a, tg.constant(-1.0)).numpy(), [NAN, INF, NAN, INF, NAN, NAN])
        close(tg.math.polygamma(a[:4], tg.constant(0.5)).numpy(),
              [-1.9635100260214235, 4.934802200544679, -16.828796644234316, 97.40909103400242])

    def test_digamma_second_derivative_goes_through_polygamma(self):
        close(second(tg.math.digamma, [0.5, 2.0]), [-16.828796644234316, -0.4041138063191886])
        close(second(tg.math.lgamma, [0.5, 3.0]), [4.934802200544679, 0.3949340668482264])

    def test_polygamma_has_no_gradient_for_the_order(self):
        _, (ga, gx) = grads(tg.math.polygamma, 1.0, [0.5, 2.0])
        assert ga is None
        close(gx, [-16.828796644234316, -0.4041138063191886])

    def test_atan2_at_the_origin_is_nan(self):
        _, (gy, gx) = grads(tg.atan2, [0.0, 1.0], [0.0, 1.0])
        close(gy, [NAN, 0.5])
        close(gx, [NAN, -0.5])

    def test_erf_gradient(self):
        _, (g,) = grads(tg.math.erf, [0.0, 1.0])
        close(g, [2 / np.sqrt(np.pi), 2 / np.sqrt(np.pi) * np.exp(-1.0)])


class TestTies:
    def test_maximum_gives_ties_to_x(self):
        _, (gx, gy) = grads(tg.maximum, [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
        close(gx, [1, 1, 0])
        close(gy, [0, 0, 1])

    def test_minimum_gives_ties_to_x(self):
        _, (gx, gy) = grads(tg.minimum, [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
        close(gx, [1, 0, 1])
        close(gy, [0, 1, 0])

    def test_maximum_ties_with_broadcasting(self):
        y, (gx, gy) = grads(tg.maximum, 1.0, [1.0, 0.0, 2.0])
        close(y, [1, 1, 2])
        close(gx, 2.0)
        close(gy, [0, 0, 1])

    @pytest.mark.parametrize("fn", [tg.maximum, tg.minimum])
    def test_nan_wins_and_its_gradient_goes_to_y(self, fn):
        y, (gx, gy) = grads(fn, [NAN, 1.0], [1.0, NAN])
        assert np.isnan(y).all()
        close(gx, [0, 0])
        close(gy, [1, 1])

    def test_clip_by_value_bounds_are_inclusive_for_t(self):
        y, (gt, glo, ghi) = grads(tg.clip_by_value, [-2.0, -1.0, 0.0, 1.0, 2.0], -1.0, 1.0)
        close(y, [-1, -1, 0, 1, 1])
        close(gt, [0, 1, 1, 1, 0])
        close(glo, 1.0)
        close(ghi, 1.0)

    def test_clip_by_value_broadcast_bounds(self):
        lo, hi = [-1.0] * 5, [1.0] * 5
        _, (gt, glo, ghi) = grads(tg.clip_by_value, [-2.0, -1.0, 0.0, 1.0, 2.0], lo, hi)
        close(gt, [0, 1, 1, 1, 0])
        close(glo, [1, 0, 0, 0, 0])
        close(ghi, [0, 0, 0, 0, 1])

    def test_clip_by_value_min_above_max_follows_tensorflow(self):
        y, (gt, glo, ghi) = grads(tg.clip_by_value, [1.0, 2.0, 3.0], 2.5, 1.5)
        close(y, [2.5, 2.5, 2.5])
        close(gt, [0, 0, 0])
        close(glo, 3.0)
        close(ghi, 0.0)

    def test_clip_by_value_keeps_nan_and_indexed_slices(self):
        close(tg.clip_by_value(tg.constant([NAN, 1.0]), 0.0, 0.5).numpy(), [NAN, 0.5])
        s = tg.IndexedSlices(tg.constant([[3.0, -3.0]]), np.array([1]), (2, 2))
        clipped = tg.clip_by_value(s, -1.0, 1.0)
        assert isinstance(clipped, tg.IndexedSlices)
        close(tg.convert_to_tensor(clipped).numpy(), [[0, 0], [1, -1]])


class TestSafeOps:
    def test_pow_at_zero_and_negative_bases(self):
        x, y = [0.0, 0.0, 0.0, -2.0, 2.0, -2.0], [0.0, 1.0, 2.0, 2.0, 0.5, 0.5]
        y, (gx, gy) = grads(tg.pow, x, y)
        close(y, [1, 0, 0, 4, np.sqrt(2), NAN])
        close(gx, [NAN, 1, 0, -4, 0.5 / np.sqrt(2), NAN])
        close(gy, [0, 0, 0, 0, np.sqrt(2) * np.log(2), NAN])  # log(x) only where x > 0
        y, (gx, gy) = grads(tg.pow, [0.0], [-1.0])
        close(y, [INF])
        close(gx, [-INF])
        close(gy, [NAN])

    def test_xlogy_is_zero_where_x_is_zero(self):
        y, (gx, gy) = grads(tg.math.xlogy, [0.0, 0.0, 1.0, 2.0, 0.0], [0.0, 1.0, 0.0, 3.0, -1.0])
        close(y, [0, 0, -INF, 2 * np.log(3), 0])
        close(gx, [0, 0, -INF, np.log(3), 0])
        close(gy, [0, 0, INF, 2 / 3, 0])
        close(tg.math.xlogy(tg.constant([0.0]), tg.constant([NAN])).numpy(), [0])

    def test_xlogy_second_derivative_in_x_is_none(self):
        assert second(lambda x: tg.math.xlogy(x, tg.constant([0.5, 2.0], tg.float64)),
                      [0.0, 1.0]) is None

    def test_divide_no_nan_is_zero_where_y_is_zero(self):
        y, (gx, gy) = grads(tg.math.divide_no_nan, [1.0, 0.0, 2.0, 3.0], [0.0, 0.0, 4.0, INF])
        close(y, [0, 0, 0.5, 0])
        close(gx, [0, 0, 0.25, 0])
        close(gy, [0, 0, -0.125, 0])
        close(tg.math.divide_no_nan(tg.constant([NAN, INF]), 0.0).numpy(), [0, 0])

    def test_xdivy(self):
        y, (gx, gy) = grads(tg.math.xdivy, [0.0, 2.0], [0.0, 4.0])
        close(y, [0, 0.5])
        close(gx, [0, 0.25])
        close(gy, [0, -0.125])

    def test_squared_difference_and_floormod_gradients(self):
        _, (gx, gy) = grads(tg.math.squared_difference, [1.0, 2.0], [3.0, 1.0])
        close(gx, [-4, 2])
        close(gy, [4, -2])
        y, (gx, gy) = grads(tg.math.floormod, [7.0, -7.0], [2.0, 2.0])
        close(y, [1, 1])
        close(gx, [1, 1])
        close(gy, [-3, 4])


class TestNoGradient:
    @pytest.mark.parametrize("fn", [
        tg.floor, tg.math.ceil, tg.round,
        lambda x: tg.math.floordiv(x, 0.7),
        lambda x: tg.cast(tg.math.is_nan(x), x.dtype),
        lambda x: tg.cast(tg.math.is_finite(x), x.dtype),
        lambda x: tg.cast(tg.math.is_inf(x), x.dtype),
        lambda x: tg.cast(tg.equal(x, 1.0), x.dtype),
        lambda x: tg.cast(tg.logical_not(x > 0), x.dtype),
        lambda x: tg.cast(tg.logical_and(x > 0, x < 2), x.dtype),
        lambda x: tg.cast(x >= 1.0, x.dtype),
    ])
    def test_gradient_is_none(self, fn):
        _, (g,) = grads(fn, [0.5, 1.5, -2.5])
        assert g is None

    def test_round_is_half_to_even(self):
        x = tg.constant([0.5, 1.5, 2.5, -0.5, -2.5, 3.49999])
        assert tg.round(x).numpy().tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 3.0]
        ints = tg.constant([1, -2])
        assert tg.round(ints) is ints  # integers come back unchanged, as in TensorFlow

    def test_float_floordiv_and_floormod_follow_tensorflow(self):
        assert tg.math.floordiv(1.0, 0.1).numpy() == 10.0  # floor(x / y), not np.floor_divide
        close(tg.math.floordiv(tg.constant([3.0, -3.0, 0.0]), 0.0).numpy(), [INF, -INF, NAN])
        got = tg.math.floormod(tg.constant([3.0, -3.0, 0.0, -0.0]), -2.0).numpy()
        assert got.tolist() == [-1.0, -1.0, 0.0, -0.0]
        assert [np.signbit(v) for v in got] == [True, True, False, True]


# --- stability ----------------------------------------------------------------------------------
class TestStability:
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    @pytest.mark.parametrize("fn, value, grad", [
        (tg.sigmoid, [0, 0.5, 1], [0, 0.25, 0]),
        (tg.math.softplus, [0, np.log(2), 1000], [0, 0.5, 1]),
        (tg.math.log_sigmoid, [-1000, -np.log(2), 0], [1, 0.5, 0]),
    ])
    def test_logistic_family_at_plus_minus_1000(self, fn, value, grad, dtype):
        y, (g,) = grads(fn, [-1000.0, 0.0, 1000.0], dtype=dtype)
        assert y.dtype == dtype and g.dtype == dtype
        np.testing.assert_allclose(y, value, rtol=1e-6)
        np.testing.assert_allclose(g, grad, rtol=1e-6)
        h = second(fn, [-1000.0, 1000.0])
        assert np.all(np.isfinite(h))

    def test_log_sigmoid_at_infinities(self):
        y = tg.math.log_sigmoid(tg.constant([INF, -INF, NAN])).numpy()
        assert y[0] == 0 and np.signbit(y[0]) and y[1] == -INF and np.isnan(y[2])


# --- dtypes -------------------------------------------------------------------------------------
UNARY_FLOAT = [tg.abs, tg.sign, tg.square, tg.sqrt, tg.math.rsqrt, tg.math.reciprocal, tg.exp,
               tg.math.expm1, tg.math.log, tg.math.log1p, tg.sin, tg.cos, tg.tan, tg.asin, tg.acos,
               tg.atan, tg.sinh, tg.cosh, tg.tanh, tg.asinh, tg.acosh, tg.atanh, tg.sigmoid,
               tg.math.log_sigmoid, tg.math.softplus, tg.math.erf, tg.math.lgamma,
               tg.math.digamma, tg.floor, tg.math.ceil, tg.round, tg.negative]
FLOAT_ONLY = [tg.sqrt, tg.math.rsqrt, tg.math.reciprocal, tg.exp, tg.math.expm1, tg.math.log,
              tg.math.log1p, tg.sin, tg.tanh, tg.sigmoid, tg.math.log_sigmoid, tg.math.softplus,
              tg.math.erf, tg.math.lgamma, tg.math.digamma, tg.floor, tg.math.ceil, tg.math.is_nan,
              tg.math.is_finite]


class TestDtypes:
    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    @pytest.mark.parametrize("fn", UNARY_FLOAT)
    def test_float_dtype_is_kept(self, fn, dtype):
        x = tg.constant(np.array([0.3, 0.7, 1.5], dtype))
        assert fn(x).dtype == dtype
        assert fn(tg.constant(dtype(0.5))).dtype == dtype  # 0-d too

    @pytest.mark.parametrize("fn", FLOAT_ONLY)
    def test_integer_input_is_rejected(self, fn):
        with pytest.raises(TypeError, match=r"int32"):
            fn(tg.constant([1, 2]))

    def test_sqrt_of_int_names_the_op(self):
        with pytest.raises(TypeError, match=r"sqrt.*int32"):
            tg.sqrt(4)  # a Python int is an int32 tensor, as in TensorFlow

    @pytest.mark.parametrize("fn, expected", [
        (tg.abs, [7, 1, 0, 3]), (tg.sign, [-1, 1, 0, 1]), (tg.square, [49, 1, 0, 9]),
        (tg.negative, [7, -1, 0, -3]),
        (lambda x: tg.maximum(x, 2), [2, 2, 2, 3]), (lambda x: tg.minimum(x, 2), [-7, 1, 0, 2]),
        (lambda x: tg.math.floordiv(x, 2), [-4, 0, 0, 1]),
        (lambda x: tg.math.floormod(x, 2), [1, 1, 0, 1]), (lambda x: tg.pow(x, 2), [49, 1, 0, 9]),
        (lambda x: tg.math.squared_difference(x, 1), [64, 0, 1, 4]),
        (lambda x: tg.clip_by_value(x, -1, 2), [-1, 1, 0, 2]),
    ])
    @pytest.mark.parametrize("dtype", [np.int32, np.int64])
    def test_integer_ops(self, fn, expected, dtype):
        y = fn(tg.constant(np.array([-7, 1, 0, 3], dtype)))
        assert y.dtype == dtype
        assert y.numpy().tolist() == expected

    @pytest.mark.parametrize("fn", [tg.negative, tg.abs, tg.sign, lambda x: tg.pow(x, x)])
    def test_unsigned_rejected_where_tensorflow_rejects(self, fn):
        with pytest.raises(TypeError, match="uint8"):
            fn(tg.constant(np.array([3], np.uint8)))

    def test_unsigned_allowed_where_tensorflow_allows(self):
        x = tg.constant(np.array([3, 5], np.uint8))
        assert tg.square(x).dtype == np.uint8
        assert tg.maximum(x, 4).numpy().tolist() == [4, 5]
        assert tg.math.floordiv(x, 2).numpy().tolist() == [1, 2]

    def test_python_scalars_take_the_tensor_dtype(self):
        x64 = tg.constant([1.0, 2.0], tg.float64)
        for y in (x64 + 2, 2 - x64, x64 * 2.5, 2 ** x64, x64 ** 2, tg.maximum(x64, 0),
                  tg.maximum(0, x64), tg.math.xlogy(2, x64), tg.atan2(1, x64)):
            assert y.dtype == np.float64
        i = tg.constant([1, 2])
        assert (i * 2).dtype == np.int32 and (i - 1).dtype == np.int32
        with pytest.raises(TypeError):
            i + 2.5

    @pytest.mark.parametrize("dtype, expected", [
        (np.int8, np.float32), (np.int16, np.float32), (np.uint8, np.float32),
        (np.int32, np.float64), (np.int64, np.float64),
    ])
    def test_integer_true_division_gives_floats(self, dtype, expected):
        x, y = tg.constant(np.array([3], dtype)), tg.constant(np.array([2], dtype))
        for out in (x / y, tg.divide(x, y), tg.truediv(x, y), tg.math.divide_no_nan(x, y)):
            assert out.dtype == expected and out.numpy().tolist() == [1.5]

    def test_python_int_division(self):
        assert (tg.constant(3) / 2).dtype == np.float64
        assert (3 / tg.constant(2)).numpy() == 1.5
        assert tg.divide(3, 2).dtype == np.float64
        assert tg.math.divide_no_nan(tg.constant([3]), 0).numpy().tolist() == [0.0]
        assert (np.array([4, 2]) / tg.constant([1, 2])).dtype == np.float64

    @pytest.mark.parametrize("fn, name", [
        (tg.add, "add"), (tg.subtract, "subtract"), (tg.multiply, "multiply"),
        (tg.divide, "divide"), (tg.maximum, "maximum"), (tg.pow, "pow"),
        (tg.math.xlogy, "xlogy"), (tg.math.divide_no_nan, "divide_no_nan"), (tg.equal, "equal"),
        (tg.atan2, "atan2"), (tg.math.squared_difference, "squared_difference"),
    ])
    def test_mixed_dtypes_raise_naming_op_and_dtypes(self, fn, name):
        x, y = tg.constant([1.0]), tg.constant([1.0], tg.float64)
        with pytest.raises(TypeError, match=rf"{name}.*float32.*float64"):
            fn(x, y)

    def test_int_tensor_with_float_tensor_division(self):
        with pytest.raises(TypeError, match=r"divide.*int32.*float32"):
            tg.divide(tg.constant([1]), tg.constant([1.0]))
        with pytest.raises(TypeError, match=r"float32.*int32"):
            tg.constant([1.0]) / tg.constant([1])

    def test_complex(self):
        z = tg.constant(np.array([3 + 4j, 0j], np.complex64))
        assert tg.abs(z).dtype == np.float32 and tg.abs(z).numpy().tolist() == [5.0, 0.0]
        assert abs(z).dtype == np.float32
        np.testing.assert_allclose(tg.sign(z).numpy(), [0.6 + 0.8j, 0])
        with pytest.raises(TypeError, match="complex64"):
            tg.maximum(z, z)

    def test_complex_gradients_are_conjugated_like_tensorflow(self):
        z0 = np.array([0.3 + 0.2j, -1.2 + 0.5j])
        _, (g,) = grads(tg.exp, z0, dtype=np.complex128)
        np.testing.assert_allclose(g, np.conj(np.exp(z0)))
        _, (g,) = grads(tg.abs, z0, dtype=np.complex128)
        np.testing.assert_allclose(g, z0 / np.abs(z0))
        _, (gx, gy) = grads(tg.multiply, z0, z0[::-1], dtype=np.complex128)
        np.testing.assert_allclose(gx, np.conj(z0[::-1]))
        _, (g,) = grads(tg.sign, z0, dtype=np.complex128)  # x / |x|: differentiable, as TF
        np.testing.assert_allclose(g, [0.85338492 - 1.28007738j, 0.11379153 + 0.27309968j],
                                   rtol=1e-7)


# --- operators ----------------------------------------------------------------------------------
class TestOperators:
    def test_bool_operators_are_logical(self):
        a, b = tg.constant([True, False, True]), tg.constant([True, True, False])
        assert (a & b).numpy().tolist() == [True, False, False]
        assert (a | b).numpy().tolist() == [True, True, True]
        assert (a ^ b).numpy().tolist() == [False, True, True]
        assert (~a).numpy().tolist() == [False, True, False]
        assert (True & a).numpy().tolist() == [True, False, True]
        assert (False | a).numpy().tolist() == [True, False, True]

    def test_integer_operators_are_bitwise(self):
        i = tg.constant([1, -2, 3])
        assert (i & 6).numpy().tolist() == [0, 6, 2]
        assert (i | 6).numpy().tolist() == [7, -2, 7]
        assert (6 ^ i).numpy().tolist() == [7, -8, 5]
        assert (~i).numpy().tolist() == [-2, 1, -4]

    @pytest.mark.parametrize("op", [lambda a: a & a, lambda a: ~a, lambda a: a ^ a])
    def test_float_bitwise_is_rejected(self, op):
        with pytest.raises(TypeError, match="float32"):
            op(tg.constant([1.0]))

    def test_bool_arithmetic_is_rejected(self):
        b = tg.constant([True])
        for op in (lambda: -b, lambda: b + b, lambda: b * b, lambda: b < b, lambda: abs(b)):
            with pytest.raises(TypeError, match="bool"):
                op()
        assert (b == b).numpy().tolist() == [True]

    def test_equality_operators(self):
        x = tg.constant([1, 2])
        assert (x == tg.constant([1, 3])).numpy().tolist() == [True, False]
        assert (x != 2).numpy().tolist() == [True, False]
        unequal = x == tg.constant([1, 2, 3])  # shapes that cannot broadcast: a scalar False
        assert unequal.shape == () and not bool(unequal)
        assert bool(x != tg.constant([1, 2, 3]))
        assert (x == None) is False and (x != None) is True  # noqa: E711
        with pytest.raises(TypeError):
            tg.constant([1.0]) == tg.constant([1.0], tg.float64)  # noqa: B015

    def test_reflected_operators(self):
        x = tg.constant([1.0, 2.0])
        assert (3 - x).numpy().tolist() == [2.0, 1.0]
        assert (2 / x).numpy().tolist() == [2.0, 1.0]
        assert (2 ** x).numpy().tolist() == [2.0, 4.0]
        assert (5 // x).numpy().tolist() == [5.0, 2.0]
        assert (5 % x).numpy().tolist() == [0.0, 1.0]
        assert (np.float32(3) * x).dtype == np.float32
        assert (np.array([1.0, 1.0], np.float32) + x).numpy().tolist() == [2.0, 3.0]
        assert (abs(-x)).numpy().tolist() == [1.0, 2.0]
        assert (x < 2).numpy().tolist() == [True, False] and (2 <= x).numpy().tolist() == [
            False, True]

    def test_integer_division_by_zero(self):
        with pytest.raises(ValueError, match="floordiv.*division by zero"):
            tg.constant([3]) // 0
        with pytest.raises(ValueError, match="floormod.*division by zero"):
            tg.constant([3]) % 0

    def test_integer_to_negative_power(self):
        with pytest.raises(ValueError, match="pow"):
            tg.constant([3]) ** -1
        assert (tg.constant([3]) ** 2).numpy().tolist() == [9]

    def test_operators_are_differentiable(self):
        y, (gx, gy) = grads(lambda x, y: (x + 2) * (3 - y) / (y ** 2 + 1) - x // 0.7 + x % 0.6,
                            [0.5, 1.5], [1.0, -2.0])
        expected_x = (3 - np.array([1.0, -2.0])) / (np.array([1.0, -2.0]) ** 2 + 1) + 1
        close(gx, expected_x)
        assert gy.shape == (2,)


# --- bad input ----------------------------------------------------------------------------------
class TestBadInput:
    def test_shapes_that_do_not_broadcast(self):
        with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
            tg.add(tg.ones((2, 3)), tg.ones(4))
        with pytest.raises(ValueError, match="equal"):
            tg.equal(tg.ones(2), tg.ones(3))

    def test_clip_by_value_would_enlarge_t(self):
        with pytest.raises(ValueError, match=r"clip_by_value.*\(2, 1\).*\(2,\)"):
            tg.clip_by_value(tg.constant([1.0, 2.0]), tg.constant([[0.0], [1.0]]), 5.0)

    def test_clip_by_value_wrong_dtype(self):
        with pytest.raises(TypeError, match="clip_by_value.*clip_value_min"):
            tg.clip_by_value(tg.constant([1, 2]), -3.1, 3.1)
        with pytest.raises(TypeError, match="clip_by_value.*clip_value_max.*float64"):
            tg.clip_by_value(tg.constant([1.0]), 0.0, tg.constant(1.0, tg.float64))

    def test_logical_ops_need_bools(self):
        with pytest.raises(TypeError, match="logical_and.*float32"):
            tg.logical_and(tg.constant([1.0]), tg.constant([1.0]))
        with pytest.raises(TypeError, match="logical_not.*int32"):
            tg.logical_not(tg.constant([1]))

    def test_squared_difference_small_integers(self):
        with pytest.raises(TypeError, match="squared_difference.*int16"):
            tg.math.squared_difference(tg.constant(np.array([1], np.int16)), 2)

    def test_none_and_strings(self):
        with pytest.raises(TypeError, match="None"):
            tg.add(tg.constant(1.0), None)
        with pytest.raises(TypeError):
            tg.multiply(tg.constant(1.0), "a")


# --- batching and missing tangents ------------------------------------------------------------
BINARY = [tg.add, tg.subtract, tg.multiply, tg.divide, tg.pow, tg.maximum, tg.minimum,
          tg.math.squared_difference, tg.atan2, tg.math.xlogy, tg.math.xdivy,
          tg.math.divide_no_nan, tg.math.floormod]


@pytest.mark.parametrize("fn", BINARY)
def test_jvp_with_one_tangent_missing(fn):
    """A tangent for y only (x has None) gives the y column of the Jacobian, and vice versa."""
    x = tg.constant(np.array([[0.7], [1.3]]))  # (2, 1) broadcasts against (3,)
    y = tg.constant(np.array([0.4, 1.1, 2.5]))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        out = fn(x, y)
    for src in (x, y):
        n = src.size
        eye = np.eye(n).reshape((n,) + src.shape)
        with tg.autodiff.ForwardAccumulator(src, tg.constant(eye), batch_ndim=1) as acc:
            fwd = acc.jvp(fn(x, y), unconnected_gradients="zero").numpy()
        rev = tape.jacobian(out, src).numpy()
        np.testing.assert_allclose(np.moveaxis(fwd, 0, -1).reshape(rev.shape), rev, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       which=st.sampled_from([tg.multiply, tg.maximum, tg.divide, tg.math.xlogy]))
def test_broadcast_gradients_have_input_shapes(shapes, which):
    sx, sy = shapes.input_shapes
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.5, 2.0, sx), rng.uniform(0.5, 2.0, sy)
    out, (gx, gy) = grads(which, x, y)
    assert out.shape == shapes.result_shape
    assert np.shape(gx) == sx and np.shape(gy) == sy
    # d/dx sum(f(x, y)) summed over broadcast axes, checked by a central difference
    eps = 1e-6
    num = (np.sum(which(tg.constant(x + eps), tg.constant(y)).numpy())
           - np.sum(which(tg.constant(x - eps), tg.constant(y)).numpy())) / (2 * eps)
    np.testing.assert_allclose(np.sum(gx), num, rtol=1e-5)
