"""Layer gradients against finite differences: first and second order, float64, with respect
to the input and every trainable weight (``tapegrad.testing.check_gradients``)."""

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import keras

RNG = np.random.default_rng(1)


def _weight_attrs(layer):
    """For each trainable weight, the layer attribute that holds it."""
    found = []
    for w in layer.trainable_weights:
        owner, name = next((lay, k) for lay in layer._flatten_layers()
                           for k, v in vars(lay).items() if v is w)
        found.append((owner, name, w))
    return found


def check_layer(layer, x, training=False, int_input=False, order=2):
    x = np.asarray(x)
    layer(x, training=training)  # build
    attrs = _weight_attrs(layer)

    def f(*args):
        inputs, weights = (x, args) if int_input else (args[0], args[1:])
        saved = []
        for (owner, name, _), value in zip(attrs, weights):
            saved.append((owner, name, owner.__dict__[name]))
            object.__setattr__(owner, name, value)
        try:
            return layer(inputs, training=training)
        finally:
            for owner, name, value in saved:
                object.__setattr__(owner, name, value)

    values = [w.numpy() for _, _, w in attrs]
    inputs = values if int_input else [x] + values
    tg.testing.check_gradients(f, [tg.constant(v) for v in inputs], order=order)


def _x(*shape):
    return RNG.normal(size=shape)


CASES = {
    "dense": (lambda: keras.layers.Dense(3, activation="tanh", dtype="float64"), _x(2, 4)),
    "dense_rank3": (lambda: keras.layers.Dense(2, activation="sigmoid", dtype="float64"),
                    _x(2, 2, 3)),
    "conv1d_causal": (lambda: keras.layers.Conv1D(2, 2, padding="causal", dtype="float64"),
                      _x(1, 5, 2)),
    "conv2d": (lambda: keras.layers.Conv2D(2, 3, strides=2, padding="same", activation="tanh",
                                           dtype="float64"), _x(1, 5, 5, 2)),
    "maxpool": (lambda: keras.layers.MaxPooling2D(dtype="float64"), _x(1, 4, 4, 2)),
    "avgpool": (lambda: keras.layers.AveragePooling2D(3, 2, padding="same", dtype="float64"),
                _x(1, 5, 5, 1)),
    "gap": (lambda: keras.layers.GlobalAveragePooling2D(dtype="float64"), _x(2, 3, 3, 2)),
    "layernorm": (lambda: keras.layers.LayerNormalization(dtype="float64"), _x(3, 4)),
    "softmax": (lambda: keras.layers.Softmax(dtype="float64"), _x(2, 3)),
    "leaky_relu": (lambda: keras.layers.LeakyReLU(dtype="float64"), _x(2, 3) + 0.05),
    "simple_rnn": (lambda: keras.layers.SimpleRNN(2, return_sequences=True, dtype="float64"),
                   _x(1, 3, 2)),
    "lstm": (lambda: keras.layers.LSTM(2, dtype="float64"), _x(1, 3, 2)),
    "gru": (lambda: keras.layers.GRU(2, dtype="float64"), _x(1, 3, 2)),
    "gru_reset_before": (lambda: keras.layers.GRU(2, reset_after=False, dtype="float64"),
                         _x(1, 3, 2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_gradients(name):
    make, x = CASES[name]
    check_layer(make(), x)


@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_gradients(training):
    layer = keras.layers.BatchNormalization(dtype="float64")
    x = _x(5, 3)
    layer(x, training=True)  # moving statistics away from their initial values
    check_layer(layer, x, training=training)


def test_embedding_gradient_is_indexed_slices_and_checks():
    layer = keras.layers.Embedding(5, 3, dtype="float64")
    ids = np.array([[0, 2], [2, 4]])
    with tg.GradientTape() as tape:
        y = tg.reduce_sum(layer(ids) ** 2)
    (grad,) = tape.gradient(y, layer.trainable_weights)
    assert isinstance(grad, tg.IndexedSlices)
    dense = np.zeros((5, 3))
    np.add.at(dense, ids.ravel(), 2 * layer.embeddings.numpy()[ids.ravel()])
    np.testing.assert_allclose(np.asarray(tg.convert_to_tensor(grad)), dense)
    check_layer(layer, ids, int_input=True)


def test_functional_model_gradients():
    inputs = keras.Input(shape=(3,), dtype="float64")
    a = keras.layers.Dense(4, activation="tanh", dtype="float64")(inputs)
    b = keras.layers.Dense(4, activation="sigmoid", dtype="float64")(inputs)
    merged = keras.layers.Concatenate(dtype="float64")([a, b])
    out = keras.layers.Dense(1, dtype="float64")(merged)
    check_layer(keras.Model(inputs, out), _x(2, 3), order=1)


@pytest.mark.skipif(not hasattr(tg.nn, "conv2d_transpose"), reason="needs tg.nn.conv2d_transpose")
def test_conv2d_transpose_gradients():
    layer = keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64")
    check_layer(layer, _x(1, 3, 3, 2))


@pytest.mark.skipif(not hasattr(tg.nn, "depthwise_conv2d"), reason="needs tg.nn.depthwise_conv2d")
def test_depthwise_conv2d_gradients():
    layer = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", dtype="float64")
    check_layer(layer, _x(1, 4, 4, 2))
