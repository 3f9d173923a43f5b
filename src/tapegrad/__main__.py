"""``python -m tapegrad``: the tour (the seed tutorial, with its printed values)."""

from __future__ import annotations

import sys

from .tour.tutorial import run_notebook


def main(argv: list[str] | None = None) -> int:
    print("tapegrad tour, part 1: the automatic differentiation tutorial")
    run_notebook(print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
