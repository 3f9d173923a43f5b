"""TensorFlow's conventions: TensorShape, DType, errors, Variable reprs, Module name scopes."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import errors

try:
    import tensorflow as tf
except ImportError:  # the TensorFlow comparisons below skip
    tf = None

needs_tf = pytest.mark.skipif(tf is None, reason="TensorFlow is not installed")


# --- TensorShape ------------------------------------------------------------------------
def test_shape_is_a_tuple_with_tensorflows_methods():
    x = tg.zeros([2, 3])
    s = x.shape
    assert isinstance(s, tg.TensorShape) and isinstance(s, tuple)
    assert s == (2, 3) and s == [2, 3] and s != (3, 2) and (2, 3) == s
    a, b = s
    assert (a, b) == (2, 3) and len(s) == 2 and s[0] == 2 and s[-1] == 3
    assert type(s[0]) is int
    assert np.zeros(s).shape == (2, 3)
    assert s.as_list() == [2, 3] and s.rank == 2 and s.ndims == 2 and s.dims == [2, 3]
    assert s.num_elements() == 6 and s.is_fully_defined()
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert isinstance(s[1:], tg.TensorShape) and s[1:] == (3,)
    assert s + [4] == (2, 3, 4) and isinstance(s + (4,), tg.TensorShape)
    assert s + (None,) == (2, 3, None) and (1,) + s == (1, 2, 3) and isinstance((1,) + s, tuple)
    assert repr((1,) + s) == "TensorShape([1, 2, 3])"
    with pytest.raises(TypeError, match="dimension"):
        s + (1.5,)
    assert hash(s) == hash((2, 3)) and {s: 1}[(2, 3)] == 1
    assert tg.Variable([1.0, 2.0]).shape == (2,)
    assert x.get_shape() == (2, 3)
    assert str(tg.constant(1.0).shape) == "()" and repr(tg.constant(1.0).shape) == "TensorShape([])"
    assert pickle.loads(pickle.dumps(s)) == s and copy.deepcopy(s) == s


def test_tg_shape_is_still_a_tensor():
    s = tg.shape(tg.zeros([2, 3]))
    assert isinstance(s, tg.Tensor) and s.numpy().tolist() == [2, 3]


def test_partially_known_shapes():
    s = tg.TensorShape([None, 3])
    assert s.merge_with([2, None]) == (2, 3)
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert not s.is_compatible_with([5, 3, 1])
    assert s.num_elements() is None and not s.is_fully_defined()
    assert s.most_specific_compatible_shape([4, 3]) == [None, 3]
    assert str(s) == "(None, 3)" and repr(s) == "TensorShape([None, 3])"
    with pytest.raises(ValueError, match="not compatible"):
        tg.TensorShape([2, 3]).merge_with([3, 3])
    with pytest.raises(ValueError, match="rank 3"):
        s.with_rank(3)
    assert s.concatenate([4]) == [None, 3, 4]


def test_unknown_rank():
    s = tg.TensorShape(None)
    assert s.rank is None and s.dims is None and s.num_elements() is None
    assert repr(s) == "TensorShape(None)" and str(s) == "<unknown>"
    assert s.is_compatible_with([1, 2]) and s.merge_with([1, 2]) == [1, 2]
    assert s != tg.TensorShape([]) and s == tg.TensorShape(None)
    with pytest.raises(ValueError, match="unknown TensorShape"):
        s.as_list()
    with pytest.raises(ValueError):
        len(s)


def test_bad_dimensions():
    with pytest.raises(TypeError, match="dimension"):
        tg.TensorShape([2.5])
    with pytest.raises(errors.InvalidArgumentError, match=">= 0"):
        tg.TensorShape([-2])


@needs_tf
@pytest.mark.parametrize("dims", [[2, 3], [], [None, 3], None, [0]])
def test_shape_methods_match_tensorflow(dims):
    ours, theirs = tg.TensorShape(dims), tf.TensorShape(dims)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert ours.rank == theirs.rank and ours.num_elements() == theirs.num_elements()
    assert ours.is_fully_defined() == theirs.is_fully_defined()
    for other in ([2, 3], [None, None], [4]):
        assert ours.is_compatible_with(other) == theirs.is_compatible_with(other)
    if dims is not None:
        assert ours.as_list() == theirs.as_list()
    assert tg.TensorShape(theirs) == ours  # TensorFlow's TensorShape converts
    for other in ([2, None], [None, 3], None, [2, 3, 4]):
        assert repr(ours.concatenate(other)) == repr(theirs.concatenate(other))
        assert repr(ours.most_specific_compatible_shape(other)) == repr(
            theirs.most_specific_compatible_shape(tf.TensorShape(other)))
        try:
            expected = repr(theirs.merge_with(other))
        except ValueError:
            with pytest.raises(ValueError):
                ours.merge_with(other)
        else:
            assert repr(ours.merge_with(other)) == expected


# --- DType ----------------------------------------------------------------------------
def test_dtypes_are_dtype_objects_interchangeable_with_numpy():
    x = tg.constant([1.0, 2.0])
    assert isinstance(x.dtype, tg.DType) and x.dtype is tg.float32
    assert x.dtype == np.float32 and np.float32 == x.dtype
    assert x.dtype == np.dtype("float32") and np.dtype("float32") == x.dtype
    assert x.dtype == "float32" and x.dtype != tg.float64 and x.dtype != None  # noqa: E711
    assert np.dtype(tg.float32) == np.float32
    assert np.zeros(3, tg.float32).dtype == np.float32
    assert np.arange(3).astype(tg.float64).dtype == np.float64
    assert tg.constant(1, dtype=np.float64).dtype == tg.float64
    assert tg.constant(1, dtype=tg.int64).dtype == np.int64
    assert tg.zeros([2], dtype="float64").dtype == tg.float64
    assert {np.dtype("float32"): "a"}[tg.float32] == "a"
    assert {tg.float32: "b"}[np.dtype("float32")] == "b"
    assert x.dtype.kind == "f" and x.dtype.itemsize == 4 and x.dtype.type is np.float32
    assert tg.cast(x, tg.int32).dtype == tg.int32
    assert tg.Variable(1.0, dtype=tg.float64).dtype == tg.float64
    assert tg.float32 == float and tg.int32 == int and tg.bool == bool  # noqa: E721
    assert not (tg.float32 == x)  # a tensor is not a dtype
    assert copy.deepcopy(tg.float32) is tg.float32
    assert pickle.loads(pickle.dumps(tg.int8)) is tg.int8


def test_numpy_takes_a_dtype_through_its_dtype_attribute_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.dtype(tg.float32) == np.dtype("float32")
        assert np.asarray([1, 2], dtype=tg.int64).dtype == np.int64
        assert np.result_type(tg.float32, np.float64) == np.float64
        assert np.issubdtype(tg.float32, np.floating) and np.finfo(tg.float32).bits == 32


def test_dtype_attributes():
    assert repr(tg.float32) == "tapegrad.float32" and str(tg.float32) == "<dtype: 'float32'>"
    assert tg.float32.name == "float32" and tg.float32.as_numpy_dtype is np.float32
    assert tg.complex64.real_dtype is tg.float32 and tg.complex128.real_dtype is tg.float64
    assert tg.float32.real_dtype is tg.float32
    assert tg.uint8.is_unsigned and tg.uint8.is_integer and not tg.int8.is_unsigned
    assert tg.bool.is_bool and tg.complex64.is_complex and tg.float16.is_floating
    assert tg.int32.min == -(2**31) and tg.uint8.max == 255 and tg.float64.size == 8
    assert tg.as_dtype(np.float64) is tg.float64 and tg.as_dtype("int32") is tg.int32
    assert tg.as_dtype("float") is tg.float32 and tg.zeros([1], "float").dtype == tg.float32
    assert tg.as_dtype("half") is tg.float16 and tg.as_dtype("double") is tg.float64
    assert tg.dtypes.as_dtype(tg.half) is tg.float16 and tg.dtypes.double is tg.float64
    with pytest.raises(TypeError, match="minimum"):
        _ = tg.bool.min
    with pytest.raises(TypeError, match="dtype"):
        tg.as_dtype("not a dtype")
    with pytest.raises(TypeError, match="a tensor"):
        tg.as_dtype(tg.zeros([1]))


@needs_tf
@pytest.mark.parametrize("name", ["float16", "float32", "float64", "int8", "int16", "int32",
                                  "int64", "uint8", "uint16", "bool", "complex64", "complex128",
                                  "float", "half", "double"])
def test_dtype_attributes_match_tensorflow(name):
    ours, theirs = tg.as_dtype(name), tf.as_dtype(name)
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs).replace("tf.", "tapegrad.")
    for attr in ("name", "as_numpy_dtype", "is_floating", "is_integer", "is_complex", "is_bool",
                 "is_unsigned", "size", "as_datatype_enum"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.real_dtype.name == theirs.real_dtype.name
    if theirs.is_floating or theirs.is_integer:
        assert ours.min == theirs.min and ours.max == theirs.max
    assert ours == theirs.as_numpy_dtype


def test_every_dtype_reading_place_keeps_working():
    x = tg.constant([1.0, 2.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.exp(x) * tg.cast(tg.constant([1, 2]), x.dtype))
    g = tape.gradient(y, x)
    assert g.dtype == tg.float64
    np.testing.assert_allclose(g.numpy(), np.exp([1.0, 2.0]) * [1, 2])
    assert tg.ones_like(x).dtype is tg.float64
    assert tg.zeros([2], x.dtype).dtype is tg.float64


# --- errors ----------------------------------------------------------------------------
STANDARD = {
    "InvalidArgumentError": ValueError, "NotFoundError": LookupError,
    "OutOfRangeError": IndexError, "UnimplementedError": NotImplementedError,
    "ResourceExhaustedError": RuntimeError, "FailedPreconditionError": RuntimeError,
    "AlreadyExistsError": FileExistsError, "PermissionDeniedError": PermissionError,
    "DeadlineExceededError": TimeoutError, "DataLossError": ValueError,
    "InternalError": RuntimeError, "AbortedError": RuntimeError,
    "UnavailableError": ConnectionError, "UnauthenticatedError": PermissionError,
}


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_error_classes_are_also_standard_exceptions(name):
    cls = getattr(tg.errors, name)
    assert issubclass(cls, tg.errors.OpError) and issubclass(cls, STANDARD[name])
    err = cls(None, None, "the message")
    assert str(err) == "the message" and err.message == "the message"
    assert err.op is None and err.node_def is None
    assert cls("short").message == "short"
    assert pickle.loads(pickle.dumps(cls("p"))).message == "p"


@needs_tf
def test_error_names_and_codes_match_tensorflow():
    names = [n for n in dir(tf.errors)
             if n.endswith("Error") and n not in ("OperatorNotAllowedInGraphError", "OpError")]
    for n in names:
        theirs = getattr(tf.errors, n)(None, None, "m").error_code
        assert getattr(tg.errors, n).error_code == theirs, n
        assert getattr(tg.errors, n)(None, None, "m").error_code == theirs, n
    for code in ("OK", "INVALID_ARGUMENT", "NOT_FOUND", "UNAUTHENTICATED", "DATA_LOSS"):
        assert getattr(tg.errors, code) == getattr(tf.errors, code)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: tg.reshape(tg.zeros([6]), [4, 2]),  # an op's own validation
        lambda: tg.matmul(tg.zeros([2, 3]), tg.zeros([2, 3])),  # NumPy's error, described
        lambda: tg.constant([[1.0], [2.0, 3.0]]),  # conversion
        lambda: tg.concat([tg.zeros([2]), tg.zeros([2, 2])], 0),
        lambda: tg.squeeze(tg.zeros([2]), [5]),
    ],
)
def test_bad_arguments_are_invalid_argument_errors_and_value_errors(bad):
    with pytest.raises(tg.errors.InvalidArgumentError) as info:
        bad()
    assert isinstance(info.value, ValueError) and info.value.error_code == 3
    with pytest.raises(ValueError):
        bad()


# --- reprs -------------------------------------------------------------------------------
@needs_tf
@pytest.mark.parametrize("value", [[1.0, 2.0], 3.0, [[1.0, 2.0], [3.0, 4.0]], [1, 2]])
def test_variable_repr_and_str_match_tensorflow(value):
    ours = tg.Variable(value, name="w")
    theirs = tf.Variable(value, name="w")
    assert repr(ours) == repr(theirs).replace("<tf.Variable", "<tapegrad.Variable")
    assert str(ours) == str(theirs).replace("<tf.Variable", "<tapegrad.Variable")


def test_variable_repr_without_tensorflow():
    v = tg.Variable([1.0, 2.0], name="w")
    expected = ("<tapegrad.Variable 'w:0' shape=(2,) dtype=float32, "
                "numpy=array([1., 2.], dtype=float32)>")
    assert repr(v) == expected and str(v) == expected


def test_tensor_reprs_unchanged():
    t = tg.constant([1.0, 2.0])
    assert repr(t).startswith("<tapegrad.Tensor: id=") and "shape=(2,), dtype=float32" in repr(t)
    assert str(t) == "tapegrad.Tensor([1. 2.], shape=(2,), dtype=float32)"


# --- Module --------------------------------------------------------------------------------
def _modules(lib):
    class Dense(lib.Module):
        def __init__(self, name=None):
            super().__init__(name=name)
            with self.name_scope:
                self.w = lib.Variable([[1.0]], name="w")
                self.b = lib.Variable([0.0], name="b")

        @lib.Module.with_name_scope
        def __call__(self, x):
            if not hasattr(self, "late"):
                self.late = lib.Variable(1.0, name="late")
            return lib.matmul(x, self.w) + self.b

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.head = Dense(name="head")
            self.blocks = [Dense(), Dense()]
            self.scale = lib.Variable(2.0, name="scale")
            self.extra = {"y": lib.Variable(1.0), "x": lib.Variable(2.0, trainable=False)}
            with self.name_scope:
                self.inner = Dense()

    return Net


def _describe_module(lib):
    net = _modules(lib)()
    net.head(lib.constant([[1.0]]))
    return (
        [v.name for v in net.trainable_variables],
        [v.name for v in net.variables],
        [m.name for m in net.submodules],
        net.name_scope.name,
        net.inner.name_scope.name,
    )


def test_module_name_scopes_and_order():
    trainable, variables, submodules, scope, inner_scope = _describe_module(tg)
    assert scope == "net/" and inner_scope == "net/dense/"
    assert "scale:0" in trainable and "head/late:0" in trainable
    assert "net/dense/w:0" in trainable and "head/w:0" in trainable
    assert submodules == ["dense", "dense", "head", "dense"]
    assert len(variables) == len(trainable) + 1


@needs_tf
def test_module_matches_tensorflow():
    assert _describe_module(tg) == _describe_module(tf)


def test_name_scope():
    with tg.name_scope("outer") as outer:
        with tg.name_scope("inner") as inner:
            v = tg.Variable(1.0, name="v")
        with tg.name_scope("abs/"):
            w = tg.Variable(1.0)
    assert (outer, inner, v.name, w.name) == ("outer/", "outer/inner/", "outer/inner/v:0",
                                              "abs/Variable:0")
    assert tg.Variable(1.0, name="free").name == "free:0"
    with pytest.raises(ValueError, match="string"):
        tg.name_scope(3)
    with pytest.raises(ValueError, match="valid module name"):
        tg.Module(name="not valid")
    assert copy.deepcopy(v).name == "outer/inner/v:0"
    with tg.name_scope("elsewhere"):
        assert pickle.loads(pickle.dumps(v)).name == "outer/inner/v:0"


@needs_tf
@pytest.mark.parametrize("scope", ["a", "a/b", "", "abs/", "with space"])
def test_name_scope_matches_tensorflow(scope):
    def names(lib):
        with lib.name_scope("outer"):
            with lib.name_scope(scope) as entered:
                return entered, lib.Variable(1.0, name="v").name

    assert names(tg) == names(tf)


@pytest.mark.parametrize("bad", [lambda: tg.constant([1, 2])[5],
                                 lambda: tg.gather(tg.constant([1, 2]), [5])])
def test_out_of_range_indices_are_index_errors_and_invalid_argument_errors(bad):
    with pytest.raises(IndexError) as info:
        bad()
    assert isinstance(info.value, tg.errors.InvalidArgumentError)  # TensorFlow's class for it
    assert isinstance(info.value, ValueError)


@needs_tf
def test_tensorflow_raises_invalid_argument_for_out_of_range_indices():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant([1, 2])[5]
