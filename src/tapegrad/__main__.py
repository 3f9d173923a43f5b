"""``python -m tapegrad``: the tour (see ``tapegrad.tour.run`` and ``--help``).

It runs the seed tutorial with its printed values, trains an MLP on the 8x8
handwritten digits shipped with tapegrad, checkpoints and restores it, and
plots the loss curve when matplotlib is installed. ``--quick`` runs a short
version; ``--out DIR`` says where the files go.
"""

from __future__ import annotations

import sys

from .tour.run import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
