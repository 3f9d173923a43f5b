"""The benchmark scripts run from a clean checkout without any peer (no timings are checked)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_run_py_checks_and_reports_a_workload(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--peers", "none", "--min-time", "0.01",
         "--only", "Jacobian", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "disagrees" not in done.stdout  # tapegrad's Jacobian matches the NumPy formula
    results = json.loads(out.read_text())
    times = results["workloads"]["Jacobian 100x100"]
    assert set(times) == {"numpy", "tapegrad", "tapegrad.function"}
    table = subprocess.run([sys.executable, "benchmarks/table.py", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "| Jacobian 100x100 |" in table.stdout


def test_every_workload_agrees_with_numpy():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from run import agrees
        from workloads import WORKLOADS
    finally:
        sys.path.pop(0)
    for name, build in WORKLOADS.items():
        impls = build({})
        assert agrees(impls["tapegrad"](), impls["numpy"]()), name
        assert agrees(impls["tapegrad.function"](), impls["numpy"]()), name
