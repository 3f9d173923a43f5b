"""The op table: one ``OpSpec`` per public op, collected from this package's modules.

Each family module (``unary.py``, ``linalg.py``, ...) defines ``SPECS``, a list
of OpSpec. ``tests/test_op_table.py`` runs every spec through the same checks:

* gradients against finite differences in float64, reverse and forward mode,
  to ``order`` (``tapegrad.testing.check_gradients``);
* the float32 forward value (and dtype) against the NumPy/SciPy ``reference``;
* batched VJPs (``GradientTape.jacobian``) against one sweep per row;
* ops with ``differentiable=False`` must give ``None`` gradients.

``empty`` is the same op on inputs with a zero-size dimension (an ``Empty``: the
output shapes, or the error TensorFlow raises), or a string saying why the op
has no such case; ``tests/test_op_table_empty.py`` runs it.

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

INTERNAL = "an internal primitive, with no TensorFlow op to compare"


@dataclass
class Empty:
    """A spec's op on inputs with a zero-size dimension, and what TensorFlow gives for it."""

    inputs: Sequence[Any]  # one per spec input: a shape (random float64 values) or an array
    out: Sequence[tuple] = ()  # the output shapes (each float output keeps the spec's dtype)
    raises: tuple = ()  # (exception class, op name in its message) where TensorFlow refuses
    fn: Callable | None = None  # the call, where it differs from the spec's (k, indices, sizes)
    tf: Callable | None = None  # tf(tensorflow, *inputs): TensorFlow's twin of an internal op
    no_tf: str = ""  # why TensorFlow cannot run the case, if it cannot (INTERNAL, ...)
    bad_tf_gradient: str = ""  # why TensorFlow's gradient is not compared: it is wrong there


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
    empty: Empty | str | None = None  # the empty-input case, or why the op has none

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
    "random_sample": "draws every random tensor; tests/test_random.py and "
    "tests/test_function.py (fresh numbers per compiled call) cover it",
    "print": "tapegrad.print; tests/test_function.py checks eager and compiled output",
    "check_finite": "the NaN/Inf check of Optimizer.minimize; tests/test_function.py",
    "optimizer_update": "one optimizer step; tests/test_optimizers.py checks every optimizer",
    "optimizer_sparse_update": "one optimizer step on IndexedSlices rows; tests/test_optimizers.py",
    "learning_rate": "a learning-rate schedule's value; tests/test_optimizers.py (schedules)",
    "integer_mean": "reduce_mean of integers (truncated, as TensorFlow); tests/test_reduce.py",
    "where_indices": "where(condition) alone; tests/test_function.py and the where specs",
}
