"""Every op of the table on float16 inputs keeps float16, forward and backward.

Each spec runs on its inputs rounded to float16 and, as the reference, on the same
values in float64. Float outputs must be float16 and agree with the reference to
float16 precision; wherever the float64 run has a gradient (reverse mode) or a tangent
(forward mode), the float16 run has one too, in float16 and close to it. TensorFlow has
no float16 kernel for some linear algebra: those ops refuse float16 with a TypeError
that names the op and the dtype. Specs that cannot run in float16 say why below.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pytest

import tapegrad as tg

from .op_specs import all_specs

SPECS = all_specs()
RTOL = ATOL = 1e-2  # float16 has 11 significant bits; ATOL is relative to the output's scale


def _matrices(lib):
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])  # symmetric positive
    return (lib.constant(a, lib.float16), lib.constant(np.ones((3, 2)), lib.float16))


# Primitives with no float16 kernel in TensorFlow, each with its call in either library.
NO_FLOAT16 = {
    "det": lambda lib, a, b: lib.linalg.det(a),
    "slogdet": lambda lib, a, b: lib.linalg.slogdet(a),
    "cholesky": lambda lib, a, b: lib.linalg.cholesky(a),
    "solve": lambda lib, a, b: lib.linalg.solve(a, b),
    "triangular_solve": lambda lib, a, b: lib.linalg.triangular_solve(a, b),
    "eigh": lambda lib, a, b: lib.linalg.eigh(a),
    "svd": lambda lib, a, b: lib.linalg.svd(a),
    "svd_full": lambda lib, a, b: lib.linalg.svd(a, full_matrices=True),
    "svd_values": lambda lib, a, b: lib.linalg.svd(a, compute_uv=False),
    "expm": lambda lib, a, b: lib.linalg.expm(a),
}

# Primitives tapegrad runs in float16 although TensorFlow has no float16 kernel, and why.
BEYOND_TENSORFLOW = {
    "polygamma": (
        lambda lib, a, b: lib.math.polygamma(lib.ones_like(a), a),
        "SciPy computes it and the result is cast back; the second derivatives of lgamma "
        "and digamma in float16 need it",
    ),
}

# Specs that fix their own dtypes, so a float16 run says nothing about the op.
OWN_DTYPES = {
    "cast": "casts to float32 and back to float64 by design",
    "real/conj": "casts to complex128 and float64 by design",
    "top_k/all": "multiplies by a float64 constant",
    "complex_abs": "builds complex128 from non-float32 inputs (there is no float16 complex)",
    "complex/sign_exp_sqrt": "builds complex128 from non-float32 inputs (no float16 complex)",
}

# Random ops: a float16 draw is not the float64 draw, so only dtypes and gradients are checked.
RANDOM_VALUES = {
    "dropout": "the float16 uniform draw differs from the float64 one (TensorFlow's too)",
    "random/shuffle": "an op seed without a global seed shuffles differently on each call",
}


def _refuses_float16(spec) -> bool:
    return bool(set(spec.primitives) & set(NO_FLOAT16))


CHECKED = [s for s in SPECS if s.name not in OWN_DTYPES and not _refuses_float16(s)]
REFUSED = [s for s in SPECS if s.name not in OWN_DTYPES and _refuses_float16(s)]


@dataclass
class Run:
    outputs: list  # tensors
    grads: list  # per float input: a dense tensor or None
    tangents: list  # per float input: per float output, a tensor or None


def _float16_values(spec) -> list:
    """The spec's inputs, float ones rounded to float16 (so both runs see the same values)."""
    return [np.asarray(x).astype(np.float16) if np.asarray(x).dtype.kind == "f"
            else np.asarray(x) for x in spec.inputs]


def _leaves(out) -> list:
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return [tg.convert_to_tensor(o) for o in leaves if o is not None]


def _dense(value):
    return None if value is None else tg.convert_to_tensor(value)


def _run(spec, dtype) -> Run:
    values = _float16_values(spec)
    xs = [tg.constant(v.astype(dtype) if v.dtype.kind == "f" else v) for v in values]
    floats = [x for x in xs if x.dtype.kind == "f"]
    with tg.GradientTape() as tape:
        tape.watch(floats)
        outs = _leaves(spec.fn(*xs))
    run = Run(outs, [], [])
    if not spec.differentiable:
        return run
    targets = [o for o in outs if o.dtype.kind == "f"]
    run.grads = [_dense(g) for g in tape.gradient(targets, floats)]
    if "fwd" in spec.modes:
        rng = np.random.default_rng(7)
        for x in floats:
            direction = rng.standard_normal(x.shape).astype(np.float16).astype(dtype)
            with tg.ForwardAccumulator(x, tg.constant(direction)) as acc:
                outs = [o for o in _leaves(spec.fn(*xs)) if o.dtype.kind == "f"]
            run.tangents.append([_dense(t) for t in acc.jvp(outs)])
    return run


