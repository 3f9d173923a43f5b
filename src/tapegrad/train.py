"""Object-based checkpoints, as ``tf.train``: ``Checkpoint``, ``CheckpointManager``,
``latest_checkpoint``.

``Checkpoint(model=model, optimizer=opt)`` names every Variable by the path of
attributes (and list indices, dict keys) that leads to it from the checkpoint:
``model/layers/0/w``. Restoring matches those paths, so a freshly built model
and optimizer of the same structure take the saved values; nothing depends on
creation order or variable names. An optimizer's state is stored under the
path of the variable it belongs to (``optimizer/state/model/layers/0/w/m``), so
it follows the model too.

Files use ``tapegrad.checkpoint``'s format: one ``.npz`` of plain arrays, no
pickles, written atomically (a crash leaves the previous file whole), every
array validated before anything is assigned. ``save`` numbers the files
(``prefix-1``, ``prefix-2``, ...) and records them in a ``checkpoint`` text file
in their directory (TensorFlow's name and layout), which
``latest_checkpoint`` and ``CheckpointManager`` read.

Variables created after ``restore`` (a model that builds its weights on first
call) get their saved values when they are assigned as a Module's attribute
(TensorFlow's deferred restoration), with their optimizer state.

Differences from TensorFlow: one file per checkpoint, at exactly the path
returned (TensorFlow writes ``.index`` and ``.data-*`` files next to it); a
value restored into a variable of another shape or dtype raises at ``restore``
(not later); deferred restoration sees attribute assignments on Modules, not
a variable appended to a list that already exists.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import warnings
import weakref
from typing import Any

import numpy as np

from . import checkpoint as _format
from ._core.errors import InvalidArgumentError
from ._core.variable import Variable
from .errors import NotFoundError
from .module import Module, _assignment_observers, _leaves_with_paths
from .optimizers import Optimizer

__all__ = ["Checkpoint", "CheckpointManager", "latest_checkpoint", "list_variables",
           "load_variable"]

_VALUES = "variables/"
_STATE = "optimizer_state/"  # <optimizer path>/state/<variable path>/<slot>
_COUNTER = "__tapegrad__/save_counter"
_STATE_FILE = "checkpoint"


# --- the object graph ------------------------------------------------------------------
def _gather(objects: dict, root: Any = None, modules: list | None = None) -> tuple[list, list]:
    """``([(path, variable)], [(path, optimizer)])`` reachable from ``objects``, each once.

    The ``root`` object's own paths start at the top (``w``, not ``root/w``). ``modules``,
    if given, receives ``(path, module)`` for every Module met.
    """
    variables: list = []
    optimizers: list = []
    seen: set = set()
    found = [] if modules is None else modules
    if root is not None:
        _walk(root, "", variables, optimizers, seen, found)
    for key in sorted(objects):
        _walk(objects[key], key, variables, optimizers, seen, found)
    return variables, optimizers


def _join(path: str, name: Any) -> str:
    name = str(name)
    return f"{path}/{name}" if path and name else path or name


def _walk(obj: Any, path: str, variables: list, optimizers: list, seen: set,
          modules: list) -> None:
    if id(obj) in seen:
        return
    if isinstance(obj, Variable):
        seen.add(id(obj))
        variables.append((path, obj))
    elif isinstance(obj, Module) or callable(getattr(obj, "named_variables", None)):
        seen.add(id(obj))
        if isinstance(obj, Module):
            modules.append((path, obj))
            modules.extend((_join(path, "/".join(map(str, sub))), m)
                           for sub, m in obj._flatten(lambda m: isinstance(m, Module)))
        for name, v in obj.named_variables():
            _walk(v, _join(path, name), variables, optimizers, seen, modules)
    elif isinstance(obj, Optimizer) or _is_optimizer(obj):
        seen.add(id(obj))
        optimizers.append((path, obj))
    elif isinstance(obj, Checkpoint):
        seen.add(id(obj))
        if obj._root is not None:
            _walk(obj._root, path, variables, optimizers, seen, modules)
        for key in sorted(obj._objects):
            _walk(obj._objects[key], _join(path, key), variables, optimizers, seen, modules)
    elif isinstance(obj, (dict, list, tuple)):
        for sub, leaf in _leaves_with_paths(obj, ()):
            _walk(leaf, _join(path, "/".join(str(p) for p in sub)), variables, optimizers, seen,
                  modules)
    else:
        raise TypeError(
            f"Checkpoint: {path!r} is a {type(obj).__name__}; a checkpoint holds Variables, "
            "Modules, optimizers, Checkpoints and lists/dicts of them."
        )


def _is_optimizer(obj: Any) -> bool:
    """An optimizer by its state protocol (``_export_state``/``_import_state``, ``iterations``)."""
    return all(hasattr(obj, a) for a in ("_export_state", "_import_state", "iterations"))


# Optimizer state goes through these two functions only: the optimizer's per-variable state
# as arrays (``_export_state``) and back (``_import_state``), plus ``iterations``.
def _optimizer_arrays(path: str, optimizer: Any, variables: list) -> dict:
    arrays = {f"{_STATE}{path}/iterations": np.array(optimizer.iterations, np.int64)}
    for var_path, v in variables:
        for slot, value in (optimizer._export_state(v) or {}).items():
            arrays[f"{_STATE}{path}/state/{var_path}/{slot}"] = value
    return arrays


def _optimizer_restore(path: str, optimizer: Any, variables: list, saved: dict,
                       used: set, iterations: bool = True) -> list:
    """The updates that load ``optimizer``'s saved state; checks, assigns nothing."""
    updates: list = []
    key = f"{_STATE}{path}/iterations"
    if iterations and key in saved:
        used.add(key)
        updates.append(lambda n=int(saved[key]): setattr(optimizer, "iterations", n))
    slots = set(optimizer.get_slot_names()) | {"step"}
    for var_path, v in variables:
        prefix = f"{_STATE}{path}/state/{var_path}/"
        found = {k[len(prefix):]: a for k, a in saved.items() if k.startswith(prefix)
                 and "/" not in k[len(prefix):]}
        if not found:
            continue
        if set(found) != slots:
            raise InvalidArgumentError(
                f"Checkpoint.restore: the saved state of {path!r} for {var_path!r} has slots "
                f"{sorted(found)}, but this {type(optimizer).__name__} keeps {sorted(slots)}; "
                "restore into an optimizer configured as the one saved."
            )
        for slot, array in found.items():
            want = ((), np.dtype(np.int64)) if slot == "step" else (v.shape, v.dtype)
            if array.shape != want[0] or (slot != "step" and array.dtype != want[1]):
                raise InvalidArgumentError(
                    f"Checkpoint.restore: state {slot!r} of {var_path!r} has shape "
                    f"{array.shape} dtype {array.dtype.name}, expected shape {tuple(want[0])} "
                    f"dtype {np.dtype(want[1]).name}."
                )
        used.update(prefix + slot for slot in found)
        updates.append(lambda v=v, found=found: optimizer._import_state(v, found))
    return updates


