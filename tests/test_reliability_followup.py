"""The two differences the randomized test against TensorFlow found (issue 10, programs 169
and 196): Python values built in the requested dtype, and stop_gradient's output as a new
constant. Each is checked with fixed expectations, and against TensorFlow when installed."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tapegrad as tg


@pytest.fixture
def tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("tensorflow")


# --- Python values: one rounding, straight to the requested dtype ----------------------------
def test_python_floats_are_not_rounded_through_float32():
    assert tg.constant([0.1], dtype=tg.float64).numpy()[0] == 0.1
    assert tg.constant((0.1, [0.2][0]), dtype=tg.float64).numpy().tolist() == [0.1, 0.2]
    assert tg.constant([[1 / 3]], dtype=tg.complex128).numpy()[0, 0] == 1 / 3
    assert tg.Variable([0.1], dtype=tg.float64).numpy()[0] == 0.1
    assert tg.convert_to_tensor([0.1], dtype_hint=tg.float64).numpy()[0] == 0.1
    assert tg.constant([0.1], dtype=tg.float16).numpy()[0] == np.float16(0.1)
    x = tg.constant([1.0, 2.0], tg.float64)
    assert (x + [0.1, 0.2]).numpy().tolist() == [1.1, 2.2]  # op arguments too


def test_numpy_values_in_lists_set_the_float_dtype():
    assert tg.constant([np.array([1.1])]).dtype == tg.float64
    assert tg.constant([np.array([1.1])]).numpy()[0, 0] == 1.1
    assert tg.constant([np.float64(1.1), 2.0]).dtype == tg.float64
    assert tg.constant([np.array(1.5), 2.0]).dtype == tg.float64  # a 0-d array too
    assert tg.constant([np.float16(1.1), 2.5]).dtype == tg.float16
    assert tg.constant([np.array([1.0], np.float32)]).dtype == tg.float32
    # TensorFlow's rule: the first value decides; Python floats (and ints) mean float32.
    assert tg.constant([2.0, np.float64(1.1)]).dtype == tg.float32
    assert tg.constant([np.int64(3), 2.5]).dtype == tg.float32
    assert tg.constant([np.array([], np.float64)]).dtype == tg.float32  # empty: the default


def test_too_large_for_the_default_float32_raises():
    with pytest.raises(ValueError, match="out of the range of float32.*float64"):
        tg.constant([1e40])
    assert tg.constant([1e40], dtype=tg.float64).numpy()[0] == 1e40
    assert np.isinf(tg.constant([1e40], dtype=tg.float32).numpy()[0])  # as TensorFlow


def test_python_values_do_not_share_memory():
    rows = [np.array([1.0, 2.0])]
    t = tg.constant(rows)
    rows[0][0] = 100.0
    assert t.numpy()[0, 0] == 1.0


CONVERSIONS = {
    "f64 list": ([0.1, 1 / 3], "float64"),
    "f64 tuple": ((0.1, 0.7), "float64"),
    "f16 nested": ([[0.1], [0.2]], "float16"),
    "c64": ([0.1, 0.2], "complex64"),
    "c128": ([0.1 + 1j], "complex128"),
    "ints as f64": ([1, 2], "float64"),
    "f32": ([0.1, 2.5], "float32"),
    "np array in list": ([np.array([1.1])], None),
    "np arrays f16 f32": ([np.array([1.0, 2.0], np.float16), np.array([1.0, 2.0], np.float32)],
                          None),
    "np f64 first": ([np.float64(1.1), 2.0], None),
    "python first": ([2.0, np.float64(1.1)], None),
    "np f32 then f64": ([np.float32(1.1), np.float64(2.0)], None),
    "np f16 first": ([np.float16(1.1), 2.5], None),
    "np int then float": ([np.int64(3), 2.5], None),
    "nested mix": ([[np.float64(0.1)], [np.float32(0.2)]], None),
    "array and list": ([np.array([1.1]), [2.0]], None),
    "f16 array and float": ([np.array([0.1], np.float16), [0.2]], None),
    "int array and floats": ([np.array([1, 2], np.int32), [3.5, 4]], None),
    "0-d array": ([np.array(1.5), 2.0], None),
    "f64 and big int": ([np.float64(1.1), 2**40], None),
    "ints": ([1, 2], None),
    "int and float": ([1, 2.5], None),
    "big ints": ([np.array([1, 2]), [2**40, 1]], None),
    "floats": ([0.1], None),
    "empty": ([], None),
    "empty f64": ([], "float64"),
}


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_conversion_of_python_values_against_tensorflow(tf, name):
    value, dtype = CONVERSIONS[name]
    theirs = tf.constant(value, dtype=dtype)
    ours = tg.constant(value, dtype=dtype)
    assert ours.dtype.name == theirs.dtype.name
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# --- stop_gradient: its output is a new constant ---------------------------------------------
def _stop_gradient_cases(lib):
    """Gradients and Jacobians with respect to stop_gradient's output, as TensorFlow gives them."""
    x = lib.constant([1.0, 2.0])
    out = {}
    with lib.GradientTape(persistent=True) as t:
        t.watch(x)
        y = lib.stop_gradient(x)
        z = lib.reduce_sum(y * y)
        w = lib.reduce_sum(y * x)
    out["unwatched output"] = t.gradient(z, y)
    out["unwatched output, zero"] = t.gradient(z, y, unconnected_gradients="zero")
    out["next to its input"] = t.gradient(w, [y, x])
    out["jacobian"] = t.jacobian(z, y)
    out["jacobian, looped"] = t.jacobian(y * y, y, experimental_use_pfor=False)
    out["target is the source"] = t.gradient(y, y)
    with lib.GradientTape() as t:
        t.watch(x)
        y = lib.stop_gradient(x)
        t.watch(y)
        z = lib.reduce_sum(y * y)
    out["watched output"] = t.gradient(z, [x, y])
    v = lib.Variable([1.0, 2.0])
    with lib.GradientTape() as t:
        y = lib.stop_gradient(v * 2.0)
        z = lib.reduce_sum(lib.exp(y))
    out["of a Variable"] = t.gradient(z, [y, v])
    xb = lib.constant([[1.0, 2.0], [3.0, 4.0]])
    with lib.GradientTape() as t:
        t.watch(xb)
        yb = lib.stop_gradient(xb)
        zb = yb * yb
    out["batch_jacobian"] = t.batch_jacobian(zb, yb)
    return out


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return None if value is None else np.asarray(value).tolist()


