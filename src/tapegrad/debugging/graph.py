"""Looking at a tape: its computation as a Graphviz graph, and the memory it keeps.

``GradientTape.graph()`` builds the graph from the tape's record as explain reads
it (:class:`.explain.TapeRecord`: the entries, or, after a non-persistent tape
was released because a gradient was missing, the skeleton the evidence
observers kept); ``GradientTape.memory_report()`` reads the entries' saved
arrays. Both show the user's line of each op recorded in anomaly mode. Nothing
here observes the engine or runs while recording.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from typing import Any

from .._core import nest
from .._core.tensor import Tensor, convert_to_tensor
from .explain import TapeRecord
from .locations import format_location

__all__ = ["TapeGraph", "MemoryReport", "tape_graph", "memory_report", "format_bytes"]


def _quote(text: str) -> str:
    """A DOT string literal; ``\\n`` in ``text`` stays a DOT line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n") + '"'


def _meta_text(shape: tuple, dtype: Any) -> str:
    return f"{tuple(shape)} {dtype.name}"


class TapeGraph:
    """A tape's recorded computation. ``str()`` (or ``.source``) is Graphviz DOT text.

    Tensors are ellipses (watched sources blue, the target orange, constants
    grey), ops are boxes; ops without a gradient are dashed and red.
    ``render(path)`` writes an image; notebooks show it inline (SVG, or the DOT
    text with a note when Graphviz is missing).
    """

    def __init__(self, source: str, n_ops: int, n_tensors: int):
        self.source = source
        self.n_ops = n_ops
        self.n_tensors = n_tensors

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<TapeGraph: {self.n_ops} ops, {self.n_tensors} tensors>"

    def pipe(self, format: str = "svg") -> bytes:
        """The graph drawn by Graphviz's ``dot`` in ``format`` (svg, png, pdf, ...)."""
        try:
            import graphviz
        except ImportError:
            graphviz = None
        if graphviz is not None:
            try:
                return graphviz.Source(self.source).pipe(format=format)
            except graphviz.ExecutableNotFound as err:
                raise RuntimeError(_missing("the `dot` program")) from err
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError(_missing("the `graphviz` Python package or the `dot` program"))
        done = subprocess.run([dot, f"-T{format}"], input=self.source.encode(),
                              capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"TapeGraph: dot failed: {done.stderr.decode(errors='replace')}")
        return done.stdout

    def render(self, path: str, format: str | None = None) -> str:
        """Write the drawing to ``path``; the format comes from its extension (default svg)."""
        if format is None:
            ext = os.path.splitext(str(path))[1].lstrip(".").lower()
            format = ext or "svg"
        data = self.pipe(format)
        with open(path, "wb") as f:
            f.write(data)
        return str(path)

    def _repr_svg_(self) -> str | None:
        try:
            return self.pipe("svg").decode("utf-8")
        except (RuntimeError, OSError):
            return None  # no Graphviz: _repr_mimebundle_ gives the DOT text instead

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        """Notebooks show the SVG drawing; without Graphviz, the DOT text and a note."""
        svg = self._repr_svg_()
        if svg is not None:
            return {"image/svg+xml": svg}
        note = (f"{self!r}: Graphviz is not installed, so here is the DOT text (draw it with "
                "any Graphviz viewer, or `pip install graphviz` and `apt install graphviz` "
                "to see it here).")
        return {"text/plain": f"{note}\n{self.source}",
                "text/html": f"<p><em>{html.escape(note)}</em></p>"
                             f"<pre>{html.escape(self.source)}</pre>"}


def _missing(what: str) -> str:
    return (
        f"TapeGraph.render needs Graphviz, and {what} is not installed. Install both "
        "(`pip install graphviz`, and the Graphviz programs, e.g. `apt install graphviz` or "
        "`brew install graphviz`), or write str(graph), the DOT text, to a file and draw it "
        "with any Graphviz viewer."
    )


def _ids_of(value: Any) -> set:
    if value is None:
        return set()
    out = set()
    for t in nest.flatten(value)[0]:
        if not isinstance(t, Tensor):
            t = convert_to_tensor(t)
        out.add(t._id)
    return out


