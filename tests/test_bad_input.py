"""Bad input gets a standard exception naming the op, the shapes/dtypes and the fix."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def test_non_tensor_source():
    x = tg.constant(1.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    with pytest.raises(TypeError, match="sources must be Tensors or Variables.*float"):
        tape.gradient(y, 1.0)


def test_wrong_source_type_in_nest():
    x = tg.constant(1.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    with pytest.raises(TypeError, match="position 1"):
        tape.gradient(y, [x, "x"])


def test_watch_python_list_of_numbers():
    with tg.GradientTape() as tape:
        with pytest.raises(TypeError, match="tapegrad.constant"):
            tape.watch([1.0, 2.0])


def test_watch_numpy_array():
    with tg.GradientTape() as tape:
        with pytest.raises(TypeError, match="ndarray"):
            tape.watch(np.ones(2))


def test_matmul_shape_mismatch():
    with pytest.raises(ValueError) as info:
        tg.matmul(tg.ones((2, 3)), tg.ones((2, 3)))
    message = str(info.value)
    assert "matmul" in message and "(2, 3)" in message


def test_matmul_rank_one():
    with pytest.raises(ValueError, match="rank >= 2.*matvec"):
        tg.matmul(tg.ones((3,)), tg.ones((3, 2)))


def test_add_shape_mismatch():
    with pytest.raises(ValueError) as info:
        tg.add(tg.ones((2, 3)), tg.ones((4,)))
    message = str(info.value)
    assert "add" in message and "(2, 3)" in message and "(4,)" in message


def test_gradient_wrt_tensor_from_another_tape():
    x = tg.constant(2.0)
    with tg.GradientTape() as first:
        first.watch(x)
        y = x * x
    with tg.GradientTape() as second:
        second.watch(x)
        z = x * 3.0
    with pytest.raises(ValueError, match="another GradientTape"):
        second.gradient(z, y)
    with pytest.raises(ValueError, match="another GradientTape"):
        second.gradient(y, x)


def test_reshape_size_mismatch():
    with pytest.raises(ValueError, match="reshape.*6 elements"):
        tg.reshape(tg.zeros((2, 3)), (4, 2))


def test_reduce_axis_out_of_range():
    with pytest.raises(ValueError, match="reduce_sum: axis 2 is out of range.*rank 2"):
        tg.reduce_sum(tg.zeros((2, 3)), axis=2)


def test_unsupported_dtype_names_op():
    with pytest.raises(TypeError, match="sqrt.*int32.*cast"):
        tg.sqrt(tg.constant([1, 4]))


def test_variable_with_none():
    with pytest.raises(ValueError, match="initial_value"):
        tg.Variable(None)


def test_custom_gradient_wrong_number_of_gradients():
    @tg.custom_gradient
    def f(x, y):
        def grad(dy):
            return dy  # one gradient for two inputs

        return x * y, grad

    a, b = tg.constant(1.0), tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch([a, b])
        z = f(a, b)
    with pytest.raises(ValueError, match="returned 1 gradients but the function has 2 inputs"):
        tape.gradient(z, [a, b])
