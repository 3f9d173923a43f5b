"""tapegrad.random: reproducibility under set_seed, op seeds, dtypes, shapes, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def _sequence():
    return [
        tg.random.normal([3]).numpy(),
        tg.random.uniform([2, 2]).numpy(),
        tg.random.truncated_normal([4], stddev=2.0).numpy(),
        tg.random.shuffle(tg.range(6)).numpy(),
        tg.random.uniform([3], 0, 10, dtype=tg.int64).numpy(),
        tg.random.normal([2], seed=7).numpy(),
    ]


def test_set_seed_makes_the_same_calls_give_the_same_values():
    tg.random.set_seed(42)
    first = _sequence()
    tg.random.set_seed(42)
    second = _sequence()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tg.random.set_seed(43)
    third = _sequence()
    assert not np.array_equal(first[0], third[0])


def test_op_seeds_continue_their_stream_and_combine_with_the_global_seed():
    tg.random.set_seed(3)
    a1, a2 = tg.random.uniform([1], seed=5), tg.random.uniform([1], seed=5)
    b = tg.random.uniform([1], seed=6)
    assert a1.numpy()[0] != a2.numpy()[0]  # like TensorFlow's eager ops
    assert a1.numpy()[0] != b.numpy()[0]
    tg.random.set_seed(3)
    tg.random.normal([5])  # a global draw does not disturb the op-seeded stream
    np.testing.assert_array_equal(tg.random.uniform([1], seed=5).numpy(), a1.numpy())
    tg.random.set_seed(4)
    assert tg.random.uniform([1], seed=5).numpy()[0] != a1.numpy()[0]


def test_unseeded_randomness_after_set_seed_none():
    tg.random.set_seed(None)
    a, b = tg.random.normal([8]).numpy(), tg.random.normal([8]).numpy()
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("dtype", [tg.float16, tg.float32, tg.float64])
def test_float_dtypes_and_shapes(dtype):
    tg.random.set_seed(0)
    for fn in (tg.random.normal, tg.random.uniform, tg.random.truncated_normal):
        x = fn([2, 3], dtype=dtype)
        assert x.shape == (2, 3) and x.dtype == dtype
    assert tg.random.normal(tg.constant([4]), dtype=dtype).shape == (4,)
    assert tg.random.normal(5).shape == (5,)


def test_distributions():
    tg.random.set_seed(1)
    x = tg.random.normal([20000], mean=3.0, stddev=2.0).numpy()
    assert abs(x.mean() - 3.0) < 0.1 and abs(x.std() - 2.0) < 0.1
    u = tg.random.uniform([20000], minval=-1.0, maxval=3.0).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    t = tg.random.truncated_normal([20000], mean=1.0, stddev=0.5).numpy()
    assert t.min() >= 0.0 and t.max() <= 2.0
    assert abs(t.std() - 0.5 * 0.8796) < 0.02  # std of a normal truncated at 2 sigma
    i = tg.random.uniform([1000], minval=-2, maxval=3, dtype=tg.int32).numpy()
    assert i.dtype == np.int32 and set(np.unique(i).tolist()) == {-2, -1, 0, 1, 2}


def test_parameters_broadcast_and_receive_gradients():
    tg.random.set_seed(2)
    x = tg.random.normal([2], mean=[0.0, 10.0])
    assert x.numpy()[1] > 5
    mean, stddev = tg.constant(1.0), tg.constant(2.0)
    tg.random.set_seed(2)
    with tg.GradientTape() as tape:
        tape.watch([mean, stddev])
        y = tg.random.normal([3], mean, stddev)
    g_mean, g_std = tape.gradient(y, [mean, stddev])
    assert float(g_mean) == 3.0  # TF: d/dmean = number of samples
    np.testing.assert_allclose(float(g_std), np.sum((y.numpy() - 1.0) / 2.0), rtol=1e-5)
    lo, hi = tg.constant(1.0), tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch([lo, hi])
        u = tg.random.uniform([4], lo, hi)
    g_lo, g_hi = tape.gradient(u, [lo, hi])
    np.testing.assert_allclose(float(g_lo) + float(g_hi), 4.0, rtol=1e-6)


def test_shuffle_permutes_rows_without_gradient():
    x = tg.constant(np.arange(12.0).reshape(6, 2))
    tg.random.set_seed(0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.random.shuffle(x)
    assert sorted(map(tuple, y.numpy().tolist())) == sorted(map(tuple, x.numpy().tolist()))
    assert tape.gradient(y, x) is None  # TF: random_shuffle has no gradient
    assert float(tg.random.shuffle(tg.constant(1.0))) == 1.0


def test_bad_input():
    with pytest.raises(ValueError, match=r"uniform: must specify maxval for integer dtype int32"):
        tg.random.uniform([2], dtype=tg.int32)
    with pytest.raises(ValueError, match=r"uniform: need minval < maxval, got 5 >= 3"):
        tg.random.uniform([2], 5, 3, dtype=tg.int32)
    with pytest.raises(TypeError, match=r"normal: dtype must be a floating-point dtype.*int32"):
        tg.random.normal([2], dtype=tg.int32)
    with pytest.raises(ValueError, match=r"shape \(2, -1\) has a negative dimension"):
        tg.random.normal([2, -1])
    with pytest.raises(ValueError, match=r"normal: the parameters .*\(3,\).*\(2,\)"):
        tg.random.normal([2], mean=[0.0, 1.0, 2.0])
    with pytest.raises(TypeError, match=r"seed must be an integer"):
        tg.random.normal([2], seed="abc")
