"""``tapegrad.function``: trace a step once, run it as generated NumPy code.

``trace`` records the primitives one call runs (through the engine's events),
``codegen`` turns them into a Python function on arrays, ``spec`` keys the calls
(TensorFlow's retracing rules), ``api`` holds ``function``, ``Function`` and
``ConcreteFunction``, and ``effects`` the ops run for their effect (``print``).
"""

from .api import (
    ConcreteFunction,
    Function,
    function,
    functions_run_eagerly,
    run_functions_eagerly,
)
from .effects import check_finite
from .effects import print as print
from .spec import TensorSpec

__all__ = ["function", "Function", "ConcreteFunction", "TensorSpec", "run_functions_eagerly",
           "functions_run_eagerly", "print", "check_finite"]
