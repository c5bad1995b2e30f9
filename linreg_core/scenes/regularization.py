"""A regularization scene: settings in, the paths, CV, geometry and the L1-vs-L2 evidence out.

Every model uses the notes' convention ``(1/(2n))·||y − Xw − b||² + α·P(w)`` (see
:mod:`linreg_core.engine.paths`), and all three share one α grid so one α marker fits every chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linreg_core.data import datasets as data
from linreg_core.data import registry
from linreg_core.engine.paths import (
    PathResult,
    coefficient_paths,
    cross_validate_path,
    sklearn_equivalent,
)
from linreg_core.settings import RegSettings

MODELS = ("lasso", "ridge", "enet")
CV_MAX_ROWS = 100_000


@dataclass
class RegScene:
    settings: RegSettings
    dataset: data.Dataset
    alphas: np.ndarray
    paths: dict[str, PathResult]
    cvs: dict[str, Any]
    geometry: dict[str, Any]
    ols_coef: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return list(self.paths)


def load_reg_dataset(s: RegSettings) -> data.Dataset:
    return registry.build(s.dataset, "regularization", **registry.options_of(s))


def common_alphas(X: np.ndarray, y: np.ndarray, n_alphas: int, standardize: bool,
                  l1_ratio: float) -> np.ndarray:
    """One log grid, decreasing, that holds the interesting part of every model.

    The Lasso/elastic-net part runs from above ``alpha_max`` (all coefficients zero) down to
    ``alpha_max/1000``; the Ridge part from where every direction of ``XcᵀXc/n`` (top
    eigenvalue ``s``) is shrunk to under 1% (``α = 50·s``: the factor is ``s/(s + 2α)``) down to
    ``s/1000`` (almost least squares).
    """
    Xs = data.standardize(X)[0] if standardize else np.asarray(X, dtype=float)
    Xc = Xs - Xs.mean(axis=0)
    yc = np.asarray(y, dtype=float).reshape(-1) - np.mean(y)
    n = len(yc)
    a_max = float(np.max(np.abs(Xc.T @ yc)) / n) / max(min(l1_ratio, 1.0), 1e-3)
    a_max_l1 = float(np.max(np.abs(Xc.T @ yc)) / n)
    s = float(np.linalg.eigvalsh(Xc.T @ Xc / n)[-1])
    hi = max(a_max * 1.5, 50 * s)
    lo = min(a_max_l1 * 1e-3, s * 1e-3)
    return np.logspace(np.log10(hi), np.log10(lo), n_alphas)


def _default_pair(ds: data.Dataset) -> tuple[str, str]:
    names = ds.feature_names
    if ds.name == "diabetes":
        return "bmi", "s5"
    if ds.name == "correlated":
        return names[0], names[1]
    if ds.true_weights is not None:
        order = np.argsort(-np.abs(ds.true_weights[:, 0]))
        return names[order[0]], names[order[1]]
    return names[0], names[1]


def _geometry(X: np.ndarray, y: np.ndarray, alphas: np.ndarray, names: list[str],
              pair: tuple[str, str], standardize: bool) -> dict[str, Any]:
    """The two-feature problem behind the L1 diamond and the L2 circle."""
    j = [names.index(pair[0]), names.index(pair[1])]
    X2 = X[:, j]
    if standardize:
        X2, _, _ = data.standardize(X2)
    Xc = X2 - X2.mean(axis=0)
    yc = y.reshape(-1) - y.mean()
    n = len(yc)
    M = Xc.T @ Xc / (2 * n)  # the loss is (1/(2n))·||yc − Xc w||² = L* + (w − w*)ᵀ M (w − w*)
    w_ols = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    l1 = coefficient_paths(X2, y, model="lasso", alphas=alphas).coefs
    l2 = coefficient_paths(X2, y, model="ridge", alphas=alphas).coefs
    return {"pair": pair, "M": M, "w_ols": w_ols, "l1_path": l1, "l2_path": l2}


def build_reg_scene(s: RegSettings, dataset: data.Dataset | None = None) -> RegScene:
    """Paths, CV and geometry for one scene (``dataset`` replaces the built-in data)."""
    ds = dataset if dataset is not None else load_reg_dataset(s)
    if ds.n_features < 2:
        raise ValueError("regularization paths need at least two features; choose more "
                         "feature columns")
    X, y = ds.X, ds.y.reshape(-1)
    alphas = common_alphas(X, y, s.n_alphas, s.standardize, s.l1_ratio)
    models = list(MODELS) if s.view == "all" else [s.view]
    paths, cvs = {}, {}
    # Cross-validation refits every fold: on large data it runs on a seeded sample of rows.
    cv_rows = np.arange(len(y))
    notes = []
    if len(y) > CV_MAX_ROWS:
        cv_rows = np.sort(np.random.default_rng(s.seed).choice(len(y), CV_MAX_ROWS,
                                                                replace=False))
        notes.append(f"Cross-validation uses {CV_MAX_ROWS:,} of {len(y):,} rows (a seeded "
                     "sample); the paths use every row.")
    for m in models:
        paths[m] = coefficient_paths(X, y, model=m, alphas=alphas, l1_ratio=s.l1_ratio,
                                     standardize=s.standardize)
        cvs[m] = cross_validate_path(X[cv_rows], y[cv_rows], model=m, alphas=alphas,
                                     l1_ratio=s.l1_ratio, standardize=s.standardize,
                                     cv=s.cv_folds, seed=s.seed)
    Xs = data.standardize(X)[0] if s.standardize else X
    Xc = Xs - Xs.mean(axis=0)
    ols = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    pair = (s.geo_x, s.geo_y) if s.geo_x in ds.feature_names and s.geo_y in ds.feature_names \
        and s.geo_x != s.geo_y else _default_pair(ds)
    geometry = _geometry(X, y, alphas, ds.feature_names, pair, s.standardize)
    return RegScene(settings=s, dataset=ds, alphas=alphas, paths=paths, cvs=cvs,
                    geometry=geometry, ols_coef=ols, extra={"notes": notes})


def gd_overlay(scene: RegScene, every: int = 5, epochs: int = 150) -> dict[str, Any]:
    """Each shown model trained by fit_gd (proximal for L1), warm-started along every
    ``every``-th α of the scene's grid."""
    from linreg_core.engine.penalized_gd import gd_path

    s = scene.settings
    sub = scene.alphas[::every]
    return {m: gd_path(scene.dataset.X, scene.dataset.y, model=m, alphas=sub,
                       l1_ratio=s.l1_ratio, standardize=s.standardize, epochs=epochs)
            for m in scene.paths}


