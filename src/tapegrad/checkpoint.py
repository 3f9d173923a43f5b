"""Checkpoints: save and restore a model's variables and its optimizer's state.

A checkpoint is one NumPy ``.npz`` file (a zip of ``.npy`` arrays, no pickles):

* ``variables/<path>``: each variable's value, named by where the model holds
  it (``Module.named_variables``: ``"layers/0/w"``; for a dict, its keys);
* ``optimizer/<path>/<slot>``: the optimizer's state for that variable (Adam's
  ``m``, ``v`` and ``step``, ...), plus ``optimizer/class`` and
  ``optimizer/iterations``;
* ``__tapegrad__/format``: a format marker.

``save`` writes a temporary file in the target's directory and renames it over
the target (``os.replace``), so a crash mid-write leaves the previous
checkpoint whole. The writer holds an exclusive ``flock`` on its temporary
file until the rename; the kernel drops it when the writer dies, so the next
save of the same path can tell a killed writer's leftovers (unlocked) from a
live writer's file (locked) and removes only the former. ``restore`` reads
with ``allow_pickle=False``, checks each member's header against the bytes the
archive really holds before allocating, checks every name, shape and dtype
against the model (and optimizer), and only then assigns: a failed restore
changes nothing.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import threading
import zipfile
import zlib
from typing import Any

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no flock, so no way to tell a live writer's file; none is removed
    fcntl = None  # type: ignore[assignment]

from ._core.variable import Variable
from .module import Module, _leaves_with_paths
from .optimizers import Optimizer

__all__ = ["save", "restore", "list_variables"]

FORMAT_KEY = "__tapegrad__/format"
FORMAT = "tapegrad-checkpoint/1"
_VARS = "variables/"
_OPT = "optimizer/"
_OPT_CLASS = "optimizer/class"
_OPT_ITERATIONS = "optimizer/iterations"
_SHOWN = 8  # names listed in an error before "..."
# Most bytes one compressed byte can expand to: deflate's best is a 258-byte match in 2 bits.
_EXPANSION = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: 1032}
_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
# Temporary files this process is writing: another thread's cleanup must not touch them, even
# where file locks do not separate threads (POSIX-lock emulation of flock on NFS).
_WRITING: set = set()
_WRITING_LOCK = threading.Lock()


def _named_variables(obj: Any, op: str) -> list[tuple[str, Variable]]:
    """``(name, variable)`` for a Module or a nest (dict, list, tuple) of variables/modules."""
    named = _collect(obj, op)
    names: dict = {}
    for name, v in named:
        if name in names:
            raise ValueError(
                f"checkpoint.{op}: two different variables are both named {name!r} (a dict key "
                "with '/' that matches a nested path?); rename one so that each name is unique."
            )
        names[name] = v
    return named


def _collect(obj: Any, op: str) -> list[tuple[str, Variable]]:
    if isinstance(obj, Module):
        return obj.named_variables()
    if not isinstance(obj, (dict, list, tuple)):
        raise TypeError(
            f"checkpoint.{op}: expected a tapegrad.Module or a dict of Variables, got "
            f"{type(obj).__name__}. Wrap a single variable as {{'name': variable}}."
        )
    named: list = []
    seen: set = set()
    for path, leaf in _leaves_with_paths(obj, ()):
        prefix = "/".join(str(p) for p in path)
        if isinstance(leaf, Module):
            pairs = [(f"{prefix}/{name}", v) for name, v in leaf.named_variables()]
        elif isinstance(leaf, Variable):
            pairs = [(prefix, leaf)]
        else:
            raise TypeError(
                f"checkpoint.{op}: the entry {prefix!r} is {type(leaf).__name__}, not a "
                "Variable or Module; only variables are saved."
            )
        for name, v in pairs:
            if id(v) not in seen:
                seen.add(id(v))
                named.append((name, v))
    return named


def _listed(names: Any) -> str:
    names = sorted(names)
    shown = ", ".join(repr(n) for n in names[:_SHOWN])
    return shown + (f", ... ({len(names)} in all)" if len(names) > _SHOWN else "")


def _write_npz(file: Any, arrays: dict) -> None:
    """Write the arrays to an open binary file (a seam for the crash test)."""
    np.savez(file, **arrays)


def _temp_pattern(path: str) -> re.Pattern:
    """Names of the temporary files of ``path``: ``.<name>.<writer's pid>.<16 hex>.tmp``."""
    return re.compile(re.escape(f".{os.path.basename(path)}.") + r"\d+\.[0-9a-f]{16}\.tmp")


