"""``tapegrad.linalg``: matrix ops, batched over leading dimensions (as ``tf.linalg``)."""

from .ops.clipping import global_norm as global_norm
from .ops.decompositions import *  # noqa: F403
from .ops.decompositions import __all__ as _decompositions
from .ops.linalg import *  # noqa: F403
from .ops.linalg import __all__ as _linalg
from .ops.linalg_extra import *  # noqa: F403
from .ops.linalg_extra import __all__ as _extra
from .ops.linalg_extra import diag as diag  # bands as well (after ops.linalg's)
from .ops.linalg_extra import diag_part as diag_part
from .ops.shape import matrix_transpose  # noqa: F401  (re-exported: tf.linalg.matrix_transpose)
from .ops.solvers import *  # noqa: F403
from .ops.solvers import __all__ as _solvers

__all__ = sorted(
    set(_linalg + _solvers + _decompositions + _extra + ["matrix_transpose", "global_norm"])
)
