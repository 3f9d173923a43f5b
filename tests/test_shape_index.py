"""Shape and indexing ops: TensorFlow's values, conventions, dtypes and errors.

Expected values were produced by TensorFlow 2.21 on the same inputs; the op table
(tests/op_specs/shape.py, tests/op_specs/index.py) checks smooth gradients to order 2.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg
from tapegrad.ops.embedding import embedding_lookup
from tapegrad.ops.index import IndexOutOfRangeError

X = np.arange(12.0).reshape(4, 3)


def grad(f, x, *, dtype=np.float64):
    x = tg.constant(np.asarray(x, dtype=dtype))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return y, tape.gradient(y, x)


def weights(shape):
    return tg.constant(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape))


# --- reshape / transpose / expand_dims / squeeze / broadcast_to ---------------------------------
def test_reshape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"reshape: .*\(4, 3\).*12 elements.*5"):
        tg.reshape(X, [5, -1])
    with pytest.raises(ValueError, match="at most one -1"):
        tg.reshape(X, [-1, -1])
    with pytest.raises(ValueError, match=r"\(2, 2\) \(4 elements\)"):
        tg.reshape(X, [2, 2])


def test_transpose_rejects_non_permutations():
    with pytest.raises(ValueError, match=r"transpose: perm \[0, 0\]"):
        tg.transpose(X, [0, 0])
    with pytest.raises(ValueError, match=r"perm \[0, 5\]"):
        tg.transpose(X, [0, 5])
    assert tg.transpose(X, [-1, 0]).shape == (3, 4)


def test_expand_dims_and_squeeze_errors():
    with pytest.raises(ValueError, match="expand_dims: axis 3 is out of range"):
        tg.expand_dims(X, 3)
    assert tg.expand_dims(X, -3).shape == (1, 4, 3)
    with pytest.raises(ValueError, match=r"squeeze: cannot squeeze axis 0 .*\(4, 3\).*got 4"):
        tg.squeeze(X, 0)
    assert tg.squeeze(tg.zeros((1, 2, 1)), [0, -1]).shape == (2,)


def test_broadcast_to_error():
    with pytest.raises(ValueError, match=r"broadcast_to: .*\(4, 3\) to shape \(3, 3\)"):
        tg.broadcast_to(X, [3, 3])


# --- concat / stack / unstack / split ----------------------------------------------------------
def test_concat_errors():
    with pytest.raises(ValueError, match=r"concat: values\[1\] has shape \(2, 2\).*\(4, 3\)"):
        tg.concat([X, np.zeros((2, 2))], 0)
    with pytest.raises(TypeError, match="concat: .*float64.*float32"):
        tg.concat([tg.constant(X), tg.zeros((2, 3))], 0)
    with pytest.raises(ValueError, match="concat: cannot concatenate scalars"):
        tg.concat([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="concat: axis 2 is out of range"):
        tg.concat([X, X], 2)
    with pytest.raises(ValueError, match="non-empty list"):
        tg.concat([], 0)


def test_stack_errors():
    with pytest.raises(ValueError, match=r"stack: .*values\[0\].shape = \(4, 3\) != "
                                         r"values\[1\].shape = \(2, 2\)"):
        tg.stack([X, np.zeros((2, 2))])
    with pytest.raises(ValueError, match="stack: axis 3 is out of range"):
        tg.stack([X, X], axis=3)
    assert tg.stack([X, X], axis=-3).shape == (2, 4, 3)


def test_unstack_returns_a_list_and_checks_num():
    parts = tg.unstack(tg.constant(X), axis=-1)
    assert isinstance(parts, list) and len(parts) == 3
    np.testing.assert_array_equal(parts[1].numpy(), X[:, 1])
    with pytest.raises(ValueError, match=r"unstack: num=3 .*\(4, 3\) has 4"):
        tg.unstack(X, num=3)
    assert tg.unstack(tg.zeros((0, 2))) == []


def test_unstack_gradient_of_some_outputs():
    _, g = grad(lambda x: tg.unstack(x)[1] * 3.0 + tg.unstack(x)[3], X)
    np.testing.assert_array_equal(g.numpy(), [[0] * 3, [3] * 3, [0] * 3, [1] * 3])


def test_split_sizes_and_errors():
    parts = tg.split(X, [1, -1], axis=0)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(1, 3), (3, 3)]
    assert [p.shape for p in tg.split(X, 3, axis=-1)] == [(4, 1)] * 3
    with pytest.raises(ValueError, match=r"split: num_or_size_splits=3 must evenly divide axis 0 "
                                         r"of size 4"):
        tg.split(X, 3)
    with pytest.raises(ValueError, match="at most one -1"):
        tg.split(X, [-1, -1])
    with pytest.raises(ValueError, match=r"must add up to the size 4 of axis 0"):
        tg.split(X, [1, 2])
    with pytest.raises(ValueError, match="num=3"):
        tg.split(X, 2, num=3)


def test_split_gradient_with_an_unused_piece():
    _, g = grad(lambda x: tg.split(x, [1, 3])[0] * 2.0, X)
    np.testing.assert_array_equal(g.numpy(), [[2] * 3] + [[0] * 3] * 3)


# --- tile / pad / reverse ----------------------------------------------------------------------
def test_tile_gradient_sums_the_copies():  # TensorFlow's values
    _, g = grad(lambda x: tg.tile(x[:2, :2], [2, 3]) * tg.reshape(tg.range(24.0, dtype=tg.float64),
                                                                    (4, 6)), X)
    np.testing.assert_array_equal(g.numpy(), [[48, 54, 0], [84, 90, 0], [0, 0, 0], [0, 0, 0]])


def test_tile_errors():
    with pytest.raises(ValueError, match=r"tile: .*expected length 2, got \[2\]"):
        tg.tile(X, [2])
    with pytest.raises(ValueError, match=r"tile: multiples\[1\] must be >= 0, got -1"):
        tg.tile(X, [2, -1])


def test_pad_modes_match_tensorflow():
    x = X[:2]
    np.testing.assert_array_equal(
        tg.pad(x, [[1, 1], [2, 1]], "REFLECT").numpy(),
        [[5, 4, 3, 4, 5, 4], [2, 1, 0, 1, 2, 1], [5, 4, 3, 4, 5, 4], [2, 1, 0, 1, 2, 1]])
    np.testing.assert_array_equal(
        tg.pad(x, [[1, 1], [2, 1]], "symmetric").numpy(),
        [[1, 0, 0, 1, 2, 2], [1, 0, 0, 1, 2, 2], [4, 3, 3, 4, 5, 5], [4, 3, 3, 4, 5, 5]])
    out = tg.pad(tg.constant([[1, 2]]), [[1, 0], [0, 1]], constant_values=7)
    assert out.dtype == tg.int32
    np.testing.assert_array_equal(out.numpy(), [[7, 7, 7], [1, 2, 7]])


def test_mirror_pad_gradients_fold_back():  # TensorFlow's values
    w = tg.reshape(tg.range(1.0, 19.0, dtype=tg.float64), (6, 3))
    _, g = grad(lambda x: tg.pad(x, [[1, 1], [0, 0]], "REFLECT") * w, X)
    np.testing.assert_array_equal(g.numpy(), [[4, 5, 6], [8, 10, 12], [26, 28, 30], [13, 14, 15]])
    _, g = grad(lambda x: tg.pad(x, [[1, 1], [0, 0]], "SYMMETRIC") * w, X)
    np.testing.assert_array_equal(g.numpy(), [[5, 7, 9], [7, 8, 9], [10, 11, 12], [29, 31, 33]])


def test_pad_constant_values_get_no_gradient():
    c = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(c)
        y = tg.pad(tg.ones(2), [[1, 1]], constant_values=c)
    np.testing.assert_array_equal(y.numpy(), [2, 1, 1, 2])
    assert tape.gradient(y, c) is None


def test_pad_errors():
    with pytest.raises(ValueError, match=r"pad: paddings must have shape \[rank, 2\] = \[2, 2\] .*"
                                         r"got shape \[1, 2\]"):
        tg.pad(X, [[1, 1]])
    with pytest.raises(ValueError, match="non-negative"):
        tg.pad(X, [[1, -1], [0, 0]])
    with pytest.raises(ValueError, match="REFLECT paddings must be less than the dimension size"):
        tg.pad(X, [[4, 0], [0, 0]], "REFLECT")
    assert tg.pad(X, [[4, 0], [0, 0]], "SYMMETRIC").shape == (8, 3)
    with pytest.raises(ValueError, match="SYMMETRIC paddings must be no greater"):
        tg.pad(X, [[5, 0], [0, 0]], "SYMMETRIC")
    with pytest.raises(ValueError, match='pad: mode must be one of "CONSTANT"'):
        tg.pad(X, [[1, 0], [0, 0]], "WRAP")
    with pytest.raises(TypeError, match="pad: paddings must be integers"):
        tg.pad(X, [[1.5, 0], [0, 0]])


def test_reverse():
    np.testing.assert_array_equal(tg.reverse(X, [-1]).numpy(), X[:, ::-1])
    np.testing.assert_array_equal(tg.reverse(X, [0, 1]).numpy(), X[::-1, ::-1])
    with pytest.raises(ValueError, match="reverse: axis 0 is named more than once"):
        tg.reverse(X, [0, -2])
    with pytest.raises(ValueError, match="reverse: axis 2 is out of range"):
        tg.reverse(X, [2])


# --- getitem ---------------------------------------------------------------------------------
def test_getitem_out_of_range_int_raises_index_out_of_range():
    x = tg.constant(X)
    for key, axis, value in [(5, 0, 5), (-5, 0, -5), ((slice(None), 3), 1, 3)]:
        with pytest.raises(IndexOutOfRangeError,
                           match=rf"getitem: index {value} is out of range for axis {axis}"):
            x[key]
    with pytest.raises(IndexError):
        x[4]
    with pytest.raises(ValueError):
        x[0, 0, 0]
    with pytest.raises(IndexOutOfRangeError, match="only one Ellipsis"):
        x[..., ...]
    with pytest.raises(IndexOutOfRangeError, match=r"index 7 is out of range for axis 1"):
        x[:, [0, 7]]


def test_getitem_rejects_non_integer_indices():
    x = tg.constant(X)
    with pytest.raises(TypeError, match="getitem: unsupported index 1.5"):
        x[1.5]
    with pytest.raises(TypeError, match="index arrays must be integers or bools"):
        x[np.array([0.0, 1.0])]
    with pytest.raises(TypeError, match="scalar bool index"):
        x[True]
    with pytest.raises(TypeError, match="slice bounds must be integers"):
        x[0.5:]


def test_getitem_accepts_integer_tensors_and_masks():
    x = tg.constant(X)
    assert x[tg.constant(2)].numpy().tolist() == [6.0, 7.0, 8.0]
    assert x[tg.constant(1):tg.constant(3), 0].numpy().tolist() == [3.0, 9.0 - 3.0]
    mask = X > 6
    np.testing.assert_array_equal(x[tg.constant(mask)].numpy(), X[mask])
    with pytest.raises(IndexOutOfRangeError, match=r"bool mask of shape \(2,\)"):
        x[np.array([True, False])]


def test_getitem_gradient_adds_repeated_indices():
    _, g = grad(lambda x: x[[0, 2, 0], 1:], X)
    np.testing.assert_array_equal(g.numpy(), [[0, 2, 2], [0, 0, 0], [0, 1, 1], [0, 0, 0]])


def test_getitem_on_a_variable_gives_a_dense_gradient():
    v = tg.Variable(X)
    with tg.GradientTape() as tape:
        y = v[1:3, ::2]
    g = tape.gradient(y, v)
    assert isinstance(g, tg.Tensor)
    np.testing.assert_array_equal(g.numpy(), [[0, 0, 0], [1, 0, 1], [1, 0, 1], [0, 0, 0]])


@st.composite
def basic_keys(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    key = []
    dim = 0
    used_ellipsis = False
    for _ in range(draw(st.integers(1, len(shape) + 1))):
        if dim == len(shape):
            key.append(None)
            continue
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis"]))
        if kind == "int":
            key.append(draw(st.integers(-n, n - 1)))
            dim += 1
        elif kind == "slice":
            bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
            step = draw(st.one_of(st.none(), st.sampled_from([-3, -2, -1, 1, 2, 3])))
            key.append(slice(draw(bound), draw(bound), step))
            dim += 1
        elif kind == "none":
            key.append(None)
        elif not used_ellipsis:
            used_ellipsis = True
            key.append(Ellipsis)
            # The entries after an ellipsis index the last dimensions: draw them all now.
            trailing = draw(st.integers(0, len(shape) - dim))
            for n in shape[len(shape) - trailing:]:
                if draw(st.booleans()):
                    key.append(draw(st.integers(-n, n - 1)))
                else:
                    bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
                    key.append(slice(draw(bound), draw(bound), None))
            dim = len(shape)
    return shape, tuple(key)


@settings(max_examples=30, deadline=None)
@given(basic_keys(), st.integers(0, 2**16))
def test_getitem_matches_numpy_values_vjp_and_jvp(case, seed):
    shape, key = case
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    expected = a[key]
    x = tg.constant(a)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x[key]
    np.testing.assert_array_equal(y.numpy(), expected)
    assert y.shape == expected.shape
    u = rng.standard_normal(expected.shape)
    dense = np.zeros(shape)
    dense[key] += u  # basic indexing selects each element once
    np.testing.assert_array_equal(tape.gradient(y, x, output_gradients=tg.constant(u)).numpy(),
                                  dense)
    v = rng.standard_normal(shape)
    with tg.autodiff.ForwardAccumulator(x, tg.constant(v)) as acc:
        yv = x[key]
    np.testing.assert_array_equal(acc.jvp(yv).numpy(), v[key])
    if expected.size:
        jac = tape.jacobian(y, x).numpy()
        np.testing.assert_array_equal(
            jac, tape.jacobian(y, x, experimental_use_pfor=False).numpy())


# --- gather --------------------------------------------------------------------------------
def test_gather_values_and_batch_dims_match_tensorflow():
    params = tg.reshape(tg.range(24.0), (2, 3, 4))
    out = tg.gather(params, [[0, 2], [1, 1]], axis=2, batch_dims=1)
    assert out.shape == (2, 3, 2) and out.dtype == tg.float32
    np.testing.assert_array_equal(out.numpy(), [[[0, 2], [4, 6], [8, 10]],
                                                [[13, 13], [17, 17], [21, 21]]])
    same = tg.gather(params, [[0, 2], [1, 1]], axis=-1, batch_dims=-1)
    np.testing.assert_array_equal(same.numpy(), out.numpy())
    assert tg.gather(X, 1, axis=1).numpy().tolist() == [1.0, 4.0, 7.0, 10.0]


def test_gather_out_of_range_names_the_index_and_axis_size():
    with pytest.raises(IndexOutOfRangeError,
                       match=r"gather: indices\[1\] = 5 is not in \[0, 4\) \(axis 0 of params with "
                             r"shape \(4, 3\) has size 4\)"):
        tg.gather(X, [1, 5])
    with pytest.raises(IndexOutOfRangeError, match=r"indices\[0,1\] = -1 is not in \[0, 3\)"):
        tg.gather(X, [[0, -1]], axis=1)


def test_gather_argument_errors():
    with pytest.raises(TypeError, match="gather: indices must be an integer tensor.*float32"):
        tg.gather(X, [1.0])
    with pytest.raises(TypeError, match="gather: indices must be an integer"):
        tg.gather(X, tg.constant([True]))
    with pytest.raises(ValueError, match="gather: axis 2 is out of range for a tensor of rank 2"):
        tg.gather(X, [1], axis=2)
    with pytest.raises(ValueError, match=r"gather: batch_dims \(1\) must be less than or equal to "
                                         r"axis \(0\)"):
        tg.gather(X, [[1]], axis=0, batch_dims=1)
    with pytest.raises(ValueError, match="must agree on their first 1 dimensions"):
        tg.gather(X, [[1], [0]], axis=1, batch_dims=1)
    with pytest.raises(ValueError, match="batch_dims 3 is out of range"):
        tg.gather(X, [[1]], axis=1, batch_dims=3)


def test_gather_axis0_gradient_is_indexed_slices():
    v = tg.Variable(X.astype(np.float32))
    with tg.GradientTape() as tape:
        y = tg.gather(v, [1, 1, 3])
    g = tape.gradient(y, v)
    assert isinstance(g, tg.IndexedSlices)
    assert g.indices.numpy().tolist() == [1, 1, 3] and g.indices.dtype == tg.int32
    assert g.values.shape == (3, 3) and g.values.dtype == tg.float32
    assert g.dense_shape.numpy().tolist() == [4, 3] and g.dense_shape.dtype == tg.int32
    np.testing.assert_array_equal(tg.convert_to_tensor(g).numpy(),
                                  [[0] * 3, [2] * 3, [0] * 3, [1] * 3])


def test_gather_other_axes_give_dense_gradients():  # as TensorFlow (axis -2 included)
    for kwargs in ({"axis": 1}, {"axis": -2}, {"axis": 1, "batch_dims": 1}):
        indices = [[0], [1], [2], [0]] if "batch_dims" in kwargs else [0, 1]
        _, g = grad(lambda x, kw=kwargs, i=indices: tg.gather(x, i, **kw), X)
        assert type(g) is tg.Tensor, kwargs


def test_gather_int64_indices_keep_their_dtype_in_the_gradient():
    x = tg.constant(X)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.gather(x, np.array([[2], [0]], dtype=np.int64))
    g = tape.gradient(y, x)
    assert g.indices.dtype == tg.int64 and g.indices.shape == (2,)
    assert g.values.shape == (2, 3)


# --- gather_nd / scatter_nd ------------------------------------------------------------------
def test_gather_nd_values_errors_and_policy():
    params = tg.reshape(tg.range(24), (2, 3, 4))
    np.testing.assert_array_equal(tg.gather_nd(params, [[1], [0]], batch_dims=1).numpy(),
                                  [[4, 5, 6, 7], [12, 13, 14, 15]])
    assert tg.gather_nd(params, np.zeros((2, 0), np.int32)).shape == (2, 2, 3, 4)
    with pytest.raises(IndexOutOfRangeError, match=r"gather_nd: indices\[0\] = \[1, 5\] does not "
                                                   r"index into param shape \[4, 3\]"):
        tg.gather_nd(X, [[1, 5]])
    np.testing.assert_array_equal(
        tg.gather_nd(X, [[1, 5], [1, 1]], bad_indices_policy="IGNORE").numpy(), [0.0, 4.0])
    with pytest.raises(ValueError, match="cannot index params of shape"):
        tg.gather_nd(X, [[1, 1, 1]])
    with pytest.raises(TypeError, match="gather_nd: indices must be an integer"):
        tg.gather_nd(X, [[1.0]])
    with pytest.raises(ValueError, match="bad_indices_policy"):
        tg.gather_nd(X, [[1]], bad_indices_policy="CLIP")


def test_gather_nd_gradient_types_match_tensorflow():
    _, g = grad(lambda x: tg.gather_nd(x, [[1], [1]]), X)
    assert isinstance(g, tg.IndexedSlices) and g.indices.numpy().tolist() == [1, 1]
    _, g = grad(lambda x: tg.gather_nd(x, [[1, 2], [1, 2]]), X)
    assert type(g) is tg.Tensor and g.numpy()[1, 2] == 2.0


def test_scatter_nd_adds_duplicates_and_checks_arguments():
    u = tg.constant([1.0, 2.0, 3.0])
    with tg.GradientTape() as tape:
        tape.watch(u)
        out = tg.scatter_nd([[1], [1], [0]], u, [4])
        y = out * tg.range(4.0)
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.0, 0.0, 0.0])
    np.testing.assert_array_equal(tape.gradient(y, u).numpy(), [1.0, 1.0, 0.0])
    with pytest.raises(IndexOutOfRangeError, match=r"scatter_nd: indices\[0\] = \[5\] does not "
                                                   r"index into output shape \[4\]"):
        tg.scatter_nd([[5]], [1.0], [4])
    np.testing.assert_array_equal(
        tg.scatter_nd([[5], [1], [1]], [1.0, 2.0, 3.0], [4], bad_indices_policy="IGNORE").numpy(),
        [0.0, 5.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"scatter_nd: updates has shape \(2,\).*\(3,\)"):
        tg.scatter_nd([[1], [2], [3]], [1.0, 2.0], [4])
    with pytest.raises(TypeError, match="scatter_nd: indices must be an integer"):
        tg.scatter_nd([[1.0]], [1.0], [4])
    assert tg.scatter_nd([[1]], tg.constant([[1, 2]]), [3, 2]).dtype == tg.int32


# --- boolean_mask --------------------------------------------------------------------------
def test_boolean_mask_values_gradient_and_errors():
    y, g = grad(lambda x: tg.boolean_mask(x, [True, False, True, False]), X)
    np.testing.assert_array_equal(y.numpy(), X[[0, 2]])
    assert type(g) is tg.Tensor  # dense, as TensorFlow's
    np.testing.assert_array_equal(g.numpy(), [[1] * 3, [0] * 3, [1] * 3, [0] * 3])
    assert tg.boolean_mask(X, [True, False, True], axis=1).shape == (4, 2)
    assert tg.boolean_mask(X, X > 3).shape == (8,)
    with pytest.raises(ValueError, match=r"boolean_mask: mask of shape \(2,\) does not match"):
        tg.boolean_mask(X, [True, False])
    with pytest.raises(ValueError, match="mask cannot be a scalar"):
        tg.boolean_mask(X, True)
    with pytest.raises(TypeError, match="mask must be a bool tensor"):
        tg.boolean_mask(X, [0.5, 1.0, 0.0, 1.0])


# --- sort / argsort --------------------------------------------------------------------------
def test_sort_gradient_goes_back_to_each_position_ties_stable():  # TensorFlow's values
    v = [3.0, 1.0, 3.0, 2.0, 1.0]
    y, g = grad(lambda x: tg.sort(x, direction="DESCENDING") * tg.range(5.0, dtype=tg.float64), v)
    np.testing.assert_array_equal(g.numpy(), [0, 3, 1, 2, 4])
    y, g = grad(lambda x: tg.sort(x) * tg.range(5.0, dtype=tg.float64), v)
    np.testing.assert_array_equal(g.numpy(), [3, 0, 4, 2, 1])


def test_sort_and_argsort_dtypes_and_errors():
    assert tg.sort(tg.constant([3, 1, 2]), direction="DESCENDING").numpy().tolist() == [3, 2, 1]
    assert tg.sort(tg.constant([3.0, 1.0])).dtype == tg.float32
    order = tg.argsort(X, axis=0, direction="DESCENDING")
    assert order.dtype == tg.int32
    np.testing.assert_array_equal(order.numpy(), [[3] * 3, [2] * 3, [1] * 3, [0] * 3])
    assert tg.argsort([2, 1, 2, 1], direction="DESCENDING").numpy().tolist() == [0, 2, 1, 3]
    assert tg.argsort(np.array([0, 255, 1], np.uint8)).numpy().tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match="sort: direction should be one of ASCENDING"):
        tg.sort(X, direction="UP")
    with pytest.raises(ValueError, match="argsort: values must have rank >= 1"):
        tg.argsort(tg.constant(1.0))
    with pytest.raises(ValueError, match="sort: axis 2 is out of range"):
        tg.sort(X, axis=2)


def test_argsort_has_no_gradient():
    _, g = grad(lambda x: tg.cast(tg.argsort(x), tg.float64) * x, [2.0, 1.0])
    np.testing.assert_array_equal(g.numpy(), [1.0, 0.0])  # only through the explicit x


# --- one_hot -----------------------------------------------------------------------------
def test_one_hot_values_and_out_of_range_rows():
    out = tg.one_hot([0, 2, -1, 5], 3)
    assert out.dtype == tg.float32
    np.testing.assert_array_equal(out.numpy(), [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    assert tg.one_hot([[0, 2]], 3, axis=0).shape == (3, 1, 2)
    assert tg.one_hot([[0, 2]], 3, axis=1).shape == (1, 3, 2)
    np.testing.assert_array_equal(tg.one_hot([1], 2, on_value=5, off_value=-1).numpy(), [[-1, 5]])


def test_one_hot_dtype_rules():
    assert tg.one_hot([1], 3, dtype=tg.float64).dtype == tg.float64
    assert tg.one_hot([1], 3, on_value=1.0, dtype=tg.float64).dtype == tg.float64
    assert tg.one_hot([1], 3, on_value=5, off_value=1).dtype == tg.int32
    assert tg.one_hot([1], 2, dtype=tg.bool).numpy().tolist() == [[False, True]]
    with pytest.raises(TypeError, match="dtype int32 of on_value does not match dtype float32"):
        tg.one_hot([1], 3, on_value=1, off_value=0.0)
    with pytest.raises(TypeError, match="one_hot: indices must be an integer tensor"):
        tg.one_hot([1.0], 3)
    with pytest.raises(ValueError, match="one_hot: axis must be -1 or in"):
        tg.one_hot([1], 3, axis=2)


def test_one_hot_has_no_gradient_for_on_and_off_values():
    on = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(on)
        y = tg.one_hot([0, 1], 3, on_value=on)
    np.testing.assert_array_equal(y.numpy(), [[2, 0, 0], [0, 2, 0]])
    assert tape.gradient(y, on) is None


# --- embedding_lookup ----------------------------------------------------------------------
def test_embedding_lookup_gives_indexed_slices_for_a_variable():
    table = tg.Variable(X)
    with tg.GradientTape() as tape:
        rows = embedding_lookup(table, [[1, 2]])
    g = tape.gradient(rows, table)
    assert rows.shape == (1, 2, 3)
    assert isinstance(g, tg.IndexedSlices) and g.indices.numpy().tolist() == [1, 2]


def test_embedding_lookup_max_norm_matches_tensorflow():
    table = tg.Variable(X)
    w = tg.constant([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], tg.float64)
    with tg.GradientTape() as tape:
        y = embedding_lookup(table, [1, 3], max_norm=2.0)
        loss = tg.reduce_sum(y * w)
    expected = [[0.848528137423857, 1.131370849898476, 1.414213562373095],
                [1.035783607767185, 1.150870675296872, 1.2659577428265592]]
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    g = tape.gradient(loss, table)
    assert g.indices.numpy().tolist() == [1, 3]
    np.testing.assert_allclose(
        g.values.numpy(), [[-0.15839191898578664, -0.02262741699796955, 0.11313708498984754],
                           [-0.1768225143502479, -0.011051407146890485, 0.1547197000564669]],
        rtol=1e-10)


def test_embedding_lookup_shards_by_tensorflow2_div_strategy():
    a = tg.Variable(np.arange(6.0).reshape(3, 2))
    b = tg.Variable(100 + np.arange(4.0).reshape(2, 2))
    with tg.GradientTape() as tape:
        y = embedding_lookup([a, b], [4, 0, 3, 4, 2])
    np.testing.assert_array_equal(y.numpy(), [[102, 103], [0, 1], [100, 101], [102, 103], [4, 5]])
    ga, gb = tape.gradient(y, [a, b])
    assert isinstance(ga, tg.IndexedSlices) and ga.indices.numpy().tolist() == [0, 2]
    assert sorted(gb.indices.numpy().tolist()) == [0, 1, 1]
    np.testing.assert_array_equal(tg.convert_to_tensor(gb).numpy(), [[1, 1], [2, 2]])


def test_embedding_lookup_errors():
    with pytest.raises(IndexOutOfRangeError, match=r"embedding_lookup: indices\[1\] = 4 is not in "
                                                   r"\[0, 4\) \(the table has 4 rows\)"):
        embedding_lookup(X, [0, 4])
    with pytest.raises(TypeError, match="embedding_lookup: ids must be an integer"):
        embedding_lookup(X, [0.0])
    with pytest.raises(ValueError, match="share the row shape"):
        embedding_lookup([X, np.zeros((2, 2))], [0])
