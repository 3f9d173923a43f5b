"""Every layer against real Keras 3 (TensorFlow backend): same weights, same outputs, same
gradients with respect to the inputs and the weights (float32 tolerances)."""

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import keras

tf = pytest.importorskip("tensorflow")
real = pytest.importorskip("keras")

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def _lists(x):
    return x if isinstance(x, list) else [x]


def _compare(make, x, training=False, rtol=2e-5, atol=2e-5, int_input=False):
    theirs, ours = make(real), make(keras)
    xs = _lists(x)
    call_t = xs if isinstance(x, list) else xs[0]
    theirs(call_t if int_input else [tf.constant(a) for a in xs] if isinstance(x, list)
           else tf.constant(xs[0]), training=False)
    ours(call_t, training=False)
    ours.set_weights(theirs.get_weights())
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)

    tf_x = [tf.constant(a) for a in xs]
    tg_x = [tg.constant(a) for a in xs]
    with tf.GradientTape() as tape:
        if not int_input:
            tape.watch(tf_x)
        y_t = theirs(tf_x if isinstance(x, list) else tf_x[0], training=training)
        weight = RNG.normal(size=np.shape(_lists(y_t)[0])).astype(np.float32)
        loss_t = tf.reduce_sum(_lists(y_t)[0] * weight)
    srcs_t = ([] if int_input else tf_x) + list(theirs.trainable_weights)
    g_t = tape.gradient(loss_t, srcs_t)
    with tg.GradientTape() as tape:
        if not int_input:
            tape.watch(tg_x)
        y_o = ours(tg_x if isinstance(x, list) else tg_x[0], training=training)
        loss_o = tg.reduce_sum(_lists(y_o)[0] * weight)
    srcs_o = ([] if int_input else tg_x) + list(ours.trainable_weights)
    g_o = tape.gradient(loss_o, srcs_o)
    for a, b in zip(_lists(y_o), _lists(y_t)):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=rtol, atol=atol)
    for a, b in zip(g_o, g_t):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(np.asarray(tg.convert_to_tensor(a)),
                                       tf.convert_to_tensor(b).numpy(), rtol=1e-4, atol=1e-4)
    for a, b in zip(ours.weights, theirs.weights):  # moving statistics after a training call
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


