"""Every op of the table on inputs with a zero-size dimension (each spec's ``empty`` case).

Without TensorFlow the checks hold against what each case records: the output shapes (and
the spec's dtypes), or the error TensorFlow raises, which must be ours (naming the op), not
NumPy's; gradients in both modes and Jacobians keep their inputs' and outputs' shapes, and
finite differences check the inputs that are not empty. With TensorFlow installed the same
spec function also runs on TensorFlow (rebuilt with TensorFlow's API in place of tapegrad's),
and its answer, error or not, values and gradients, must be tapegrad's.
"""

from __future__ import annotations

import functools
import os
import types

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.testing import check_gradients

from .op_specs import Empty, all_specs, randn

SPECS = all_specs()
CASES = [s for s in SPECS if isinstance(s.empty, Empty)]
WORKING = [s for s in CASES if not s.empty.raises]
PUBLIC = ("linalg", "math", "nn", "random")  # tapegrad namespaces with a TensorFlow twin


def _inputs(spec) -> list:
    return [randn(*x, seed=k) if isinstance(x, tuple) else np.asarray(x)
            for k, x in enumerate(spec.empty.inputs)]


def _call(spec):
    return spec.empty.fn or spec.fn


def _leaves(out) -> list:
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return [o for o in leaves if o is not None]


def _floats(leaves) -> list:
    """The float and complex leaves, of tapegrad or of TensorFlow."""
    return [o for o in leaves if np.dtype(getattr(o.dtype, "as_numpy_dtype", o.dtype)).kind in "fc"]


def _run(spec, xs) -> list:
    return [tg.convert_to_tensor(o) for o in _leaves(_call(spec)(*xs))]


def test_every_spec_has_an_empty_case_or_says_why_not():
    missing = [s.name for s in SPECS if not isinstance(s.empty, Empty)
               and not (isinstance(s.empty, str) and s.empty)]
    assert not missing, f"specs without an empty case or a reason: {missing}"


@pytest.mark.parametrize("spec", CASES, ids=repr)
def test_item09_empty_inputs_give_tensorflows_shapes_or_a_clear_error(spec):
    xs = [tg.constant(x) for x in _inputs(spec)]
    if spec.empty.raises:
        cls, op = spec.empty.raises
        with pytest.raises(cls) as info:
            _run(spec, xs)
        message = str(info.value)
        assert op in message, f"{spec.name}: the error does not name {op}: {message}"
        assert "invalid arguments" not in message, f"{spec.name}: NumPy's error: {message}"
        return
    got = _run(spec, xs)
    assert [o.shape for o in got] == [tuple(s) for s in spec.empty.out], spec.name
    regular = _leaves(spec.fn(*[tg.constant(np.asarray(x, np.float64)) for x in spec.inputs]))
    assert [o.dtype for o in got] == [tg.convert_to_tensor(o).dtype for o in regular], spec.name


@pytest.mark.parametrize("spec", [s for s in WORKING if s.differentiable], ids=repr)
def test_item09_empty_inputs_have_gradients_of_their_shapes(spec):
    arrays = _inputs(spec)
    xs = [tg.constant(x) for x in arrays]
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(xs)
        outs = _floats(_run(spec, xs))
    grads = tape.gradient(outs, xs, unconnected_gradients="zero")
    for x, g in zip(xs, grads):
        g = tg.convert_to_tensor(g)
        assert (g.shape, g.dtype) == (x.shape, x.dtype), f"{spec.name}: gradient {g.shape}"
    for out in outs:
        batched = tape.jacobian(out, xs, unconnected_gradients="zero")
        looped = tape.jacobian(out, xs, unconnected_gradients="zero", experimental_use_pfor=False)
        for x, b, lp in zip(xs, batched, looped):
            assert b.shape == out.shape + x.shape, f"{spec.name}: jacobian {b.shape}"
            np.testing.assert_allclose(b.numpy(), lp.numpy(), rtol=1e-10, atol=1e-12)
    if "fwd" in spec.modes:
        tangents = [tg.constant(randn(*x.shape, seed=9)) for x in xs]
        with tg.ForwardAccumulator(xs, tangents) as acc:
            jvps = acc.jvp(_floats(_run(spec, xs)), unconnected_gradients="zero")
        assert [(t.shape, t.dtype) for t in jvps] == [(o.shape, o.dtype) for o in outs], spec.name
    check_gradients(_call(spec), arrays, order=spec.order, modes=spec.modes, eps=spec.eps,
                    rtol=spec.rtol, atol=spec.atol)


@pytest.mark.parametrize("spec", [s for s in WORKING if not s.differentiable], ids=repr)
def test_item09_empty_inputs_of_nondifferentiable_ops_give_none(spec):
    xs = [tg.constant(x) for x in _inputs(spec)]
    with tg.GradientTape() as tape:
        tape.watch(xs)
        outs = _floats(_run(spec, xs))
    assert all(g is None for g in tape.gradient(outs, xs)), spec.name


# --- the same cases on TensorFlow ----------------------------------------------------------------
def _tensorflow_or_none():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow
    except ImportError:
        return None
    return tensorflow


@functools.cache
def _public_twins(tf) -> dict:
    """``id`` of each public tapegrad namespace and function -> TensorFlow's of the same name."""
    twins = {}
    for ns, tf_ns in [(tg, tf)] + [(getattr(tg, p), getattr(tf, p)) for p in PUBLIC]:
        twins[id(ns)] = tf_ns
        for name in dir(ns):
            obj = getattr(ns, name)
            if callable(obj) and hasattr(tf_ns, name):
                twins.setdefault(id(obj), getattr(tf_ns, name))
    return twins


