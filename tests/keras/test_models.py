"""Models and the training loop: Sequential, functional and subclassed models, fit/evaluate/
predict against real Keras, train_step overrides, callbacks, weights files, summary, tapes."""

import io
import os
import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import keras

RNG = np.random.default_rng(4)
X = RNG.normal(size=(40, 5)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1).astype(np.int64)
XV = RNG.normal(size=(12, 5)).astype(np.float32)
YV = (XV[:, 0] + XV[:, 1] > 0).astype(np.int64)


def _mlp(K, reg=True):
    return K.Sequential([
        K.Input(shape=(5,)),
        K.layers.Dense(8, activation="relu",
                       kernel_regularizer=K.regularizers.L2(0.01) if reg else None),
        K.layers.BatchNormalization(),
        K.layers.Dense(3),
    ])


def _compile(K, model, optimizer="adam"):
    opt = K.optimizers.Adam(0.02) if optimizer == "adam" else K.optimizers.SGD(0.1, momentum=0.5)
    model.compile(optimizer=opt,
                  loss=K.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_fit_matches_keras_per_epoch(optimizer):
    pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")
    theirs, ours = _mlp(real), _mlp(keras)
    ours.set_weights(theirs.get_weights())
    _compile(real, theirs, optimizer)
    _compile(keras, ours, optimizer)
    kwargs = dict(batch_size=16, epochs=4, shuffle=False, validation_data=(XV, YV), verbose=0)
    h_t = theirs.fit(X, Y, **kwargs).history
    h_o = ours.fit(X, Y, **kwargs).history
    assert sorted(h_o) == sorted(h_t)
    for key in h_t:
        np.testing.assert_allclose(h_o[key], h_t[key], rtol=1e-4, atol=1e-5, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.evaluate(XV, YV, verbose=0), theirs.evaluate(XV, YV,
                                                                                 verbose=0),
                               rtol=1e-5)
    np.testing.assert_allclose(ours.predict(XV, verbose=0), theirs.predict(XV, verbose=0),
                               rtol=1e-4, atol=1e-5)


def test_functional_two_inputs_fit_matches_keras():
    pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")

    def build(K):
        a, b = K.Input(shape=(3,)), K.Input(shape=(2,))
        h = K.layers.Concatenate()([K.layers.Dense(4, activation="tanh")(a), b])
        out = K.layers.Dense(1)(h)
        model = K.Model([a, b], out)
        model.compile(optimizer=K.optimizers.RMSprop(0.01), loss="mse", metrics=["mae"])
        return model

    theirs, ours = build(real), build(keras)
    ours.set_weights(theirs.get_weights())
    inputs = [X[:, :3], X[:, 3:]]
    target = X[:, :1] * 2 - X[:, 4:5]
    kwargs = dict(batch_size=8, epochs=3, shuffle=False, validation_split=0.25, verbose=0)
    h_t, h_o = theirs.fit(inputs, target, **kwargs).history, ours.fit(inputs, target,
                                                                      **kwargs).history
    for key in h_t:
        np.testing.assert_allclose(h_o[key], h_t[key], rtol=1e-4, atol=1e-6, err_msg=key)


def test_fit_learns_and_reports_history(capsys):
    tg.random.set_seed(0)
    model = _mlp(keras, reg=False)
    _compile(keras, model)
    history = model.fit(X, Y, batch_size=8, epochs=12, validation_data=(XV, YV))
    out = capsys.readouterr().out
    assert "Epoch 1/12" in out and "5/5 \u2501" in out and "val_accuracy:" in out
    assert history.epoch == list(range(12))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.8
    assert model.history is history


def test_train_step_override_runs_inside_fit():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.tracker = keras.metrics.Mean(name="my_loss")
            self.steps_seen = 0

        def call(self, x):
            return self.dense(x)

        @property
        def metrics(self):
            return [self.tracker]

        def train_step(self, data):
            x, y = data
            self.steps_seen += 1
            with tg.GradientTape() as tape:
                loss = tg.reduce_mean(tg.square(self(x, training=True)[:, 0] - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.tracker.update_state(loss)
            return {"my_loss": self.tracker.result()}

    model = Custom()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    target = X @ np.arange(5, dtype=np.float32)
    history = model.fit(X, target, batch_size=10, epochs=15, verbose=0)
    assert list(history.history) == ["my_loss"]
    assert history.history["my_loss"][-1] < 0.05 * history.history["my_loss"][0]
    assert model.steps_seen >= 1
    assert len(model.trainable_weights) == 2


def test_test_step_override_and_evaluate_dict():
    class Evaluating(keras.Sequential):
        def test_step(self, data):
            x, y = data
            return {"mean_prediction": tg.reduce_mean(self(x))}

    model = Evaluating([keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(loss="mse")
    logs = model.evaluate(np.ones((4, 2), np.float32), np.zeros((4, 1)), return_dict=True,
                          verbose=0)
    assert logs == {"mean_prediction": pytest.approx(2.0)}


def test_subclassed_model_weights_and_training_flag():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = [keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)]
            self.drop = keras.layers.Dropout(0.999, seed=1)

        def call(self, x, training=False):
            for layer in self.hidden:
                x = layer(x)
            return self.drop(x)

    net = Net()
    x = np.ones((3, 5), np.float32)
    assert np.abs(net(x).numpy()).sum() > 0  # inference: dropout off
    dropped = net(x, training=True).numpy()  # rate 0.999: almost every entry is zeroed
    assert (dropped == 0).sum() >= 4
    assert [tuple(w.shape) for w in net.trainable_weights] == [(5, 4), (4,), (4, 2), (2,)]
    assert net.count_params() == 34


def test_training_flag_propagates_to_nested_layers():
    seen = []

    class Probe(keras.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    model = keras.Sequential([keras.layers.Dense(2), Probe()])
    model(np.ones((1, 2), np.float32), training=True)
    model(np.ones((1, 2), np.float32))
    assert seen[-2:] == [True, None]  # None: the call's default, as in Keras


def test_add_loss_and_regularization_losses():
    class Penalised(keras.layers.Layer):
        def call(self, x):
            self.add_loss(tg.reduce_sum(x) * 0.5)
            return x

    model = keras.Sequential([keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L1(
        0.1), kernel_initializer="ones"), Penalised()])
    model(np.ones((1, 3), np.float32))
    model(np.ones((1, 3), np.float32))  # add_loss losses are those of the last call only
    losses = [float(v) for v in model.losses]
    assert losses == [pytest.approx(3.0), pytest.approx(0.6)]


def test_save_and_load_weights_round_trip(tmp_path):
    model = _mlp(keras)
    model(X[:2])
    path = os.fspath(tmp_path / "model.weights.npz")
    model.save_weights(path)
    other = _mlp(keras)
    other(X[:2])
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_weights_of_another_architecture_changes_nothing(tmp_path):
    model = _mlp(keras)
    model(X[:2])
    path = os.fspath(tmp_path / "model.weights.npz")
    model.save_weights(path)
    wider = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(9),
                              keras.layers.BatchNormalization(), keras.layers.Dense(3)])
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"another architecture.*unchanged.*expected shape"):
        wider.load_weights(path)
    for a, b in zip(before, wider.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(NotImplementedError, match="save_weights"):
        model.save(os.fspath(tmp_path / "model.keras"))
    deeper = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="missing from the file|not in the model"):
        deeper.load_weights(path)


def test_set_weights_checks_before_writing():
    model = _mlp(keras)
    good = model.get_weights()
    bad = [w.copy() for w in good]
    bad[-1] = np.zeros(4, np.float32)
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(4,\)"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="expecting 8 weights"):
        model.set_weights(good[:2])


def test_summary_matches_keras_counts():
    lines = []
    model = _mlp(keras)
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sequential' in text and "dense (Dense)" in text or "(Dense)" in text
    assert "(None, 8)" in text and "(None, 3)" in text
    assert "Total params: 107 (428.00 B)" in text
    assert "Trainable params: 91" in text and "Non-trainable params: 16" in text
    try:
        import keras as real  # noqa: F401  (real Keras, when installed)

        pytest.importorskip("tensorflow")
        assert _mlp(real).count_params() == model.count_params() == 107
    except ImportError:
        pass


def test_callbacks_early_stopping_checkpoint_and_scheduler(tmp_path):
    model = _mlp(keras, reg=False)
    _compile(keras, model)
    rates = []
    stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=2,
                                            restore_best_weights=True)
    checkpoint = keras.callbacks.ModelCheckpoint(os.fspath(tmp_path / "ckpt-{epoch}.npz"),
                                                 monitor="loss", save_best_only=True)
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 * (epoch + 1))
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs=None: rates.append(
            float(model.optimizer.learning_rate.numpy())))
    history = model.fit(X, Y, epochs=10, verbose=0,
                        callbacks=[scheduler, record, stopper, checkpoint])
    assert history.epoch == [0, 1, 2]  # no improvement of 10.0: stops after patience
    assert stopper.stopped_epoch == 2
    assert rates == pytest.approx([0.01, 0.02, 0.03])
    assert os.path.exists(tmp_path / "ckpt-1.npz")
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.02, 0.03])


