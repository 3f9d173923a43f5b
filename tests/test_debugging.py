"""GradientTape.explain and unconnected_gradients="raise": every cause of a None gradient."""

from __future__ import annotations

import gc
import sys
import warnings

import numpy as np
import pytest

import tapegrad as tg

HERE = "test_debugging.py"


def _line() -> int:
    """The caller's line number (to check the lines explain and anomaly mode report)."""
    return sys._getframe(1).f_lineno


# --- the source itself ---------------------------------------------------------------
def test_integer_source():
    i = tg.constant(3)
    with tg.GradientTape() as tape:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tape.watch(i)
        y = tg.cast(i, tg.float32) * 2.0
    e = tape.explain(y, i)
    assert e.causes == ["integer_dtype"]
    assert "dtype int32" in str(e) and "tg.cast(x, tg.float32)" in str(e)


def test_tensor_never_watched():
    x = tg.constant(3.0)
    with tg.GradientTape() as tape:
        y = x * x
    e = tape.explain(y, x)
    assert e.causes == ["not_watched"]
    text = str(e)
    assert "never watched" in text and "tape.watch(x)" in text
    assert "was not recorded by this tape" in text  # the target, too


def test_variable_not_trainable():
    v = tg.Variable(2.0, trainable=False, name="frozen")
    with tg.GradientTape() as tape:
        y = v * v
    e = tape.explain(y, v)
    assert e.causes == ["not_trainable"]
    assert "'frozen:0'" in str(e) and "trainable=False" in str(e)


def test_watch_accessed_variables_false():
    v = tg.Variable(2.0)
    with tg.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    e = tape.explain(y, v)
    assert e.causes == ["not_watched"]
    assert "watch_accessed_variables=False" in str(e) and "tape.watch(v)" in str(e)


def test_variable_used_only_before_the_block():
    w = tg.Variable(2.0, name="w")
    y = w * 3.0  # forward pass outside the tape
    with tg.GradientTape() as tape:
        loss = y * y
    e = tape.explain(loss, w)
    assert e.causes == ["not_watched"]
    assert "'w:0' was never read while the tape was recording" in str(e)
    assert "before the block" in str(e)


# --- watched, but the target does not use it ------------------------------------------
def test_watched_but_never_used():
    a, b = tg.Variable(1.0, name="a"), tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(b)
        y = a * 3.0
    e = tape.explain(y, [a, b])
    assert [s.has_gradient for s in e.sources] == [True, False]
    assert e.causes == ["unused"]
    assert "no recorded op used it" in str(e)


def test_watched_and_used_but_not_by_the_target():
    a, b = tg.Variable(1.0, name="a"), tg.Variable(2.0, name="b")
    with tg.GradientTape() as tape:
        y = a * 3.0
        z = b * 2.0  # noqa: F841 - computed, but the target does not use it
    e = tape.explain(y, {"a": a, "b": b})
    assert e.causes == ["unused"]
    assert e.missing[0].index == 1
    assert "used by `multiply`" in str(e) and "not computed from their results" in str(e)


# --- outside the block / inside stop_recording ----------------------------------------
def test_target_computed_after_the_block():
    w = tg.Variable(2.0)
    with tg.GradientTape() as tape:
        pass
    y = w * w
    e = tape.explain(y, w)
    assert e.causes == ["outside_tape"]
    assert "after the tape stopped recording" in str(e)


def test_target_computed_before_the_block():
    x = tg.constant(2.0)
    y = x * x
    with tg.GradientTape() as tape:
        tape.watch(x)
    e = tape.explain(y, x)
    assert e.causes == ["outside_tape"]
    assert "before the tape started recording" in str(e)


