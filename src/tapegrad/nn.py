"""``tapegrad.nn``: activations, losses, convolutions and pooling (as ``tf.nn``)."""

from .ops.nn import *  # noqa: F403
from .ops.nn import __all__ as _nn
from .ops.unary import sigmoid, tanh

__all__ = sorted(set(_nn + ["sigmoid", "tanh"]))
