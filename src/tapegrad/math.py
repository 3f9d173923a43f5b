"""``tapegrad.math``: elementwise math, reductions and comparisons (as ``tf.math``)."""

from .ops.binary import *  # noqa: F403
from .ops.binary import __all__ as _binary
from .ops.manipulation import add_n as add_n
from .ops.math_extra import *  # noqa: F403
from .ops.math_extra import __all__ as _extra
from .ops.reduce import *  # noqa: F403
from .ops.reduce import __all__ as _reduce
from .ops.unary import *  # noqa: F403
from .ops.unary import __all__ as _unary

__all__ = sorted(set(_unary + _binary + _reduce + _extra + ["add_n"]))
