"""Anomaly mode: enable_check_numerics / disable_check_numerics / detect_anomaly."""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._core import events
from tapegrad._core.state import engine

HERE = "test_debug_anomaly.py"


def _line() -> int:
    return sys._getframe(1).f_lineno


@pytest.fixture(autouse=True)
def _quiet_and_off():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's divide-by-zero warnings
        yield
    tg.debugging.disable_check_numerics()


def test_off_by_default_and_free():
    assert not events.op_finished and engine.active == 0
    y = tg.sqrt(tg.constant(-1.0))  # no error while off
    assert np.isnan(float(y))


def test_forward_nan_names_op_shapes_and_line():
    x = tg.constant([1.0, -1.0, 4.0])
    with tg.debugging.detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            line = _line() + 1
            tg.sqrt(x)
    text = str(info.value)
    assert "`sqrt` produced 1 NaN of 3 values" in text
    assert "shape (3,), float32" in text and "inputs of shapes (3,) float32" in text
    assert f"{HERE}:{line}" in text and "tg.sqrt(x)" in text


def test_forward_inf_from_an_operator():
    x = tg.constant([1.0, 0.0])
    with tg.debugging.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"`divide` produced 1 Inf of 2 values"):
            1.0 / x


def test_input_that_already_holds_nan_is_pointed_out():
    x = tg.constant([np.nan, 1.0])  # data, not an op
    tg.debugging.enable_check_numerics()
    with pytest.raises(FloatingPointError, match="Input 0 already held NaN or Inf"):
        x * 2.0


def test_backward_nan_names_the_forward_op_and_its_line():
    x = tg.constant([1.0, 0.0])
    with tg.debugging.detect_anomaly():
        with tg.GradientTape() as tape:
            tape.watch(x)
            forward_line = _line() + 1
            y = tg.sqrt(x)  # finite: sqrt(0) = 0
            loss = tg.reduce_sum(y)
        with pytest.raises(FloatingPointError) as info:
            backward_line = _line() + 1
            tape.gradient(loss, x)
    text = str(info.value)
    assert "NaN/Inf in the backward pass" in text
    assert "while computing the gradient (VJP) of `sqrt`" in text
    assert re.search(rf"recorded at \S*{HERE}:{forward_line} \(`y = tg.sqrt\(x\)", text)
    assert re.search(rf"run from \S*{HERE}:{backward_line} \(`tape.gradient", text)


def test_backward_op_recorded_before_the_mode_has_no_line():
    x = tg.constant([0.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        loss = tg.reduce_sum(tg.sqrt(x))
    tg.debugging.enable_check_numerics()
    with pytest.raises(FloatingPointError, match="recorded before check_numerics was enabled"):
        tape.gradient(loss, x)


def test_forward_mode_tangent():
    x = tg.constant(0.0)
    with tg.debugging.detect_anomaly():
        with tg.autodiff.ForwardAccumulator(x, tg.constant(1.0)):
            with pytest.raises(FloatingPointError, match=r"tangent \(JVP\) of `sqrt`"):
                tg.sqrt(x)


def test_finite_values_and_integer_outputs_pass():
    x = tg.constant([1.0, 2.0])
    with tg.debugging.detect_anomaly():
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.sqrt(x) * tg.cast(tg.argmax(x), tg.float32))
        g = tape.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), [0.5, 0.5 / np.sqrt(2.0)], rtol=1e-6)


def test_detect_anomaly_restores_previous_setting_and_nests():
    with tg.debugging.detect_anomaly():
        with tg.debugging.detect_anomaly():
            pass
        assert bool(events.op_finished)  # the outer block is still on
        with tg.debugging.detect_anomaly(check_nan=False):
            tg.sqrt(tg.constant(-1.0))  # off inside
        assert bool(events.op_finished)
    assert not events.op_finished and engine.active == 0
    tg.debugging.enable_check_numerics()
    with tg.debugging.detect_anomaly():
        pass
    assert bool(events.op_finished)  # enabled before the block: stays enabled
    tg.debugging.disable_check_numerics()
    assert not events.op_finished


def test_detect_anomaly_as_decorator():
    @tg.debugging.detect_anomaly()
    def f(x):
        return tg.math.log(x)

    with pytest.raises(FloatingPointError, match="`log`"):
        f(tg.constant(-1.0))
    assert not events.op_finished


def test_enable_accepts_tensorflow_arguments():
    tg.debugging.enable_check_numerics(stack_height_limit=10, path_length_limit=20)
    with pytest.raises(FloatingPointError):
        tg.math.log(tg.constant(0.0))


def test_memory_report_and_graph_show_lines_recorded_in_anomaly_mode():
    x = tg.constant(np.ones(10, np.float32))
    with tg.debugging.detect_anomaly():
        with tg.GradientTape() as tape:
            tape.watch(x)
            line = _line() + 1
            y = tg.sin(x)
    assert f"{HERE}:{line}" in str(tape.memory_report())
    assert f"{HERE}:{line}" in str(tape.graph(y))
