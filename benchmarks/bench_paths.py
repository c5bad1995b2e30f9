"""Benchmark of ``linreg_core.engine.paths`` against scikit-learn, side by side in one run.

Run as ``.venv/bin/python benchmarks/bench_paths.py`` (``--help`` for the repeat counts), or
with the others by ``python -m benchmarks`` (which calls :func:`main` and keeps its result).
Times are medians over repeats with [min–max]; the contenders of each row are run
interleaved, in alternating order, so that background load hits them alike.

(a) Ridge: a 100-α path on 10000×500 random data by ``coefficient_paths`` (one Gram, one
    tridiagonal reduction) against a loop of ``Ridge(alpha=2nα).fit`` per α (slow: run only
    a few times).
(b) Lasso: ``coefficient_paths`` (exact: coordinate descent at scikit-learn's default
    tolerance, then each α polished by an exact active-set solve) against ``lasso_path``
    with the same α on the same, already centered data, at its default ``tol=1e-4`` and
    at ``tol=1e-10``, on diabetes and on 1000×100 random data, with each one's largest
    coefficient error against per-α ``Lasso(tol=1e-12)`` fits. The elastic net (ρ = 0.5)
    against ``enet_path`` is shown for information.
(c) The largest difference from scikit-learn per model on diabetes (100-α default grids).

Prints a table and writes ``benchmarks/out/paths.json``. ``--blas-threads 1`` pins BLAS
to one thread for every contender alike (steadier numbers on a busy, shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso, Ridge, enet_path, lasso_path
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from linreg_core.engine.paths import coefficient_paths, sklearn_equivalent  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "paths.json"


def _stats(times: list[float]) -> dict:
    t = np.asarray(times)
    return {
        "median_s": float(np.median(t)),
        "min_s": float(t.min()),
        "max_s": float(t.max()),
        "times_s": [float(x) for x in t],
    }


def _race(fns: dict[str, Callable[[], object]], repeats: dict[str, int]) -> dict[str, dict]:
    """Time each callable ``repeats[name]`` times, interleaved, alternating the order."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(max(repeats.values())):
        for name in names if r % 2 == 0 else names[::-1]:
            if len(times[name]) < repeats[name]:
                t0 = time.perf_counter()
                fns[name]()
                times[name].append(time.perf_counter() - t0)
    return {name: _stats(t) for name, t in times.items()}


def _fmt(s: dict) -> str:
    return f"{_ms(s['median_s'])} [{_ms(s['min_s'])}–{_ms(s['max_s'])}]"


def _ms(t: float) -> str:
    return f"{t * 1e3:.1f} ms" if t < 10 else f"{t:.2f} s"


def _ratio(num: dict, den: dict) -> dict:
    """Ratio of medians, with the range over the extremes (worst case to best case)."""
    return {
        "median": num["median_s"] / den["median_s"],
        "low": num["min_s"] / den["max_s"],
        "high": num["max_s"] / den["min_s"],
    }


def _fmt_ratio(r: dict) -> str:
    return f"{r['median']:.2f}× [{r['low']:.2f}–{r['high']:.2f}]"


