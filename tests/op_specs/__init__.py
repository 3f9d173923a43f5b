"""The op table: one ``OpSpec`` per public op, collected from this package's modules.

Each family module (``unary.py``, ``linalg.py``, ...) defines ``SPECS``, a list
of OpSpec. ``tests/test_op_table.py`` runs every spec through the same checks:

* gradients against finite differences in float64, reverse and forward mode,
  to ``order`` (``tapegrad.testing.check_gradients``);
* the float32 forward value (and dtype) against the NumPy/SciPy ``reference``;
* batched VJPs (``GradientTape.jacobian``) against one sweep per row;
* ops with ``differentiable=False`` must give ``None`` gradients.

``primitives`` names the registry entries a spec exercises; the registry test
fails when a registered primitive is covered by no spec.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class OpSpec:
    """How to test one op on one set of inputs."""

    name: str  # test id, e.g. "reduce_sum/axis=1"
    fn: Callable  # called as fn(*inputs); non-differentiable arguments go in a closure
    inputs: Sequence[Any]  # float64 arrays: the differentiable arguments
    primitives: tuple = ()  # registry names this spec covers
    reference: Callable | None = None  # NumPy/SciPy version for the forward check
    order: int = 2
    differentiable: bool = True
    modes: tuple = ("rev", "fwd")
    eps: float = 1e-6
    rtol: float = 1e-5
    atol: float = 1e-6
    float32_rtol: float = 1e-5
    float32_atol: float = 1e-5
    check_float32: bool = True
    check_batched: bool = True
    tags: tuple = field(default_factory=tuple)

    def __repr__(self) -> str:
        return self.name


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def randn(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def positive(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape)


def all_specs() -> list:
    specs: list = []
    for module in pkgutil.iter_modules(__path__):
        mod = importlib.import_module(f"{__name__}.{module.name}")
        specs.extend(getattr(mod, "SPECS", []))
    return specs


# Primitives that exist only for the engine or are covered indirectly, each with the reason.
INDIRECT: dict = {
    "read_variable": "a Variable's value is a source by id; tests/test_variables.py checks its "
    "gradients (first and second order) against closed forms",
}
