"""The Keras-style examples run (short runs here; the full runs reach the accuracy they
promise: see examples/keras_digits.py)."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _main(name):
    return runpy.run_path(str(EXAMPLES / name), run_name="example")["main"]


def test_keras_digits_cnn_trains_with_fit(capsys):
    accuracy = _main("keras_digits.py")(epochs=3)
    out = capsys.readouterr().out
    assert accuracy > 0.85
    assert "Epoch 3/3" in out and "val_accuracy" in out and "Total params" in out
    assert "test accuracy" in out


def test_keras_custom_loop_trains(capsys):
    accuracy = _main("keras_custom_loop.py")(epochs=2)
    assert accuracy > 0.85
    assert "epoch 2" in capsys.readouterr().out
