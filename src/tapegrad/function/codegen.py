"""Code generation: a trace becomes one plain Python function on arrays.

One line per kept node, in the order the trace ran them::

    def loss_and_grad(x1, x2):
        t3 = matmul(x1, x2)  # model.py:12
        ...
        return (t9, t14)

``matmul`` is the primitive's forward function itself: no tensors, dispatch,
conversion or tape remain, so the results are the eager results bit for bit.
Dead nodes (whose values nothing kept uses) are dropped; Variable reads,
assignments, guards and effects (``print``, checks) are always kept. A large
intermediate array is deleted after its last use, so peak memory does not exceed
eager execution's. The source is registered with ``linecache``: tracebacks and
debuggers show the generated lines.
"""

from __future__ import annotations

import keyword
import linecache
import math
import operator
import re
from typing import Any

from .trace import Assign, Guard, Load, Op, Trace, values

__all__ = ["generate", "GuardFailed", "EFFECTS", "Program"]

EFFECTS: set = set()  # primitives run for their effect (print, checks): never dropped
_DELETE_FROM = 4096  # elements: arrays this large are deleted after their last use
_RESERVED = {"_guard", "_same", "_int", "_float", "_complex", "_bool"}
_counter = [0]
# Primitives whose forward function is Python's operator: written as the operator itself
# (one bytecode instead of a call), the op's name stays in the line's comment.
_INFIX = {operator.mul: "*", operator.add: "+", operator.sub: "-", operator.truediv: "/",
          operator.matmul: "@"}


class GuardFailed(Exception):
    """A value the trace turned into a Python value differs now: another variant is needed."""

    def __init__(self, index: int, value: Any):
        super().__init__(index, value)
        self.key = (index, value)


def _guard(index: int, value: Any, how: str) -> None:
    convert: Any = {"bool": bool, "int": int, "float": float, "complex": complex,
                    "values": values}[how]
    raise GuardFailed(index, convert(value))


def _same(value: Any, expected: Any, how: str) -> bool:
    if how == "values":  # (a tuple: equal, nan matching nan)
        items = values(value)
        return items == expected or (len(items) == len(expected) and all(
            a == b or (a != a and b != b) for a, b in zip(items, expected)))
    got = float(value) if how == "float" else complex(value)
    return got == expected or (got != got and expected != expected)


def _literal(value: Any) -> bool:
    """Whether ``repr(value)`` is a Python literal giving back an equal value of its type."""
    t = type(value)
    if value is None or t in (bool, int, str):
        return True
    if t is float:
        return math.isfinite(value)
    if t is tuple:
        return all(_literal(v) for v in value)
    return False


class Program:
    """The generated function and what is needed to explain its failures."""

    def __init__(self, fn, source, filename, lines, n_nodes):
        self.fn = fn
        self.guards: dict = {}  # guard index -> its node
        self.source = source
        self.filename = filename
        self.lines = lines  # line number in ``source`` -> the node it runs
        self.n_nodes = n_nodes


def _kept(trace: Trace, outputs: list[str]) -> list:
    """The nodes that outputs, assignments, guards and effects need, in program order."""
    needed = {n for n in outputs if n[0] != "c"}
    kept = []
    for node in reversed(trace.nodes):
        cls = node.__class__
        if cls is Op:
            if node.prim in EFFECTS or any(o in needed for o in node.outputs):
                needed.update(node.inputs)
                needed.update(_ref_names(node))
                kept.append(node)
        elif cls is Load:
            if node.output in needed:
                kept.append(node)
        elif cls is Assign:
            needed.add(node.value)
            kept.append(node)
        else:  # Guard
            needed.add(node.value)
            kept.append(node)
    kept.reverse()
    return kept


def _function_name(prim: Any, names: dict, namespace: dict) -> str:
    """A readable, unique name for the primitive's forward function in the program."""
    known = names.get(id(prim))
    if known is not None:
        return known
    base = re.sub(r"\W", "_", prim.name) or "op"
    if base[0].isdigit() or keyword.iskeyword(base) or base in _RESERVED or re.fullmatch(
        r"[xtcvpg]\d+", base
    ):
        base = "op_" + base
    name, k = base, 1
    while name in namespace:
        k += 1
        name = f"{base}_{k}"
    namespace[name] = prim.impl
    names[id(prim)] = name
    return name


def _where(line: tuple) -> str:
    file, lineno = line
    return f"{file.rsplit('/', 1)[-1]}:{lineno}"