def _sk_coefs(model: str, alphas, X, y, l1_ratio: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's per-α exact fits through the mapping (the oracle)."""
    coefs, icpts = [], []
    for a in alphas:
        eq = sklearn_equivalent(model, a, X.shape[0], l1_ratio)
        if eq["estimator"] == "Lasso":
            est = Lasso(alpha=eq["alpha"], tol=1e-12, max_iter=10**6)
        elif eq["estimator"] == "ElasticNet":
            est = ElasticNet(alpha=eq["alpha"], l1_ratio=eq["l1_ratio"], tol=1e-12,
                             max_iter=10**6)
        else:
            est = Ridge(alpha=eq["alpha"])
        est.fit(X, y)
        coefs.append(est.coef_)
        icpts.append(est.intercept_)
    return np.array(coefs), np.array(icpts)


def _rel_err(coefs: np.ndarray, ref: np.ndarray) -> float:
    return float(np.abs(coefs - ref).max() / np.abs(ref).max())


# --------------------------------------------------------------------------- (a) Ridge


def bench_ridge(repeats: int, loop_repeats: int, n: int = 10_000, d: int = 500) -> dict:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + rng.standard_normal(n)
    alphas = coefficient_paths(X, y, model="ridge", n_alphas=100).alphas
    out: dict = {}

    def ours():
        out["ours"] = coefficient_paths(X, y, model="ridge", alphas=alphas).coefs

    def loop():
        out["loop"] = np.array([Ridge(alpha=2 * n * a).fit(X, y).coef_ for a in alphas])

    t = _race({"coefficient_paths": ours, "sklearn Ridge loop": loop},
              {"coefficient_paths": repeats, "sklearn Ridge loop": loop_repeats})
    return {
        "data": f"random {n}×{d}",
        "n_alphas": int(alphas.size),
        "times": t,
        "speedup": _ratio(t["sklearn Ridge loop"], t["coefficient_paths"]),
        "max_rel_diff": _rel_err(out["ours"], out["loop"]),
        "goal": "speedup ≥ 100×",
    }


# --------------------------------------------------------------------------- (b) Lasso


def _lasso_sets():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes 442×10", X, y
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1000, 100))
    w = rng.standard_normal(100) * (rng.random(100) < 0.2)
    yield "random 1000×100", X, X @ w + rng.standard_normal(1000)


def bench_l1(model: str, repeats: int) -> list[dict]:
    rho = 1.0 if model == "lasso" else 0.5
    return [_bench_l1_one(model, rho, name, X, y, repeats) for name, X, y in _lasso_sets()]


def _bench_l1_one(model: str, rho: float, name: str, X, y, repeats: int) -> dict:
    alphas = coefficient_paths(X, y, model=model, l1_ratio=rho, n_alphas=100).alphas
    Xc, yc = X - X.mean(axis=0), y - y.mean()  # sklearn gets the centering for free
    eq = [sklearn_equivalent(model, a, len(y), rho) for a in alphas]
    sk_alphas = np.array([e["alpha"] for e in eq])
    sk_l1 = eq[0].get("l1_ratio", 1.0)
    res: dict = {}

    def sk_path(tol, key):
        def run():
            if model == "lasso":
                _, c, _ = lasso_path(Xc, yc, alphas=sk_alphas, tol=tol, max_iter=10**6)
            else:
                _, c, _ = enet_path(Xc, yc, l1_ratio=sk_l1, alphas=sk_alphas, tol=tol,
                                    max_iter=10**6)
            res[key] = c.T
        return run

    def ours():
        res["ours"] = coefficient_paths(X, y, model=model, l1_ratio=rho, alphas=alphas).coefs

    label = "lasso_path" if model == "lasso" else "enet_path"
    fns = {
        "coefficient_paths": ours,
        f"{label} tol=1e-4 (default)": sk_path(1e-4, "default"),
        f"{label} tol=1e-10": sk_path(1e-10, "tight"),
    }
    t = _race(fns, dict.fromkeys(fns, repeats))
    ref, _ = _sk_coefs(model, alphas, X, y, rho)
    return {
        "model": model,
        "l1_ratio": rho,
        "data": name,
        "n_alphas": int(alphas.size),
        "times": t,
        "ratio_vs_default_tol": _ratio(t["coefficient_paths"], t[list(fns)[1]]),
        "ratio_vs_tight_tol": _ratio(t["coefficient_paths"], t[list(fns)[2]]),
        "max_rel_err_vs_exact_sklearn_fits": {
            "coefficient_paths": _rel_err(res["ours"], ref),
            f"{label} tol=1e-4": _rel_err(res["default"], ref),
            f"{label} tol=1e-10": _rel_err(res["tight"], ref),
        },
        "goal": "ratio vs default tol ≤ 1.5×" if model == "lasso" else "information",
    }


# --------------------------------------------------------------------------- (c) accuracy


