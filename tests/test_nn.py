"""tapegrad.nn activations and losses: TensorFlow's conventions, stability, bad input.

Expected values marked "TF" were recorded from TensorFlow 2.21 (CPU).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.ops.index import IndexOutOfRangeError


def grad(f, *xs, dtype=np.float32):
    xs = [tg.constant(np.asarray(x, dtype)) for x in xs]
    with tg.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    return y, tape.gradient(y, xs)


def second(f, x):
    """Elementwise second derivative of an elementwise f (float64)."""
    x = tg.constant(np.asarray(x, np.float64))
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    return g.numpy(), outer.gradient(g, x).numpy()


# --- kinks: TensorFlow's values at the non-differentiable points ------------------------
KINK_POINTS = [-1.0, 0.0, 6.0, 3.0, 7.0]
KINK_CASES = {  # TF: gradients at KINK_POINTS
    "relu": [0.0, 0.0, 1.0, 1.0, 1.0],
    "relu6": [0.0, 0.0, 0.0, 1.0, 0.0],
    "elu": [0.36787945, 1.0, 1.0, 1.0, 1.0],
    "selu": [0.6467686, 1.050701, 1.050701, 1.050701, 1.050701],
    "leaky_relu": [0.2, 0.2, 1.0, 1.0, 1.0],
    "softsign": [0.25, 1.0, 0.020408163, 0.0625, 0.015625],
    "gelu": [-0.08331549, 0.5, 1.0, 1.0119456, 1.0],
    "silu": [0.07232948, 0.5, 1.0123265, 1.0881041, 1.0054606],
}


@pytest.mark.parametrize("name", sorted(KINK_CASES))
def test_gradients_at_kinks_match_tensorflow(name):
    y, (g,) = grad(getattr(tg.nn, name), KINK_POINTS)
    assert y.dtype == np.float32 and g.dtype == np.float32
    np.testing.assert_allclose(g.numpy(), KINK_CASES[name], rtol=1e-6, atol=1e-7)


def test_gelu_values_match_tensorflow_docstring():
    x = [-3.0, -1.0, 0.0, 1.0, 3.0]
    np.testing.assert_allclose(
        tg.nn.gelu(x).numpy(), [-0.0040496956, -0.15865526, 0.0, 0.8413447, 2.9959502], rtol=1e-6
    )
    # TF's float32 tanh differs from NumPy's by an ulp; 1 + tanh cancels at -3.
    np.testing.assert_allclose(
        tg.nn.gelu(x, approximate=True).numpy(),
        [-0.003637433, -0.158808, 0.0, 0.841192, 2.9963627],
        rtol=1e-4,
    )


def test_selu_constants_and_values():
    np.testing.assert_allclose(
        tg.nn.selu([-1.0, 1.0, -1000.0]).numpy(), [-1.1113307, 1.050701, -1.7580993], rtol=1e-6
    )
    assert tg.nn.selu(tg.constant([-1.0], tg.float64)).dtype == np.float64


def test_tiny_negative_inputs_follow_tensorflows_exp_minus_one():
    # TF computes exp(x) - 1, which is 0 in float32 here, so the slope is the right-hand one.
    _, (g,) = grad(tg.nn.selu, [-1e-8])
    np.testing.assert_allclose(g.numpy(), [1.050701], rtol=1e-6)
    assert tg.nn.elu([-1e-8]).numpy()[0] == 0.0


def test_second_derivatives_at_kinks_match_tensorflow():
    # TF: elu'' = exp(x) for x < 0 and 0 at 0; leaky_relu'' = relu6'' = 0.
    _, h = second(tg.nn.elu, [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(h, [np.exp(-1.0), 0.0, 0.0])
    _, h = second(tg.nn.selu, [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(h, [0.6467686030348141, 0.0, 0.0])
    for f in (tg.nn.leaky_relu, tg.nn.relu6, tg.nn.relu):
        np.testing.assert_array_equal(second(f, [-1.0, 0.0, 2.0])[1], 0.0)


def test_leaky_relu_converts_integers_to_float32():
    y = tg.nn.leaky_relu(tg.constant([-2, 3]))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), [-0.4, 3.0])


def test_silu_beta_gradient_is_tensorflows():
    x = np.array([-1.0, 0.5, 2.0])
    beta = tg.constant(1.5, tg.float64)
    xt = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch([xt, beta])
        y = tg.nn.silu(xt, beta)
    gx, gb = tape.gradient(y, [xt, beta])
    s = 1 / (1 + np.exp(-1.5 * x))
    np.testing.assert_allclose(gx.numpy(), s * (1 + 1.5 * x * (1 - s)))
    np.testing.assert_allclose(gb.numpy(), np.sum(x**2 * s * (1 - s)))
    assert tg.nn.swish is tg.nn.silu


def test_float64_stays_float64():
    for name in [
        "relu",
        "relu6",
        "elu",
        "selu",
        "gelu",
        "leaky_relu",
        "silu",
        "softsign",
        "softmax",
        "log_softmax",
    ]:
        assert getattr(tg.nn, name)(tg.constant([0.5, -0.5], tg.float64)).dtype == np.float64


def test_activations_reject_integer_tensors():
    for name in ["elu", "selu", "gelu", "softsign", "log_softmax"]:
        with pytest.raises(TypeError, match=name):
            getattr(tg.nn, name)(tg.constant([1, 2]))


# --- stability at +-1000 --------------------------------------------------------------------
BIG = [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]]


@pytest.mark.parametrize(
    "f",
    [
        lambda x: tg.nn.log_softmax(x),
        lambda x: tg.nn.softmax(x),
        lambda x: tg.nn.softplus(x),
        lambda x: tg.nn.log_sigmoid(x),
        lambda x: tg.nn.sigmoid(x),
        lambda x: tg.nn.softmax_cross_entropy_with_logits([[0.0, 1.0, 0.0]] * 2, x),
        lambda x: tg.nn.sparse_softmax_cross_entropy_with_logits([1, 0], x),
        lambda x: tg.nn.sigmoid_cross_entropy_with_logits(tg.fill([2, 3], 0.3), x),
    ],
    ids=[
        "log_softmax",
        "softmax",
        "softplus",
        "log_sigmoid",
        "sigmoid",
        "softmax_xent",
        "sparse_xent",
        "sigmoid_xent",
    ],
)
def test_finite_values_and_gradients_for_huge_logits(f):
    y, (g,) = grad(f, BIG)
    assert y.dtype == np.float32 and g.dtype == np.float32
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(g.numpy()))


def test_huge_logit_cross_entropies_match_tensorflow():
    y, (gz, gx) = grad(tg.nn.softmax_cross_entropy_with_logits, [[0.0, 1.0]], [[1000.0, -1000.0]])
    np.testing.assert_allclose(y.numpy(), [2000.0])  # TF
    np.testing.assert_allclose(gz.numpy(), [[0.0, 2000.0]])
    np.testing.assert_allclose(gx.numpy(), [[1.0, -1.0]])
    y, (gx,) = grad(
        lambda x: tg.nn.sparse_softmax_cross_entropy_with_logits([0, 2], x),
        [[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]],
    )
    np.testing.assert_allclose(y.numpy(), [2.407606, 2000.0], rtol=1e-6)  # TF
    np.testing.assert_allclose(
        gx.numpy(), [[-0.90996945, 0.24472848, 0.66524094], [1.0, 0.0, -1.0]], rtol=1e-6, atol=1e-7
    )
    y, (gz, gx) = grad(
        tg.nn.sigmoid_cross_entropy_with_logits, [0.0, 1.0, 0.3], [1000.0, -1000.0, 0.0]
    )
    np.testing.assert_allclose(y.numpy(), [1000.0, 1000.0, 0.6931472], rtol=1e-6)  # TF
    np.testing.assert_allclose(gz.numpy(), [-1000.0, 1000.0, 0.0])
    np.testing.assert_allclose(gx.numpy(), [1.0, -1.0, 0.2], rtol=1e-6)


# --- TensorFlow's gradient conventions for the cross entropies ------------------------------
def test_softmax_xent_logit_gradient_is_softmax_minus_labels_even_unnormalised():
    labels, logits = [[0.5, 1.0, 0.7]], [[1.0, 2.0, 3.0]]
    y, (gz, gx) = grad(tg.nn.softmax_cross_entropy_with_logits, labels, logits, dtype=np.float64)
    np.testing.assert_allclose(y.numpy(), [2.89673312])  # TF
    np.testing.assert_allclose(
        gx.numpy(), [[-0.40996943, -0.75527153, -0.03475904]], rtol=1e-6
    )  # TF
    np.testing.assert_allclose(gz.numpy(), [[2.40760596, 1.40760596, 0.40760596]], rtol=1e-6)  # TF


def test_softmax_xent_casts_and_broadcasts_labels():
    logits = tg.constant([[1.0, 2.0]], tg.float32)
    y = tg.nn.softmax_cross_entropy_with_logits([[0, 1]], logits)  # int labels: cast (TF)
    np.testing.assert_allclose(y.numpy(), [0.31326166], rtol=1e-6)
    y = tg.nn.softmax_cross_entropy_with_logits(np.array([0.2, 0.8]), np.zeros((3, 2)))
    assert y.shape == (3,) and y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), np.log(2.0))
    y = tg.nn.softmax_cross_entropy_with_logits(
        np.eye(3)[:, :2], np.arange(6.0).reshape(3, 2), axis=0
    )
    np.testing.assert_allclose(y.numpy(), [4.14293163, 2.14293163])  # TF
    assert tg.nn.softmax_cross_entropy_with_logits([0.2, 0.8], [1.0, 2.0]).shape == ()


def test_sparse_xent_has_no_label_gradient_and_second_order_is_softmax_jacobian():
    logits = tg.constant(np.array([[0.1, 0.5, -0.3]]))
    with tg.GradientTape() as outer:
        outer.watch(logits)
        with tg.GradientTape() as inner:
            inner.watch(logits)
            loss = tg.nn.sparse_softmax_cross_entropy_with_logits([2], logits)
        g = inner.gradient(loss, logits)
    hessian = outer.jacobian(g, logits).numpy().reshape(3, 3)
    p = np.exp([0.1, 0.5, -0.3]) / np.exp([0.1, 0.5, -0.3]).sum()
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), atol=1e-12)


def test_moments_second_derivative_is_exact():
    # TF stops the gradient through the mean inside the variance, so its Hessian of the
    # variance is 2/N * I; tapegrad's is the exact 2/N * (I - 1/N). First derivatives agree.
    x = tg.constant(np.array([1.0, 2.0, 4.0]))
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            _, variance = tg.nn.moments(x, [0])
        g = inner.gradient(variance, x)
    np.testing.assert_allclose(g.numpy(), [-0.88888889, -0.22222222, 1.11111111])  # TF
    np.testing.assert_allclose(outer.jacobian(g, x).numpy(), 2 / 3 * (np.eye(3) - 1 / 3))


def test_moments_shapes_and_float16():
    mean, variance = tg.nn.moments(tg.constant(np.arange(6.0).reshape(2, 3)), axes=[0])
    np.testing.assert_allclose(mean.numpy(), [1.5, 2.5, 3.5])
    np.testing.assert_allclose(variance.numpy(), [2.25, 2.25, 2.25])
    mean, variance = tg.nn.moments(tg.ones((2, 3)), axes=1, keepdims=True)
    assert mean.shape == variance.shape == (2, 1)
    mean, variance = tg.nn.moments(tg.ones(4, tg.float16), axes=[0])
    assert mean.dtype == variance.dtype == np.float16


def test_l2_loss_and_bias_add_values():
    y, (g,) = grad(tg.nn.l2_loss, [[1.0, 2.0], [3.0, 4.0]])
    assert float(y) == 15.0 and y.shape == ()
    np.testing.assert_array_equal(g.numpy(), [[1.0, 2.0], [3.0, 4.0]])
    y, (gv, gb) = grad(tg.nn.bias_add, np.zeros((2, 3)), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(y.numpy(), [[1, 2, 3], [1, 2, 3]])
    np.testing.assert_array_equal(gb.numpy(), [2.0, 2.0, 2.0])
    y = tg.nn.bias_add(np.zeros((1, 2, 2, 2)), np.array([1.0, 2.0]), data_format="NCHW")
    np.testing.assert_array_equal(y.numpy()[0, :, 0, 0], [1.0, 2.0])


# --- dropout -----------------------------------------------------------------------------
def test_dropout_is_reproducible_and_scales_the_kept_values():
    tg.random.set_seed(5)
    a = tg.nn.dropout(tg.ones((50, 4)), rate=0.25)
    tg.random.set_seed(5)
    b = tg.nn.dropout(tg.ones((50, 4)), rate=0.25)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    values = set(np.unique(a.numpy()).tolist())
    assert values == {0.0, np.float32(1 / 0.75)}
    assert 0.1 < np.mean(a.numpy() == 0) < 0.4


def test_dropout_gradient_is_the_scaled_mask():
    x = tg.constant(np.arange(1.0, 21.0))
    tg.random.set_seed(0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.nn.dropout(x, rate=0.5)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g, np.where(y.numpy() != 0, 2.0, 0.0))


def test_dropout_tensor_rate_is_differentiable():
    rate = tg.constant(0.5)
    tg.random.set_seed(0)
    with tg.GradientTape() as tape:
        tape.watch(rate)
        y = tg.nn.dropout(tg.ones(10), rate)
    kept = np.count_nonzero(y.numpy())
    np.testing.assert_allclose(float(tape.gradient(y, rate)), kept * 4.0)  # d/dr 1/(1-r)


def test_dropout_noise_shape_and_fast_path():
    tg.random.set_seed(1)
    y = tg.nn.dropout(tg.ones((6, 3)), 0.5, noise_shape=[None, 1]).numpy()
    assert all(len(set(row.tolist())) == 1 for row in y)
    x = tg.ones((2, 2))
    assert tg.nn.dropout(x, 0.0) is x


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(x=np.ones(3, np.float32), rate=1.0), ValueError, r"dropout: rate .*\[0, 1\)"),
        (dict(x=np.ones(3, np.float32), rate=-0.1), ValueError, r"dropout: rate"),
        (dict(x=np.ones(3, np.int32), rate=0.5), ValueError, r"dropout: x .*floating.*int32"),
        (
            dict(x=np.ones((4, 3), np.float32), rate=0.5, noise_shape=[3, 1]),
            ValueError,
            r"dropout: noise_shape \[3, 1\] .*\(4, 3\)",
        ),
        (
            dict(x=np.ones((4, 3), np.float32), rate=0.5, noise_shape=[4]),
            ValueError,
            r"dropout: noise_shape",
        ),
    ],
)
def test_dropout_bad_input(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        tg.nn.dropout(**kwargs)


# --- bad input -----------------------------------------------------------------------------
def test_cross_entropy_shape_mismatches_name_op_and_shapes():
    with pytest.raises(
        ValueError,
        match=r"softmax_cross_entropy_with_logits: labels shape "
        r"\(2, 3\) .*logits shape \(2, 4\)",
    ):
        tg.nn.softmax_cross_entropy_with_logits(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(
        ValueError,
        match=r"sparse_softmax_cross_entropy_with_logits: labels "
        r"shape \(3,\) .*\(2, 4\).*\(2,\)",
    ):
        tg.nn.sparse_softmax_cross_entropy_with_logits([0, 1, 2], np.zeros((2, 4)))
    with pytest.raises(
        ValueError,
        match=r"sigmoid_cross_entropy_with_logits: .*same shape.*"
        r"\(2,\).*\(3,\)",
    ):
        tg.nn.sigmoid_cross_entropy_with_logits(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="rank >= 1"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(np.int32(0), 1.0)


def test_sparse_cross_entropy_label_errors():
    with pytest.raises(IndexOutOfRangeError, match=r"label value of 3 .*\[0, 3\)"):
        tg.nn.sparse_softmax_cross_entropy_with_logits([0, 3], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"label value of -1"):
        tg.nn.sparse_softmax_cross_entropy_with_logits([0, -1], np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"labels must be an integer tensor.*float32"):
        tg.nn.sparse_softmax_cross_entropy_with_logits([0.0, 1.0], np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"sigmoid_cross_entropy_with_logits: labels dtype"):
        tg.nn.sigmoid_cross_entropy_with_logits(np.zeros(2), np.zeros(2, np.float32))


def test_bias_add_bad_input():
    with pytest.raises(ValueError, match=r"bias_add: value must have rank >= 2.*\(3,\)"):
        tg.nn.bias_add(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"bias_add: bias has 2 elements .*\(2, 3\)\) has 3"):
        tg.nn.bias_add(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"bias_add: bias must be 1-D.*\(1, 3\)"):
        tg.nn.bias_add(np.zeros((2, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"bias_add: data_format"):
        tg.nn.bias_add(np.zeros((2, 3)), np.zeros(3), data_format="HWCN")


def test_axis_errors_name_the_op():
    with pytest.raises(ValueError, match=r"softmax: axis 2 is out of range"):
        tg.nn.softmax(np.zeros((2, 2)), axis=2)
    with pytest.raises(ValueError, match=r"moments: axis 3"):
        tg.nn.moments(np.zeros((2, 2)), axes=[3])


def test_moments_axes_are_parsed_as_the_reductions_parse_theirs():
    x = tg.constant([[1.0, 2.0], [3.0, 5.0]])
    mean, variance = tg.nn.moments(x, [True])  # a bool is axis 1, as TensorFlow's moments
    assert mean.numpy().tolist() == [1.5, 4.0] and variance.numpy().tolist() == [0.25, 1.0]
    assert tg.nn.moments(x, tg.constant([1]))[0].numpy().tolist() == [1.5, 4.0]
    with pytest.raises(TypeError, match=r"moments: axis must be an int"):
        tg.nn.moments(x, [1.5])  # was silently truncated to 1
    with pytest.raises(TypeError, match=r"moments: axis must hold integers"):
        tg.nn.moments(x, np.array([1.0]))
    with pytest.raises(ValueError, match=r"moments: axis 0 is out of range .* scalar"):
        tg.nn.moments(tg.constant(3.0), [0])  # was an IndexError
    with pytest.raises(ValueError, match=r"moments: axis \[0, 0\] names the same dimension"):
        tg.nn.moments(x, [0, 0])
    with pytest.raises(TypeError, match=r"reduce_sum: axis must be an int"):
        tg.reduce_sum(x, [True])  # the reductions keep refusing bools


def test_namespace_reexports():
    assert tg.nn.sigmoid is tg.sigmoid and tg.nn.tanh is tg.tanh
    assert tg.nn.softplus is tg.math.softplus
    for name in ["embedding_lookup", "l2_normalize", "conv2d", "max_pool2d", "log_sigmoid"]:
        assert name in tg.nn.__all__ and callable(getattr(tg.nn, name))
