"""tg.train.Checkpoint, CheckpointManager and latest_checkpoint (object-based checkpoints)."""

from __future__ import annotations

import gc
import os
import warnings

import numpy as np
import pytest

import tapegrad as tg

try:
    import tensorflow as tf
except ImportError:  # the TensorFlow comparisons below skip
    tf = None

needs_tf = pytest.mark.skipif(tf is None, reason="TensorFlow is not installed")


class Dense(tg.Module):
    def __init__(self, n_in, n_out, seed):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.w = tg.Variable(rng.normal(size=(n_in, n_out)).astype(np.float32), name="w")
        self.b = tg.Variable(np.zeros(n_out, np.float32), name="b")

    def __call__(self, x):
        return tg.matmul(x, self.w) + self.b


class MLP(tg.Module):
    def __init__(self, seed=0):
        super().__init__()
        self.layers = [Dense(3, 4, seed), Dense(4, 1, seed + 1)]

    def __call__(self, x):
        return self.layers[1](tg.nn.relu(self.layers[0](x)))


def _train(model, opt, steps=3):
    x = tg.constant(np.random.default_rng(5).normal(size=(8, 3)).astype(np.float32))
    for _ in range(steps):
        with tg.GradientTape() as tape:
            loss = tg.reduce_mean(model(x) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
    return x


def _values(model):
    return [v.numpy() for v in model.trainable_variables]


def test_save_numbers_and_restore_into_fresh_model_and_optimizer(tmp_path):
    model, opt = MLP(seed=0), tg.optimizers.Adam(0.01)
    x = _train(model, opt)
    ckpt = tg.train.Checkpoint(model=model, optimizer=opt, step=tg.Variable(7))
    prefix = str(tmp_path / "ckpt")
    assert ckpt.save(prefix) == prefix + "-1"
    assert ckpt.save(prefix) == prefix + "-2"
    assert tg.train.latest_checkpoint(tmp_path) == prefix + "-2"
    assert int(ckpt.save_counter.numpy()) == 2

    fresh, fresh_opt = MLP(seed=42), tg.optimizers.Adam(0.01)
    step = tg.Variable(0)
    status = tg.train.Checkpoint(model=fresh, optimizer=fresh_opt, step=step).restore(
        prefix + "-2")
    status.assert_consumed().assert_existing_objects_matched().assert_nontrivial_match()
    for a, b in zip(_values(model), _values(fresh), strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(step.numpy()) == 7 and fresh_opt.iterations == opt.iterations
    # The optimizer state came back: one more step is the same step on both.
    _train(model, opt, steps=1)
    _train(fresh, fresh_opt, steps=1)
    for a, b in zip(_values(model), _values(fresh), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    del x


def test_write_read_nested_dicts_and_lists(tmp_path):
    objects = {"a": [tg.Variable(1.0), {"z": tg.Variable([2.0, 3.0])}], "b": tg.Variable(4)}
    path = tg.train.Checkpoint(**objects).write(str(tmp_path / "plain"))
    assert path == str(tmp_path / "plain") and os.path.isfile(path)
    assert tg.train.latest_checkpoint(tmp_path) is None  # write() records nothing
    fresh = {"a": [tg.Variable(0.0), {"z": tg.Variable([0.0, 0.0])}], "b": tg.Variable(0)}
    tg.train.Checkpoint(**fresh).read(path).assert_consumed()
    assert float(fresh["a"][0]) == 1.0 and fresh["a"][1]["z"].numpy().tolist() == [2.0, 3.0]
    assert int(fresh["b"]) == 4


def test_root_object(tmp_path):
    model = MLP()
    path = tg.train.Checkpoint(root=model, step=tg.Variable(3)).write(str(tmp_path / "r"))
    names = [name for name, _, _ in tg.checkpoint.list_variables(path)]
    assert "layers/0/w" in names and "step" in names
    fresh, step = MLP(seed=9), tg.Variable(0)
    tg.train.Checkpoint(root=fresh, step=step).restore(path).assert_consumed()
    np.testing.assert_array_equal(fresh.layers[1].b.numpy(), model.layers[1].b.numpy())
    assert int(step) == 3


def test_partial_restores_are_reported(tmp_path):
    model = MLP()
    path = tg.train.Checkpoint(model=model, extra=tg.Variable(1.0)).write(str(tmp_path / "c"))
    fresh = MLP(seed=3)
    status = tg.train.Checkpoint(model=fresh).restore(path)
    with pytest.raises(AssertionError, match="not matched to any object: 'extra'"):
        status.assert_consumed()
    status.expect_partial()
    np.testing.assert_array_equal(fresh.layers[0].w.numpy(), model.layers[0].w.numpy())
    more = tg.train.Checkpoint(model=MLP(), other=tg.Variable(0.0)).restore(path)
    with pytest.raises(AssertionError, match="objects with no value in the checkpoint: 'other'"):
        more.assert_existing_objects_matched()
    more.expect_partial()
    with pytest.raises(AssertionError, match="matched no object"):
        tg.train.Checkpoint(unrelated=tg.Variable(0.0)).restore(path).expect_partial() \
            .assert_nontrivial_match()


def test_unused_values_are_warned_about_when_the_checkpoint_goes(tmp_path):
    path = tg.train.Checkpoint(a=tg.Variable(1.0), b=tg.Variable(2.0)).write(str(tmp_path / "c"))
    ckpt = tg.train.Checkpoint(a=tg.Variable(0.0))
    ckpt.restore(path)
    with pytest.warns(RuntimeWarning, match="never restored \\('b'\\)"):
        del ckpt
        gc.collect()
    quiet = tg.train.Checkpoint(a=tg.Variable(0.0))
    quiet.restore(path).expect_partial()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del quiet
        gc.collect()


class Lazy(tg.Module):
    """Builds its variables on first call, as TensorFlow's guide's FlexibleDenseModule."""

    def __init__(self, out_features, name=None):
        super().__init__(name=name)
        self.out_features = out_features

    def __call__(self, x):
        if not hasattr(self, "w"):
            self.w = tg.Variable(tg.random.normal([x.shape[-1], self.out_features]), name="w")
            self.b = tg.Variable(tg.zeros([self.out_features]), name="b")
        return tg.nn.relu(tg.matmul(x, self.w) + self.b)


class LazyStack(tg.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Lazy(3)
        self.dense_2 = Lazy(2)

    def __call__(self, x):
        return self.dense_2(self.dense_1(x))


def test_deferred_restoration_into_variables_created_later(tmp_path):
    x = tg.constant([[2.0, 2.0, 2.0]])
    model, opt = LazyStack(), tg.optimizers.Adam(0.1)
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(model(x))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                            model.trainable_variables))
    path = tg.train.Checkpoint(model=model, optimizer=opt).write(str(tmp_path / "lazy"))
    assert [n for n, _ in tg.train.list_variables(path)] == [
        "model/dense_1/b", "model/dense_1/w", "model/dense_2/b", "model/dense_2/w"]
    np.testing.assert_array_equal(tg.train.load_variable(path, "model/dense_1/w"),
                                  model.dense_1.w.numpy())

    fresh, fresh_opt = LazyStack(), tg.optimizers.Adam(0.1)
    status = tg.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)
    with pytest.raises(AssertionError, match="not matched"):
        status.assert_consumed()  # nothing built yet
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())
    status.assert_consumed()  # built: every value found its variable
    np.testing.assert_array_equal(fresh_opt.get_slot(fresh.dense_2.w, "m").numpy(),
                                  opt.get_slot(model.dense_2.w, "m").numpy())
    assert fresh_opt.iterations == opt.iterations


