"""``tapegrad.linalg``: matrix ops, batched over leading dimensions (as ``tf.linalg``)."""

from .ops.linalg import *  # noqa: F403
from .ops.linalg import __all__ as _linalg
from .ops.shape import matrix_transpose  # noqa: F401  (re-exported: tf.linalg.matrix_transpose)

__all__ = sorted(set(_linalg + ["matrix_transpose"]))