CASES = {
    "dense": (lambda K: K.layers.Dense(4, activation="tanh"), _x(3, 5)),
    "dense_rank3": (lambda K: K.layers.Dense(4, use_bias=False), _x(2, 3, 5)),
    "conv1d_valid": (lambda K: K.layers.Conv1D(3, 3, activation="relu"), _x(2, 9, 2)),
    "conv1d_causal": (lambda K: K.layers.Conv1D(3, 2, padding="causal", dilation_rate=2),
                      _x(2, 9, 2)),
    "conv1d_strides": (lambda K: K.layers.Conv1D(2, 3, strides=2, padding="same"), _x(2, 9, 2)),
    "conv2d_same": (lambda K: K.layers.Conv2D(4, 3, padding="same"), _x(2, 6, 6, 3)),
    "conv2d_strides": (lambda K: K.layers.Conv2D(2, (3, 2), strides=2, activation="relu"),
                       _x(2, 7, 6, 3)),
    "conv2d_dilation": (lambda K: K.layers.Conv2D(2, 3, dilation_rate=2), _x(1, 7, 7, 2)),
    "maxpool": (lambda K: K.layers.MaxPooling2D(), _x(2, 6, 6, 3)),
    "maxpool_same": (lambda K: K.layers.MaxPooling2D(3, strides=2, padding="same"),
                     _x(2, 7, 7, 2)),
    "avgpool_same": (lambda K: K.layers.AveragePooling2D(3, strides=2, padding="same"),
                     _x(2, 7, 7, 2)),
    "gap": (lambda K: K.layers.GlobalAveragePooling2D(), _x(2, 4, 4, 3)),
    "gmp": (lambda K: K.layers.GlobalMaxPooling2D(keepdims=True), _x(2, 4, 4, 3)),
    "maxpool1d": (lambda K: K.layers.MaxPooling1D(2), _x(2, 8, 3)),
    "avgpool1d_same": (lambda K: K.layers.AveragePooling1D(3, strides=2, padding="same"),
                       _x(2, 7, 3)),
    "gap1d": (lambda K: K.layers.GlobalAveragePooling1D(), _x(2, 5, 3)),
    "gmp1d": (lambda K: K.layers.GlobalMaxPooling1D(), _x(2, 5, 3)),
    "identity": (lambda K: K.layers.Identity(), _x(2, 3)),
    "minimum": (lambda K: K.layers.Minimum(), [_x(3, 4), _x(3, 4)]),
    "dense_l2_relu6": (lambda K: K.layers.Dense(3, activation="relu6", kernel_regularizer="l2"),
                       _x(3, 4) * 4),
    "conv2d_channels_first_pool": (lambda K: K.layers.MaxPooling2D(data_format="channels_first"),
                                   _x(2, 3, 4, 4)),
    "flatten": (lambda K: K.layers.Flatten(), _x(2, 3, 4)),
    "reshape": (lambda K: K.layers.Reshape((-1, 2)), _x(2, 3, 4)),
    "dropout_inference": (lambda K: K.layers.Dropout(0.5), _x(3, 4)),
    "layernorm": (lambda K: K.layers.LayerNormalization(), _x(3, 6)),
    "layernorm_axes": (lambda K: K.layers.LayerNormalization(axis=[1, 2]), _x(2, 3, 4)),
    "activation_gelu": (lambda K: K.layers.Activation("gelu"), _x(3, 4)),
    "activation_selu": (lambda K: K.layers.Activation("selu"), _x(3, 4)),
    "activation_softplus": (lambda K: K.layers.Activation("softplus"), _x(3, 4)),
    "activation_swish": (lambda K: K.layers.Activation("swish"), _x(3, 4)),
    "activation_elu": (lambda K: K.layers.Activation("elu"), _x(3, 4)),
    "activation_hard_sigmoid": (lambda K: K.layers.Activation("hard_sigmoid"), _x(3, 4)),
    "activation_softsign": (lambda K: K.layers.Activation("softsign"), _x(3, 4)),
    "relu": (lambda K: K.layers.ReLU(), _x(3, 4)),
    "relu_options": (lambda K: K.layers.ReLU(max_value=1.0, negative_slope=0.1,
                                             threshold=0.2), _x(3, 4)),
    "leaky_relu": (lambda K: K.layers.LeakyReLU(), _x(3, 4)),
    "softmax": (lambda K: K.layers.Softmax(axis=1), _x(3, 4, 2)),
    "simple_rnn": (lambda K: K.layers.SimpleRNN(4, return_sequences=True), _x(2, 5, 3)),
    "lstm": (lambda K: K.layers.LSTM(4), _x(2, 5, 3)),
    "lstm_backwards": (lambda K: K.layers.LSTM(3, return_sequences=True, go_backwards=True),
                       _x(2, 4, 3)),
    "gru": (lambda K: K.layers.GRU(4, return_sequences=True), _x(2, 5, 3)),
    "gru_reset_before": (lambda K: K.layers.GRU(4, reset_after=False), _x(2, 5, 3)),
    "lambda": (lambda K: K.layers.Lambda(lambda x: x * x), _x(3, 4)),
    "add": (lambda K: K.layers.Add(), [_x(3, 4), _x(3, 4)]),
    "multiply": (lambda K: K.layers.Multiply(), [_x(3, 4), _x(3, 4), _x(3, 4)]),
    "subtract": (lambda K: K.layers.Subtract(), [_x(3, 4), _x(3, 4)]),
    "average": (lambda K: K.layers.Average(), [_x(3, 4), _x(3, 4)]),
    "maximum": (lambda K: K.layers.Maximum(), [_x(3, 4), _x(3, 4)]),
    "concatenate": (lambda K: K.layers.Concatenate(axis=1), [_x(3, 4, 2), _x(3, 1, 2)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_matches_keras(name):
    make, x = CASES[name]
    _compare(make, x)


@pytest.mark.parametrize("training", [False, True])
def test_batch_normalization_matches_keras(training):
    x = _x(8, 3) * 2.0 + 1.0
    _compare(lambda K: K.layers.BatchNormalization(momentum=0.9), x, training=training)


def test_batch_normalization_4d_matches_keras():
    _compare(lambda K: K.layers.BatchNormalization(), _x(4, 3, 3, 2), training=True)


def test_embedding_matches_keras():
    ids = np.array([[1, 2, 2], [0, 5, 1]], np.int32)
    _compare(lambda K: K.layers.Embedding(6, 3), ids, int_input=True)


@pytest.mark.skipif(not hasattr(tg.nn, "conv2d_transpose"), reason="needs tg.nn.conv2d_transpose")
@pytest.mark.parametrize("padding, strides", [("same", 2), ("valid", 2), ("valid", 1)])
def test_conv2d_transpose_matches_keras(padding, strides):
    _compare(lambda K: K.layers.Conv2DTranspose(3, 3, strides=strides, padding=padding),
             _x(2, 4, 4, 2))


@pytest.mark.skipif(not hasattr(tg.nn, "depthwise_conv2d"), reason="needs tg.nn.depthwise_conv2d")
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_depthwise_conv2d_matches_keras(padding):
    _compare(lambda K: K.layers.DepthwiseConv2D(3, depth_multiplier=2, padding=padding),
             _x(2, 5, 5, 3))


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
                                  "lecun_normal", "lecun_uniform", "orthogonal",
                                  "random_normal", "random_uniform", "truncated_normal"])
def test_initializer_statistics_match_keras(name):
    """Random initialisers differ in their streams, not in their distributions."""
    shape = (200, 300)
    ours = np.asarray(keras.initializers.get(name)(shape))
    theirs = real.initializers.get(name)(shape).numpy()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.03)
    q = 0.99  # a high quantile (stable over 60000 draws) sees the truncation and the limits
    np.testing.assert_allclose(np.quantile(np.abs(ours), q), np.quantile(np.abs(theirs), q),
                               rtol=0.05)
    np.testing.assert_allclose(ours.mean(), 0.0, atol=0.01)


def test_layer_names_and_weight_names_match_keras():
    keras.backend.clear_session()
    real.backend.clear_session()
    makers = [lambda K: K.layers.Dense(2), lambda K: K.layers.Conv2D(2, 3),
              lambda K: K.layers.MaxPooling2D(), lambda K: K.layers.BatchNormalization(),
              lambda K: K.layers.SimpleRNN(2), lambda K: K.layers.LSTM(2),
              lambda K: K.layers.Dense(2)]
    assert [m(keras).name for m in makers] == [m(real).name for m in makers]
    bn_t, bn_o = real.layers.BatchNormalization(), keras.layers.BatchNormalization()
    bn_t(np.zeros((1, 3), np.float32))
    bn_o(np.zeros((1, 3), np.float32))
    assert [w.name.split(":")[0] for w in bn_o.weights] == [w.name for w in bn_t.weights]
    assert [w.trainable for w in bn_o.weights] == [w.trainable for w in bn_t.weights]
