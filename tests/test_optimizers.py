"""Optimizers: 20 steps against the formulas (written here in NumPy, float64), torch parity,
sparse (IndexedSlices) updates, learning-rate schedules, minimize, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import optimizers

STEPS = 20
SHAPE = (3, 4)


def _noise(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(STEPS,) + SHAPE)


NOISE = _noise()
TARGET = np.random.default_rng(2).normal(size=SHAPE)
P0 = np.random.default_rng(3).normal(size=SHAPE)


def grad_at(p: np.ndarray, t: int) -> np.ndarray:
    """A gradient that depends on the current value (so state matters) plus per-step noise."""
    return 2.0 * (p - TARGET) + 0.5 * NOISE[t]


# --- the formulas, written independently of tapegrad.optimizers -----------------------------
def ref_sgd(p, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    buf = None
    for t in range(STEPS):
        g = grad_at(p, t)
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(
    p,
    lr=1e-3,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-8,
    amsgrad=False,
    weight_decay=0.0,
    decoupled=False,
):
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    v_max = np.zeros_like(p)
    for t in range(1, STEPS + 1):
        g = grad_at(p, t - 1)
        if decoupled:
            p = p - lr * weight_decay * p
        elif weight_decay:
            g = g + weight_decay * p
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = m / (1 - beta_1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta_2**t)
        else:
            v_hat = v / (1 - beta_2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + epsilon)
    return p


def ref_rmsprop(p, lr=1e-2, rho=0.99, momentum=0.0, epsilon=1e-8, centered=False, weight_decay=0.0):
    sq = np.zeros_like(p)
    g_avg = np.zeros_like(p)
    buf = np.zeros_like(p)
    for t in range(STEPS):
        g = grad_at(p, t)
        if weight_decay:
            g = g + weight_decay * p
        sq = rho * sq + (1 - rho) * g**2
        denom_sq = sq
        if centered:
            g_avg = rho * g_avg + (1 - rho) * g
            denom_sq = sq - g_avg**2
        step = g / (np.sqrt(denom_sq) + epsilon)
        if momentum:
            buf = momentum * buf + step
            p = p - lr * buf
        else:
            p = p - lr * step
    return p


def ref_adagrad(p, lr=1e-2, initial_accumulator_value=0.0, epsilon=1e-10, weight_decay=0.0):
    total = np.full_like(p, initial_accumulator_value)
    for t in range(STEPS):
        g = grad_at(p, t)
        if weight_decay:
            g = g + weight_decay * p
        total = total + g**2
        p = p - lr * g / (np.sqrt(total) + epsilon)
    return p


CASES = [
    ("sgd", optimizers.SGD, {"learning_rate": 0.05}, lambda p: ref_sgd(p, 0.05)),
    (
        "sgd-momentum",
        optimizers.SGD,
        {"learning_rate": 0.05, "momentum": 0.9},
        lambda p: ref_sgd(p, 0.05, 0.9),
    ),
    (
        "sgd-nesterov",
        optimizers.SGD,
        {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True},
        lambda p: ref_sgd(p, 0.05, 0.8, True),
    ),
    (
        "sgd-wd",
        optimizers.SGD,
        {"learning_rate": 0.05, "momentum": 0.5, "nesterov": True, "weight_decay": 0.1},
        lambda p: ref_sgd(p, 0.05, 0.5, True, 0.1),
    ),
    ("adam-default", optimizers.Adam, {}, lambda p: ref_adam(p)),
    (
        "adam",
        optimizers.Adam,
        {"learning_rate": 0.1, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
        lambda p: ref_adam(p, 0.1, 0.8, 0.99, 1e-6),
    ),
    (
        "adam-amsgrad",
        optimizers.Adam,
        {"learning_rate": 0.1, "amsgrad": True},
        lambda p: ref_adam(p, 0.1, amsgrad=True),
    ),
    (
        "adam-l2",
        optimizers.Adam,
        {"learning_rate": 0.1, "weight_decay": 0.3},
        lambda p: ref_adam(p, 0.1, weight_decay=0.3),
    ),
    (
        "adamw-default",
        optimizers.AdamW,
        {"learning_rate": 0.1},
        lambda p: ref_adam(p, 0.1, weight_decay=1e-2, decoupled=True),
    ),
    (
        "adamw-amsgrad",
        optimizers.AdamW,
        {"learning_rate": 0.1, "weight_decay": 0.5, "amsgrad": True},
        lambda p: ref_adam(p, 0.1, amsgrad=True, weight_decay=0.5, decoupled=True),
    ),
    ("rmsprop-default", optimizers.RMSprop, {}, lambda p: ref_rmsprop(p)),
    (
        "rmsprop-momentum",
        optimizers.RMSprop,
        {"learning_rate": 0.01, "rho": 0.9, "momentum": 0.9},
        lambda p: ref_rmsprop(p, 0.01, 0.9, 0.9),
    ),
    (
        "rmsprop-centered",
        optimizers.RMSprop,
        {
            "learning_rate": 0.01,
            "centered": True,
            "momentum": 0.5,
            "weight_decay": 0.1,
            "epsilon": 1e-6,
        },
        lambda p: ref_rmsprop(p, 0.01, 0.99, 0.5, 1e-6, True, 0.1),
    ),
    ("adagrad-default", optimizers.Adagrad, {}, lambda p: ref_adagrad(p)),
    (
        "adagrad",
        optimizers.Adagrad,
        {"learning_rate": 0.3, "initial_accumulator_value": 0.1, "weight_decay": 0.2},
        lambda p: ref_adagrad(p, 0.3, 0.1, 1e-10, 0.2),
    ),
]
IDS = [c[0] for c in CASES]


def run_tapegrad(cls, kwargs, dtype=np.float64) -> tuple[np.ndarray, optimizers.Optimizer]:
    v = tg.Variable(P0.astype(dtype))
    opt = cls(**kwargs)
    for t in range(STEPS):
        g = grad_at(v.numpy().astype(np.float64), t).astype(dtype)
        opt.apply_gradients(zip([tg.constant(g)], [v]))
    return v.numpy(), opt


@pytest.mark.parametrize("name, cls, kwargs, ref", CASES, ids=IDS)
def test_twenty_steps_match_the_formulas_in_float64(name, cls, kwargs, ref):
    value, opt = run_tapegrad(cls, kwargs)
    np.testing.assert_allclose(value, ref(P0.copy()), rtol=1e-10, atol=1e-12)
    assert opt.iterations == STEPS


@pytest.mark.parametrize("name, cls, kwargs, ref", CASES[::3], ids=IDS[::3])
def test_float32_variables_stay_float32(name, cls, kwargs, ref):
    value, opt = run_tapegrad(cls, kwargs, np.float32)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, ref(P0.copy()), rtol=2e-4, atol=2e-4)
    v = tg.Variable(np.ones(2, np.float32))
    opt.apply_gradients([(tg.constant(np.ones(2, np.float32)), v)])
    for slot in opt.get_slot_names():
        assert opt.get_slot(v, slot).dtype == np.float32


def test_defaults_are_torchs():
    assert optimizers.Adam().get_config() == {
        "name": "Adam",
        "learning_rate": 1e-3,
        "weight_decay": 0.0,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-8,
        "amsgrad": False,
    }
    assert optimizers.AdamW().weight_decay == 1e-2
    rms = optimizers.RMSprop()
    assert (rms.learning_rate, rms.rho, rms.epsilon, rms.momentum) == (1e-2, 0.99, 1e-8, 0.0)
    ada = optimizers.Adagrad()
    assert (ada.learning_rate, ada.initial_accumulator_value, ada.epsilon) == (1e-2, 0.0, 1e-10)
    sgd = optimizers.SGD()
    assert (sgd.momentum, sgd.nesterov, sgd.weight_decay) == (0.0, False, 0.0)


def test_minimize_matches_apply_gradients_with_the_analytic_gradient():
    a = tg.Variable(P0.copy())
    b = tg.Variable(P0.copy())
    opt_a = optimizers.Adam(learning_rate=0.05)
    opt_b = optimizers.Adam(learning_rate=0.05)
    target = tg.constant(TARGET)
    for _ in range(STEPS):
        loss = opt_a.minimize(lambda: tg.reduce_sum((a - target) * (a - target)), [a])
        opt_b.apply_gradients([(tg.constant(2.0 * (b.numpy() - TARGET)), b)])
    assert loss.shape == ()
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_minimize_with_a_loss_tensor_and_its_tape_and_a_callable_var_list():
    w = tg.Variable([1.0, -1.0])
    opt = optimizers.SGD(learning_rate=0.25)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(w * w)
    opt.minimize(loss, lambda: [w], tape=tape)
    assert w.numpy().tolist() == [0.5, -0.5]
    with pytest.raises(TypeError, match="callable"):
        opt.minimize(loss, [w])


def test_learning_rate_schedule_is_called_with_the_step():
    seen = []

    def schedule(step):
        seen.append(step)
        return 0.5**step

    v = tg.Variable(0.0)
    opt = optimizers.SGD(learning_rate=schedule)
    for _ in range(4):
        opt.apply_gradients([(tg.constant(-1.0), v)])
    assert seen == [0, 1, 2, 3]
    assert float(v) == pytest.approx(1 + 0.5 + 0.25 + 0.125)
    opt.learning_rate = 0.5  # a float can replace the schedule
    opt.apply_gradients([(tg.constant(-1.0), v)])
    assert float(v) == pytest.approx(2.375)


def test_schedule_returning_nan_is_an_error():
    opt = optimizers.SGD(learning_rate=lambda step: float("nan"))
    with pytest.raises(ValueError, match="schedule returned nan at step 0"):
        opt.apply_gradients([(tg.constant(1.0), tg.Variable(1.0))])


def test_none_gradients_are_skipped_and_get_no_state():
    a, b = tg.Variable([1.0]), tg.Variable([2.0])
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply_gradients(zip([tg.constant([1.0]), None], [a, b]))
    assert b.numpy().tolist() == [2.0]
    assert a.numpy()[0] == pytest.approx(0.9)
    with pytest.raises(KeyError, match="no slot 'm'"):
        opt.get_slot(b, "m")
    np.testing.assert_allclose(opt.get_slot(a, "m").numpy(), [0.1])


def test_state_is_per_variable_with_its_own_step():
    a, b = tg.Variable([1.0], dtype=tg.float64), tg.Variable([1.0], dtype=tg.float64)
    opt = optimizers.Adam(learning_rate=0.1)
    for _ in range(3):
        opt.apply_gradients([(tg.constant([1.0], tg.float64), a)])
    opt.apply_gradients([(tg.constant([1.0], tg.float64), b)])
    # b's first update is bias-corrected as a first step: exactly lr * sign(g)
    assert b.numpy()[0] == pytest.approx(0.9, rel=1e-7)
    assert opt.iterations == 4


def test_updates_replace_the_value_so_a_tape_keeps_what_it_saved():
    v = tg.Variable([1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        y = v * v
    optimizers.SGD(learning_rate=1.0).apply_gradients([(tg.constant([1.0, 1.0]), v)])
    assert v.numpy().tolist() == [0.0, 1.0]
    assert tape.gradient(y, v).numpy().tolist() == [2.0, 4.0]  # the values saved before


# --- sparse gradients ------------------------------------------------------------------------
def slices(values, indices, shape):
    return tg.IndexedSlices(tg.constant(np.asarray(values)), np.asarray(indices), shape)


def test_sparse_sgd_touches_only_the_rows_and_sums_duplicates():
    table = np.arange(12.0).reshape(4, 3)
    v = tg.Variable(table)
    g = slices([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [4.0, 4.0, 4.0]], [2, 0, 2], (4, 3))
    optimizers.SGD(learning_rate=0.5).apply_gradients([(g, v)])
    expected = table.copy()
    expected[2] -= 0.5 * 5.0
    expected[0] -= 0.5 * 2.0
    np.testing.assert_array_equal(v.numpy(), expected)


def test_sparse_sgd_momentum_and_weight_decay_are_lazy():
    v = tg.Variable(np.ones((3, 2)))
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9, weight_decay=0.5)
    opt.apply_gradients([(slices([[1.0, 1.0]], [0], (3, 2)), v)])
    after_one = v.numpy().copy()
    opt.apply_gradients([(slices([[1.0, 1.0]], [1], (3, 2)), v)])
    np.testing.assert_array_equal(v.numpy()[0], after_one[0])  # momentum of row 0 waits
    np.testing.assert_array_equal(v.numpy()[2], [1.0, 1.0])  # never named: no decay
    buf = opt.get_slot(v, "momentum_buffer").numpy()
    np.testing.assert_allclose(buf[:, 0], [1.5, 1.5, 0.0])
    np.testing.assert_allclose(v.numpy()[1], 1 - 0.1 * 1.5)


def test_sparse_adam_follows_sparse_adam():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(5, 2))
    v = tg.Variable(table)
    opt = optimizers.Adam(learning_rate=0.1)
    m = np.zeros_like(table)
    s = np.zeros_like(table)
    p = table.copy()
    steps = [[0, 3, 0], [1], [3, 4]]
    for t, rows in enumerate(steps, start=1):
        values = rng.normal(size=(len(rows), 2))
        opt.apply_gradients([(slices(values, rows, (5, 2)), v)])
        dense = np.zeros_like(table)
        np.add.at(dense, rows, values)
        touched = sorted(set(rows))
        m[touched] = 0.9 * m[touched] + 0.1 * dense[touched]
        s[touched] = 0.999 * s[touched] + 0.001 * dense[touched] ** 2
        step_size = 0.1 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        p[touched] -= step_size * m[touched] / (np.sqrt(s[touched]) + 1e-8)
        np.testing.assert_allclose(v.numpy(), p, rtol=1e-12)
    np.testing.assert_array_equal(v.numpy()[2], table[2])  # row 2 never named
    np.testing.assert_allclose(opt.get_slot(v, "m").numpy(), m, rtol=1e-12)
    assert opt.get_slot(v, "v").numpy()[2].tolist() == [0.0, 0.0]


def test_sparse_adagrad_equals_dense_on_the_touched_rows():
    table = np.random.default_rng(1).normal(size=(4, 3))
    sparse_var, dense_var = tg.Variable(table), tg.Variable(table)
    sparse_opt = optimizers.Adagrad(learning_rate=0.3, initial_accumulator_value=0.1)
    dense_opt = optimizers.Adagrad(learning_rate=0.3, initial_accumulator_value=0.1)
    for rows in ([1, 3], [3, 3]):
        values = np.ones((len(rows), 3))
        sparse_opt.apply_gradients([(slices(values, rows, (4, 3)), sparse_var)])
        dense = np.zeros((4, 3))
        np.add.at(dense, rows, values)
        touched = sorted(set(rows))
        before = dense_var.numpy()
        dense_opt.apply_gradients([(tg.constant(dense), dense_var)])
        kept = dense_var.numpy()
        kept[[i for i in range(4) if i not in touched]] = before[
            [i for i in range(4) if i not in touched]
        ]
        np.testing.assert_allclose(sparse_var.numpy()[touched], kept[touched], rtol=1e-12)


def test_rmsprop_densifies_sparse_gradients():
    a, b = tg.Variable(np.ones((3, 2))), tg.Variable(np.ones((3, 2)))
    optimizers.RMSprop().apply_gradients([(slices([[1.0, 2.0]], [1], (3, 2)), a)])
    optimizers.RMSprop().apply_gradients([(tg.constant(np.array([[0, 0], [1.0, 2.0], [0, 0]])), b)])
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_gradient_of_getitem_rows_trains_only_those_rows():
    table = tg.Variable(np.ones((4, 2)))
    opt = optimizers.Adam(learning_rate=0.1)
    opt.minimize(lambda: tg.reduce_sum(table[1:3] * 2.0), [table])
    changed = np.any(table.numpy() != 1.0, axis=1)
    assert changed.tolist() == [False, True, True, False]


@pytest.mark.skipif(not hasattr(tg, "gather"), reason="tapegrad.gather is not implemented yet")
def test_embedding_rows_trained_through_gather_are_the_only_ones_that_move():
    table = tg.Variable(np.ones((6, 2), np.float32))
    for opt in (optimizers.Adam(learning_rate=0.1), optimizers.SGD(0.1, momentum=0.9)):
        with tg.GradientTape() as tape:
            loss = tg.reduce_sum(tg.gather(table, [4, 1, 4]) * 2.0)
        grads = tape.gradient(loss, [table])
        assert isinstance(grads[0], tg.IndexedSlices)
        before = table.numpy()
        opt.apply_gradients(zip(grads, [table]))
        moved = np.any(table.numpy() != before, axis=1)
        assert moved.tolist() == [False, True, False, False, True, False]


@pytest.mark.parametrize(
    "values, indices, shape, match",
    [
        ([[1.0, 1.0]], [4], (3, 2), r"indices outside \[0, 3\)"),
        ([[1.0, 1.0]], [-1], (3, 2), "indices outside"),
        ([[1.0, 1.0]], [0], (4, 2), r"dense_shape \(4, 2\)"),
        ([[1.0, 1.0, 1.0]], [0], (3, 2), r"values of shape \(1, 3\)"),
    ],
)
def test_bad_indexed_slices(values, indices, shape, match):
    v = tg.Variable(np.ones((3, 2)))
    with pytest.raises(ValueError, match=match):
        optimizers.SGD().apply_gradients([(slices(values, indices, shape), v)])
    assert v.numpy().tolist() == [[1.0, 1.0]] * 3


# --- bad input -------------------------------------------------------------------------------
def test_more_gradients_than_variables_is_a_value_error():
    a, b = tg.Variable(1.0), tg.Variable(2.0)
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="got 3 gradients for 2 variables"):
        opt.apply_gradients(zip([tg.constant(1.0)] * 3, [a, b]))
    with pytest.raises(ValueError, match="got 1 gradients for 2 variables"):
        opt.apply_gradients(zip([tg.constant(1.0)], [a, b]))
    with pytest.raises(ValueError, match="got 1 gradients for 2 variables"):
        opt.apply([tg.constant(1.0)], [a, b])
    assert (float(a), float(b), opt.iterations) == (1.0, 2.0, 0)


def test_non_variable_in_var_list_is_a_type_error():
    v = tg.Variable(1.0)
    opt = optimizers.Adam()
    for bad in (tg.constant(1.0), np.float32(1.0), "w"):
        with pytest.raises(TypeError, match="entry 1 of the variable list .* not a tapegrad"):
            opt.apply_gradients([(tg.constant(1.0), v), (tg.constant(1.0), bad)])
    with pytest.raises(TypeError, match="not a tapegrad.Variable"):
        opt.minimize(lambda: v * 2.0, [v, tg.constant(1.0)])
    assert float(v) == 1.0


def test_other_bad_input():
    v = tg.Variable([1.0, 2.0])
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match=r"gradient 0 has shape \(3,\)"):
        opt.apply_gradients([(tg.constant([1.0, 2.0, 3.0]), v)])
    with pytest.raises(TypeError, match="gradient 0 .* float64"):
        opt.apply_gradients([(tg.constant([1.0, 2.0], tg.float64), v)])
    with pytest.raises(TypeError, match="floating-point variables only"):
        opt.apply_gradients([(tg.constant([1, 2]), tg.Variable([1, 2]))])
    with pytest.raises(ValueError, match="appears twice"):
        opt.apply_gradients([(tg.constant([1.0, 1.0]), v), (tg.constant([1.0, 1.0]), v)])
    with pytest.raises(ValueError, match="no gradients provided for any variable"):
        opt.apply_gradients([(None, v)])
    with pytest.raises(ValueError, match="not a \\(gradient, variable\\) pair"):
        opt.apply_gradients([v])
    assert v.numpy().tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optimizers.SGD(learning_rate=-1.0), "learning_rate must be finite, >= 0"),
        (lambda: optimizers.SGD(momentum=-0.1), "momentum must be finite, >= 0"),
        (lambda: optimizers.SGD(learning_rate=float("inf")), "learning_rate must be finite"),
        (lambda: optimizers.SGD(nesterov=True), "nesterov=True needs a momentum"),
        (lambda: optimizers.Adam(beta_1=1.0), "beta_1 must be finite, >= 0.0 and < 1.0"),
        (lambda: optimizers.Adam(epsilon=float("nan")), "epsilon must be finite"),
        (lambda: optimizers.RMSprop(rho=1.5), "rho must be"),
        (lambda: optimizers.AdamW(weight_decay=-1), "weight_decay must be finite, >= 0"),
    ],
)
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        optimizers.Adam(learning_rate="fast")


def test_nan_loss_in_minimize_names_the_step_and_changes_nothing():
    w = tg.Variable([1.0, 2.0])
    opt = optimizers.Adam(learning_rate=0.1)
    scale = tg.Variable(1.0, trainable=False)
    for _ in range(3):
        opt.minimize(lambda: tg.reduce_sum(w * w) * scale, [w])
    before = w.numpy()
    scale.assign(float("nan"))
    with pytest.raises(FloatingPointError, match="the loss is nan at step 3"):
        opt.minimize(lambda: tg.reduce_sum(w * w) * scale, [w])
    np.testing.assert_array_equal(w.numpy(), before)
    assert opt.iterations == 3


def test_nan_gradient_in_minimize_is_caught():
    w = tg.Variable([0.0, 1.0])
    opt = optimizers.SGD()
    with (
        np.errstate(divide="ignore"),
        pytest.raises(FloatingPointError, match="gradient for Variable .* NaN or Inf at step 0"),
    ):
        opt.minimize(lambda: tg.reduce_sum(w**0.5), [w])
    assert w.numpy().tolist() == [0.0, 1.0]


# --- torch parity ----------------------------------------------------------------------------
def _torch_optimizer(torch, cls, kwargs, params):
    kw = dict(kwargs)
    lr = kw.pop("learning_rate", None)
    args = {} if lr is None else {"lr": lr}
    if cls is optimizers.SGD:
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=kw.get("momentum", 0.0),
            nesterov=kw.get("nesterov", False),
            weight_decay=kw.get("weight_decay", 0.0),
        )
    if cls in (optimizers.Adam, optimizers.AdamW):
        torch_cls = torch.optim.Adam if cls is optimizers.Adam else torch.optim.AdamW
        if "beta_1" in kw or "beta_2" in kw:
            args["betas"] = (kw.pop("beta_1", 0.9), kw.pop("beta_2", 0.999))
        if "epsilon" in kw:
            args["eps"] = kw.pop("epsilon")
        return torch_cls(params, **args, **kw)
    if cls is optimizers.RMSprop:
        if "rho" in kw:
            args["alpha"] = kw.pop("rho")
        if "epsilon" in kw:
            args["eps"] = kw.pop("epsilon")
        return torch.optim.RMSprop(params, **args, **kw)
    if "epsilon" in kw:
        args["eps"] = kw.pop("epsilon")
    return torch.optim.Adagrad(params, **args, **kw)


@pytest.mark.parametrize("name, cls, kwargs, ref", CASES, ids=IDS)
def test_twenty_steps_match_torch_optim(name, cls, kwargs, ref):
    torch = pytest.importorskip("torch")
    p = torch.tensor(P0.copy(), dtype=torch.float64, requires_grad=True)
    opt = _torch_optimizer(torch, cls, kwargs, [p])
    for t in range(STEPS):
        p.grad = torch.tensor(grad_at(p.detach().numpy().copy(), t))
        opt.step()
    value, _ = run_tapegrad(cls, kwargs)
    np.testing.assert_allclose(value, p.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Sparse invariant checks")
def test_sparse_updates_match_torch_sparse_adam_sgd_and_adagrad():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    table = rng.normal(size=(6, 3))
    steps = [
        ([0, 4, 0], rng.normal(size=(3, 3))),
        ([2], rng.normal(size=(1, 3))),
        ([4, 5, 5, 1], rng.normal(size=(4, 3))),
    ] * 3
    pairs = [
        (optimizers.Adam(learning_rate=0.1), lambda ps: torch.optim.SparseAdam(ps, lr=0.1)),
        (optimizers.SGD(learning_rate=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
        (optimizers.Adagrad(learning_rate=0.1), lambda ps: torch.optim.Adagrad(ps, lr=0.1)),
    ]
    for ours, make_theirs in pairs:
        v = tg.Variable(table)
        p = torch.tensor(table.copy(), requires_grad=True)
        theirs = make_theirs([p])
        for rows, values in steps:
            ours.apply_gradients([(slices(values, rows, table.shape), v)])
            p.grad = torch.sparse_coo_tensor(
                torch.tensor([rows]), torch.tensor(values), table.shape
            )
            theirs.step()
        np.testing.assert_allclose(
            v.numpy(), p.detach().numpy(), rtol=1e-10, err_msg=type(ours).__name__
        )
