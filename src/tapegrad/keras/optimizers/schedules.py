"""``keras.optimizers.schedules``: learning rates as functions of the optimizer's step.

Each schedule is computed with tapegrad ops on the step (a tensor), so a compiled training
step evaluates it inside its generated code.
"""

from __future__ import annotations

import math
from typing import Any

import tapegrad as tg

__all__ = [
    "LearningRateSchedule",
    "ExponentialDecay",
    "CosineDecay",
    "PiecewiseConstantDecay",
    "serialize",
    "deserialize",
]


def _step(step: Any) -> tg.Tensor:
    return tg.cast(tg.convert_to_tensor(step), tg.float32)


class LearningRateSchedule:
    """Base class: ``schedule(step)`` returns the learning rate at ``step``."""

    def __call__(self, step: Any) -> tg.Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement __call__.")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored if ``staircase``).

    >>> from tapegrad import keras
    >>> s = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(s(20)), 6)
    0.025
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ):
        if decay_steps <= 0:
            raise ValueError(f"ExponentialDecay: `decay_steps` must be > 0, got {decay_steps}.")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _step(step) / float(self.decay_steps)
        if self.staircase:
            p = tg.floor(p)
        return float(self.initial_learning_rate) * tg.pow(tg.constant(float(self.decay_rate)), p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the initial rate to ``alpha`` times it over ``decay_steps``, after an
    optional linear warmup to ``warmup_target`` over ``warmup_steps``.

    >>> from tapegrad import keras
    >>> s = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=100)
    >>> [round(float(s(k)), 6) for k in (0, 50, 100, 200)]
    [0.1, 0.05, 0.0, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        if decay_steps <= 0:
            raise ValueError(f"CosineDecay: `decay_steps` must be > 0, got {decay_steps}.")
        self.initial_learning_rate, self.decay_steps, self.alpha = (
            initial_learning_rate,
            decay_steps,
            alpha,
        )
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def _decay(self, step, start):
        fraction = step / float(self.decay_steps)
        cosine = 0.5 * (1.0 + tg.cos(math.pi * fraction))
        return float(start) * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = _step(step)
        if self.warmup_target is None:
            return self._decay(
                tg.minimum(step, float(self.decay_steps)), self.initial_learning_rate
            )
        step = tg.minimum(step, float(self.decay_steps + self.warmup_steps))
        warm = max(self.warmup_steps, 1)
        warmup = (self.warmup_target - self.initial_learning_rate) * (
            step / float(warm)
        ) + self.initial_learning_rate
        decay = self._decay(tg.maximum(step - float(self.warmup_steps), 0.0), self.warmup_target)
        return tg.where(step < float(self.warmup_steps), warmup, decay)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]``, ``values[1]`` up to ``boundaries[1]``, ...

    >>> from tapegrad import keras
    >>> s = keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [float(s(k)) for k in (10, 11, 25)]
    [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries: list, values: list, name: str = "PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "PiecewiseConstantDecay: `values` needs one more entry than `boundaries`, got "
                f"{len(values)} values and {len(boundaries)} boundaries."
            )
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        step = _step(step)
        out = tg.constant(float(self.values[-1]))
        for boundary, value in reversed(list(zip(self.boundaries, self.values[:-1]))):
            out = tg.where(step <= float(boundary), tg.constant(float(value)), out)
        return out

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


_TABLE = {c.__name__: c for c in (ExponentialDecay, CosineDecay, PiecewiseConstantDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{"class_name", "config"}`` for ``schedule``."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict) -> LearningRateSchedule:
    """The schedule that ``serialize`` described."""
    return _TABLE[config["class_name"]](**config["config"])
