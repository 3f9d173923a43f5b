"""Reductions, scans, top_k and segment sums: TensorFlow's conventions, dtypes and errors.

Every expected value below was produced by TensorFlow 2.21 (``tf.GradientTape``) on the
same input; the op table (tests/op_specs/reduce.py) covers smooth gradients to order 2.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg
from tapegrad.testing import check_gradients

NAN = np.nan


def value_and_grad(f, x, dtype=np.float64):
    x = tg.constant(np.asarray(x, dtype=dtype))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x)
    return y.numpy(), (None if g is None else g.numpy())


def assert_close(got, expected, rtol=1e-7):
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=rtol, atol=1e-12)


# --- reduce_max / reduce_min ---------------------------------------------------------------------
def test_reduce_max_splits_gradient_among_ties():
    _, g = value_and_grad(tg.reduce_max, [1.0, 3.0, 3.0, 2.0])
    assert_close(g, [0.0, 0.5, 0.5, 0.0])


def test_reduce_min_splits_gradient_among_ties_per_row():
    y, g = value_and_grad(lambda x: tg.reduce_min(x, axis=1), [[1.0, 1.0, 3.0], [2.0, 0.0, 5.0]])
    assert_close(y, [1.0, 0.0])
    assert_close(g, [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])


def test_reduce_max_ties_forward_mode_matches_reverse():
    x = tg.constant([[2.0, 2.0, 1.0], [0.0, 4.0, 4.0]], tg.float64)
    with tg.autodiff.ForwardAccumulator(x, tg.ones_like(x)) as acc:
        y = tg.reduce_max(x, axis=1)
    assert_close(acc.jvp(y).numpy(), [1.0, 1.0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/inf are the expected results
def test_reduce_max_nan_propagates_with_nan_gradient():
    y, g = value_and_grad(tg.reduce_max, [1.0, NAN, 3.0])
    assert np.isnan(y) and np.isnan(g).all()


def test_empty_reductions_give_the_identity():
    empty = tg.zeros((0,))
    assert tg.reduce_max(empty).numpy() == -np.inf
    assert tg.reduce_min(empty).numpy() == np.inf
    assert tg.reduce_max(tg.zeros((0,), tg.int32)).numpy() == np.iinfo(np.int32).min
    assert tg.reduce_prod(empty).numpy() == 1.0
    assert tg.reduce_sum(empty).numpy() == 0.0
    assert tg.reduce_logsumexp(empty).numpy() == -np.inf
    assert np.isnan(tg.math.reduce_std(empty).numpy())
    assert np.isnan(tg.reduce_mean(empty).numpy())
    assert tg.reduce_mean(tg.zeros((0,), tg.int32)).numpy() == 0


# --- reduce_prod ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x, expected",
    [
        ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),  # one zero: only it gets a gradient
        ([2.0, 0.0, 0.0], [0.0, 0.0, 0.0]),  # two zeros: none does
        ([2.0, 4.0, 0.5], [2.0, 1.0, 8.0]),
    ],
)
def test_reduce_prod_gradient_with_zeros(x, expected):
    _, g = value_and_grad(tg.reduce_prod, x)
    assert_close(g, expected)


def test_reduce_prod_gradient_with_zeros_along_axis():
    x = [[2.0, 0.0], [0.0, 3.0], [4.0, 5.0]]
    y, g = value_and_grad(lambda x: tg.reduce_prod(x, axis=0), x)
    assert_close(y, [0.0, 0.0])
    assert_close(g, [[0.0, 15.0], [8.0, 0.0], [0.0, 0.0]])


def test_reduce_prod_over_no_axes_is_identity_with_unit_gradient():
    y, g = value_and_grad(lambda x: tg.reduce_prod(x, axis=[]), [2.0, 3.0])
    assert_close(y, [2.0, 3.0])
    assert_close(g, [1.0, 1.0])


def test_reduce_prod_complex_gradient_is_conjugate():
    y, g = value_and_grad(lambda x: tg.cast(tg.reduce_prod(x), tg.float64), [3 + 4j, 1 + 2j],
                          dtype=np.complex128)
    assert_close(y, -5.0)
    assert_close(g, [1 - 2j, 3 - 4j])


# --- reduce_logsumexp ----------------------------------------------------------------------------
def test_reduce_logsumexp_is_stable_for_large_logits():
    y, g = value_and_grad(tg.reduce_logsumexp, [1000.0, -1000.0, 999.0])
    assert_close(y, 1000.3132616875182)
    assert_close(g, [0.7310585786300049, 0.0, 0.2689414213699951])
    y32, g32 = value_and_grad(tg.reduce_logsumexp, [1000.0, -1000.0], dtype=np.float32)
    assert y32.dtype == np.float32 and np.isfinite(y32) and np.isfinite(g32).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/inf are the expected results
def test_reduce_logsumexp_infinite_rows_match_tensorflow():
    x = [[-np.inf, -np.inf], [1.0, 2.0], [np.inf, 1.0], [-np.inf, 0.0]]
    y, g = value_and_grad(lambda x: tg.reduce_logsumexp(x, axis=1), x)
    assert_close(y, [-np.inf, 2.3132616875182226, np.inf, 0.0])
    assert_close(g, [[NAN, NAN], [0.2689414213699951, 0.7310585786300049], [NAN, 0.0],
                     [0.0, 1.0]])


def test_reduce_logsumexp_second_derivative_is_softmax_covariance():
    x = tg.constant([0.5, -1.0, 2.0], tg.float64)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = tg.reduce_logsumexp(x)
        g = inner.gradient(y, x)
    h = outer.jacobian(g, x).numpy()
    p = np.exp(x.numpy() - np.log(np.sum(np.exp(x.numpy()))))
    assert_close(h, np.diag(p) - np.outer(p, p))


# --- reduce_variance / reduce_std / reduce_euclidean_norm / l2_normalize --------------------
def test_reduce_std_and_variance_use_population_formula():
    y, g = value_and_grad(tg.math.reduce_std, [1.0, 2.0, 4.0])
    assert_close(y, 1.247219128924647)
    assert_close(g, [-0.35634832, -0.08908708, 0.4454354], rtol=1e-6)
    y, g = value_and_grad(tg.math.reduce_variance, [1.0, 2.0, 4.0])
    assert_close(y, 1.5555555555555554)
    assert_close(g, [-0.88888889, -0.22222222, 1.11111111], rtol=1e-6)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/inf are the expected results
def test_reduce_std_of_constant_has_nan_gradient():
    y, g = value_and_grad(tg.math.reduce_std, [1.0, 1.0, 1.0])
    assert y == 0.0 and np.isnan(g).all()


def test_reduce_std_keepdims_and_complex():
    x = tg.constant([[1.0, 2.0], [3.0, 5.0]])
    out = tg.math.reduce_std(x, axis=1, keepdims=True)
    assert out.shape == (2, 1) and out.dtype == np.float32
    assert_close(out.numpy(), [[0.5], [1.0]])
    c = tg.math.reduce_std(tg.constant([1 + 1j, 2.0, 4j]))
    assert c.dtype == np.float64
    assert_close(c.numpy(), 1.8856180831641265)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN/inf are the expected results
def test_reduce_euclidean_norm_gradient_is_nan_at_origin():
    _, g = value_and_grad(tg.math.reduce_euclidean_norm, [3.0, 4.0])
    assert_close(g, [0.6, 0.8])
    y, g = value_and_grad(tg.math.reduce_euclidean_norm, [0.0, 0.0])
    assert y == 0.0 and np.isnan(g).all()


def test_reduce_euclidean_norm_integers_truncate_in_their_dtype():
    assert tg.math.reduce_euclidean_norm(tg.constant([3, 4])).numpy() == 5
    assert tg.math.reduce_euclidean_norm(tg.constant([2, 2, 2])).numpy() == 3
    out = tg.math.reduce_euclidean_norm(tg.constant(np.array([200, 200], np.uint8)))
    assert out.dtype == np.uint8 and out.numpy() == 11  # squares wrap in uint8, as TF


def test_l2_normalize_gradients_match_tensorflow():
    _, g = value_and_grad(tg.math.l2_normalize, [3.0, 4.0])
    assert_close(g, [0.032, -0.024], rtol=1e-6)
    y, g = value_and_grad(tg.math.l2_normalize, [0.0, 0.0])
    assert_close(y, [0.0, 0.0])
    assert_close(g, [1e6, 1e6])


def test_l2_normalize_axes_dim_alias_and_complex():
    x = tg.constant([[3.0, 4.0], [1.0, 0.0]])
    assert_close(tg.math.l2_normalize(x, axis=[0, 1]).numpy(),
                 [[0.5883484, 0.78446454], [0.19611613, 0.0]], rtol=1e-6)
    assert_close(tg.math.l2_normalize(x, dim=1).numpy(), [[0.6, 0.8], [1.0, 0.0]], rtol=1e-6)
    c = tg.math.l2_normalize(tg.constant([3 + 4j, 0j]))
    assert c.dtype == np.complex128
    assert_close(c.numpy(), [0.6 + 0.8j, 0])
    with pytest.raises(TypeError, match="l2_normalize"):
        tg.math.l2_normalize(tg.constant([3, 4]))


# --- integer and bool reductions -----------------------------------------------------------------
def test_integer_reduce_mean_truncates_toward_zero():
    assert tg.reduce_mean(tg.constant([1, 2, 2])).numpy() == 1
    assert tg.reduce_mean(tg.constant([-1, -2, -2])).numpy() == -1
    assert tg.reduce_mean(tg.constant([-7, 0])).numpy() == -3
    out = tg.reduce_mean(tg.constant(np.array([3, 4], np.uint8)))
    assert out.dtype == np.uint8 and out.numpy() == 3


def test_integer_sums_keep_their_dtype_and_wrap():
    out = tg.reduce_sum(tg.constant([2**30, 2**30]))
    assert out.dtype == np.int32 and out.numpy() == -(2**31)
    assert tg.reduce_sum(tg.constant(np.array([200, 100], np.uint8))).numpy() == 44
    assert tg.reduce_prod(tg.constant([1, 2, 3])).dtype == np.int32
    assert tg.cumsum(tg.constant([[1, 2], [3, 4]]), axis=1).numpy().tolist() == [[1, 3], [3, 7]]
    assert tg.reduce_mean(tg.constant([1.0, 2.0], tg.float16)).dtype == np.float16


def test_reduce_any_all_values_and_no_gradient():
    b = tg.constant([[True, False], [True, True]])
    assert tg.reduce_any(b, axis=1).numpy().tolist() == [True, True]
    assert tg.reduce_all(b, axis=1, keepdims=True).numpy().tolist() == [[False], [True]]
    assert tg.reduce_all(b).numpy() == np.False_
    with pytest.raises(TypeError, match="reduce_any.*bool"):
        tg.reduce_any(tg.constant([1.0]))


@pytest.mark.parametrize("op", [tg.reduce_sum, tg.reduce_max, tg.reduce_mean, tg.reduce_prod])
def test_bool_inputs_are_rejected_by_numeric_reductions(op):
    with pytest.raises(TypeError, match=op.__name__):
        op(tg.constant([True, False]))


@pytest.mark.parametrize("op", [tg.math.reduce_std, tg.math.reduce_variance])
def test_variance_of_integers_is_rejected(op):
    with pytest.raises(TypeError, match="real or complex"):
        op(tg.constant([1, 2, 4]))


# --- argmax / argmin -----------------------------------------------------------------------------
def test_argmax_defaults_to_axis_0_and_int64():
    x = tg.constant([[1.0, 5.0], [3.0, 2.0]])
    out = tg.argmax(x)
    assert out.dtype == np.int64 and out.numpy().tolist() == [1, 0]
    out = tg.argmin(x, axis=tg.constant(1), output_type=tg.int32)
    assert out.dtype == np.int32 and out.numpy().tolist() == [0, 1]


def test_argmax_ties_take_the_first_index_and_nan_is_skipped():
    assert tg.argmax(tg.constant([3.0, 5.0, 5.0])).numpy() == 1
    assert tg.argmin(tg.constant([3.0, 1.0, 1.0])).numpy() == 1
    assert tg.argmax(tg.constant([3.0, NAN, 5.0])).numpy() == 2
    assert tg.argmax(tg.constant([NAN, 1.0, 2.0])).numpy() == 2
    assert tg.argmax(tg.constant([1.0, NAN])).numpy() == 0
    assert tg.argmax(tg.constant([NAN, NAN])).numpy() == 0
    assert tg.argmin(tg.constant([NAN, 1.0, 2.0])).numpy() == 1
    assert tg.argmax(tg.constant([False, True])).numpy() == 1


def test_argmax_has_no_gradient():
    x = tg.constant([1.0, 3.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.cast(tg.argmax(x), tg.float32) * x
    assert_close(tape.gradient(y, x).numpy(), [1.0, 1.0, 1.0])  # only through the product


def test_argmax_bad_arguments():
    with pytest.raises(ValueError, match="argmax.*scalar"):
        tg.argmax(tg.constant(1.0))
    with pytest.raises(TypeError, match="argmax.*axis"):
        tg.argmax(tg.constant([[1.0, 2.0]]), axis=[1])
    with pytest.raises(ValueError, match="argmax: axis 2 .*rank 2"):
        tg.argmax(tg.constant([[1.0, 2.0]]), axis=2)
    with pytest.raises(ValueError, match="argmin.*empty"):
        tg.argmin(tg.zeros((0, 3)))
    with pytest.raises(TypeError, match="output_type"):
        tg.argmax(tg.constant([1.0]), output_type=tg.float32)


# --- cumsum / cumprod ----------------------------------------------------------------------------
def test_cumsum_exclusive_reverse_values():
    x = tg.constant([1.0, 2.0, 3.0])
    assert tg.cumsum(x, exclusive=True).numpy().tolist() == [0.0, 1.0, 3.0]
    assert tg.cumsum(x, reverse=True).numpy().tolist() == [6.0, 5.0, 3.0]
    assert tg.cumsum(x, exclusive=True, reverse=True).numpy().tolist() == [5.0, 3.0, 0.0]
    m = tg.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert tg.math.cumprod(m, axis=1, exclusive=True, reverse=True).numpy().tolist() == [
        [6.0, 3.0, 1.0], [30.0, 6.0, 1.0]]


def test_cumsum_gradient_is_reversed_cumsum():
    w = tg.constant([1.0, 10.0, 100.0], tg.float64)
    _, g = value_and_grad(lambda x: tg.cumsum(x, exclusive=True) * w, [1.0, 2.0, 3.0])
    assert_close(g, [110.0, 100.0, 0.0])


@pytest.mark.parametrize(
    "kwargs, x, weights, expected",
    [
        ({}, [2.0, 0.0, 3.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0]),  # TF: 0 at the zero entry
        ({"exclusive": True}, [2.0, 0.0, 3.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0]),
        ({"reverse": True}, [2.0, 0.0, 3.0], [1.0, 2.0, 3.0], [0.0, 0.0, 3.0]),
        ({"reverse": True}, [2.0, 1.0, 3.0], [1.0, 1.0, 1.0], [3.0, 9.0, 4.0]),
    ],
)
def test_cumprod_gradient_matches_tensorflow_including_zeros(kwargs, x, weights, expected):
    w = tg.constant(weights, tg.float64)
    _, g = value_and_grad(lambda x: tg.math.cumprod(x, **kwargs) * w, x)
    assert_close(g, expected)


def test_cumprod_complex_gradient_takes_no_conjugate_like_tensorflow():
    _, g = value_and_grad(lambda x: tg.cast(tg.math.cumprod(x), tg.float64), [3 + 4j, 1 + 2j],
                          dtype=np.complex128)
    assert_close(g, [2 + 2j, 3 + 4j])


def test_scan_bad_arguments():
    with pytest.raises(ValueError, match="cumsum.*scalar"):
        tg.cumsum(tg.constant(1.0))
    with pytest.raises(ValueError, match="cumsum: axis 1 .*rank 1"):
        tg.cumsum(tg.constant([1.0]), axis=1)
    with pytest.raises(TypeError, match="cumprod.*axis"):
        tg.math.cumprod(tg.constant([1.0]), axis=[0])
    with pytest.raises(TypeError, match="cumsum"):
        tg.cumsum(tg.constant([True]))


# --- top_k ---------------------------------------------------------------------------------------
def test_top_k_values_indices_and_ties():
    values, indices = tg.math.top_k(tg.constant([[1.0, 3.0, 2.0], [5.0, 5.0, 1.0]]), k=2)
    assert values.numpy().tolist() == [[3.0, 2.0], [5.0, 5.0]]
    assert indices.dtype == np.int32 and indices.numpy().tolist() == [[1, 2], [0, 1]]
    out = tg.math.top_k(tg.constant([1, 5, 3]), 2, index_type=tg.int64)
    assert out.values.dtype == np.int32 and out.indices.dtype == np.int64
    assert out.indices.numpy().tolist() == [1, 2]
    empty = tg.math.top_k(tg.constant([1.0, 3.0]), tg.constant(0))
    assert empty.values.shape == (0,) and empty.indices.shape == (0,)


def test_top_k_gradient_scatters_to_selected_positions():
    w = tg.constant([1.0, 10.0], tg.float64)
    _, g = value_and_grad(lambda x: tg.math.top_k(x, 2).values * w, [1.0, 3.0, 3.0, 2.0])
    assert_close(g, [0.0, 1.0, 10.0, 0.0])
    _, g = value_and_grad(lambda x: tg.math.top_k(x, 1).values, [[1.0, 4.0], [4.0, 4.0]])
    assert_close(g, [[0.0, 1.0], [1.0, 0.0]])


def test_top_k_forward_mode_gathers_tangents():
    x = tg.constant([[1.0, 3.0, 2.0]], tg.float64)
    t = tg.constant([[10.0, 20.0, 30.0]], tg.float64)
    with tg.autodiff.ForwardAccumulator(x, t) as acc:
        values, indices = tg.math.top_k(x, 2)
    assert_close(acc.jvp(values).numpy(), [[20.0, 30.0]])
    assert acc.jvp(indices) is None


def test_top_k_bad_arguments():
    with pytest.raises(ValueError, match=r"top_k: k must be in \[0, 2\].*k=3"):
        tg.math.top_k(tg.constant([1.0, 3.0]), 3)
    with pytest.raises(ValueError, match="top_k: k must be in"):
        tg.math.top_k(tg.constant([1.0, 3.0]), -1)
    with pytest.raises(ValueError, match="top_k.*scalar"):
        tg.math.top_k(tg.constant(1.0))
    with pytest.raises(TypeError, match="top_k"):
        tg.math.top_k(tg.constant([True, False]))


# --- segment sums --------------------------------------------------------------------------------
def test_unsorted_segment_sum_drops_negative_ids():
    data = tg.constant([1.0, 2.0, 3.0])
    assert tg.math.unsorted_segment_sum(data, [2, 0, 2], 3).numpy().tolist() == [2.0, 0.0, 4.0]
    assert tg.math.unsorted_segment_sum(data, [2, -1, 2], 3).numpy().tolist() == [0.0, 0.0, 4.0]
    w = tg.constant([1.0, 2.0, 3.0], tg.float64)
    _, g = value_and_grad(lambda x: tg.math.unsorted_segment_sum(x, [2, -1, 2], 3) * w,
                          [1.0, 2.0, 3.0])
    assert_close(g, [3.0, 0.0, 3.0])


def test_unsorted_segment_sum_multidimensional_ids_and_ints():
    data = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    out = tg.math.unsorted_segment_sum(data, [[0, 1], [1, 1]], 2)
    assert out.numpy().tolist() == [1.0, 9.0]
    rows = tg.math.unsorted_segment_sum(data, tg.constant(np.array([1, 1], np.int64)), 2)
    assert rows.numpy().tolist() == [[0.0, 0.0], [4.0, 6.0]]
    ints = tg.math.unsorted_segment_sum(tg.constant([1, 2, 3]), [0, 0, 1], tg.constant(2))
    assert ints.dtype == np.int32 and ints.numpy().tolist() == [3, 3]


def test_segment_sum_values_and_gradient():
    data = tg.constant([1.0, 2.0, 3.0])
    assert tg.math.segment_sum(data, [0, 0, 2]).numpy().tolist() == [3.0, 0.0, 3.0]
    w = tg.constant([1.0, 2.0, 3.0], tg.float64)
    _, g = value_and_grad(lambda x: tg.math.segment_sum(x, [0, 0, 2]) * w, [1.0, 2.0, 3.0])
    assert_close(g, [1.0, 1.0, 3.0])
    empty = tg.math.segment_sum(tg.zeros((0, 2)), tg.zeros((0,), tg.int32))
    assert empty.shape == (0, 2)


def test_segment_sum_bad_ids():
    data = tg.constant([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="segment_sum.*not sorted"):
        tg.math.segment_sum(data, [0, 2, 1])
    with pytest.raises(ValueError, match="segment_sum.*non-negative"):
        tg.math.segment_sum(data, [-1, 0, 1])
    with pytest.raises(ValueError, match="segment_sum.*one id per row"):
        tg.math.segment_sum(data, [0, 0])
    with pytest.raises(ValueError, match="segment_sum.*vector"):
        tg.math.segment_sum(tg.constant([[1.0, 2.0], [3.0, 4.0]]), [[0, 1], [1, 1]])
    with pytest.raises(TypeError, match="segment_sum.*int32 or int64"):
        tg.math.segment_sum(tg.constant([1.0, 2.0]), tg.constant([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"unsorted_segment_sum: segment id 3 .*\[0, 3\)"):
        tg.math.unsorted_segment_sum(data, [2, 3, 2], 3)
    with pytest.raises(ValueError, match="does not start with segment_ids.shape"):
        tg.math.unsorted_segment_sum(tg.constant([1.0, 2.0]), [0, 1, 1], 3)


# --- axis handling -------------------------------------------------------------------------------
def test_axis_forms_are_all_accepted():
    x = tg.ones((2, 3))
    assert tg.reduce_sum(x, tg.constant(1)).numpy().tolist() == [3.0, 3.0]
    assert tg.reduce_sum(x, np.array([0, 1])).numpy() == 6.0
    assert tg.reduce_sum(x, (-1,)).shape == (2,)
    assert tg.reduce_sum(x, np.int64(0)).shape == (3,)
    assert tg.reduce_sum(x, axis=[]).shape == (2, 3)
    assert tg.reduce_sum(x, 1, None).shape == (2,)
    assert tg.reduce_max(x, [0, 1], keepdims=True).shape == (1, 1)


@pytest.mark.parametrize(
    "op",
    [tg.reduce_sum, tg.reduce_mean, tg.reduce_max, tg.reduce_min, tg.reduce_prod,
     tg.reduce_logsumexp, tg.math.reduce_std, tg.math.reduce_variance,
     tg.math.reduce_euclidean_norm],
)
def test_bad_axis_raises_value_error_naming_op_axis_and_rank(op):
    x = tg.ones((2, 3))
    with pytest.raises(ValueError, match=rf"{op.__name__}: axis 2 is out of range .*rank 2"):
        op(x, axis=2)
    with pytest.raises(ValueError, match=rf"{op.__name__}: axis -3 is out of range"):
        op(x, axis=[0, -3])
    with pytest.raises(ValueError, match=rf"{op.__name__}: axis \[1, -1\] names the same"):
        op(x, axis=[1, -1])
    with pytest.raises(TypeError, match=rf"{op.__name__}: axis must be"):
        op(x, axis=1.0)


def test_scalar_input_rejects_any_axis():
    with pytest.raises(ValueError, match="reduce_sum: axis 0 .*rank 0"):
        tg.reduce_sum(tg.constant(1.0), axis=0)
    assert tg.reduce_sum(tg.constant(2.0)).numpy() == 2.0
    assert tg.reduce_any(tg.constant([True]), axis=tg.constant([0])).numpy()
    with pytest.raises(ValueError, match="reduce_all: axis 1"):
        tg.reduce_all(tg.constant([True]), axis=1)


# --- property tests: random shapes, axes and keepdims --------------------------------------------
@st.composite
def _shape_and_axes(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    axes = draw(st.lists(st.integers(-len(shape), len(shape) - 1), unique_by=lambda a: a % len(
        shape), max_size=len(shape)))
    return shape, axes, draw(st.booleans())


_REDUCTIONS = {
    "reduce_sum": (tg.reduce_sum, np.sum),
    "reduce_max": (tg.reduce_max, np.max),
    "reduce_prod": (tg.reduce_prod, np.prod),
    "reduce_logsumexp": (tg.reduce_logsumexp, None),
    "reduce_std": (tg.math.reduce_std, np.std),
}


@settings(max_examples=15, deadline=None)
@given(case=_shape_and_axes(), name=st.sampled_from(sorted(_REDUCTIONS)))
def test_reductions_over_random_axes_match_numpy_and_finite_differences(case, name):
    from scipy.special import logsumexp

    shape, axes, keepdims = case
    op, reference = _REDUCTIONS[name]
    reference = reference or logsumexp
    n = int(np.prod(shape))
    x = (np.random.default_rng(n).permutation(n) * 0.05 + 0.8).reshape(shape)  # no ties/zeros
    np_axes = tuple(a % len(shape) for a in axes)
    count = int(np.prod([shape[a] for a in np_axes]))
    got = op(tg.constant(x), axis=axes, keepdims=keepdims).numpy()
    expected = reference(x, axis=np_axes, keepdims=keepdims)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    if name == "reduce_std" and count == 1:
        return  # the std of one entry is 0: its gradient is NaN (as TensorFlow)
    check_gradients(lambda t: op(t, axis=axes, keepdims=keepdims), [x], order=1)
