"""The boundary between the caller and tapegrad: copies, shapes, messages, new tensors.

* A tensor never shares memory that the caller can still write; a tape never locks
  the caller's arrays (only tapegrad's own arrays are read-only).
* Shape arguments take integers only, and every creation op checks them in one place.
* ``reshape`` infers -1 for empty tensors by TensorFlow's rule.
* Bad input to creation ops gets tapegrad's messages, never NumPy's.
* Ops that change nothing still return a new tensor, so gradients with respect to it
  stay right.

Each behaviour is tested on its own; the comparisons with TensorFlow skip without it.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import tapegrad as tg


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("tensorflow")


# --- item 3: tensors never alias a buffer the caller can write ---------------------------------
def test_item03_convert_to_tensor_copies_caller_array():
    for make in (tg.convert_to_tensor, tg.constant, tg.Tensor, tg.Variable):
        a = np.array([1.0, 2.0])
        t = make(a)
        a[0] = 100.0
        assert t.numpy().tolist() == [1.0, 2.0], make


VIEW_OPS = {
    "identity": tg.identity,
    "reshape": lambda a: tg.reshape(a, [3, 2]),
    "transpose": tg.transpose,
    "expand_dims": lambda a: tg.expand_dims(a, 0),
    "squeeze": tg.squeeze,
    "stop_gradient": tg.stop_gradient,
    "broadcast_to": lambda a: tg.broadcast_to(a, [2, 2, 3]),
    "cast_same_dtype": lambda a: tg.cast(a, tg.float64),
    "slice": lambda a: tg.convert_to_tensor(a)[:, 1:],
    "unstack": lambda a: tg.unstack(a)[0],
    "split": lambda a: tg.split(a, 3, axis=1)[0],
    "concat_one": lambda a: tg.concat([a], 0),
    "tile_ones": lambda a: tg.tile(a, [1, 1]),
    "pad_zero": lambda a: tg.pad(a, [[0, 0], [0, 0]]),
    "reverse_none": lambda a: tg.reverse(a, []),
}


@pytest.mark.parametrize("name", sorted(VIEW_OPS))
def test_item03_ops_on_a_raw_array_do_not_see_later_writes(name):
    a = np.arange(6.0).reshape(2, 3)
    out = VIEW_OPS[name](a)
    before = out.numpy().copy()
    a[...] = -1.0
    np.testing.assert_array_equal(out.numpy(), before)


def test_item03_read_only_view_of_a_writable_array_is_copied():
    base = np.array([1.0, 2.0, 3.0])
    view = base[:2]
    view.flags.writeable = False  # read-only, but its owner is not
    t = tg.convert_to_tensor(view)
    base[0] = 9.0
    assert t.numpy().tolist() == [1.0, 2.0]
    locked = np.array([4.0, 5.0])
    locked.flags.writeable = False  # read-only down to the owner: nothing to copy
    assert np.shares_memory(tg.convert_to_tensor(locked)._value, locked)


def test_item03_arrays_tapegrad_copies_are_read_only():
    a = np.array([1.0, 2.0])
    t = tg.convert_to_tensor(a)
    with pytest.raises(ValueError, match="read-only"):
        t._value[0] = 5.0
    assert a.flags.writeable  # the caller's array is untouched


def test_item03_array_likes_are_copied():
    class Holder:  # hands out its own buffer, as array libraries do
        def __init__(self):
            self.data = np.array([True, False])

        def __array__(self, dtype=None, copy=None):
            return self.data

    h = Holder()
    t = tg.convert_to_tensor(h)
    h.data[0] = False
    assert t.numpy().tolist() == [True, False]


def test_item03_raw_arrays_fed_to_ops_on_a_tape_are_not_shared():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = tg.Variable([[1.0], [1.0]], dtype=tg.float64)
    x = tg.constant([1.0, 2.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        loss = tg.reduce_sum(tg.matmul(a, w)) + tg.reduce_sum(tg.exp(a) * x)
    a[...] = 0.0  # after the forward pass, before the gradient
    gw, gx = tape.gradient(loss, [w, x])
    np.testing.assert_allclose(gw.numpy(), [[4.0], [6.0]])
    np.testing.assert_allclose(gx.numpy(), np.exp([[1.0, 2.0], [3.0, 4.0]]).sum(0))


def test_item03_result_paths_hand_out_no_shared_buffer():
    values, indices = np.array([[1.0, 2.0]]), np.array([1])
    s = tg.IndexedSlices(values, indices, (3, 2))
    values[...] = 0.0
    indices[...] = 0
    assert s.values.numpy().tolist() == [[1.0, 2.0]] and s.indices.numpy().tolist() == [1]
    v = tg.Variable([1.0, 2.0])
    read, again = v.value(), v.read_value()
    v.assign([5.0, 6.0])
    assert read.numpy().tolist() == again.numpy().tolist() == [1.0, 2.0]
    out = read.numpy()
    out[0] = 7.0  # .numpy() is the caller's copy
    assert read.numpy().tolist() == [1.0, 2.0]
    a = np.array([3.0, 4.0])
    v.assign(a)
    a[0] = 0.0
    assert v.numpy().tolist() == [3.0, 4.0]


# --- item 4: a tape does not lock the caller's arrays -------------------------------------------
def test_item04_refilling_an_input_buffer_keeps_working():
    buf = np.zeros((2, 3), np.float32)
    w = tg.Variable(np.ones((3, 1), np.float32))
    for step in range(3):
        buf[...] = step
        with tg.GradientTape() as tape:
            loss = tg.reduce_sum(tg.matmul(buf, w))
        g = tape.gradient(loss, w)
        np.testing.assert_array_equal(g.numpy(), np.full((3, 1), 2.0 * step))  # column sums
        assert buf.flags.writeable


def test_item04_watched_conversion_leaves_the_caller_array_writeable():
    a = np.array([1.0, 2.0])
    view = a[:1]
    x = tg.convert_to_tensor(view)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.sin(x) * a)  # sin saves x, multiply saves a's copy
    assert a.flags.writeable and view.flags.writeable
    a[...] = 0.0
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.cos([1.0]) * 3.0)


# --- item 7: shape arguments take integers only -------------------------------------------------
NON_INTEGER_SHAPES = {
    "zeros_float": (lambda: tg.zeros((2.7, 3)), "zeros: shape"),
    "zeros_whole_float": (lambda: tg.zeros((2.0, 3)), "zeros: shape"),
    "zeros_str": (lambda: tg.zeros(("2", 3)), "zeros: shape"),
    "zeros_bool": (lambda: tg.zeros((True, 3)), "zeros: shape"),
    "zeros_none": (lambda: tg.zeros(None), "zeros: shape"),
    "zeros_float_tensor": (lambda: tg.zeros(tg.constant([2.0, 3.0])), "zeros: shape"),
    "ones": (lambda: tg.ones([2.5]), "ones: shape"),
    "fill": (lambda: tg.fill([2.5], 1.0), "fill: dims"),
    "eye_rows": (lambda: tg.eye(2.5), "eye: num_rows"),
    "eye_whole_float": (lambda: tg.eye(2.0), "eye: num_rows"),
    "eye_columns": (lambda: tg.eye(2, 2.5), "eye: num_columns"),
    "eye_batch": (lambda: tg.eye(2, batch_shape=[2.5]), "eye: batch_shape"),
    "normal": (lambda: tg.random.normal((2.9,)), "normal: shape"),
    "uniform": (lambda: tg.random.uniform((2.9,)), "uniform: shape"),
    "uniform_int": (lambda: tg.random.uniform((2.9,), maxval=3, dtype=tg.int32),
                    "uniform: shape"),
    "uniform_int_bound": (lambda: tg.random.uniform((2,), minval=2.5, maxval=5, dtype=tg.int32),
                          "uniform: minval"),
    "truncated_normal": (lambda: tg.random.truncated_normal((2.9,)), "truncated_normal: shape"),
    "constant": (lambda: tg.constant(1.0, shape=(2.5,)), "constant: shape"),
    "linspace": (lambda: tg.linspace(0.0, 1.0, 2.5), "linspace: num"),
}


@pytest.mark.parametrize("name", sorted(NON_INTEGER_SHAPES))
def test_item07_non_integer_shapes_raise_type_error(name):
    call, where = NON_INTEGER_SHAPES[name]
    with pytest.raises(TypeError, match=rf"^{where} must be (an integer|integers)"):
        call()


def test_item07_integer_shapes_stay_accepted():
    two = tg.constant(2)
    for shape in [(np.int64(2), 3), np.array([2, 3]), tg.constant([2, 3], tg.int64),
                  [two, 3], (np.array(2), np.uint8(3)), range(2, 4)]:
        assert tg.zeros(shape).shape == (2, 3)
        assert tg.random.normal(shape).shape == (2, 3)
        assert tg.fill(shape, 1.0).shape == (2, 3)
    assert tg.zeros(3).shape == (3,) and tg.zeros(tg.constant(3)).shape == (3,)
    assert tg.zeros([]).shape == () and tg.eye(np.int64(2), two).shape == (2, 2)
    with pytest.raises(ValueError, match=r"zeros: shape \(-1, 3\) has a negative dimension"):
        tg.zeros((-1, 3))
    with pytest.raises(ValueError, match=r"zeros: shape must be a list of integers \(rank 1\)"):
        tg.zeros([[2, 3]])
    with pytest.raises(TypeError, match=r"reshape: shape must be integers"):
        tg.reshape(tg.ones(6), (2.0, 3))  # the shape ops share the parser


def test_item07_shapes_against_tensorflow():
    tf = _tf()
    bad = [(2.7, 3), (2.0, 3), ("2", 3), (None, 3), [[2, 3]], (-1, 3)]
    for shape in bad:
        with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
            tf.zeros(shape)
        with pytest.raises((TypeError, ValueError)):
            tg.zeros(shape)
    for shape in [(np.int64(2), 3), np.array([2, 3])]:
        assert tuple(tf.zeros(shape).shape) == tg.zeros(shape).shape
    assert tuple(tf.zeros(tf.constant([2, 3], tf.int64)).shape) == tg.zeros(
        tg.constant([2, 3], tg.int64)).shape
    with pytest.raises(TypeError):
        tf.eye(2.0)
    with pytest.raises(TypeError):
        tf.constant(1.0, shape=(2.0,))


# --- item 10: reshape of empty tensors -----------------------------------------------------------
EMPTY_RESHAPES = [  # (input shape, target, TensorFlow's result)
    ((0, 3), (0, -1), (0, 3)),
    ((0, 3), (-1, 0), (3, 0)),
    ((0, 3), (2, 0, -1), (2, 0, 1)),
    ((0, 3), (-1, 0, 3), (1, 0, 3)),
    ((0, 3), (1, -1, 0), (1, 3, 0)),
    ((0, 3), (0, -1, 4), (0, 0, 4)),
    ((2, 0), (0, -1), (0, 2)),
    ((2, 0, 5), (-1, 0), (10, 0)),
]


@pytest.mark.parametrize("shape,target,expected", EMPTY_RESHAPES)
def test_item10_reshape_of_empty_infers_minus_one(shape, target, expected):
    x = tg.zeros(shape, tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reshape(x, target)
        loss = tg.reduce_sum(y)
    assert y.shape == expected
    assert tape.gradient(loss, x).shape == shape


def test_item10_other_reshapes_keep_their_rules():
    assert tg.reshape(tg.zeros((0, 3)), (5, -1)).shape == (5, 0)  # no 0 in the target
    assert tg.reshape(tg.zeros((0, 3)), (3, -1)).shape == (3, 0)
    assert tg.reshape(tg.zeros((0, 3)), (-1,)).shape == (0,)
    assert tg.reshape(tg.constant(1.0), (1, -1)).shape == (1, 1)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(6,\)"):
        tg.reshape(tg.ones(6), (0, -1))  # TensorFlow: "the requested shape has 0"
    with pytest.raises(ValueError, match="not a multiple of 4"):
        tg.reshape(tg.ones(6), (4, -1))
    with pytest.raises(ValueError, match="at most one -1"):
        tg.reshape(tg.ones(6), (-1, -1))


def test_item10_reshapes_against_tensorflow():
    tf = _tf()
    shapes = [(0, 3), (2, 0), (0,), (3, 0, 2), (6,), ()]
    targets = [(0, -1), (-1, 0), (-1,), (2, -1), (-1, 3), (0, 0, -1), (1, -1, 0), (-1, 2, 0)]
    for shape in shapes:
        for target in targets:
            try:
                expected = tuple(tf.reshape(tf.zeros(shape), target).shape)
            except Exception:
                with pytest.raises(ValueError):
                    tg.reshape(tg.zeros(shape), target)
                continue
            assert tg.reshape(tg.zeros(shape), target).shape == expected, (shape, target)


# --- item 15: tapegrad's messages, never NumPy's -------------------------------------------------
def test_item15_ragged_lists_raise_value_error_naming_the_op():
    ragged = [[1.0, 2.0], [3.0]]
    for call, where in [(tg.constant, "constant: value: "),
                        (tg.Variable, "Variable: initial_value: "),
                        (tg.convert_to_tensor, ""), (tg.exp, "exp: argument 0: ")]:
        with pytest.raises(ValueError) as info:
            call(ragged)
        text = str(info.value)
        assert text.startswith(where + "Cannot convert") and "non-rectangular" in text
        assert "inhomogeneous" not in text


def test_item15_negative_dimensions_name_the_argument():
    with pytest.raises(ValueError, match=r"^eye: num_rows must be >= 0, got -1"):
        tg.eye(-1)
    with pytest.raises(ValueError, match=r"^eye: num_columns must be >= 0, got -2"):
        tg.eye(2, -2)
    with pytest.raises(ValueError, match=r"^eye: batch_shape \(-1,\) has a negative dimension"):
        tg.eye(2, batch_shape=[-1])
    with pytest.raises(ValueError, match=r"^linspace: num must be >= 0, got -1"):
        tg.linspace(0.0, 1.0, -1)


@pytest.mark.parametrize("call,op", [
    (lambda: tg.zeros((2**40, 2**40)), "zeros"),
    (lambda: tg.ones((2**40, 2**40)), "ones"),
    (lambda: tg.fill((2**40, 2**40), 1.0), "fill"),
    (lambda: tg.eye(2**40), "eye"),
    (lambda: tg.random.normal((2**40, 2**40)), "normal"),
    (lambda: tg.random.uniform((2**40, 2**40), maxval=3, dtype=tg.int32), "uniform"),
    (lambda: tg.constant(1.0, shape=(2**40, 2**40)), "constant"),
])
def test_item15_shapes_too_large_for_a_tensor_raise_value_error(call, op):
    with pytest.raises(ValueError, match=rf"^{op}: .*more than a tensor can hold \(2\*\*63 - 1\)"):
        call()


@pytest.mark.parametrize("call,op", [
    (lambda: tg.zeros((2**31, 2**31)), "zeros"),  # more bytes than NumPy can address
    (lambda: tg.zeros((2**60,)), "zeros"),  # 4 EiB: no machine has it
    (lambda: tg.ones((2**60,)), "ones"),
    (lambda: tg.random.normal((2**60,)), "normal"),
])
def test_item15_shapes_too_large_for_memory_raise_memory_error(call, op):
    with pytest.raises(MemoryError, match=rf"^{op}: not enough memory for a tensor of shape"):
        call()


def test_item15_other_creation_messages_are_ours():
    with pytest.raises(ValueError, match=r"^fill: value must be a scalar, got shape \(2,\)"):
        tg.fill([3], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"^range: .*more than a tensor can hold"):
        tg.range(0, 2**40, 1e-10)
    with pytest.raises(ValueError, match=r"^range: start, limit and delta must be finite"):
        tg.range(0.0, float("inf"))
    with pytest.raises(ValueError, match="out of the range of int64"):
        tg.constant([2**63])  # NumPy makes it uint64; casting to int64 would wrap it
    with pytest.raises(ValueError, match="out of the range of int64"):
        tg.constant([2**70, 1])


def test_item15_error_classes_against_tensorflow():
    tf = _tf()
    for lib in (tf, tg):
        for call in (lib.constant, lib.Variable, lib.convert_to_tensor):
            with pytest.raises(ValueError, match="non-rectangular"):
                call([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="out-of-range integer"):
        tf.constant([2**63])
    with pytest.raises(ValueError, match="out of the range of int64"):
        tg.constant([2**63])


# --- item 18: ops that change nothing still return a new tensor --------------------------------
NO_OPS = {  # each runs on tapegrad and on TensorFlow (``lib``)
    "reshape": lambda lib, x: lib.reshape(x, [3]),
    "reshape_minus_one": lambda lib, x: lib.reshape(x, [-1]),
    "transpose": lambda lib, x: lib.transpose(x, [0]),
    "broadcast_to": lambda lib, x: lib.broadcast_to(x, [3]),
    "concat": lambda lib, x: lib.concat([x], 0),
    "tile": lambda lib, x: lib.tile(x, [1]),
    "pad": lambda lib, x: lib.pad(x, [[0, 0]]),
    "reverse": lambda lib, x: lib.reverse(x, []),
    "squeeze": lambda lib, x: lib.squeeze(x),
}


@pytest.mark.parametrize("name", sorted(NO_OPS))
def test_item18_shape_op_that_changes_nothing_returns_a_new_tensor(name):
    op = NO_OPS[name]
    x = tg.constant([1.0, 2.0, 3.0], tg.float64)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = op(tg, x)
        tape.watch(y)
        z = tg.reduce_sum(y * x)
    assert y is not x and y.id != x.id
    np.testing.assert_array_equal(tape.gradient(z, y).numpy(), [1.0, 2.0, 3.0])  # = x
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), [2.0, 4.0, 6.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = op(tg, x)
    np.testing.assert_array_equal(tape.jacobian(y, x).numpy(), np.eye(3))
    with tg.ForwardAccumulator(x, tg.constant([1.0, 0.0, 2.0], tg.float64)) as acc:
        y = op(tg, x)
    assert acc.jvp(y).numpy().tolist() == [1.0, 0.0, 2.0]


def test_item18_shuffle_of_a_scalar_returns_a_new_tensor():
    x = tg.constant(3.0)
    y = tg.random.shuffle(x)
    assert y is not x and float(y) == 3.0


def test_item18_a_variable_concatenated_alone_is_read():
    v = tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        y = tg.concat([v], 0)
        loss = tg.reduce_sum(y * y)
    assert type(y) is tg.Tensor
    assert tape.gradient(loss, v).numpy().tolist() == [2.0, 4.0]


def test_item18_other_ops_return_new_tensors_too():
    x = tg.constant([[1.0, 2.0, 3.0]])
    for f in (tg.identity, tg.stop_gradient, lambda t: t[:], lambda t: t[...],
              lambda t: tg.expand_dims(t, 0), lambda t: tg.squeeze(t, [0]),
              lambda t: tg.gather_nd(t, tg.zeros((0,), tg.int32))):
        assert f(x) is not x
    assert tg.cast(x, tg.float32) is x  # as TensorFlow: a cast to the same dtype is the input


def test_item18_gradients_against_tensorflow():
    tf = _tf()
    ops = dict(NO_OPS, cast=lambda lib, x: lib.cast(x, lib.float64))
    for name, op in ops.items():
        results = []
        for lib in (tf, tg):
            x = lib.constant([1.0, 2.0, 3.0], lib.float64)
            with lib.GradientTape() as tape:
                tape.watch(x)
                y = op(lib, x)
                tape.watch(y)
                z = lib.reduce_sum(y * x)
            results.append(tape.gradient(z, y).numpy().tolist())
        assert results[0] == results[1], name