def test_deferred_restoration_checks_shapes(tmp_path):
    model = Lazy(2)
    model(tg.ones([1, 3]))
    path = tg.train.Checkpoint(model=model).write(str(tmp_path / "c"))
    fresh = Lazy(2)
    tg.train.Checkpoint(model=fresh).restore(path).expect_partial()
    with pytest.raises(tg.errors.InvalidArgumentError, match="model/w"):
        fresh(tg.ones([1, 4]))  # builds w of shape (4, 2), saved (3, 2)


def test_list_and_load_variable_errors(tmp_path):
    with pytest.raises(tg.errors.NotFoundError, match="no checkpoint recorded"):
        tg.train.list_variables(str(tmp_path))
    path = tg.train.Checkpoint(v=tg.Variable(1.0)).write(str(tmp_path / "c"))
    with pytest.raises(tg.errors.NotFoundError, match="no variable 'x'"):
        tg.train.load_variable(path, "x")


def test_mismatched_objects_raise_and_change_nothing(tmp_path):
    model = MLP()
    path = tg.train.Checkpoint(model=model).write(str(tmp_path / "c"))
    wrong = MLP()
    wrong.layers[1] = Dense(4, 2, 0)  # another shape at the same path
    before = [v.numpy() for v in wrong.variables]
    with pytest.raises(tg.errors.InvalidArgumentError, match="model/layers/1/w") as info:
        tg.train.Checkpoint(model=wrong).restore(path)
    assert isinstance(info.value, ValueError) and "expected shape (4, 2)" in str(info.value)
    for a, b in zip(before, [v.numpy() for v in wrong.variables], strict=True):
        np.testing.assert_array_equal(a, b)
    dtype_change = tg.train.Checkpoint(model=MLP())
    dtype_change.model.layers[0].b = tg.Variable(np.zeros(4))
    with pytest.raises(ValueError, match="dtype float64"):
        dtype_change.restore(path)


