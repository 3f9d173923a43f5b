"""Keras optimizers: 20 training steps follow real Keras's trajectory; without TensorFlow the
same trajectories are checked against the update formulas written out in NumPy here."""

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import keras

RNG = np.random.default_rng(3)
W0 = RNG.normal(size=(3, 2)).astype(np.float32)
B0 = RNG.normal(size=(2,)).astype(np.float32)
X = RNG.normal(size=(5, 3)).astype(np.float32)
Y = RNG.normal(size=(5, 2)).astype(np.float32)
STEPS = 20


def _loss(ops, w, b):
    pred = ops.matmul(X, w) + b
    return ops.reduce_mean(ops.square(pred - Y)) + 0.1 * ops.reduce_sum(b**4)


def _run_tapegrad(make):
    opt = make(keras)
    w, b = tg.Variable(W0), tg.Variable(B0)
    path = []
    for _ in range(STEPS):
        with tg.GradientTape() as tape:
            loss = _loss(tg, w, b)
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        path.append(np.concatenate([w.numpy().ravel(), b.numpy()]))
    assert int(opt.iterations.numpy()) == STEPS
    return np.array(path)


CASES = {
    "sgd": lambda K: K.optimizers.SGD(0.1),
    "sgd_momentum": lambda K: K.optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda K: K.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda K: K.optimizers.Adam(0.05),
    "adam_amsgrad": lambda K: K.optimizers.Adam(0.05, amsgrad=True),
    "adamw": lambda K: K.optimizers.AdamW(0.05, weight_decay=0.1),
    "rmsprop": lambda K: K.optimizers.RMSprop(0.01),
    "rmsprop_centered_momentum": lambda K: K.optimizers.RMSprop(0.01, momentum=0.5,
                                                                centered=True),
    "adagrad": lambda K: K.optimizers.Adagrad(0.1),
    "nadam": lambda K: K.optimizers.Nadam(0.05),
    "sgd_clipnorm": lambda K: K.optimizers.SGD(0.1, clipnorm=0.5),
    "sgd_clipvalue": lambda K: K.optimizers.SGD(0.1, clipvalue=0.1),
    "adam_global_clipnorm": lambda K: K.optimizers.Adam(0.05, global_clipnorm=0.3),
    "sgd_weight_decay": lambda K: K.optimizers.SGD(0.1, weight_decay=0.05),
    "adam_exponential_decay": lambda K: K.optimizers.Adam(
        K.optimizers.schedules.ExponentialDecay(0.1, decay_steps=5, decay_rate=0.5)),
    "sgd_cosine_warmup": lambda K: K.optimizers.SGD(K.optimizers.schedules.CosineDecay(
        0.01, decay_steps=10, alpha=0.1, warmup_target=0.1, warmup_steps=5)),
    "sgd_piecewise": lambda K: K.optimizers.SGD(
        K.optimizers.schedules.PiecewiseConstantDecay([5, 12], [0.1, 0.05, 0.01])),
    "exponential_staircase": lambda K: K.optimizers.RMSprop(
        K.optimizers.schedules.ExponentialDecay(0.02, 4, 0.7, staircase=True)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_trajectory_matches_keras(name):
    tf = pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")
    opt = CASES[name](real)
    w, b = tf.Variable(W0), tf.Variable(B0)
    path = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = _loss(tf, w, b)
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        path.append(np.concatenate([w.numpy().ravel(), b.numpy()]))
    np.testing.assert_allclose(_run_tapegrad(CASES[name]), np.array(path), rtol=2e-5, atol=2e-6)


def _numpy_path(update, lr_at=lambda step: None):
    w, b = W0.astype(np.float64), B0.astype(np.float64)
    state: dict = {}
    path = []
    for step in range(STEPS):
        pred = X @ w + b
        r = 2 * (pred - Y) / Y.size
        grads = [X.T @ r, r.sum(0) + 0.4 * b**3]
        new = []
        for i, (p, g) in enumerate(zip((w, b), grads)):
            new.append(update(p, g, state.setdefault(i, {}), step + 1))
        w, b = new
        path.append(np.concatenate([w.ravel(), b]))
    return np.array(path)


def _adam(lr, b1=0.9, b2=0.999, eps=1e-7):
    def update(p, g, s, t):
        s["m"] = s.get("m", 0) + (g - s.get("m", 0)) * (1 - b1)
        s["v"] = s.get("v", 0) + (g * g - s.get("v", 0)) * (1 - b2)
        alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        return p - alpha * s["m"] / (np.sqrt(s["v"]) + eps)
    return update


def _sgd_momentum(lr, mu, nesterov=False):
    def update(p, g, s, t):
        s["m"] = mu * s.get("m", 0) - lr * g
        return p + (mu * s["m"] - lr * g if nesterov else s["m"])
    return update


def _rmsprop(lr, rho=0.9, eps=1e-7):
    def update(p, g, s, t):
        s["v"] = rho * s.get("v", 0) + (1 - rho) * g * g
        return p - lr * g / np.sqrt(s["v"] + eps)
    return update


def _adagrad(lr, init=0.1, eps=1e-7):
    def update(p, g, s, t):
        s["a"] = s.get("a", init) + g * g
        return p - lr * g / np.sqrt(s["a"] + eps)
    return update


@pytest.mark.parametrize("name, update", [
    ("adam", _adam(0.05)),
    ("sgd_momentum", _sgd_momentum(0.05, 0.9)),
    ("sgd_nesterov", _sgd_momentum(0.05, 0.9, nesterov=True)),
    ("rmsprop", _rmsprop(0.01)),
    ("adagrad", _adagrad(0.1)),
])
def test_trajectory_matches_formulas(name, update):
    np.testing.assert_allclose(_run_tapegrad(CASES[name]), _numpy_path(update), rtol=1e-4,
                               atol=1e-5)


def test_defaults_are_keras_defaults():
    adam = keras.optimizers.Adam()
    assert (float(adam.learning_rate.numpy()), adam.beta_1, adam.beta_2, adam.epsilon) == (
        pytest.approx(0.001), 0.9, 0.999, 1e-7)
    assert float(keras.optimizers.SGD().learning_rate.numpy()) == pytest.approx(0.01)
    assert keras.optimizers.Adagrad().initial_accumulator_value == 0.1
    assert keras.optimizers.AdamW().weight_decay == 0.004
    assert keras.optimizers.RMSprop().rho == 0.9
    assert type(keras.optimizers.get("nadam")).__name__ == "Nadam"


def test_learning_rate_assignment_and_minimize():
    opt = keras.optimizers.SGD(0.1)
    opt.learning_rate = 0.5
    v = tg.Variable([2.0])
    loss = opt.minimize(lambda: tg.reduce_sum(v * v), [v])
    assert float(loss) == 4.0 and v.numpy().tolist() == [0.0]
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(v + 1.0)
    opt.minimize(loss, [v], tape=tape)
    assert v.numpy().tolist() == [-0.5]
    with pytest.raises(ValueError, match="pass `tape`"):
        opt.minimize(loss, [v])


def test_none_gradients_are_skipped_and_bad_pairs_rejected():
    opt = keras.optimizers.Adam(0.1)
    a, b = tg.Variable([1.0]), tg.Variable([1.0])
    opt.apply_gradients([(None, a), (tg.constant([1.0]), b)])
    assert a.numpy().tolist() == [1.0] and b.numpy()[0] < 1.0
    with pytest.raises(TypeError, match="pairs"):
        opt.apply_gradients([a, b])
    with pytest.raises(ValueError, match="only one of"):
        keras.optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="does not match variable"):
        opt.apply_gradients([(tg.constant([1.0, 2.0]), b)])


def test_sparse_embedding_gradients_update_like_dense():
    layer = keras.layers.Embedding(4, 2)
    layer([0])
    before = layer.embeddings.numpy().copy()
    opt = keras.optimizers.SGD(1.0)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(layer([1, 1, 3]))
    opt.apply_gradients(zip(tape.gradient(loss, layer.trainable_weights),
                            layer.trainable_weights))
    expected = before.copy()
    expected[1] -= 2.0
    expected[3] -= 1.0
    np.testing.assert_allclose(layer.embeddings.numpy(), expected, rtol=1e-6)


def test_schedules_match_formulas():
    sched = keras.optimizers.schedules
    exp = sched.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert [round(float(exp(s)), 6) for s in (0, 9, 10, 25)] == [0.1, 0.1, 0.05, 0.025]
    cos = sched.CosineDecay(1.0, 10, alpha=0.2)
    np.testing.assert_allclose(float(cos(5)), 0.2 + 0.8 * 0.5, rtol=1e-6)
    warm = sched.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)
    np.testing.assert_allclose([float(warm(s)) for s in (2, 4, 9)],
                               [0.5, 1.0, 0.5 * (1 + np.cos(np.pi * 0.5))], rtol=1e-6)
    with pytest.raises(ValueError, match="one more entry"):
        sched.PiecewiseConstantDecay([1, 2], [0.1])
