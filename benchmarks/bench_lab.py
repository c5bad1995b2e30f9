"""The learning-rate lab: one vectorized sweep of K rates against a Python loop of ``fit_gd``.

Both train the same K models on the same data for the same epochs (same iterates: the tests
check every model against ``fit_gd``). Times are medians over repeats with [min–max]; the two
contenders are run interleaved, in alternating order, so background load hits them alike.
Run as ``.venv/bin/python benchmarks/bench_lab.py [--repeats 3]`` (one thread, as the app).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from linreg_core.data import datasets as data  # noqa: E402
from linreg_core.engine.lab import log_rates, lr_sweep  # noqa: E402
from linreg_core.engine.training import fit_gd  # noqa: E402

CASES = [  # (label, dataset, K, epochs, optimizer)
    ("notes' example, K=25, 100 epochs, manual", "seed", 25, 100, "manual"),
    ("notes' example, K=25, 100 epochs, sgd", "seed", 25, 100, "sgd"),
    ("notes' example, K=25, 100 epochs, adam", "seed", 25, 100, "adam"),
    ("diabetes 10 features, K=50, 300 epochs, manual", "diabetes", 50, 300, "manual"),
]


def _load(name: str):
    ds = data.seed_example() if name == "seed" else data.diabetes()
    return ds.X, ds.y


def _summary(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def main(repeats: int = 3) -> dict:
    """The batched sweep against a loop of ``fit_gd`` on the same arithmetic (autograd, the
    lab's own path: ``ratio``) and against a loop on ``fit_gd``'s default (``ratio_auto``:
    AᵀA for full batches, which the lab does not use)."""
    torch.set_num_threads(1)
    results = {}
    print(f"{'case':46s} {'vectorized':>16s} {'loop, autograd':>18s} {'ratio':>6s}"
          f" {'loop, auto':>16s} {'ratio':>6s}")
    for label, name, k, epochs, opt in CASES:
        X, y = _load(name)
        lrs = log_rates(1e-3, 2.0, k)

        def vectorized(X=X, y=y, lrs=lrs, epochs=epochs, opt=opt):
            lr_sweep(X, y, lrs, epochs=epochs, optimizer=opt)

        def loop(X=X, y=y, lrs=lrs, epochs=epochs, opt=opt, gradient="autograd"):
            for lr in lrs:
                fit_gd(X, y, lr=float(lr), epochs=epochs, optimizer=opt, gradient=gradient)

        def loop_auto():
            loop(gradient="auto")

        fns = {"vectorized": vectorized, "loop": loop, "loop_auto": loop_auto}
        for fn in fns.values():  # warm-up (imports, first-call costs)
            fn()
        times: dict[str, list[float]] = {key: [] for key in fns}
        for r in range(repeats):
            order = list(fns.items())
            for key, fn in (order if r % 2 == 0 else order[::-1]):
                t0 = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - t0)
        v, lp, la = (_summary(times[key]) for key in fns)
        ratio, ratio_auto = lp["median"] / v["median"], la["median"] / v["median"]
        results[label] = {"vectorized_s": v, "loop_s": lp, "ratio": ratio,
                          "loop_auto_s": la, "ratio_auto": ratio_auto}
        print(f"{label:46s} {v['median']*1e3:8.1f} ms [{v['min']*1e3:.0f}–{v['max']*1e3:.0f}]"
              f" {lp['median']*1e3:9.1f} ms {ratio:6.1f}× {la['median']*1e3:9.1f} ms"
              f" {ratio_auto:6.1f}×")
    ratios = [r["ratio"] for r in results.values()]
    print(f"vectorized sweep is {min(ratios):.1f}–{max(ratios):.1f}× faster than a loop of "
          f"fit_gd on the same (autograd) arithmetic (median {float(np.median(ratios)):.1f}×)")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args().repeats)