def test_gradient_with_respect_to_stop_gradient_output_is_none():
    got = {k: _plain(v) for k, v in _stop_gradient_cases(tg).items()}
    assert got == {
        "unwatched output": None,
        "unwatched output, zero": [0.0, 0.0],
        "next to its input": [None, [1.0, 2.0]],
        "jacobian": None,
        "jacobian, looped": None,
        "target is the source": [1.0, 1.0],
        "watched output": [None, [2.0, 4.0]],
        "of a Variable": [None, None],
        "batch_jacobian": np.zeros((2, 2, 2)).tolist(),  # TensorFlow's batch_jacobian: zeros
    }


def test_stop_gradient_output_against_tensorflow(tf):
    ours = {k: _plain(v) for k, v in _stop_gradient_cases(tg).items()}
    theirs = {k: _plain(v) for k, v in _stop_gradient_cases(tf).items()}
    assert ours == theirs


def test_explain_still_names_stop_gradient():
    w = tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(tg.stop_gradient(w) * 2.0)
    assert "goes through stop_gradient" in str(tape.explain(loss, w))


def test_explain_says_why_stop_gradient_output_has_no_gradient():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tg.stop_gradient(x)
        z = tg.reduce_sum(y * x)
    e = tape.explain(z, [y, x])
    assert e.causes == ["not_watched"]
    assert "output of stop_gradient" in str(e) and "tape.watch(y)" in str(e)
    with pytest.raises(ValueError, match="output of stop_gradient"):
        tape.gradient(z, y, unconnected_gradients="raise")