def test_path_through_stop_recording():
    x = tg.constant(3.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            line = _line() + 1
            y = x * x
        loss = y + 1.0
    e = tape.explain(loss, x)
    assert e.causes == ["stop_recording"]
    assert "`multiply` read this source inside stop_recording()" in str(e)
    assert f"{HERE}:{line}" in str(e)


def test_variable_read_only_inside_stop_recording():
    w = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        with tape.stop_recording():
            y = w * 2.0
            z = y * y  # a chain inside the pause is followed too
        loss = z * 1.5
    e = tape.explain(loss, w)
    assert e.causes == ["stop_recording"]
    from tapegrad.debugging import evidence as ex  # the pause observer is gone afterwards

    assert ex._paused == []
    assert not tg._core.events.op_finished


def test_target_computed_inside_stop_recording():
    x = tg.constant(3.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        c = tg.constant(1.0)
        with tape.stop_recording():
            loss = c * 2.0
    e = tape.explain(loss, x)
    assert e.causes == ["stop_recording"]
    assert "inside tape.stop_recording()" in str(e)


# --- ops without a gradient on the path -----------------------------------------------
@pytest.mark.parametrize(
    "name, fn, expected",
    [
        ("argmax", lambda w: tg.cast(tg.argmax(w), tg.float32), "argmax"),
        ("cast", lambda w: tg.cast(tg.cast(w, tg.int32), tg.float32), "cast to int32"),
        ("round", lambda w: tg.round(w), "round"),
        ("comparison", lambda w: tg.cast(w > 1.5, tg.float32), "greater"),
        ("stop_gradient", lambda w: tg.stop_gradient(w) * 2.0, "stop_gradient"),
    ],
)
def test_path_through_an_op_without_gradient(name, fn, expected):
    w = tg.Variable([1.0, 3.0, 2.0], name="w")
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(fn(w))
    e = tape.explain(loss, w)
    assert e.causes == ["non_differentiable"]
    assert f"goes through {expected}, which has no gradient" in str(e)
    assert e.missing[0].fix


def test_op_without_gradient_among_good_paths():
    w = tg.Variable([1.0, -2.0])
    b = tg.Variable(0.5)
    with tg.GradientTape() as tape:
        mask = tg.cast(w > 0.0, tg.float32)  # only a mask depends on w
        loss = tg.reduce_sum(mask * b)
    e = tape.explain(loss, [w, b])
    assert e.causes == ["non_differentiable"]
    assert "comparison" in str(e) and e.missing[0].index == 0


def test_gradient_rule_returning_none():
    @tg.custom_gradient
    def blocked(x):
        return tg.identity(x), lambda dy: None

    x = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = blocked(x) * 3.0
    e = tape.explain(y, x)
    assert e.causes == ["none_rule"]
    assert "custom_gradient" in str(e)


# --- values that left through NumPy ----------------------------------------------------
def test_numpy_round_trip_through_numpy_method():
    w = tg.Variable([1.0, 2.0], name="w")
    with tg.GradientTape() as tape:
        h = w * 2.0
        out_line = _line() + 1
        h2 = tg.constant(h.numpy())
        back_line = _line() + 1
        loss = tg.reduce_sum(h2 * h2)
    e = tape.explain(loss, w)
    assert e.causes == ["numpy_roundtrip"]
    text = str(e)
    assert "left tapegrad through NumPy and came back as a new constant" in text
    assert "read with .numpy() at" in text and f"{HERE}:{out_line}" in text
    assert f"{HERE}:{back_line}" in text


def test_numpy_round_trip_through_asarray_next_to_a_good_path():
    w = tg.Variable([1.0, 2.0], name="w")
    w2 = tg.Variable([1.0, 1.0], name="w2")
    with tg.GradientTape() as tape:
        h = w * 2.0
        loss = tg.reduce_sum(np.asarray(h) * w2)  # w2's path is fine, w's is cut
    e = tape.explain(loss, [w, w2])
    assert [s.cause for s in e.sources] == ["numpy_roundtrip", None]
    assert "np.asarray" in str(e)


def test_numpy_round_trip_through_float():
    w = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        h = w * 2.0
        loss = tg.constant(float(h)) * 4.0
    e = tape.explain(loss, w)
    assert e.causes == ["numpy_roundtrip"]
    assert "float()" in str(e)


def test_numpy_function_on_a_tensor_is_a_probable_round_trip():
    w = tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        h = w * 2.0
        loss = tg.reduce_sum(tg.constant(np.exp(h.numpy())))  # values changed: no exact match
    e = tape.explain(loss, w)
    assert e.causes == ["numpy_roundtrip"]
    assert "probably a NumPy round trip" in str(e)
    w2 = tg.Variable([1.0, 1.0])
    with tg.GradientTape() as tape:  # the target is recorded (through w2) this time
        h = w * 2.0
        loss = tg.reduce_sum(tg.constant(np.exp(h.numpy())) * w2)
    e = tape.explain(loss, [w, w2])
    assert [s.cause for s in e.sources] == ["numpy_roundtrip", None]
    assert "constants made after that" in str(e)


def test_exports_do_not_keep_big_arrays_alive():
    import weakref

    w = tg.Variable(np.ones(100_000, np.float32))
    with tg.GradientTape() as tape:
        h = w * 2.0
        h.numpy()
        ref = weakref.ref(h._value)
        loss = tg.reduce_sum(h)
    del h
    tape.gradient(loss, w)
    gc.collect()
    assert ref() is None


# --- a Variable rebound to a Tensor ----------------------------------------------------
def test_augmented_assignment_on_a_variable_raises_as_tensorflow():
    x = tg.Variable(1.0, name="x")
    for op in ("+=", "-=", "*=", "/="):
        with pytest.raises(RuntimeError, match="assign_add"):
            exec(f"x {op} 1.0", {"x": x})
    assert float(x) == 1.0


def test_variable_rebound_by_binary_op_in_anomaly_mode():
    with tg.debugging.detect_anomaly():
        w = tg.Variable(1.0, name="w")
        line = _line() + 1
        w = w - 0.1 * 2.0
        with tg.GradientTape() as tape:
            y = w * w
        e = tape.explain(y, w)
    assert e.causes == ["rebound_variable"]
    assert "Variable 'w:0' by `-`" in str(e) and f"{HERE}:{line}" in str(e)


def test_variable_rebound_by_binary_op_is_named():
    x = tg.Variable(1.0, name="x")
    line = _line() + 1
    x = x + 1
    with tg.GradientTape() as tape:
        y = x * x
    e = tape.explain(y, x)
    assert e.causes == ["rebound_variable"]
    assert "computed from Variable 'x:0' by `+`" in str(e) and f"{HERE}:{line}" in str(e)
    assert "assign" in str(e)


def test_variable_rebound_inside_the_block():
    x = tg.Variable(2.0, name="x")
    with tg.GradientTape() as tape:
        y = x * x
        x = x + 1.0  # the new Tensor is recorded, but y does not use it
    e = tape.explain(y, x)
    assert e.causes == ["rebound_variable"]
    assert "computed from Variable 'x:0'" in str(e)


# --- targets and tapes ------------------------------------------------------------------
def test_integer_target():
    w = tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        i = tg.argmax(w)
    e = tape.explain(i, w)
    assert e.causes == ["target_not_float"]


def test_source_from_another_tape():
    x = tg.constant(1.0)
    with tg.GradientTape() as other:
        other.watch(x)
        y = x * 2.0
    with tg.GradientTape() as tape:
        z = tg.constant(3.0) * 2.0
    e = tape.explain(z, y)
    assert e.causes == ["other_tape"]
    del other


def test_connected_sources_and_structures():
    a, b = tg.Variable(1.0), tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        y = a * tg.reduce_sum(b)
    e = tape.explain([y, y * 2.0], {"a": a, "b": (b,)})
    assert e.causes == [] and e.missing == []
    assert "0 of 2 sources have no gradient" in str(e)
    assert all(s.has_gradient for s in e.sources)


def test_explain_does_not_consume_or_record():
    x = tg.constant(2.0)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        n = len(outer._entries)
        assert tape.explain(y, x).causes == []
        assert len(outer._entries) == n  # explain's internal sweep is not recorded
    assert float(tape.gradient(y, x)) == 4.0  # a non-persistent tape is still usable


def test_explain_after_gradient_released_the_tape():
    w = tg.Variable([1.0, 3.0])
    with tg.GradientTape() as tape:
        loss = tg.cast(tg.argmax(w), tg.float32)
    assert tape.gradient(loss, w) is None
    assert tape._entries == []  # released as usual
    e = tape.explain(loss, w)  # the README's flow: gradient, then explain
    assert e.causes == ["non_differentiable"] and "argmax" in str(e)


def test_explain_after_a_complete_gradient_says_released():
    x = tg.constant(1.0)
    y = tg.constant(1.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        z = x * 2.0
    tape.gradient(z, x)
    e = tape.explain(z, y)
    assert e.causes == ["released"]
    assert "persistent=True" in str(e)


def test_explain_shows_lines_in_anomaly_mode():
    w = tg.Variable([1.0, 2.0])
    with tg.debugging.detect_anomaly():
        with tg.GradientTape() as tape:
            line = _line() + 1
            i = tg.argmax(w)
            loss = tg.cast(i, tg.float32)
    text = str(tape.explain(loss, w))
    assert f"{HERE}:{line}" in text and "tg.argmax(w)" in text
    assert "detect_anomaly() to see" not in text


def test_explain_rejects_non_tensor_sources():
    with tg.GradientTape() as tape:
        pass
    with pytest.raises(TypeError, match="sources must be Tensors"):
        tape.explain(tg.constant(1.0), [1.0])
    with pytest.raises(TypeError, match="target is None"):
        tape.explain(None, [tg.constant(1.0)])


# --- unconnected_gradients="raise" -------------------------------------------------------
@pytest.mark.parametrize("policy", ["raise", tg.UnconnectedGradients.RAISE])
def test_raise_policy_carries_the_explanation(policy):
    w = tg.Variable([1.0, 3.0, 2.0], name="w")
    b = tg.Variable(1.0, name="b")
    with tg.GradientTape() as tape:
        loss = tg.cast(tg.argmax(w), tg.float32) * b
    with pytest.raises(ValueError) as info:
        tape.gradient(loss, [b, w], unconnected_gradients=policy)
    text = str(info.value)
    assert "no gradient for source 1" in text
    assert "goes through argmax, which has no gradient" in text
    assert "source 0: Variable 'b:0'" in text and "has a gradient" in text


def test_raise_policy_with_persistent_tape_and_unwatched_tensor():
    x = tg.constant(1.0)
    w = tg.Variable(2.0)
    with tg.GradientTape(persistent=True) as tape:
        y = w * x
    assert float(tape.gradient(y, w, unconnected_gradients="raise")) == 1.0
    with pytest.raises(ValueError, match="never watched"):
        tape.gradient(y, x, unconnected_gradients="raise")


def test_no_evidence_hooks_cost_outside_tapes():
    from tapegrad._core import events
    from tapegrad._core.state import engine

    calls = []

    def note(t, how):
        calls.append(how)

    events.subscribe(events.value_exported, note)
    try:
        x = tg.constant([1.0, 2.0])
        x.numpy(), np.asarray(x), float(x[0])
        assert engine.active == 0 and calls == []  # no tape: the observer is not even called
        with tg.GradientTape() as tape:
            tape.watch(x)
            x.numpy()
    finally:
        events.unsubscribe(events.value_exported, note)
    assert calls == [".numpy()"]


def test_record_hook_runs_only_while_it_has_work():
    from tapegrad._core import events

    gc.collect()  # tapes of earlier tests that held evidence
    assert not events.op_recorded  # the default: recording pays one `is not None` test
    with tg.debugging.detect_anomaly():
        assert bool(events.op_recorded)
    assert not events.op_recorded
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        tg.constant(5.0).numpy()  # not a value of the tape: no evidence
        assert not events.op_recorded
        y = x * 2.0
        y.numpy()  # a tape value leaves: follow constants from now on, for this tape
        assert bool(events.op_recorded)
    del tape, y
    gc.collect()
    assert not events.op_recorded


def test_no_debugging_observer_runs_per_op_unless_needed():
    from tapegrad._core import events, state

    def per_op_observers():
        return list(events.op_finished) + list(events.op_recorded) + list(events.rule_running)

    def run_ops(x):
        return tg.reduce_sum(tg.exp(x) * 2.0 + tg.sin(x))

    gc.collect()
    x = tg.constant([1.0, 2.0])
    run_ops(x)
    assert per_op_observers() == [] and state.engine.active == 0
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = run_ops(x)
        assert per_op_observers() == []  # a plain tape: only per-tape events
    tape.gradient(y, x)
    run_ops(x)
    assert per_op_observers() == [] and state.engine.active == 0
    with tg.GradientTape() as kept:  # evidence to follow while it records, and a pause
        kept.watch(x)
        z = run_ops(x)
        z.numpy()
        assert bool(events.op_recorded)
        with kept.stop_recording():
            assert bool(events.op_finished)
            run_ops(x)
        assert not events.op_finished
    run_ops(x)  # the tape is alive and holds evidence, but records no more
    assert per_op_observers() == [] and state.engine.active == 0
    assert kept.explain(z, x).causes == []


def test_every_cause_is_documented():
    from tapegrad.debugging.reasons import CAUSES, REASONS

    assert set(CAUSES) == {r.cause for r in REASONS.values()}
    for cause in CAUSES:
        assert f"``{cause}``" in tg.debugging.__doc__, cause


def test_integer_links_exact_and_matched():
    def run():
        w = tg.Variable([[1.0, 5.0], [3.0, 2.0]])
        b = tg.Variable([1.0, 2.0])
        with tg.GradientTape(persistent=True) as tape:
            rows = tg.argmax(w, axis=1)  # int64 (2,) from w
            cols = tg.argmax(b * 1.0)  # int64 () from b
            loss = tg.reduce_sum(tg.cast(rows, tg.float32)) + tg.cast(cols, tg.float32) * b
        return tape, loss, w, b

    tape, loss, w, b = run()  # links matched by shape and dtype
    assert tape.explain(loss, [w, b]).causes == ["non_differentiable"]
    text = str(tape.explain(loss, w))
    assert "argmax` ((2, 2) float32 -> (2,) int64)" in text
    with tg.debugging.detect_anomaly():  # exact ids
        tape, loss, w, b = run()
    assert "argmax` ((2, 2) float32 -> (2,) int64)" in str(tape.explain(loss, w))


def test_release_keeps_no_ops_when_only_unknown_sources_lack_a_gradient():
    w, unused = tg.Variable(2.0), tg.Variable(1.0, name="unused")
    with tg.GradientTape() as tape:
        loss = w * w
    grads = tape.gradient(loss, [w, unused])
    assert grads[1] is None
    assert tape._debug_log.skeleton.nodes == []  # nothing copied for the common case
    e = tape.explain(loss, [unused])
    assert e.causes == ["not_watched"] and "'unused:0' was never read" in str(e)
    assert tape.explain(loss, [w]).causes == []  # it had a gradient in that call
    assert tape.explain(loss, [loss]).causes == ["released"]  # not asked then: unknown now


def test_raise_lists_connected_sources_after_a_partial_release():
    w, unused = tg.Variable(2.0), tg.Variable(1.0, name="unused")
    with tg.GradientTape() as tape:
        loss = w * w
    with pytest.raises(ValueError) as info:
        tape.gradient(loss, [w, unused], unconnected_gradients="raise")
    text = str(info.value)
    assert "1 of 2 sources has no gradient" in text and "source 0" in text
    assert "'unused:0' was never read" in text
