"""tg.debugging.assert_equal / assert_near / assert_shapes / assert_all_finite / check_numerics."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

try:
    import tensorflow as tf
except ImportError:  # the TensorFlow comparisons below skip
    tf = None

needs_tf = pytest.mark.skipif(tf is None, reason="TensorFlow is not installed")
InvalidArgument = tg.errors.InvalidArgumentError


def test_assert_equal():
    assert tg.debugging.assert_equal(tg.constant([1, 1]), 1) is None
    assert tg.debugging.assert_equal(tg.constant([[1.0], [1.0]]), tg.ones([2, 3])) is None
    with pytest.raises(InvalidArgument, match="custom") as info:
        tg.debugging.assert_equal(tg.constant([1, 2]), tg.constant([1, 3]), message="custom")
    text = str(info.value)
    assert "[[1]]" in text and "x values: [2]" in text and "y values: [3]" in text
    assert isinstance(info.value, ValueError)
    with pytest.raises(InvalidArgument, match="incompatible shapes"):
        tg.debugging.assert_equal(tg.constant([1, 2]), tg.constant([1, 2, 3]))
    with pytest.raises(InvalidArgument, match="dtype float32 but y has dtype int32"):
        tg.debugging.assert_equal(tg.constant([1.0, 2.0]), tg.constant([1, 2]))
    with pytest.raises(InvalidArgument, match="First 1 "):
        tg.debugging.assert_equal(tg.constant([1, 2, 3]), 0, summarize=1)


def test_assert_near():
    tg.debugging.assert_near(tg.constant([1.0, 2.0]), tg.constant([1.0, 2.0000005]))
    tg.debugging.assert_near(tg.constant([1.0, 2.0]), tg.constant([1.0, 2.1]), atol=0.2)
    tg.debugging.assert_near(tg.constant([1.0, 2.0]), [1.0, 2.1], rtol=0.1)
    with pytest.raises(InvalidArgument, match="not equal to tolerance"):
        tg.debugging.assert_near(tg.constant([1.0, 2.0]), tg.constant([1.0, 2.0001]))
    with pytest.raises(TypeError, match="floating"):
        tg.debugging.assert_near(tg.constant([1, 2]), tg.constant([1, 2]))


def test_assert_shapes():
    x, y = tg.zeros([2, 3]), tg.zeros([3])
    assert tg.debugging.assert_shapes([(x, ("N", "Q")), (y, ("Q",))]) is None
    tg.debugging.assert_shapes([(x, (2, None)), (y, [3])])
    tg.debugging.assert_shapes([(tg.zeros([4, 2, 3]), ("...", "N", 3)), (x, ("N", "Q"))])
    tg.debugging.assert_shapes([(tg.constant(1.0), [])])
    with pytest.raises(InvalidArgument, match="symbol 'Q'") as info:
        tg.debugging.assert_shapes([(x, ("N", "Q")), (tg.zeros([2, 4]), ("N", "Q"))])
    assert isinstance(info.value, ValueError)
    with pytest.raises(InvalidArgument, match="rank 1"):
        tg.debugging.assert_shapes([(x, ("N",))])
    with pytest.raises(InvalidArgument, match="must have size 3, got 2"):
        tg.debugging.assert_shapes([(x, (3, 3))])
    with pytest.raises(InvalidArgument, match="rank at least 3"):
        tg.debugging.assert_shapes([(x, ("...", 1, 2, 3))])
    with pytest.raises(TypeError, match="pair"):
        tg.debugging.assert_shapes([x])


@needs_tf
@pytest.mark.parametrize(
    "spec",
    [
        lambda L: [(L.zeros([2, 3]), ("N", "Q")), (L.zeros([3]), ("Q",))],
        lambda L: [(L.zeros([2, 3]), ("N", "Q")), (L.zeros([2, 4]), ("N", "Q"))],
        lambda L: [(L.zeros([2, 3]), ("N",))],
        lambda L: [(L.zeros([2, 3]), ("...", 3))],
        lambda L: [(L.zeros([2, 3]), (2, 4))],
    ],
)
def test_assert_shapes_agrees_with_tensorflow(spec):
    def outcome(lib):
        try:
            lib.debugging.assert_shapes(spec(lib))
        except ValueError:
            return "raised"
        return "passed"

    assert outcome(tg) == outcome(tf)


@pytest.mark.parametrize("fn", [tg.debugging.check_numerics, tg.debugging.assert_all_finite])
def test_nan_and_inf_checks(fn):
    x = tg.constant([1.0, 2.0])
    assert fn(x, "fine") is x
    with pytest.raises(InvalidArgument, match="layer 3 : Tensor had NaN values"):
        fn(tg.constant([1.0, np.nan]), "layer 3")
    with pytest.raises(InvalidArgument, match="Tensor had Inf values"):
        fn(tg.constant([1.0, np.inf]), "m")
    with pytest.raises(InvalidArgument, match="Tensor had Inf and NaN values"):
        fn(tg.constant([np.nan, np.inf]), "m")
    with pytest.raises(InvalidArgument, match="floating"):
        fn(tg.constant([1, 2]), "m")


@needs_tf
@pytest.mark.parametrize("values", [[1.0, np.nan], [np.inf, 1.0], [np.nan, -np.inf]])
def test_check_numerics_message_matches_tensorflow(values):
    with pytest.raises(tf.errors.InvalidArgumentError) as theirs:
        tf.debugging.check_numerics(tf.constant(values), "msg")
    with pytest.raises(tg.errors.InvalidArgumentError) as ours:
        tg.debugging.check_numerics(tg.constant(values), "msg")
    wanted = str(theirs.value).split("}} ")[-1].split(" [Op:")[0]  # "msg : Tensor had ..."
    assert str(ours.value).startswith(wanted)


def test_check_numerics_passes_gradients_through():
    x = tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        y = tg.reduce_sum(tg.debugging.check_numerics(x * x, "square"))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])