# --- Checkpoint ---------------------------------------------------------------------------
class _Deferred:
    """Saved values still waiting for their variables (TensorFlow's deferred restoration).

    A model that creates its variables on first call has none when ``restore``
    runs. The Modules the checkpoint reaches report their attribute
    assignments (``module._assignment_observers``); a Variable assigned where
    a saved value waits gets it then, with its optimizer state. The wait ends
    when every value has found its variable or those Modules are all gone (as
    in TensorFlow, it does not depend on the Checkpoint object); values still
    unused then, and not expected (``expect_partial``), are warned about.
    """

    def __init__(self, path: str, saved: dict, used: set, modules: list, optimizers: list):
        self.path, self.saved, self.used, self.optimizers = path, saved, used, optimizers
        self.modules: dict = {}
        self.expected = False  # set by the status: a partial match is intended
        self.closed = False
        self.status_alive = True  # the warning waits until the status is gone too
        self.open = bool(self.pending() and modules)
        if self.open:
            for p, m in modules:
                self._watch(m, p)
            _assignment_observers.append(self)

    def _watch(self, module: Module, path: str) -> None:
        self.modules[id(module)] = (weakref.ref(module, self._module_gone), path)

    def _module_gone(self, ref: Any) -> None:
        if self.open and not any(r() is not None for r, _ in self.modules.values()):
            self.close()

    def checkpoint_gone(self) -> None:
        """The Checkpoint was collected: with no Module to wait on, the wait is over."""
        if not self.open:
            self.close()

    def pending(self) -> list:
        return [k for k in self.saved if k.startswith(_VALUES) and k not in self.used]

    def __call__(self, module: Module, name: str, value: Any) -> None:
        entry = self.modules.get(id(module))
        if entry is not None and entry[0]() is module:
            self._arrived(value, _join(entry[1], name))
            if not self.pending():
                self.close()

    def _arrived(self, value: Any, path: str) -> None:
        for sub, leaf in _leaves_with_paths(value, ()):
            leaf_path = _join(path, "/".join(map(str, sub)))
            if isinstance(leaf, Variable):
                self._restore(leaf_path, leaf)
            elif isinstance(leaf, Module):
                self._watch(leaf, leaf_path)
                for name, v in leaf.named_variables():
                    self._restore(_join(leaf_path, name), v)
                for sub_path, m in leaf._flatten(lambda m: isinstance(m, Module)):
                    self._watch(m, _join(leaf_path, "/".join(map(str, sub_path))))

    def _restore(self, var_path: str, v: Variable) -> None:
        key = _VALUES + var_path
        if key not in self.saved or key in self.used:
            return
        bad = _format._check_array(var_path, self.saved[key], v.shape, v.dtype)
        if bad:
            raise InvalidArgumentError(
                f"Checkpoint.restore({self.path!r}): the variable created at {var_path!r} does "
                f"not fit the saved value: {bad}."
            )
        updates = [lambda: v.assign(self.saved[key])]
        for opt_path, opt in self.optimizers:
            updates.extend(_optimizer_restore(opt_path, opt, [(var_path, v)], self.saved,
                                              self.used, iterations=False))
        for update in updates:
            update()
        self.used.add(key)

    def close(self) -> None:
        """Stop waiting (every value found its variable, or no Module is left to wait on)."""
        if self.open:
            self.open = False
            with contextlib.suppress(ValueError):
                _assignment_observers.remove(self)
        self.closed = True
        self._warn_if_unused()

    def status_gone(self) -> None:
        self.status_alive = False
        self._warn_if_unused()

    def _warn_if_unused(self) -> None:
        """Once waiting is over and the status is gone: warn about values never restored."""
        if not self.closed or self.status_alive:
            return
        left = self.pending()
        if left and not self.expected:
            self.expected = True  # (once)
            warnings.warn(
                f"Checkpoint.restore({self.path!r}): {len(left)} saved values were never "
                f"restored ({_format._listed(k.removeprefix(_VALUES) for k in left)}); check "
                "the status with assert_consumed(), or call expect_partial() if intended.",
                RuntimeWarning,
                stacklevel=2,
            )
        self.saved = {}  # free the arrays


