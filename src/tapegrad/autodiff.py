"""``tapegrad.autodiff``: forward mode, as ``tf.autodiff``."""

from .forward_mode import ForwardAccumulator
from .tape import GradientTape

__all__ = ["ForwardAccumulator", "GradientTape"]
