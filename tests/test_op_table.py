"""Every op, one table: gradients (orders 1-2, both modes), float32 values, batching."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._core.primitive import REGISTRY
from tapegrad.testing import check_gradients

from .op_specs import INDIRECT, all_specs

SPECS = all_specs()
DIFFERENTIABLE = [s for s in SPECS if s.differentiable]


def _float_outputs(out):
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return [tg.convert_to_tensor(o) for o in leaves if o is not None]


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=repr)
def test_gradients_match_finite_differences(spec):
    check_gradients(spec.fn, spec.inputs, order=spec.order, modes=spec.modes, eps=spec.eps,
                    rtol=spec.rtol, atol=spec.atol)


@pytest.mark.parametrize("spec", [s for s in SPECS if not s.differentiable], ids=repr)
def test_nondifferentiable_ops_give_none(spec):
    xs = [tg.constant(np.asarray(x, np.float64)) for x in spec.inputs]
    with tg.GradientTape() as tape:
        tape.watch(xs)
        outs = _float_outputs(spec.fn(*xs))
    grads = tape.gradient(outs, xs)
    assert all(g is None for g in grads), f"{spec.name}: expected no gradient, got {grads}"


@pytest.mark.parametrize("spec", [s for s in SPECS if s.reference is not None and s.check_float32],
                         ids=repr)
def test_float32_forward_matches_reference(spec):
    xs32 = [np.asarray(x, np.float32) for x in spec.inputs]
    got = _float_outputs(spec.fn(*[tg.constant(x) for x in xs32]))
    expected = spec.reference(*xs32)
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        e = np.asarray(e)
        assert g.shape == e.shape, f"{spec.name}: shape {g.shape} != {e.shape}"
        if e.dtype.kind == "f":
            assert g.dtype == np.float32, f"{spec.name}: float32 input gave {g.dtype}"
        np.testing.assert_allclose(g.numpy(), e, rtol=spec.float32_rtol, atol=spec.float32_atol)


@pytest.mark.parametrize("spec", [s for s in DIFFERENTIABLE if s.check_batched], ids=repr)
def test_batched_vjp_matches_row_by_row(spec):
    """One reverse sweep with a batch of cotangents equals one sweep per output element."""
    xs = [tg.constant(np.asarray(x, np.float64)) for x in spec.inputs]
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(xs)
        outs = _float_outputs(spec.fn(*xs))
    for out in outs:
        batched = tape.jacobian(out, xs, unconnected_gradients="zero")
        looped = tape.jacobian(out, xs, unconnected_gradients="zero", experimental_use_pfor=False)
        for b, lp in zip(batched, looped):
            np.testing.assert_allclose(b.numpy(), lp.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", [s for s in DIFFERENTIABLE if len(s.inputs) > 1], ids=repr)
def test_each_input_alone_gets_the_same_gradient(spec):
    """Watching one input at a time saves less (vjp_reads); the gradient must not change."""
    xs = [tg.constant(np.asarray(x, np.float64)) for x in spec.inputs]
    with tg.GradientTape() as tape:
        tape.watch(xs)
        outs = _float_outputs(spec.fn(*xs))
    full = tape.gradient(outs, xs, unconnected_gradients="zero")
    for i in range(len(xs)):
        with tg.GradientTape() as tape:
            tape.watch(xs[i])
            outs = _float_outputs(spec.fn(*xs))
        alone = tape.gradient(outs, xs[i], unconnected_gradients="zero")
        np.testing.assert_allclose(tg.convert_to_tensor(alone).numpy(),
                                   tg.convert_to_tensor(full[i]).numpy(), rtol=1e-12, atol=1e-12)


def test_every_registered_primitive_has_a_spec():
    covered = {p for s in SPECS for p in s.primitives} | set(INDIRECT)
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"primitives without an op spec: {missing}"


def test_specs_name_only_registered_primitives():
    unknown = sorted({p for s in SPECS for p in s.primitives} - set(REGISTRY))
    assert not unknown, f"specs name unknown primitives: {unknown}"


@pytest.mark.parametrize(
    "spec", [s for s in DIFFERENTIABLE if s.check_batched and "fwd" in s.modes], ids=repr
)
def test_batched_jvp_matches_reverse_jacobian(spec):
    """One forward sweep with a batch of tangents (one per input element) gives the Jacobian.

    It must equal one forward sweep per tangent, and (for real values) the reverse-mode
    Jacobian. Ops without a JVP rule are transposed from their VJP; batchable=False ops loop.
    """
    xs = [tg.constant(np.asarray(x, np.float64)) for x in spec.inputs]
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(xs)
        outs = _float_outputs(spec.fn(*xs))
    for x in xs:
        if x.dtype.kind not in "fc" or x.size == 0:
            continue
        n = x.size
        eye = np.eye(n, dtype=x.dtype).reshape((n,) + x.shape)
        with tg.ForwardAccumulator(x, tg.constant(eye), batch_ndim=1) as acc:
            batched = acc.jvp(_float_outputs(spec.fn(*xs)), unconnected_gradients="zero")
        columns = []
        for k in range(n):
            with tg.ForwardAccumulator(x, tg.constant(eye[k])) as acc:
                columns.append(acc.jvp(_float_outputs(spec.fn(*xs)), unconnected_gradients="zero"))
        for j, (out, b) in enumerate(zip(outs, batched)):
            assert b.shape == (n,) + out.shape, f"{spec.name}: batched tangent shape {b.shape}"
            looped = np.stack([c[j].numpy() for c in columns])
            np.testing.assert_allclose(b.numpy(), looped, rtol=1e-10, atol=1e-12)
            if out.dtype.kind == "f" and x.dtype.kind == "f":
                rev = tape.jacobian(out, x, unconnected_gradients="zero").numpy()
                fwd = np.moveaxis(b.numpy().reshape((n,) + out.shape), 0, -1)
                # loose enough for ops that round through float32 (cast), tight for structure
                np.testing.assert_allclose(fwd.reshape(rev.shape), rev, rtol=1e-6, atol=1e-8)
