"""The ops TensorFlow programs use beyond the core families, against TensorFlow itself.

Skipped without TensorFlow. Each case runs the same code on ``tensorflow`` and on
``tapegrad`` (both spelled ``lib``) in float64 and compares the values, the gradient of a
weighted sum of the outputs, and a second-order term, as tests/test_shape_index_tf_parity.py.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import tapegrad as tg

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 3))
B = RNG.standard_normal((2, 3, 4))
SQ = RNG.standard_normal((2, 3, 3)) * 0.7
V3 = RNG.standard_normal((2, 3))
IMG = RNG.standard_normal((2, 5, 5, 4))
SIG = RNG.standard_normal((2, 7, 3))
TALL = RNG.standard_normal((5, 3))
WIDE = RNG.standard_normal((2, 4))


def _scatter_max(lib, x, u):
    return lib.tensor_scatter_nd_max(x, [[1], [3], [1]], u)


CASES = [
    # tensor_scatter_nd_*
    ("tensor_scatter_nd_update", lambda lib, x, u: lib.tensor_scatter_nd_update(
        x, [[1], [3]], u), [A, A[:2] * 2]),
    ("tensor_scatter_nd_update/entries", lambda lib, x, u: lib.tensor_scatter_nd_update(
        x, [[1, 2], [0, 0], [2, 3]], u), [B[0], B[1, 0, :3]]),
    ("tensor_scatter_nd_add", lambda lib, x, u: lib.tensor_scatter_nd_add(
        x, [[1, 0], [0, 2], [1, 0]], u), [B, B[0, :3]]),
    ("tensor_scatter_nd_sub", lambda lib, x, u: lib.tensor_scatter_nd_sub(
        x, [[3], [0], [3]], u), [A, A[1:]]),
    ("tensor_scatter_nd_max", _scatter_max, [A, A[:3] + 0.5]),
    ("tensor_scatter_nd_min", lambda lib, x, u: lib.tensor_scatter_nd_min(
        x, [[0, 1], [2, 2], [0, 1]], u), [A, np.array([-0.5, 0.3, -2.0])]),
    # slicing
    ("slice", lambda lib, x: lib.slice(x, [1, 0, 1], [1, -1, 2]), [B]),
    ("strided_slice", lambda lib, x: lib.strided_slice(x, [0, 3, 0], [2, 0, 4], [1, -1, 2]),
     [B]),
    ("strided_slice/masks", lambda lib, x: lib.strided_slice(
        x, [1, 5, 1], [0, 0, 3], [1, -2, 1], begin_mask=1, end_mask=3), [B]),
    ("strided_slice/shrink_new_axis", lambda lib, x: lib.strided_slice(
        x, [0, 1, 0, -1], [0, 2, 0, 0], [1, 1, 1, 1], new_axis_mask=1, shrink_axis_mask=10),
     [B]),
    ("strided_slice/ellipsis", lambda lib, x: lib.strided_slice(
        x, [0, 1], [0, 3], [1, 1], ellipsis_mask=1), [B]),
    ("strided_slice/ellipsis_shrink", lambda lib, x: lib.strided_slice(
        x, [1, 0, 2], [2, 0, 3], ellipsis_mask=2, shrink_axis_mask=5), [B]),
    # rearranging
    ("roll", lambda lib, x: lib.roll(x, [1, -3, 2], [0, 2, 0]), [B]),
    ("repeat/axis", lambda lib, x: lib.repeat(x, [2, 0, 1, 3], axis=0), [A]),
    ("repeat/flat", lambda lib, x: lib.repeat(x, 2), [A]),
    ("meshgrid/xy", lambda lib, x, y: lib.meshgrid(x, y), [A[0], B[0, 0]]),
    ("meshgrid/ij", lambda lib, x, y: lib.meshgrid(x, y, x, indexing="ij"), [A[0], B[0, 0]]),
    ("add_n", lambda lib, x, y: lib.add_n([x, y, x]), [A, A * 3]),
    # clipping
    ("clip_by_norm", lambda lib, x: lib.clip_by_norm(x, 1.5), [A]),
    ("clip_by_norm/axes", lambda lib, x: lib.clip_by_norm(x, 1.0, axes=[1]), [A]),
    ("global_norm", lambda lib, x, y: lib.linalg.global_norm([x, None, y]), [A, B]),
    ("clip_by_global_norm", lambda lib, x, y: lib.clip_by_global_norm([x, y], 2.0)[0],
     [A, B]),
    ("clip_by_global_norm/norm", lambda lib, x, y: lib.clip_by_global_norm([x, y], 2.0)[1],
     [A, B]),
    # math
    ("cumulative_logsumexp", lambda lib, x: lib.math.cumulative_logsumexp(x, axis=1), [B]),
    ("cumulative_logsumexp/exclusive_reverse", lambda lib, x: lib.math.cumulative_logsumexp(
        x, axis=-1, exclusive=True, reverse=True)[..., :-1], [B]),
    ("cumulative_logsumexp/wide_range", lambda lib, x: lib.math.cumulative_logsumexp(
        x * 300.0, axis=0), [A]),
    # linalg
    ("lstsq/tall", lambda lib, a, b: lib.linalg.lstsq(a, b), [TALL, A[:1].T.repeat(5, 0)[:5]]),
    ("lstsq/wide_l2", lambda lib, a, b: lib.linalg.lstsq(a, b, l2_regularizer=0.1),
     [WIDE, A[:2, :2]]),
    ("pinv", lambda lib, a: lib.linalg.pinv(a), [TALL]),
    ("expm", lambda lib, a: lib.linalg.expm(a), [SQ]),
    ("expm/large", lambda lib, a: lib.linalg.expm(a * 4.0), [SQ]),
    ("band_part", lambda lib, x: lib.linalg.band_part(x, 1, 0), [B]),
    ("band_part/upper", lambda lib, x: lib.linalg.band_part(x, -1, 2), [B]),
    ("cross", lambda lib, a, b: lib.linalg.cross(a, b), [V3, V3[::-1] * 2]),
    ("normalize", lambda lib, x: lib.linalg.normalize(x, axis=1), [A]),
    ("normalize/ord1", lambda lib, x: lib.linalg.normalize(x, ord=1), [A]),
    ("diag_part/band", lambda lib, x: lib.linalg.diag_part(x, k=(-1, 2)), [B]),
    ("diag_part/band_left_right", lambda lib, x: lib.linalg.diag_part(
        x, k=(-2, 1), align="LEFT_RIGHT", padding_value=0.5), [B]),
    ("diag/band", lambda lib, d: lib.linalg.diag(d, k=(-1, 1)), [B[:, :, :3]]),
    ("diag/band_rect", lambda lib, d: lib.linalg.diag(d, k=(0, 1), num_rows=3, num_cols=4,
                                                      align="LEFT_LEFT"), [B[:, 1:, :3]]),
    # nn
    ("conv2d_transpose", lambda lib, x, w: lib.nn.conv2d_transpose(
        x, w, [2, 5, 5, 3], 2, "SAME"), [IMG[:, :3, :3], IMG[0, :3, :3, :3, None].repeat(4, -1)]),
    ("conv2d_transpose/valid", lambda lib, x, w: lib.nn.conv2d_transpose(
        x, w, [2, 5, 5, 3], [1, 2, 1, 1], "VALID"),
     [IMG[:, :2, :3], IMG[0, :2, :3, :3, None].repeat(4, -1)]),
    ("depthwise_conv2d", lambda lib, x, w: lib.nn.depthwise_conv2d(
        x, w, [1, 1, 1, 1], "SAME"), [IMG, IMG[0, :3, :2, :, None].repeat(2, -1)]),
    ("depthwise_conv2d/stride_dilation", lambda lib, x, w: lib.nn.depthwise_conv2d(
        x, w, [1, 2, 2, 1], "VALID", dilations=[1, 1]), [IMG, IMG[1, :2, :2, :, None]]),
    ("batch_normalization", lambda lib, x, m, v, o, s: lib.nn.batch_normalization(
        x, m, v * v + 0.5, o, s, 1e-3), [IMG, A[0, :1], IMG[0, 0, :4, 0], A[1, :1], A[2, :1]]),
    ("batch_normalization/none", lambda lib, x, m, v: lib.nn.batch_normalization(
        x, m, v * v + 0.5, None, None, 1e-3), [A, A[0], A[1]]),
    ("max_pool1d", lambda lib, x: lib.nn.max_pool1d(x, 3, 2, "SAME"), [SIG]),
    ("avg_pool1d", lambda lib, x: lib.nn.avg_pool1d(x, 2, 1, "VALID"), [SIG]),
    ("avg_pool1d/same", lambda lib, x: lib.nn.avg_pool1d(x, [1, 3, 1], [1, 2, 1], "SAME"),
     [SIG]),
]


def _outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _run(lib, fn, inputs, seed):
    xs = [lib.constant(x) for x in inputs]
    with lib.GradientTape(persistent=True) as outer:
        outer.watch(xs)
        with lib.GradientTape(persistent=True) as tape:
            tape.watch(xs)
            outs = _outputs(fn(lib, *xs))
            rng = np.random.default_rng(seed)
            weights = [rng.standard_normal(tuple(o.shape)) for o in outs]
            loss = sum(lib.reduce_sum(o * w) for o, w in zip(outs, weights))
        grads = tape.gradient(loss, xs, unconnected_gradients="zero")
        dense = [lib.convert_to_tensor(g) for g in grads]
        second = lib.reduce_sum(sum(lib.reduce_sum(d * d) for d in dense) * loss)
    hess = outer.gradient(second, xs, unconnected_gradients="zero")
    return ([o.numpy() for o in outs], [d.numpy() for d in dense],
            [lib.convert_to_tensor(h).numpy() for h in hess])


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=[c[0] for c in CASES])
def test_matches_tensorflow(name, fn, inputs):
    outs, grads, hess = _run(tg, fn, inputs, seed=1)
    tf_outs, tf_grads, tf_hess = _run(tf, fn, inputs, seed=1)
    assert len(outs) == len(tf_outs)
    for o, t in zip(outs, tf_outs):
        assert o.shape == t.shape and o.dtype == t.dtype
        np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-10)
    for g, t in zip(grads, tf_grads):
        np.testing.assert_allclose(g, t, rtol=1e-8, atol=1e-10)
    for h, t in zip(hess, tf_hess):
        np.testing.assert_allclose(h, t, rtol=1e-7, atol=1e-9)


def _grouped_tf(x, w, groups, strides, padding):
    """TensorFlow has no float64 gradient for grouped conv2d on the CPU: one conv2d per group."""
    xs, ws = tf.split(x, groups, axis=-1), tf.split(w, groups, axis=-1)
    return tf.concat([tf.nn.conv2d(a, b, strides, padding) for a, b in zip(xs, ws)], -1)


@pytest.mark.parametrize("dtype,strides,padding", [
    (np.float64, 1, "SAME"), (np.float64, [1, 2, 1, 1], "VALID"), (np.float32, 2, "SAME")])
def test_grouped_conv2d_matches_tensorflow(dtype, strides, padding):
    x = IMG.astype(dtype)
    w = RNG.standard_normal((3, 2, 2, 6)).astype(dtype)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-4)
    weights = RNG.standard_normal((2, 5, 5, 6))

    def run(lib, conv):
        xs = [lib.constant(x), lib.constant(w)]
        with lib.GradientTape() as tape:
            tape.watch(xs)
            y = conv(*xs)
            loss = lib.reduce_sum(y * lib.constant(weights[:, :y.shape[1], :y.shape[2]], dtype))
        return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, xs)]

    got = run(tg, lambda a, b: tg.nn.conv2d(a, b, strides, padding))
    direct = tf.nn.conv2d(x, w, strides, padding).numpy()  # TensorFlow's grouped forward
    if dtype == np.float64:
        expected = run(tf, lambda a, b: _grouped_tf(a, b, 2, strides, padding))
    else:  # oneDNN's float32 kernels have the gradients
        expected = run(tf, lambda a, b: tf.nn.conv2d(a, b, strides, padding))
    np.testing.assert_allclose(got[0], direct, **tol)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, **tol)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.unique([3, 1, 3, 2, 1, 7])[1],
    lambda lib: lib.unique(np.array([2.0, -1.0, 2.0]), out_idx=lib.int64)[0],
    lambda lib: lib.unique(np.array([np.nan, 1.0, np.nan, -0.0, 0.0]))[1],
    lambda lib: lib.searchsorted([[1.0, 2.0, 3.0], [0.0, 5.0, 9.0]], [[2.5, 2.0], [9.0, -1.0]]),
    lambda lib: lib.searchsorted([1, 2, 2, 3], [2, 4], side="right", out_type=lib.int64),
    lambda lib: lib.searchsorted([1.0, 2.0], [[1.5, 3.0]]),
    lambda lib: lib.sequence_mask([1, 3, 0]),
    lambda lib: lib.sequence_mask([[1, 2], [0, 4]], maxlen=3, dtype=lib.float32),
    lambda lib: lib.math.count_nonzero(np.array([[0.0, 1.0], [2.0, 0.0], [3.0, 4.0]]), axis=0),
    lambda lib: lib.math.count_nonzero(np.array([[0, 1], [2, 0]]), keepdims=True,
                                       dtype=lib.int32),
    lambda lib: lib.math.bincount(np.array([1, 1, 4, 0])),
    lambda lib: lib.math.bincount(np.array([1, 1, 4, 0]), minlength=7, dtype=lib.float32),
    lambda lib: lib.math.bincount(np.array([1, 1, 4, 0]), maxlength=3),
    lambda lib: lib.math.bincount(np.array([1, 1, 4]), weights=np.array([0.5, 1.0, 2.0])),
    lambda lib: lib.math.bincount(np.array([[1, 1], [0, 2]]), axis=-1),
    lambda lib: lib.math.bincount(np.array([1, 1, 3]), binary_output=True),
    lambda lib: lib.math.floormod(np.array([-7, 7]), np.array([3, -3])),
    lambda lib: lib.math.logical_xor(np.array([True, False]), np.array([True, True])),
    lambda lib: lib.roll(np.arange(6).reshape(2, 3), 1, 1),
    lambda lib: lib.repeat(np.array([[1, 2], [3, 4]]), 2, axis=1),
], ids=["unique/idx", "unique/int64", "unique/nan", "searchsorted", "searchsorted/right",
        "searchsorted/rows",
        "sequence_mask", "sequence_mask/float", "count_nonzero", "count_nonzero/int", "bincount",
        "bincount/minlength", "bincount/maxlength", "bincount/weights", "bincount/axis",
        "bincount/binary", "floormod", "logical_xor", "roll/int", "repeat/int"])
def test_values_match_tensorflow(fn):
    got, expected = fn(tg), fn(tf)
    assert got.dtype == expected.dtype.as_numpy_dtype
    assert got.shape == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_float32_expm_matches_tensorflow():
    a = (SQ * 3).astype(np.float32)
    np.testing.assert_allclose(tg.linalg.expm(a).numpy(), tf.linalg.expm(a).numpy(), rtol=2e-5,
                               atol=1e-5)


def test_strided_slice_masks_match_tensorflow_on_random_specs():
    """Random begin/end/strides and masks: the same values, or an error where TensorFlow errs."""
    rng = np.random.default_rng(1)
    x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    for _ in range(250):
        k = int(rng.integers(1, 6))
        spec = [rng.integers(-6, 6, k).tolist(), rng.integers(-6, 6, k).tolist(),
                rng.choice([-2, -1, 1, 2, 3], k).tolist()]
        masks = [int(rng.integers(0, 2 ** k)) for _ in range(5)]
        masks[2] = 0 if rng.random() < 0.6 else int(1 << rng.integers(0, k))
        try:
            expected = tf.strided_slice(x, *spec, *masks).numpy()
        except (tf.errors.InvalidArgumentError, ValueError):
            with pytest.raises((ValueError, IndexError), match="strided_slice"):
                tg.strided_slice(x, *spec, *masks)
            continue
        got = tg.strided_slice(x, *spec, *masks).numpy()
        assert got.shape == expected.shape, (spec, masks)
        np.testing.assert_array_equal(got, expected)


def test_slice_matches_tensorflow_on_random_specs():
    rng = np.random.default_rng(2)
    x = np.arange(3 * 4 * 2).reshape(3, 4, 2)
    for _ in range(120):
        begin = rng.integers(-1, 5, 3).tolist()
        size = rng.integers(-2, 5, 3).tolist()
        try:
            expected = tf.slice(x, begin, size).numpy()
        except (tf.errors.InvalidArgumentError, ValueError):
            with pytest.raises((ValueError, IndexError), match="slice"):
                tg.slice(x, begin, size)
            continue
        np.testing.assert_array_equal(tg.slice(x, begin, size).numpy(), expected)
