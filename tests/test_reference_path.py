"""The fast paths change nothing: the op table through the plain reference path, bit for bit.

``Primitive.bind`` special-cases one- and two-input ops, NumPy scalars and calls
without params, and recording special-cases a single tape. Here the op table
runs once as it is and once with ``bind`` replaced by ``Primitive.bind_reference``
and recording forced onto its general path (the one for several tapes),
and the values, gradients and second derivatives must be equal to the bit.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._core import record
from tapegrad._core.primitive import Primitive

from .op_specs import all_specs

SPECS = all_specs()


def _floats(out) -> list:
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return [tg.convert_to_tensor(o) for o in leaves if o is not None]


def _run(spec) -> list:
    """Outputs, gradients on one tape, and second-order gradients on nested tapes, as arrays."""
    tg.random.set_seed(0)  # random ops draw the same numbers in both runs
    xs = [tg.constant(np.asarray(x, np.float64)) for x in spec.inputs]
    with tg.GradientTape() as tape:  # one tape: recording's single-tape path
        tape.watch(xs)
        outs = _floats(spec.fn(*xs))
    first = tape.gradient(outs, xs) if spec.differentiable else []
    second: list = []
    if spec.differentiable and spec.order >= 2:
        tg.random.set_seed(0)
        with tg.GradientTape() as outer:
            outer.watch(xs)
            with tg.GradientTape() as inner:
                inner.watch(xs)
                inner_outs = _floats(spec.fn(*xs))
            total = [tg.reduce_sum(g) for g in inner.gradient(inner_outs, xs) if g is not None]
        second = list(outer.gradient(total, xs)) if total else []
    leaves = outs + [g for g in list(first) + second if g is not None]
    return [np.asarray(tg.convert_to_tensor(t).numpy()) for t in leaves]


def _plain_record(tapes, prim, args, result, params):
    entry = record.record_on_each(tapes, prim, args, result, params)
    if record.events.op_recorded:
        record.events.op_recorded.emit(tapes, prim, args, result, entry)


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_reference_path_gives_identical_results(spec, monkeypatch):
    fast = _run(spec)
    monkeypatch.setattr(Primitive, "bind", Primitive.bind_reference)
    monkeypatch.setattr(record, "record", _plain_record)
    plain = _run(spec)
    assert len(fast) == len(plain)
    for f, p in zip(fast, plain):
        assert f.dtype == p.dtype and f.shape == p.shape
        np.testing.assert_array_equal(f, p, err_msg=spec.name, strict=True)


def test_the_reference_path_is_really_taken(monkeypatch):
    calls = []
    reference = Primitive.bind_reference

    def counting(self, *args, **params):
        calls.append(self.name)
        return reference(self, *args, **params)

    monkeypatch.setattr(Primitive, "bind", counting)
    tg.exp(tg.constant(1.0)) * 2.0
    assert calls == ["exp", "multiply"]
