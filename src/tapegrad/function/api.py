"""``tapegrad.function``: trace a Python function once, then run its generated code.

The first call with a new signature runs the function eagerly while the tracer
records every primitive (forward ops, the backward pass of tapes inside,
Variable reads and assignments, optimizer updates); the trace becomes one
generated Python function on arrays (:mod:`.codegen`). Later calls with the same
signature run that program. Retracing follows TensorFlow's rules
(:mod:`.spec`); Python ``if``/``while`` on tensor values become guards; a guard
that fails traces the other path, cached as a variant.

What to know:

* Python side effects (``print``, appending to a list, ``tg.random.set_seed``) run
  when a signature is traced, not on every call (``tapegrad.print`` runs every call).
* A guard that fails part-way restores the Variables the program assigned and the
  random streams, then traces the new path by running the function: ops before
  the guard run again, so ``tapegrad.print`` before it prints twice for that call.
* An unused random draw is dropped with the dead code (so Variables initialised
  from random values on the first call draw nothing on later calls, as eagerly).
* Values are followed through ops and the arrays ops hand each other; a NumPy
  computation on ``tensor._value`` inside an op's wrapper would be invisible and
  kept as a constant of the trace. So the ops' wrappers pass a tensor's own array
  on (index arrays), or read it as Python values that become guards (shapes,
  axes, paddings, slice bounds through ``int()``; index arrays that a wrapper
  turns into other arrays in NumPy, such as ``gather_nd``'s, ``boolean_mask``'s
  and segment ids, through ``ops._args.read_values``: new values trace a variant).
  ``.numpy()`` and ``np.asarray`` on a traced value are seen: the function then
  runs eagerly, with a warning.
* A returned Variable comes back from compiled calls as a tensor of its value.
* The tracing call keeps every intermediate array until it ends (array identities
  must stay unique); the generated program frees large arrays after their last use.
"""

from __future__ import annotations

import functools
import threading
import warnings
import weakref
from typing import Any

import numpy as np

from .._core import nest
from .._core.indexed_slices import IndexedSlices
from .._core.primitive import _FAILURES, _describe_failure
from .._core.record import InputSpec
from .._core.state import state
from .._core.tensor import Tensor, new_id, to_array
from ..ops import random as random_ops
from . import codegen
from .codegen import GuardFailed, generate
from .spec import TensorSpec, arguments_key, matches, relax, substitute
from .trace import Trace, current, recording

__all__ = ["function", "Function", "ConcreteFunction", "run_functions_eagerly",
           "functions_run_eagerly", "MAX_VARIANTS"]

MAX_VARIANTS = 8  # guard variants of one signature before the function runs eagerly
_eagerly = [False]


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Run every ``tapegrad.function`` as plain Python (for debugging), or compile again.

    >>> import tapegrad as tg
    >>> tg.config.run_functions_eagerly(True); tg.config.functions_run_eagerly()
    True
    >>> tg.config.run_functions_eagerly(False)
    """
    _eagerly[0] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether ``run_functions_eagerly(True)`` is in effect.

    >>> import tapegrad as tg
    >>> tg.config.functions_run_eagerly()
    False
    """
    return _eagerly[0]


class Graph:
    """The op list of a compiled program: ``str()`` lists it, ``dot()`` draws it."""

    def __init__(self, program: codegen.Program, inputs: list, outputs: list):
        self.operations = [node for _, node in sorted(program.lines.items())]
        self.inputs = inputs
        self.outputs = outputs

    def __str__(self) -> str:
        rows = []
        for node in self.operations:
            kind = node.__class__.__name__
            if kind == "Op":
                rows.append(f"{', '.join(node.outputs)} = {node.prim.name}"
                            f"({', '.join(node.inputs)})")
            elif kind == "Load":
                rows.append(f"{node.output} = read {node.variable.name}")
            elif kind == "Assign":
                rows.append(f"{node.how} {node.variable.name} <- {node.value}")
            else:
                rows.append(f"guard {node.how}({node.value}) == {node.expected!r}")
        return "\n".join(rows)

    def __len__(self) -> int:
        return len(self.operations)

    def dot(self) -> Any:
        """The program as a Graphviz graph (``debugging``'s ``TapeGraph``: render, SVG)."""
        from ..debugging.graph import TapeGraph, _quote

        lines = ["digraph program {", "  rankdir=TB;"]
        values: set = set()
        for i, node in enumerate(self.operations):
            kind = node.__class__.__name__
            label = node.prim.name if kind == "Op" else kind.lower()
            lines.append(f"  op{i} [shape=box, label={_quote(label)}];")
            ins = node.inputs if kind == "Op" else [node.value] if kind in ("Assign", "Guard") \
                else []
            outs = node.outputs if kind == "Op" else [node.output] if kind == "Load" else []
            for name in ins:
                values.add(name)
                lines.append(f"  {name} -> op{i};")
            for name in outs:
                values.add(name)
                lines.append(f"  op{i} -> {name};")
        for name in sorted(values):
            lines.append(f"  {name} [shape=ellipse, label={_quote(name)}];")
        lines.append("}")
        return TapeGraph("\n".join(lines) + "\n", len(self.operations), len(values))

    def _repr_svg_(self) -> str | None:
        return self.dot()._repr_svg_()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return self.dot()._repr_mimebundle_(include, exclude)  # without Graphviz: the DOT text