def tape_graph(tape: Any, target: Any = None, sources: Any = None) -> TapeGraph:
    """Build the :class:`TapeGraph` of ``tape`` (see ``GradientTape.graph``)."""
    rec = TapeRecord(tape)
    nodes = rec.nodes
    target_ids = _ids_of(target)
    if target is None and nodes:
        target_ids = set(nodes[-1].output_ids)
    source_ids = _ids_of(sources) if sources is not None else set(rec.watched_ids)
    meta: dict = {}
    for node in nodes:
        for i, m in zip(node.full_ids, node.input_meta):
            if i is not None:
                meta.setdefault(i, m)
        for o, m in zip(node.output_ids, node.output_meta):
            meta.setdefault(o, m)
    produced = set(rec.producer)
    lines = [
        "digraph tape {",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    for tid, (shape, dtype) in meta.items():
        attrs = {"shape": "ellipse"}
        info = rec.watched.get(tid)
        if info is not None and info.is_variable:
            name = info.name
        elif tid in rec.variables:
            name = rec.variables[tid].name
        else:
            name = f"id {tid}"
        label = f"{name}\\n{_meta_text(shape, dtype)}"
        if tid in target_ids:
            attrs.update(style="filled,bold", fillcolor="#ffb347", penwidth="2")
            label = "target: " + label
        elif tid in source_ids:
            attrs.update(style="filled", fillcolor="#a7c7e7")
            label = ("watched: " if tid in rec.watched_ids else "source: ") + label
        elif tid not in produced and tid not in rec.watched_ids:
            attrs.update(style="dotted", fontcolor="gray40", color="gray60")
            label = "constant " + label
        if dtype.kind not in "fc":
            attrs["fontcolor"] = "gray40"
        attrs["label"] = label
        lines.append(f"  t{tid} [{_attrs(attrs)}];")
    for k, node in enumerate(nodes):
        label = node.prim.name
        attrs = {"shape": "box", "style": "rounded"}
        if not node.prim.differentiable:
            label += "\\n(no gradient)"
            attrs.update(style="rounded,dashed", color="red", fontcolor="red")
        if node.trace is not None:
            filename, lineno, _ = node.trace
            label += f"\\n{os.path.basename(filename)}:{lineno}"
        attrs["label"] = label
        lines.append(f"  op{k} [{_attrs(attrs)}];")
        several = len(node.full_ids) > 1
        for j, i in enumerate(node.full_ids):
            if i is None:
                continue
            edge = {"label": str(j)} if several else {}
            if node.input_ids[j] is None:
                edge.update(style="dashed", color="gray50")
            lines.append(f"  t{i} -> op{k}" + (f" [{_attrs(edge)}]" if edge else "") + ";")
        for o in node.output_ids:
            lines.append(f"  op{k} -> t{o};")
    lines.append("}")
    return TapeGraph("\n".join(lines) + "\n", len(nodes), len(meta))


def _attrs(attrs: dict) -> str:
    return ", ".join(f"{k}={_quote(str(v))}" for k, v in attrs.items())


# ---------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------
def format_bytes(n: int) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover


class MemoryRow:
    """One recorded op: ``op`` name, ``nbytes`` it keeps, output shapes, source line."""

    __slots__ = ("index", "op", "nbytes", "saved", "outputs", "trace")

    def __init__(self, index, op, nbytes, saved, outputs, trace):
        self.index = index  # position on the tape
        self.op = op
        self.nbytes = nbytes
        self.saved = saved  # ((shape, dtype), ...) of the arrays kept
        self.outputs = outputs
        self.trace = trace

    def __repr__(self) -> str:
        return f"<MemoryRow {self.op} {self.nbytes} bytes>"


class MemoryReport:
    """What a tape keeps alive: ``rows`` (largest first), ``total_bytes`` (each array once)."""

    def __init__(self, rows: list, total_bytes: int, n_arrays: int, released: bool):
        self.rows = rows
        self.total_bytes = total_bytes
        self.n_arrays = n_arrays
        self.released = released

    def __str__(self) -> str:
        if self.released:
            return ("GradientTape memory: 0 B (this non-persistent tape was released by "
                    "gradient()).")
        head = (
            f"GradientTape memory: {format_bytes(self.total_bytes)} in {self.n_arrays} saved "
            f"array{'s' if self.n_arrays != 1 else ''}, {len(self.rows)} recorded op"
            f"{'s' if len(self.rows) != 1 else ''} (largest first; an array several ops "
            "keep counts once in the total):"
        )
        lines = [head]
        width = max([len(r.op) for r in self.rows] + [2])
        for r in self.rows:
            saved = ", ".join(_meta_text(s, d) for s, d in r.saved) or "nothing"
            where = f"  at {format_location(r.trace)}" if r.trace is not None else ""
            lines.append(f"  {format_bytes(r.nbytes):>10}  #{r.index:<4} {r.op:<{width}}  "
                         f"keeps {saved}{where}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<MemoryReport {self.total_bytes} bytes, {len(self.rows)} ops>"


def memory_report(tape: Any) -> MemoryReport:
    """Build the :class:`MemoryReport` of ``tape`` (see ``GradientTape.memory_report``)."""
    rows = []
    seen: set = set()
    total = 0
    for k, entry in enumerate(tape._entries):
        saved = entry.saved_tensors()
        rows.append(MemoryRow(
            k,
            entry.prim.name,
            entry.nbytes(),
            tuple((t.shape, t.dtype) for t in saved),
            entry.output_meta,
            entry.trace,
        ))
        for t in saved:
            key = id(t._value)
            if key not in seen:
                seen.add(key)
                total += t._value.nbytes
    rows.sort(key=lambda r: (-r.nbytes, r.index))
    return MemoryReport(rows, total, len(seen), tape._released)

