"""Engine reliability: reference cycles, threads, tape semantics, nests, multi-result ops,
reachability and sparse gradients. Each behaviour is checked without TensorFlow (closed forms),
and against TensorFlow when it is installed."""

from __future__ import annotations

import gc
import os
import sys
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import tapegrad as tg


@pytest.fixture
def tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("tensorflow")


@pytest.fixture
def no_gc():
    """Python's cycle collector off: only reference counting frees objects."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- item 1: no reference cycles -----------------------------------------------------------
def test_item01_gradient_is_freed_by_reference_counting(no_gc):
    w = tg.Variable(np.ones((100, 100), np.float32))
    with tg.GradientTape() as t:
        loss = tg.reduce_sum(w * w)
    g = t.gradient(loss, w)
    r = weakref.ref(g)
    del g, t, loss
    assert r() is None


def test_item01_nest_round_trip_creates_no_cycle(no_gc):
    from tapegrad._core import nest

    leaf = tg.constant(1.0)
    r = weakref.ref(leaf)
    leaves, treedef = nest.flatten({"b": [leaf, (leaf,)], "a": {"c": leaf}})
    nest.unflatten(treedef, leaves)
    del leaf, leaves, treedef
    assert r() is None
    assert gc.collect() == 0


def _x():
    return tg.constant([0.5, 1.0, 2.0])


def _op_gradient():
    w = tg.Variable(np.ones((3, 3), np.float32))
    with tg.GradientTape() as t:
        loss = tg.reduce_sum(tg.sin(w) * w)
    t.gradient(loss, {"w": w, "pair": [w]})


def _op_jacobian():
    x = _x()
    with tg.GradientTape() as t:
        t.watch(x)
        y = tg.sin(x) * x
    t.jacobian(y, [x])


def _op_batch_jacobian():
    x = tg.reshape(_x(), (3, 1))
    with tg.GradientTape() as t:
        t.watch(x)
        y = tg.sin(x)
    t.batch_jacobian(y, x)


def _op_persistent_tape_deleted():
    x = _x()
    with tg.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tg.reduce_sum(tg.exp(x))
    t.gradient(y, x)
    t.jacobian(tg.sin(x), x)
    t.jacobian(y, x, experimental_use_pfor=False)
    del t


def _op_second_order():
    x = _x()
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = tg.reduce_sum(tg.sin(x))
        g = inner.gradient(y, x)
    outer.gradient(g, x)


def _op_forward_accumulator():
    x = _x()
    with tg.autodiff.ForwardAccumulator({"x": x}, {"x": tg.ones_like(x)}) as acc:
        y = tg.sin(x) * x
    acc.jvp({"y": y, "list": [y]})


def _op_forward_over_reverse():
    x = _x()
    with tg.autodiff.ForwardAccumulator(x, tg.ones_like(x)) as acc:
        with tg.GradientTape() as t:
            t.watch(x)
            y = tg.reduce_sum(tg.sin(x) * x)
        g = t.gradient(y, x)
    acc.jvp(g)


def _f(x):
    return tg.reduce_sum(tg.sin(x) * x)


def _op_grad():
    tg.grad(_f)(_x())


def _op_value_and_grad():
    tg.value_and_grad(_f)({"a": _x(), "b": _x()}["a"])


def _op_functional_jacobian():
    tg.jacobian(tg.sin)(_x())
    tg.jacobian(tg.sin, mode="fwd")(_x())


def _op_hessian():
    tg.hessian(_f)(_x())
    tg.hessian(_f, mode="fwd")(_x())


def _op_vjp():
    y, vjp_fn = tg.vjp(tg.sin, _x())
    vjp_fn(tg.ones_like(y))


def _op_jvp():
    tg.jvp(tg.sin, (_x(),), (tg.ones_like(_x()),))


@tg.custom_gradient
def _clipped(x):
    return tg.identity(x), lambda dy: tg.clip_by_value(dy, -1.0, 1.0)


def _op_custom_gradient():
    x = _x()
    with tg.GradientTape() as t:
        t.watch(x)
        y = tg.reduce_sum(_clipped(x) * 3.0)
    t.gradient(y, x)


_recomputed = tg.recompute_grad(lambda x: tg.sin(x) * x)


def _op_recompute_grad():
    x = _x()
    with tg.GradientTape() as t:
        t.watch(x)
        y = tg.reduce_sum(_recomputed(x))
    t.gradient(y, x)


def _optimizer_op(cls, how):
    def run():
        w = tg.Variable(np.ones((3, 2), np.float32))
        opt = cls(0.1)
        for _ in range(2):  # the first update creates the state, the second reuses it
            if how == "minimize":
                opt.minimize(lambda: tg.reduce_sum(w * w), [w])
                continue
            with tg.GradientTape() as t:
                loss = tg.reduce_sum(tg.gather(w, [0, 2]) if how == "sparse" else w * w)
            grads = t.gradient(loss, [w])
            opt.apply_gradients(zip(grads, [w]))

    return run


OPERATIONS = {
    "gradient": _op_gradient,
    "jacobian": _op_jacobian,
    "batch_jacobian": _op_batch_jacobian,
    "persistent_tape_deleted": _op_persistent_tape_deleted,
    "second_order": _op_second_order,
    "forward_accumulator": _op_forward_accumulator,
    "forward_over_reverse": _op_forward_over_reverse,
    "grad": _op_grad,
    "value_and_grad": _op_value_and_grad,
    "functional_jacobian": _op_functional_jacobian,
    "hessian": _op_hessian,
    "vjp": _op_vjp,
    "jvp": _op_jvp,
    "custom_gradient": _op_custom_gradient,
    "recompute_grad": _op_recompute_grad,
}
for _cls in (tg.optimizers.SGD, tg.optimizers.Adam, tg.optimizers.AdamW,
             tg.optimizers.RMSprop, tg.optimizers.Adagrad):
    for _how in ("apply_gradients", "minimize", "sparse"):
        OPERATIONS[f"{_cls.__name__}.{_how}"] = _optimizer_op(_cls, _how)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_item01_public_operations_leave_no_garbage_cycles(name, no_gc):
    OPERATIONS[name]()
    assert gc.collect() == 0


def test_item01_training_loop_memory_stays_flat_without_the_cycle_collector(no_gc):
    w = tg.Variable(np.full((64, 64), 0.01, np.float32))  # 16 KiB: a leak shows in MiB
    opt = tg.optimizers.Adam(0.01)
    tracemalloc.start()
    try:
        for step in range(1000):
            with tg.GradientTape() as t:
                loss = tg.reduce_sum(tg.tanh(tg.matmul(w, w)))
            grads = t.gradient(loss, [w])
            opt.apply_gradients(zip(grads, [w]))
            if step == 99:
                start = tracemalloc.get_traced_memory()[0]
        growth = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert growth < 1 << 20, f"memory grew by {growth} bytes over 900 steps"


# --- item 2: threads -----------------------------------------------------------------------
def test_item02_variable_operators_from_many_threads():
    v = tg.Variable([1.0, 2.0])
    errors: list = []

    def work():
        try:
            for _ in range(15000):
                v + 1.0
        except Exception as err:  # noqa: BLE001 - any exception is the failure reported
            errors.append(repr(err))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: races show within a few thousand ops
    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


# --- item 6: a target that is a source -----------------------------------------------------
def test_item06_variable_target_that_is_a_source_has_gradient_one():
    v, w = tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape() as t:
        pass
    gv, gw = t.gradient(v, [v, w])
    assert float(gv) == 1.0 and gw is None
    with tg.GradientTape(watch_accessed_variables=False) as t:
        w * 2.0
    gv, gw = t.gradient(v, [v, w])
    assert float(gv) == 1.0 and gw is None


def test_item06_tensor_target_that_is_a_source():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as t:
        t.watch(x)
    np.testing.assert_array_equal(t.gradient(x, x).numpy(), [1.0, 1.0])
    with tg.GradientTape() as t:
        t.watch(x)
    g = t.gradient(x, x, output_gradients=tg.constant([5.0, 6.0]))
    np.testing.assert_array_equal(g.numpy(), [5.0, 6.0])
    with tg.GradientTape() as t:  # not watched: its own target still (TensorFlow)
        pass
    np.testing.assert_array_equal(t.gradient(x, x).numpy(), [1.0, 1.0])
    v, w = tg.Variable(2.0), tg.Variable(3.0)
    with tg.GradientTape() as t:
        y = v * w
    gv, gw = t.gradient([v, y], [v, w])  # 1 (itself) + w, and v
    assert (float(gv), float(gw)) == (4.0, 2.0)


def test_item06_jacobians_of_a_target_that_is_a_source():
    x = tg.constant([1.0, 2.0])
    v = tg.Variable([2.0, 1.0])
    with tg.GradientTape(persistent=True) as t:
        t.watch(x)
    np.testing.assert_array_equal(t.jacobian(x, x).numpy(), np.eye(2))
    np.testing.assert_array_equal(t.jacobian(v, v).numpy(), np.eye(2))
    np.testing.assert_array_equal(t.jacobian(v, v, experimental_use_pfor=False).numpy(),
                                  np.eye(2))
    with tg.GradientTape(persistent=True) as t:  # x unknown to this tape: connected to nothing
        pass
    assert t.jacobian(x, x) is None
    np.testing.assert_array_equal(t.jacobian(x, x, unconnected_gradients="zero").numpy(),
                                  np.zeros((2, 2)))
    xb = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(t.batch_jacobian(xb, xb).numpy(), np.zeros((2, 2, 2)))
    with tg.GradientTape(persistent=True) as t:
        t.watch(xb)
    np.testing.assert_array_equal(t.batch_jacobian(xb, xb).numpy(), [np.eye(2)] * 2)


def test_item06_target_that_is_a_source_against_tensorflow(tf):
    def run(m):
        v, w = m.Variable(2.0), m.Variable(3.0)
        x = m.constant([1.0, 2.0])
        vb = m.Variable([[1.0, 2.0], [3.0, 4.0]])
        out = []
        with m.GradientTape() as t:
            pass
        out.append(t.gradient(v, [v, w]))
        with m.GradientTape() as t:
            t.watch(x)
        out.append([t.gradient(x, x)])
        with m.GradientTape() as t:
            pass
        out.append([t.gradient(x, x)])
        with m.GradientTape(persistent=True) as t:
            pass
        out.append([t.jacobian(x, x), t.jacobian(vb, vb), t.batch_jacobian(vb, vb)])
        return [[None if g is None else np.asarray(g) for g in row] for row in out]

    for ours, theirs in zip(run(tg), run(tf)):
        for a, b in zip(ours, theirs):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a, b)


# --- item 11: a spent tape entered again ---------------------------------------------------
def test_item11_spent_tape_entered_again_records_afresh():
    x = tg.constant([1.0, 2.0])
    v = tg.Variable(2.0)
    t = tg.GradientTape()
    with t:
        t.watch(x)
        y = x * x * v
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [4.0, 8.0])
    assert len(t.watched_variables()) == 1
    with t:
        assert t.watched_variables() == ()  # a fresh recording
        t.watch(x)
        z = x * 3.0
    np.testing.assert_array_equal(t.gradient(z, x).numpy(), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="non-persistent"):
        t.gradient(z, x)
    with t:
        w = y * 3.0  # y was recorded before: the fresh recording does not know it
    assert t.gradient(w, x) is None


def test_item11_spent_tape_reuse_against_tensorflow(tf):
    def run(m):
        x = m.constant([1.0, 2.0])
        t = m.GradientTape()
        out = []
        with t:
            t.watch(x)
            y = x * x
            out.append(t.gradient(y, x))  # inside the block: the tape stops there
        with t:
            t.watch(x)
            z = x * 3.0
        out.append(t.gradient(z, x))
        with t:
            t.watch(x)
            z = x * x * x
        out.append(t.jacobian(z, x))
        return [np.asarray(g) for g in out]

    for a, b in zip(run(tg), run(tf)):
        np.testing.assert_array_equal(a, b)


# --- item 12: dict key order ---------------------------------------------------------------
def test_item12_dicts_come_back_in_insertion_order():
    b, a = tg.constant(2.0), tg.constant(3.0)
    src = {"b": b, "a": a}
    with tg.GradientTape(persistent=True) as t:
        t.watch(src)
        y = a * b
    assert list(t.gradient(y, src)) == ["b", "a"]
    assert list(t.gradient({"z": y, "c": y}, src)) == ["b", "a"]
    assert list(t.jacobian(y, src)) == ["b", "a"]
    g = t.gradient(y, src)
    assert (float(g["b"]), float(g["a"])) == (3.0, 2.0)

    def f(d):
        return d["b"] * d["a"] * 2.0

    assert list(tg.grad(f)(src)) == ["b", "a"]
    assert list(tg.value_and_grad(f)(src)[1]) == ["b", "a"]
    for mode in ("rev", "fwd"):
        assert list(tg.jacobian(f, mode=mode)(src)) == ["b", "a"]
    h = tg.hessian(f)(src)
    assert list(h) == ["b", "a"] and list(h["b"]) == ["b", "a"]
    assert float(h["b"]["a"]) == 2.0

    def g2(d):
        return {"z": d["b"] * 2.0, "c": d["a"]}

    assert list(tg.jacobian(g2)(src)) == ["z", "c"]
    out, vjp_fn = tg.vjp(g2, src)
    assert list(out) == ["z", "c"]
    assert list(vjp_fn({"c": tg.constant(1.0), "z": tg.constant(1.0)})[0]) == ["b", "a"]
    out, tangent = tg.jvp(g2, (src,), ({"a": tg.constant(1.0), "b": tg.constant(5.0)},))
    assert list(tangent) == ["z", "c"] and float(tangent["z"]) == 10.0
    with tg.autodiff.ForwardAccumulator(src, {"a": tg.constant(1.0), "b": tg.constant(0.0)}) as acc:
        y = a * b
    jv = acc.jvp({"z": y, "c": y})
    assert list(jv) == ["z", "c"] and float(jv["z"]) == 2.0


def test_item12_dict_order_against_tensorflow(tf):
    def run(m):
        b, a = m.Variable(2.0), m.Variable(3.0)
        with m.GradientTape(persistent=True) as t:
            y = a * b
        x = m.constant(1.0)
        with m.autodiff.ForwardAccumulator({"x": x}, {"x": m.constant(1.0)}) as acc:
            z = x * 2.0
        return [list(t.gradient({"q": y, "p": y}, {"b": b, "a": a})),
                list(t.jacobian(y, {"z": b, "c": a})), list(acc.jvp({"k": z, "j": z}))]

    assert run(tg) == run(tf)


# --- item 16: multi-result ops with a single output ----------------------------------------
def test_item16_unstack_along_a_length_one_axis():
    x = tg.constant(np.arange(16.0).reshape(2, 2, 4, 1))
    w = tg.constant(np.arange(16.0).reshape(2, 2, 4) + 1)
    with tg.GradientTape() as t:
        t.watch(x)
        y = tg.reduce_sum(tg.unstack(x, axis=3)[0] * w)
    np.testing.assert_array_equal(t.gradient(y, x).numpy().ravel(), np.arange(1.0, 17.0))


def test_item16_split_into_one_piece():
    x = tg.constant(np.arange(6.0).reshape(2, 1, 3))
    with tg.GradientTape() as t:
        t.watch(x)
        y = tg.reduce_sum(tg.split(x, 1, axis=0)[0] ** 2)
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), 2 * np.arange(6.0).reshape(2, 1, 3))


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_item16_single_piece_jacobian_hessian_and_forward_mode(mode):
    x0 = tg.constant(np.arange(16.0).reshape(2, 2, 4, 1) / 4)
    w = tg.constant(np.arange(16.0).reshape(2, 2, 4) + 1)
    flat = np.arange(16.0) / 4
    weights = np.arange(16.0) + 1

    def f(x):
        return tg.reduce_sum(tg.sin(tg.unstack(x, axis=3)[0]) * w)

    def g(x):
        return tg.sin(tg.split(x, 1, axis=3)[0]) * 2.0

    np.testing.assert_allclose(tg.jacobian(f, mode=mode)(x0).numpy().ravel(),
                               np.cos(flat) * weights)
    np.testing.assert_allclose(tg.jacobian(g, mode=mode)(x0).numpy().reshape(16, 16),
                               np.diag(2 * np.cos(flat)))
    np.testing.assert_allclose(tg.hessian(f, mode=mode)(x0).numpy().reshape(16, 16),
                               np.diag(-np.sin(flat) * weights))
    with tg.autodiff.ForwardAccumulator(x0, tg.ones_like(x0)) as acc:
        y = g(x0)
    np.testing.assert_allclose(acc.jvp(y).numpy().ravel(), 2 * np.cos(flat))
    with tg.GradientTape() as t:
        t.watch(x0)
        y = g(x0)
    expected = np.stack([np.diag(2 * np.cos(flat[:8])), np.diag(2 * np.cos(flat[8:]))])
    np.testing.assert_allclose(t.batch_jacobian(y, x0).numpy().reshape(2, 8, 8), expected)


def test_item16_single_piece_against_tensorflow(tf):
    def run(m):
        x = m.constant(np.arange(16.0).reshape(2, 2, 4, 1))
        w = m.constant(np.arange(16.0).reshape(2, 2, 4) + 1)
        with m.GradientTape(persistent=True) as t:
            t.watch(x)
            y = m.reduce_sum(m.unstack(x, axis=3)[0] * w)
            p = m.split(x, 1, axis=0)[0] * 3.0
        return t.gradient(y, x).numpy(), t.jacobian(p, x).numpy()

    for a, b in zip(run(tg), run(tf)):
        np.testing.assert_array_equal(a, b)


# --- item 19: reachability respects differentiability --------------------------------------
def test_item19_empty_target_through_a_non_differentiable_op():
    x = tg.constant([1.5, 2.5])
    with tg.GradientTape(persistent=True) as t:
        t.watch(x)
        through_floor = tg.floor(x)[:0]
        through_mul = (x * 2.0)[:0]
        through_floor_full = tg.floor(x) * 2.0
    assert t.jacobian(through_floor, x) is None
    assert t.jacobian(through_mul, x).shape == (0, 2)
    assert t.gradient(through_floor_full, x) is None
    np.testing.assert_array_equal(
        t.jacobian(through_floor, x, unconnected_gradients="zero").numpy(), np.zeros((0, 2)))


def test_item19_empty_target_against_tensorflow(tf):
    def run(m):
        x = m.constant([1.5, 2.5])
        with m.GradientTape(persistent=True) as t:
            t.watch(x)
            a = m.floor(x)[:0]
            b = (x * 2.0)[:0]
        return [t.jacobian(a, x), t.jacobian(b, x)]

    for a, b in zip(run(tg), run(tf)):
        assert (a is None) == (b is None)
        if a is not None:
            assert tuple(a.shape) == tuple(b.shape)


# --- item 20: sparse gradients stay sparse through linear ops ------------------------------
SPARSE_CASES = {
    "negative": lambda m, x: -x,
    "identity": lambda m, x: m.identity(x),
    "concat_rows": lambda m, x: m.concat([x, x], 0),
    "concat_rows_three": lambda m, x: m.concat([x, -x, x], 0),
    "concat_columns": lambda m, x: m.concat([x, -x], 1),
    "cast": lambda m, x: m.cast(m.cast(x, m.float64), m.float32),
}
DENSE_CASES = {  # a dense branch joins: the sum is dense (as TensorFlow)
    "concat_with_dense_branch": lambda m, x: m.concat([x, 2.0 * x], 0),
    "multiply": lambda m, x: x * 2.0,
}


def _gather_gradient(m, fn, indices):
    x = m.constant(np.arange(6.0, dtype=np.float32).reshape(3, 2))
    with m.GradientTape() as t:
        t.watch(x)
        rows = m.gather(fn(m, x), indices)
        y = m.reduce_sum(rows * m.constant(np.arange(1.0, 1.0 + rows.shape[1], dtype=np.float32)))
    return t.gradient(y, x)


def test_item20_gather_gradient_type_and_values():
    for name, fn in {**SPARSE_CASES, **DENSE_CASES}.items():
        g = _gather_gradient(tg, fn, [0, 2, 0])
        assert isinstance(g, tg.IndexedSlices) == (name in SPARSE_CASES), name

        def value(x, fn=fn):
            rows = np.asarray(fn(tg, tg.constant(x)))[[0, 2, 0]]
            return (rows * np.arange(1.0, 1.0 + rows.shape[1])).sum()

        expected = np.zeros((3, 2))
        for i in np.ndindex(expected.shape):  # a linear function: its value on unit vectors
            unit = np.zeros((3, 2), np.float32)
            unit[i] = 1.0
            expected[i] = value(unit)
        np.testing.assert_array_equal(tg.convert_to_tensor(g).numpy(), expected, err_msg=name)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_item20_second_order_through_a_sparse_gradient(mode):
    x0 = tg.constant(np.arange(6.0).reshape(3, 2))

    def f(x):
        return tg.reduce_sum(tg.gather(tg.concat([x, -x], 0), [0, 2, 0, 4]) ** 2)

    def plain(x):
        return tg.reduce_sum(tg.gather(x, [0, 2, 0, 1]) ** 2)

    # rows 0 (twice), 1 and 2 of x (or -x): d2/dx2 = 2 * (times each row is taken)
    expected = np.diag(np.repeat([4.0, 2.0, 2.0], 2))
    for fn in (f, plain):
        np.testing.assert_allclose(tg.hessian(fn, mode=mode)(x0).numpy().reshape(6, 6),
                                   expected)
        np.testing.assert_allclose(
            tg.jacobian(tg.grad(fn), mode=mode)(x0).numpy().reshape(6, 6), expected)


def test_item20_gather_gradient_type_against_tensorflow(tf):
    for name, fn in {**SPARSE_CASES, **DENSE_CASES}.items():
        for indices in ([0, 2, 0], [1]):
            ours = _gather_gradient(tg, fn, indices)
            theirs = _gather_gradient(tf, fn, indices)
            assert isinstance(ours, tg.IndexedSlices) == isinstance(theirs, tf.IndexedSlices), name
            np.testing.assert_allclose(tg.convert_to_tensor(ours).numpy(),
                                       tf.convert_to_tensor(theirs).numpy(), err_msg=name)