def _assert_close(got, ref, what: str, values: bool) -> None:
    """float16 where the reference is float64 (other dtypes unchanged), and close to it."""
    if ref.dtype == np.float64:
        assert got.dtype == np.float16, f"{what}: float16 inputs gave {got.dtype.name}"
    else:
        assert got.dtype == ref.dtype, f"{what}: dtype {got.dtype.name}, expected {ref.dtype.name}"
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    ref_values = ref.numpy()
    if not values or ref.dtype.kind != "f" or ref_values.size == 0:
        return
    finite = np.abs(ref_values[np.isfinite(ref_values)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(got.numpy().astype(np.float64), ref_values, rtol=RTOL,
                               atol=ATOL * scale, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("spec", CHECKED, ids=repr)
def test_item08_every_op_keeps_float16_forward_reverse_and_forward_mode(spec):
    half = _run(spec, np.float16)
    ref = _run(spec, np.float64)
    values = spec.name not in RANDOM_VALUES
    assert len(half.outputs) == len(ref.outputs)
    for k, (h, r) in enumerate(zip(half.outputs, ref.outputs)):
        _assert_close(h, r, f"{spec.name}: output {k}", values)
    for k, (h, r) in enumerate(zip(half.grads, ref.grads)):
        if r is not None:
            assert h is not None, f"{spec.name}: no float16 gradient for input {k}"
            _assert_close(h, r, f"{spec.name}: gradient {k}", values)
    for k, (hs, rs) in enumerate(zip(half.tangents, ref.tangents)):
        for j, (h, r) in enumerate(zip(hs, rs)):
            if r is not None:
                assert h is not None, f"{spec.name}: no float16 tangent of output {j} for input {k}"
                _assert_close(h, r, f"{spec.name}: tangent of output {j} for input {k}", values)


@pytest.mark.parametrize("spec", REFUSED, ids=repr)
def test_item08_ops_without_float16_in_tensorflow_raise_a_clear_type_error(spec):
    xs = [tg.constant(v) for v in _float16_values(spec)]
    with pytest.raises(TypeError, match="float16") as info:
        spec.fn(*xs)
    op = str(info.value).split(":")[0]
    assert op in spec.primitives or hasattr(tg.linalg, op), f"{spec.name}: {info.value}"


@pytest.mark.parametrize("name", sorted(NO_FLOAT16))
def test_item08_listed_ops_refuse_float16_and_name_the_op(name):
    with pytest.raises(TypeError, match=r"\w+: .*float16"):
        NO_FLOAT16[name](tg, *_matrices(tg))
    assert any(name in s.primitives for s in SPECS), f"no spec covers {name}"


@pytest.mark.parametrize("name", sorted(BEYOND_TENSORFLOW))
def test_item08_ops_beyond_tensorflow_keep_float16(name):
    call, reason = BEYOND_TENSORFLOW[name]
    assert reason
    out = call(tg, *_matrices(tg))
    assert out.dtype == np.float16
    assert any(name in s.primitives for s in CHECKED), f"no float16-checked spec covers {name}"


def test_item08_every_listed_spec_exists_and_says_why():
    names = {s.name for s in SPECS}
    for listed in (OWN_DTYPES, RANDOM_VALUES):
        for name, reason in listed.items():
            assert name in names, f"{name} is listed but is not in the op table"
            assert reason
    assert not set(RANDOM_VALUES) & set(OWN_DTYPES)


def test_item08_gelu_float16_keeps_its_dtype_and_has_a_gradient():
    x = tg.constant([-1.5, 0.0, 2.0], tg.float16)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.nn.gelu(x)  # approximate=False: the exact, erfc form
    g = tape.gradient(y, x)
    assert y.dtype == tg.float16 and g.dtype == tg.float16
    xs = np.array([-1.5, 0.0, 2.0])
    cdf = 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in xs]))
    np.testing.assert_allclose(y.numpy(), xs * cdf, rtol=2e-3, atol=1e-3)
    pdf = np.exp(-xs * xs / 2) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(g.numpy(), cdf + xs * pdf, rtol=2e-3, atol=1e-3)


# --- against TensorFlow ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("tensorflow")


@pytest.mark.parametrize("name", sorted(NO_FLOAT16))
def test_item08_tensorflow_has_no_float16_kernel_for_the_listed_ops(tf, name):
    a, b = _matrices(tf)
    NO_FLOAT16[name](tf, tf.cast(a, tf.float32), tf.cast(b, tf.float32))  # float32 works
    with pytest.raises((tf.errors.NotFoundError, tf.errors.InvalidArgumentError)):
        NO_FLOAT16[name](tf, a, b)


@pytest.mark.parametrize("name", sorted(BEYOND_TENSORFLOW))
def test_item08_tensorflow_refuses_float16_for_the_ops_beyond_it(tf, name):
    call, _ = BEYOND_TENSORFLOW[name]
    with pytest.raises((tf.errors.NotFoundError, tf.errors.InvalidArgumentError)):
        call(tf, *_matrices(tf))


def test_item08_gelu_float16_matches_tensorflow(tf):
    values = np.array([-3.0, -1.5, -0.25, 0.0, 0.5, 2.0, 4.0], np.float16)
    results = []
    for lib in (tf, tg):
        x = lib.constant(values)
        with lib.GradientTape() as tape:
            tape.watch(x)
            y = lib.nn.gelu(x)
        g = tape.gradient(y, x)
        assert y.dtype == lib.float16 and g.dtype == lib.float16
        results.append((y.numpy(), g.numpy()))
    (ty, tgrad), (y, g) = results
    np.testing.assert_allclose(y, ty, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(g, tgrad, rtol=2e-3, atol=2e-3)