class ConcreteFunction:
    """One traced signature of a function: its generated program and how to call it.

    ``.source`` is the generated Python; ``.graph`` its op list;
    ``structured_input_signature`` and ``structured_outputs`` describe its arguments and
    results (tensors as ``TensorSpec``).
    """

    def __init__(self, owner: Function, trace: Trace, out: Any, args: tuple, kwargs: dict):
        leaves, self._treedef = nest.flatten(out)
        names: list[str] = []
        kinds: list = []  # per leaf: None (a tensor output, from the program) or the value
        for leaf in leaves:
            if isinstance(leaf, Tensor):  # (a Variable gives its value at the end, as TF)
                names.append(trace.name_of(leaf))
                kinds.append(None)
            elif isinstance(leaf, IndexedSlices):  # values and indices from the program
                names += [trace.name_of(leaf.values), trace.name_of(leaf.indices)]
                kinds.append(("slices", leaf.dense_shape))
            else:
                kinds.append((leaf,))
        self._owner = owner
        self._kinds = kinds
        self._single = len(leaves) == 1 and kinds[0] is None and self._treedef is None
        self._program = generate(trace, names, owner.__name__)
        self._fn = self._program.fn
        self.children: dict = {}
        nodes = self._program.lines.values()
        has_guards = any(n.__class__.__name__ == "Guard" for n in nodes)
        self._restore = [v for v, _ in trace.assigned.values()] if has_guards else None
        self._draws = has_guards and any(getattr(getattr(n, "prim", None), "stateful", False)
                                         for n in nodes)  # random draws before a guard
        found = {id(n.variable): n.variable for n in self._program.lines.values()
                 if hasattr(n, "variable")}
        self.variables = list(found.values())  # the Variables the program reads or assigns

        def spec(x: Any) -> Any:
            return TensorSpec.from_tensor(x) if isinstance(x, Tensor) and not x._is_variable \
                else x
        self.structured_input_signature = (nest.map_structure(spec, args),
                                           nest.map_structure(spec, kwargs))
        self.structured_outputs = nest.map_structure(spec, out)

    @property
    def source(self) -> str:
        """The generated Python function (one line per op, the user's file:line as comments)."""
        return self._program.source

    @property
    def graph(self) -> Graph:
        return Graph(self._program, [], [])

    @property
    def name(self) -> str:
        return self._owner.__name__

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self.name} ({self._program.n_nodes} ops)>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._owner(*args, **kwargs)

    def _run(self, arrays: list) -> Any:
        """Run the program on arrays and rebuild the outputs (GuardFailed passes through)."""
        try:
            outs = self._fn(*arrays)
        except GuardFailed:
            raise
        except Exception as err:
            explained = self._explained(err)
            if explained is err:
                raise
            raise explained from err
        if self._single:
            t = object.__new__(Tensor)  # (Tensor._wrap, without the call)
            t._value = outs[0]
            t._id = new_id()
            return t
        it = iter(outs)
        leaves = [Tensor._wrap(next(it)) if k is None else k[0] if len(k) == 1 else
                  IndexedSlices(Tensor._wrap(next(it)), Tensor._wrap(next(it)), k[1])
                  for k in self._kinds]
        return nest.unflatten(self._treedef, leaves)

    def _explained(self, err: Exception) -> Exception:
        """The error eager execution raises for the failing op, naming the user's line."""
        tb = err.__traceback__
        node = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self._program.filename:
                node = self._program.lines.get(tb.tb_lineno)
            tb = tb.tb_next
        if node is None:
            return err
        where = f"{node.line[0]}:{node.line[1]}"
        if node.__class__.__name__ == "Op":
            if isinstance(err, _FAILURES):
                specs = tuple(InputSpec(s, d) for s, d in node.metas)
                err = _describe_failure(node.prim, specs, node.params, err)
            what = f"op {node.prim.name}"
        else:
            what = node.__class__.__name__.lower()
        err.add_note(f"In the compiled function {self.name!r}: {what}, recorded at {where}.")
        return err


