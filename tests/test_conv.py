"""conv1d/conv2d and pooling: references, TensorFlow's conventions, higher order, bad input.

Expected values marked "TF" were recorded from TensorFlow 2.21 (CPU).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg
from tapegrad.testing import check_gradients

from .op_specs.conv import naive_conv2d, naive_pool, same_pads


def grad(f, x, dtype=np.float32):
    x = tg.constant(np.asarray(x, dtype))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return y, tape.gradient(y, x)


# --- values against the naive reference -------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(
    hw=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.sampled_from(["SAME", "VALID"]),
    channels=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 100),
)
def test_conv2d_matches_naive_reference(hw, k, s, d, padding, channels, seed):
    eff = [(kk - 1) * dd + 1 for kk, dd in zip(k, d)]
    if padding == "VALID" and (eff[0] > hw[0] or eff[1] > hw[1]):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2,) + hw + (channels[0],))
    w = rng.standard_normal(k + channels)
    y = tg.nn.conv2d(x, w, list(s), padding, dilations=list(d))
    np.testing.assert_allclose(y.numpy(), naive_conv2d(x, w, s, padding, d), atol=1e-12)


def test_same_padding_puts_the_extra_row_at_the_bottom_right():
    assert same_pads(4, 3, 2) == (0, 1)  # TF: even input, stride 2
    x = np.zeros((1, 4, 4, 1))
    x[0, 3, 3, 0] = 1.0  # only the bottom-right pixel is non-zero
    y = tg.nn.conv2d(x, np.ones((3, 3, 1, 1)), 2, "SAME")
    assert y.shape == (1, 2, 2, 1)
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[0.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize(
    "x_shape, f_shape, kwargs, out_shape",
    [
        ((1, 4, 4, 1), (3, 3, 1, 1), dict(strides=2, padding="SAME"), (1, 2, 2, 1)),  # TF
        ((1, 4, 4, 1), (3, 3, 1, 1), dict(strides=2, padding="SAME", dilations=2), (1, 2, 2, 1)),
        ((2, 3, 4, 4, 1), (3, 3, 1, 2), dict(strides=1, padding="SAME"), (2, 3, 4, 4, 2)),
        (
            (1, 4, 4, 1),
            (3, 3, 1, 1),
            dict(strides=1, padding=[[0, 0], [1, 2], [0, 1], [0, 0]]),
            (1, 5, 3, 1),
        ),  # TF
        (
            (1, 2, 7, 5),
            (3, 3, 2, 4),
            dict(strides=[1, 1, 2, 1], padding="SAME", data_format="NCHW"),
            (1, 4, 4, 5),
        ),
    ],
)
def test_conv2d_shapes(x_shape, f_shape, kwargs, out_shape):
    y = tg.nn.conv2d(tg.ones(x_shape), tg.ones(f_shape), **kwargs)
    assert y.shape == out_shape and y.dtype == np.float32


def test_conv1d_shapes_and_values():
    assert tg.nn.conv1d(tg.ones((2, 7, 3)), tg.ones((3, 3, 4)), 2, "SAME").shape == (2, 4, 4)
    assert tg.nn.conv1d(tg.ones((5, 2, 7, 3)), tg.ones((3, 3, 4)), 2, "SAME").shape == (5, 2, 4, 4)
    assert tg.nn.conv1d(
        tg.ones((2, 3, 7)), tg.ones((3, 3, 4)), 1, "SAME", data_format="NCW"
    ).shape == (2, 4, 7)
    x = np.arange(6.0).reshape(1, 6, 1)
    y = tg.nn.conv1d(x, np.ones((2, 1, 1)), 1, "VALID", dilations=2)
    np.testing.assert_array_equal(y.numpy().ravel(), [2.0, 4.0, 6.0, 8.0])


def test_integer_conv2d():
    y = tg.nn.conv2d(np.ones((1, 3, 3, 1), np.int32), np.ones((2, 2, 1, 1), np.int32), 1, "VALID")
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y.numpy().ravel(), [4, 4, 4, 4])


# --- pooling: TensorFlow's edges and ties -------------------------------------------------
def test_avg_pool_same_averages_only_valid_elements():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    y, g = grad(lambda x: tg.nn.avg_pool2d(x, 3, 2, "SAME"), x)
    np.testing.assert_allclose(y.numpy()[0, :, :, 0], [[5.0, 6.5], [11.0, 12.5]])  # TF
    np.testing.assert_allclose(
        g.numpy()[0, :, :, 0],
        [  # TF
            [0.11111111, 0.11111111, 0.2777778, 0.16666667],
            [0.11111111, 0.11111111, 0.2777778, 0.16666667],
            [0.2777778, 0.2777778, 0.6944445, 0.4166667],
            [0.16666667, 0.16666667, 0.4166667, 0.25],
        ],
        rtol=1e-6,
    )
    y, g = grad(lambda x: tg.nn.avg_pool2d(x, [3, 2], [2, 1], "SAME"), x)
    np.testing.assert_allclose(
        y.numpy()[0, :, :, 0], [[4.5, 5.5, 6.5, 7.0], [10.5, 11.5, 12.5, 13.0]]
    )  # TF
    np.testing.assert_allclose(
        g.numpy()[0, :, :, 0],
        [  # TF
            [0.16666667, 0.33333334, 0.33333334, 0.5],
            [0.16666667, 0.33333334, 0.33333334, 0.5],
            [0.4166667, 0.8333334, 0.8333334, 1.25],
            [0.25, 0.5, 0.5, 0.75],
        ],
        rtol=1e-6,
    )


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0], [0.0, 3.0, 1.0]]).reshape(1, 3, 3, 1)
    y, g = grad(lambda x: tg.nn.max_pool2d(x, 2, 1, "VALID"), x)
    np.testing.assert_array_equal(y.numpy().ravel(), [3.0, 3.0, 3.0, 3.0])
    np.testing.assert_array_equal(g.numpy()[0, :, :, 0], [[0, 2, 0], [1, 0, 0], [0, 1, 0]])  # TF
    y, g = grad(lambda x: tg.nn.max_pool2d(x, 2, 2, "SAME"), x)
    np.testing.assert_array_equal(y.numpy().ravel(), [3.0, 3.0, 3.0, 1.0])
    np.testing.assert_array_equal(g.numpy()[0, :, :, 0], [[0, 1, 1], [0, 0, 0], [0, 1, 1]])  # TF


def test_max_pool_padding_never_wins():
    x = np.full((1, 3, 3, 1), -np.inf)
    _, g = grad(lambda x: tg.nn.max_pool2d(x, 2, 2, "SAME"), x)
    np.testing.assert_array_equal(g.numpy()[0, :, :, 0], [[1, 0, 1], [0, 0, 0], [1, 0, 1]])  # TF
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    y = tg.nn.max_pool2d(x, 3, 1, [[0, 0], [1, 1], [1, 1], [0, 0]])
    np.testing.assert_array_equal(
        y.numpy()[0, :, :, 0],
        naive_pool(x, (3, 3), (1, 1), [None, (1, 1), (1, 1)], "max")[0, :, :, 0],
    )


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_pools_match_naive_reference(kind, padding):
    x = np.random.default_rng(0).standard_normal((2, 5, 6, 3))
    for k, s in [((2, 2), (2, 2)), ((3, 2), (1, 2)), ((3, 3), (3, 3))]:
        pool = tg.nn.max_pool2d if kind == "max" else tg.nn.avg_pool2d
        y = pool(x, list(k), list(s), padding)
        np.testing.assert_allclose(y.numpy(), naive_pool(x, k, s, padding, kind), atol=1e-12)


def test_pool_nchw():
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4))
    y = tg.nn.avg_pool2d(x, 2, 2, "VALID", data_format="NCHW")
    expected = naive_pool(np.transpose(x, (0, 2, 3, 1)), (2, 2), (2, 2), "VALID", "avg")
    np.testing.assert_allclose(y.numpy(), np.transpose(expected, (0, 3, 1, 2)))


# --- higher order ---------------------------------------------------------------------------
def test_conv2d_third_order():
    rng = np.random.default_rng(0)
    check_gradients(
        lambda x, w: tg.nn.conv2d(x, w, 2, "SAME"),
        [rng.standard_normal((1, 4, 4, 1)), rng.standard_normal((2, 2, 1, 2))],
        order=3,
    )


def test_conv2d_hessian_is_bilinear_and_pools_are_piecewise_linear():
    x = tg.constant(np.random.default_rng(0).standard_normal((1, 4, 4, 2)))
    w = tg.constant(np.random.default_rng(1).standard_normal((2, 2, 2, 1)))
    with tg.GradientTape() as outer:
        outer.watch([x, w])
        with tg.GradientTape() as inner:
            inner.watch([x, w])
            loss = tg.reduce_sum(
                tg.square(tg.nn.max_pool2d(tg.nn.conv2d(x, w, 1, "SAME"), 2, 2, "VALID"))
            )
        gx = inner.gradient(loss, x)
    hxx, hxw = outer.jacobian(gx, [x, w])
    assert hxx.shape == (1, 4, 4, 2, 1, 4, 4, 2) and hxw.shape == (1, 4, 4, 2, 2, 2, 2, 1)
    h = hxx.numpy().reshape(32, 32)
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    assert np.abs(h).max() > 0


def test_max_pool_second_derivative_is_zero_not_none():
    x = tg.constant(np.random.default_rng(0).standard_normal((1, 4, 4, 1)))
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = tg.reduce_sum(tg.nn.max_pool2d(x, 2, 2, "VALID"))
        g = inner.gradient(y, x)
    h = outer.gradient(g, x, unconnected_gradients="zero")
    np.testing.assert_array_equal(h.numpy(), 0.0)


# --- bad input --------------------------------------------------------------------------------
X = np.zeros((1, 4, 4, 2), np.float32)
W = np.zeros((3, 3, 2, 3), np.float32)


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (
            lambda: tg.nn.conv2d(X[0], W, 1, "SAME"),
            ValueError,
            r"conv2d: input must have rank >= 4.*\(4, 4, 2\)",
        ),
        (
            lambda: tg.nn.conv2d(X, W[0], 1, "SAME"),
            ValueError,
            r"conv2d: filters must have rank 4.*\(3, 2, 3\)",
        ),
        (
            lambda: tg.nn.conv2d(X, np.zeros((3, 3, 5, 3), np.float32), 1, "SAME"),
            ValueError,
            r"conv2d: input has 2 channels \(shape \(1, 4, 4, 2\)\).*\(3, 3, 5, 3\).*5 input",
        ),
        (
            lambda: tg.nn.conv2d(X, W, 1, "FOO"),
            ValueError,
            r"conv2d: padding must be 'SAME' or 'VALID'.*'FOO'",
        ),
        (lambda: tg.nn.conv2d(X, W, 1, "same"), ValueError, r"conv2d: padding .*upper case"),
        (
            lambda: tg.nn.conv2d(X, W, [2, 2, 2], "SAME"),
            ValueError,
            r"conv2d: strides must be an int or a list of 1, 2 or 4 ints, got \[2, 2, 2\]",
        ),
        (
            lambda: tg.nn.conv2d(X, W, [2, 2, 2, 2], "SAME"),
            ValueError,
            r"conv2d: strides \[2, 2, 2, 2\] must be 1 in the batch and channel",
        ),
        (lambda: tg.nn.conv2d(X, W, 0, "SAME"), ValueError, r"conv2d: strides must be positive"),
        (
            lambda: tg.nn.conv2d(X[:, :2, :2], W, 1, "VALID"),
            ValueError,
            r"conv2d: the window \(effective size \(3, 3\)\) is larger than the padded input",
        ),
        (
            lambda: tg.nn.conv2d(X, W, 1, [[0, 0], [1, 1], [1, 1]]),
            ValueError,
            r"conv2d: explicit padding must be 4 pairs",
        ),
        (
            lambda: tg.nn.conv2d(X, W, 1, [[1, 1], [1, 1], [1, 1], [0, 0]]),
            ValueError,
            r"conv2d: explicit padding .*batch and channel",
        ),
        (
            lambda: tg.nn.conv2d(X, W, 1, "SAME", data_format="NWHC"),
            ValueError,
            r"conv2d: data_format must be one of \['NHWC', 'NCHW'\]",
        ),
        (
            lambda: tg.nn.conv2d(X, W.astype(np.float64), 1, "SAME"),
            TypeError,
            r"conv2d: input dtype float32 and filters dtype float64",
        ),
        (lambda: tg.nn.conv1d(X, W, 1, "SAME"), ValueError, r"conv1d: filters must have rank 3"),
        (
            lambda: tg.nn.conv1d(X[0, 0], W[0], 1, "SAME"),
            ValueError,
            r"conv1d: input must have rank >= 3",
        ),
        (
            lambda: tg.nn.conv1d(X[0], W[0, :, :1], 1, "SAME"),
            ValueError,
            r"conv1d: input has 2 channels.*expect 1 input channels",
        ),
        (
            lambda: tg.nn.conv1d(X[0], W[0], 1, [[0, 0], [1, 1], [0, 0]]),
            ValueError,
            r"conv1d: padding must be the string 'SAME' or 'VALID'",
        ),
        (
            lambda: tg.nn.conv1d(X[0], W[0], [1, 2], "SAME"),
            ValueError,
            r"conv1d: stride must be an int or a list of 1 or 3 ints",
        ),
        (
            lambda: tg.nn.max_pool2d(X[0], 2, 2, "SAME"),
            ValueError,
            r"max_pool2d: input must have rank 4.*\(4, 4, 2\)",
        ),
        (
            lambda: tg.nn.max_pool2d(X, [2, 2, 2, 1], 2, "SAME"),
            ValueError,
            r"max_pool2d: ksize \[2, 2, 2, 1\] must be 1 in the batch",
        ),
        (
            lambda: tg.nn.max_pool2d(X, 5, 1, "VALID"),
            ValueError,
            r"max_pool2d: the window .*larger than the padded input",
        ),
        (
            lambda: tg.nn.avg_pool2d(X, 2, 2, [[0, 0], [1, 0], [0, 1], [0, 0]]),
            ValueError,
            r"avg_pool2d: padding must be the string 'SAME' or 'VALID'",
        ),
        (lambda: tg.nn.avg_pool2d(X, 2, 2, "valid"), ValueError, r"avg_pool2d: padding"),
        (
            lambda: tg.nn.avg_pool2d(X.astype(np.int32), 2, 2, "VALID"),
            TypeError,
            r"avg_pool2d: input must be a floating-point tensor, got dtype int32",
        ),
        (
            lambda: tg.nn.max_pool2d(X, "2", 2, "VALID"),
            TypeError,
            r"max_pool2d: ksize must be an int or a list of ints",
        ),
    ],
)
def test_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