class CheckpointLoadStatus:
    """What a ``restore`` matched: check it with ``assert_consumed`` or ``expect_partial``.

    Values restored later, into variables created after ``restore`` (deferred
    restoration), count as soon as they are restored.
    """

    def __init__(self, path: str | None, saved_keys: list, used: set, missing: list,
                 matched: int, deferred: _Deferred | None = None):
        self.save_path = path
        self._saved_keys = saved_keys
        self._used = used
        self._missing = sorted(missing)  # objects that found no value
        self._matched = matched
        self._deferred = deferred
        if deferred is not None:
            weakref.finalize(self, deferred.status_gone)

    def _unused(self) -> list:
        return sorted(k.removeprefix(_VALUES) for k in self._saved_keys if k not in self._used)

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Raise ``AssertionError`` unless every value was used and every object restored."""
        self.expect_partial()
        if self.save_path is None:
            raise AssertionError("No checkpoint specified (save_path=None); nothing restored.")
        unused = self._unused()
        if unused or self._missing:
            parts = []
            if unused:
                parts.append(f"values in the checkpoint not matched to any object: "
                             f"{_format._listed(unused)}")
            if self._missing:
                parts.append(f"objects with no value in the checkpoint: "
                             f"{_format._listed(self._missing)}")
            raise AssertionError(
                f"Checkpoint.restore({self.save_path!r}) did not match exactly: "
                + "; ".join(parts)
                + ". Build the same structure of objects as was saved, or call expect_partial()."
            )
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Raise ``AssertionError`` if an object of the checkpoint found no value."""
        self.expect_partial()
        if self._missing:
            raise AssertionError(
                f"Checkpoint.restore({self.save_path!r}): objects with no value in the "
                f"checkpoint: {_format._listed(self._missing)}."
            )
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        """Raise ``AssertionError`` if nothing at all was restored."""
        self.expect_partial()
        restored = self._matched + sum(1 for k in self._used if k.startswith(_VALUES))
        if not restored:
            raise AssertionError(
                f"Checkpoint.restore({self.save_path!r}) matched no object: is it a checkpoint "
                "of another model?"
            )
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        """Say that a partial match is intended (no warning about unused values)."""
        if self._deferred is not None:
            self._deferred.expected = True
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to run: eager restores assign at once."""


class Checkpoint:
    """Save and restore Variables, Modules and optimizers by their attribute paths.

    Args:
        root: an optional object (a Module, a dict...) whose variables are tracked
            at the top level (``w`` rather than ``model/w``).
        **kwargs: the objects to track: Variables, Modules, optimizers, other
            Checkpoints, and lists, tuples and dicts of them.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> model = tf.Module()
    >>> model.w = tf.Variable([1.0, 2.0])
    >>> ckpt = tf.train.Checkpoint(model=model)
    >>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> os.path.basename(path)
    'ckpt-1'
    >>> fresh = tf.Module()
    >>> fresh.w = tf.Variable([0.0, 0.0])
    >>> _ = tf.train.Checkpoint(model=fresh).restore(path).assert_consumed()
    >>> fresh.w.numpy().tolist()
    [1.0, 2.0]
    """

    def __init__(self, root: Any = None, **kwargs: Any):
        objects = dict(kwargs)
        for key, value in objects.items():
            if value is None:
                raise InvalidArgumentError(f"Checkpoint: the object {key!r} is None.")
        self._objects = objects
        self._root = root
        self._deferred: _Deferred | None = None
        self._finalizer = weakref.finalize(self, lambda: None)
        self.save_counter = Variable(0, trainable=False, name="save_counter", dtype="int64")
        _gather(objects, root)  # fail now on objects a checkpoint cannot hold

    def __getattr__(self, name: str) -> Any:
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(f"Checkpoint has no object {name!r}.")

    def _arrays(self) -> dict:
        variables, optimizers = _gather(self._objects, self._root)
        arrays: dict = {_format.FORMAT_KEY: np.array(_format.FORMAT),
                        _COUNTER: np.array(int(self.save_counter.numpy()), np.int64)}
        for path, v in variables:
            arrays[_VALUES + path] = np.asarray(v._value)
        for path, opt in optimizers:
            arrays.update(_optimizer_arrays(path, opt, variables))
        return arrays

    def write(self, file_prefix: Any, options: Any = None) -> str:
        """Write the objects' values to ``file_prefix`` (no numbering); returns the path."""
        path = os.fspath(file_prefix)
        _format._write_atomically(path, self._arrays())
        return path

    def save(self, file_prefix: Any, options: Any = None) -> str:
        """Write ``file_prefix-N`` (N counts this checkpoint's saves) and record it as latest.

        Returns:
            The path written, ``file_prefix-N``.
        """
        self.save_counter.assign_add(1)
        path = f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}"
        try:
            self.write(path)
        except BaseException:
            self.save_counter.assign_sub(1)
            raise
        full = os.path.abspath(path)
        directory = os.path.dirname(full)
        kept = [p for p in _read_state(directory)[1] if p != full and os.path.isfile(p)]
        _write_state(directory, full, kept + [full])
        return path

    def read(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus:
        """Restore from ``save_path`` (a file from ``write`` or ``save``)."""
        return self.restore(save_path)

    def restore(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus:
        """Load the values saved at ``save_path`` into the objects whose paths match.

        Every matched value is checked (shape, dtype, optimizer slots) before any
        is assigned: a mismatch raises ``InvalidArgumentError`` and changes
        nothing. Values without an object, and objects without a value, are
        reported by the returned status (``assert_consumed``).

        Raises:
            NotFoundError: no checkpoint at ``save_path`` (also a FileNotFoundError).
            InvalidArgumentError: the file is not a readable checkpoint, or a value
                does not fit its object.
        """
        if save_path is None:
            return CheckpointLoadStatus(None, [], set(), [], 0)
        path = os.fspath(save_path)
        if not os.path.isfile(path):
            raise NotFoundError(
                f"Checkpoint.restore: no checkpoint file at {path!r}. Use the path that "
                "save() returned, or tf.train.latest_checkpoint(directory)."
            )
        try:
            saved = _format._load(path, "restore")
        except ValueError as err:
            raise InvalidArgumentError(str(err).replace("checkpoint.restore",
                                                        "Checkpoint.restore")) from None
        modules: list = []
        variables, optimizers = _gather(self._objects, self._root, modules)
        used = {_format.FORMAT_KEY}
        updates: list = []
        missing: list = []
        problems: list = []
        for var_path, v in variables:
            key = _VALUES + var_path
            if key not in saved:
                missing.append(var_path)
                continue
            used.add(key)
            bad = _format._check_array(var_path, saved[key], v.shape, v.dtype)
            if bad:
                problems.append(bad)
            updates.append(lambda v=v, a=saved[key]: v.assign(a))
        if problems:
            raise InvalidArgumentError(
                f"Checkpoint.restore: {path!r} does not fit these objects; variable "
                + "; variable ".join(problems[:8])
                + (f"; ... ({len(problems)} mismatches)" if len(problems) > 8 else "")
                + ". Build the objects with the shapes and dtypes that were saved."
            )
        for opt_path, opt in optimizers:
            updates.extend(_optimizer_restore(opt_path, opt, variables, saved, used))
        if _COUNTER in saved:
            used.add(_COUNTER)
            updates.append(lambda n=int(saved[_COUNTER]): self.save_counter.assign(n))
        for update in updates:  # everything checked: assign
            update()
        if self._deferred is not None:  # a new restore replaces the wait of the last one
            self._deferred.close()
        self._deferred = _Deferred(path, saved, used, modules, optimizers)
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, self._deferred.checkpoint_gone)
        matched = len(variables) - len(missing)
        return CheckpointLoadStatus(path, list(saved), used, missing, matched, self._deferred)

    def __repr__(self) -> str:
        return f"<tapegrad.train.Checkpoint of {sorted(self._objects)}>"


# --- the state file and the manager -----------------------------------------------------
def _read_state(directory: str, name: str = _STATE_FILE) -> tuple[str | None, list]:
    """``(latest, all paths)`` from ``directory/checkpoint``; paths made absolute."""
    try:
        with open(os.path.join(directory, name)) as file:
            text = file.read()
    except OSError:
        return None, []
    found = re.findall(r'^(model_checkpoint_path|all_model_checkpoint_paths): "(.*)"$', text,
                       re.MULTILINE)
    latest = None
    paths = []
    for key, value in found:
        value = value.replace('\\"', '"').replace("\\\\", "\\")
        full = value if os.path.isabs(value) else os.path.join(directory, value)
        if key == "model_checkpoint_path":
            latest = full
        else:
            paths.append(full)
    return latest, paths


def _write_state(directory: str, latest: str, paths: list) -> None:
    def entry(key: str, path: str) -> str:
        inside = os.path.dirname(os.path.abspath(path)) == directory
        rel = os.path.relpath(path, directory) if inside else path
        return f'{key}: "' + rel.replace("\\", "\\\\").replace('"', '\\"') + '"\n'

    text = entry("model_checkpoint_path", latest) + "".join(
        entry("all_model_checkpoint_paths", p) for p in paths)
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", dir=directory)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text)
        os.replace(tmp, os.path.join(directory, _STATE_FILE))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def latest_checkpoint(checkpoint_dir: Any, latest_filename: Any = None) -> str | None:
    """The path of the newest checkpoint saved in ``checkpoint_dir``, or None.

    >>> import tempfile
    >>> import tapegrad as tf
    >>> tf.train.latest_checkpoint(tempfile.mkdtemp()) is None
    True
    """
    directory = os.path.abspath(os.fspath(checkpoint_dir))
    latest, _ = _read_state(directory, latest_filename or _STATE_FILE)
    return latest if latest is not None and os.path.isfile(latest) else None


def _checkpoint_file(ckpt_dir_or_file: Any, op: str) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise NotFoundError(f"{op}: no checkpoint recorded in the directory {path!r}.")
        return latest
    if not os.path.isfile(path):
        raise NotFoundError(f"{op}: no checkpoint file at {path!r}.")
    return path


def list_variables(ckpt_dir_or_file: Any) -> list:
    """``(name, shape)`` of every variable in a checkpoint (a file, or a directory's latest).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = tf.train.Checkpoint(w=tf.Variable([1.0, 2.0])).write(
    ...     os.path.join(tempfile.mkdtemp(), "c"))
    >>> tf.train.list_variables(path)
    [('w', [2])]
    """
    path = _checkpoint_file(ckpt_dir_or_file, "list_variables")
    return [(name, list(shape)) for name, shape, _ in _format.list_variables(path)]


def load_variable(ckpt_dir_or_file: Any, name: str) -> np.ndarray:
    """The saved value of the variable ``name`` (a path from :func:`list_variables`)."""
    path = _checkpoint_file(ckpt_dir_or_file, "load_variable")
    arrays = _format._load(path, "load_variable")
    if _VALUES + name not in arrays:
        names = [k.removeprefix(_VALUES) for k in arrays if k.startswith(_VALUES)]
        raise NotFoundError(
            f"load_variable: {path!r} holds no variable {name!r}; it holds "
            f"{_format._listed(names)}."
        )
    return arrays[_VALUES + name]


class CheckpointManager:
    """Numbered saves of a ``Checkpoint`` in a directory, keeping the newest ``max_to_keep``.

    Args:
        checkpoint: the ``train.Checkpoint`` to save.
        directory: where the files (``ckpt-1``, ``ckpt-2``, ...) and the
            ``checkpoint`` state file go; created if missing.
        max_to_keep: how many to keep (None keeps all); older ones are deleted.
        checkpoint_name: the files' prefix (``"ckpt"``).

    >>> import tempfile
    >>> import tapegrad as tf
    >>> v = tf.Variable(1.0)
    >>> manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), tempfile.mkdtemp(), 2)
    >>> paths = [manager.save() for _ in range(3)]
    >>> [p.rsplit("/", 1)[-1] for p in manager.checkpoints], manager.latest_checkpoint == paths[-1]
    (['ckpt-2', 'ckpt-3'], True)
    """

    def __init__(self, checkpoint: Checkpoint, directory: Any, max_to_keep: int | None,
                 keep_checkpoint_every_n_hours: Any = None, checkpoint_name: str = "ckpt",
                 step_counter: Any = None, checkpoint_interval: Any = None,
                 init_fn: Any = None):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(
                f"CheckpointManager: checkpoint must be a tapegrad.train.Checkpoint, got "
                f"{type(checkpoint).__name__}."
            )
        if max_to_keep is not None and (not isinstance(max_to_keep, int) or max_to_keep < 1):
            raise InvalidArgumentError(
                f"CheckpointManager: max_to_keep must be a positive int or None, got "
                f"{max_to_keep!r}."
            )
        self._checkpoint = checkpoint
        self.directory = os.path.abspath(os.fspath(directory))
        self._max_to_keep = max_to_keep
        self._prefix = os.path.join(self.directory, checkpoint_name)
        self._init_fn = init_fn
        os.makedirs(self.directory, exist_ok=True)
        _, paths = _read_state(self.directory)
        self._checkpoints = [p for p in paths if os.path.isfile(p)]

    @property
    def checkpoints(self) -> list:
        """The kept checkpoints' paths, oldest first."""
        return list(self._checkpoints)

    @property
    def latest_checkpoint(self) -> str | None:
        return self._checkpoints[-1] if self._checkpoints else None

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    def save(self, checkpoint_number: Any = None, check_interval: bool = True,
             options: Any = None) -> str:
        """Save a new numbered checkpoint, delete those past ``max_to_keep``; returns its path."""
        if checkpoint_number is not None:
            self._checkpoint.save_counter.assign(int(checkpoint_number) - 1)
        path = self._checkpoint.save(self._prefix)
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        if self._max_to_keep is not None:
            while len(self._checkpoints) > self._max_to_keep:
                old = self._checkpoints.pop(0)
                with contextlib.suppress(FileNotFoundError):
                    os.remove(old)
        _write_state(self.directory, path, self._checkpoints)
        return path

    def restore_or_initialize(self) -> str | None:
        """Restore the latest checkpoint if any (returns its path), else run ``init_fn``."""
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None
