"""Per-epoch cost of gradient descent against the notes' reference loop, side by side.

For each size: the notes' class (autograd, no_grad update) per epoch; `fit_gd` with autograd
(the page's default for small data); `fit_gd` on the Gram fast path (AᵀA once, then O(D²)
per epoch); mini-batches of 1024 per epoch, by autograd and by the notes' formula in NumPy
(the page's path); the memory-bandwidth bound of one pass over X (bytes of X / measured read
bandwidth on this machine, the same run) and the time to gather X's rows once in shuffled
batches, which is what a shuffled epoch cannot avoid. One thread for torch and BLAS, as the
app runs. Medians of repeats with min–max. Run as `python -m benchmarks.bench_gd`.

Before those, at 1,000,000 × 100 with the library's default threads (what a library user
gets; on a free machine both cores): the Gram statistics ``[X 1 Y]ᵀ[X 1 Y]`` as computed
before the training core (chunks of 65,536 rows copied next to a column of ones, ``A.T @ A``)
against :func:`linreg_core.engine.gram.gram_stats` (dsyrk on row ranges, one worker per
core), for float64 and float32 X; and ``fit_gd``'s default (``gradient="auto"``, the Gram
path here) for 1000 full-batch epochs against ``gradient="autograd"`` (the notes' loop),
whose per-epoch time is measured over fewer epochs and scaled to 1000 (it costs ~0.1 s an
epoch).
"""

from __future__ import annotations

import contextlib
import io
import math
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from linreg_core.engine.model import LinearRegression
from linreg_core.engine.training import GramStats, fit_gd, gram_stats

SIZES = [(100, 1, 2000, 5), (10_000, 10, 500, 5), (1_000_000, 100, 5, 3)]
LARGE = (1_000_000, 100)


