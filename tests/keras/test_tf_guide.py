"""TensorFlow's autodiff guide code that uses Keras layers, run as written with
``import tapegrad as tf``, and compared with TensorFlow when it is installed."""

import numpy as np
import pytest

import tapegrad as tf

RNG = np.random.default_rng(6)


def test_gradients_with_respect_to_a_layer():
    layer = tf.keras.layers.Dense(2, activation="relu")
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_mean(y**2)
    grad = tape.gradient(loss, layer.trainable_variables)
    names = [f"{var.name}, shape: {g.shape}" for var, g in zip(layer.trainable_variables, grad)]
    assert names == ["kernel, shape: (3, 2)", "bias, shape: (2,)"]
    relu = (x.numpy() @ layer.kernel.numpy() + layer.bias.numpy() > 0)
    y_np = np.maximum(x.numpy() @ layer.kernel.numpy() + layer.bias.numpy(), 0)
    np.testing.assert_allclose(grad[1].numpy(), (y_np * relu)[0], rtol=1e-6)  # d mean(y^2)/db


def _guide_snippet(lib, layer1, bn, layer2, x, training):
    """The guide's batch-Jacobian example, verbatim apart from ``training``."""
    x = lib.constant(x)
    with lib.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        y = bn(y, training=training)
        y = layer2(y)
    return tape.jacobian(y, x).numpy(), tape.batch_jacobian(y, x).numpy()


@pytest.mark.parametrize("training", [True, False])
def test_batch_jacobian_through_batch_normalization_matches_tensorflow(training):
    tf_real = pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")
    x = RNG.normal(size=(7, 5)).astype(np.float32)
    made = [(K.layers.Dense(8, activation="elu"), K.layers.BatchNormalization(),
             K.layers.Dense(6, activation="elu")) for K in (real, tf.keras)]
    for theirs, ours in zip(*made):
        theirs(np.zeros((1, 5 if theirs is made[0][0] else 8), np.float32))
        ours(np.zeros((1, 5 if ours is made[1][0] else 8), np.float32))
        ours.set_weights(theirs.get_weights())
    j_t, bj_t = _guide_snippet(tf_real, *made[0], x, training)
    j_o, bj_o = _guide_snippet(tf, *made[1], x, training)
    assert j_o.shape == (7, 6, 7, 5) and bj_o.shape == (7, 6, 5)
    np.testing.assert_allclose(j_o, j_t, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bj_o, bj_t, rtol=1e-4, atol=1e-5)


def test_hessian_of_a_keras_model_matches_tensorflow():
    tf_real = pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")
    x = RNG.normal(size=(7, 5)).astype(np.float32)
    out = []
    pairs = [(real, tf_real), (tf.keras, tf)]
    made = [(K.layers.Dense(8, activation="relu"), K.layers.Dense(6, activation="relu"))
            for K, _ in pairs]
    for (_, lib), (layer1, layer2) in zip(pairs, made):
        xt = lib.constant(x)
        layer2(layer1(xt))
        if lib is tf:
            layer1.set_weights(made[0][0].get_weights())
            layer2.set_weights(made[0][1].get_weights())
        with lib.GradientTape() as t2:
            with lib.GradientTape() as t1:
                loss = lib.reduce_mean(layer2(layer1(xt)) ** 2)
            g = t1.gradient(loss, layer1.kernel)
        out.append(t2.jacobian(g, layer1.kernel).numpy())
    assert out[1].shape == (5, 8, 5, 8)
    np.testing.assert_allclose(out[1], out[0], rtol=1e-4, atol=1e-6)


def test_jacobian_with_respect_to_a_kernel_matches_tensorflow():
    tf_real = pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")
    x = RNG.normal(size=(7, 5)).astype(np.float32)
    theirs, ours = real.layers.Dense(10, activation="relu"), tf.keras.layers.Dense(10,
                                                                                 activation="relu")
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    with tf_real.GradientTape() as tape:
        y = theirs(tf_real.constant(x))
    j_t = tape.jacobian(y, theirs.kernel).numpy()
    with tf.GradientTape() as tape:
        y = ours(tf.constant(x))
    j_o = tape.jacobian(y, ours.kernel).numpy()
    assert j_o.shape == (7, 10, 5, 10)
    np.testing.assert_allclose(j_o, j_t, rtol=1e-5, atol=1e-6)
