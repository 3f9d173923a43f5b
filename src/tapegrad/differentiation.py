"""Differentiating a tape: ``gradient``, ``jacobian`` and ``batch_jacobian``, TensorFlow's API.

The engine's tape (``tapegrad._core.tape``) records; these front ends check the
targets and sources, seed the engine's reverse sweep and shape its results.
Jacobians use the batched sweep: one sweep carries a whole batch of identity
cotangents (one per element of the target), so a Jacobian costs about one
gradient. ``experimental_use_pfor=False`` runs one sweep per row instead,
through the engine's one loop-and-stack helper.
"""

from __future__ import annotations

import enum
import warnings
from typing import Any

import numpy as np

from ._core import events, nest
from ._core import tape as _tape
from ._core.backprop import relevant_entries, reverse_sweep
from ._core.batching import over_batch
from ._core.engine_ops import ops
from ._core.indexed_slices import IndexedSlices, densify
from ._core.tape import _describe, _live_tapes
from ._core.tensor import Tensor, convert_to_tensor
from ._core.variable import Variable

__all__ = ["Differentiation", "UnconnectedGradients"]


class UnconnectedGradients(str, enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on.

    >>> import tapegrad as tg
    >>> x, y = tg.constant(1.0), tg.constant(2.0)
    >>> with tg.GradientTape() as tape:
    ...     tape.watch([x, y])
    ...     z = x * 3.0
    >>> tape.gradient(z, y, unconnected_gradients=tg.UnconnectedGradients.ZERO).numpy()
    np.float32(0.0)
    """

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


def flat_targets_of(target: Any, what: str) -> list:
    """The targets of ``gradient`` or ``explain`` as a flat list of Tensors."""
    flat = []
    for t in nest.flatten(target)[0]:
        if isinstance(t, IndexedSlices):
            t = convert_to_tensor(t)
        if not isinstance(t, Tensor):
            if t is None:
                raise TypeError(f"GradientTape.{what}: target is None; pass a Tensor.")
            t = convert_to_tensor(t)
        flat.append(t)
    return flat


class Differentiation(_tape.GradientTape):
    """The engine's tape with ``gradient``, ``jacobian`` and ``batch_jacobian`` (TF's API)."""

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

    def _source_ids(self, sources: list, seeds: Any = ()) -> set:
        """Ids of the sources that can receive a gradient: float ones, and not the output of
        an op that gives a new constant (``stop_gradient``) unless watched or a target.

        TensorFlow does not record StopGradient, so its output is unknown to the tape; here it
        is recorded (explanations name it), and left out as a source.
        """
        ids = {s._id for s in sources if s.dtype.kind in "fc"}
        unwatched = ids - self._watched_ids - set(seeds)
        if unwatched:  # (rare: an intermediate as source) look for constant outputs
            for entry in self._entries:
                if entry.prim.constant_output:
                    ids.difference_update(unwatched.intersection(entry.output_ids))
        return ids

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
        flat_targets = flat_targets_of(target, "gradient")
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
            self._check_known(t, "gradient", "target")
            seed = self._seed(t, og, i)
            if seed is not None:
                seeds[t._id] = seed if t._id not in seeds else ops.add(seeds[t._id], seed)
        # A source this tape never watched nor produced gets no gradient, unless it is a
        # target: then its gradient is its seed (d x / d x = 1), as TensorFlow.
        known = self._ids
        source_ids = self._source_ids(
            [s for s in flat_sources if s._id in known or s._id in seeds], seeds)
        release = not self._persistent  # free each entry's saved values as the sweep passes it
        try:
            grads = reverse_sweep(self._entries, seeds, source_ids, 0, release) if seeds else {}
        except BaseException:
            if release:
                self._release()  # the sweep freed what it passed: the tape is spent
            raise
        if not self._persistent and len(grads) < len(flat_sources) and events.tape_changed:
            events.tape_changed.emit(self, "release", (flat_sources, grads))  # explain() after
        if not self._persistent:
            self._release()
        result: list = []
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
            return ops.ones_like(t)
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
            return ops.zeros_like(source)
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

    def jacobian(
        self,
        target: Any,
        sources: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Jacobian ``d target / d source`` of shape ``target.shape + source.shape``.

        Every row comes from one reverse sweep that carries a batch of identity
        cotangents (one per element of ``target``); ops whose rules cannot
        batch (``Primitive.batchable=False``) loop over the batch inside that
        sweep. ``experimental_use_pfor=False`` runs one sweep per row instead
        (persistent tapes only, as TensorFlow).

        Args:
            target: The tensor to differentiate (a single Tensor or Variable).
            sources: A tensor or variable, or a nest of them.
            unconnected_gradients: ``"none"`` (None for an unconnected source),
                ``"zero"`` (zeros) or ``"raise"``.
            parallel_iterations: Accepted for compatibility; ignored.
            experimental_use_pfor: True vectorises; False loops over rows.

        Returns:
            The nest of ``sources``, each entry of shape ``target.shape + source.shape``.

        Raises:
            RuntimeError: a non-persistent tape was already used, or
                ``experimental_use_pfor=False`` on a non-persistent tape.
            TypeError: ``target`` is a nest or ``sources`` holds a non-tensor.

        >>> import tapegrad as tg
        >>> x = tg.constant([1.0, 2.0])
        >>> with tg.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> tape.jacobian(y, x).numpy().tolist()
        [[2.0, 0.0], [0.0, 4.0]]
        """
        policy = _unconnected_policy(unconnected_gradients)
        self._check_jacobian_usable("jacobian", experimental_use_pfor)
        flat_sources, treedef = self._flat_sources(sources, "jacobian")
        target = self._jacobian_target(target, "jacobian")
        self._check_usable("jacobian")
        n = target.size
        source_ids = self._source_ids(flat_sources)
        grads: dict = {}
        if target.dtype.kind in "fc" and source_ids and target._id in self._ids:
            if n == 0:
                grads = self._empty_jacobian(target, flat_sources)
            elif experimental_use_pfor:
                eye = np.eye(n, dtype=target.dtype).reshape((n,) + target._value.shape)
                grads = reverse_sweep(self._entries, {target._id: Tensor._wrap(eye)}, source_ids, 1,
                                      not self._persistent)
            else:
                grads = self._looped_jacobian(target, source_ids, n)
        if not self._persistent:
            self._release()
        result = []
        for i, s in enumerate(flat_sources):
            g = grads.get(s._id)
            if g is None:
                if s.dtype.kind not in "fc":
                    self._warn_integer_source("jacobian", i, s)
                if policy is UnconnectedGradients.ZERO:
                    result.append(ops.zeros(target._value.shape + s._value.shape, s.dtype))
                else:
                    result.append(self._unconnected(s, i, policy, [target], flat_sources))
                continue
            g = densify(g)
            result.append(ops.reshape(g, target._value.shape + s._value.shape))
        return nest.unflatten(treedef, result)

    def _check_jacobian_usable(self, what: str, use_pfor: bool) -> None:
        if self._released:
            self._check_usable(what)
        if not use_pfor and not self._persistent:
            raise RuntimeError(
                f"GradientTape.{what}: the GradientTape must be created with persistent=True to "
                f"compute the {what} with experimental_use_pfor=False (one reverse sweep per "
                "row needs the tape several times). Use the default experimental_use_pfor=True."
            )

    @staticmethod
    def _warn_integer_source(what: str, index: int, source: Tensor) -> None:
        warnings.warn(
            f"GradientTape.{what}: source {index} has dtype {source.dtype.name}; integer and "
            "bool sources have no gradient. Cast it to a float dtype before the computation to "
            "differentiate with respect to it.",
            stacklevel=3,
        )

    def _jacobian_target(self, target: Any, what: str) -> Tensor:
        """The target as a Tensor; a trainable Variable is read (and so watched) as TF does.

        A target the tape does not know (neither watched nor recorded) is connected to
        no source, not even to itself.
        """
        if isinstance(target, Variable):
            if self._watch_accessed_variables and target._trainable:
                self._watch_variable(target)
            return target
        if isinstance(target, (list, tuple, dict)):
            raise TypeError(
                f"GradientTape.{what}: target must be a single Tensor, got a "
                f"{type(target).__name__}. Stack the targets with tapegrad.stack inside the tape, "
                f"or call {what} once per target (tapegrad.jacobian accepts nested outputs)."
            )
        if isinstance(target, IndexedSlices):
            target = convert_to_tensor(target)
        if not isinstance(target, Tensor):
            if target is None:
                raise TypeError(f"GradientTape.{what}: target is None; pass a Tensor.")
            target = convert_to_tensor(target)
        self._check_known(target, what, "target")
        return target

    def _empty_jacobian(self, target: Tensor, sources: list) -> dict:
        """A target with no elements: zeros for the connected sources (as TensorFlow)."""
        out = {}
        for s in sources:
            if s.dtype.kind in "fc" and s._id not in out:
                _, reach = relevant_entries(self._entries, {s._id})
                if target._id in reach:
                    out[s._id] = ops.zeros((0,) + s.shape, s.dtype)
        return out

    def _looped_jacobian(self, target: Tensor, source_ids: set, n: int) -> dict:
        """One reverse sweep per element of ``target`` (experimental_use_pfor=False)."""
        ids = sorted(source_ids)
        eye = np.eye(n, dtype=target.dtype)

        def row(k: int) -> list:
            seed = Tensor._wrap(eye[k].reshape(target.shape))
            grads = reverse_sweep(self._entries, {target._id: seed}, source_ids)
            return [grads.get(i) for i in ids]

        stacked = over_batch(row, len(ids), n, (n,))
        return {i: g for i, g in zip(ids, stacked) if g is not None}

    def batch_jacobian(
        self,
        target: Any,
        source: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Per-example Jacobians: ``[b, y...]`` by ``[b, x...]`` gives ``[b, y..., x...]``.

        Assumes example ``i`` of the target depends only on example ``i`` of the
        source (otherwise, as TensorFlow, the result sums over the examples). All
        rows come from one reverse sweep carrying ``prod(y...)`` cotangents.

        Args:
            target: Tensor of rank >= 2 and shape ``[b, y1, ..., yn]``.
            source: Tensor or Variable of rank >= 2 and shape ``[b, x1, ..., xm]``.
            unconnected_gradients: As TensorFlow, an unconnected source gives zeros
                (of the target's dtype) unless this is ``"raise"``.
            parallel_iterations: Accepted for compatibility; ignored.
            experimental_use_pfor: True vectorises; False loops over ``y`` elements.

        Returns:
            A tensor of shape ``[b, y1, ..., yn, x1, ..., xm]``.

        Raises:
            ValueError: a rank below 2, or the first dimensions differ.
            RuntimeError: a non-persistent tape was already used, or
                ``experimental_use_pfor=False`` on a non-persistent tape.

        >>> import tapegrad as tg
        >>> x = tg.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> with tg.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> tape.batch_jacobian(y, x).numpy().tolist()
        [[[2.0, 0.0], [0.0, 4.0]], [[6.0, 0.0], [0.0, 8.0]]]
        """
        policy = _unconnected_policy(unconnected_gradients)
        self._check_jacobian_usable("batch_jacobian", experimental_use_pfor)
        if not isinstance(source, Tensor):
            raise TypeError(
                f"GradientTape.batch_jacobian: source must be a single Tensor or Variable, got "
                f"{_describe(source)}. Call batch_jacobian once per source."
            )
        target = self._jacobian_target(target, "batch_jacobian")
        if target.ndim < 2 or source.ndim < 2 or target.shape[0] != source.shape[0]:
            raise ValueError(
                f"GradientTape.batch_jacobian: need the first dimension of target shape "
                f"{target.shape} and source shape {source.shape} to match, and both to have "
                "rank at least 2 ([batch, ...]). For a single example, use jacobian."
            )
        self._check_known(source, "batch_jacobian", "source")
        self._check_usable("batch_jacobian")
        b = target.shape[0]
        inner = target.shape[1:]
        m = int(np.prod(inner, dtype=np.int64))
        out_shape = (b,) + inner + source.shape[1:]
        g = None
        known = target._id in self._ids and bool(self._source_ids([source]))
        if target.dtype.kind in "fc" and m and b and known:
            seeds = np.zeros((m, b, m), dtype=target.dtype)
            seeds[np.arange(m), :, np.arange(m)] = 1  # row j: ones at element j of every example
            seeds = seeds.reshape((m, b) + inner)
            if experimental_use_pfor:
                grads = reverse_sweep(self._entries, {target._id: Tensor._wrap(seeds)},
                                      {source._id}, 1, not self._persistent)
                g = grads.get(source._id)
            else:
                def row(j: int) -> list:
                    seed = {target._id: Tensor._wrap(seeds[j])}
                    return [reverse_sweep(self._entries, seed, {source._id}).get(source._id)]

                g = over_batch(row, 1, m, (m,))[0]
        if not self._persistent:
            self._release()
        if g is None:
            if source.dtype.kind not in "fc":
                self._warn_integer_source("batch_jacobian", 0, source)
            if policy is UnconnectedGradients.RAISE:
                self._unconnected(source, 0, policy, [target], [source])
            return ops.zeros(out_shape, target.dtype)
        g = ops.transpose(densify(g), (1, 0) + tuple(range(2, source.ndim + 1)))  # (b, m, x...)
        return ops.reshape(g, out_shape)