def test_early_stopping_restores_best_weights():
    class FakeModel:
        stop_training = False
        weights = 0

        def get_weights(self):
            return self.weights

        def set_weights(self, w):
            self.weights = w

    model = FakeModel()
    stopper = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1,
                                            restore_best_weights=True)
    stopper.set_model(model)
    stopper.on_train_begin()
    for epoch, acc in enumerate([0.5, 0.9, 0.8, 0.7]):
        model.weights = epoch
        stopper.on_epoch_end(epoch, {"val_accuracy": acc})
        if model.stop_training:
            break
    stopper.on_train_end()
    assert stopper.mode == "max" and stopper.stopped_epoch == 2 and model.weights == 1


def test_uncompiled_and_bad_inputs():
    model = _mlp(keras)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(X, Y)
    dense = keras.layers.Dense(2)
    dense(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r'"dense.*expected axis -1 of input shape to have value '
                                         r"3, but received input with shape \(2, 4\)"):
        dense(np.ones((2, 4), np.float32))
    conv = keras.layers.Conv2D(2, 3)
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3. Full shape received: "
                                         r"\(8, 8, 1\)"):
        conv(np.ones((8, 8, 1), np.float32))
    conv(np.ones((1, 8, 8, 1), np.float32))
    with pytest.raises(ValueError, match=r"expected axis -1 .* value 1"):
        conv(np.ones((1, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="Unknown activation 'rleu'"):
        keras.layers.Dense(2, activation="rleu")
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot_unifrom'"):
        keras.layers.Dense(2, kernel_initializer="glorot_unifrom")
    with pytest.raises(ValueError, match="Unknown optimizer"):
        keras.optimizers.get("adamm")
    with pytest.raises(ValueError, match=r"same number of examples"):
        model.compile(loss="mse")
        model.fit(X, Y[:5], verbose=0)
    with pytest.raises(ValueError, match="Concatenate"):
        keras.layers.Concatenate()([np.ones((2, 3)), np.ones((3, 3))])
    inputs = keras.Input(shape=(4,))
    functional = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(ValueError, match=r"expects shape \(None, 4\), got \(2, 5\)"):
        functional(np.ones((2, 5), np.float32))


def test_get_config_round_trip():
    dense = keras.layers.Dense(3, activation="relu", use_bias=False, name="probe")
    config = dense.get_config()
    assert config["units"] == 3 and config["activation"] == "relu" and config["name"] == "probe"
    clone = keras.layers.Dense.from_config({**config, "name": "clone"})
    assert clone.units == 3 and clone.use_bias is False and clone.activation is \
        keras.activations.relu
    conv = keras.layers.Conv2D.from_config(keras.layers.Conv2D(4, 3, strides=2).get_config())
    assert conv.strides == (2, 2) and conv.kernel_size == (3, 3)


def test_seeded_initialisation_is_reproducible():
    init = keras.initializers.GlorotUniform(seed=3)
    np.testing.assert_array_equal(init((3, 4)).numpy(), init((3, 4)).numpy())
    tg.random.set_seed(5)
    a = keras.layers.Dense(4)
    a.build((None, 3))
    tg.random.set_seed(5)
    b = keras.layers.Dense(4)
    b.build((None, 3))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())
    limit = np.sqrt(6 / (3 + 4))
    assert np.abs(a.kernel.numpy()).max() <= limit


# -- tapes through Keras objects ---------------------------------------------------------------
def test_jacobian_wrt_kernel_and_hessian_through_model():
    layer = keras.layers.Dense(2, activation="tanh", dtype="float64")
    x = tg.constant(RNG.normal(size=(1, 3)))
    with tg.GradientTape() as tape:
        y = layer(x)
    jac = tape.jacobian(y, layer.kernel)
    assert jac.shape == (1, 2, 3, 2)
    pre = x.numpy() @ layer.kernel.numpy()
    expected = np.zeros((1, 2, 3, 2))
    for j in range(2):
        expected[0, j, :, j] = x.numpy()[0] * (1 - np.tanh(pre[0, j]) ** 2)
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-10)

    model = keras.Sequential([keras.layers.Dense(3, activation="tanh", dtype="float64"),
                              keras.layers.Dense(1, dtype="float64")])
    xv = tg.Variable(RNG.normal(size=(1, 2)))
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            out = tg.reduce_sum(model(xv))
        grad = inner.gradient(out, xv)
    hessian = outer.jacobian(grad, xv)
    assert hessian.shape == (1, 2, 1, 2)
    h = hessian.numpy().reshape(2, 2)
    np.testing.assert_allclose(h, h.T, rtol=1e-8)

    def f(x):
        return tg.reduce_sum(model(x))

    np.testing.assert_allclose(h, tg.hessian(f)(tg.constant(xv.numpy())).numpy().reshape(2, 2),
                               rtol=1e-8)


