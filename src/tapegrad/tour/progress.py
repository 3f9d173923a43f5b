"""A progress bar: tqdm's when tqdm is installed, a plain text line otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["progress_bar", "TextBar"]


class TextBar:
    """A minimal stand-in for ``tqdm``: ``update``, ``set_postfix_str``, ``close``.

    On a terminal the line is redrawn in place (at most ten times a second);
    otherwise (a log, a pipe) it prints a line at each quarter.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = TextBar(total=4, desc="training", file=out)
    >>> for _ in range(4):
    ...     bar.update(1)
    >>> bar.close()
    >>> out.getvalue().splitlines()[-1].startswith("training 100% [####################] 4/4")
    True
    """

    def __init__(self, total: int, desc: str = "", file: TextIO | None = None, width: int = 20):
        self.total = max(int(total), 1)
        self.desc = desc
        self.file = file if file is not None else sys.stdout
        self.width = width
        self.n = 0
        self.postfix = ""
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._quarters_shown = 0
        self._tty = bool(getattr(self.file, "isatty", lambda: False)())

    def _line(self) -> str:
        fraction = min(self.n / self.total, 1.0)
        filled = int(round(fraction * self.width))
        elapsed = time.perf_counter() - self._start
        postfix = f", {self.postfix}" if self.postfix else ""
        return (
            f"{self.desc} {fraction:4.0%} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.n}/{self.total} [{elapsed:.1f}s{postfix}]"
        )

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps and redraw when due."""
        self.n += n
        if self._tty:
            now = time.perf_counter()
            if now - self._last_draw >= 0.1 or self.n >= self.total:
                self._last_draw = now
                self.file.write("\r" + self._line())
                self.file.flush()
        else:
            quarters = int(4 * min(self.n / self.total, 1.0))
            if quarters > self._quarters_shown:
                self._quarters_shown = quarters
                print(self._line(), file=self.file, flush=True)

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        """Text shown after the counts (the current loss)."""
        self.postfix = text

    def close(self) -> None:
        """Finish the line."""
        if self._tty:
            self.file.write("\r" + self._line() + "\n")
            self.file.flush()


def progress_bar(total: int, desc: str) -> Any:
    """A ``tqdm`` bar over ``total`` steps when tqdm is installed, else a :class:`TextBar`.

    >>> bar = progress_bar(2, "demo")
    >>> hasattr(bar, "update") and hasattr(bar, "set_postfix_str")
    True
    >>> bar.close()
    """
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return TextBar(total, desc)
    return tqdm(total=total, desc=desc, unit="step", leave=True, mininterval=0.1)