class _Signature:
    """The programs of one user-visible signature: a variant tree per concrete shape."""

    def __init__(self, key: Any):
        self.key = key
        self.roots: dict = {}
        self.variants = 0
        self.eager = False


class Function:
    """A Python function compiled on its first call per signature (``tapegrad.function``).

    Calls from inside another traced function run inline; calls while an outer
    ``GradientTape`` or ``ForwardAccumulator`` records on this thread run the Python
    function eagerly, so gradients through it are eager's (to any order, with
    ``jacobian``, ``batch_jacobian`` and ``tape.explain``).
    """

    def __init__(self, python_function: Any, input_signature: Any = None, autograph: bool = True,
                 jit_compile: Any = None, reduce_retracing: bool = False, name: str | None = None):
        self._python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        self._autograph = autograph
        self._jit_compile = jit_compile
        self._reduce_retracing = bool(reduce_retracing)
        functools.update_wrapper(self, python_function, updated=())
        self.__name__: str = name or getattr(python_function, "__name__", None) or "function"
        self._lock = threading.RLock()
        self._fast: dict = {}  # concrete key -> (signature, root program)
        self._signatures: list[_Signature] = []
        self._tracing_count = 0
        self._eager_reason: str | None = None
        self._objects: list = []  # arguments keyed by identity, kept alive
        self._bound: Any = weakref.WeakKeyDictionary()

    @property
    def python_function(self) -> Any:
        return self._python_function

    def experimental_get_tracing_count(self) -> int:
        """How many signatures were traced (TensorFlow's count; guard variants not included).

        >>> import tapegrad as tg
        >>> f = tg.function(lambda x: x + 1.0)
        >>> _ = f(tg.constant(1.0)); _ = f(tg.constant(2.0)); _ = f(tg.constant([1.0]))
        >>> f.experimental_get_tracing_count()
        2
        """
        return self._tracing_count

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        try:
            bound = self._bound.get(instance)
        except TypeError:  # not weak-referenceable: a new function per access
            bound = None
        if bound is None:
            ref = weakref.ref(instance) if _weakrefable(instance) else (lambda: instance)
            fn = self._python_function

            def method(*args: Any, **kwargs: Any) -> Any:
                return fn(ref(), *args, **kwargs)

            method.__name__ = self.__name__
            bound = Function(method, self.input_signature, self._autograph, self._jit_compile,
                             self._reduce_retracing, self.__name__)
            if _weakrefable(instance):
                self._bound[instance] = bound
        return bound

    # --- calling ----------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _eagerly[0] or self._eager_reason is not None or current() is not None:
            return self._python_function(*args, **kwargs)
        st = state
        if st.tapes or st.accumulators:  # differentiate through it: eager execution
            return self._python_function(*args, **kwargs)
        tensors: list = []
        objects: list = []
        if kwargs:
            key = arguments_key((args, kwargs), tensors, objects)
        else:
            key = arguments_key(args, tensors, objects)
        found = self._fast.get(key)
        if found is not None:
            sig, root = found
            if not sig.eager:
                return self._run(sig, key, root, tensors, args, kwargs)
        return self._slow_call(key, tensors, objects, args, kwargs)

    def _slow_call(self, key: Any, tensors: list, objects: list, args: tuple,
                   kwargs: dict) -> Any:
        with self._lock:
            found = self._fast.get(key)
            if found is None:
                if self.input_signature is not None:
                    tensors, args, kwargs = self._bind_signature(args, kwargs)
                sig = self._signature(key)
                result, root = self._trace(sig, key, tensors, args, kwargs, live=True)
                if root is not None:
                    sig.roots[key] = root
                    self._fast[key] = (sig, root)
                    self._objects.extend(objects)
                return result
        sig, root = found
        if sig.eager:
            return self._python_function(*args, **kwargs)
        return self._run(sig, key, root, tensors, args, kwargs)

    def _signature(self, key: Any) -> _Signature:
        """The user-visible signature of a concrete key (counting a new one as a trace)."""
        if self.input_signature is not None:
            if not self._signatures:
                self._signatures.append(_Signature("input_signature"))
                self._tracing_count += 1
            return self._signatures[0]
        if self._reduce_retracing:
            for sig in self._signatures:
                if matches(sig.key, key):
                    return sig
            for sig in self._signatures:
                general = relax(sig.key, key)
                if general is not None:
                    new = _Signature(general)
                    self._signatures.append(new)
                    self._tracing_count += 1
                    return new
        new = _Signature(key)
        self._signatures.append(new)
        self._tracing_count += 1
        return new

    def _bind_signature(self, args: tuple, kwargs: dict) -> tuple:
        """Check the arguments against ``input_signature`` (TensorFlow's TypeError)."""
        specs = self.input_signature or []
        if kwargs or len(args) != len(specs):
            raise TypeError(
                f"{self.__name__}: input_signature declares {len(specs)} positional arguments, "
                f"got {len(args)} positional and {len(kwargs)} keyword arguments. Call it with "
                "exactly the arguments the signature lists."
            )
        spec_leaves, _ = nest.flatten(specs)
        arg_leaves, _ = nest.flatten(list(args))
        if len(spec_leaves) != len(arg_leaves):
            raise TypeError(f"{self.__name__}: the arguments do not match the structure of "
                            f"input_signature {specs}.")
        tensors = []
        for i, (s, a) in enumerate(zip(spec_leaves, arg_leaves)):
            value = a if isinstance(a, Tensor) else Tensor._wrap(to_array(a, s.dtype))
            if not s.is_compatible_with(value):
                raise TypeError(
                    f"{self.__name__}: argument {i} (shape {value.shape}, dtype "
                    f"{value.dtype.name}) does not match input_signature's {s}. Pass a "
                    "compatible tensor, or widen the signature (None for any size)."
                )
            tensors.append(value)
        rebuilt = nest.unflatten(nest.flatten(list(args))[1], tensors)
        return tensors, tuple(rebuilt), {}

    def _run(self, sig: _Signature, key: Any, cf: ConcreteFunction, tensors: list,
             args: tuple, kwargs: dict) -> Any:
        arrays = [(t if t._is_variable else t._value) if isinstance(t, Tensor) else np.asarray(t)
                  for t in tensors]
        while True:
            saved = None if cf._restore is None else [(v, v._value) for v in cf._restore]
            rng = random_ops.get_state() if cf._draws else None
            try:
                return cf._run(arrays)
            except GuardFailed as failed:
                for v, value in saved or ():
                    v._value = value
                if rng is not None:  # rewind the draws, so that seeded runs repeat eagerly
                    random_ops.set_state(rng)
                child = cf.children.get(failed.key)
                if child is None:
                    return self._new_variant(sig, key, cf, failed.key, tensors, args, kwargs)
                cf = child

    def _new_variant(self, sig: _Signature, key: Any, parent: ConcreteFunction, guard: Any,
                     tensors: list, args: tuple, kwargs: dict) -> Any:
        with self._lock:
            if sig.eager:
                return self._python_function(*args, **kwargs)
            if sig.variants + 1 >= MAX_VARIANTS:
                sig.eager = True
                warnings.warn(
                    f"tapegrad.function {self.__name__!r}: {MAX_VARIANTS} variants traced for "
                    f"one signature (Python control flow on tensor values taking new paths at "
                    f"{_line_text(parent, guard)}); it runs eagerly from now on.",
                    RuntimeWarning, stacklevel=4)
                return self._python_function(*args, **kwargs)
            result, child = self._trace(sig, key, tensors, args, kwargs, live=True)
            if child is not None:
                parent.children[guard] = child
                sig.variants += 1
            return result

    # --- tracing ----------------------------------------------------------------------
    def _trace(self, sig: _Signature, key: Any, tensors: list, args: tuple, kwargs: dict,
               live: bool) -> tuple:
        """Run the function eagerly while recording; returns (its result, the program)."""
        trace = Trace(self.__name__)
        seen: set = set()
        inputs = []
        for t in tensors:
            if isinstance(t, Tensor) and t._is_variable:
                trace.add_variable(t)
                inputs.append(t)
                continue
            if isinstance(t, TensorSpec):
                shape = tuple(1 if d is None else d for d in (t.shape or ()))
                array: Any = np.ones(shape, t.dtype)
            else:
                array = t._value if isinstance(t, Tensor) else to_array(t)
            if id(array) in seen:  # one array in two places: two inputs
                array = np.array(array) if isinstance(array, np.ndarray) else array.copy()
            seen.add(id(array))
            wrapped = Tensor._wrap(array)
            trace.add_input(wrapped)
            inputs.append(wrapped)
        it = iter(inputs)
        call_args = substitute(args, it)
        call_kwargs = substitute(kwargs, it)
        first = self._tracing_count <= 1 and not any(s.roots for s in self._signatures)
        try:
            with recording(trace):
                out = self._python_function(*call_args, **call_kwargs)
        finally:
            if not live:
                for v, value in trace.assigned.values():
                    v._value = value
        if trace.created and not first:
            raise ValueError(
                f"tapegrad.function {self.__name__!r} created a Variable on a call after its "
                "first trace. As in tf.function, Variables may be created on the first call "
                "only: create them outside the function, or once (e.g. `if self.v is None`)."
            )
        if trace.unsupported is not None:
            how, (file, line) = trace.unsupported
            self._eager_reason = f"{how} at {file}:{line}"
            warnings.warn(
                f"tapegrad.function {self.__name__!r}: a traced tensor was read with {how} at "
                f"{file}:{line}, so the function cannot be compiled; it runs eagerly from now "
                "on. Use tapegrad ops (or tapegrad.print) instead of NumPy on tensors inside it.",
                RuntimeWarning, stacklevel=4)
            return out, None
        cf = ConcreteFunction(self, trace, out, call_args, call_kwargs)
        return out, cf

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The program for these arguments (tensors or ``TensorSpec``), tracing it if needed.

        Tracing here runs the function on the arguments (ones for a ``TensorSpec``) and then
        restores every Variable it assigned.

        >>> import tapegrad as tg
        >>> f = tg.function(lambda x: tg.exp(x) * 2.0)
        >>> print(f.get_concrete_function(tg.TensorSpec([3])).source.splitlines()[0])
        def _lambda_(x1):
        """
        if not args and not kwargs and self.input_signature is not None:
            args = tuple(self.input_signature)
        tensors: list = []
        objects: list = []
        key = arguments_key((args, kwargs) if kwargs else args, tensors, objects)
        found = self._fast.get(key)
        if found is not None:
            return found[1]
        with self._lock:
            sig = self._signature(key)
            _, cf = self._trace(sig, key, tensors, args, kwargs, live=False)
            if cf is None:
                raise ValueError(f"tapegrad.function {self.__name__!r} cannot be compiled: "
                                 f"{self._eager_reason}.")
            if not any(isinstance(t, TensorSpec) for t in tensors):
                sig.roots[key] = cf
                self._fast[key] = (sig, cf)
                self._objects.extend(objects)
            return cf

    def __repr__(self) -> str:
        return f"<tapegrad.function {self.__name__}>"


def _weakrefable(obj: Any) -> bool:
    try:
        weakref.ref(obj)
    except TypeError:
        return False
    return True


def _line_text(cf: ConcreteFunction, guard: Any) -> str:
    """The user's line of the guard that failed (``guard`` is its (index, value) key)."""
    node = cf._program.guards.get(guard[0])
    return "an unknown line" if node is None else f"{node.line[0]}:{node.line[1]}"