def test_optimizer_state_of_another_kind_raises(tmp_path):
    model, opt = MLP(), tg.optimizers.Adam(0.01, amsgrad=True)
    _train(model, opt, 1)
    path = tg.train.Checkpoint(model=model, optimizer=opt).write(str(tmp_path / "c"))
    with pytest.raises(tg.errors.InvalidArgumentError, match="slots"):
        tg.train.Checkpoint(model=MLP(), optimizer=tg.optimizers.Adam(0.01)).restore(path)


def test_bad_files_and_objects(tmp_path):
    ckpt = tg.train.Checkpoint(v=tg.Variable(1.0))
    with pytest.raises(tg.errors.NotFoundError, match="no checkpoint file") as info:
        ckpt.restore(str(tmp_path / "missing"))
    assert isinstance(info.value, FileNotFoundError)
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(tg.errors.InvalidArgumentError, match="damaged or not a tapegrad"):
        ckpt.restore(str(junk))
    with pytest.raises(TypeError, match="a checkpoint holds Variables"):
        tg.train.Checkpoint(x="a string")
    with pytest.raises(AssertionError, match="save_path=None"):
        ckpt.restore(None).assert_consumed()
    with pytest.raises(TypeError, match="train.Checkpoint"):
        tg.train.CheckpointManager(object(), str(tmp_path), 2)
    with pytest.raises(ValueError, match="max_to_keep"):
        tg.train.CheckpointManager(ckpt, str(tmp_path), 0)


def test_checkpoint_manager(tmp_path):
    v = tg.Variable(0.0)
    directory = str(tmp_path / "run")
    manager = tg.train.CheckpointManager(tg.train.Checkpoint(v=v), directory, max_to_keep=2)
    assert manager.latest_checkpoint is None and manager.checkpoints == []
    paths = []
    for i in range(4):
        v.assign(float(i))
        paths.append(manager.save())
    assert [os.path.basename(p) for p in paths] == ["ckpt-1", "ckpt-2", "ckpt-3", "ckpt-4"]
    assert manager.checkpoints == paths[2:] and manager.latest_checkpoint == paths[3]
    assert not os.path.exists(paths[0]) and os.path.exists(paths[2])
    assert tg.train.latest_checkpoint(directory) == paths[3]
    # A new manager on the same directory sees the kept files, and a new Checkpoint continues.
    w = tg.Variable(-1.0)
    again = tg.train.CheckpointManager(tg.train.Checkpoint(v=w), directory, max_to_keep=2)
    assert again.checkpoints == paths[2:]
    assert again.restore_or_initialize() == paths[3] and float(w) == 3.0
    assert os.path.basename(again.save()) == "ckpt-5"


def _manager_story(lib, directory):
    v = lib.Variable(1.0)
    ckpt = lib.train.Checkpoint(v=v)
    manager = lib.train.CheckpointManager(ckpt, directory, max_to_keep=2)
    saved = [os.path.basename(manager.save()) for _ in range(3)]
    kept = [os.path.basename(p) for p in manager.checkpoints]
    latest = os.path.basename(lib.train.latest_checkpoint(directory))
    direct = os.path.basename(ckpt.save(os.path.join(directory, "other")))
    return saved, kept, latest, direct, int(ckpt.save_counter.numpy())


@needs_tf
def test_paths_and_numbering_match_tensorflow(tmp_path):
    assert _manager_story(tg, str(tmp_path / "ours")) == _manager_story(tf, str(tmp_path / "tf"))
