"""Losses and metrics: against formulas written out here, and against real Keras when
TensorFlow is installed (values and gradients, float32 tolerances)."""

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import keras

RNG = np.random.default_rng(2)
N, C = 6, 4
LOGITS = RNG.normal(size=(N, C)).astype(np.float32)
PROBS = (np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)).astype(np.float32)
LABELS = RNG.integers(0, C, size=N)
ONE_HOT = np.eye(C, dtype=np.float32)[LABELS]
BINARY = RNG.integers(0, 2, size=(N, 1)).astype(np.float32)
SIG = (1 / (1 + np.exp(-LOGITS[:, :1]))).astype(np.float32)
REG_T, REG_P = RNG.normal(size=(N, 3)).astype(np.float32), RNG.normal(size=(N, 3)).astype(
    np.float32)
WEIGHTS = RNG.uniform(0.5, 2.0, size=N).astype(np.float32)

# (name, constructor kwargs, y_true, y_pred, formula giving per-example values)
LOSSES = [
    ("MeanSquaredError", {}, REG_T, REG_P, lambda t, p: np.mean((t - p) ** 2, -1)),
    ("MeanAbsoluteError", {}, REG_T, REG_P, lambda t, p: np.mean(np.abs(t - p), -1)),
    ("Huber", {"delta": 0.7}, REG_T, REG_P, lambda t, p: np.mean(np.where(
        np.abs(p - t) <= 0.7, 0.5 * (p - t) ** 2, 0.7 * np.abs(p - t) - 0.5 * 0.49), -1)),
    ("BinaryCrossentropy", {}, BINARY, SIG, lambda t, p: np.mean(
        -(t * np.log(p) + (1 - t) * np.log(1 - p)), -1)),
    ("BinaryCrossentropy", {"from_logits": True}, BINARY, LOGITS[:, :1], lambda t, z: np.mean(
        np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))), -1)),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, BINARY, SIG, lambda t, p: np.mean(
        -((t * 0.8 + 0.1) * np.log(p) + (1 - (t * 0.8 + 0.1)) * np.log(1 - p)), -1)),
    ("CategoricalCrossentropy", {}, ONE_HOT, PROBS, lambda t, p: -np.sum(t * np.log(p), -1)),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, ONE_HOT, LOGITS,
     lambda t, z: -np.sum((t * 0.9 + 0.1 / C) * (z - np.log(np.exp(z).sum(-1, keepdims=True))),
                          -1)),
    ("SparseCategoricalCrossentropy", {}, LABELS, PROBS,
     lambda t, p: -np.log(p[np.arange(N), t.astype(int)])),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS, LOGITS,
     lambda t, z: np.log(np.exp(z).sum(-1)) - z[np.arange(N), t.astype(int)]),
    ("KLDivergence", {}, PROBS[::-1].copy(), PROBS, lambda t, p: np.sum(t * np.log(t / p), -1)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw, *_ in LOSSES]


@pytest.mark.parametrize("case", LOSSES, ids=IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_loss_matches_formula(case, reduction):
    name, kwargs, y_true, y_pred, formula = case
    loss = getattr(keras.losses, name)(reduction=reduction, **kwargs)
    values = formula(y_true.astype(np.float64), y_pred.astype(np.float64))
    expected = {"sum_over_batch_size": values.mean(), "sum": values.sum(), "none": values}
    np.testing.assert_allclose(np.asarray(loss(y_true, y_pred)), expected[reduction], rtol=1e-5)
    weighted = np.asarray(loss(y_true, y_pred, sample_weight=WEIGHTS))
    expected_w = {"sum_over_batch_size": (values * WEIGHTS).mean(),
                  "sum": (values * WEIGHTS).sum(), "none": values * WEIGHTS}
    np.testing.assert_allclose(weighted, expected_w[reduction], rtol=1e-5)


@pytest.mark.parametrize("case", LOSSES, ids=IDS)
def test_loss_matches_keras(case):
    tf = pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")
    name, kwargs, y_true, y_pred, _ = case
    ours, theirs = getattr(keras.losses, name)(**kwargs), getattr(real.losses, name)(**kwargs)
    p_o, p_t = tg.constant(y_pred), tf.constant(y_pred)
    with tg.GradientTape() as tape:
        tape.watch(p_o)
        v_o = ours(y_true, p_o, sample_weight=WEIGHTS)
    with tf.GradientTape() as tape_t:
        tape_t.watch(p_t)
        v_t = theirs(y_true, p_t, sample_weight=WEIGHTS)
    np.testing.assert_allclose(float(v_o), float(v_t), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(tape.gradient(v_o, p_o)),
                               tape_t.gradient(v_t, p_t).numpy(), rtol=1e-4, atol=1e-6)


def test_loss_functions_and_names():
    np.testing.assert_allclose(np.asarray(keras.losses.mse(REG_T, REG_P)),
                               np.mean((REG_T - REG_P) ** 2, -1), rtol=1e-6)
    assert keras.losses.get("sparse_categorical_crossentropy") is \
        keras.losses.sparse_categorical_crossentropy
    assert keras.losses.SparseCategoricalCrossentropy().name == "sparse_categorical_crossentropy"
    # a trailing axis of 1 on either side is squeezed as in Keras
    np.testing.assert_allclose(float(keras.losses.MeanSquaredError()(REG_T[:, 0],
                                                                      REG_P[:, :1])),
                               np.mean((REG_T[:, 0] - REG_P[:, 0]) ** 2), rtol=1e-6)


def test_loss_bad_inputs():
    with pytest.raises(ValueError, match=r"incompatible shapes \(6, 3\) and \(6, 2\)"):
        keras.losses.MeanSquaredError()(REG_T, REG_P[:, :2])
    with pytest.raises(ValueError, match=r"incompatible shapes \(6,\) and \(6, 4\)"):
        keras.losses.CategoricalCrossentropy()(LABELS, PROBS)
    with pytest.raises(ValueError, match=r"one integer label per row"):
        keras.losses.SparseCategoricalCrossentropy()(ONE_HOT[:, :2], PROBS)
    with pytest.raises(ValueError, match="reduction"):
        keras.losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="Unknown loss"):
        keras.losses.get("mean_sqaured_error")


