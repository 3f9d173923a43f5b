"""``python -m tapegrad --notebooks DIR``: execute the example notebooks, write executed copies.

The notebooks live in ``examples/notebooks/`` of the source tree and are stored
without outputs. Each runs in a real Jupyter kernel (ipykernel) started from
the running Python with this tapegrad first on its path, from a kernel spec
written to a temporary directory (nothing is installed or downloaded). Needs
``pip install "tapegrad[notebooks]"`` (nbclient, nbformat, ipykernel, matplotlib).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["NOTEBOOKS", "execute", "write_executed"]

# The source tree's examples/notebooks (src/tapegrad/tour/notebooks.py -> repository root).
NOTEBOOKS = Path(__file__).resolve().parents[3] / "examples" / "notebooks"
_KERNEL = "tapegrad-python"


def _write_kernel_spec(directory: str) -> None:
    """A kernel spec for this Python, with the directory holding this tapegrad on its path."""
    package_parent = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--log-level=ERROR"],  # the kernel's TCP-on-localhost notice is noise here
        "display_name": "Python 3 (tapegrad)",
        "language": "python",
        "env": {"PYTHONPATH": path, "MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }
    os.makedirs(os.path.join(directory, _KERNEL))
    with open(os.path.join(directory, _KERNEL, "kernel.json"), "w") as f:
        json.dump(spec, f)


def execute(path: str | Path, timeout: int = 600) -> Any:
    """Run the notebook at ``path`` in a fresh kernel; returns the executed notebook.

    The kernel's working directory is the notebook's folder. A failing cell
    raises ``nbclient.exceptions.CellExecutionError`` naming the cell.
    """
    try:
        import nbformat
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
    except ImportError as err:
        raise ImportError(
            f"Running notebooks needs nbclient, nbformat and ipykernel ({err}); install them "
            'with pip install "tapegrad[notebooks]".'
        ) from err
    notebook = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory(prefix="tapegrad-kernel-") as specs:
        _write_kernel_spec(specs)
        manager = KernelManager(kernel_name=_KERNEL,
                                kernel_spec_manager=KernelSpecManager(kernel_dirs=[specs]))
        client = NotebookClient(notebook, km=manager, timeout=timeout, kernel_name=_KERNEL,
                                resources={"metadata": {"path": str(Path(path).parent)}})
        client.execute()
    return notebook


def write_executed(out: str | Path, source: str | Path = NOTEBOOKS,
                   show: Callable[[str], None] = print) -> list[Path]:
    """Execute every notebook in ``source`` and write the executed copies to ``out``."""
    import nbformat

    source, out = Path(source), Path(out)
    paths = sorted(source.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(
            f"No notebooks in {source}: they ship with the source tree (examples/notebooks); "
            "run from a checkout of tapegrad."
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        started = time.perf_counter()
        notebook = execute(path)
        target = out / path.name
        nbformat.write(notebook, str(target))
        written.append(target)
        show(f"executed {path.name} in {time.perf_counter() - started:.1f} s -> {target}")
    return written