def _remove_stale_temps(directory: str, path: str) -> None:
    """Remove temporary files of ``path`` left by killed saves; skip any a live writer holds."""
    if fcntl is None:
        return
    pattern = _temp_pattern(path)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not pattern.fullmatch(name):
            continue
        tmp = os.path.join(directory, name)
        with _WRITING_LOCK:
            if tmp in _WRITING:
                continue
        with contextlib.suppress(OSError):  # locked by a live writer, gone, or not ours to open
            fd = os.open(tmp, os.O_WRONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(tmp)  # while holding the lock, so a writer that locks later sees it
            finally:
                os.close(fd)


def _create_temp(directory: str, path: str) -> tuple[int, str]:
    """A new temporary file next to ``path``, locked for as long as ``fd`` stays open."""
    while True:
        tmp = os.path.join(
            directory, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(8)}.tmp"
        )
        with _WRITING_LOCK:
            _WRITING.add(tmp)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except BaseException:
            with _WRITING_LOCK:
                _WRITING.discard(tmp)
            raise
        if fcntl is None:
            return fd, tmp
        with contextlib.suppress(OSError):  # a file system without locks: write unprotected
            fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, tmp
        # Another process's cleanup removed it between creating and locking: try another name.
        os.close(fd)
        with _WRITING_LOCK:
            _WRITING.discard(tmp)


def _write_atomically(path: str, arrays: dict) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    _remove_stale_temps(directory, path)
    fd, tmp = _create_temp(directory, path)
    try:
        # The lock must outlive the rename (else a cleanup could remove the finished file), but
        # Windows cannot rename an open file.
        with os.fdopen(fd, "wb", closefd=fcntl is None) as file:
            _write_npz(file, arrays)
            file.flush()
            os.fsync(file.fileno())
        try:  # keep the old file's permissions (the temporary file is 0600)
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        if fcntl is not None:
            os.close(fd)
        with _WRITING_LOCK:
            _WRITING.discard(tmp)
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def save(path: Any, obj: Any, optimizer: Optimizer | None = None) -> str:
    """Save the variables of ``obj`` (and ``optimizer``'s state for them) to ``path``.

    The file is written atomically: to a temporary file next to ``path``,
    then renamed over it. It is written exactly at ``path`` (no suffix is
    added; ``.npz`` is the natural one).

    Args:
        path: the file to write (str or path-like).
        obj: a ``Module``, or a dict (or list) of Variables and Modules.
        optimizer: an optimizer whose per-variable state (for these variables)
            and step count are saved too.

    Returns:
        The path written, as a string.

    >>> import os, tempfile, tapegrad as tg
    >>> model = {"w": tg.Variable([1.0, 2.0])}
    >>> path = tg.checkpoint.save(os.path.join(tempfile.mkdtemp(), "ckpt.npz"), model)
    >>> _ = model["w"].assign([0.0, 0.0])
    >>> tg.checkpoint.restore(path, model)
    >>> model["w"].numpy().tolist()
    [1.0, 2.0]
    """
    path = os.fspath(path)
    named = _named_variables(obj, "save")
    arrays: dict = {FORMAT_KEY: np.array(FORMAT)}
    for name, v in named:
        arrays[_VARS + name] = np.asarray(v._value)
    if optimizer is not None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"checkpoint.save: optimizer must be a tapegrad optimizer, got "
                f"{type(optimizer).__name__}."
            )
        arrays[_OPT_CLASS] = np.array(type(optimizer).__name__)
        arrays[_OPT_ITERATIONS] = np.array(optimizer.iterations, np.int64)
        for name, v in named:
            for slot, value in (optimizer._export_state(v) or {}).items():
                arrays[f"{_OPT}{name}/{slot}"] = value
    _write_atomically(path, arrays)
    return path


