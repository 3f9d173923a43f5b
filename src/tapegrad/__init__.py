"""tapegrad: eager, tape-based automatic differentiation on NumPy.

Use it as ``import tapegrad as tg``, or run TensorFlow 2 eager code unchanged
with ``import tapegrad as tf``. See the README for a tour.
"""

import builtins

from . import (
    autodiff,
    checkpoint,
    config,
    debugging,  # subscribes the evidence observers GradientTape.explain reads
    display,  # noqa: F401  (tensors as HTML tables in notebooks)
    dtypes,  # hands Tensor.dtype its public type, DType
    errors,
    linalg,
    math,
    nn,
    optimize,
    optimizers,
    random,
    tensor_shape,  # noqa: F401  (hands Tensor.shape its public type, TensorShape)
    testing,
    train,
)
from . import ops as _ops  # noqa: F401  (installs the Tensor operators and the engine's ops)
from ._core.indexed_slices import IndexedSlices
from ._core.tensor import Tensor, convert_to_tensor
from ._core.variable import Variable
from .control_flow import *  # noqa: F403
from .control_flow import __all__ as _control_flow_names
from .custom import custom_gradient, recompute_grad, stop_gradient
from .differentiation import UnconnectedGradients
from .dtypes import (
    DType,
    as_dtype,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from .dtypes import bool as bool  # noqa: A004
from .forward_mode import ForwardAccumulator
from .function import TensorSpec, function
from .function import print as print
from .functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .module import Module, name_scope
from .ops.binary import *  # noqa: F403
from .ops.binary import __all__ as _binary_names
from .ops.clipping import clip_by_global_norm, clip_by_norm
from .ops.creation import *  # noqa: F403
from .ops.creation import __all__ as _creation_names
from .ops.decompositions import norm
from .ops.index import *  # noqa: F403
from .ops.index import __all__ as _index_names
from .ops.linalg import einsum, matmul, tensordot
from .ops.manipulation import *  # noqa: F403
from .ops.manipulation import __all__ as _manipulation_names
from .ops.reduce import *  # noqa: F403
from .ops.reduce import __all__ as _reduce_names
from .ops.scatter import *  # noqa: F403
from .ops.scatter import __all__ as _scatter_names
from .ops.shape import *  # noqa: F403
from .ops.shape import __all__ as _shape_names
from .ops.slicing import *  # noqa: F403
from .ops.slicing import __all__ as _slicing_names
from .ops.sorting import *  # noqa: F403
from .ops.sorting import __all__ as _sorting_names
from .ops.unary import *  # noqa: F403
from .ops.unary import __all__ as _unary_names
from .tape import GradientTape
from .tensor_shape import TensorShape

# isort: off
from . import keras  # last: tapegrad.keras is built on the names above
# isort: on

__version__ = "0.1.0"


def enable_eager_execution(*args, **kwargs) -> None:
    """Compatibility no-op: tapegrad is always eager.

    >>> import tapegrad as tf
    >>> tf.enable_eager_execution()
    """


def executing_eagerly() -> builtins.bool:
    """Always True: tapegrad has no graph mode.

    >>> import tapegrad as tf
    >>> tf.executing_eagerly()
    True
    """
    return True


__all__ = [
    "Tensor",
    "Variable",
    "GradientTape",
    "UnconnectedGradients",
    "ForwardAccumulator",
    "IndexedSlices",
    "convert_to_tensor",
    "custom_gradient",
    "recompute_grad",
    "stop_gradient",
    "matmul",
    "einsum",
    "norm",
    "tensordot",
    "enable_eager_execution",
    "executing_eagerly",
    "autodiff",
    "debugging",
    "linalg",
    "math",
    "nn",
    "random",
    "testing",
    "grad",
    "value_and_grad",
    "jacobian",
    "hessian",
    "vjp",
    "jvp",
    "checkpoint",
    "optimizers",
    "optimize",
    "keras",
    "Module",
    "name_scope",
    "function",
    "TensorSpec",
    "config",
    "print",
    "bool",
    "complex64",
    "complex128",
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "half",
    "double",
    "DType",
    "as_dtype",
    "dtypes",
    "errors",
    "TensorShape",
    "train",
]
__all__ += _binary_names + _creation_names + _index_names + _reduce_names + _shape_names
__all__ += _slicing_names + _sorting_names + _unary_names + _control_flow_names
__all__ += _manipulation_names + _scatter_names + ["clip_by_norm", "clip_by_global_norm"]