def function(func: Any = None, input_signature: Any = None, autograph: bool = True,
             jit_compile: Any = None, reduce_retracing: bool = False,
             experimental_relax_shapes: Any = None, name: str | None = None) -> Any:
    """Compile a Python function on tapegrad tensors, as ``tf.function``.

    The first call per signature runs the function and records every op it runs
    (forward, the gradients of any tape inside, Variable updates); later calls run the
    generated NumPy code (``f.get_concrete_function(x).source``). Python ``if`` and
    ``while`` on tensor values work: each becomes a guard, and a new path is traced
    as a variant. Calls while an outer tape or accumulator records run eagerly.

    Args:
        func: the function; without it, a decorator is returned.
        input_signature: a list of ``TensorSpec``: one program for every call that fits.
        autograph: accepted for TensorFlow compatibility (guards need no conversion).
        jit_compile: accepted for compatibility (the program is always generated code).
        reduce_retracing: after a second shape, trace once for shapes with None dims.
        experimental_relax_shapes: the older name of ``reduce_retracing``.
        name: a name for the program.

    Returns:
        A :class:`Function`.

    >>> import tapegrad as tg
    >>> @tg.function
    ... def f(x):
    ...     return x * x + 1.0
    >>> f(tg.constant(3.0)).numpy()
    np.float32(10.0)
    """
    relax_shapes = bool(reduce_retracing or experimental_relax_shapes)

    def decorate(fn: Any) -> Function:
        return Function(fn, input_signature, autograph, jit_compile, relax_shapes, name)

    return decorate if func is None else decorate(func)
