"""The user's line of code: where an op ran or a value left, as explain and anomaly mode show it."""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any

__all__ = ["user_location", "format_location"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_location(depth: int = 1) -> tuple | None:
    """``(filename, lineno, function)`` of the innermost frame outside the tapegrad package."""
    try:
        frame: Any = sys._getframe(depth)
    except ValueError:  # pragma: no cover - stack shallower than depth
        return None
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and "contextlib" not in filename:
            return (filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None


def format_location(loc: tuple | None) -> str:
    """``file.py:12 (`source line`)`` for a location from :func:`user_location`."""
    if loc is None:
        return "an unknown line"
    filename, lineno, _ = loc
    shown = filename
    try:
        rel = os.path.relpath(filename)
        if not rel.startswith(".."):
            shown = rel
    except ValueError:  # pragma: no cover - other drive on Windows
        pass
    text = linecache.getline(filename, lineno).strip()
    return f"{shown}:{lineno}" + (f" (`{text}`)" if text else "")
