"""Checkpoints: round trips (with optimizer state), atomic writes, validation before assigning."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import checkpoint


class Net(tg.Module):
    def __init__(self, seed=0, hidden=4):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.layers = [
            {
                "w": tg.Variable(rng.normal(size=(3, hidden)).astype(np.float32)),
                "b": tg.Variable(np.zeros(hidden, np.float32)),
            },
            {
                "w": tg.Variable(rng.normal(size=(hidden, 1)).astype(np.float32)),
                "b": tg.Variable(np.zeros(1, np.float32)),
            },
        ]
        self.count = tg.Variable(np.int64(seed), trainable=False)
        self.scale = tg.Variable(np.float64(1.5 + seed))

    def __call__(self, x):
        h = tg.nn.relu(tg.matmul(x, self.layers[0]["w"]) + self.layers[0]["b"])
        return tg.matmul(h, self.layers[1]["w"]) + self.layers[1]["b"]


X = np.random.default_rng(9).normal(size=(16, 3)).astype(np.float32)
Y = np.random.default_rng(10).normal(size=(16, 1)).astype(np.float32)


def values(module):
    return [np.array(v.numpy()) for v in module.variables]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)


def train(model, opt, steps):
    for _ in range(steps):
        opt.minimize(
            lambda: tg.reduce_mean((model(X) - Y) * (model(X) - Y)), model.trainable_variables
        )


def test_round_trip_of_every_dtype_and_shape(tmp_path):
    model = Net(seed=0)
    path = checkpoint.save(tmp_path / "net.npz", model)
    assert path == str(tmp_path / "net.npz")
    saved = values(model)
    other = Net(seed=1)
    assert not all(np.array_equal(a, b) for a, b in zip(saved, values(other), strict=True))
    checkpoint.restore(path, other)
    assert_same(values(other), saved)
    assert checkpoint.list_variables(path)[0] == ("count", (), "int64")


def test_file_has_no_pickles_and_named_arrays(tmp_path):
    path = checkpoint.save(tmp_path / "net.npz", Net())
    with np.load(path, allow_pickle=False) as f:
        files = set(f.files)
    assert {"variables/layers/0/w", "variables/layers/1/b", "variables/scale"} <= files


def test_optimizer_state_round_trip_continues_training_identically(tmp_path):
    for make in (
        lambda: tg.optimizers.Adam(learning_rate=0.05, amsgrad=True),
        lambda: tg.optimizers.SGD(learning_rate=0.05, momentum=0.9),
        lambda: tg.optimizers.RMSprop(centered=True, momentum=0.5),
        lambda: tg.optimizers.Adagrad(),
    ):
        model, opt = Net(seed=0), make()
        train(model, opt, 5)
        path = checkpoint.save(tmp_path / "ckpt.npz", model, opt)
        train(model, opt, 5)

        fresh, fresh_opt = Net(seed=3), make()
        checkpoint.restore(path, fresh, fresh_opt)
        assert fresh_opt.iterations == 5
        train(fresh, fresh_opt, 5)
        assert_same(values(fresh), values(model))
        assert fresh_opt.iterations == opt.iterations == 10


def test_restore_without_optimizer_ignores_saved_state(tmp_path):
    model, opt = Net(), tg.optimizers.Adam()
    train(model, opt, 1)
    path = checkpoint.save(tmp_path / "ckpt.npz", model, opt)
    other = Net(seed=2)
    checkpoint.restore(path, other)
    assert_same(values(other), values(model))


def test_a_dict_of_variables_and_modules(tmp_path):
    step = tg.Variable(7)
    net = Net()
    path = checkpoint.save(tmp_path / "d.npz", {"net": net, "step": step})
    names = [name for name, _, _ in checkpoint.list_variables(path)]
    assert "net/layers/0/w" in names and "step" in names
    step.assign(0)
    net.scale.assign(0.0)
    checkpoint.restore(path, {"net": net, "step": step})
    assert int(step) == 7 and float(net.scale) == 1.5
    with pytest.raises(TypeError, match="entry 'x' is int"):
        checkpoint.save(tmp_path / "bad.npz", {"x": 3})
    with pytest.raises(TypeError, match="Module or a dict of Variables"):
        checkpoint.save(tmp_path / "bad.npz", step)
    with pytest.raises(ValueError, match="both named 'a/b'"):
        checkpoint.save(tmp_path / "bad.npz", {"a/b": step, "a": {"b": tg.Variable(1.0)}})
    assert not (tmp_path / "bad.npz").exists()


def test_truncated_file_is_a_clear_error_and_changes_nothing(tmp_path):
    path = checkpoint.save(tmp_path / "net.npz", Net(seed=0))
    data = open(path, "rb").read()
    for cut in (len(data) // 2, len(data) - 30, 10):
        broken = tmp_path / f"cut{cut}.npz"
        broken.write_bytes(data[:cut])
        model = Net(seed=1)
        before = values(model)
        with pytest.raises(ValueError, match="truncated, damaged or not a tapegrad checkpoint"):
            checkpoint.restore(broken, model)
        assert_same(values(model), before)


def test_files_that_are_not_checkpoints(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a tapegrad checkpoint"):
        checkpoint.restore(text, Net())
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(ValueError, match="not a tapegrad checkpoint"):
        checkpoint.restore(npy, Net())
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(3))
    with pytest.raises(ValueError, match="no 'tapegrad-checkpoint/1' marker"):
        checkpoint.restore(plain, Net())
    pickled = tmp_path / "pickled.npz"
    np.savez(
        pickled,
        **{
            checkpoint.FORMAT_KEY: np.array(checkpoint.FORMAT),
            "variables/x": np.array([{"a": 1}], dtype=object),
        },
    )
    with pytest.raises(ValueError, match="Object arrays cannot be loaded"):
        checkpoint.restore(pickled, {"x": tg.Variable(1.0)})
    with pytest.raises(FileNotFoundError):
        checkpoint.restore(tmp_path / "missing.npz", Net())


def test_wrong_shapes_and_dtypes_name_the_variable_and_change_nothing(tmp_path):
    path = checkpoint.save(tmp_path / "net.npz", Net(seed=0, hidden=4))
    model = Net(seed=1, hidden=5)
    before = values(model)
    with pytest.raises(ValueError) as err:
        checkpoint.restore(path, model)
    message = str(err.value)
    assert "'layers/0/w': expected shape (3, 5) dtype float32, found shape (3, 4) dtype" in message
    assert "'layers/1/w'" in message
    assert_same(values(model), before)  # layers/*/b and scale fit, but nothing was assigned

    path = checkpoint.save(tmp_path / "f64.npz", {"w": tg.Variable(np.ones(2))})
    w = tg.Variable(np.zeros(2, np.float32))
    with pytest.raises(
        ValueError, match="'w': expected shape .2,. dtype float32, found shape .2,. dtype float64"
    ):
        checkpoint.restore(path, {"w": w})
    assert w.numpy().tolist() == [0.0, 0.0]


def test_a_file_from_another_model(tmp_path):
    path = checkpoint.save(
        tmp_path / "other.npz", {"encoder/w": tg.Variable(1.0), "scale": tg.Variable(1.5)}
    )
    model = Net()
    before = values(model)
    with pytest.raises(
        ValueError,
        match=r"missing from the file: 'count', 'layers/0/b'.*"
        r"in the file but not in the model: 'encoder/w'.*"
        "another model",
    ):
        checkpoint.restore(path, model)
    assert_same(values(model), before)


def test_optimizer_mismatches_are_errors_and_change_nothing(tmp_path):
    model, adam = Net(), tg.optimizers.Adam()
    train(model, adam, 2)
    path = checkpoint.save(tmp_path / "adam.npz", model, adam)
    bare = checkpoint.save(tmp_path / "bare.npz", model)
    fresh = Net(seed=4)
    before = values(fresh)
    with pytest.raises(ValueError, match="holds Adam state, but the optimizer is a SGD"):
        checkpoint.restore(path, fresh, tg.optimizers.SGD())
    with pytest.raises(ValueError, match="no slot 'vhat'"):
        # amsgrad state restored into an Adam without it: the slot sets differ
        ams = tg.optimizers.Adam(amsgrad=True)
        train(model, ams, 1)
        checkpoint.restore(checkpoint.save(tmp_path / "ams.npz", model, ams), fresh, adam)
    with pytest.raises(ValueError, match="holds no optimizer state"):
        checkpoint.restore(bare, fresh, tg.optimizers.Adam())
    with pytest.raises(TypeError, match="optimizer must be a tapegrad optimizer"):
        checkpoint.restore(path, fresh, "adam")
    assert_same(values(fresh), before)


def test_bad_optimizer_slot_shape_changes_nothing(tmp_path):
    model, opt = Net(), tg.optimizers.Adam()
    train(model, opt, 1)
    path = checkpoint.save(tmp_path / "ckpt.npz", model, opt)
    with np.load(path) as f:
        arrays = dict(f)
    arrays["optimizer/layers/0/w/m"] = np.zeros((2, 2), np.float32)
    np.savez(tmp_path / "bad.npz", **arrays)
    fresh, fresh_opt = Net(seed=5), tg.optimizers.Adam()
    before = values(fresh)
    with pytest.raises(ValueError, match=r"'optimizer/layers/0/w/m': expected shape \(3, 4\)"):
        checkpoint.restore(tmp_path / "bad.npz", fresh, fresh_opt)
    assert_same(values(fresh), before)
    assert fresh_opt.iterations == 0


def test_a_crash_while_writing_leaves_the_old_file_intact(tmp_path, monkeypatch):
    model = Net(seed=0)
    path = checkpoint.save(tmp_path / "net.npz", model)
    old_bytes = open(path, "rb").read()

    def crash(file, arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(checkpoint, "_write_npz", crash)
    model.scale.assign(99.0)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(path, model)
    assert open(path, "rb").read() == old_bytes
    assert os.listdir(tmp_path) == ["net.npz"]  # the temporary file was removed
    monkeypatch.undo()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(path, model)
    monkeypatch.undo()
    assert open(path, "rb").read() == old_bytes
    assert os.listdir(tmp_path) == ["net.npz"]
    restored = Net(seed=1)
    checkpoint.restore(path, restored)
    assert float(restored.scale) == 1.5


def test_overwriting_keeps_permissions(tmp_path):
    path = tmp_path / "net.npz"
    checkpoint.save(path, Net())
    os.chmod(path, 0o640)
    checkpoint.save(path, Net())
    assert os.stat(path).st_mode & 0o777 == 0o640