def _open(path: str, op: str) -> Any:
    """The checkpoint file, open for reading; an error opening it keeps its ``OSError`` class."""
    try:
        return open(path, "rb")
    except OSError as err:
        raise type(err)(
            err.errno,
            f"checkpoint.{op}: cannot open the file: {err.strerror} (a checkpoint is a file "
            "written by tapegrad.checkpoint.save)",
            path,
        ) from None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_size: int) -> Any:
    """One ``.npy`` member, after checking that its header fits the bytes the archive holds.

    The check comes first because NumPy allocates the array the header declares before
    reading any data: a damaged header must not ask for terabytes.
    """
    name = info.filename
    if info.compress_type not in _EXPANSION:
        raise ValueError(f"member {name!r} uses an unsupported compression ({info.compress_type})")
    most = min(info.compress_size, archive_size) * _EXPANSION[info.compress_type]
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in _NPY_HEADERS:
            raise ValueError(f"member {name!r} has an unsupported .npy version {version}")
        shape, _, dtype = _NPY_HEADERS[version](member)
        if not dtype.hasobject:  # read_array refuses object arrays before allocating
            declared = member.tell() + math.prod(shape) * dtype.itemsize
            if declared != info.file_size or declared > most:
                raise ValueError(
                    f"member {name!r} declares shape {shape} dtype {dtype} ({declared} bytes "
                    f"with its header) but holds {info.file_size} bytes "
                    f"({info.compress_size} stored)"
                )
        member.seek(0)
        return np.lib.format.read_array(member, allow_pickle=False)


def _load(path: str, op: str) -> dict:
    """Every array in the file, read now (so a damaged member fails here, not later)."""
    with _open(path, op) as file:
        try:
            size = os.fstat(file.fileno()).st_size
            with zipfile.ZipFile(file) as archive:
                arrays = {
                    info.filename.removesuffix(".npy"): _read_member(archive, info, size)
                    for info in archive.infolist()
                }
        # NotImplementedError, RuntimeError: zipfile's damaged version, flag or encryption bits.
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            KeyError,
            NotImplementedError,
            RuntimeError,
        ) as err:
            raise ValueError(
                f"checkpoint.{op}: cannot read {path!r}: the file is truncated, damaged or not a "
                f"tapegrad checkpoint ({type(err).__name__}: {err})."
            ) from err
    marker = arrays.get(FORMAT_KEY)
    if marker is None or marker.dtype.kind != "U" or str(marker) != FORMAT:
        raise ValueError(
            f"checkpoint.{op}: {path!r} is an .npz file but not a tapegrad checkpoint "
            f"(no {FORMAT!r} marker); write checkpoints with tapegrad.checkpoint.save."
        )
    return arrays


def list_variables(path: Any) -> list[tuple[str, tuple, str]]:
    """``(name, shape, dtype name)`` of each variable saved in a checkpoint, sorted by name.

    >>> import os, tempfile, tapegrad as tg
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> _ = tg.checkpoint.save(path, {"b": tg.Variable([0.0]), "w": tg.Variable([[1.0]])})
    >>> tg.checkpoint.list_variables(path)
    [('b', (1,), 'float32'), ('w', (1, 1), 'float32')]
    """
    arrays = _load(os.fspath(path), "list_variables")
    return sorted(
        (k[len(_VARS) :], a.shape, a.dtype.name) for k, a in arrays.items() if k.startswith(_VARS)
    )


def _check_array(name: str, found: np.ndarray, shape: tuple, dtype: np.dtype) -> str | None:
    if found.shape == shape and found.dtype == dtype:
        return None
    return (
        f"{name!r}: expected shape {shape} dtype {dtype.name}, found shape {found.shape} "
        f"dtype {found.dtype.name}"
    )


