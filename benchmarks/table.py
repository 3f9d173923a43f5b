"""Turn the JSON that ``benchmarks/run.py --json`` writes into the README's Markdown table.

    python benchmarks/table.py results.json
"""

from __future__ import annotations

import json
import sys

PEERS = ["torch", "tensorflow", "jax", "autograd"]
COMPILED = ["tf.function", "jax.jit", "torch.compile"]


def table(results: dict) -> str:
    rows = [_eager_table(results)]
    if any("tapegrad.function" in t for t in results["workloads"].values()):
        rows += ["", _compiled_table(results)]
    if "trace_ms" in results:
        rows.append(f"\nTrace + compile of the small MLP step: {results['trace_ms']:.1f} ms.")
    return "\n".join(rows)


def _compiled_table(results: dict) -> str:
    head = ("| workload | tapegrad.function ms | vs NumPy | vs tapegrad eager | vs torch eager | "
            + " | ".join(f"vs {p}" for p in COMPILED) + " |")
    rows = [head, "|---" * (5 + len(COMPILED)) + "|"]
    for name, times in results["workloads"].items():
        tc = times.get("tapegrad.function")
        if tc is None:
            continue
        ratios = [f"{tc / times[p]:.2f}" if p in times else "-" for p in COMPILED]
        torch = f"{tc / times['torch']:.2f}" if "torch" in times else "-"
        rows.append(f"| {name} | {tc * 1e3:.3f} | {tc / times['numpy']:.2f} | "
                    f"{tc / times['tapegrad']:.2f} | {torch} | " + " | ".join(ratios) + " |")
    return "\n".join(rows)


def _eager_table(results: dict) -> str:
    head = "| workload | tapegrad ms | vs NumPy | " + " | ".join(f"vs {p}" for p in PEERS) + " |"
    rule = "|---" * (3 + len(PEERS)) + "|"
    rows = [head, rule]
    for name, times in results["workloads"].items():
        tg = times["tapegrad"]
        ratios = [f"{tg / times[p]:.2f}" if p in times else "-" for p in PEERS]
        rows.append(f"| {name} | {tg * 1e3:.3f} | {tg / times['numpy']:.2f} | "
                    + " | ".join(ratios) + " |")
    memory = results.get("memory")
    if memory:
        rows.append("")
        rows.append(
            "Tape memory, 100 ops on 1e6 float32 elements: "
            f"{memory['held while recorded'] / 1e6:.0f} MB held while recorded "
            f"(the rules need {memory['needed by the rules'] / 1e6:.0f} MB), "
            f"{memory['held after gradient()'] / 1e6:.0f} MB after `gradient()`."
        )
    return "\n".join(rows)


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        print(table(json.load(fh)))