# -- metrics ------------------------------------------------------------------------------------
SCORES = RNG.uniform(size=(N, 1)).astype(np.float32)
METRICS = [
    ("Mean", {}, None, REG_P[:, 0]),
    ("Sum", {}, None, REG_P[:, 0]),
    ("Accuracy", {}, np.array([1, 2, 3, 4, 5, 6]), np.array([1, 2, 0, 4, 0, 6])),
    ("BinaryAccuracy", {}, BINARY, SCORES),
    ("BinaryAccuracy", {"threshold": 0.3}, BINARY, SCORES),
    ("CategoricalAccuracy", {}, ONE_HOT, PROBS),
    ("SparseCategoricalAccuracy", {}, LABELS, PROBS),
    ("MeanSquaredError", {}, REG_T, REG_P),
    ("Precision", {}, BINARY, SCORES),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, BINARY, SCORES),
    ("Recall", {}, BINARY, SCORES),
    ("AUC", {}, BINARY, SCORES),
    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}, BINARY, SCORES),
    ("AUC", {"curve": "PR"}, BINARY, SCORES),
]


def _update(metric, y_true, y_pred, half):
    rows = slice(0, N // 2) if half == 0 else slice(N // 2, N)
    if y_true is None:
        metric.update_state(y_pred[rows])
    else:
        metric.update_state(y_true[rows], y_pred[rows])


@pytest.mark.parametrize("case", METRICS, ids=[f"{n}-{kw}" for n, kw, *_ in METRICS])
def test_metric_matches_keras(case):
    pytest.importorskip("tensorflow")
    real = pytest.importorskip("keras")
    name, kwargs, y_true, y_pred = case
    keras.backend.clear_session()
    real.backend.clear_session()
    ours, theirs = getattr(keras.metrics, name)(**kwargs), getattr(real.metrics, name)(**kwargs)
    for half in (0, 1):
        _update(ours, y_true, y_pred, half)
        _update(theirs, y_true, y_pred, half)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()),
                                   rtol=1e-5, atol=1e-6)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()))
    assert ours.name == theirs.name


def test_metrics_match_formulas():
    acc = keras.metrics.SparseCategoricalAccuracy()
    acc.update_state(LABELS, PROBS)
    assert float(acc.result()) == pytest.approx(np.mean(PROBS.argmax(-1) == LABELS))
    prec = keras.metrics.Precision()
    prec.update_state(BINARY, SCORES)
    pred = SCORES > 0.5
    assert float(prec.result()) == pytest.approx(
        (pred & (BINARY > 0)).sum() / max(pred.sum(), 1))
    rec = keras.metrics.Recall()
    rec.update_state(BINARY, SCORES)
    assert float(rec.result()) == pytest.approx((pred & (BINARY > 0)).sum() / BINARY.sum())
    mean = keras.metrics.Mean()
    mean.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 1.0])
    assert float(mean.result()) == 2.0
    auc = keras.metrics.AUC(num_thresholds=1001)
    auc.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert float(auc.result()) == pytest.approx(0.75, abs=1e-3)  # the exact ROC AUC
    auc.reset_state()
    assert float(auc.result()) == 0.0