@pytest.mark.parametrize("training", [False, True])
def test_batch_jacobian_with_batch_normalization(training):
    bn = keras.layers.BatchNormalization(dtype="float64")
    x = tg.constant(RNG.normal(size=(4, 3)))
    bn(x, training=True)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = bn(x, training=training)
    bj = tape.batch_jacobian(y, x)
    full = tape.jacobian(y, x).numpy()
    assert bj.shape == (4, 3, 3)
    # TensorFlow's batch_jacobian differentiates the sum over the batch of each output with
    # respect to each example: the diagonal blocks when examples are independent (inference),
    # the column sums when they interact through the batch statistics (training).
    expected = np.stack([full[:, :, i, :].sum(0) for i in range(4)])
    np.testing.assert_allclose(bj.numpy(), expected, rtol=1e-9, atol=1e-12)
    if not training:  # inference: a fixed per-channel scale
        scale = bn.gamma.numpy() / np.sqrt(bn.moving_variance.numpy() + bn.epsilon)
        np.testing.assert_allclose(bj.numpy(), np.broadcast_to(np.diag(scale), (4, 3, 3)),
                                   rtol=1e-10)
    else:  # training: examples interact through the batch statistics
        assert np.abs(full[0, :, 1, :]).max() > 1e-6


def test_progbar_format():
    out = io.StringIO()
    bar = keras.callbacks.Progbar(4, file=out)
    bar.update(4, {"loss": 0.25, "accuracy": 0.5})
    line = out.getvalue().strip()
    assert line.startswith("4/4 " + "\u2501" * 20)
    assert line.endswith("- accuracy: 0.5000 - loss: 0.2500")


