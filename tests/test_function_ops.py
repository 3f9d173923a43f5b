"""The op table through ``tapegrad.function``: compiled results equal eager ones bit for bit.

Each spec is traced on its inputs and then called on two other inputs of the same
shapes (scaled), so a value the trace baked in by mistake would show. Checked:
the forward values, first and second order gradients (a tape inside a tape inside
the compiled function), and a Jacobian (one batched sweep).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg

from .op_specs import all_specs

# Specs whose function calls tg.random.set_seed itself: a Python side effect, so compiled it
# runs at trace time only (as in tf.function) and later calls draw fresh numbers.
RESEEDS = {"dropout"}
SPECS = [s for s in all_specs() if s.name not in RESEEDS]
# The trace uses the first; the program runs on the others: scaled, sign-flipped, and
# reversed (so that comparisons, masks and orderings change too).
VARIANTS = ((1.0, False), (1.05, False), (-0.9, False), (1.1, True))


def _outputs(out):
    leaves = out if isinstance(out, (list, tuple)) else [out]
    outs = [tg.convert_to_tensor(o) for o in leaves if o is not None]
    return [tg.math.real(o) if o.dtype.kind == "c" else o for o in outs]


def _inputs(spec, scale, reverse):
    xs = []
    for x in spec.inputs:
        x = np.asarray(x)
        if x.dtype.kind in "fc":
            x = x * scale
            if reverse:
                x = x.reshape(-1)[::-1].reshape(x.shape)
        xs.append(tg.constant(x))
    return xs


def _forward(spec):
    return lambda *xs: _outputs(spec.fn(*xs))


def _weights(o):
    """Distinct weights, so that every output element counts differently."""
    return tg.reshape(tg.cast(tg.range(1, o.size + 1), o.dtype), o.shape) / float(max(o.size, 1))


def _gradients(spec):
    def grads(*xs):
        floats = [x for x in xs if x.dtype.kind in "fc"]
        with tg.GradientTape() as outer:
            outer.watch(floats)
            with tg.GradientTape() as inner:
                inner.watch(floats)
                outs = [o for o in _outputs(spec.fn(*xs)) if o.dtype.kind == "f"]
                loss = sum(tg.reduce_sum(o * _weights(o)) for o in outs)
            first = inner.gradient(loss, floats, unconnected_gradients="zero")
            projected = sum(tg.reduce_sum(tg.convert_to_tensor(g) ** 2) for g in first)
        second = None
        if spec.order >= 2:
            second = outer.gradient(projected, floats, unconnected_gradients="zero")
        else:
            del outer
        return first, second

    return grads


def _jacobian(spec):
    def jac(*xs):
        floats = [x for x in xs if x.dtype.kind in "fc"]
        with tg.GradientTape() as tape:
            tape.watch(floats)
            outs = [o for o in _outputs(spec.fn(*xs)) if o.dtype.kind == "f"]
        return tape.jacobian(outs[0], floats, unconnected_gradients="zero") if outs else []

    return jac


def _flat(value):
    if value is None:
        return [None]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _flat(v)]
    return [value]


def _assert_same(got, want, what):
    got, want = _flat(got), _flat(want)
    assert len(got) == len(want), what
    for g, w in zip(got, want):
        if w is None:
            assert g is None, what
            continue
        assert type(g) is type(w), what
        g, w = tg.convert_to_tensor(g), tg.convert_to_tensor(w)
        assert g.dtype == w.dtype and g.shape == w.shape, what
        np.testing.assert_array_equal(g.numpy(), w.numpy(), err_msg=what)


def _check(spec, make):
    body = make(spec)
    compiled = tg.function(body)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an eager fallback would warn
        np.seterr(all="ignore")
        try:
            for scale, reverse in VARIANTS:
                xs = _inputs(spec, scale, reverse)
                what = f"{spec.name} at scale {scale}{', reversed' if reverse else ''}"
                tg.random.set_seed(5)
                try:
                    want = body(*xs)
                except Exception as err:  # outside the op's domain: the same error compiled
                    if scale == 1.0:
                        raise
                    with pytest.raises(type(err)):
                        compiled(*xs)
                    continue
                tg.random.set_seed(5)
                got = compiled(*xs)
                _assert_same(got, want, what)
        finally:
            np.seterr(all="warn")
    assert compiled.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_forward_compiled_equals_eager(spec):
    _check(spec, _forward)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.differentiable], ids=repr)
def test_gradients_compiled_equal_eager(spec):
    _check(spec, _gradients)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.differentiable and s.check_batched],
                         ids=repr)
def test_jacobian_compiled_equals_eager(spec):
    _check(spec, _jacobian)
