"""TensorFlow's runtime checks: ``assert_equal``, ``assert_near``, ``assert_shapes``,
``assert_all_finite`` and ``check_numerics``.

Each raises ``tapegrad.errors.InvalidArgumentError`` (also a ``ValueError``)
with the message given, what failed and the first offending values, as
TensorFlow's eager mode does; on success the asserts return None and
``assert_all_finite``/``check_numerics`` return their input (gradients pass
through unchanged).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.tensor import Tensor, convert_to_tensor

__all__ = ["assert_equal", "assert_near", "assert_shapes", "assert_all_finite", "check_numerics"]


def _pair(x: Any, y: Any, op: str) -> tuple[Tensor, Tensor]:
    """Both arguments as tensors of one dtype (a Python number takes the tensor's dtype)."""
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype_hint=y.dtype)
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype) if not isinstance(y, Tensor) else y
    if x.dtype != y.dtype:
        raise InvalidArgumentError(
            f"{op}: x has dtype {x.dtype.name} but y has dtype {y.dtype.name}; "
            "cast one (tapegrad.cast) so that both have the same dtype."
        )
    try:
        np.broadcast_shapes(x._value.shape, y._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: incompatible shapes {x.shape} and {y.shape} (they do not broadcast)."
        ) from None
    return x, y


def _prefix(message: Any) -> str:
    return f"{message}\n" if message else ""


def _first(values: np.ndarray, summarize: Any) -> str:
    flat = np.asarray(values).reshape(-1)
    n = flat.size if summarize is None else min(int(summarize), flat.size)
    return f"First {n} elements: {flat[:n].tolist()}"


def _mismatch_report(ok: np.ndarray, x: np.ndarray, y: np.ndarray, summarize: Any) -> str:
    shape = np.broadcast_shapes(x.shape, y.shape)
    bad = np.argwhere(~np.broadcast_to(ok, shape))
    n = len(bad) if summarize is None else min(int(summarize), len(bad))
    xb, yb = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
    idx = tuple(bad[:n].T)
    return (
        f"Indices of first {n} different values: {bad[:n].tolist()}\n"
        f"Corresponding x values: {xb[idx].tolist()}\n"
        f"Corresponding y values: {yb[idx].tolist()}\n"
        f"x: {_first(x, summarize)}\ny: {_first(y, summarize)}"
    )


def assert_equal(x: Any, y: Any, message: Any = None, summarize: Any = None,
                 name: Any = None) -> None:
    """Raise ``InvalidArgumentError`` unless ``x == y`` everywhere (broadcasting).

    >>> import tapegrad as tf
    >>> tf.debugging.assert_equal(tf.constant([1, 1]), 1)
    >>> try:
    ...     tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))
    ... except tf.errors.InvalidArgumentError as err:
    ...     print(str(err).splitlines()[0])
    assert_equal: condition x == y did not hold.
    """
    x, y = _pair(x, y, "assert_equal")
    ok = np.asarray(x._value == y._value)
    if not ok.all():
        raise InvalidArgumentError(
            f"{_prefix(message)}assert_equal: condition x == y did not hold.\n"
            + _mismatch_report(ok, np.asarray(x._value), np.asarray(y._value), summarize)
        )


def assert_near(x: Any, y: Any, rtol: Any = None, atol: Any = None, message: Any = None,
                summarize: Any = None, name: Any = None) -> None:
    """Raise ``InvalidArgumentError`` unless ``|x - y| <= atol + rtol * |y|`` everywhere.

    The tolerances default to 10 times the dtype's epsilon, as in TensorFlow.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.1]), atol=0.2)
    """
    x, y = _pair(x, y, "assert_near")
    if x.dtype.kind not in "fc":
        raise TypeError(
            f"assert_near: expected floating or complex tensors, got dtype {x.dtype.name}."
        )
    eps = 10 * np.finfo(x.dtype).eps
    rtol = eps if rtol is None else float(convert_to_tensor(rtol)._value)
    atol = eps if atol is None else float(convert_to_tensor(atol)._value)
    xv, yv = np.asarray(x._value), np.asarray(y._value)
    ok = np.abs(xv - yv) <= atol + rtol * np.abs(yv)
    if not ok.all():
        raise InvalidArgumentError(
            f"{_prefix(message)}assert_near: x and y not equal to tolerance rtol = {rtol:g}, "
            f"atol = {atol:g} (x shape={x.shape} dtype={x.dtype.name}, y shape={y.shape}).\n"
            + _mismatch_report(ok, xv, yv, summarize)
        )


