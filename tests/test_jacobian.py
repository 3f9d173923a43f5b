"""GradientTape.jacobian and batch_jacobian: TensorFlow's shapes, values and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._core.primitive import ANS, Primitive

RNG = np.random.default_rng(1)


def _close(a, b, **kw):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), **{"rtol": 1e-6, "atol": 1e-7, **kw})


def _counting_tanh(calls: list) -> Primitive:
    """tanh whose VJP rule counts its calls (one call = one op visited by one sweep)."""

    def vjp(g, ans, x):
        calls.append(g.shape)
        return g * (1.0 - ans * ans)

    return Primitive("test_tanh_counted", np.tanh, vjps=(vjp,), reads=((ANS,),), register=False)


# --- jacobian --------------------------------------------------------------------
def test_jacobian_of_matvec_is_the_matrix():
    a = RNG.standard_normal((3, 4))
    x = tg.constant(RNG.standard_normal(4))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.linalg.matvec(tg.constant(a), x)
    jac = tape.jacobian(y, x)
    assert jac.shape == (3, 4) and jac.dtype == np.float64
    _close(jac, a, rtol=1e-12)


def test_jacobian_is_one_vectorised_sweep():
    calls: list = []
    tanh = _counting_tanh(calls)
    x = tg.constant(RNG.standard_normal(5))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tanh.bind(x * 2.0)
    jac = tape.jacobian(y, x)
    assert calls == [(5, 5)]  # one call, with a batch of 5 cotangents
    _close(jac, np.diag(2 * (1 - np.tanh(2 * x.numpy()) ** 2)), rtol=1e-12)
    calls.clear()
    looped = tape.jacobian(y, x, experimental_use_pfor=False)
    assert calls == [(5,)] * 5  # one sweep per row
    _close(looped, jac, rtol=1e-12)


def test_jacobian_shapes_follow_target_then_source():
    u = tg.constant(RNG.standard_normal((2, 3)))
    s = tg.constant(1.5, dtype=tg.float64)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([u, s])
        y = u * u * s  # (2, 3)
        total = tg.reduce_sum(y)
    jac = tape.jacobian(y, {"u": u, "s": [s]})
    assert jac["u"].shape == (2, 3, 2, 3) and jac["s"][0].shape == (2, 3)
    expected = np.zeros((2, 3, 2, 3))
    for i in range(2):
        for j in range(3):
            expected[i, j, i, j] = 2 * u.numpy()[i, j] * 1.5
    _close(jac["u"], expected, rtol=1e-12)
    _close(jac["s"][0], u.numpy() ** 2, rtol=1e-12)
    assert tape.jacobian(total, u).shape == (2, 3)  # scalar target: the gradient
    _close(tape.jacobian(u, u).numpy().reshape(6, 6), np.eye(6))


def test_jacobian_unconnected_sources():
    x, other = tg.constant([1.0, 2.0]), tg.constant(np.ones((2, 2), np.float32))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([x, other])
        y = x * 3.0
    assert tape.jacobian(y, other) is None
    zero = tape.jacobian(y, other, unconnected_gradients="zero")
    assert zero.shape == (2, 2, 2) and zero.dtype == np.float32 and not zero.numpy().any()
    with pytest.raises(ValueError, match="no gradient for source 0"):
        tape.jacobian(y, other, unconnected_gradients="raise")


def test_jacobian_integer_source_and_target():
    x = tg.constant([1.0, 2.0])
    i = tg.constant([1, 2])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tg.cast(i, tg.float32) * x
        k = tg.cast(x, tg.int32)
    with pytest.warns(UserWarning, match="int32"):
        assert tape.jacobian(y, i) is None
    with pytest.warns(UserWarning):
        zero = tape.jacobian(y, i, unconnected_gradients="zero")
    assert zero.shape == (2, 2) and zero.dtype == np.int32  # as TensorFlow
    assert tape.jacobian(k, x) is None
    assert tape.jacobian(k, x, unconnected_gradients="zero").dtype == np.float32


def test_jacobian_empty_target():
    x, other = tg.constant([1.0, 2.0]), tg.constant(np.ones(3, np.float32))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        e = x[:0] * 2.0
    jac = tape.jacobian(e, x)
    assert jac.shape == (0, 2)  # TensorFlow gives an empty tensor, not None
    assert tape.jacobian(e, other) is None
    assert tape.jacobian(e, other, unconnected_gradients="zero").shape == (0, 3)


def test_jacobian_mixed_dtypes_and_variables():
    d = tg.constant([1.0, 2.0], dtype=tg.float64)
    v = tg.Variable([3.0, 4.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(d)
        y = tg.cast(d, tg.float32) * v
    jd, jv = tape.jacobian(y, [d, v])
    assert jd.dtype == np.float64 and jv.dtype == np.float32  # the source's dtype
    _close(jd, np.diag([3.0, 4.0]))
    _close(jv, np.diag([1.0, 2.0]))
    _close(tape.jacobian(v, v), np.eye(2))  # a Variable target is its own id


def test_jacobian_higher_order():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = x**3
        jac = inner.jacobian(y, x)
    _close(jac, np.diag([3.0, 12.0]))
    _close(outer.gradient(jac, x), [6.0, 12.0])  # TensorFlow's value
    with tg.GradientTape(persistent=True) as tape:  # recorded by a persistent tape itself
        tape.watch(x)
        y = tg.reduce_sum(x**3)
        g = tape.jacobian(y, x)
    _close(tape.jacobian(g, x), np.diag([6.0, 12.0]))


def test_jacobian_through_gather_indexed_slices():
    params = tg.constant(RNG.standard_normal((4, 2)))
    with tg.GradientTape() as tape:
        tape.watch(params)
        y = tg.gather(params, [2, 0, 2])
    jac = tape.jacobian(y, params)
    expected = np.zeros((3, 2, 4, 2))
    for r, idx in enumerate([2, 0, 2]):
        for c in range(2):
            expected[r, c, idx, c] = 1.0
    _close(jac, expected)


def test_jacobian_errors():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.jacobian(y, x, experimental_use_pfor=False)  # the tape stays usable
    with pytest.raises(TypeError, match="single Tensor"):
        tape.jacobian([y, y], x)
    with pytest.raises(TypeError, match="sources must be Tensors"):
        tape.jacobian(y, [1.0])
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.jacobian(y, x, unconnected_gradients="maybe")
    _close(tape.jacobian(y, x), np.diag([2.0, 4.0]))
    for call in (lambda: tape.jacobian(y, x), lambda: tape.gradient(y, x),
                 lambda: tape.batch_jacobian(tg.reshape(y, (2, 1)), tg.reshape(x, (2, 1)))):
        with pytest.raises(RuntimeError, match="one set of gradients"):
            call()


def test_non_persistent_jacobian_inside_the_context_stops_recording():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        jac = tape.jacobian(y, x)
        z = y * 2.0  # no longer recorded, as in TensorFlow
    _close(jac, np.diag([2.0, 4.0]))
    assert z.shape == (2,)


# --- batch_jacobian --------------------------------------------------------------
def test_batch_jacobian_tf_example_and_pfor_false():
    x = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    expected = [[[2.0, 0.0], [0.0, 4.0]], [[6.0, 0.0], [0.0, 8.0]]]
    _close(tape.batch_jacobian(y, x), expected)
    _close(tape.batch_jacobian(y, x, experimental_use_pfor=False), expected)


def test_batch_jacobian_of_a_per_example_network():
    w = RNG.standard_normal((3, 4))
    xs = RNG.standard_normal((5, 4))
    x = tg.constant(xs)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.tanh(tg.matmul(x, tg.constant(w.T)))  # (5, 3)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (5, 3, 4)
    for b in range(5):
        t = np.tanh(w @ xs[b])
        _close(bj[b], (1 - t**2)[:, None] * w, rtol=1e-12)


def test_batch_jacobian_higher_rank_shapes_and_coupled_examples():
    u = tg.constant(RNG.standard_normal((2, 3)))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(u)
        y3 = tg.reshape(u * u, (2, 3, 1))
        coupled = u * tg.reduce_sum(u)
    assert tape.batch_jacobian(y3, u).shape == (2, 3, 1, 3)
    # examples that interact: summed over the batch, exactly as TensorFlow
    ones = tg.constant(np.ones((2, 3), np.float32))
    with tg.GradientTape() as tape:
        tape.watch(ones)
        c = ones * tg.reduce_sum(ones)
    tf_value = [[[8.0, 2.0, 2.0], [2.0, 8.0, 2.0], [2.0, 2.0, 8.0]]] * 2
    _close(tape.batch_jacobian(c, ones), tf_value)
    del coupled


def test_batch_jacobian_unconnected_and_integer_give_zeros_of_target_dtype():
    u = tg.constant(np.ones((2, 2), np.float32))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(u)
        y = u * u
    other = tg.constant(np.ones((2, 3)))  # float64, unconnected
    zeros = tape.batch_jacobian(y, other)  # TensorFlow: zeros whatever the policy
    assert zeros.shape == (2, 2, 3) and zeros.dtype == np.float32 and not zeros.numpy().any()
    with pytest.warns(UserWarning, match="int32"):
        izeros = tape.batch_jacobian(y, tg.constant(np.ones((2, 3), np.int32)))
    assert izeros.shape == (2, 2, 3) and izeros.dtype == np.float32
    with pytest.raises(ValueError, match="no gradient"):
        tape.batch_jacobian(y, other, unconnected_gradients="raise")


def test_batch_jacobian_errors():
    x = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    v = tg.constant([1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([x, v])
        y = x * x
        yv = v * v
    with pytest.raises(ValueError, match=r"first dimension.*\(2, 2\).*\(3, 2\)"):
        tape.batch_jacobian(y, tg.ones((3, 2)))
    with pytest.raises(ValueError, match="rank at least 2"):
        tape.batch_jacobian(yv, v)
    with pytest.raises(TypeError, match="single Tensor"):
        tape.batch_jacobian(y, [x])
    with tg.GradientTape() as once:
        once.watch(x)
        y = x * x
    with pytest.raises(RuntimeError, match="persistent=True"):
        once.batch_jacobian(y, x, experimental_use_pfor=False)
    once.batch_jacobian(y, x)
    with pytest.raises(RuntimeError, match="one set of gradients"):
        once.batch_jacobian(y, x)


# --- against TensorFlow itself, where installed ------------------------------------
def test_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    w = RNG.standard_normal((3, 4)).astype(np.float32)
    xs = RNG.standard_normal((2, 4)).astype(np.float32)

    def fn(lib, x):
        h = lib.tanh(lib.matmul(x, lib.constant(w.T)))
        return h * lib.reduce_sum(h, axis=1, keepdims=True)

    results = []
    for lib in (tf, tg):
        x = lib.constant(xs)
        with lib.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = fn(lib, x)
        results.append((tape.jacobian(y, x).numpy(), tape.batch_jacobian(y, x).numpy()))
    for ours, theirs in zip(results[1], results[0]):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        _close(ours, theirs, rtol=1e-5, atol=1e-6)
