"""Run one op spec on a foreign array library: forward and first-order gradient.

Used by tests/test_op_table_backends.py (and handy at a prompt): ``run(spec, backend)``
returns "ok" when outputs and gradients stay in the backend's arrays and equal NumPy's,
or the NotImplementedError message when the op refuses the backend (it must name the op
and the library); anything else is a failure and raises.
"""

from __future__ import annotations

import numpy as np

import tapegrad as tg
from tapegrad.ops._namespace import library, to_numpy


def make(backend: str):
    """(to_foreign(np_array), is_foreign(array)) for a backend name."""
    if backend == "dask":
        import dask.array as da

        def to(x):
            x = np.asarray(x)
            chunks = tuple(max(1, (s + 1) // 2) for s in x.shape)  # two chunks per axis
            return da.from_array(x, chunks=chunks)

        return to, lambda a: isinstance(a, da.Array)
    if backend == "strict":
        import array_api_strict as xs

        # A device other than the CPU: like a GPU library's arrays, they refuse to become
        # NumPy arrays implicitly, so an op body that calls NumPy on them fails loudly.
        device = xs.Device("device1")
        return ((lambda x: xs.asarray(np.asarray(x), device=device)),
                (lambda a: isinstance(a, type(xs.asarray(0.0))) and a.device == device))
    if backend == "cupy":
        import cupy

        return (lambda x: cupy.asarray(np.asarray(x))), (lambda a: isinstance(a, cupy.ndarray))
    raise ValueError(backend)


def _leaves(out):
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return [tg.convert_to_tensor(o) for o in leaves if o is not None]


def _grads(spec, xs):
    tg.random.set_seed(0)  # (random ops draw the same values in both runs)
    with tg.GradientTape() as tape:
        tape.watch(xs)
        outs = _leaves(spec.fn(*xs))
    floats = [o for o in outs if o.dtype.kind in "fc"]
    grads = tape.gradient(floats, xs) if spec.differentiable and floats else [None] * len(xs)
    return outs, grads


def run(spec, backend: str) -> str:
    to, is_foreign = make(backend)
    ref_outs, ref_grads = _grads(spec, [tg.constant(np.asarray(x, np.float64))
                                        for x in spec.inputs])
    try:
        outs, grads = _grads(spec, [tg.constant(to(np.asarray(x, np.float64)))
                                    for x in spec.inputs])
    except NotImplementedError as err:
        message = str(err)
        name = library(to(np.zeros(1)))
        assert "not implemented for" in message and name in message.lower(), message
        return message
    assert len(outs) == len(ref_outs), spec.name
    for got, want in [*zip(outs, ref_outs), *zip(grads, ref_grads)]:
        if want is None:
            assert got is None, f"{spec.name}: a gradient where NumPy has none"
            continue
        got, want = tg.convert_to_tensor(got), tg.convert_to_tensor(want)
        assert is_foreign(got._value) or got.size == 0, (
            f"{spec.name}: the result left {backend}: {type(got._value)}")
        value = to_numpy(got._value)
        assert value.shape == want.shape, f"{spec.name}: shape {value.shape} != {want.shape}"
        np.testing.assert_allclose(value, want.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=spec.name)
    return "ok"
