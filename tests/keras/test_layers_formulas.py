"""Layers against their formulas written out in NumPy (these run without TensorFlow)."""

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import keras

RNG = np.random.default_rng(5)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_dense():
    layer = keras.layers.Dense(3, activation="relu")
    x = RNG.normal(size=(4, 5)).astype(np.float32)
    y = layer(x).numpy()
    np.testing.assert_allclose(y, np.maximum(x @ layer.kernel.numpy() + layer.bias.numpy(), 0),
                               rtol=1e-6)


def test_conv2d_and_pooling():
    layer = keras.layers.Conv2D(2, 3, strides=1, padding="valid")
    x = RNG.normal(size=(1, 5, 5, 2)).astype(np.float32)
    y = layer(x).numpy()
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    expected = np.zeros((1, 3, 3, 2), np.float32)
    for i in range(3):
        for j in range(3):
            expected[0, i, j] = np.tensordot(x[0, i:i + 3, j:j + 3], k, 3) + b
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    pooled = keras.layers.MaxPooling2D()(x[:, :4, :4]).numpy()
    np.testing.assert_allclose(pooled, x[:, :4, :4].reshape(1, 2, 2, 2, 2, 2).max((2, 4)))
    avg = keras.layers.GlobalAveragePooling2D()(x).numpy()
    np.testing.assert_allclose(avg, x.mean((1, 2)), rtol=1e-6)


def test_batch_normalization():
    layer = keras.layers.BatchNormalization(momentum=0.8, epsilon=1e-3)
    x = RNG.normal(2.0, 3.0, size=(16, 3)).astype(np.float32)
    y = layer(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.2 * mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.8 + 0.2 * var, rtol=1e-5)
    inference = layer(x).numpy()
    np.testing.assert_allclose(inference, (x - 0.2 * mean) / np.sqrt(0.8 + 0.2 * var + 1e-3),
                               rtol=1e-4, atol=1e-5)


def test_layer_normalization():
    x = RNG.normal(size=(3, 6)).astype(np.float32)
    y = keras.layers.LayerNormalization(epsilon=1e-3)(x).numpy()
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_lstm_and_gru_steps():
    x = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    lstm = keras.layers.LSTM(5)
    out = lstm(x).numpy()
    k, r, b = lstm.kernel.numpy(), lstm.recurrent_kernel.numpy(), lstm.bias.numpy()
    assert np.all(b[5:10] == 1.0)  # unit_forget_bias
    h = c = np.zeros((2, 5), np.float32)
    for t in range(4):
        z = x[:, t] @ k + h @ r + b
        i, f, g, o = sigmoid(z[:, :5]), sigmoid(z[:, 5:10]), np.tanh(z[:, 10:15]), sigmoid(
            z[:, 15:])
        c = f * c + i * g
        h = o * np.tanh(c)
    np.testing.assert_allclose(out, h, rtol=1e-4, atol=1e-5)

    gru = keras.layers.GRU(5)
    out = gru(x).numpy()
    k, r, b = gru.kernel.numpy(), gru.recurrent_kernel.numpy(), gru.bias.numpy()
    h = np.zeros((2, 5), np.float32)
    for t in range(4):
        xz = x[:, t] @ k + b[0]
        hz = h @ r + b[1]
        z, rr = sigmoid(xz[:, :5] + hz[:, :5]), sigmoid(xz[:, 5:10] + hz[:, 5:10])
        hh = np.tanh(xz[:, 10:] + rr * hz[:, 10:])
        h = z * h + (1 - z) * hh
    np.testing.assert_allclose(out, h, rtol=1e-4, atol=1e-5)


def test_recurrent_kernel_is_orthogonal():
    rnn = keras.layers.SimpleRNN(6)
    rnn(np.zeros((1, 2, 3), np.float32))
    r = rnn.recurrent_kernel.numpy()
    np.testing.assert_allclose(r.T @ r, np.eye(6), atol=1e-5)


def test_embedding_flatten_reshape_merges():
    emb = keras.layers.Embedding(7, 2)
    ids = np.array([[1, 6], [0, 1]])
    np.testing.assert_array_equal(emb(ids).numpy(), emb.embeddings.numpy()[ids])
    assert np.abs(emb.embeddings.numpy()).max() <= 0.05  # Keras's "uniform" initializer
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(keras.layers.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(keras.layers.Reshape((4, 3))(x).numpy(), x.reshape(2, 4, 3))
    a, b = x[:, 0], x[:, 1]
    np.testing.assert_allclose(keras.layers.Average()([a, b]).numpy(), (a + b) / 2)
    np.testing.assert_array_equal(keras.layers.Concatenate(axis=0)([a, b]).numpy(),
                                  np.concatenate([a, b], 0))
    with pytest.raises(ValueError, match="Reshape"):
        keras.layers.Reshape((5,))(x)


def test_dropout_training_scales_kept_entries():
    x = np.ones((200, 50), np.float32)
    y = keras.layers.Dropout(0.25, seed=3)(x, training=True).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.02


def test_fit_matches_a_hand_written_loop():
    """One epoch of fit (no shuffling) equals the same steps written with a GradientTape."""
    x = RNG.normal(size=(20, 3)).astype(np.float32)
    y = RNG.normal(size=(20, 1)).astype(np.float32)

    def build():
        tg.random.set_seed(1)
        return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, "tanh"),
                                 keras.layers.Dense(1)])

    model = build()
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    manual = build()
    opt = keras.optimizers.SGD(0.1, momentum=0.9)
    epoch_losses = []
    for _ in range(2):
        total = 0.0
        for start in range(0, 20, 8):
            xb, yb = x[start:start + 8], y[start:start + 8]
            with tg.GradientTape() as tape:
                loss = tg.reduce_mean(tg.square(manual(xb) - yb))
            grads = tape.gradient(loss, manual.trainable_weights)
            opt.apply_gradients(zip(grads, manual.trainable_weights))
            total += float(loss) * len(xb)
        epoch_losses.append(total / 20)
    np.testing.assert_allclose(history.history["loss"], epoch_losses, rtol=1e-5)
    for a, b in zip(model.get_weights(), manual.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
