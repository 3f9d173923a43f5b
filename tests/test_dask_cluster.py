"""Training on a dask.distributed cluster: two local workers, lazily generated data.

The cluster (2 worker processes x 1 thread, bound to 127.0.0.1, no dashboard) is started
and closed here. A logistic regression and a small MLP with a softmax cross entropy train
for a few steps on data no process ever holds whole; their parameters must equal the same
steps on the computed NumPy data, and the tasks must have run on both workers.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed", exc_type=ImportError)  # (also: a mismatched dask)

import dask  # noqa: E402  (after the skip: both are optional peers)
import dask.array as da  # noqa: E402

STEPS = 3


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=None, memory_limit="1GiB")
    with cluster, distributed.Client(cluster) as c:
        yield c


def _dataset(rows=40_000, features=8, classes=3, chunk=5_000):
    rng = da.random.default_rng(1)
    x = rng.standard_normal((rows, features), chunks=(chunk, features))
    mix = np.random.default_rng(2).standard_normal((features, classes))
    labels = da.argmax(x @ mix, axis=1)  # lazy integer classes
    return x, labels


def _train(step, params, x, labels):
    opt = tg.optimizers.SGD(0.5)
    for _ in range(STEPS):
        with tg.GradientTape() as tape:
            loss = step(tg.constant(x), tg.constant(labels), *params)
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
    return [p.numpy() for p in params]


def _logistic(x, labels, w, b):
    y = tg.cast(tg.equal(labels, 0), tg.float64)
    logits = tg.linalg.matvec(x, w) + b
    return tg.reduce_mean(tg.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))


def _mlp(x, labels, w1, b1, w2, b2):
    hidden = tg.nn.relu(tg.matmul(x, w1) + b1)
    logits = tg.matmul(hidden, w2) + b2
    return tg.reduce_mean(tg.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))


def _params(shapes):
    rng = np.random.default_rng(3)
    return [tg.Variable(rng.standard_normal(s) * 0.3) for s in shapes]


@pytest.mark.parametrize("model, shapes", [
    (_logistic, [(8,), ()]),
    (_mlp, [(8, 16), (16,), (16, 3), (3,)]),
], ids=["logistic_regression", "mlp_softmax_cross_entropy"])
def test_training_on_a_local_cluster_equals_numpy(client, model, shapes):
    x, labels = _dataset()
    with distributed.get_task_stream(client) as tasks:
        on_cluster = _train(model, _params(shapes), x, labels)
    assert len({t["worker"] for t in tasks.data}) == 2, "the tasks did not use both workers"
    in_memory = _train(model, _params(shapes), *dask.compute(x, labels))
    for got, want in zip(on_cluster, in_memory):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