def _on_tensorflow(fn, tf):
    """``fn`` rebuilt so that the tapegrad API it calls (by global name or closure) is TensorFlow's.

    Spec functions are written against TensorFlow's API; helpers of the spec modules they call
    are rebuilt the same way, anything else (NumPy, tapegrad's internals) is left as it is.
    """
    twins = _public_twins(tf)
    rebuilt: dict = {}

    def twin(obj):
        if id(obj) in twins:
            return twins[id(obj)]
        if not isinstance(obj, types.FunctionType) or not obj.__module__.startswith("tests."):
            return obj
        if id(obj) not in rebuilt:
            scope: dict = {}
            cells = tuple(types.CellType(twin(c.cell_contents)) for c in obj.__closure__ or ())
            rebuilt[id(obj)] = types.FunctionType(obj.__code__, scope, obj.__name__,
                                                  obj.__defaults__, cells)
            scope.update({k: twin(v) for k, v in obj.__globals__.items()})
        return rebuilt[id(obj)]

    return twin(fn)


def _tf_outputs(tf, out) -> list:
    leaves = _leaves(out)
    stray = [type(o).__name__ for o in leaves if not isinstance(o, tf.Tensor)]
    assert not stray, f"the TensorFlow version returned {stray}: give the case tf= or no_tf="
    return leaves


@pytest.mark.parametrize("spec", [s for s in CASES if not s.empty.no_tf], ids=repr)
def test_item09_empty_inputs_match_tensorflow(spec):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = pytest.importorskip("tensorflow")
    arrays = _inputs(spec)
    if spec.empty.tf:
        tf_fn = functools.partial(spec.empty.tf, tf)
    else:
        tf_fn = _on_tensorflow(_call(spec), tf)
    txs = [tf.constant(x) for x in arrays]
    try:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(txs)
            expected = _tf_outputs(tf, tf_fn(*txs))
    except (tf.errors.InvalidArgumentError, ValueError, TypeError) as err:
        assert spec.empty.raises, f"{spec.name}: TensorFlow refuses ({err}), the case says not"
        return
    assert not spec.empty.raises, f"{spec.name}: TensorFlow accepts the inputs"
    xs = [tg.constant(x) for x in arrays]
    with tg.GradientTape() as tg_tape:
        tg_tape.watch(xs)
        got = _run(spec, xs)
    assert len(got) == len(expected), spec.name
    for g, e in zip(got, expected):
        assert (g.shape, g.dtype) == (tuple(e.shape), e.dtype.as_numpy_dtype), spec.name
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-6, atol=1e-9, err_msg=spec.name)
    if not spec.differentiable or spec.empty.bad_tf_gradient:
        return
    try:
        tf_grads = tape.gradient(_floats(expected), txs,
                                 unconnected_gradients=tf.UnconnectedGradients.ZERO)
    except tf.errors.InvalidArgumentError:
        return  # TensorFlow's own gradient fails (MirrorPadGrad on an empty axis, ...)
    grads = tg_tape.gradient(_floats(got), xs, unconnected_gradients="zero")
    for g, e in zip(grads, tf_grads):
        np.testing.assert_allclose(tg.convert_to_tensor(g).numpy(), tf.convert_to_tensor(e).numpy(),
                                   rtol=1e-6, atol=1e-9, err_msg=spec.name)


# --- the reported cases, on their own ------------------------------------------------------------
def test_item09_softmax_and_log_softmax_of_an_empty_tensor():
    x = tg.constant(np.zeros((3, 0), np.float32))
    with tg.GradientTape() as tape:
        tape.watch(x)
        outs = [tg.nn.softmax(x), tg.nn.log_softmax(x), tg.nn.softmax(x, axis=0)]
    assert [(o.shape, o.dtype) for o in outs] == [((3, 0), np.float32)] * 3
    assert tape.gradient(outs, x).shape == (3, 0)
    loss = tg.nn.softmax_cross_entropy_with_logits(x, x)
    assert loss.shape == (3,) and np.all(loss.numpy() == 0)  # an empty sum, as TensorFlow


_EMPTY_AXIS_PADS = [  # on a (0, 4) tensor: mode, paddings, the result's shape (None: refused)
    ("REFLECT", [[0, 0], [1, 2]], None),
    ("REFLECT", [[0, 0], [0, 0]], None),
    ("REFLECT", [[1, 0], [0, 0]], None),
    ("SYMMETRIC", [[0, 0], [1, 2]], (0, 7)),
    ("SYMMETRIC", [[0, 0], [0, 0]], (0, 4)),
    ("SYMMETRIC", [[0, 1], [0, 0]], None),
    ("CONSTANT", [[1, 0], [0, 0]], (1, 4)),
]


@pytest.mark.parametrize("mode, paddings, expected", _EMPTY_AXIS_PADS)
def test_item20_pad_of_an_empty_axis_refuses_mirroring_as_tensorflow(mode, paddings, expected):
    """REFLECT has no entry to mirror on an empty axis, even for 0 (TensorFlow's MirrorPad)."""
    x = tg.zeros((0, 4), tg.float64)
    if expected is None:
        with pytest.raises(ValueError, match=rf"pad: {mode} paddings must be .*axis 0 of size 0 "
                                              r"\(tensor shape \(0, 4\)\)") as info:
            tg.pad(x, paddings, mode)
        assert "invalid arguments" not in str(info.value)
    else:
        assert tg.pad(x, paddings, mode).shape == expected
    tf = _tensorflow_or_none()
    if tf is not None:
        try:
            got = tuple(tf.pad(tf.zeros((0, 4), tf.float64), paddings, mode).shape)
        except tf.errors.InvalidArgumentError:
            got = None
        assert got == expected
