"""Run every benchmark, print the tables, write benchmarks/results.json."""

from __future__ import annotations

import importlib
import json
import os
import platform
import time
from pathlib import Path

MODULES = ["benchmarks.bench_gd", "benchmarks.bench_gd_page", "benchmarks.bench_paths",
           "benchmarks.bench_large", "benchmarks.bench_lab", "benchmarks.bench_cold",
           "benchmarks.load", "benchmarks.replicas"]


def main() -> None:
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "when": time.strftime("%Y-%m-%d %H:%M:%S")}}
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        results[name.split(".")[-1]] = mod.main()
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(results, indent=2, default=float))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
