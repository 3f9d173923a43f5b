"""IndexedSlices: TensorFlow's sparse gradient of gather, through the tape and the engine."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.ops.embedding import embedding_lookup

TABLE = np.arange(12.0).reshape(4, 3)


def test_construction_and_attributes():
    s = tg.IndexedSlices(tg.constant([[1.0, 2.0]]), np.array([1]), (3, 2))
    assert isinstance(s.values, tg.Tensor) and isinstance(s.indices, tg.Tensor)
    assert s.dense_shape.numpy().tolist() == [3, 2] and s.dense_shape.dtype == tg.int32
    assert s.dtype == tg.float32 and s.shape == (3, 2)
    assert tuple(s.dense_shape) == (3, 2)
    assert repr(s).startswith("IndexedSlices(indices=tapegrad.Tensor([1]")


def test_densify_adds_duplicate_rows():
    s = tg.IndexedSlices(tg.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [2, 0, 2], [3, 2])
    dense = tg.convert_to_tensor(s)
    assert type(dense) is tg.Tensor and dense.dtype == tg.float32
    np.testing.assert_array_equal(dense.numpy(), [[3, 4], [0, 0], [6, 8]])
    np.testing.assert_array_equal(np.asarray(s), dense.numpy())
    np.testing.assert_array_equal(s.numpy(), dense.numpy())


def test_adding_slices_concatenates_and_adding_dense_densifies():
    a = tg.IndexedSlices(tg.constant([[1.0, 1.0]]), [1], [3, 2])
    b = tg.IndexedSlices(tg.constant([[2.0, 2.0], [3.0, 3.0]]), [1, 2], [3, 2])
    both = a + b
    assert isinstance(both, tg.IndexedSlices)
    assert both.indices.numpy().tolist() == [1, 1, 2] and both.values.shape == (3, 2)
    np.testing.assert_array_equal(tg.convert_to_tensor(both).numpy(), [[0, 0], [3, 3], [3, 3]])
    mixed = a + tg.ones((3, 2))
    assert type(mixed) is tg.Tensor
    np.testing.assert_array_equal(mixed.numpy(), [[1, 1], [2, 2], [1, 1]])
    np.testing.assert_array_equal((tg.ones((3, 2)) + a).numpy(), mixed.numpy())


def test_negation_and_unknown_dense_shape():
    s = tg.IndexedSlices(tg.constant([[1.0]]), [0])
    assert s.dense_shape is None and s.shape is None
    assert (-s).values.numpy().tolist() == [[-1.0]]
    with pytest.raises(ValueError, match="without dense_shape"):
        tg.convert_to_tensor(s)
    with pytest.raises(TypeError, match="indices must be integers"):
        tg.IndexedSlices(tg.constant([[1.0]]), [0.5], [2, 1])


def test_gathering_a_variable_twice_gives_concatenated_slices():
    v = tg.Variable(TABLE)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(tg.gather(v, [1, 1, 3])) + tg.reduce_sum(tg.gather(v, [[0], [1]]))
    g = tape.gradient(loss, v)
    assert isinstance(g, tg.IndexedSlices)
    assert sorted(g.indices.numpy().tolist()) == [0, 1, 1, 1, 3]
    assert g.values.shape == (5, 3)
    np.testing.assert_array_equal(tg.convert_to_tensor(g).numpy(),
                                  [[1] * 3, [3] * 3, [0] * 3, [1] * 3])


def test_gather_plus_dense_use_gives_a_dense_gradient():
    v = tg.Variable(TABLE)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(tg.gather(v, [1])) + tg.reduce_sum(v * 2.0)
    g = tape.gradient(loss, v)
    assert type(g) is tg.Tensor
    np.testing.assert_array_equal(g.numpy(), [[2] * 3, [3] * 3, [2] * 3, [2] * 3])


def test_gather_of_an_intermediate_densifies_for_the_source():
    x = tg.constant(TABLE)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.gather(x * 3.0, [2, 2])
    g = tape.gradient(y, x)
    assert type(g) is tg.Tensor
    np.testing.assert_array_equal(g.numpy()[2], [6.0] * 3)


def test_output_gradients_and_unconnected_zero_with_slices():
    x = tg.constant(TABLE)
    w = tg.constant(np.arange(6.0).reshape(2, 3))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.gather(x, [3, 0])
    g = tape.gradient(y, x, output_gradients=w)
    assert isinstance(g, tg.IndexedSlices)
    np.testing.assert_array_equal(g.values.numpy(), w.numpy())
    np.testing.assert_array_equal(tg.convert_to_tensor(g).numpy()[[3, 0]], w.numpy())


def test_jacobians_through_gather_are_dense():
    x = tg.constant(TABLE)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tg.gather(x, [1, 1])
    batched = tape.jacobian(y, x)
    looped = tape.jacobian(y, x, experimental_use_pfor=False)
    assert type(batched) is tg.Tensor and batched.shape == (2, 3, 4, 3)
    np.testing.assert_array_equal(batched.numpy(), looped.numpy())
    assert batched.numpy()[1, 2, 1, 2] == 1.0 and batched.numpy().sum() == 6.0


def test_second_order_through_indexed_slices():
    x = tg.constant(TABLE[:3])
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            loss = tg.reduce_sum(tg.gather(x, [0, 2, 0]) ** 3)
        g = inner.gradient(loss, x)
        assert isinstance(g, tg.IndexedSlices)
        total = tg.reduce_sum(tg.convert_to_tensor(g) * tg.constant(TABLE[:3] + 1.0))
    hess_v = outer.gradient(total, x)
    # d/dx sum_i w_i * c_i * 3 x_i^2 = 6 c_i x_i w_i with c = row multiplicity (2, 0, 1)
    counts = np.array([2.0, 0.0, 1.0])[:, None]
    np.testing.assert_allclose(tg.convert_to_tensor(hess_v).numpy(),
                               6 * counts * TABLE[:3] * (TABLE[:3] + 1.0))


def test_forward_mode_through_gather():
    x = tg.constant(TABLE)
    with tg.autodiff.ForwardAccumulator(x, tg.ones_like(x)) as acc:
        y = tg.gather(x, [2, 2]) * 2.0
    np.testing.assert_array_equal(acc.jvp(y).numpy(), np.full((2, 3), 2.0))


def test_embedding_lookup_gradient_feeds_sparse_rows():
    table = tg.Variable(TABLE.astype(np.float32))
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(embedding_lookup(table, [[3, 3], [0, 3]]))
    g = tape.gradient(loss, table)
    assert isinstance(g, tg.IndexedSlices)
    assert g.indices.numpy().tolist() == [3, 3, 0, 3] and g.values.dtype == tg.float32
    np.testing.assert_array_equal(tg.convert_to_tensor(g).numpy()[:, 0], [1, 0, 0, 3])
