"""User-defined gradients: custom_gradient, stop_gradient, recompute_grad.

``custom_gradient`` runs the function with the tapes paused and records a
single op whose VJP is the user's ``grad_fn``; since ``grad_fn`` is written
with tapegrad ops, an outer tape can differentiate it again.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ._core import nest
from ._core.primitive import Primitive
from ._core.record import record_operation
from ._core.state import state
from ._core.tensor import Tensor, convert_to_tensor
from .ops.casting import identity_p
from .tape import GradientTape

__all__ = ["custom_gradient", "stop_gradient", "recompute_grad"]


stop_gradient_p: Primitive = Primitive(
    "stop_gradient",
    lambda x: x,
    differentiable=False,
    constant_output=True,  # TensorFlow does not record it: its output is no source
)


def stop_gradient(input: Any, name: Any = None) -> Tensor:
    """The same value, as a constant for differentiation: no gradient flows through it.

    >>> import tapegrad as tg
    >>> x = tg.constant(2.0)
    >>> with tg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * tg.stop_gradient(x)
    >>> float(tape.gradient(y, x))
    2.0
    """
    return stop_gradient_p.bind(input)


def _computed_by_the_function(*args, **params):
    """The forward of a custom_gradient op: never dispatched, the user's function ran it."""
    raise RuntimeError("custom_gradient ops are recorded, not dispatched")


def _accepts_variables(fn: Callable) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    return any(
        p.name == "variables" or p.kind is inspect.Parameter.VAR_KEYWORD
        for p in sig.parameters.values()
    )


def custom_gradient(f: Callable | None = None) -> Callable:
    """Decorator: ``f(*x)`` returns ``(y, grad_fn)``; ``grad_fn(*dy)`` gives the gradients.

    If ``f`` reads trainable Variables, ``grad_fn`` must accept ``variables=`` and
    return ``(input_grads, variable_grads)``, as in TensorFlow.

    >>> import tapegrad as tg
    >>> @tg.custom_gradient
    ... def clip_grad(x):
    ...     return tg.identity(x), lambda dy: tg.clip_by_value(dy, -1.0, 1.0)
    >>> x = tg.constant(3.0)
    >>> with tg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = clip_grad(x) * 10.0
    >>> float(tape.gradient(y, x))
    1.0
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        inputs = [a if isinstance(a, Tensor) else convert_to_tensor(a) for a in args]
        outer_tapes = list(state.tapes)
        state.tapes[:] = []
        try:
            with GradientTape(watch_accessed_variables=True) as watcher:
                result, grad_fn = f(*inputs, **kwargs)
        finally:
            state.tapes[:] = outer_tapes
        variables = [
            v for v in watcher.watched_variables() if all(v is not x for x in inputs)
        ]
        if variables and not _accepts_variables(grad_fn):
            raise TypeError(
                f"custom_gradient: {f.__name__} reads the Variables "
                f"{[v.name for v in variables]}, so its grad_fn must accept the keyword argument "
                "'variables' and return (input_grads, variable_grads)."
            )
        flat_result, treedef = nest.flatten(result)
        outputs = tuple(identity_p.bind(r) for r in flat_result)  # fresh ids for the outputs
        n_inputs = len(inputs)

        def vjp(dys, ans, *recorded_inputs):  # one cotangent per output, always a tuple
            if variables:
                grads, var_grads = grad_fn(*dys, variables=variables)
                var_grads = list(var_grads)
                if len(var_grads) != len(variables):
                    raise ValueError(
                        f"custom_gradient: {f.__name__}'s grad_fn returned {len(var_grads)} "
                        f"variable gradients for {len(variables)} variables; return one per "
                        "variable (None for none)."
                    )
            else:
                grads, var_grads = grad_fn(*dys), []
            flat_grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
            if len(flat_grads) != n_inputs:
                raise ValueError(
                    f"custom_gradient: {f.__name__}'s grad_fn returned {len(flat_grads)} "
                    f"gradients but the function has {n_inputs} inputs; return one per input "
                    "(None for none)."
                )
            out = [None if gr is None else convert_to_tensor(gr) for gr in flat_grads + var_grads]
            return tuple(out)

        prim = Primitive(
            f"custom_gradient:{getattr(f, '__name__', 'f')}",
            _computed_by_the_function,
            vjp=vjp,
            multiple_results=True,
            same_dtype=False,
            batchable=False,  # a user's grad_fn expects one cotangent, not a batch of them
            register=False,
        )
        record_operation(prim, tuple(inputs) + tuple(variables), outputs, {})
        return nest.unflatten(treedef, list(outputs))

    return wrapper


def recompute_grad(f: Callable) -> Callable:
    """Save memory: keep no intermediate values of ``f``; recompute them for the gradient.

    >>> import tapegrad as tg
    >>> g = tg.recompute_grad(lambda x: tg.sin(x) * x)
    >>> x = tg.constant(1.0)
    >>> with tg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = g(x)
    >>> round(float(tape.gradient(y, x)), 4)
    1.3818
    """

    @custom_gradient
    def inner(*args: Any) -> Any:
        result = f(*args)

        def grad_fn(*dresult: Any, variables: Any = None) -> Any:
            with GradientTape(watch_accessed_variables=True) as tape:
                tape.watch(list(args))
                again = f(*args)
            sources = list(args) + list(variables or [])
            flat_again, _ = nest.flatten(again)
            grads = tape.gradient(flat_again, sources, output_gradients=list(dresult))
            input_grads = grads[: len(args)]
            if variables:
                return input_grads, grads[len(args):]
            return input_grads

        return result, grad_fn

    @functools.wraps(f)
    def wrapper(*args: Any) -> Any:
        return inner(*args)

    return wrapper

