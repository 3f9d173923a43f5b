"""``Module``: a container that finds the variables of a model, like ``tf.Module``.

A model is a plain Python object whose attributes hold Variables, other
modules, and lists, tuples and dicts of them. ``Module`` walks those
attributes (sorted by name, as TensorFlow does; dict entries sorted by key) and
collects every Variable once, so an optimizer or a checkpoint needs no list
kept by hand.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from ._core.errors import InvalidArgumentError
from ._core.state import state
from ._core.variable import Variable

__all__ = ["Module", "name_scope"]

class name_scope:  # noqa: N801  (TensorFlow's name)
    """A context manager that prefixes the names of the Variables made inside it.

    ``name_scope("a")`` inside ``name_scope("outer")`` gives the prefix
    ``"outer/a/"``; a name ending in ``/`` is taken as the whole prefix.
    Entering returns the prefix. Scopes belong to the thread that enters them.

    >>> import tapegrad as tf
    >>> with tf.name_scope("dense") as scope:
    ...     w = tf.Variable(1.0, name="w")
    >>> scope, w.name
    ('dense/', 'dense/w:0')
    """

    def __init__(self, name: str):
        if not isinstance(name, str):  # (a ValueError, as TensorFlow's)
            raise InvalidArgumentError(
                f"name_scope: name must be a string, got {type(name).__name__} {name!r}."
            )
        self._name = name
        self._outer: list[str] = []

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        outer = state.name_scope
        self._outer.append(outer)
        name = self._name
        state.name_scope = name if not name or name.endswith("/") else f"{outer}{name}/"
        return state.name_scope

    def __exit__(self, *exc: Any) -> None:
        state.name_scope = self._outer.pop()


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _leaves_with_paths(value: Any, path: tuple) -> Iterator[tuple[tuple, Any]]:
    """Yield ``(path, leaf)`` for a nest of lists, tuples and dicts (dict keys sorted)."""
    if isinstance(value, dict):
        try:
            keys = sorted(value)
        except TypeError:  # keys of mixed types: keep insertion order
            keys = list(value)
        for key in keys:
            yield from _leaves_with_paths(value[key], path + (key,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _leaves_with_paths(item, path + (i,))
    else:
        yield path, value


# Called as ``observer(module, name, value)`` after an attribute of a Module is set, while a
# checkpoint restore waits for variables that do not exist yet (tapegrad.train); empty otherwise.
_assignment_observers: list = []


class Module:
    """Base class for models: tracks the Variables found through its attributes.

    Variables are found in attributes, in lists, tuples and dicts (at any
    depth) and in nested modules. Each variable is listed once (where it is
    first met), in a stable order: this module's attributes sorted by name,
    then each submodule's, in the order they were found. That is the order of
    ``tf.Module``.

    Args:
        name: the module's name; defaults to the class name in snake_case.

    >>> import tapegrad as tg
    >>> class Dense(tg.Module):
    ...     def __init__(self, n_in, n_out):
    ...         super().__init__()
    ...         self.w = tg.Variable(tg.ones((n_in, n_out)), name="w")
    ...         self.b = tg.Variable(tg.zeros((n_out,)), name="b")
    ...     def __call__(self, x):
    ...         return tg.matmul(x, self.w) + self.b
    >>> class MLP(tg.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = [Dense(3, 4), Dense(4, 2)]
    ...         self.step = tg.Variable(0, trainable=False)
    >>> model = MLP()
    >>> [v.name for v in model.variables]  # own attributes first, then submodules'
    ['Variable:0', 'b:0', 'w:0', 'b:0', 'w:0']
    >>> len(model.trainable_variables), len(model.submodules)
    (4, 2)
    """

    def __init__(self, name: str | None = None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Module: name must be a string, got {type(name).__name__}.")
        self._name = name if name is not None else _snake_case(type(self).__name__)
        if not self._name.isidentifier():
            raise InvalidArgumentError(
                f"Module: {self._name!r} is not a valid module name; module names must be "
                "valid Python identifiers (as in TensorFlow)."
            )
        with name_scope(self._name) as scope:  # nested in the scope active at construction
            self._scope_name = scope

    @property
    def name_scope(self) -> name_scope:
        """The scope of this module (``"outer/name/"``): variables made in it are named so.

        >>> import tapegrad as tf
        >>> class Dense(tf.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         with self.name_scope:
        ...             self.w = tf.Variable(1.0, name="w")
        >>> Dense().w.name
        'dense/w:0'
        """
        scope = getattr(self, "_scope_name", None) or f"{self.name}/"
        return name_scope(scope)

    @classmethod
    def with_name_scope(cls, method: Callable) -> Callable:
        """Decorator: run ``method`` inside the module's ``name_scope`` (as TensorFlow's).

        >>> import tapegrad as tf
        >>> class Lazy(tf.Module):
        ...     @tf.Module.with_name_scope
        ...     def __call__(self, x):
        ...         if not hasattr(self, "w"):
        ...             self.w = tf.Variable(tf.ones_like(x), name="w")
        ...         return x * self.w
        >>> m = Lazy()
        >>> _ = m(tf.constant([1.0, 2.0]))
        >>> m.w.name
        'lazy/w:0'
        """

        @functools.wraps(method)
        def in_scope(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return in_scope

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if _assignment_observers:
            for observer in tuple(_assignment_observers):
                observer(self, name, value)

    @property
    def name(self) -> str:
        """The module's name (the class name in snake_case unless given)."""
        # getattr: a subclass that forgot super().__init__() still works.
        return getattr(self, "_name", None) or _snake_case(type(self).__name__)

    @property
    def variables(self) -> tuple:
        """Every Variable of this module and its submodules, each once, in a stable order."""
        return tuple(leaf for _, leaf in self._flatten(_is_variable))

    @property
    def trainable_variables(self) -> tuple:
        """The variables with ``trainable=True``, in the order of ``variables``."""
        return tuple(leaf for _, leaf in self._flatten(lambda v: _is_variable(v) and v.trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        """The variables with ``trainable=False``, in the order of ``variables``."""
        return tuple(
            leaf for _, leaf in self._flatten(lambda v: _is_variable(v) and not v.trainable)
        )

    @property
    def submodules(self) -> tuple:
        """Every Module reachable from this one (not itself), each once."""
        return tuple(leaf for _, leaf in self._flatten(lambda v: isinstance(v, Module)))

    def named_variables(self) -> list[tuple[str, Variable]]:
        """``(path, variable)`` pairs, paths like ``"layers/0/w"``, in ``variables`` order.

        The path is where each variable is first found; checkpoints use it as
        the variable's name.

        >>> import tapegrad as tg
        >>> m = tg.Module()
        >>> m.params = {"w": tg.Variable(1.0), "b": tg.Variable(0.0)}
        >>> [path for path, _ in m.named_variables()]
        ['params/b', 'params/w']
        """
        return [("/".join(str(p) for p in path), v) for path, v in self._flatten(_is_variable)]

    def _flatten(self, predicate: Callable[[Any], bool]) -> list[tuple[tuple, Any]]:
        """``(path, leaf)`` for every leaf matching ``predicate``, each object once."""
        found: list = []
        seen = {id(self)}
        self._walk(predicate, (), seen, [], found)
        return found

    def _walk(self, predicate, module_path, seen, stack, found) -> None:
        submodules = []
        for key in sorted(vars(self)):
            for leaf_path, leaf in _leaves_with_paths(vars(self)[key], (key,)):
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
                if predicate(leaf):
                    found.append((module_path + leaf_path, leaf))
                if isinstance(leaf, Module):
                    submodules.append((module_path + leaf_path, leaf))
        stack.append(id(self))
        for path, module in submodules:
            if id(module) not in stack:
                module._walk(predicate, path, seen, stack, found)
        stack.pop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {len(self.variables)} variables>"


def _is_variable(value: Any) -> bool:
    return isinstance(value, Variable)
