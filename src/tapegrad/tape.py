"""GradientTape as users see it: the engine's tape plus the debugging tools.

The engine's tape (``tapegrad._core.tape``) records and differentiates; this
subclass adds ``explain``, ``graph`` and ``memory_report``, which live in
``tapegrad.debugging`` and read what the engine's events told them.
"""

from __future__ import annotations

from typing import Any

from ._core import tape as _tape
from .debugging.explain import explain
from .debugging.graph import memory_report, tape_graph
from .differentiation import Differentiation

__all__ = ["GradientTape"]


class GradientTape(Differentiation):
    __doc__ = _tape.GradientTape.__doc__

    def explain(self, target: Any, sources: Any) -> Any:
        """Why the gradient of ``target`` with respect to each source is None, in plain words.

        Returns an ``Explanation``: ``str()`` is the report; ``.sources`` has one
        ``SourceReport`` per source with a short ``cause`` code (None when the
        gradient exists): ``integer_dtype``, ``not_watched``, ``not_trainable``,
        ``rebound_variable``, ``unused``, ``outside_tape``, ``stop_recording``,
        ``numpy_roundtrip``, ``non_differentiable``, ``target_not_float``, ...
        It does not consume a non-persistent tape; after ``gradient`` released one,
        it still works if a gradient was missing.

        >>> import tapegrad as tg
        >>> x = tg.constant(3.0)  # a Tensor, not a Variable, and never watched
        >>> with tg.GradientTape() as tape:
        ...     y = x * x
        >>> tape.explain(y, x).causes
        ['not_watched']
        """
        return explain(self, target, sources)

    def graph(self, target: Any = None, sources: Any = None) -> Any:
        """The recorded computation as a ``TapeGraph``: ``str()`` is Graphviz DOT text.

        Watched tensors (or ``sources``) and the ``target`` (default: the last op's
        output) are highlighted; ops without a gradient are drawn dashed.
        ``.render(path)`` writes SVG or PNG when Graphviz is installed; notebooks
        show the graph inline.

        >>> import tapegrad as tg
        >>> x = tg.constant(3.0)
        >>> with tg.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> str(tape.graph(y)).startswith("digraph tape {")
        True
        """
        return tape_graph(self, target, sources)

    def memory_report(self) -> Any:
        """Bytes of the arrays the tape keeps, per recorded op (largest first) and in total.

        >>> import numpy as np, tapegrad as tg
        >>> x = tg.constant(np.ones(1000, np.float32))
        >>> with tg.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = tg.sin(x)
        >>> tape.memory_report().total_bytes
        4000
        """
        return memory_report(self)
