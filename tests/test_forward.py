"""ForwardAccumulator: TensorFlow's forward mode, nesting with tapes, batched tangents."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._core.primitive import Primitive
from tapegrad.autodiff import ForwardAccumulator
from tapegrad.testing import check_gradients

RNG = np.random.default_rng(0)


def _close(a, b, **kw):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), **{"rtol": 1e-6, "atol": 1e-7, **kw})


# --- values ----------------------------------------------------------------------
def test_jvp_of_product_and_sin():
    x = tg.constant([1.0, 2.0])
    with ForwardAccumulator(x, tg.constant([1.0, 0.5])) as acc:
        y = x * x
        z = tg.sin(x)
    _close(acc.jvp(y), [2.0, 2.0])
    _close(acc.jvp(z), np.cos([1.0, 2.0]) * [1.0, 0.5])
    assert acc.jvp(y).dtype == np.float32


def test_jvp_of_matvec_is_matrix_times_tangent():
    a = RNG.standard_normal((3, 4))
    v = RNG.standard_normal(4)
    x = tg.constant(RNG.standard_normal(4))
    with ForwardAccumulator(x, tg.constant(v)) as acc:
        y = tg.linalg.matvec(tg.constant(a), x)
    _close(acc.jvp(y), a @ v, rtol=1e-12)


def test_jvp_of_watched_primal_is_its_tangent():
    x = tg.constant([1.0, 2.0])
    t = tg.constant([3.0, 4.0])
    acc = ForwardAccumulator(x, t)
    assert acc.jvp(x) is t


def test_nested_primals_tangents_and_targets():
    x, y = tg.constant(2.0), tg.constant([1.0, 3.0])
    primals = {"x": x, "rest": [y]}
    tangents = {"x": tg.constant(1.0), "rest": [tg.constant([0.0, 2.0])]}
    with ForwardAccumulator(primals, tangents) as acc:
        out = {"a": x * y, "b": (tg.reduce_sum(y ** 2), x)}
    jv = acc.jvp(out)
    _close(jv["a"], [1.0 * 1.0 + 2.0 * 0.0, 1.0 * 3.0 + 2.0 * 2.0])
    _close(jv["b"][0], 2 * 3.0 * 2.0)
    _close(jv["b"][1], 1.0)
    assert isinstance(jv["b"], tuple)


def test_unconnected_none_or_zero():
    x = tg.constant([1.0, 2.0])
    with ForwardAccumulator(x, tg.ones_like(x)) as acc:
        c = tg.constant([[5.0]]) * 2.0
    assert acc.jvp(c) is None
    z = acc.jvp(c, unconnected_gradients="zero")
    assert z.shape == (1, 1) and z.dtype == np.float32
    z = acc.jvp(c, unconnected_gradients=tg.UnconnectedGradients.ZERO)
    assert float(z[0, 0]) == 0.0


def test_ops_outside_the_context_are_not_tracked_and_reentry_continues():
    x = tg.constant(3.0)
    acc = ForwardAccumulator(x, tg.constant(1.0))
    with acc:
        y = x * x
    w = x * 2.0
    assert acc.jvp(w) is None
    with acc:
        z = y * x
    _close(acc.jvp(z), 27.0)  # d(x^3) = 3 x^2


def test_integer_paths_carry_no_tangent():
    x = tg.constant([1.5, 2.5])
    with ForwardAccumulator(x, tg.constant([1.0, 0.0])) as acc:
        i = tg.cast(x, tg.int32)
        k = tg.cast(i, tg.float32) * x
    assert acc.jvp(i) is None
    _close(acc.jvp(k), [1.0, 0.0])


def test_integer_primal_warns_and_keeps_its_tangent():
    i = tg.constant([1, 2])
    with pytest.warns(UserWarning, match="int32"):
        acc = ForwardAccumulator(i, tg.constant([1, 1]))
    with acc:
        y = i * i
    assert acc.jvp(y) is None
    assert acc.jvp(i).numpy().tolist() == [1, 1]


def test_variable_primal():
    v = tg.Variable([1.0, 2.0])
    with ForwardAccumulator(v, tg.constant([1.0, 1.0])) as acc:
        y = v * v
        z = tg.reduce_sum(v.value() * 3.0)
    _close(acc.jvp(y), [2.0, 4.0])
    _close(acc.jvp(z), 6.0)
    _close(acc.jvp(v), [1.0, 1.0])


def test_numpy_and_python_tangents_are_converted_to_the_primal_dtype():
    x = tg.constant([1.0, 2.0])
    acc = ForwardAccumulator(x, np.array([1.0, 0.0]))  # float64 array, float32 primal
    assert acc.jvp(x).dtype == np.float32
    s = tg.constant(2.0, dtype=tg.float64)
    acc = ForwardAccumulator(s, 1.0)
    assert acc.jvp(s).dtype == np.float64


# --- errors (TensorFlow's exception types) -----------------------------------------
def test_error_tangent_dtype_mismatch():
    x = tg.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="dtype float64 but its primal has dtype float32"):
        ForwardAccumulator(x, tg.constant([1.0, 0.0], dtype=tg.float64))
    with pytest.raises(TypeError, match="tapegrad.cast"):  # also a TypeError
        ForwardAccumulator(x, tg.constant([1.0, 0.0], dtype=tg.float64))
    with pytest.raises(ValueError, match="tangent 0"):
        ForwardAccumulator(x, tg.constant([1, 0]))


def test_error_tangent_shape_mismatch():
    x = tg.constant([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(3,\) but its primal has shape \(2,\)"):
        ForwardAccumulator(x, tg.constant([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="shape"):
        ForwardAccumulator(x, 1.0)  # no silent broadcasting of a scalar tangent


def test_error_structure_mismatch_and_duplicates():
    x = tg.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="same nested structure"):
        ForwardAccumulator([x, x * 2], [x])
    with pytest.raises(ValueError, match="same nested structure"):
        ForwardAccumulator(x, [1.0, 0.0])  # a Python list is a nest, as in TensorFlow
    with pytest.raises(ValueError, match="multiple times"):
        ForwardAccumulator([x, x], [x, x])


def test_error_bad_primal_and_target_types():
    with pytest.raises(TypeError, match="primal 0 must be a Tensor"):
        ForwardAccumulator(np.ones(2, np.float32), np.ones(2, np.float32))
    x = tg.constant(1.0)
    acc = ForwardAccumulator(x, tg.constant(1.0))
    with pytest.raises(TypeError, match="expected Tensors"):
        acc.jvp(3.0)
    with pytest.raises(ValueError, match="unconnected_gradients"):
        acc.jvp(x, unconnected_gradients="sometimes")


def test_error_entering_twice():
    x = tg.constant(1.0)
    acc = ForwardAccumulator(x, tg.constant(1.0))
    with acc:
        with pytest.raises(ValueError, match="already recording"):
            acc.__enter__()
    acc.__exit__(None, None, None)  # exiting again is harmless, as in TensorFlow


# --- nesting with tapes and other accumulators -----------------------------------
def _quadratic(a):
    return lambda x: tg.reduce_sum(x * tg.linalg.matvec(a, x))


def test_forward_over_reverse_hvp_matches_explicit_hessian():
    a = RNG.standard_normal((4, 4))
    x = tg.constant(RNG.standard_normal(4))
    for k in range(4):
        e = np.eye(4)[k]
        with ForwardAccumulator(x, tg.constant(e)) as acc:
            with tg.GradientTape() as tape:
                tape.watch(x)
                y = _quadratic(tg.constant(a))(x)
            g = tape.gradient(y, x)
        _close(acc.jvp(g), (a + a.T) @ e, rtol=1e-12)


def test_forward_over_reverse_hvp_of_tanh_network():
    a = RNG.standard_normal((5, 3))
    x0, v0 = RNG.standard_normal(3), RNG.standard_normal(3)
    x = tg.constant(x0)
    with ForwardAccumulator(x, tg.constant(v0)) as acc:
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.tanh(tg.linalg.matvec(tg.constant(a), x)) ** 2)
        g = tape.gradient(y, x)
    t = np.tanh(a @ x0)
    # d/dz (tanh z)^2 = 2 t (1 - t^2); second derivative 2 (1 - t^2)(1 - 3 t^2)
    hess = a.T @ np.diag(2 * (1 - t**2) * (1 - 3 * t**2)) @ a
    _close(g, a.T @ (2 * t * (1 - t**2)), rtol=1e-12)
    _close(acc.jvp(g), hess @ v0, rtol=1e-12)


def test_forward_over_reverse_with_variables_tf_docstring():
    v = tg.Variable([1.0, 2.0])
    with ForwardAccumulator(v, tg.constant([1.0, 0.0])) as acc:
        with tg.GradientTape() as tape:
            y = tg.reduce_sum(v ** 3.0)
        backward = tape.gradient(y, v)
    _close(backward, [3.0, 12.0])
    _close(acc.jvp(backward), [6.0, 0.0])


def test_reverse_over_forward():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        with ForwardAccumulator(x, tg.constant([1.0, 0.0])) as acc:
            y = tg.reduce_sum(x ** 3)
        jv = acc.jvp(y)
    _close(jv, 3.0)
    _close(tape.gradient(jv, x), [6.0, 0.0])


def test_forward_over_forward_is_strictly_nested():
    p = tg.constant(1.1)
    with ForwardAccumulator(p, tg.constant(1.0)) as outer:
        with ForwardAccumulator(p, tg.constant(1.0)) as inner:
            out = p ** tg.constant(3.5)
    inner_jvp = inner.jvp(out)
    _close(inner_jvp, 3.5 * 1.1**2.5)
    _close(outer.jvp(inner_jvp), 3.5 * 2.5 * 1.1**1.5)
    assert inner.jvp(outer.jvp(out)) is None  # inner accumulators ignore outer JVP work


def test_inner_tape_does_not_record_the_outer_accumulators_rules():
    x = tg.constant([1.0, 2.0])
    with ForwardAccumulator(x, tg.constant([1.0, 0.0])):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.sin(x) * x
        assert len(tape._entries) == 2  # sin and multiply, no tangent arithmetic
    _close(tape.gradient(y, x), np.cos([1.0, 2.0]) * [1.0, 2.0] + np.sin([1.0, 2.0]))


def test_third_order_via_forward_over_reverse_over_reverse():
    x = tg.constant(0.7, dtype=tg.float64)
    with ForwardAccumulator(x, tg.constant(1.0, dtype=tg.float64)) as acc:
        with tg.GradientTape() as outer:
            outer.watch(x)
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = tg.sin(x)
            dy = inner.gradient(y, x)
        d2y = outer.gradient(dy, x)
    _close(d2y, -np.sin(0.7), rtol=1e-12)
    _close(acc.jvp(d2y), -np.cos(0.7), rtol=1e-12)


def test_check_gradients_forward_mode():
    a = RNG.standard_normal((3, 3))
    check_gradients(lambda x: tg.tanh(tg.linalg.matvec(tg.constant(a), x)) * x,
                    [RNG.standard_normal(3)], order=2, modes=("fwd",))
    check_gradients(lambda x, y: (x * y, tg.exp(x)), [RNG.standard_normal(3),
                    RNG.standard_normal((2, 3))], order=2, modes=("rev", "fwd"))


# --- batched tangents ------------------------------------------------------------
def test_batched_tangents_give_jacobian_columns():
    a = RNG.standard_normal((3, 4))
    x = tg.constant(RNG.standard_normal(4))
    with ForwardAccumulator(x, tg.constant(np.eye(4)), batch_ndim=1) as acc:
        y = tg.linalg.matvec(tg.constant(a), x)
    assert acc.jvp(y).shape == (4, 3)
    _close(acc.jvp(y), a.T, rtol=1e-12)
    with ForwardAccumulator(x, tg.constant(np.eye(4)), batch_ndim=1) as acc:
        c = tg.constant([1.0, 2.0], dtype=tg.float64) * 2.0
    assert acc.jvp(c, unconnected_gradients="zero").shape == (4, 2)


def test_batched_tangents_of_lower_rank_inputs_broadcast_correctly():
    # x (3,) broadcast against y (2, 3): x's batched tangent must line up with y's axes
    x0, y0 = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    x, y = tg.constant(x0), tg.constant(y0)
    tx = RNG.standard_normal((2, 3))  # batch of 2 (the same size as y's first axis, on purpose)
    ty = RNG.standard_normal((2, 2, 3))
    with ForwardAccumulator([x, y], [tg.constant(tx), tg.constant(ty)], batch_ndim=1) as acc:
        out = x * y + x / (y * y + 1.0)
    expected = []
    for b in range(2):
        with ForwardAccumulator([x, y], [tg.constant(tx[b]), tg.constant(ty[b])]) as one:
            o = x * y + x / (y * y + 1.0)
        expected.append(one.jvp(o).numpy())
    _close(acc.jvp(out), np.stack(expected), rtol=1e-12)
    # and a matmul whose batch axes broadcast: a (2, 3, 4) @ b (4, 5)
    a, b = tg.constant(RNG.standard_normal((2, 3, 4))), tg.constant(RNG.standard_normal((4, 5)))
    tb = RNG.standard_normal((2, 4, 5))
    with ForwardAccumulator(b, tg.constant(tb), batch_ndim=1) as acc:
        m = tg.matmul(a, b)
    _close(acc.jvp(m), np.stack([a.numpy() @ tb[k] for k in range(2)]), rtol=1e-12)


def test_two_batch_dimensions():
    x = tg.constant(RNG.standard_normal(3))
    t = RNG.standard_normal((2, 4, 3))
    with ForwardAccumulator(x, tg.constant(t), batch_ndim=2) as acc:
        y = tg.exp(x) * 2.0
    _close(acc.jvp(y), t * 2 * np.exp(x.numpy()), rtol=1e-12)


def test_batched_errors():
    x, y = tg.constant([1.0, 2.0]), tg.constant(1.0)
    with pytest.raises(ValueError, match="batch shape"):
        ForwardAccumulator([x, y], [tg.ones((3, 2)), tg.ones((4,))], batch_ndim=1)
    with pytest.raises(ValueError, match="leading batch"):
        ForwardAccumulator(x, tg.ones((2,)), batch_ndim=1)


# --- rules the engine derives: transposed VJPs, loops, wrong shapes --------------
def _spy(rule, counter):
    def wrapped(*args, **kwargs):
        counter.append(1)
        return rule(*args, **kwargs)

    return wrapped


def test_jvp_from_transposed_vjp_unbatched_batched_and_second_order():
    calls: list = []
    cube = Primitive("test_cube_no_jvp", lambda x: x**3,
                     vjps=(_spy(lambda g, ans, x: g * 3.0 * x * x, calls),), register=False)
    x0 = RNG.standard_normal(3)
    x = tg.constant(x0)
    with ForwardAccumulator(x, tg.constant(np.ones(3))) as acc:
        y = cube.bind(x)
    _close(acc.jvp(y), 3 * x0**2, rtol=1e-12)
    calls.clear()
    with ForwardAccumulator(x, tg.constant(np.eye(3)), batch_ndim=1) as acc:
        y = cube.bind(x)
    _close(acc.jvp(y), np.diag(3 * x0**2), rtol=1e-12)
    assert len(calls) == 1  # the whole batch in one transposition
    check_gradients(cube.bind, [x0], order=2, modes=("fwd",))


def test_jvp_from_transposed_vjp_broadcasting_and_multiple_results():
    mul = Primitive("test_mul_no_jvp", np.multiply,
                    vjps=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), register=False)
    pair = Primitive("test_pair_no_jvp", lambda x: (2 * x, x * x), multiple_results=True,
                     vjp=lambda g, ans, x: (g[0] * 2.0 + g[1] * 2.0 * x,), register=False)
    x0, y0 = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    check_gradients(mul.bind, [x0, y0], order=2, modes=("fwd",))
    check_gradients(pair.bind, [x0], order=2, modes=("fwd",))
    x, y = tg.constant(x0), tg.constant(y0)
    tx = RNG.standard_normal((4, 3))
    with ForwardAccumulator(x, tg.constant(tx), batch_ndim=1) as acc:
        out = mul.bind(x, y)
        a, b = pair.bind(x)
    _close(acc.jvp(out), tx[:, None, :] * y0, rtol=1e-12)
    _close(acc.jvp(a), 2 * tx, rtol=1e-12)
    _close(acc.jvp(b), 2 * x0 * tx, rtol=1e-12)


def test_jvp_from_transposed_vjp_complex_holomorphic():
    # TensorFlow's convention: the VJP of z**2 is g * conj(2 z); its JVP is 2 z t.
    square = Primitive("test_csquare_no_jvp", np.square,
                       vjps=(lambda g, ans, z: g * tg.math.conj(z * 2.0),), register=False)
    z0 = np.array([1.0 + 2.0j, -0.5 + 0.3j])
    t0 = np.array([0.3 - 1.0j, 2.0 + 0.5j])
    z = tg.constant(z0)
    with ForwardAccumulator(z, tg.constant(t0)) as acc:
        w = square.bind(z)
    _close(acc.jvp(w), 2 * z0 * t0, rtol=1e-12)


def test_non_batchable_rule_loops_in_both_modes():
    fwd_calls: list = []
    rev_calls: list = []

    def jvp_rule(t, ans, x):
        assert t[0].shape == x.shape, "a batchable=False rule never sees batch dimensions"
        return t[0] * tg.cos(x)

    def vjp_rule(g, ans, x):
        assert g.shape == x.shape, "a batchable=False rule never sees batch dimensions"
        return g * tg.cos(x)

    sin = Primitive("test_sin_loop", np.sin, vjps=(_spy(vjp_rule, rev_calls),),
                    jvp=_spy(jvp_rule, fwd_calls), batchable=False, register=False)
    x0 = RNG.standard_normal(3)
    x = tg.constant(x0)
    with ForwardAccumulator(x, tg.constant(np.eye(3)), batch_ndim=1) as acc:
        y = sin.bind(x) * 2.0
    _close(acc.jvp(y), np.diag(2 * np.cos(x0)), rtol=1e-12)
    assert len(fwd_calls) == 3
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = sin.bind(x) * 2.0
    _close(tape.jacobian(y, x), np.diag(2 * np.cos(x0)), rtol=1e-12)
    assert len(rev_calls) == 3


def test_rule_returning_a_wrong_shape_is_reported():
    bad = Primitive("test_bad_jvp", lambda x: x * 2, vjps=(lambda g, ans, x: g * 2.0,),
                    jvp=lambda t, ans, x: tg.ones((5,), dtype=x.dtype), register=False)
    x = tg.constant([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"test_bad_jvp.*\(5,\)"):
        with ForwardAccumulator(x, tg.constant([1.0, 1.0])):
            bad.bind(x)


def test_accumulator_state_is_restored_after_a_failing_rule():
    from tapegrad._core.state import state

    bad = Primitive("test_raising_jvp", lambda x: x * 2, vjps=(lambda g, ans, x: g * 2.0,),
                    jvp=lambda t, ans, x: 1 / 0, register=False)
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        with ForwardAccumulator(x, tg.constant([1.0, 1.0])) as acc:
            with pytest.raises(ZeroDivisionError):
                bad.bind(x)
            assert state.accumulators == [acc] and state.tapes == [tape]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert state.accumulators == [] and state.tapes == []


def test_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    a = RNG.standard_normal((3, 3)).astype(np.float32)
    x0, v0 = RNG.standard_normal(3).astype(np.float32), RNG.standard_normal(3).astype(np.float32)
    results = []
    for lib in (tf, tg):
        x = lib.Variable(x0)
        with lib.autodiff.ForwardAccumulator(x, lib.constant(v0)) as acc:
            with lib.GradientTape() as tape:
                y = lib.reduce_sum(lib.tanh(lib.linalg.matvec(lib.constant(a), x)) ** 2)
            g = tape.gradient(y, x)
            z = lib.exp(x) * lib.reduce_sum(x)
        results.append([acc.jvp(y).numpy(), acc.jvp(g).numpy(), acc.jvp(z).numpy()])
    for theirs, ours in zip(*results):
        assert ours.dtype == theirs.dtype
        _close(ours, theirs, rtol=1e-4, atol=1e-5)  # float32 rounding differs a little
