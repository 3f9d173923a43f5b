"""``keras.initializers``: how ``add_weight`` fills a new weight, with Keras's names and defaults.

An initializer is called as ``init(shape, dtype)``. A seeded one gives the same values at every
call (Keras 3's rule); an unseeded one draws from ``tg.random``'s global stream, so
``tg.random.set_seed`` makes a whole model's initialisation reproducible.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import tapegrad as tg

from ._utils import get_callable, np_dtype, snake_case

__all__ = [
    "Initializer",
    "Constant",
    "Zeros",
    "Ones",
    "Identity",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "get",
    "serialize",
    "deserialize",
]


def compute_fans(shape: tuple) -> tuple[float, float]:
    """Keras's ``(fan_in, fan_out)``: kernels ``(..., in, out)`` count the receptive field."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = float(np.prod(shape[:-2])) if len(shape) > 2 else 1.0
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)``."""

    def __init__(self, seed: int | None = None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise TypeError(f"{type(self).__name__}: seed must be an int or None, got {seed!r}.")
        self.seed = seed

    def _rng(self) -> np.random.Generator:
        if self.seed is not None:
            return np.random.default_rng(int(self.seed))
        return np.random.default_rng(int(tg.random.uniform((), 0, 2**31 - 1, dtype=tg.int64)))

    def _tensor(self, values: np.ndarray, dtype: Any) -> tg.Tensor:
        return tg.constant(np.asarray(values).astype(np_dtype(dtype)))

    def __call__(self, shape: Any, dtype: Any = None) -> tg.Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement __call__.")

    def get_config(self) -> dict:
        return {"seed": self.seed} if hasattr(self, "seed") else {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)


class Constant(Initializer):
    """Every entry ``value``.

    >>> from tapegrad import keras
    >>> keras.initializers.Constant(2.0)((2,)).numpy().tolist()
    [2.0, 2.0]
    """

    def __init__(self, value: float = 0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return self._tensor(np.broadcast_to(np.asarray(self.value), tuple(shape)), dtype)

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    """All zeros."""

    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    """All ones."""

    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(tuple(shape)) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {tuple(shape)}.")
        return self._tensor(self.gain * np.eye(*tuple(shape)), dtype)

    def get_config(self):
        return {"gain": self.gain}


class RandomNormal(Initializer):
    """Normal with ``mean`` and ``stddev`` (default 0.05, as Keras)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._tensor(self._rng().normal(self.mean, self.stddev, tuple(shape)), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform on ``[minval, maxval)`` (default ``[-0.05, 0.05)``, as Keras)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._tensor(self._rng().uniform(self.minval, self.maxval, tuple(shape)), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Standard normal values redrawn until within two standard deviations."""
    values = rng.standard_normal(shape)
    bad = np.abs(values) > 2.0
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > 2.0
    return values


class TruncatedNormal(Initializer):
    """Normal cut at two standard deviations (redrawn), ``stddev`` 0.05 by default."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        values = self.mean + self.stddev * _truncated(self._rng(), tuple(shape))
        return self._tensor(values, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Variance ``scale / n`` where ``n`` is the fan in, fan out or their average.

    ``distribution`` is ``"truncated_normal"`` (its standard deviation corrected
    by Keras's 0.8796...), ``"untruncated_normal"`` or ``"uniform"``.
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: `scale` must be positive, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"VarianceScaling: `mode` must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}."
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                "VarianceScaling: `distribution` must be 'truncated_normal', "
                f"'untruncated_normal' or 'uniform', got {distribution!r}."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            values = math.sqrt(scale) / 0.87962566103423978 * _truncated(rng, shape)
        elif self.distribution == "untruncated_normal":
            values = math.sqrt(scale) * rng.standard_normal(shape)
        else:
            limit = math.sqrt(3.0 * scale)
            values = rng.uniform(-limit, limit, shape)
        return self._tensor(values, dtype)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed ``scale``, ``mode`` and ``distribution``."""

    preset: tuple = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None):
        scale, mode, distribution = self.preset
        super().__init__(scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Uniform in ``+-sqrt(6 / (fan_in + fan_out))`` (Dense's default kernel)."""

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal, stddev ``sqrt(2 / (fan_in + fan_out))``."""

    preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Truncated normal, stddev ``sqrt(2 / fan_in)`` (for ReLU layers)."""

    preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """Uniform in ``+-sqrt(6 / fan_in)``."""

    preset = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal, stddev ``sqrt(1 / fan_in)``."""

    preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """Uniform in ``+-sqrt(3 / fan_in)``."""

    preset = (1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``, from the QR of a normal matrix (RNN kernels)."""

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs at least 2 dimensions, got {shape}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = tg.linalg.qr(tg.constant(flat))
        q = q.numpy() * np.sign(np.diag(r.numpy()))
        if rows < cols:
            q = q.T
        return self._tensor(self.gain * q.reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


_TABLE: dict = {name: globals()[name] for name in __all__[1:-3]}
_TABLE.update({snake_case(name): cls for name, cls in list(_TABLE.items())})
_TABLE.update({"uniform": RandomUniform, "normal": RandomNormal, "zero": Zeros, "one": Ones})


def serialize(initializer: Initializer) -> dict:
    """``{"class_name": ..., "config": ...}`` for ``initializer``."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config: dict) -> Initializer:
    """The initializer that ``serialize`` described."""
    return get(config)


def get(identifier: Any) -> Any:
    """An initializer from a name (``"glorot_uniform"``), a config, an instance or a callable.

    Raises:
        ValueError: an unknown name; the message lists the known ones.

    >>> from tapegrad import keras
    >>> init = keras.initializers.get("he_normal")
    >>> type(init).__name__, tuple(init((3, 2)).shape)
    ('HeNormal', (3, 2))
    """
    return get_callable(identifier, _TABLE, "initializer", Initializer)
