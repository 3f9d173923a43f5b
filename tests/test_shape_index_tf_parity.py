"""Shape and indexing ops against TensorFlow itself (skipped without it).

Each case runs the same code on ``tensorflow`` and on ``tapegrad`` (both spelled ``lib``)
in float64 and compares the values, the gradient of a weighted sum of the outputs (and
whether it is an IndexedSlices), and a second-order term.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

tf = pytest.importorskip("tensorflow")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 3))
B = RNG.standard_normal((2, 3, 4))
C = RNG.standard_normal((2, 2, 3, 2))
TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0], [0.0, -1.0, 0.0, 0.0, 2.0]])


def _emb(lib):
    return lib.nn.embedding_lookup if lib is tf else tg.ops.embedding.embedding_lookup


CASES = [
    ("reshape", lambda lib, x: lib.reshape(x, [2, -1, 2]), [B]),
    ("transpose", lambda lib, x: lib.transpose(x, [2, 0, 1]), [B]),
    ("transpose/default", lambda lib, x: lib.transpose(x), [B]),
    ("expand_dims", lambda lib, x: lib.expand_dims(x, -2), [A]),
    ("squeeze", lambda lib, x: lib.squeeze(x[:1, None], [0, 1]), [A]),
    ("concat", lambda lib, x, y: lib.concat([x, y[0], x], axis=0), [A, B[:, :, :3]]),
    ("concat/negative_axis", lambda lib, x, y: lib.concat([x, y], -1), [B, B[..., :2]]),
    ("stack", lambda lib, x, y: lib.stack([x, y, x], axis=1), [A, A * 2]),
    ("stack/negative_axis", lambda lib, x: lib.stack([x, x * x], axis=-1), [A]),
    ("unstack", lambda lib, x: lib.unstack(x, axis=1), [B]),
    ("unstack/partial", lambda lib, x: lib.unstack(x, axis=-1)[2] * 3.0, [B]),
    ("split/int", lambda lib, x: lib.split(x, 2, axis=-1), [B]),
    ("split/sizes", lambda lib, x: lib.split(x, [1, -1, 1], axis=2), [B]),
    ("tile", lambda lib, x: lib.tile(x, [2, 1, 3]), [B]),
    ("broadcast_to", lambda lib, x: lib.broadcast_to(x[:, :1], [2, 4, 3]), [A]),
    ("gather/axis0", lambda lib, x: lib.gather(x, [3, 0, 3]), [A]),
    ("gather/axis0_2d", lambda lib, x: lib.gather(x, [[1, 1], [2, 0]]), [A]),
    ("gather/axis1", lambda lib, x: lib.gather(x, [[2, 0], [1, 1]], axis=1), [B]),
    ("gather/axis-2", lambda lib, x: lib.gather(x, [1, 0], axis=-2), [A]),
    ("gather/batch_dims", lambda lib, x: lib.gather(x, [[1, 2], [0, 0]], axis=2, batch_dims=1),
     [C]),
    ("gather/batch_dims2", lambda lib, x: lib.gather(x, [[[0], [2]], [[1], [1]]], axis=2,
                                                     batch_dims=2), [C]),
    ("gather_nd/depth1", lambda lib, x: lib.gather_nd(x, [[1], [3], [1]]), [A]),
    ("gather_nd/depth2", lambda lib, x: lib.gather_nd(x, [[1, 2], [0, 0], [1, 2]]), [B]),
    ("gather_nd/batch_dims", lambda lib, x: lib.gather_nd(x, [[1, 0], [2, 3]], batch_dims=1),
     [B]),
    ("scatter_nd", lambda lib, u: lib.scatter_nd([[1, 0], [0, 2], [1, 0]], u, [2, 3, 2]),
     [C[0, 0]]),
    ("where", lambda lib, x, y: lib.where(np.array([[True], [False], [True], [True]]), x, y),
     [A, A[0]]),
    ("boolean_mask", lambda lib, x: lib.boolean_mask(x, [True, False, True, True]), [A]),
    ("boolean_mask/2d", lambda lib, x: lib.boolean_mask(x, A > 0), [A]),
    ("boolean_mask/axis", lambda lib, x: lib.boolean_mask(x, [False, True, True], axis=1), [B]),
    ("pad/constant", lambda lib, x: lib.pad(x, [[1, 0], [2, 1]], constant_values=0.5), [A]),
    ("pad/reflect", lambda lib, x: lib.pad(x, [[0, 1], [2, 1], [3, 3]], "REFLECT"), [B]),
    ("pad/symmetric", lambda lib, x: lib.pad(x, [[4, 2], [3, 0]], "SYMMETRIC"), [A]),
    ("reverse", lambda lib, x: lib.reverse(x, [0, -1]), [B]),
    ("sort", lambda lib, x: lib.sort(x), [TIES]),
    ("sort/descending", lambda lib, x: lib.sort(x, direction="DESCENDING"), [TIES]),
    ("sort/axis0", lambda lib, x: lib.sort(x, axis=0), [TIES]),
    ("sort/nonlinear", lambda lib, x: lib.sort(x * x, axis=1, direction="DESCENDING"), [B]),
    ("getitem/strided", lambda lib, x: x[1:, ::-2, None], [B]),
    ("getitem/ellipsis", lambda lib, x: x[..., 1, ::2], [B]),
    ("getitem/int", lambda lib, x: x[-1, 1:], [A]),
    ("embedding", lambda lib, x: _emb(lib)(x, [[2, 0], [2, 3]]), [A]),
    ("embedding/max_norm", lambda lib, x: _emb(lib)(x, [2, 0, 2], max_norm=1.0), [A]),
    ("embedding/sharded", lambda lib, x, y: _emb(lib)([x, y], [4, 0, 3, 4, 2]), [A[:3], A[:2]]),
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
        grads = tape.gradient(loss, xs)
        kinds = [type(g).__name__ for g in grads]
        dense = [lib.convert_to_tensor(g) for g in grads]
        second = lib.reduce_sum(sum(lib.reduce_sum(d * d) for d in dense) * loss)
    hess = outer.gradient(second, xs, unconnected_gradients="zero")
    return ([o.numpy() for o in outs], [d.numpy() for d in dense], kinds,
            [lib.convert_to_tensor(h).numpy() for h in hess])


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=[c[0] for c in CASES])
def test_matches_tensorflow(name, fn, inputs):
    outs, grads, kinds, hess = _run(tg, fn, inputs, seed=1)
    tf_outs, tf_grads, tf_kinds, tf_hess = _run(tf, fn, inputs, seed=1)
    assert len(outs) == len(tf_outs)
    for o, t in zip(outs, tf_outs):
        assert o.shape == t.shape and o.dtype == t.dtype
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12)
    for g, t in zip(grads, tf_grads):
        np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-12)
    assert ["IndexedSlices" in k for k in kinds] == ["IndexedSlices" in k for k in tf_kinds]
    for h, t in zip(hess, tf_hess):
        np.testing.assert_allclose(h, t, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.argsort(TIES, direction="DESCENDING"),
    lambda lib: lib.argsort(TIES, axis=0),
    lambda lib: lib.one_hot([[0, 3], [-1, 2]], 3, axis=0),
    lambda lib: lib.one_hot([1, 0], 2, on_value=3.0, off_value=-1.0, dtype=lib.float64),
    lambda lib: lib.where(TIES > 0.5),
    lambda lib: lib.split(np.arange(10), [3, -1, 2])[1],
], ids=["argsort/desc", "argsort/axis0", "one_hot/axis0", "one_hot/values", "where/indices",
        "split/int"])
def test_nondifferentiable_values_match_tensorflow(fn):
    got, expected = fn(tg), fn(tf)
    assert got.dtype == expected.dtype.as_numpy_dtype
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
