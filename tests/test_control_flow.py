"""cond, case, switch_case, while_loop, map_fn, vectorized_map, foldl, foldr, scan."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.testing import check_gradients

try:
    import tensorflow as tf
except ImportError:  # the TensorFlow comparisons below skip
    tf = None

needs_tf = pytest.mark.skipif(tf is None, reason="TensorFlow is not installed")


# Each program takes float64 inputs and uses one control-flow op; every one is checked
# numerically (first and second order, both modes) and against TensorFlow.
def _cond(lib, x):
    return lib.cond(lib.reduce_sum(x) > 0, lambda: lib.sin(x) * x, lambda: x * x)


def _case(lib, x):
    s = lib.reduce_sum(x)
    return lib.case([(s < -1, lambda: -x), (s < 100, lambda: lib.exp(x) * x)],
                    default=lambda: x)


def _switch_case(lib, x):
    return lib.switch_case(lib.constant(1), [lambda: x, lambda: lib.tanh(x) * x,
                                             lambda: x * 3])


def _while_loop(lib, x):
    def body(i, acc):
        return i + 1, lib.sin(acc) * x + acc

    return lib.while_loop(lambda i, acc: i < 3, body, (lib.constant(0), x))[1]


def _while_loop_max(lib, x):
    return lib.while_loop(lambda v: lib.constant(True), lambda v: [v * x], [x],
                          maximum_iterations=2)[0]


def _map_fn(lib, x):
    return lib.map_fn(lambda row: lib.reduce_sum(row * row) * row, x)


def _map_fn_nest(lib, x):
    out = lib.map_fn(lambda p: (p[0] * p[1], lib.exp(p[0])), (x, x * 2.0),
                     fn_output_signature=(lib.float64, lib.float64))
    return out[0] + out[1]


def _vectorized_map(lib, x):
    return lib.vectorized_map(lambda row: lib.reduce_prod(row) + row, x)


def _foldl(lib, x):
    return lib.foldl(lambda a, r: a * r + lib.sin(a), x)


def _foldr(lib, x):
    return lib.foldr(lambda a, r: a * r + lib.cos(a), x, initializer=lib.ones_like(x[0]))


def _scan(lib, x):
    return lib.scan(lambda a, r: a * r + 1.0, x)


def _scan_reverse(lib, x):
    return lib.scan(lambda a, r: (a[0] * r, a[1] + r * r), x, reverse=True,
                    initializer=(lib.ones_like(x[0]), lib.zeros_like(x[0])))[0]


PROGRAMS = [_cond, _case, _switch_case, _while_loop, _while_loop_max, _map_fn, _map_fn_nest,
            _vectorized_map, _foldl, _foldr, _scan, _scan_reverse]
X = np.array([[0.3, -0.5, 0.8], [1.1, 0.2, -0.4], [0.6, 0.9, -1.2]])


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__[1:])
def test_gradients_first_and_second_order(program):
    check_gradients(lambda x: program(tg, x), [X], order=2)


def _value_grad_hessian_diag(lib, program):
    x = lib.Variable(X)
    with lib.GradientTape() as outer:
        with lib.GradientTape() as inner:
            y = lib.reduce_sum(program(lib, x))
        g = inner.gradient(y, x)
        gg = lib.reduce_sum(g * g)
    h = outer.gradient(gg, x)
    return [np.asarray(y), np.asarray(g), np.asarray(h)]


@needs_tf
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__[1:])
def test_values_and_derivatives_match_tensorflow(program):
    ours = _value_grad_hessian_diag(tg, program)
    theirs = _value_grad_hessian_diag(tf, program)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# --- values and TensorFlow's semantics ------------------------------------------------------
def test_values():
    i, total = tg.while_loop(lambda i, t: i < 4, lambda i, t: (i + 1, t + i), (0, 0))
    assert (int(i), int(total)) == (4, 6) and isinstance(i, tg.Tensor)
    assert tg.scan(lambda a, x: a + x, tg.constant([1, 2, 3, 4])).numpy().tolist() == [1, 3, 6, 10]
    assert tg.scan(lambda a, x: a + x, tg.constant([1, 2, 3, 4]), reverse=True).numpy().tolist() \
        == [10, 9, 7, 4]
    assert tg.scan(lambda a, x: a + x, tg.constant([1, 2]), initializer=tg.constant(10)) \
        .numpy().tolist() == [11, 13]
    assert int(tg.foldl(lambda a, x: a - x, tg.constant([1, 2, 3, 4]))) == -8
    assert int(tg.foldr(lambda a, x: a - x, tg.constant([1, 2, 3, 4]))) == -2
    assert int(tg.foldl(lambda a, x: a - x, tg.constant([1, 2]), initializer=100)) == 97
    assert tg.switch_case(5, [lambda: 1, lambda: 2]) == 2  # out of range: the last branch
    assert tg.switch_case(-1, {0: lambda: 1, 1: lambda: 2}, default=lambda: 9) == 9
    assert tg.case([(False, lambda: 1)], default=lambda: 3) == 3
    assert tg.cond(tg.constant(1), lambda: "t", lambda: "f") == "t"
    d = tg.map_fn(lambda e: {"s": e["a"] + e["b"]}, {"a": tg.constant([1, 2]),
                                                     "b": tg.constant([3, 4])},
                  fn_output_signature={"s": tg.int32})
    assert d["s"].numpy().tolist() == [4, 6]
    empty = tg.map_fn(lambda r: r * 2.0, tg.zeros([0, 3]))
    assert empty.shape == (0,) and empty.dtype == tg.float32
    out = tg.while_loop(lambda v: tg.size(v) < 4, lambda v: tg.concat([v, v], 0),
                        [tg.ones([1])], shape_invariants=[tg.TensorShape([None])])
    assert out[0].shape == (4,) and isinstance(out, list)
    d = tg.while_loop(lambda s: s["n"] < 3, lambda s: {"n": s["n"] + 1}, {"n": tg.constant(0)})
    assert int(d["n"]) == 3


def test_back_prop_false_stops_gradients():
    x = tg.Variable(2.0)
    with tg.GradientTape() as tape:
        y = tg.map_fn(lambda v: v * x, tg.constant([1.0, 2.0]), back_prop=False)
    assert tape.gradient(y, x) is None


@needs_tf
def test_plain_values_match_tensorflow():
    elems = np.array([1, 2, 3, 4], np.int32)
    for lib_fn in (lambda L: L.scan(lambda a, x: a * 2 + x, L.constant(elems)),
                   lambda L: L.scan(lambda a, x: a * 2 + x, L.constant(elems), reverse=True),
                   lambda L: L.foldl(lambda a, x: a * 2 - x, L.constant(elems)),
                   lambda L: L.foldr(lambda a, x: a * 2 - x, L.constant(elems)),
                   lambda L: L.map_fn(lambda x: x * x, L.constant(elems)),
                   lambda L: L.while_loop(lambda i: i < 10, lambda i: (i * 3,), (1,))[0]):
        np.testing.assert_array_equal(np.asarray(lib_fn(tg)), np.asarray(lib_fn(tf)))


# --- bad input ------------------------------------------------------------------------------
def test_while_loop_body_that_changes_a_shape_raises():
    with pytest.raises(tg.errors.InvalidArgumentError, match="shape_invariants") as info:
        tg.while_loop(lambda x: tg.size(x) < 3, lambda x: tg.concat([x, x], 0), [tg.ones([1])])
    assert isinstance(info.value, ValueError)
    assert "enters the loop with shape (1,), but has shape (2,)" in str(info.value)


@needs_tf
def test_while_loop_shape_change_raises_as_tensorflow_does():
    @tf.function
    def theirs():
        return tf.while_loop(lambda x: tf.size(x) < 3, lambda x: tf.concat([x, x], 0),
                             [tf.ones([1])])

    with pytest.raises(ValueError, match="shape_invariants"):
        theirs()
    with pytest.raises(ValueError, match="shape_invariants"):
        tg.while_loop(lambda x: tg.size(x) < 3, lambda x: tg.concat([x, x], 0), [tg.ones([1])])


def test_while_loop_body_that_changes_a_dtype_raises():
    with pytest.raises(TypeError, match="dtype int32 but has dtype float32"):
        tg.while_loop(lambda x: x < 3, lambda x: tg.cast(x, tg.float32) + 1, [tg.constant(0)])


def test_while_loop_bad_input():
    with pytest.raises(tg.errors.InvalidArgumentError, match="structure"):
        tg.while_loop(lambda a, b: a < 3, lambda a, b: (a + 1, [b]),
                      [tg.constant(0), tg.constant(1.0)])
    with pytest.raises(TypeError, match="'body' must be callable"):
        tg.while_loop(lambda i: i < 3, 5, [0])
    with pytest.raises(ValueError, match="loop_vars"):
        tg.while_loop(lambda i: i < 3, lambda i: i, [])
    with pytest.raises(ValueError, match="shape invariant"):
        tg.while_loop(lambda x: False, lambda x: x, [tg.ones([2])],
                      shape_invariants=[tg.TensorShape([3])])
    with pytest.raises(ValueError, match="maximum_iterations"):
        tg.while_loop(lambda i: i < 3, lambda i: i + 1, [0], maximum_iterations=-1)
    with pytest.raises(ValueError, match="scalar"):
        tg.while_loop(lambda x: x < 3, lambda x: x + 1, [tg.zeros([2])])


def test_map_fn_with_a_different_structure_than_declared_raises():
    with pytest.raises(tg.errors.InvalidArgumentError, match="structure"):
        tg.map_fn(lambda x: (x, x), tg.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="structure"):
        tg.map_fn(lambda x: x, tg.constant([1.0, 2.0]),
                  fn_output_signature=(tg.float32, tg.float32))
    with pytest.raises(tg.errors.InvalidArgumentError, match="declares int32"):
        tg.map_fn(lambda x: x * 2, tg.constant([1.0, 2.0]), fn_output_signature=tg.int32)


@needs_tf
def test_map_fn_structure_mismatch_raises_as_tensorflow_does():
    with pytest.raises(ValueError):
        tf.map_fn(lambda x: (x, x), tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.map_fn(lambda x: x * 2, tf.constant([1.0, 2.0]), fn_output_signature=tf.int32)


def test_map_and_fold_bad_input():
    with pytest.raises(ValueError, match="1\\+ dimensional"):
        tg.map_fn(lambda x: x, tg.constant(1.0))
    with pytest.raises(ValueError, match="same first dimension"):
        tg.map_fn(lambda p: p[0], (tg.zeros([2]), tg.zeros([3])))
    with pytest.raises(TypeError, match="'fn' must be callable"):
        tg.scan(None, tg.zeros([2]))
    with pytest.raises(tg.errors.OutOfRangeError, match="initializer"):
        tg.foldl(lambda a, x: a + x, tg.zeros([0]))
    with pytest.raises(tg.errors.InvalidArgumentError, match="structure"):
        tg.scan(lambda a, x: (a, a), tg.zeros([2]))


def test_branch_bad_input():
    with pytest.raises(TypeError, match="'true_fn' must be callable"):
        tg.cond(True, 1, lambda: 2)
    with pytest.raises(ValueError, match="scalar"):
        tg.cond(tg.constant([True, False]), lambda: 1, lambda: 2)
    with pytest.raises(tg.errors.InvalidArgumentError, match="none of the conditions"):
        tg.case([(tg.constant(False), lambda: 1)])
    with pytest.raises(tg.errors.InvalidArgumentError, match="more than one"):
        tg.case([(True, lambda: 1), (True, lambda: 2)], exclusive=True)
    assert tg.case([(True, lambda: 1), (True, lambda: 2)]) == 1
    with pytest.raises(TypeError, match="integer"):
        tg.switch_case(tg.constant(1.0), [lambda: 1, lambda: 2])
    with pytest.raises(ValueError, match="0..N-1"):
        tg.switch_case(0, {0: lambda: 1, 2: lambda: 2})
