"""Random tensors: normal, uniform, truncated_normal, shuffle, and their seeds.

Seeds follow TensorFlow's two-level scheme, on NumPy's ``Generator``:

* ``set_seed(s)`` re-creates the global generator from ``s`` (and forgets
  every operation-seeded stream), so the same sequence of calls after it
  gives the same values.
* An op called with ``seed=None`` draws from the global generator.
* An op called with ``seed=k`` draws from a stream keyed by the pair
  ``(global seed, k)`` (a fixed default global seed when none is set); like
  TensorFlow's eager ops, repeated calls with the same ``k`` continue that
  stream rather than repeating the same values.

The values are not TensorFlow's (its Philox streams are not reproduced),
only the reproducibility is. Random tensors are constants; ``mean``,
``stddev``, ``minval`` and ``maxval`` given as tensors are combined with
tapegrad ops, so gradients reach them as in TensorFlow. ``shuffle`` records
no gradient (TensorFlow's ``random_shuffle`` has none).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor, as_dtype, convert_to_tensor, float32
from ._args import int_arg as _int
from ._namespace import take
from ._rules import nondifferentiable
from .creation import allocate, shape_arg

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "shuffle"]

DEFAULT_GLOBAL_SEED = 87654321  # TensorFlow's DEFAULT_GRAPH_SEED


class _SeedState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.global_seed: int | None = None
        self.generator = np.random.default_rng()
        self.streams: dict = {}


_state = _SeedState()


def _seed_int(seed: Any, what: str) -> int:
    if isinstance(seed, Tensor):
        seed = seed.numpy()
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be an integer, got {seed!r}.") from None
    if isinstance(seed, float) and not float(seed).is_integer():
        raise TypeError(f"{what} must be an integer, got {seed!r}.")
    return value & 0xFFFFFFFFFFFFFFFF  # NumPy seeds are non-negative


def set_seed(seed: Any) -> None:
    """Set the global random seed: the same calls after it give the same values.

    Args:
        seed: An integer, or None to go back to fresh, unseeded randomness.

    >>> import tapegrad as tg
    >>> tg.random.set_seed(7); a = tg.random.normal([2])
    >>> tg.random.set_seed(7); b = tg.random.normal([2])
    >>> a.numpy().tolist() == b.numpy().tolist()
    True
    """
    with _state.lock:
        if seed is None:
            _state.global_seed = None
            _state.generator = np.random.default_rng()
        else:
            _state.global_seed = _seed_int(seed, "set_seed: seed")
            _state.generator = np.random.default_rng(_state.global_seed)
        _state.streams = {}


def _draw(seed: Any, fn) -> np.ndarray:
    """Run ``fn(generator)`` under the lock on the stream that ``seed`` selects."""
    with _state.lock:
        gen: Any
        if seed is None:
            gen = _state.generator
        else:
            op = _seed_int(seed, "seed")
            gen = _state.streams.get(op)
            if gen is None:
                base = DEFAULT_GLOBAL_SEED if _state.global_seed is None else _state.global_seed
                gen = np.random.default_rng([base, op])
                _state.streams[op] = gen
        return fn(gen)




def get_state() -> tuple:
    """Where every random stream is now; :func:`set_state` returns to it (a compiled
    function whose guard fails part-way rewinds the draws it made before tracing again)."""
    with _state.lock:
        streams = {k: (g, g.bit_generator.state) for k, g in _state.streams.items()}
        return (_state.generator, _state.generator.bit_generator.state, streams)


def set_state(saved: tuple) -> None:
    """Rewind every random stream to ``saved`` (from :func:`get_state`)."""
    generator, position, streams = saved
    with _state.lock:
        generator.bit_generator.state = position
        _state.generator = generator
        for g, state in streams.values():
            g.bit_generator.state = state
        _state.streams = {k: g for k, (g, _) in streams.items()}


def _float_dtype(dtype: Any, op: str) -> np.dtype:
    d = as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"{op}: dtype must be a floating-point dtype, got {d.name}.")
    return d


def _standard(gen: np.random.Generator, method: str, shape: tuple, dtype: np.dtype):
    draw_dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)
    return getattr(gen, method)(shape, dtype=draw_dtype).astype(dtype, copy=False)


def _sample_impl(*, op: str, shape: tuple, dtype: np.dtype, seed: Any, sampler: Any,
                 scale: Any = None, shift: Any = None) -> Any:
    values = allocate(op, shape, dtype, _draw, seed, sampler)
    if scale is None:
        return values
    return np.asarray(values * scale + shift, dtype=dtype)


# One stateful op draws every random tensor, so that a compiled function draws fresh
# numbers on each call (and in the same order as eager execution).
random_sample_p: Primitive = Primitive("random_sample", _sample_impl, differentiable=False)
random_sample_p.stateful = True


def _sample(op: str, shape: tuple, dtype: np.dtype, seed: Any, sampler: Any, scale: Any = None,
            shift: Any = None) -> Tensor:
    """Draw with ``sampler(generator)``, then ``values * scale + shift``.

    NumPy numbers are applied inside the draw; tensors are combined with tapegrad ops, so
    gradients reach them as in TensorFlow.
    """
    seed = None if seed is None else _seed_int(seed, "seed")
    if scale is None:
        return random_sample_p.bind(op=op, shape=shape, dtype=dtype, seed=seed, sampler=sampler)
    shapes = [tuple(v.shape) if isinstance(v, Tensor) else np.shape(v) for v in (scale, shift)]
    try:
        ok = np.broadcast_shapes(shape, *shapes) == shape
    except ValueError:
        ok = False
    if not ok:
        raise InvalidArgumentError(
            f"{op}: the parameters (shapes {shapes[0]} and {shapes[1]}) do not broadcast to "
            f"the requested shape {shape}."
        )
    if isinstance(scale, Tensor) or isinstance(shift, Tensor):
        s = convert_to_tensor(scale, dtype_hint=dtype)
        b = convert_to_tensor(shift, dtype_hint=dtype)
        for name, t in (("scale", s), ("shift", b)):
            if t.dtype != dtype:
                raise TypeError(f"{op}: {name} has dtype {t.dtype.name}, expected {dtype.name}.")
        values = random_sample_p.bind(op=op, shape=shape, dtype=dtype, seed=seed, sampler=sampler)
        return values * s + b
    return random_sample_p.bind(op=op, shape=shape, dtype=dtype, seed=seed, sampler=sampler,
                                scale=np.asarray(scale, dtype=dtype),
                                shift=np.asarray(shift, dtype=dtype))


def normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """Samples from a normal distribution.

    Args:
        shape: The output shape.
        mean: Mean (number or tensor broadcastable to ``shape``).
        stddev: Standard deviation (number or tensor broadcastable to ``shape``).
        dtype: A floating-point dtype (float32 by default).
        seed: Operation seed (see the module docstring).
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of ``shape`` and ``dtype``.

    >>> import tapegrad as tg
    >>> tg.random.set_seed(0)
    >>> tg.random.normal([2, 3], mean=1.0, stddev=0.5).shape
    TensorShape([2, 3])
    """
    shape = shape_arg(shape, "normal")
    d = _float_dtype(dtype, "normal")
    return _sample("normal", shape, d, seed, lambda g: _standard(g, "standard_normal", shape, d),
                   stddev, mean)


def truncated_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """Samples from a normal distribution, redrawing those more than 2 stddevs from the mean.

    Args:
        shape: The output shape.
        mean: Mean (number or tensor broadcastable to ``shape``).
        stddev: Standard deviation of the untruncated distribution.
        dtype: A floating-point dtype (float32 by default).
        seed: Operation seed (see the module docstring).
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of ``shape`` and ``dtype``, within ``mean +- 2 * stddev``.

    >>> import tapegrad as tg
    >>> x = tg.random.truncated_normal([1000], seed=1)
    >>> bool(abs(x.numpy()).max() <= 2.0)
    True
    """
    shape = shape_arg(shape, "truncated_normal")
    d = _float_dtype(dtype, "truncated_normal")

    def draw(gen):
        values = _standard(gen, "standard_normal", shape, d)
        bad = np.abs(values) > 2
        while bad.any():
            values[bad] = _standard(gen, "standard_normal", (int(bad.sum()),), d)
            bad = np.abs(values) > 2
        return values

    return _sample("truncated_normal", shape, d, seed, draw, stddev, mean)


def uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """Samples from a uniform distribution on ``[minval, maxval)``.

    Floats default to ``[0, 1)``; integer dtypes need ``maxval`` (and
    ``minval < maxval``), as TensorFlow.

    Args:
        shape: The output shape.
        minval: Lower bound (inclusive).
        maxval: Upper bound (exclusive); 1 for floats when None.
        dtype: float16/32/64, int32 or int64 (float32 by default).
        seed: Operation seed (see the module docstring).
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of ``shape`` and ``dtype``.

    >>> import tapegrad as tg
    >>> x = tg.random.uniform([100], minval=2, maxval=5, dtype=tg.int32, seed=3)
    >>> sorted(set(x.numpy().tolist()))
    [2, 3, 4]
    """
    op = "uniform"
    shape = shape_arg(shape, op)
    d = as_dtype(dtype)
    if d.kind in "iu":
        if maxval is None:
            raise InvalidArgumentError(f"{op}: must specify maxval for integer dtype {d.name}.")
        lo: Any = _seed_like_int(minval, "minval", op)
        hi = _seed_like_int(maxval, "maxval", op)
        if lo >= hi:
            raise InvalidArgumentError(f"{op}: need minval < maxval, got {lo} >= {hi}.")
        return _sample(op, shape, d, seed, lambda g: g.integers(lo, hi, size=shape, dtype=d))
    if d.kind != "f":
        raise TypeError(f"{op}: dtype must be a float or integer dtype, got {d.name}.")
    if maxval is None:
        maxval = 1.0
    sampler = lambda g: _standard(g, "random", shape, d)  # noqa: E731
    if isinstance(minval, Tensor) or isinstance(maxval, Tensor):
        lo = convert_to_tensor(minval, dtype_hint=d)
        hi = convert_to_tensor(maxval, dtype_hint=d)
        return _sample(op, shape, d, seed, sampler, hi - lo, lo)
    lo = np.asarray(minval, dtype=d)
    return _sample(op, shape, d, seed, sampler, np.asarray(maxval, dtype=d) - lo, lo)


def _seed_like_int(value: Any, what: str, op: str) -> int:
    """An integer bound: 2.5 raises TypeError rather than becoming 2 (as TensorFlow)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise InvalidArgumentError(f"{op}: {what} must be a scalar for integer dtypes.")
    return _int(value, op, what)


def _shuffle_impl(x, seed=None):
    perm = () if x.ndim == 0 else _draw(seed, lambda g: g.permutation(x.shape[0]))
    return take("random_shuffle", x, perm if isinstance(perm, tuple) else (perm,))


random_shuffle_p: Primitive = nondifferentiable("random_shuffle", _shuffle_impl)
random_shuffle_p.stateful = True  # the permutation is drawn when the op runs


def shuffle(value: Any, seed: Any = None, name: Any = None) -> Tensor:
    """Randomly permute ``value`` along its first axis (no gradient, as TensorFlow).

    Args:
        value: A tensor; a scalar comes back with the same value.
        seed: Operation seed (see the module docstring).
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor with the same shape and dtype.

    >>> import tapegrad as tg
    >>> sorted(tg.random.shuffle(tg.range(5), seed=2).numpy().tolist())
    [0, 1, 2, 3, 4]
    """
    x = convert_to_tensor(value)
    seed = None if seed is None else _seed_int(seed, "seed")
    return random_shuffle_p.bind(x, seed=seed)  # a new tensor, even for a scalar
