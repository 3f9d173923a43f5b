"""Rich display in notebooks: tensors and Variables as compact HTML tables.

Jupyter shows an object through its ``_repr_html_``. :func:`install` (run once
when tapegrad is imported) attaches it to ``Tensor`` and ``Variable``, as
``tapegrad.ops`` attaches the Python operators, so the engine carries no
presentation code. Large arrays are cut as NumPy cuts its printing: past
``np.get_printoptions()["threshold"]`` elements, ``edgeitems`` rows and columns
at each end, with ellipses between.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ._core.tensor import Tensor
from ._core.variable import Variable

__all__ = ["html_table", "install"]


def html_table(title: str, value: Any) -> str:
    """A NumPy array ``value`` as an HTML table under ``title`` (a 1-d array is one row).

    0-d, empty and > 2-d arrays show NumPy's text instead, and arrays of other
    libraries their own ``repr`` (a Dask array its summary: nothing is computed).

    >>> import re
    >>> text = html_table("x", np.array([1.0, 2.5]))
    >>> text.startswith("<div><small>x</small><table>")
    True
    >>> re.findall(r"<td>(.*?)</td>", text)  # NumPy's formatting of the values
    ['1.', '2.5']
    """
    head = html.escape(title)
    if type(value).__module__.split(".")[0] != "numpy":
        return f"<div><small>{head}</small><pre>{html.escape(repr(value))}</pre></div>"
    v = np.asarray(value)
    if v.ndim not in (1, 2) or v.size == 0:
        return f"<div><small>{head}</small><pre>{html.escape(str(v))}</pre></div>"
    m = v.reshape(1, -1) if v.ndim == 1 else v
    options = np.get_printoptions()
    edge, cut = options["edgeitems"], v.size > options["threshold"]
    rows, cols = ([*range(edge), -1, *range(n - edge, n)] if cut and n > 2 * edge  # -1: ellipsis
                  else list(range(n)) for n in m.shape)
    shown = m[np.ix_([max(i, 0) for i in rows], [max(j, 0) for j in cols])]
    # NumPy formats the shown values together (one precision, as in its printing)
    texts = np.array2string(shown.reshape(-1), separator="|", threshold=shown.size + 1,
                            max_line_width=2**31)[1:-1].replace("\n", "").split("|")
    cells = np.array([html.escape(t.strip()) for t in texts]).reshape(shown.shape)
    body = "".join(
        "<tr>" + "".join("<td>&hellip;</td>" if j < 0 else f"<td>{cells[r, c]}</td>"
                         for c, j in enumerate(cols)) + "</tr>"
        if i >= 0 else f"<tr><td colspan={len(cols)}>&vellip;</td></tr>"
        for r, i in enumerate(rows))
    return f"<div><small>{head}</small><table>{body}</table></div>"


def _about(tensor: Tensor) -> str:
    return f"shape={tuple(tensor.shape)} dtype={tensor.dtype.name}"


def _tensor_html(self: Tensor) -> str:
    return html_table(f"tapegrad.Tensor id={self._id} {_about(self)}", self._value)


def _variable_html(self: Variable) -> str:
    return html_table(f"tapegrad.Variable '{self.name}' {_about(self)}", self._value)


def install() -> None:
    """Attach ``_repr_html_`` to Tensor and Variable."""
    Tensor._repr_html_ = _tensor_html  # type: ignore[attr-defined]
    Variable._repr_html_ = _variable_html  # type: ignore[attr-defined]


install()
