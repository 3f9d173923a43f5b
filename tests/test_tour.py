"""The tour (``python -m tapegrad --quick``), its data, and the examples."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.tour import digits, run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_tour(args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "tapegrad", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env=env,
    )


def check_tour_output(out: str, out_dir: Path) -> float:
    # part 1: the tutorial's values
    assert "<tapegrad.Tensor: id=" in out and "numpy=16.0>" in out
    assert "tapegrad.Tensor(108.0, shape=(), dtype=float32)" in out
    assert "numpy=6.0>" in out
    # part 2: training
    line = next(x for x in out.splitlines() if x.startswith("test accuracy:"))
    accuracy = float(line.split()[2].rstrip("%")) / 100
    assert "training took" in line
    # part 3: checkpoint
    assert "identical: True" in out
    assert (out_dir / "digits_mlp.npz").exists()
    assert f"Files go to {out_dir}" in out
    return accuracy


def test_quick_tour_runs_and_reports(tmp_path):
    done = run_tour(["--quick", "--out", str(tmp_path)])
    assert done.returncode == 0, done.stderr + done.stdout
    accuracy = check_tour_output(done.stdout, tmp_path)
    assert accuracy >= 0.9  # three epochs; the full run reaches >= 95%
    # part 4: the plot when matplotlib is installed, a note otherwise
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "skipped: matplotlib is not installed" in done.stdout
    else:
        assert f"wrote the loss curve to {tmp_path / 'loss_curve.png'}" in done.stdout
        assert (tmp_path / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_tour_with_only_numpy_and_scipy(tmp_path):
    """tqdm and matplotlib are optional: without them, a text progress line and a note."""
    blocker = tmp_path / "block"
    blocker.mkdir()
    for name in ("tqdm", "matplotlib"):
        (blocker / f"{name}.py").write_text(f"raise ImportError('{name} is blocked')\n")
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(blocker)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ),
    )
    out_dir = tmp_path / "out"
    done = run_tour(["--quick", "--out", str(out_dir)], env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    check_tour_output(done.stdout, out_dir)
    assert "training 100% [####################] 135/135" in done.stdout
    assert "skipped: matplotlib is not installed" in done.stdout
    assert not (out_dir / "loss_curve.png").exists()


def test_tour_default_out_is_a_new_temporary_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run, "FULL_EPOCHS", 1)
    monkeypatch.setattr(run, "part_plot", lambda *args: print("plot skipped in this test"))
    monkeypatch.setattr(run.tempfile, "mkdtemp", lambda prefix: str(tmp_path / (prefix + "x")))
    assert run.main([]) == 0
    out = capsys.readouterr().out
    assert f"Files go to {tmp_path / 'tapegrad-tour-x'}" in out
    assert (tmp_path / "tapegrad-tour-x" / "digits_mlp.npz").exists()


def test_nan_loss_stops_the_tour_with_a_message_naming_the_step(tmp_path, monkeypatch, capsys):
    images, labels = digits.load_digits()
    images = images.copy()
    images[:, 0] = np.nan

    monkeypatch.setattr(digits, "load_digits", lambda: (images, labels))
    assert run.main(["--quick", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "training stopped at step 0 (epoch 1, batch 1)" in err
    assert "the loss is nan at step 0" in err


def test_digits_data_and_split():
    images, labels = digits.load_digits()
    assert images.shape == (1797, 64) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert 0.0 <= images.min() and images.max() == 1.0
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    x_train, y_train, x_test, y_test = digits.train_test_split(images, labels)
    assert (len(x_train), len(x_test)) == (1437, 360)
    again = digits.train_test_split(images, labels)
    np.testing.assert_array_equal(again[3], y_test)
    readme = (Path(digits.__file__).parents[1] / "data" / "README.md").read_text()
    assert "CC BY 4.0" in readme and "BSD 3-Clause" in readme


def test_training_reaches_95_percent_on_the_test_set():
    """The tour's full recipe (20 epochs, about a second) at the accuracy the tour promises."""
    x_train, y_train, x_test, y_test = digits.train_test_split(*digits.load_digits())
    model = digits.MLP((64, run.HIDDEN, 10), seed=0)
    total = run.FULL_EPOCHS * -(-len(x_train) // run.BATCH_SIZE)
    opt = tg.optimizers.Adam(learning_rate=digits.cosine_schedule(run.PEAK_LEARNING_RATE, total))
    losses = digits.train(model, opt, x_train, y_train, run.FULL_EPOCHS, run.BATCH_SIZE)
    assert len(losses) == total
    assert digits.accuracy(model, x_test, y_test) >= 0.95


# --- examples ------------------------------------------------------------------------------
def load_example(name: str) -> dict:
    return runpy.run_path(str(EXAMPLES / name), run_name="example")


def test_linear_regression_example_fits_the_line(capsys):
    result = load_example("linear_regression.py")["main"](steps=150)
    np.testing.assert_allclose(result["w"], [2.0, -3.0, 0.5], atol=0.05)
    assert abs(result["b"] - 1.0) < 0.05
    assert "learned w" in capsys.readouterr().out


def test_mlp_example_learns_and_saves(tmp_path, capsys):
    accuracy = load_example("mlp_digits.py")["main"](epochs=2, out_dir=str(tmp_path))
    assert accuracy > 0.85
    assert (tmp_path / "mlp_digits.npz").exists()
    assert "test accuracy" in capsys.readouterr().out


def test_examples_run_as_scripts():
    env = dict(os.environ, TAPEGRAD_EXAMPLE_STEPS="5")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "linear_regression.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "step    4" in done.stdout


@pytest.mark.skipif(
    not hasattr(tg.nn, "conv2d") or not hasattr(tg.nn, "max_pool2d"),
    reason="tapegrad.nn.conv2d / max_pool2d are not implemented yet",
)
def test_cnn_example_learns(capsys):
    accuracy = load_example("cnn_digits.py")["main"](epochs=1)
    assert accuracy > 0.5
    assert "test accuracy" in capsys.readouterr().out
