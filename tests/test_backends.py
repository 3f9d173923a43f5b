"""Foreign arrays through the engine: Dask stays lazy, libraries are kept at the boundary.

The op table runs on every library in tests/test_op_table_backends.py; this file checks
what a user of Dask sees: the boundary, laziness (a counting scheduler), graph size, one
``dask.compute`` per optimizer step, unknown chunk sizes and mixing libraries.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.ops._namespace import namespace

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


class CountingScheduler:
    """A synchronous Dask scheduler that counts how often it is asked to compute."""

    def __init__(self):
        self.calls = 0

    def __call__(self, dsk, keys, **kwargs):
        self.calls += 1
        return dask.get(dsk, keys, **kwargs)


def _data(rows=4000, features=5, chunk=1000, seed=0):
    rng = da.random.default_rng(seed)
    x = rng.standard_normal((rows, features), chunks=(chunk, features))
    y = (x @ np.linspace(-1, 1, features) > 0).astype(np.float64)
    return x, y


def _logistic_loss(x, y, w, b):
    logits = tg.linalg.matvec(x, w) + b
    return tg.reduce_mean(tg.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))


def test_dask_arrays_are_kept_at_the_boundary():
    x = da.ones((6, 4), chunks=(3, 4))
    for t in (tg.constant(x), tg.convert_to_tensor(x), tg.Variable(x)):
        assert isinstance(t._value, da.Array) and t.dtype == np.float64 and t.shape == (6, 4)
    v = tg.Variable(np.zeros(4))
    v.assign(da.ones(4, chunks=2))
    assert isinstance(v._value, da.Array)
    assert isinstance(tg.constant(x).numpy(), np.ndarray)  # .numpy() computes, explicitly
    np.testing.assert_array_equal(np.asarray(tg.constant(x)), np.ones((6, 4)))
    assert "dask.array" in repr(tg.constant(x))  # (repr computes nothing)


def test_numpy_beside_dask_follows_dask():
    out = tg.constant(da.ones(3, chunks=2)) + np.arange(3.0)
    assert isinstance(out._value, da.Array)
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0, 3.0])


@pytest.mark.filterwarnings("ignore:You are comparing a array_api_strict dtype")
def test_two_array_libraries_in_one_op_are_refused():
    """(array-api-strict stands in for CuPy, which CI machines lack.)"""
    xs = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="one op"):
        namespace(da.ones(2), xs.ones(2))
    dask_tensor, strict_tensor = tg.constant(da.ones(2)), tg.constant(xs.ones(2, dtype=xs.float64))
    for op in (tg.add, tg.maximum, tg.multiply):
        with pytest.raises(TypeError, match="array_api_strict and dask"):
            op(dask_tensor, strict_tensor)


def test_recording_and_gradient_compute_nothing_and_match_numpy():
    x, y = _data()
    w = tg.Variable(np.linspace(0.1, 0.5, 5))
    b = tg.Variable(np.float64(0.2))
    counting = CountingScheduler()
    with dask.config.set(scheduler=counting):
        with tg.GradientTape() as tape:
            loss = _logistic_loss(tg.constant(x), tg.constant(y), w, b)
        grads = tape.gradient(loss, [w, b])
        assert counting.calls == 0
        assert all(isinstance(g._value, da.Array) for g in grads)
        values = dask.compute(loss._value, *[g._value for g in grads])
        assert counting.calls == 1
    xn, yn = dask.compute(x, y)
    with tg.GradientTape() as tape:
        expected_loss = _logistic_loss(tg.constant(xn), tg.constant(yn), w, b)
    expected = tape.gradient(expected_loss, [w, b])
    np.testing.assert_allclose(values[0], expected_loss.numpy(), rtol=1e-12)
    for got, want in zip(values[1:], expected):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-14)


def test_gradient_graph_embeds_no_large_array():
    """A lazily generated 2M-row problem: the gradient's graph pickles to well under 1 MB
    (a NumPy seed of the data's shape would embed 16 MB)."""
    x, y = _data(rows=2_000_000, chunk=250_000)
    w = tg.Variable(np.ones(5))
    with tg.GradientTape() as tape:
        loss = _logistic_loss(tg.constant(x), tg.constant(y), w, tg.constant(0.0, tg.float64))
    (g,) = tape.gradient(loss, [w])
    graph = dict(g._value.__dask_graph__())
    assert len(pickle.dumps(graph)) < 1_000_000


def test_apply_gradients_computes_a_step_in_one_dask_compute():
    x, y = _data()
    w = tg.Variable(np.zeros(5))
    b = tg.Variable(np.float64(0.0))
    w_ref = tg.Variable(np.zeros(5))
    b_ref = tg.Variable(np.float64(0.0))
    xn, yn = dask.compute(x, y)
    opt, opt_ref = tg.optimizers.Adam(0.1), tg.optimizers.Adam(0.1)
    counting = CountingScheduler()
    for _ in range(3):
        with dask.config.set(scheduler=counting):
            before = counting.calls
            with tg.GradientTape() as tape:
                loss = _logistic_loss(tg.constant(x), tg.constant(y), w, b)
            opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
            assert counting.calls == before + 1
        with tg.GradientTape() as tape:
            loss = _logistic_loss(tg.constant(xn), tg.constant(yn), w_ref, b_ref)
        opt_ref.apply_gradients(zip(tape.gradient(loss, [w_ref, b_ref]), [w_ref, b_ref]))
    assert isinstance(w._value, np.ndarray)  # the parameters stay small NumPy arrays
    np.testing.assert_allclose(w.numpy(), w_ref.numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.numpy(), b_ref.numpy(), rtol=1e-10)


def test_unknown_chunk_sizes_give_the_right_mean_or_a_clear_error():
    x = da.from_array(np.arange(-5.0, 5.0), chunks=3)
    masked = tg.constant(x[x > 0])  # length NaN until computed
    assert masked.shape[0] != masked.shape[0]
    assert tg.reduce_mean(masked).numpy() == 2.5
    mean, variance = tg.nn.moments(masked, axes=[0])
    np.testing.assert_allclose([mean.numpy(), variance.numpy()], [2.5, 1.25])
    with tg.GradientTape() as tape:
        tape.watch(masked)
        loss = tg.reduce_mean(masked * masked)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        tape.gradient(loss, masked)
    known = x[x > 0]
    known.compute_chunk_sizes()
    t = tg.constant(known)
    with tg.GradientTape() as tape:
        tape.watch(t)
        loss = tg.reduce_mean(t * t)
    np.testing.assert_allclose(tape.gradient(loss, t).numpy(), [0.5, 1.0, 1.5, 2.0])


def test_sparse_cross_entropy_with_lazy_labels():
    logits = da.from_array(np.random.default_rng(0).standard_normal((4, 3)), chunks=2)
    labels = da.from_array(np.array([0, 2, 1, 1]), chunks=2)
    got = tg.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    assert isinstance(got._value, da.Array)
    expected = tg.nn.sparse_softmax_cross_entropy_with_logits(*dask.compute(labels, logits))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12)
    # a label out of range cannot be checked before computing: NaN, as TensorFlow on a GPU
    bad = tg.nn.sparse_softmax_cross_entropy_with_logits(
        da.from_array(np.array([0, 5, 1, 1]), chunks=2), logits).numpy()
    assert np.isnan(bad[1]) and np.isfinite(bad[[0, 2, 3]]).all()


def test_refused_op_names_itself_and_the_library():
    x = tg.constant(da.from_array(np.random.default_rng(0).standard_normal(5), chunks=2))
    with pytest.raises(NotImplementedError, match="sort: not implemented for dask arrays"):
        tg.sort(x)