def assert_shapes(shapes: Any, data: Any = None, summarize: Any = None, message: Any = None,
                  name: Any = None) -> None:
    """Check tensors' shapes against specs whose symbols must agree across tensors.

    ``shapes`` is a list of ``(tensor, spec)`` pairs (or a dict). A spec lists
    the dimensions: ints, ``None`` (any size) or symbols (strings such as
    ``"N"``, equal wherever they appear); a leading ``"..."`` or ``"*"`` allows
    any leading dimensions. A mismatch raises ``InvalidArgumentError`` (a
    ``ValueError``, TensorFlow's eager class).

    >>> import tapegrad as tf
    >>> x, y = tf.zeros([2, 3]), tf.zeros([3])
    >>> tf.debugging.assert_shapes([(x, ("N", "Q")), (y, ("Q",))])
    >>> try:
    ...     tf.debugging.assert_shapes([(x, ("N", "Q")), (tf.zeros([2, 4]), ("N", "Q"))])
    ... except ValueError as err:
    ...     print(str(err).splitlines()[0])
    assert_shapes: tensor 1 (shape (2, 4)) dimension 1 must have size 3 (symbol 'Q', set by tensor 0 dimension 1), got 4.
    """  # noqa: E501
    pairs = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    sizes: dict = {}
    for k, pair in enumerate(pairs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"assert_shapes: entry {k} must be a (tensor, shape) pair.")
        tensor, spec = pair
        actual = np.shape(tensor._value if isinstance(tensor, Tensor) else tensor)
        spec = [spec] if isinstance(spec, (str, int)) else list(spec)
        if spec and spec[0] in ("...", "*"):
            spec = spec[1:]
            if len(actual) < len(spec):
                raise InvalidArgumentError(
                    f"{_prefix(message)}assert_shapes: tensor {k} (shape {actual}) must have "
                    f"rank at least {len(spec)}."
                )
            dims = actual[len(actual) - len(spec):]
            offset = len(actual) - len(spec)
        else:
            if len(actual) != len(spec):
                raise InvalidArgumentError(
                    f"{_prefix(message)}assert_shapes: tensor {k} (shape {actual}) must have "
                    f"rank {len(spec)} (spec {tuple(spec)})."
                )
            dims, offset = actual, 0
        for i, (want, got) in enumerate(zip(spec, dims, strict=True)):
            where = f"tensor {k} (shape {actual}) dimension {i + offset}"
            if want is None:
                continue
            if isinstance(want, str):
                if want not in sizes:
                    sizes[want] = (got, f"tensor {k} dimension {i + offset}")
                    continue
                size, origin = sizes[want]
                if got != size:
                    raise InvalidArgumentError(
                        f"{_prefix(message)}assert_shapes: {where} must have size {size} "
                        f"(symbol {want!r}, set by {origin}), got {got}."
                    )
            elif got != int(want):
                raise InvalidArgumentError(
                    f"{_prefix(message)}assert_shapes: {where} must have size {want}, got {got}."
                )


def _nonfinite(x: Tensor, op: str) -> str | None:
    if x.dtype.kind not in "fc":
        raise InvalidArgumentError(
            f"{op}: expected a floating tensor, got dtype {x.dtype.name} (shape {x.shape}); "
            "integer and bool tensors are always finite."
        )
    value = np.asarray(x._value)
    nan, inf = bool(np.isnan(value).any()), bool(np.isinf(value).any())
    if not (nan or inf):
        return None
    return " and ".join(k for k, f in (("Inf", inf), ("NaN", nan)) if f)


def check_numerics(tensor: Any, message: str, name: Any = None) -> Tensor:
    """``tensor`` itself, or ``InvalidArgumentError`` if it holds NaN or Inf.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> try:
    ...     tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "after layer 3")
    ... except tf.errors.InvalidArgumentError as err:
    ...     print(err)
    after layer 3 : Tensor had NaN values (check_numerics, shape (2,) dtype float32)
    """
    x = convert_to_tensor(tensor)
    found = _nonfinite(x, "check_numerics")
    if found:
        raise InvalidArgumentError(
            f"{message} : Tensor had {found} values (check_numerics, shape {x.shape} "
            f"dtype {x.dtype.name})"
        )
    return x


def assert_all_finite(x: Any, message: str, name: Any = None) -> Tensor:
    """``x`` itself, or ``InvalidArgumentError`` if it holds NaN or Inf (``check_numerics``).

    >>> import tapegrad as tf
    >>> tf.debugging.assert_all_finite(tf.constant([1.0, 2.0]), "fine").numpy()
    array([1., 2.], dtype=float32)
    """
    t = convert_to_tensor(x)
    found = _nonfinite(t, "assert_all_finite")
    if found:
        raise InvalidArgumentError(
            f"{message} : Tensor had {found} values (assert_all_finite, shape {t.shape} "
            f"dtype {t.dtype.name})"
        )
    return t
