"""Module: variables found through attributes, lists, tuples, dicts and nested modules."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def build(lib):
    """The same model for tapegrad and TensorFlow (the parity test builds both)."""

    class Dense(lib.Module):
        def __init__(self, name):
            super().__init__()
            self.w = lib.Variable(1.0, name=name + "w")
            self.b = lib.Variable(0.0, name=name + "b")

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.z_layers = [Dense("l0"), Dense("l1")]
            self.a = {
                "k2": lib.Variable(2.0, name="k2"),
                "k1": (lib.Variable(1.0, name="k1"), Dense("dd")),
            }
            self.shared = self.z_layers[0].w
            self.frozen = lib.Variable(3.0, trainable=False, name="frozen")
            self.m_inner = Dense("inner")
            self.t = (self.m_inner,)
            self.not_a_variable = lib.constant(5.0)
            self.number = 4

    return Net()


# TensorFlow 2.21's tf.Module gives these orders for build(tf) (see the parity test).
EXPECTED_VARIABLES = [
    "k1:0",
    "k2:0",
    "frozen:0",
    "l0w:0",
    "ddb:0",
    "ddw:0",
    "innerb:0",
    "innerw:0",
    "l0b:0",
    "l1b:0",
    "l1w:0",
]
EXPECTED_SUBMODULES = ["ddw:0", "innerw:0", "l0w:0", "l1w:0"]


def names(variables):
    return [v.name for v in variables]


def test_variables_are_found_once_in_tensorflows_order():
    net = build(tg)
    assert names(net.variables) == EXPECTED_VARIABLES
    assert names(net.trainable_variables) == [n for n in EXPECTED_VARIABLES if n != "frozen:0"]
    assert names(net.non_trainable_variables) == ["frozen:0"]
    assert [m.w.name for m in net.submodules] == EXPECTED_SUBMODULES
    assert all(isinstance(v, tg.Variable) for v in net.variables)
    assert isinstance(net.variables, tuple)


def test_order_is_stable_and_sees_later_changes():
    net = build(tg)
    assert names(net.variables) == names(net.variables)
    net.extra = [tg.Variable(0.0, name="late")]
    assert names(net.variables)[2] == "late:0"  # "extra" sorts between "a" and "frozen"
    del net.frozen
    assert "frozen:0" not in names(net.variables)


def test_named_variables_give_the_path_where_each_is_first_found():
    net = build(tg)
    paths = [path for path, _ in net.named_variables()]
    assert paths == [
        "a/k1/0",
        "a/k2",
        "frozen",
        "shared",
        "a/k1/1/b",
        "a/k1/1/w",
        "m_inner/b",
        "m_inner/w",
        "z_layers/0/b",
        "z_layers/1/b",
        "z_layers/1/w",
    ]


def test_cycles_and_parent_references_do_not_loop():
    parent = tg.Module()
    child = tg.Module()
    parent.child = child
    child.parent = parent
    child.siblings = [child]
    parent.v = tg.Variable(1.0)
    child.v = tg.Variable(2.0)
    assert [float(v) for v in parent.variables] == [1.0, 2.0]
    assert [float(v) for v in child.variables] == [2.0, 1.0]
    assert parent.submodules == (child,)


def test_name_and_repr():
    class MyDenseLayer(tg.Module):
        pass

    assert MyDenseLayer().name == "my_dense_layer"
    assert tg.Module(name="encoder").name == "encoder"
    assert "0 variables" in repr(tg.Module())
    with pytest.raises(TypeError, match="name must be a string"):
        tg.Module(name=3)


def test_a_subclass_that_skips_super_init_still_works():
    class NoInit(tg.Module):
        def __init__(self):
            self.w = tg.Variable(1.0)

    m = NoInit()
    assert m.name == "no_init"
    assert len(m.variables) == 1


def test_module_variables_train_with_an_optimizer():
    class Linear(tg.Module):
        def __init__(self):
            super().__init__()
            self.params = {
                "w": tg.Variable(np.zeros((2, 1), np.float32)),
                "b": tg.Variable(np.zeros(1, np.float32)),
            }

        def __call__(self, x):
            return tg.matmul(x, self.params["w"]) + self.params["b"]

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = x @ np.array([[1.5], [-2.0]], np.float32) + 0.5
    model = Linear()
    opt = tg.optimizers.Adam(learning_rate=0.1)
    for _ in range(300):
        opt.minimize(
            lambda: tg.reduce_mean((model(x) - y) * (model(x) - y)), model.trainable_variables
        )
    np.testing.assert_allclose(model.params["w"].numpy().ravel(), [1.5, -2.0], atol=1e-2)
    np.testing.assert_allclose(model.params["b"].numpy(), [0.5], atol=1e-2)


def test_same_order_as_tf_module():
    tf = pytest.importorskip("tensorflow")
    theirs = build(tf)
    ours = build(tg)
    assert names(ours.variables) == names(theirs.variables)
    assert names(ours.trainable_variables) == names(theirs.trainable_variables)
    assert [m.w.name for m in ours.submodules] == [m.w.name for m in theirs.submodules]