def test_freezing_layers_and_models():
    model = _mlp(keras)
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 2
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 4
    assert [tuple(w.shape) for w in model.non_trainable_weights][:2] == [(5, 8), (8,)]
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 8
    assert not model.layers[1].trainable  # a frozen BatchNormalization normalizes with its
    bn = model.layers[1]                  # moving statistics even when training=True
    before = bn.moving_mean.numpy().copy()
    model(X, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)
    model.trainable = True
    assert len(model.trainable_weights) == 6


def test_embedding_ids_out_of_range():
    layer = keras.layers.Embedding(3, 2)
    with pytest.raises(IndexError, match=r"Layer 'embedding.*input_dim=3.*remap"):
        layer(np.array([[0, 5]]))


@pytest.mark.skipif(not hasattr(tg, "function"), reason="needs tapegrad.function")
def test_fit_compiled_equals_fit_eager():
    images = np.random.default_rng(7).normal(size=(36, 4, 4, 1)).astype(np.float32)

    def run(run_eagerly):
        tg.random.set_seed(3)
        model = keras.Sequential([keras.Input(shape=(4, 4, 1)),
                                  keras.layers.Conv2D(3, 3, padding="same", activation="relu"),
                                  keras.layers.BatchNormalization(),
                                  keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                                  keras.layers.Dense(3)])
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], run_eagerly=run_eagerly)
        history = model.fit(images, Y[:36], batch_size=8, epochs=3, shuffle=False, verbose=0)
        return model, history.history

    compiled, h_c = run(False)
    eager, h_e = run(True)
    assert "train" in compiled._steps  # the step went through tapegrad.function
    assert compiled._steps["train"][1].experimental_get_tracing_count() >= 1
    for key in h_e:
        np.testing.assert_allclose(h_c[key], h_e[key], rtol=1e-5, err_msg=key)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_verbose_2_prints_one_line_per_epoch(capsys):
    model = _mlp(keras, reg=False)
    _compile(keras, model)
    model.fit(X, Y, batch_size=20, epochs=2, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("2/2 - ") and "ms/step - accuracy: " in lines[1]
    assert "\u2501" not in lines[1]


def test_fit_refuses_generators_clearly():
    model = _mlp(keras)
    _compile(keras, model)
    with pytest.raises(TypeError, match="generators are not supported"):
        model.fit((row for row in X), verbose=0)


def test_on_batch_methods():
    model = _mlp(keras, reg=False)
    _compile(keras, model)
    first = model.train_on_batch(X, Y, return_dict=True)
    for _ in range(20):
        last = model.train_on_batch(X, Y, return_dict=True)
    assert set(first) == {"loss", "accuracy"} and last["loss"] < first["loss"]
    loss, accuracy = model.test_on_batch(X, Y)
    np.testing.assert_allclose([loss, accuracy], model.evaluate(X, Y, batch_size=40, verbose=0),
                               rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(X), model.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_subclassed_model_build_and_summary():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.first, self.second = keras.layers.Dense(4), keras.layers.Dense(2)

        def call(self, x):
            return self.second(self.first(x))

    net = Net()
    with pytest.raises(ValueError, match="not yet been built"):
        net.summary()
    net.build((None, 3))
    assert [tuple(w.shape) for w in net.weights] == [(3, 4), (4,), (4, 2), (2,)]
    lines = []
    net.summary(print_fn=lines.append)
    assert any("(None, 4)" in line for line in lines) and "Total params: 26" in "\n".join(lines)


@pytest.mark.skipif(not hasattr(tg, "function"), reason="needs tapegrad.function")
def test_fit_compiled_with_embedding_equals_fit_eager():
    ids = np.random.default_rng(8).integers(0, 10, size=(24, 3))
    labels = (ids.sum(1) > 13).astype(np.int64)

    def run(run_eagerly):
        tg.random.set_seed(4)
        model = keras.Sequential([keras.Input(shape=(3,), dtype="int64"),
                                  keras.layers.Embedding(10, 4), keras.layers.Flatten(),
                                  keras.layers.Dense(2)])
        model.compile(optimizer=keras.optimizers.Adam(0.05),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], run_eagerly=run_eagerly)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no eager fallback of the compiled step
            history = model.fit(ids, labels, batch_size=8, epochs=3, shuffle=False, verbose=0)
        return model, history.history

    compiled, h_c = run(False)
    eager, h_e = run(True)
    step = compiled._steps["train"][1]  # every batch after the first ran the compiled step
    assert step.experimental_get_tracing_count() == 1
    for key in h_e:
        np.testing.assert_array_equal(h_c[key], h_e[key], err_msg=key)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(a, b)
