"""The engine's GradientTape: records the ops of its thread.

A tape knows a set of ids: the tensors it watches and the outputs of the ops
it recorded. ``Primitive.bind`` records an op on every active tape that
knows one of its inputs (record.py). ``tapegrad.GradientTape`` adds the
front ends (``gradient``, ``jacobian``: tapegrad/differentiation.py) that run
the reverse sweep (backprop.py) over these entries, and the debugging tools.
Nesting tapes gives higher derivatives because the sweep is made of ordinary
ops, which the outer tape records.
"""

from __future__ import annotations

import contextlib
import warnings
import weakref
from typing import Any, TypeVar

from . import events, nest
from .state import activate, state
from .tensor import Tensor
from .variable import Variable

_Self = TypeVar("_Self", bound="GradientTape")  # __enter__ returns the subclass in use

__all__ = ["GradientTape"]

_live_tapes: weakref.WeakSet[GradientTape] = weakref.WeakSet()


def _describe(t: Any) -> str:
    if isinstance(t, Tensor):
        kind = "Variable" if isinstance(t, Variable) else "Tensor"
        return f"{kind}(id={t._id}, shape={t.shape}, dtype={t.dtype.name})"
    return f"{type(t).__name__} {t!r}"[:80]


class GradientTape:
    """Record operations for automatic differentiation (TensorFlow's API).

    >>> import tapegrad as tg
    >>> x = tg.constant(3.0)
    >>> with tg.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    np.float32(6.0)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._entries: list = []
        self._ids: set = set()  # watched ids and ids produced by recorded ops
        self._watched_ids: set = set()
        self._watched: dict = {}  # id -> watched Tensor (kept for explain)
        self._variables: list = []
        self._recording = False
        self._released = False
        _live_tapes.add(self)

    # --- context ---------------------------------------------------------------------
    def __enter__(self: _Self) -> _Self:
        if self._recording:
            raise RuntimeError(
                "This GradientTape is already recording; a tape cannot be entered twice at once."
            )
        if self._released:  # as TensorFlow: a spent tape entered again records afresh
            self.reset()
        self._push()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pop()

    def _push(self) -> None:
        state.tapes.append(self)
        activate(1)
        self._recording = True
        if events.tape_changed:
            events.tape_changed.emit(self, "start", None)

    def _pop(self) -> None:
        tapes = state.tapes
        for i in range(len(tapes) - 1, -1, -1):
            if tapes[i] is self:
                del tapes[i]
                activate(-1)
                break
        self._recording = False
        if events.tape_changed:
            events.tape_changed.emit(self, "stop", None)

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording on this tape (ops inside are not differentiated)."""
        if not self._recording:
            raise RuntimeError(
                "GradientTape.stop_recording: the tape is not recording; use it inside the "
                "tape's `with` block."
            )
        tapes = state.tapes
        index = next(i for i in range(len(tapes)) if tapes[i] is self)
        del tapes[index]
        activate(-1)
        self._recording = False
        if events.tape_changed:
            events.tape_changed.emit(self, "pause", None)
        try:
            yield
        finally:
            tapes.insert(min(index, len(tapes)), self)
            activate(1)
            self._recording = True
            if events.tape_changed:
                events.tape_changed.emit(self, "resume", None)

    def reset(self) -> None:
        """Forget everything recorded so far; a recording tape keeps recording."""
        self._entries = []
        self._ids = set()
        self._watched_ids = set()
        self._watched = {}
        self._variables = []
        self._released = False

    # --- watching ------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Watch a tensor, a Variable, or a nest of them, so that ops on it are recorded."""
        leaves, _ = nest.flatten(tensor)
        for leaf in leaves:
            if isinstance(leaf, Variable):
                self._watch_variable(leaf)
                continue
            if not isinstance(leaf, Tensor):
                raise TypeError(
                    f"GradientTape.watch: expected a Tensor or Variable, got {_describe(leaf)}. "
                    "Convert the value first, e.g. x = tapegrad.constant(value); tape.watch(x); "
                    "then compute with x."
                )
            if leaf.dtype.kind not in "fc":
                warnings.warn(
                    f"GradientTape.watch: the watched tensor has dtype {leaf.dtype.name}; only "
                    "floating or complex tensors carry gradients, so its gradient will be None.",
                    stacklevel=2,
                )
            self._ids.add(leaf._id)
            self._watched_ids.add(leaf._id)
            self._watched[leaf._id] = leaf

    def _watch_variable(self, v: Variable) -> None:
        if v._id not in self._watched_ids:
            self._variables.append(v)
        self._ids.add(v._id)
        self._watched_ids.add(v._id)
        self._watched[v._id] = v

    def watched_variables(self) -> tuple:
        """The Variables this tape watched, in the order it first saw them."""
        return tuple(self._variables)

    # --- gradients -----------------------------------------------------------------
    def _check_usable(self, what: str) -> None:
        if self._released:
            raise RuntimeError(
                f"GradientTape.{what}: a non-persistent GradientTape can only be used to compute "
                "one set of gradients (or jacobians), and this one already did. Create it with "
                "GradientTape(persistent=True) to call gradient/jacobian several times."
            )
        if self._recording and not self._persistent:
            # As TensorFlow: a non-persistent tape stops recording when it is differentiated.
            self._pop()

    def _release(self) -> None:
        """Drop every recorded op and saved array (non-persistent tapes, after use)."""
        self._entries = []
        self._ids = set()
        self._watched = {}
        self._released = True
