"""Small helpers shared by the Keras layers, models and training loop."""

from __future__ import annotations

import re
import threading
from typing import Any

import numpy as np

import tapegrad as tg

_uids: dict = {}
_uid_lock = threading.Lock()


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``Conv2D`` -> ``conv2d``, ``SimpleRNN`` -> ``simple_rnn``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix``, then ``prefix_1``, ``prefix_2``...: Keras's automatic layer names."""
    with _uid_lock:
        n = _uids.get(prefix, 0)
        _uids[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


def clear_session() -> None:
    """Reset the automatic names (``dense``, ``dense_1``, ...), as ``keras.backend.clear_session``.

    >>> from tapegrad import keras
    >>> keras.backend.clear_session()
    >>> keras.layers.Dense(1).name
    'dense'
    """
    with _uid_lock:
        _uids.clear()


def np_dtype(dtype: Any) -> np.dtype:
    """A NumPy dtype from a NumPy dtype, a dtype name, or a TensorFlow-style ``DType``."""
    if dtype is None:
        return np.dtype(np.float32)
    return np.dtype(getattr(dtype, "as_numpy_dtype", dtype))


def shape_of(x: Any) -> tuple:
    """The shape of a tensor, array or symbolic tensor as a plain tuple."""
    return tuple(None if d is None else int(d) for d in x.shape)


def normalize_tuple(value: Any, n: int, name: str, layer: str) -> tuple:
    """``3`` -> ``(3, 3)``; checks the length and that every entry is a positive integer."""
    if isinstance(value, int):
        value = (value,) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, (int, np.integer)) and v > 0 for v in value):
        raise ValueError(
            f"{layer}: `{name}` must be an integer or a tuple of {n} positive integers, "
            f"got {value!r}."
        )
    return tuple(int(v) for v in value)


def normalize_padding(value: Any, layer: str, allowed=("valid", "same")) -> str:
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(f"{layer}: `padding` must be one of {allowed}, got {value!r}.")
    return padding


def normalize_data_format(value: Any, layer: str) -> str:
    data_format = "channels_last" if value is None else str(value).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer}: `data_format` must be 'channels_last' or 'channels_first', got {value!r}."
        )
    return data_format


def to_tensor(x: Any, dtype: Any = None) -> tg.Tensor:
    """Inputs as tensors; floating inputs cast to ``dtype`` (Keras's autocast)."""
    if isinstance(x, tg.IndexedSlices):
        x = tg.convert_to_tensor(x)
    if not isinstance(x, tg.Tensor):
        array = np.asarray(x)
        if array.dtype.kind == "f" and dtype is not None:
            array = array.astype(np_dtype(dtype))
        elif array.dtype == np.float64 and dtype is None:
            array = array.astype(np.float32)
        return tg.constant(array)
    if dtype is not None and np_dtype(x.dtype).kind == "f" and np_dtype(x.dtype) != np_dtype(dtype):
        return tg.cast(x, np_dtype(dtype))
    return x


def get_from_module(identifier: Any, table: dict, kind: str, base: type | None = None) -> Any:
    """Resolve a Keras identifier (name string, instance, class or config dict)."""
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = table.get(name) or table.get(snake_case(str(name)))
        if cls is None:
            raise ValueError(f"Unknown {kind}: {name!r}. Known: {sorted(table)}.")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str):
        found = table.get(identifier)
        if found is None:
            found = table.get(snake_case(identifier))
        if found is None:
            raise ValueError(
                f"Unknown {kind}: {identifier!r}. Use one of {sorted(table)}, or pass a callable."
            )
        return found() if isinstance(found, type) else found
    if isinstance(identifier, type) and base is not None and issubclass(identifier, base):
        return identifier()
    return identifier


def get_callable(identifier: Any, table: dict, kind: str, base: type | None = None) -> Any:
    """``get_from_module`` for lookups that must give a callable; None stays None.

    Raises:
        TypeError: ``identifier`` resolves to something that cannot be called.
    """
    if identifier is None:
        return None
    found = get_from_module(identifier, table, kind, base)
    if not callable(found):
        raise TypeError(f"Could not interpret {kind} {identifier!r}.")
    return found


def flatten(value: Any) -> list:
    """The leaves of a nest of lists, tuples and dicts (dict values in key order)."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value, key=str) for leaf in flatten(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in flatten(item)]
    return [value]


def map_structure(fn: Any, value: Any) -> Any:
    """``fn`` applied to every leaf of a nest, keeping its structure."""
    if isinstance(value, dict):
        return {key: map_structure(fn, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        mapped = [map_structure(fn, item) for item in value]
        return type(value)(mapped) if type(value) in (list, tuple) else type(value)(*mapped)
    return fn(value)
