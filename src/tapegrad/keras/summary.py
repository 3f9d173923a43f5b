"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _size(n_values: int, n_bytes: int) -> str:
    units = ["B", "KB", "MB", "GB"]
    size, unit = float(n_bytes), 0
    while size >= 1024 and unit < len(units) - 1:
        size, unit = size / 1024, unit + 1
    return f"{n_values:,} ({size:.2f} {units[unit]})"


def _shape(layer: Any) -> str:
    shape = getattr(layer, "_last_output_shape", None)
    if shape is None:
        return "?"
    return str(tuple(shape)) if not isinstance(shape, list) else str([tuple(s) for s in shape])


def print_summary(
    model: Any, line_length: int | None = None, print_fn: Callable | None = None
) -> None:
    """Print (or pass each line to ``print_fn``) the summary table of ``model``."""
    emit = print_fn or print
    widths = [33, 26, 15]
    if line_length:
        widths[0] = max(10, line_length - sum(widths[1:]) - 4)

    def row(cells: list, left: str, mid: str, right: str) -> str:
        texts = [
            f" {cells[0]:<{widths[0] - 2}} ",
            f" {cells[1]:<{widths[1] - 2}} ",
            f" {cells[2]:>{widths[2] - 2}} ",
        ]
        return left + mid.join(texts) + right

    def rule(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    lines = [
        f'Model: "{model.name}"',
        rule("\u250f", "\u2533", "\u2513", "\u2501"),
        row(["Layer (type)", "Output Shape", "Param #"], "\u2503", "\u2503", "\u2503"),
        rule("\u2521", "\u2547", "\u2529", "\u2501"),
    ]
    layers = model.layers
    for i, layer in enumerate(layers):
        lines.append(
            row(
                [
                    f"{layer.name} ({type(layer).__name__})",
                    _shape(layer),
                    f"{layer.count_params():,}",
                ],
                "\u2502",
                "\u2502",
                "\u2502",
            )
        )
        if i < len(layers) - 1:
            lines.append(rule("\u251c", "\u253c", "\u2524", "\u2500"))
    lines.append(rule("\u2514", "\u2534", "\u2518", "\u2500"))

    def count(weights: list) -> tuple[int, int]:
        values = sum(int(np.prod(tuple(w.shape))) for w in weights)
        return values, sum(
            int(np.prod(tuple(w.shape)))
            * np.dtype(getattr(w.dtype, "as_numpy_dtype", w.dtype)).itemsize
            for w in weights
        )

    lines.append(" Total params: " + _size(*count(model.weights)))
    lines.append(" Trainable params: " + _size(*count(model.trainable_weights)))
    lines.append(" Non-trainable params: " + _size(*count(model.non_trainable_weights)))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        slots = [v for v in optimizer.variables if v is not optimizer.iterations]
        lines.append(" Optimizer params: " + _size(*count(slots)))
    for line in lines:
        emit(line)
