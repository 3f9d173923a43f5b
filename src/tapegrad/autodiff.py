"""``tapegrad.autodiff``: forward mode, as ``tf.autodiff``."""

from ._core.forward import ForwardAccumulator
from ._core.tape import GradientTape

__all__ = ["ForwardAccumulator", "GradientTape"]