def polynomial_curves(scene: RegScene, i: int, points: int = 200
                      ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """For the polynomial data: a grid over x and each model's fitted curve at α = alphas[i],
    with ``"ols"`` the least-squares polynomial without a penalty."""
    from linreg_core.data.datasets import polynomial_features

    ds = scene.dataset
    x = ds.X[:, 0]
    grid = np.linspace(x.min(), x.max(), points)
    Xg = polynomial_features(grid, ds.n_features)
    curves = {m: p.predict(Xg)[:, i] for m, p in scene.paths.items()}
    ols = np.linalg.lstsq(np.column_stack([ds.X, np.ones(len(x))]), ds.y[:, 0], rcond=None)[0]
    curves["ols"] = np.column_stack([Xg, np.ones(len(grid))]) @ ols
    return grid, curves


def sklearn_mapping(model: str, alpha: float, n_samples: int, l1_ratio: float) -> str:
    """The scikit-learn call that fits the same model at this α, as text."""
    eq = sklearn_equivalent(model, alpha, n_samples, l1_ratio)
    args = ", ".join(f"{k}={v:.6g}" for k, v in eq.items()
                     if k != "estimator" and isinstance(v, float | int))
    return f"{eq['estimator']}({args})"


def _demo_correlated(ds: data.Dataset, paths: dict[str, PathResult], i: int) -> str:
    """Which of the correlated features each model keeps at α index i."""
    X = ds.X
    names = ds.feature_names
    if ds.name == "correlated":
        groups: dict[str, list[int]] = {}
        for j, nme in enumerate(names):
            groups.setdefault(nme[:-1], []).append(j)
        pieces = []
        for g, cols in list(groups.items())[:3]:
            part = []
            for m in ("lasso", "ridge"):
                if m in paths:
                    w = paths[m].coefs[i, cols]
                    part.append(f"{m}: " + ", ".join(f"{names[c]} {v:+.2f}"
                                                     for c, v in zip(cols, w, strict=True)))
            pieces.append(f"group {g}: " + "; ".join(part))
        return " | ".join(pieces)
    C = np.corrcoef(X.T)
    np.fill_diagonal(C, 0)
    a, b = np.unravel_index(np.argmax(np.abs(C)), C.shape)
    part = []
    for m in ("lasso", "ridge"):
        if m in paths:
            w = paths[m].coefs[i]
            part.append(f"{m}: {names[a]} {w[a]:+.3g}, {names[b]} {w[b]:+.3g}")
    return (f"most correlated pair {names[a]}/{names[b]} (r = {C[a, b]:.2f}): "
            + "; ".join(part))


def _outlier_sensitivity(scene: RegScene, i: int) -> dict[str, str]:
    """Refit at α with the highest-leverage sample's target moved by 5 standard deviations."""
    X, y = scene.dataset.X, scene.dataset.y.reshape(-1).copy()
    Xc = X - X.mean(axis=0)
    j = int(np.argmax(np.einsum("ij,ij->i", Xc, Xc)))
    y[j] += 5 * y.std()
    out = {}
    alpha = float(scene.alphas[i])
    for m in ("lasso", "ridge"):
        if m not in scene.paths:
            continue
        before = scene.paths[m].coefs[i]
        after = coefficient_paths(X, y, model=m, alphas=[alpha], l1_ratio=scene.settings.l1_ratio,
                                  standardize=scene.settings.standardize).coefs[0]
        scale = max(np.sqrt((before**2).sum()), 1e-12)
        changed = int(np.sum((before == 0) != (after == 0)))
        out[m] = (f"coefficients moved by {np.sqrt(((after - before)**2).sum()) / scale:.0%}"
                  + (f", {changed} switched between zero and non-zero" if m == "lasso" else ""))
    return out


def l1_vs_l2_evidence(scene: RegScene, i: int) -> list[dict[str, str]]:
    """The notes' comparison table, each row measured on the scene's data at α index i."""
    p = scene.paths
    d = scene.dataset.n_features
    rows = []

    def zeros(m: str) -> str:
        if m not in p:
            return "—"
        w = p[m].coefs[i]
        return f"{int(np.sum(w == 0))} of {d} exactly 0"

    rows.append({"property": "Sparse solution", "L1 (Lasso)": zeros("lasso"),
                 "L2 (Ridge)": zeros("ridge") + (
                     f" (smallest |w| = {np.abs(p['ridge'].coefs[i]).min():.2g})"
                     if "ridge" in p else "")})
    rows.append({"property": "Correlated features", "L1 (Lasso)": "", "L2 (Ridge)": "",
                 "evidence": _demo_correlated(scene.dataset, p, i)})
    ols1, ols2 = np.abs(scene.ols_coef).sum(), np.sqrt((scene.ols_coef**2).sum())
    shrink = {}
    for m in ("lasso", "ridge"):
        if m in p:
            w = p[m].coefs[i]
            shrink[m] = (f"‖w‖₁ = {np.abs(w).sum() / ols1:.0%} of least squares, "
                         f"‖w‖₂ = {np.sqrt((w**2).sum()) / ols2:.0%}")
    rows.append({"property": "Shrinkage", "L1 (Lasso)": shrink.get("lasso", "—"),
                 "L2 (Ridge)": shrink.get("ridge", "—")})
    outl = _outlier_sensitivity(scene, i)
    rows.append({"property": "Sensitivity to an outlier (one y pushed 5 std away)",
                 "L1 (Lasso)": outl.get("lasso", "—"), "L2 (Ridge)": outl.get("ridge", "—")})
    cv = {m: (f"CV MSE {float(c.mean_mse[i]):.4g} here; best {float(c.mean_mse[c.best_index]):.4g}"
              f" at α = {c.best_alpha:.3g}") for m, c in scene.cvs.items()}
    rows.append({"property": "Generalization (K-fold validation error)",
                 "L1 (Lasso)": cv.get("lasso", "—"), "L2 (Ridge)": cv.get("ridge", "—")})
    kkt = {m: (f"optimality conditions hold to {np.max(p[m].kkt_violation[i:i + 1]):.1e}"
               if p[m].kkt_violation is not None else "exact solve") for m in p}
    rows.append({"property": "Convex optimization (one global optimum)",
                 "L1 (Lasso)": kkt.get("lasso", "—"), "L2 (Ridge)": kkt.get("ridge", "—")})
    return rows