def _stats(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def read_bandwidth(X: torch.Tensor, repeats: int = 5) -> float:
    """Bytes per second of a full read of X (torch.sum), the best of a few."""
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        float(X.sum())
        best = max(best, X.numel() * X.element_size() / (time.perf_counter() - t))
    return best


def gather_time(X: np.ndarray, batch: int = 1024, repeats: int = 3) -> float:
    """Seconds to gather every row of X once in shuffled batches of ``batch`` rows (what a
    shuffled mini-batch epoch must read, nothing computed): the practical bound of such an
    epoch, since random rows are read at latency, not at streaming bandwidth."""
    order = np.random.default_rng(0).permutation(len(X))
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        for start in range(0, len(X), batch):
            np.take(X, order[start:start + batch], axis=0, mode="clip")
        best = min(best, time.perf_counter() - t)
    return best


def gram_stats_before(X, y, chunk: int = 65_536) -> GramStats:
    """The Gram statistics as computed before the training core (for comparison)."""
    X = np.asarray(X)
    y2 = np.asarray(y).reshape(len(y), -1)
    n, d = X.shape
    G = np.zeros((d + 1, d + 1))
    c = np.zeros((d + 1, y2.shape[1]))
    yy = 0.0
    for start in range(0, n, chunk):
        xb = np.asarray(X[start:start + chunk], dtype=np.float64)
        yb = np.asarray(y2[start:start + chunk], dtype=np.float64)
        A = np.hstack([xb, np.ones((len(xb), 1))])
        G += A.T @ A
        c += A.T @ yb
        yy += float((yb * yb).sum())
    return GramStats(G=G / n, c=c / n, yy=yy / n, n=n)


def _timed(f, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return times


def gram_before_after(repeats: int = 5) -> dict:
    """Seconds for the Gram statistics at 1,000,000 × 100, before and now, float64 and float32
    X, alternating runs (medians, min–max); and the largest difference of G."""
    return {np.dtype(dtype).name: _gram_pair(dtype, repeats) for dtype in (np.float64, np.float32)}


def _gram_pair(dtype, repeats: int) -> dict:
    X = np.random.default_rng(0).standard_normal(LARGE).astype(dtype)
    y = (X[:, :1] * 2.0 + 0.5).astype(dtype)
    old, new = [], []
    for _ in range(repeats):
        old += _timed(lambda: gram_stats_before(X, y), 1)
        new += _timed(lambda: gram_stats(X, y), 1)
    diff = float(np.abs(gram_stats_before(X, y).G - gram_stats(X, y).G).max())
    return {"before": _stats(old), "now": _stats(new), "max_abs_diff_G": diff}


def auto_vs_autograd(epochs: int = 1000, autograd_epochs: int = 20, repeats: int = 3) -> dict:
    """``fit_gd``'s default against the notes' autograd loop at 1,000,000 × 100, full batch."""
    n, d = LARGE
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(n, d, generator=gen)
    y = X @ torch.randn(d, 1, generator=gen) + 0.5
    Xn, yn = X.numpy(), y.numpy()
    auto = _timed(lambda: fit_gd(Xn, yn, lr=0.1, epochs=epochs), repeats)
    chosen = fit_gd(Xn, yn, lr=0.1, epochs=1).settings["gradient"]
    per_epoch = [t / autograd_epochs for t in _timed(
        lambda: fit_gd(Xn, yn, lr=0.1, epochs=autograd_epochs, gradient="autograd"), repeats)]
    return {"epochs": epochs, "auto_path": chosen, "auto_s": _stats(auto),
            "autograd_epochs_measured": autograd_epochs,
            "autograd_s_scaled": _stats([t * epochs for t in per_epoch]),
            "speedup": statistics.median(per_epoch) * epochs / statistics.median(auto)}


def measure(n: int, d: int, epochs: int, repeats: int) -> dict:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, d, generator=g)
    y = X @ torch.randn(d, 1, generator=g) + 0.5
    Xn, yn = X.numpy(), y.numpy()
    lr = 0.1
    rows: dict[str, list[float]] = {"reference": [], "fit_gd autograd": [], "fit_gd gram": [],
                                    "gram AᵀA once (s)": [], "mini-batch 1024": [],
                                    "mini-batch 1024 formula": []}
    for _ in range(repeats):
        m = LinearRegression(d, 1, lr=lr, generator=torch.Generator().manual_seed(1))
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            m.train(X, y, epochs)
        rows["reference"].append((time.perf_counter() - t) / epochs)
        t = time.perf_counter()
        fit_gd(Xn, yn, lr=lr, epochs=epochs, gradient="autograd")
        rows["fit_gd autograd"].append((time.perf_counter() - t) / epochs)
        t = time.perf_counter()
        gs = gram_stats(Xn, yn)
        rows["gram AᵀA once (s)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fit_gd(Xn, yn, lr=lr, epochs=max(epochs, 200), gradient="gram", gram=gs)
        rows["fit_gd gram"].append((time.perf_counter() - t) / max(epochs, 200))
        mb_epochs = max(1, min(epochs, 3))
        t = time.perf_counter()
        fit_gd(Xn, yn, lr=0.01, epochs=mb_epochs, batch_size=1024, gradient="autograd")
        rows["mini-batch 1024"].append((time.perf_counter() - t) / mb_epochs)
        t = time.perf_counter()  # the page's path; the Gram statistics are already made
        fit_gd(Xn, yn, lr=0.01, epochs=mb_epochs, batch_size=1024, gradient="formula", gram=gs)
        rows["mini-batch 1024 formula"].append((time.perf_counter() - t) / mb_epochs)
    bw = read_bandwidth(X)
    bound = X.numel() * X.element_size() / bw
    gather = gather_time(Xn)
    out = {k: _stats(v) for k, v in rows.items()}
    out["bandwidth_GBps"] = bw / 1e9
    out["one_pass_bound_s"] = bound
    out["shuffled_gather_s"] = gather
    out["minibatch_formula_vs_bound"] = out["mini-batch 1024 formula"]["median"] / bound
    out["minibatch_formula_vs_gather"] = out["mini-batch 1024 formula"]["median"] / gather
    ref, gram = out["reference"]["median"], out["fit_gd gram"]["median"]
    once = out["gram AᵀA once (s)"]["median"]
    out["speedup_1000_epochs_gram_vs_reference"] = 1000 * ref / (once + 1000 * gram)
    out["minibatch_vs_bound"] = out["mini-batch 1024"]["median"] / bound
    return out


def main() -> dict:
    results = {}
    print(f"\nGram statistics at {LARGE[0]:,} x {LARGE[1]} (default threads; median, min–max)")
    results["gram_before_after"] = gram_before_after()
    for name, r in results["gram_before_after"].items():
        b, a = r["before"], r["now"]
        print(f"  X {name}: before {b['median']:.3f} s ({b['min']:.3f}–{b['max']:.3f}), "
              f"now {a['median']:.3f} s ({a['min']:.3f}–{a['max']:.3f}); "
              f"{b['median'] / a['median']:.1f}x; max |ΔG| {r['max_abs_diff_G']:.1e}")
    r = results["auto_vs_autograd"] = auto_vs_autograd()
    print(f"  fit_gd {r['epochs']} full-batch epochs: default (auto -> {r['auto_path']}) "
          f"{r['auto_s']['median']:.2f} s ({r['auto_s']['min']:.2f}–{r['auto_s']['max']:.2f}); "
          f"autograd {r['autograd_s_scaled']['median']:.1f} s (from "
          f"{r['autograd_epochs_measured']} epochs, scaled; "
          f"{r['autograd_s_scaled']['min']:.1f}–{r['autograd_s_scaled']['max']:.1f}); "
          f"{r['speedup']:.0f}x")
    torch.set_num_threads(1)  # from here as the app: one thread per session (app.py)
    threadpool_limits(1)
    print("\nGradient descent per epoch (medians; min–max)")
    for n, d, epochs, repeats in SIZES:
        r = measure(n, d, epochs, repeats)
        results[f"{n}x{d}"] = r
        print(f"  N={n:,} D={d}: read bandwidth {r['bandwidth_GBps']:.1f} GB/s, one pass over X "
              f"{r['one_pass_bound_s'] * 1e3:.3f} ms")
        for k in ("reference", "fit_gd autograd", "fit_gd gram", "mini-batch 1024",
                  "mini-batch 1024 formula"):
            s = r[k]
            print(f"    {k:18s} {s['median'] * 1e3:9.3f} ms/epoch "
                  f"({s['min'] * 1e3:.3f}–{s['max'] * 1e3:.3f})")
        print(f"    AᵀA once {r['gram AᵀA once (s)']['median']:.3f} s; 1000 epochs full batch: "
              f"{r['speedup_1000_epochs_gram_vs_reference']:.1f}x the reference")
        print(f"    mini-batch epoch (formula) = {r['minibatch_formula_vs_bound']:.1f}x the "
              f"one-pass bound, {r['minibatch_formula_vs_gather']:.2f}x a shuffled gather of X "
              f"({r['shuffled_gather_s'] * 1e3:.1f} ms); autograd "
              f"{r['minibatch_vs_bound']:.1f}x the bound")
    return results


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