def accuracy_on_diabetes() -> list[dict]:
    X, y = load_diabetes(return_X_y=True)
    rows = []
    for model, rho in (("lasso", 1.0), ("enet", 0.5), ("enet", 0.1), ("ridge", 0.0)):
        res = coefficient_paths(X, y, model=model, l1_ratio=rho, n_alphas=100)
        ref, icpt = _sk_coefs(model, res.alphas, X, y, rho)
        rows.append({
            "model": model,
            "l1_ratio": rho,
            "sklearn": sklearn_equivalent(model, 1.0, len(y), rho)["estimator"],
            "n_alphas": int(res.alphas.size),
            "max_rel_coef_diff": _rel_err(res.coefs, ref),
            "max_abs_intercept_diff": float(np.abs(res.intercepts - icpt).max()),
            "max_kkt_violation": float(res.kkt_violation.max()),
        })
    return rows


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict:
    """Run everything; return the results (as written to the JSON file)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7, help="repeats of the fast contenders")
    p.add_argument("--ridge-loop-repeats", type=int, default=2,
                   help="repeats of the slow per-α Ridge loop (~20 s each)")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="limit BLAS threads for all contenders (default: the library's)")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    if args.blas_threads is not None:
        with threadpool_limits(limits=args.blas_threads, user_api="blas"):
            return _run(args)
    return _run(args)


def _run(args: argparse.Namespace) -> dict:
    load0 = os.getloadavg()
    results: dict = {
        "env": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
            "cpus": os.cpu_count(),
            "loadavg_start": load0,
            "blas": [
                {k: info.get(k) for k in ("internal_api", "version", "num_threads")}
                for info in threadpool_info() if info.get("user_api") == "blas"
            ],
        },
    }
    threads = [b["num_threads"] for b in results["env"]["blas"]]
    print(f"# linreg_core.engine.paths benchmark (load average at start {load0[0]:.1f}, "
          f"{os.cpu_count()} CPUs, BLAS threads {threads}; medians [min–max])\n")

    print("(a) Ridge path, 100 α")
    r = bench_ridge(args.repeats, args.ridge_loop_repeats)
    results["ridge"] = r
    for k, v in r["times"].items():
        print(f"    {k:<28} {_fmt(v)}  ({len(v['times_s'])} runs)")
    print(f"    speedup {_fmt_ratio(r['speedup'])}  (goal ≥ 100×); "
          f"largest difference {r['max_rel_diff']:.1e} of max|w|\n")

    for model in ("lasso", "enet"):
        title = "Lasso" if model == "lasso" else "Elastic net ρ=0.5 (information)"
        print(f"(b) {title} path, 100 α")
        rows = bench_l1(model, args.repeats)
        results[model] = rows
        for row in rows:
            print(f"  {row['data']}")
            errs = list(row["max_rel_err_vs_exact_sklearn_fits"].values())
            for (k, v), err in zip(row["times"].items(), errs, strict=True):
                print(f"    {k:<28} {_fmt(v):<34} max rel. error {err:.1e}")
            print(f"    ours / default tol {_fmt_ratio(row['ratio_vs_default_tol'])}"
                  + ("  (goal ≤ 1.5×)" if model == "lasso" else "")
                  + f";  ours / tol=1e-10 {_fmt_ratio(row['ratio_vs_tight_tol'])}")
        print()

    print("(c) Largest difference from scikit-learn on diabetes (100-α default grids)")
    results["accuracy_diabetes"] = acc = accuracy_on_diabetes()
    print(f"    {'model':<10} {'sklearn':<11} {'max|Δw|/max|w|':>15} {'max|Δb|':>10} "
          f"{'max KKT':>9}")
    for row in acc:
        label = row["model"] + (f" ρ={row['l1_ratio']}" if row["model"] == "enet" else "")
        print(f"    {label:<10} {row['sklearn']:<11} {row['max_rel_coef_diff']:>15.1e} "
              f"{row['max_abs_intercept_diff']:>10.1e} {row['max_kkt_violation']:>9.1e}")

    results["env"]["loadavg_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")
    return results


if __name__ == "__main__":
    main()
