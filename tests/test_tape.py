"""GradientTape semantics: what is recorded, structures, policies, lifetime, threads."""

from __future__ import annotations

import gc
import threading
import warnings
import weakref

import numpy as np
import pytest

import tapegrad as tg


def test_gradient_of_sum_of_squares():
    x = tg.constant([1.0, 2.0, 3.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(x * x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0, 6.0])


def test_nested_structures_keep_their_shape():
    a, b, c = tg.constant(1.0), tg.constant(2.0), tg.constant(3.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([a, b, c])
        y = a * b + c
        aa = a * a
    grads = tape.gradient(y, {"a": a, "pair": (b, [c])})
    assert set(grads) == {"a", "pair"}
    assert float(grads["a"]) == 2.0
    assert isinstance(grads["pair"], tuple) and isinstance(grads["pair"][1], list)
    assert float(grads["pair"][0]) == 1.0 and float(grads["pair"][1][0]) == 1.0
    # Several targets (a nest) are summed.
    both = tape.gradient({"y": y, "z": [aa]}, a)
    assert float(both) == 2.0 + 2.0


def test_gradient_with_respect_to_intermediate():
    x = tg.constant(2.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tg.sin(y)
    np.testing.assert_allclose(float(tape.gradient(z, y)), np.cos(4.0), rtol=1e-6)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_allclose(float(gx), np.cos(4.0) * 4.0, rtol=1e-6)
    np.testing.assert_allclose(float(gy), np.cos(4.0), rtol=1e-6)


def test_target_is_its_own_source():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
    assert tape.gradient(x, x).numpy().tolist() == [1.0, 1.0]


def test_unconnected_none_and_zero():
    x, y = tg.constant(1.0), tg.constant([1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = x * 2.0
    assert tape.gradient(z, y) is None
    zeros = tape.gradient(z, y, unconnected_gradients=tg.UnconnectedGradients.ZERO)
    assert zeros.numpy().tolist() == [0.0, 0.0] and zeros.dtype == np.float32
    assert tape.gradient(z, y, unconnected_gradients="zero").shape == (2,)
    with pytest.raises(ValueError, match="no gradient"):
        tape.gradient(z, y, unconnected_gradients="raise")
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(z, y, unconnected_gradients="sometimes")


def test_integer_sources_give_none_with_warning():
    i = tg.constant(3)
    x = tg.constant(2.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tg.GradientTape() as tape:
            tape.watch([i, x])
            y = tg.cast(i, tg.float32) * x
        gi, gx = tape.gradient(y, [i, x])
    assert gi is None and float(gx) == 3.0
    messages = " ".join(str(w.message) for w in caught)
    assert "int32" in messages


def test_output_gradients_weight_the_target():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tg.constant([10.0, 100.0]))
    assert g.numpy().tolist() == [20.0, 400.0]


def test_output_gradients_shape_checked():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(ValueError, match="shape"):
        tape.gradient(y, x, output_gradients=tg.constant([1.0, 2.0, 3.0]))


def test_non_persistent_tape_used_twice_raises():
    x = tg.constant(3.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)


def test_persistent_tape_reused():
    x = tg.constant(3.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(z, x)) == 108.0
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, x)) == 108.0


def test_saved_arrays_are_freed_after_gradient():
    x = tg.constant(np.ones(1000))
    refs = []

    def forward(tape):
        h = tg.exp(x)  # saves its output
        refs.append(weakref.ref(h._value))
        return tg.reduce_sum(h * h)  # saves both inputs

    with tg.GradientTape() as tape:
        tape.watch(x)
        y = forward(tape)
    gc.collect()
    assert refs[0]() is not None  # held by the tape
    tape.gradient(y, x)
    gc.collect()
    assert refs[0]() is None, "the tape kept a saved array after a non-persistent gradient"
    assert tape._entries == []


def test_persistent_tape_frees_when_deleted():
    x = tg.constant(np.ones(1000))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = tg.exp(x)
        ref = weakref.ref(h._value)
        y = tg.reduce_sum(h)
    del h
    tape.gradient(y, x)
    gc.collect()
    assert ref() is not None
    del tape
    gc.collect()
    assert ref() is None


def test_ops_outside_the_block_are_not_recorded():
    x = tg.constant(2.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    z = y * 3.0  # outside
    assert tape.gradient(z, x) is None
    assert float(tape.gradient(y, x)) == 4.0


def test_stop_recording():
    x = tg.constant(2.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            y = x * x
        z = x * 3.0
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 3.0
    with pytest.raises(RuntimeError, match="not recording"):
        with tape.stop_recording():
            pass


def test_reset_forgets_and_keeps_recording():
    x = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5.0
    assert float(tape.gradient(z, x)) == 5.0
    assert float(y) == 4.0


def test_variables_are_watched_automatically():
    v = tg.Variable(2.0)
    w = tg.Variable(3.0, trainable=False)
    with tg.GradientTape() as tape:
        y = v * w
    assert tape.watched_variables() == (v,)
    gv, gw = tape.gradient(y, [v, w])
    assert float(gv) == 3.0 and gw is None


def test_watch_accessed_variables_false():
    v, u = tg.Variable(2.0), tg.Variable(5.0)
    with tg.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(u)
        y = v * u
    assert tape.watched_variables() == (u,)
    gv, gu = tape.gradient(y, [v, u])
    assert gv is None and float(gu) == 2.0


def test_variable_assigned_after_forward_uses_value_at_read():
    v = tg.Variable(2.0)
    with tg.GradientTape() as tape:
        y = v * v * v
    v.assign(100.0)
    assert float(tape.gradient(y, v)) == 12.0  # 3 * 2**2, not 3 * 100**2


def test_variable_read_twice_sums_gradients():
    v = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        a = v * 2.0
        v.assign_add(1.0)
        b = v * v
        total = a + b
    assert float(tape.gradient(total, v)) == 2.0 + 8.0


def test_nested_tapes_second_and_third_derivatives():
    x = tg.Variable(1.5)
    with tg.GradientTape() as t3:
        with tg.GradientTape() as t2:
            with tg.GradientTape() as t1:
                y = x * x * x * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    np.testing.assert_allclose([float(d1), float(d2), float(d3)],
                               [4 * 1.5**3, 12 * 1.5**2, 24 * 1.5], rtol=1e-6)


def test_persistent_gradient_inside_its_own_context_is_recorded():
    x = tg.constant(3.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x * x
        dy = tape.gradient(y, x)  # recorded on the same tape
    assert float(dy) == 27.0
    assert float(tape.gradient(dy, x)) == 18.0


def test_non_persistent_gradient_inside_context_stops_recording():
    x = tg.constant(3.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        g = tape.gradient(y, x)
        z = g * x  # no longer recorded: the tape stopped when differentiated
    assert float(g) == 6.0
    assert float(z) == 18.0


def test_tapes_are_per_thread():
    x = tg.constant(2.0)
    results = {}
    barrier = threading.Barrier(2)

    def worker(name, factor):
        with tg.GradientTape() as tape:
            tape.watch(x)
            barrier.wait()
            y = x * factor
            barrier.wait()
        results[name] = (tape.gradient(y, x), len(tape._entries))

    threads = [threading.Thread(target=worker, args=(n, f)) for n, f in (("a", 3.0), ("b", 5.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert float(results["a"][0]) == 3.0 and float(results["b"][0]) == 5.0


def test_tape_in_other_thread_does_not_record_this_threads_ops():
    x = tg.constant(2.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        holder = {}
        thread = threading.Thread(target=lambda: holder.setdefault("y", x * x))
        thread.start()
        thread.join()
    assert tape.gradient(holder["y"], x) is None


def test_higher_order_through_matmul_and_reductions():
    w = tg.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    x = tg.constant(np.array([[0.5], [-1.0]]))
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            y = tg.reduce_sum(tg.tanh(w @ x) ** 2)
        g = inner.gradient(y, w)
        s = tg.reduce_sum(g)
    h = outer.gradient(s, w)
    # check against finite differences of s(w)
    def s_of(wv):
        pre = wv @ x.numpy()
        t = np.tanh(pre)
        gw = (2 * t * (1 - t**2)) @ x.numpy().T
        return gw.sum()

    eps = 1e-6
    base = w.numpy()
    expected = np.zeros_like(base)
    for i in range(2):
        for j in range(2):
            d = np.zeros_like(base)
            d[i, j] = eps
            expected[i, j] = (s_of(base + d) - s_of(base - d)) / (2 * eps)
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_saved_arrays_are_read_only():
    a = np.array([1.0, 2.0])
    x = tg.constant([1.0, 2.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * a  # ``a`` is copied on entry; the tape saves the copy
    (saved,) = [t for t in tape._entries[-1].saved_tensors() if t is not x]
    with pytest.raises(ValueError, match="read-only"):
        saved._value[0] = 10.0
    a[0] = 10.0  # the caller's array stays writable, and the tape does not see the write
    assert tape.gradient(y, x).numpy().tolist() == [1.0, 2.0]


def test_gradient_of_unrecorded_tape_is_none():
    x = tg.constant(1.0)
    tape = tg.GradientTape()
    with tape:
        pass
    assert tape.gradient(x * 2.0, x) is None


def test_reentering_a_recording_tape_raises():
    tape = tg.GradientTape()
    with tape:
        with pytest.raises(RuntimeError, match="already recording"):
            with tape:
                pass


def test_owner_of_a_saved_view_is_read_only_too():
    a = np.ones(4)
    x = tg.convert_to_tensor(a[:2])  # a view of the caller's array: copied
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.sin(x))  # sin saves x
    with pytest.raises(ValueError, match="read-only"):
        x._value[0] = 5.0  # the copy tapegrad holds is read-only
    a[0] = 5.0  # the caller's array stays writable; the saved value does not change
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.cos([1.0, 1.0]))
