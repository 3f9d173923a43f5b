"""Tensor and Variable: dtype rules, repr, Python protocol, operators."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


class TestDtypeRules:
    def test_python_float_is_float32(self):
        assert tg.constant(1.5).dtype == np.float32
        assert tg.constant([1.0, 2.0]).dtype == np.float32

    def test_python_int_is_int32(self):
        assert tg.constant(3).dtype == np.int32
        assert tg.constant([[1, 2]]).dtype == np.int32

    def test_large_python_int_is_int64(self):
        assert tg.constant(2**40).dtype == np.int64

    def test_numpy_keeps_dtype(self):
        assert tg.constant(np.ones(2)).dtype == np.float64
        assert tg.constant(np.arange(3)).dtype == np.int64
        assert tg.constant(np.float16(1)).dtype == np.float16

    def test_bool_and_complex(self):
        assert tg.constant(True).dtype == np.bool_
        assert tg.constant(1 + 2j).dtype == np.complex128

    def test_python_number_takes_tensor_dtype(self):
        x = tg.constant(np.ones(2))
        assert (x + 1).dtype == np.float64
        assert (2.5 * x).dtype == np.float64
        i = tg.constant([1, 2])
        assert (i + 1).dtype == np.int32

    def test_float_into_int_tensor_raises(self):
        with pytest.raises(TypeError, match="not an integer"):
            tg.constant([1, 2]) + 2.5

    def test_two_dtypes_raise_naming_op_and_dtypes(self):
        a = tg.constant([1.0, 2.0])
        b = tg.constant(np.array([1.0, 2.0]))
        with pytest.raises(TypeError) as info:
            tg.add(a, b)
        message = str(info.value)
        assert "add" in message and "float32" in message and "float64" in message
        assert "cast" in message

    def test_cast_converts(self):
        a = tg.constant([1.0, 2.0])
        b = tg.constant(np.array([1.0, 2.0]))
        assert (tg.cast(a, tg.float64) + b).dtype == np.float64

    def test_dtypes_are_numpy_dtypes(self):
        assert tg.float32 == np.dtype("float32")
        assert tg.int64 == np.int64
        assert tg.bool == np.bool_
        assert tg.complex64 == np.complex64

    def test_constant_with_dtype_and_shape(self):
        t = tg.constant(0.5, dtype=tg.float64, shape=(2, 3))
        assert t.shape == (2, 3) and t.dtype == np.float64 and float(t[1, 2]) == 0.5
        assert tg.constant([1, 2, 3, 4], shape=[2, 2]).shape == (2, 2)
        with pytest.raises(ValueError, match="shape"):
            tg.constant([1, 2, 3], shape=[2, 2])

    def test_constant_copies_numpy_input(self):
        a = np.ones(3)
        t = tg.constant(a)
        a[0] = 5
        assert t.numpy()[0] == 1.0

    def test_strings_are_rejected(self):
        with pytest.raises(TypeError, match="numeric"):
            tg.constant("abc")

    def test_none_is_rejected(self):
        with pytest.raises(TypeError, match="None"):
            tg.convert_to_tensor(None)


class TestProtocol:
    def test_repr_matches_seed_format(self):
        x = tg.ones((2, 2))
        text = repr(x)
        head = f"<tapegrad.Tensor: id={x.id}, shape=(2, 2), dtype=float32, numpy=\n"
        assert text.startswith(head)
        assert text.endswith("array([[1., 1.],\n       [1., 1.]], dtype=float32)>")
        assert repr(tg.constant(4.0)).endswith("shape=(), dtype=float32, numpy=4.0>")

    def test_str(self):
        assert str(tg.constant(108.0)) == "tapegrad.Tensor(108.0, shape=(), dtype=float32)"

    def test_ids_increase(self):
        a, b = tg.constant(1.0), tg.constant(2.0)
        assert b.id > a.id > 0

    def test_numpy_scalar_and_copy(self):
        assert isinstance(tg.constant(2.0).numpy(), np.float32)
        t = tg.constant([1.0, 2.0])
        out = t.numpy()
        out[0] = 9.0
        assert t.numpy()[0] == 1.0

    def test_array_protocol(self):
        t = tg.constant([1.0, 2.0])
        assert np.asarray(t).tolist() == [1.0, 2.0]
        assert np.exp(t).dtype == np.float32  # NumPy functions see the array value

    def test_float_int_bool(self):
        assert float(tg.constant(2.5)) == 2.5
        assert int(tg.constant(3)) == 3
        assert bool(tg.constant(1.0)) and not bool(tg.constant(0.0))

    def test_bool_of_non_scalar_raises(self):
        with pytest.raises(ValueError, match="ambiguous"):
            bool(tg.constant([1.0, 2.0]))

    def test_python_control_flow_on_values(self):
        x = tg.constant(3.0)
        steps = 0
        while x > 0:
            x = x - 1.0
            steps += 1
        assert steps == 3
        assert "yes" if tg.constant(2) > 1 else "no"

    def test_len_and_iter(self):
        t = tg.constant([[1.0, 2.0], [3.0, 4.0]])
        assert len(t) == 2
        rows = list(t)
        assert [r.numpy().tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
        with pytest.raises(TypeError):
            len(tg.constant(1.0))
        with pytest.raises(TypeError):
            iter(tg.constant(1.0)).__next__()

    def test_unhashable_with_ref(self):
        t = tg.constant(1.0)
        with pytest.raises(TypeError, match="ref"):
            hash(t)
        with pytest.raises(TypeError):
            _ = {t: 1}
        v = tg.Variable(1.0)
        with pytest.raises(TypeError):
            hash(v)
        table = {t.ref(): "t", v.ref(): "v"}
        assert table[t.ref()] == "t" and table[v.ref()] == "v"
        assert t.ref().deref() is t

    def test_equality_is_elementwise(self):
        a = tg.constant([1.0, 2.0])
        assert (a == tg.constant([1.0, 3.0])).numpy().tolist() == [True, False]
        assert (a != 2.0).numpy().tolist() == [True, False]
        assert (a == None) is False  # noqa: E711

    def test_operators(self):
        a = tg.constant([4.0, 9.0])
        assert (a + 1).numpy().tolist() == [5.0, 10.0]
        assert (1 - a).numpy().tolist() == [-3.0, -8.0]
        assert (a * 2).numpy().tolist() == [8.0, 18.0]
        assert (a / 2).numpy().tolist() == [2.0, 4.5]
        assert (36 / a).numpy().tolist() == [9.0, 4.0]
        assert (a // 2).numpy().tolist() == [2.0, 4.0]
        assert (a % 5).numpy().tolist() == [4.0, 4.0]
        assert (a**0.5).numpy().tolist() == [2.0, 3.0]
        assert (2**tg.constant(3.0)).numpy() == 8.0
        assert (-a).numpy().tolist() == [-4.0, -9.0]
        assert abs(tg.constant(-2.0)).numpy() == 2.0
        assert (a < 5).numpy().tolist() == [True, False]
        assert (a >= 9).numpy().tolist() == [False, True]
        m = tg.constant([[1.0, 2.0], [3.0, 4.0]])
        assert (m @ m).numpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]

    def test_numpy_array_on_the_left_gives_tensor(self):
        out = np.ones(2, np.float32) * tg.constant([2.0, 3.0])
        assert isinstance(out, tg.Tensor)
        assert out.numpy().tolist() == [2.0, 3.0]

    def test_int_truediv_is_float64(self):
        assert (tg.constant([3]) / tg.constant([2])).dtype == np.float64

    def test_getitem(self):
        t = tg.constant(np.arange(24.0).reshape(2, 3, 4))
        np.testing.assert_array_equal(t[1, ::2, None, -1].numpy(),
                                      np.arange(24.0).reshape(2, 3, 4)[1, ::2, None, -1])
        np.testing.assert_array_equal(t[..., 1].numpy(), np.arange(24.0).reshape(2, 3, 4)[..., 1])

    def test_getitem_out_of_range(self):
        t = tg.constant([1.0, 2.0])
        with pytest.raises(IndexError, match="out of range"):
            t[5]
        with pytest.raises(ValueError, match="shape"):
            t[5]


class TestVariable:
    def test_basics(self):
        v = tg.Variable([1.0, 2.0], name="w")
        assert v.dtype == np.float32 and v.shape == (2,) and v.trainable and v.name == "w:0"
        assert repr(v).startswith("<tapegrad.Variable 'w:0' shape=(2,) dtype=float32, numpy=")

    def test_assign_family_returns_variable(self):
        v = tg.Variable(1.0)
        assert v.assign(3.0) is v and float(v) == 3.0
        assert v.assign_add(2.0) is v and float(v) == 5.0
        assert v.assign_sub(1.0) is v and float(v) == 4.0

    def test_assign_checks_shape_and_dtype(self):
        v = tg.Variable([1.0, 2.0])
        with pytest.raises(ValueError, match="shape"):
            v.assign([1.0, 2.0, 3.0])
        with pytest.raises(TypeError):
            v.assign(tg.constant(np.ones(2)))  # float64 tensor into float32 variable

    def test_value_is_a_snapshot(self):
        v = tg.Variable(1.0)
        before = v.value()
        v.assign(2.0)
        assert float(before) == 1.0 and float(v.read_value()) == 2.0

    def test_operators_work_on_variables(self):
        v = tg.Variable([1.0, 2.0])
        assert (v * 2 + v).numpy().tolist() == [3.0, 6.0]

    def test_initial_value_callable_and_dtype(self):
        v = tg.Variable(lambda: np.zeros(3), dtype=tg.float32)
        assert v.dtype == np.float32 and v.shape == (3,)

    def test_non_trainable(self):
        v = tg.Variable(1.0, trainable=False)
        with tg.GradientTape() as tape:
            y = v * v
        assert tape.gradient(y, v) is None
        assert tape.watched_variables() == ()


def test_eager_compat():
    assert tg.executing_eagerly() is True
    assert tg.enable_eager_execution() is None
