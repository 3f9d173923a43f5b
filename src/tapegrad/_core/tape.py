"""GradientTape: records the ops of its thread and differentiates them.

A tape knows a set of ids: the tensors it watches and the outputs of the ops
it recorded. ``Primitive.bind`` records an op on every active tape that
knows one of its inputs. ``gradient`` runs the reverse sweep (backprop.py)
over those entries. Nesting tapes gives higher derivatives because the sweep
is made of ordinary ops, which the outer tape records.
"""

from __future__ import annotations

import contextlib
import enum
import warnings
import weakref
from typing import Any

import numpy as np

from . import nest
from .backprop import reverse_sweep
from .indexed_slices import IndexedSlices
from .state import hooks, state
from .tensor import Tensor, Variable, convert_to_tensor

__all__ = ["GradientTape", "UnconnectedGradients"]

_live_tapes: "weakref.WeakSet[GradientTape]" = weakref.WeakSet()


class UnconnectedGradients(str, enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"
    RAISE = "raise"


def _unconnected_policy(value: Any) -> UnconnectedGradients:
    try:
        return UnconnectedGradients(value.value if isinstance(value, enum.Enum) else value)
    except ValueError:
        raise ValueError(
            f"unconnected_gradients must be 'none', 'zero' or 'raise' "
            f"(tapegrad.UnconnectedGradients), got {value!r}."
        ) from None


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
    def __enter__(self) -> GradientTape:
        if self._recording:
            raise RuntimeError(
                "This GradientTape is already recording; a tape cannot be entered twice at once."
            )
        self._push()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pop()

    def _push(self) -> None:
        state.tapes.append(self)
        self._recording = True

    def _pop(self) -> None:
        tapes = state.tapes
        for i in range(len(tapes) - 1, -1, -1):
            if tapes[i] is self:
                del tapes[i]
                break
        self._recording = False

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
        self._recording = False
        try:
            yield
        finally:
            tapes.insert(min(index, len(tapes)), self)
            self._recording = True

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

    def _append(self, entry: Any) -> None:
        self._entries.append(entry)
        self._ids.update(entry.output_ids)

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

    def _flat_sources(self, sources: Any, what: str) -> tuple[list, Any]:
        flat, treedef = nest.flatten(sources)
        for i, s in enumerate(flat):
            if not isinstance(s, Tensor):
                raise TypeError(
                    f"GradientTape.{what}: sources must be Tensors or Variables, got "
                    f"{_describe(s)} at position {i}. Wrap the value with tapegrad.constant (and "
                    "watch it) or make it a tapegrad.Variable."
                )
            self._check_known(s, what, "source")
        return flat, treedef

    def _check_known(self, t: Tensor, what: str, role: str) -> None:
        """Refuse a tensor that another tape produced and this tape never saw."""
        if t._id in self._ids or isinstance(t, Variable):
            return
        for other in list(_live_tapes):
            if other is not self and t._id in other._ids and t._id not in other._watched_ids:
                raise ValueError(
                    f"GradientTape.{what}: the {role} {_describe(t)} was computed on another "
                    "GradientTape, and this tape never recorded or watched it, so this tape "
                    "cannot differentiate it. Take the gradient from the tape that recorded it, "
                    "or call tape.watch(x) on this tape before x is used."
                )

    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
    ) -> Any:
        """Gradient of ``target`` (summed over its elements) with respect to ``sources``.

        The result has the structure of ``sources``. A source that ``target`` does
        not depend on gets ``None`` (or zeros with ``UnconnectedGradients.ZERO``;
        ``"raise"`` raises ``ValueError`` with the reason).
        """
        policy = _unconnected_policy(unconnected_gradients)
        self._check_usable("gradient")
        flat_sources, treedef = self._flat_sources(sources, "gradient")
        flat_targets, target_def = nest.flatten(target)
        if output_gradients is None:
            flat_out_grads = [None] * len(flat_targets)
        else:
            flat_out_grads, _ = nest.flatten(output_gradients)
            if len(flat_out_grads) != len(flat_targets):
                raise ValueError(
                    f"GradientTape.gradient: output_gradients has {len(flat_out_grads)} entries "
                    f"but target has {len(flat_targets)}; give one per target (or None)."
                )
        seeds: dict = {}
        for i, (t, og) in enumerate(zip(flat_targets, flat_out_grads)):
            if isinstance(t, IndexedSlices):
                t = convert_to_tensor(t)
            if not isinstance(t, Tensor):
                if t is None:
                    raise TypeError("GradientTape.gradient: target is None; pass a Tensor.")
                t = convert_to_tensor(t)
            self._check_known(t, "gradient", "target")
            seed = self._seed(t, og, i)
            if seed is not None:
                seeds[t._id] = seed if t._id not in seeds else hooks.add(seeds[t._id], seed)
        known = self._ids  # a source this tape never watched nor produced gets no gradient
        source_ids = {s._id for s in flat_sources if s.dtype.kind in "fc" and s._id in known}
        grads = reverse_sweep(self._entries, seeds, source_ids) if seeds else {}
        if not self._persistent:
            self._release()
        result = []
        for i, s in enumerate(flat_sources):
            if s.dtype.kind not in "fc":
                warnings.warn(
                    f"GradientTape.gradient: source {i} has dtype {s.dtype.name}; integer and "
                    "bool sources have no gradient, so it is None. Cast it to a float dtype "
                    "before the computation to differentiate with respect to it.",
                    stacklevel=2,
                )
                result.append(None)
                continue
            g = grads.get(s._id)
            if g is None:
                g = self._unconnected(s, i, policy, flat_targets, flat_sources)
            result.append(g)
        return nest.unflatten(treedef, result)

    def _seed(self, t: Tensor, output_gradient: Any, index: int) -> Tensor | None:
        if t.dtype.kind not in "fc":
            return None
        if output_gradient is None:
            return hooks.ones_like(t)
        og = convert_to_tensor(output_gradient, dtype_hint=t.dtype)
        if isinstance(og, Tensor) and og.shape != t.shape:
            raise ValueError(
                f"GradientTape.gradient: output_gradients[{index}] has shape {og.shape} but "
                f"target {index} has shape {t.shape}; they must match."
            )
        if og.dtype != t.dtype:
            raise TypeError(
                f"GradientTape.gradient: output_gradients[{index}] has dtype {og.dtype.name} "
                f"but target {index} has dtype {t.dtype.name}."
            )
        return og

    def _unconnected(self, source, index, policy, targets, sources) -> Any:
        if policy is UnconnectedGradients.ZERO:
            return hooks.zeros_like(source)
        if policy is UnconnectedGradients.RAISE:
            explanation = self._explain_unconnected(targets, sources)
            raise ValueError(
                f"GradientTape.gradient: no gradient for source {index} {_describe(source)}."
                + (f"\n{explanation}" if explanation else "")
            )
        return None

    def _explain_unconnected(self, targets, sources) -> str:
        """The readable reason for missing gradients (filled in by tapegrad.debugging)."""
        explain = getattr(self, "explain", None)
        if explain is None:
            return ""
        try:
            return str(explain(targets, sources))
        except Exception:  # pragma: no cover - explanation is best effort here
            return ""

    def _release(self) -> None:
        """Drop every recorded op and saved array (non-persistent tapes, after use)."""
        self._entries = []
        self._ids = set()
        self._watched = {}
        self._released = True

    # --- Jacobians -----------------------------------------------------------------
    def jacobian(
        self,
        target: Any,
        sources: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Jacobian ``d target / d source`` of shape ``target.shape + source.shape``.

        All rows come from one reverse sweep with a batch of cotangents.
        ``experimental_use_pfor=False`` runs one sweep per row instead.

        >>> import tapegrad as tg
        >>> x = tg.constant([1.0, 2.0])
        >>> with tg.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> tape.jacobian(y, x).numpy().tolist()
        [[2.0, 0.0], [0.0, 4.0]]
        """
        policy = _unconnected_policy(unconnected_gradients)
        self._check_usable("jacobian")
        flat_sources, treedef = self._flat_sources(sources, "jacobian")
        target = convert_to_tensor(target)
        self._check_known(target, "jacobian", "target")
        n = target.size
        source_ids = {s._id for s in flat_sources if s.dtype.kind in "fc" and s._id in self._ids}
        if target.dtype.kind not in "fc" or n == 0:
            grads = {}
        elif experimental_use_pfor:
            eye = np.eye(n, dtype=target.dtype).reshape((n,) + target.shape)
            grads = reverse_sweep(self._entries, {target._id: Tensor._wrap(eye)}, source_ids, 1)
        else:
            grads = self._looped_jacobian(target, source_ids, n)
        if not self._persistent:
            self._release()
        result = []
        for s in flat_sources:
            g = grads.get(s._id)
            if g is None:
                if policy is UnconnectedGradients.ZERO:
                    result.append(hooks.zeros(target.shape + s.shape, s.dtype))
                else:
                    result.append(None)
                continue
            if isinstance(g, IndexedSlices):
                g = convert_to_tensor(g)
            result.append(hooks.reshape(g, target.shape + s.shape))
        return nest.unflatten(treedef, result)

    def _looped_jacobian(self, target: Tensor, source_ids: set, n: int) -> dict:
        rows: dict = {i: [] for i in source_ids}
        eye = np.eye(n, dtype=target.dtype)
        for k in range(n):
            seed = Tensor._wrap(eye[k].reshape(target.shape))
            grads = reverse_sweep(self._entries, {target._id: seed}, source_ids)
            for i in source_ids:
                rows[i].append(grads.get(i))
        out = {}
        for i, gs in rows.items():
            if all(g is None for g in gs):
                continue
            filled = [convert_to_tensor(g) for g in gs if g is not None]
            like = filled[0]
            gs = [hooks.zeros_like(like) if g is None else convert_to_tensor(g) for g in gs]
            out[i] = hooks.stack(gs)
        return out

    def batch_jacobian(
        self,
        target: Any,
        source: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Per-example Jacobian: ``[b, y...]`` by ``[b, x...]`` gives ``[b, y..., x...]``.

        Assumes example ``i`` of the target depends only on example ``i`` of the source.
        """
        policy = _unconnected_policy(unconnected_gradients)
        self._check_usable("batch_jacobian")
        target = convert_to_tensor(target)
        if not isinstance(source, Tensor):
            raise TypeError(
                f"GradientTape.batch_jacobian: source must be a Tensor or Variable, got "
                f"{_describe(source)}."
            )
        if target.ndim < 1 or source.ndim < 1 or target.shape[0] != source.shape[0]:
            raise ValueError(
                "GradientTape.batch_jacobian: need the first dimension of target shape "
                f"{target.shape} and source shape {source.shape} to match."
            )
        self._check_known(target, "batch_jacobian", "target")
        self._check_known(source, "batch_jacobian", "source")
        b = target.shape[0]
        inner = target.shape[1:]
        m = int(np.prod(inner, dtype=np.int64))
        grads = {}
        if target.dtype.kind in "fc" and source.dtype.kind in "fc" and m and b and (
            source._id in self._ids
        ):
            seed = np.broadcast_to(np.eye(m, dtype=target.dtype)[:, None, :], (m, b, m))
            seed = Tensor._wrap(np.ascontiguousarray(seed).reshape((m, b) + inner))
            grads = reverse_sweep(self._entries, {target._id: seed}, {source._id}, 1)
        if not self._persistent:
            self._release()
        g = grads.get(source._id)
        if g is None:
            if policy is UnconnectedGradients.ZERO:
                return hooks.zeros((b,) + inner + source.shape[1:], source.dtype)
            return None
        g = convert_to_tensor(g)  # (m, b, x...)
        perm = (1, 0) + tuple(range(2, g.ndim))
        g = hooks.transpose(g, perm)
        return hooks.reshape(g, (b,) + inner + source.shape[1:])
