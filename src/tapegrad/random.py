"""``tapegrad.random``: seeded random tensors (as ``tf.random``)."""

from .ops.random import *  # noqa: F403
from .ops.random import __all__ as _random

__all__ = sorted(_random)