def restore(path: Any, obj: Any, optimizer: Optimizer | None = None) -> None:
    """Load a checkpoint written by ``save`` into the variables of ``obj`` (and ``optimizer``).

    Everything is checked before anything is assigned: the file must hold
    exactly the model's variable names, each with the variable's shape and
    dtype, and (when ``optimizer`` is given) state saved from the same
    optimizer class. If the file also holds optimizer state and ``optimizer``
    is None, that state is ignored.

    Args:
        path: a file written by :func:`save`.
        obj: the ``Module`` (or dict of Variables) to load into.
        optimizer: an optimizer to load the saved state and step count into.

    Raises:
        OSError: ``path`` cannot be opened, with the class that says why
            (``FileNotFoundError``, ``IsADirectoryError``, ``PermissionError``, ...).
        ValueError: the file is truncated, damaged or not a checkpoint; names are missing
            or unexpected (a file from another model); a variable's shape or
            dtype differs (the message names it with expected and found values);
            the optimizer state does not match. Nothing is changed.

    >>> import os, tempfile, tapegrad as tg
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> _ = tg.checkpoint.save(path, {"w": tg.Variable([1.0, 2.0])})
    >>> tg.checkpoint.restore(path, {"w": tg.Variable([0.0, 0.0, 0.0])})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: checkpoint.restore: ... 'w': expected shape (3,) dtype float32, found shape (2,) ...
    """
    path = os.fspath(path)
    named = _named_variables(obj, "restore")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"checkpoint.restore: optimizer must be a tapegrad optimizer, got "
            f"{type(optimizer).__name__}."
        )
    arrays = _load(path, "restore")
    saved = {k[len(_VARS) :]: a for k, a in arrays.items() if k.startswith(_VARS)}
    expected = {name: v for name, v in named}
    missing = expected.keys() - saved.keys()
    unexpected = saved.keys() - expected.keys()
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing from the file: {_listed(missing)}")
        if unexpected:
            parts.append(f"in the file but not in the model: {_listed(unexpected)}")
        raise ValueError(
            f"checkpoint.restore: {path!r} does not match this model's variables ("
            + "; ".join(parts)
            + "). Was it saved from another model?"
        )
    problems = [
        p
        for name, v in named
        if (p := _check_array(name, saved[name], v.shape, v.dtype)) is not None
    ]
    if problems:
        raise ValueError(
            f"checkpoint.restore: {path!r} does not fit this model; variable "
            + "; variable ".join(problems[:_SHOWN])
            + (f"; ... ({len(problems)} mismatches)" if len(problems) > _SHOWN else "")
            + "."
        )
    states: dict = {}
    iterations = 0
    if optimizer is not None:
        states, iterations = _optimizer_state(path, arrays, expected, optimizer)
    # Everything is valid: assign.
    for name, v in named:
        v.assign(saved[name])
    if optimizer is not None:
        for name, v in named:
            optimizer._import_state(v, states.get(name))
        optimizer.iterations = iterations


def _optimizer_state(path: str, arrays: dict, expected: dict, optimizer: Optimizer):
    """Validated ``({variable name: {slot: array}}, iterations)`` from the file."""
    kind = type(optimizer).__name__
    if _OPT_CLASS not in arrays:
        raise ValueError(
            f"checkpoint.restore: {path!r} holds no optimizer state (it was saved without an "
            f"optimizer); restore it without optimizer=, or save with the {kind}."
        )
    saved_kind = str(arrays[_OPT_CLASS])
    if saved_kind != kind:
        raise ValueError(
            f"checkpoint.restore: {path!r} holds {saved_kind} state, but the optimizer is a "
            f"{kind}; create a {saved_kind} to restore it."
        )
    iterations = arrays.get(_OPT_ITERATIONS)
    if iterations is None or iterations.shape != () or iterations.dtype.kind not in "iu":
        raise ValueError(f"checkpoint.restore: {path!r} has no valid optimizer/iterations.")
    slots = set(optimizer.get_slot_names()) | {"step"}
    states: dict = {}
    problems = []
    for key, array in arrays.items():
        if not key.startswith(_OPT) or key in (_OPT_CLASS, _OPT_ITERATIONS):
            continue
        name, _, slot = key[len(_OPT) :].rpartition("/")
        if name not in expected:
            problems.append(f"state {key!r} is for a variable the model does not have")
            continue
        if slot not in slots:
            problems.append(
                f"state {key!r}: {kind} (as configured) has no slot {slot!r}; its slots are "
                f"{sorted(slots)}"
            )
            continue
        v = expected[name]
        if slot == "step":
            bad = (
                None
                if array.shape == () and array.dtype.kind in "iu"
                else (
                    f"{key!r}: expected an integer scalar, found shape {array.shape} dtype "
                    f"{array.dtype.name}"
                )
            )
        else:
            bad = _check_array(key, array, v.shape, v.dtype)
        if bad:
            problems.append(bad)
            continue
        states.setdefault(name, {})[slot] = array
    for name, state in states.items():
        if state.keys() != slots:
            problems.append(
                f"the state of {name!r} is incomplete: has {sorted(state)}, needs {sorted(slots)}"
            )
    if problems:
        raise ValueError(
            f"checkpoint.restore: the optimizer state in {path!r} does not fit this "
            f"{kind}: "
            + "; ".join(problems[:_SHOWN])
            + (f"; ... ({len(problems)} problems)" if len(problems) > _SHOWN else "")
            + "."
        )
    return states, int(iterations)
