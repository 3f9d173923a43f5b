"""``tapegrad.nn``: activations, losses, convolutions and pooling (as ``tf.nn``)."""

from .ops.activations import *  # noqa: F403
from .ops.activations import __all__ as _activations
from .ops.conv import *  # noqa: F403
from .ops.conv import __all__ as _conv
from .ops.conv_extra import *  # noqa: F403
from .ops.conv_extra import __all__ as _conv_extra
from .ops.conv_extra import conv2d as conv2d  # grouped as well (after ops.conv's)
from .ops.embedding import embedding_lookup as embedding_lookup
from .ops.nn import *  # noqa: F403
from .ops.nn import __all__ as _nn
from .ops.reduce import l2_normalize as l2_normalize
from .ops.unary import log_sigmoid as log_sigmoid
from .ops.unary import sigmoid as sigmoid
from .ops.unary import softplus as softplus
from .ops.unary import tanh as tanh

__all__ = sorted(
    set(
        _nn
        + _activations
        + _conv
        + _conv_extra
        + ["embedding_lookup", "l2_normalize", "log_sigmoid", "sigmoid", "softplus", "tanh"]
    )
)