def generate(trace: Trace, outputs: list[str], name: str) -> Program:
    """The program computing ``outputs`` (names) from the trace's inputs."""
    nodes = _kept(trace, outputs)
    namespace: dict[str, Any] = {
        "_guard": _guard, "_same": _same, "_int": int, "_float": float, "_complex": complex,
    }
    for cname, value in trace.consts.items():
        namespace[cname] = value
    fnames: dict = {}
    last_use: dict[str, int] = {}
    for i, node in enumerate(nodes):
        for r in _reads(node):
            last_use[r] = i
    keep_alive = set(outputs)
    ident = re.sub(r"\W", "_", name) or "function"
    lines = [f"def {ident}({', '.join(trace.inputs)}):"]
    where: dict[int, Any] = {}
    n_params = 0
    for i, node in enumerate(nodes):
        cls = node.__class__
        infix = None
        if cls is Op:
            args = list(node.inputs)
            for key, value in node.params.items():
                if key in node.param_refs:
                    ref = node.param_refs[key]
                    text = ref if isinstance(ref, str) else "(" + ", ".join(ref) + ",)"
                    args.append(f"{key}={text}")
                elif _literal(value):
                    args.append(f"{key}={value!r}")
                else:
                    n_params += 1
                    pname = f"p{n_params}"
                    namespace[pname] = value
                    args.append(f"{key}={pname}")
            if len(args) == 2 and not node.params:
                infix = _INFIX.get(node.prim.impl)
            if infix is not None:
                call = f"{args[0]} {infix} {args[1]}"
            else:
                call = f"{_function_name(node.prim, fnames, namespace)}({', '.join(args)})"
            if node.prim.multiple_results:
                used = [o if o in last_use or o in keep_alive else "_" for o in node.outputs]
                target = ", ".join(used) + ("," if len(used) == 1 else "")
            else:
                target = node.outputs[0] if node.outputs[0] in last_use or (
                    node.outputs[0] in keep_alive) else "_"
            text = f"{target} = {call}"
        elif cls is Load:
            text = f"{node.output} = {node.var}._value"
        elif cls is Assign:
            if node.how == "assign":
                text = f"{node.var}._value = {node.value}" + ("[()]" if node.scalar else "")
            else:
                op = "+" if node.how == "assign_add" else "-"
                text = f"{node.var}._value = {node.var}._value {op} {node.value}"
        else:
            text = _guard_line(node, i, namespace)
        named = f"{node.prim.name}, " if infix is not None else ""
        lines.append(f"    {text}  # {named}{_where(node.line)}")
        where[len(lines)] = node
        dead = [r for r in _reads(node) if last_use.get(r) == i and r not in keep_alive
                and r[0] in "tx" and trace.sizes.get(r, 0) >= _DELETE_FROM]
        if dead:
            lines.append(f"    del {', '.join(sorted(set(dead)))}")
    shown = _constants_shown(nodes, trace.consts)
    if shown:
        lines.insert(1, f"    # {shown}")
        where = {k + 1: v for k, v in where.items()}
    returned = ", ".join(outputs) + ("," if len(outputs) == 1 else "")
    lines.append(f"    return ({returned})")
    while ident in namespace:  # (a function named like one of its ops: sin calling sin)
        ident += "_"
    lines[0] = f"def {ident}({', '.join(trace.inputs)}):"
    source = "\n".join(lines) + "\n"
    _counter[0] += 1
    filename = f"<tapegrad.function {name} #{_counter[0]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    program = Program(namespace[ident], source, filename, where, len(nodes))
    program.guards = {i: node for i, node in enumerate(nodes) if node.__class__ is Guard}
    return program


def _constants_shown(nodes: list, consts: dict) -> str:
    """``c5 = 2.0, c9 = 0.5``: the small constants the program reads, for the reader."""
    shown = []
    for name in dict.fromkeys(n for node in nodes for n in _reads(node) if n[0] == "c"):
        value = consts[name]
        if getattr(value, "size", 2) == 1 and getattr(value, "ndim", 1) == 0:
            shown.append(f"{name} = {value!s}")
        else:
            shape = getattr(value, "shape", None)
            shown.append(f"{name}: {'array' if shape is None else f'array{shape}'}")
    return ", ".join(shown)


def _ref_names(node: Any) -> tuple:
    names: list = []
    for ref in node.param_refs.values():
        names.extend((ref,) if isinstance(ref, str) else ref)
    return tuple(names)


def _reads(node: Any) -> tuple:
    cls = node.__class__
    if cls is Op:
        return tuple(node.inputs) + _ref_names(node)
    if cls is Assign or cls is Guard:
        return (node.value,)
    return ()


def _guard_line(node: Guard, index: int, namespace: dict) -> str:
    v, how, expected = node.value, node.how, node.expected
    fail = f"_guard({index}, {v}, {how!r})"
    if how == "bool":
        return f"if {'not ' if expected else ''}{v}: {fail}"
    if how == "int":
        return f"if _int({v}) != {expected!r}: {fail}"
    if how == "float" and math.isfinite(expected):
        return f"if _float({v}) != {expected!r}: {fail}"
    cname = f"g{index}"
    namespace[cname] = expected
    return f"if not _same({v}, {cname}, {how!r}): {fail}"
