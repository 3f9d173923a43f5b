"""The ops of scatter.py, manipulation.py, clipping.py, math_extra.py, linalg_extra.py and
conv_extra.py: bad input gives a clear error naming the op, and the cases the op table
cannot hold (no gradient in TensorFlow, structure of results)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._core.primitive import REGISTRY

X = tg.constant(np.arange(12.0).reshape(3, 4))


@pytest.mark.parametrize("call,cls,words", [
    # slicing
    (lambda: tg.slice(X, [1, 5], [1, 1]), IndexError, ["slice", "begin[1]", "(3, 4)"]),
    (lambda: tg.slice(X, [1, 1], [3, 1]), IndexError, ["slice", "size[0]", "[0, 2]"]),
    (lambda: tg.slice(X, [1], [1]), ValueError, ["slice", "one entry per axis"]),
    (lambda: tg.slice(X, [0.5, 0], [1, 1]), TypeError, ["slice", "begin", "integer"]),
    (lambda: tg.strided_slice(X, [3], [4], shrink_axis_mask=1), IndexError,
     ["strided_slice", "index 3 of dimension 0", "(3, 4)"]),
    (lambda: tg.strided_slice(X, [0, 0], [1, 1], [1, 0]), ValueError,
     ["strided_slice", "strides[1]", "non-zero"]),
    (lambda: tg.strided_slice(X, [0, 0], [1], [1, 1]), ValueError,
     ["strided_slice", "same length"]),
    (lambda: tg.strided_slice(X, [0, 0, 0], [1, 1, 1]), ValueError,
     ["strided_slice", "rank 2"]),
    (lambda: tg.strided_slice(X, [0, 0], [1, 1], ellipsis_mask=3), ValueError,
     ["strided_slice", "ellipsis"]),
    # tensor_scatter_nd_*
    (lambda: tg.tensor_scatter_nd_update(X, [[3]], tg.ones([1, 4], tg.float64)), IndexError,
     ["tensor_scatter_nd_update", "indices[0]", "[3]", "[3, 4]"]),
    (lambda: tg.tensor_scatter_nd_add(X, [[0, -1]], [1.0]), ValueError,
     ["tensor_scatter_nd_add", "[0, -1]", "[3, 4]"]),
    (lambda: tg.tensor_scatter_nd_max(X, [[0]], [1.0]), ValueError,
     ["tensor_scatter_nd_max", "updates has shape (1,)", "(1, 4)"]),
    (lambda: tg.tensor_scatter_nd_min(X, [[0, 0, 0]], [1.0]), ValueError,
     ["tensor_scatter_nd_min", "length 3", "(3, 4)"]),
    (lambda: tg.tensor_scatter_nd_update(X, [1], [1.0] * 4), ValueError,
     ["tensor_scatter_nd_update", "rank >= 2", "(1,)", "[[i, j, ...]]"]),
    (lambda: tg.tensor_scatter_nd_add(X, np.zeros((2, 0), np.int32), np.ones((2, 3, 4))),
     ValueError, ["tensor_scatter_nd_add", "1 <= depth <= 2", "(2, 0)"]),
    (lambda: tg.tensor_scatter_nd_sub(X, [[0.5]], [[1.0] * 4]), TypeError,
     ["tensor_scatter_nd_sub", "indices", "float"]),
    (lambda: tg.tensor_scatter_nd_update(X, [[0]], tg.ones([1, 4], tg.float32)), TypeError,
     ["tensor_scatter_nd_update", "float32", "float64", "cast"]),
    # rearranging
    (lambda: tg.roll(X, [1, 2], [0]), ValueError, ["roll", "same length"]),
    (lambda: tg.roll(X, 1, 2), ValueError, ["roll", "axis 2", "rank 2"]),
    (lambda: tg.repeat(X, [1, 2], axis=1), ValueError, ["repeat", "size 4", "(2,)"]),
    (lambda: tg.repeat(X, -1), ValueError, ["repeat", ">= 0"]),
    (lambda: tg.meshgrid([1, 2], indexing="xz"), ValueError, ["meshgrid", "indexing"]),
    (lambda: tg.add_n([]), ValueError, ["add_n", "at least one"]),
    (lambda: tg.add_n([X, X[:2]]), ValueError, ["add_n", "(2, 4)", "(3, 4)", "broadcast"]),
    (lambda: tg.add_n([X, tg.cast(X, tg.float32)]), TypeError, ["add_n", "float32"]),
    (lambda: tg.unique(X), ValueError, ["unique", "rank 1", "(3, 4)"]),
    (lambda: tg.searchsorted(X, tg.ones([2, 1], tg.float64)), ValueError,
     ["searchsorted", "(3, 4)", "(2, 1)", "as many rows"]),
    (lambda: tg.searchsorted(X, tg.ones([3, 1], tg.float32)), TypeError,
     ["searchsorted", "float32", "float64"]),
    (lambda: tg.searchsorted(X, X, side="middle"), ValueError, ["searchsorted", "side"]),
    (lambda: tg.sequence_mask([1.5]), TypeError, ["sequence_mask", "lengths"]),
    # clipping
    (lambda: tg.clip_by_norm(tg.constant([1, 2]), 1.0), TypeError,
     ["clip_by_norm", "int32", "cast"]),
    (lambda: tg.clip_by_norm(X, [1.0, 2.0]), ValueError, ["clip_by_norm", "scalar"]),
    (lambda: tg.linalg.global_norm(X), TypeError, ["global_norm", "sequence", "list"]),
    (lambda: tg.linalg.global_norm([None]), ValueError, ["global_norm", "no tensor"]),
    (lambda: tg.clip_by_global_norm(X, 1.0), TypeError, ["clip_by_global_norm", "sequence"]),
    (lambda: tg.linalg.global_norm([X, tg.cast(X, tg.float32)]), TypeError,
     ["global_norm", "float32", "float64"]),
    # math
    (lambda: tg.math.cumulative_logsumexp(tg.constant([1, 2])), TypeError,
     ["cumulative_logsumexp", "int32"]),
    (lambda: tg.math.cumulative_logsumexp(X, axis=2), ValueError,
     ["cumulative_logsumexp", "axis 2"]),
    (lambda: tg.math.bincount([1, -1]), ValueError, ["bincount", "non-negative", "-1"]),
    (lambda: tg.math.bincount([1, 2], weights=[1.0]), ValueError, ["bincount", "weights"]),
    (lambda: tg.math.bincount([1, 2], axis=-1), ValueError, ["bincount", "2-D"]),
    (lambda: tg.math.bincount([1.0]), TypeError, ["bincount", "arr"]),
    # linalg
    (lambda: tg.linalg.lstsq(X, tg.ones([2, 1], tg.float64)), ValueError,
     ["lstsq", "M = 3", "(2, 1)"]),
    (lambda: tg.linalg.lstsq(X, tg.ones([3, 1], tg.float32)), TypeError,
     ["lstsq", "float32", "float64"]),
    (lambda: tg.linalg.lstsq(X, X[:, :1], l2_regularizer=0.1, fast=False), NotImplementedError,
     ["lstsq", "fast=True"]),
    (lambda: tg.linalg.lstsq(X, X[:, :1], l2_regularizer=-1.0), ValueError,
     ["lstsq", ">= 0"]),
    (lambda: tg.linalg.pinv(tg.constant([1.0, 2.0])), ValueError, ["pinv", "rank >= 2"]),
    (lambda: tg.linalg.pinv(tg.constant([[1, 2]])), TypeError, ["pinv", "int32"]),
    (lambda: tg.linalg.expm(X), ValueError, ["expm", "square", "(3, 4)"]),
    (lambda: tg.linalg.band_part(X, 4, 0), ValueError, ["band_part", "num_lower (4)", "3"]),
    (lambda: tg.linalg.band_part(X, 0.5, 0), TypeError, ["band_part", "num_lower"]),
    (lambda: tg.linalg.cross(X[:, :3], X[:2, :3]), ValueError, ["cross", "(3, 3)", "(2, 3)"]),
    (lambda: tg.linalg.cross(X, X), ValueError, ["cross", "[..., 3]"]),
    (lambda: tg.linalg.diag_part(X, k=(1, -1)), ValueError, ["diag_part", "k[0] (1)"]),
    (lambda: tg.linalg.diag_part(X, k=(-4, 0)), ValueError, ["diag_part", "k=-4"]),
    (lambda: tg.linalg.diag(X, k=(0, 1)), ValueError, ["diag", "2 diagonals", "(3, 4)"]),
    (lambda: tg.linalg.diag(X[:2], k=(0, 1), num_rows=2, num_cols=2), ValueError,
     ["diag", "num_rows=2", "length 4"]),
    (lambda: tg.linalg.diag_part(X, k=(0, 1), align="UP"), ValueError, ["diag_part", "align"]),
    # nn
    (lambda: tg.nn.conv2d(tg.ones([1, 4, 4, 3]), tg.ones([2, 2, 2, 4]), 1, "SAME"),
     ValueError, ["conv2d", "3 channels", "(2, 2, 2, 4)", "multiple"]),
    (lambda: tg.nn.conv2d(tg.ones([1, 4, 4, 4]), tg.ones([2, 2, 2, 3]), 1, "SAME"),
     ValueError, ["conv2d", "output channels (3)", "groups"]),
    (lambda: tg.nn.depthwise_conv2d(tg.ones([1, 4, 4, 3]), tg.ones([2, 2, 2, 1]), 1, "SAME"),
     ValueError, ["depthwise_conv2d", "3 channels", "(2, 2, 2, 1)"]),
    (lambda: tg.nn.depthwise_conv2d(tg.ones([4, 4, 3]), tg.ones([2, 2, 3, 1]), 1, "SAME"),
     ValueError, ["depthwise_conv2d", "rank 4", "(4, 4, 3)"]),
    (lambda: tg.nn.conv2d_transpose(tg.ones([1, 2, 2, 3]), tg.ones([3, 3, 5, 3]),
                                    [1, 7, 7, 5], 2), ValueError,
     ["conv2d_transpose", "[1, 7, 7, 5]", "(4, 4)", "(2, 2)"]),
    (lambda: tg.nn.conv2d_transpose(tg.ones([1, 2, 2, 3]), tg.ones([3, 3, 3, 5]),
                                    [1, 4, 4, 5], 2), ValueError,
     ["conv2d_transpose", "(3, 3, 3, 5)", "output channels"]),
    (lambda: tg.nn.conv2d_transpose(tg.ones([1, 2, 2, 3]), tg.ones([3, 3, 5, 3]),
                                    [1, 4, 4], 2), ValueError,
     ["conv2d_transpose", "4 entries"]),
    (lambda: tg.nn.batch_normalization(tg.constant([1, 2]), 0, 1, None, None, 1e-3), TypeError,
     ["batch_normalization", "int32"]),
    (lambda: tg.nn.max_pool1d(tg.ones([4, 3]), 2, 2, "VALID"), ValueError,
     ["max_pool1d", "rank 3", "(4, 3)"]),
    (lambda: tg.nn.avg_pool1d(tg.ones([1, 4, 3]), 2, 2, "FULL"), ValueError,
     ["avg_pool1d", "padding"]),
    (lambda: tg.nn.avg_pool1d(tg.ones([1, 1, 3]), 2, 1, "VALID"), ValueError,
     ["avg_pool1d", "window"]),
])
def test_bad_input_names_the_op_and_the_fix(call, cls, words):
    with pytest.raises(cls) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_strided_slice_slice_and_getitem_record_one_primitive():
    assert "strided_slice" not in REGISTRY and "slice" not in REGISTRY
    x = tg.constant(np.arange(24.0).reshape(2, 3, 4))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a = tg.strided_slice(x, [0, 2, 3], [0, 0, 0], [1, -1, -2], shrink_axis_mask=1,
                             end_mask=6)
        b = x[0, 2::-1, 3::-2]
        c = tg.slice(x, [1, 0, 1], [1, 2, -1])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(c.numpy(), x.numpy()[1:2, 0:2, 1:])
    ga, gb = tape.gradient(a, x), tape.gradient(b, x)
    np.testing.assert_array_equal(ga.numpy(), gb.numpy())


def test_unique_and_bincount_on_empty_input():
    y, idx = tg.unique(tg.zeros([0]))
    assert y.shape == (0,) and idx.shape == (0,) and idx.dtype == np.int32
    assert tg.math.bincount(np.zeros(0, np.int32)).shape == (0,)
    assert tg.math.bincount(np.zeros(0, np.int32), minlength=3).numpy().tolist() == [0, 0, 0]


def test_unique_and_bincount_weights_carry_gradients_tensorflow_has_not():
    x = tg.constant([2.0, 1.0, 2.0, 5.0])
    w = tg.constant([0.5, 1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y, _ = tg.unique(x)
        counts = tg.math.bincount([1, 1, 3], weights=w) * [1.0, 2.0, 3.0, 4.0]
    assert tape.gradient(y, x).numpy().tolist() == [1.0, 1.0, 0.0, 1.0]
    assert tape.gradient(counts, w).numpy().tolist() == [2.0, 2.0, 4.0]


def test_tensor_scatter_nd_update_repeated_rows_last_wins_every_update_gets_its_gradient():
    x = tg.zeros([3])
    u = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch([x, u])
        y = tg.tensor_scatter_nd_update(x, [[1], [1]], u)
        loss = y * [1.0, 5.0, 1.0]
    gx, gu = tape.gradient(loss, [x, u])
    assert y.numpy().tolist() == [0.0, 2.0, 0.0]
    assert gx.numpy().tolist() == [1.0, 0.0, 1.0] and gu.numpy().tolist() == [5.0, 5.0]


def test_clip_by_global_norm_keeps_none_and_indexed_slices_and_gives_nan_for_inf():
    grads = [tg.IndexedSlices(tg.constant([[3.0, 0.0]]), np.array([1]), np.array([4, 2])), None,
             tg.constant([4.0])]
    clipped, norm = tg.clip_by_global_norm(grads, 1.0)
    assert float(norm) == 5.0 and clipped[1] is None
    assert isinstance(clipped[0], tg.IndexedSlices)
    np.testing.assert_allclose(clipped[0].values.numpy(), [[0.6, 0.0]])
    np.testing.assert_allclose(clipped[2].numpy(), [0.8])
    clipped, _ = tg.clip_by_global_norm([tg.constant([np.inf, 1.0])], 1.0)
    assert np.isnan(clipped[0].numpy()).all()


def test_clip_by_norm_of_zero_has_a_finite_gradient():
    x = tg.zeros([3])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.clip_by_norm(x, 1.0)
    assert np.isfinite(tape.gradient(y, x).numpy()).all()


def test_expm_identities_and_nan_for_non_finite_input():
    a = np.array([[0.3, -0.2, 0.1], [0.4, 0.1, -0.3], [0.0, 0.2, -0.1]])
    for scale in (0.01, 1.0, 40.0):
        product = tg.matmul(tg.linalg.expm(a * scale), tg.linalg.expm(-a * scale)).numpy()
        np.testing.assert_allclose(product, np.eye(3), atol=1e-9 * max(1.0, scale))
    d = np.array([[0.5, -1.0], [2.0, 0.0]])
    diagonal = tg.linalg.expm(np.stack([np.diag(d[0]), np.diag(d[1])])).numpy()
    np.testing.assert_allclose(np.diagonal(diagonal, axis1=-2, axis2=-1), np.exp(d), rtol=1e-14)
    assert np.isnan(tg.linalg.expm(np.full((2, 2), np.inf)).numpy()).all()


def test_depthwise_conv2d_nchw_and_grouped_conv2d_agree_with_per_group_convolutions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 5, 5, 4))
    w = rng.standard_normal((3, 3, 4, 2))
    nhwc = tg.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME")
    nchw = tg.nn.depthwise_conv2d(np.transpose(x, (0, 3, 1, 2)), w, [1, 1, 2, 2], "SAME",
                                  data_format="NCHW")
    np.testing.assert_allclose(np.transpose(nchw.numpy(), (0, 2, 3, 1)), nhwc.numpy())
    per_channel = [tg.nn.conv2d(x[..., c:c + 1], w[:, :, c:c + 1, :], 2, "SAME")
                   for c in range(4)]
    np.testing.assert_allclose(nhwc.numpy(), tg.concat(per_channel, -1).numpy(), rtol=1e-12)
