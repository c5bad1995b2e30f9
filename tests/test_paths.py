"""Tests of ``linreg_core.engine.paths`` against scikit-learn's exact fits.

Nothing is hard-coded: every expected value is computed here. The oracles are
scikit-learn's ``Lasso`` / ``ElasticNet`` (``tol=1e-12, max_iter=10**6``) and ``Ridge``
fitted at each α through :func:`sklearn_equivalent`; ``alpha_max`` from its KKT formula
``max|Xcᵀyc| / (n·ρ)``; the α mapping by evaluating both conventions' objectives at random
points; the folds by ``KFold`` with a ``StandardScaler`` fitted on each training part.
Agreement is required to 1e-6 relative to the largest |coefficient| of the path.
Data: diabetes, a correlated-features set and a random 50×8 set (local generators only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso, Ridge
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from linreg_core.engine import paths
from linreg_core.engine.paths import (
    alpha_max,
    coefficient_paths,
    cross_validate_path,
    sklearn_equivalent,
)

REL = 1e-6
N_ALPHAS = 12  # per path in the oracle comparisons: each α is one sklearn fit


def _diabetes():
    return load_diabetes(return_X_y=True)


def _correlated(seed: int = 1, n: int = 120, d: int = 6):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 1))
    X = 3.0 + z + 0.1 * rng.standard_normal((n, d))  # pairwise correlation ≈ 0.99
    y = X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) + 7.0
    return X, y


def _random(seed: int = 2, n: int = 50, d: int = 8):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=rng.normal(size=d), scale=rng.uniform(0.5, 3.0, size=d), size=(n, d))
    w = rng.standard_normal(d) * (rng.random(d) < 0.6)
    return X, X @ w - 2.0 + rng.standard_normal(n)


def _wide(seed: int = 3, n: int = 25, d: int = 40):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, X[:, :4] @ np.array([2.0, -1.0, 0.5, 1.5]) + 0.3 * rng.standard_normal(n)


DATASETS = {"diabetes": _diabetes, "correlated": _correlated, "random50x8": _random}
MODELS = [("lasso", 1.0), ("enet", 0.5), ("enet", 0.2), ("ridge", 0.0)]


def _sklearn_fit(model: str, alpha: float, X, y, l1_ratio: float):
    eq = sklearn_equivalent(model, alpha, X.shape[0], l1_ratio)
    if eq["estimator"] == "Lasso":
        est = Lasso(alpha=eq["alpha"], tol=1e-12, max_iter=10**6)
    elif eq["estimator"] == "ElasticNet":
        est = ElasticNet(alpha=eq["alpha"], l1_ratio=eq["l1_ratio"], tol=1e-12, max_iter=10**6)
    else:
        est = Ridge(alpha=eq["alpha"])
    return est.fit(X, y)


def _assert_matches_sklearn(res, X, y, l1_ratio):
    scale = np.abs(res.coefs).max()
    assert scale > 0
    icpt_scale = abs(y.mean()) + scale * np.abs(X.mean(axis=0)).sum()
    for alpha, w, b in zip(res.alphas, res.coefs, res.intercepts, strict=True):
        est = _sklearn_fit(res.model, alpha, X, y, l1_ratio)
        np.testing.assert_allclose(w, est.coef_, rtol=0, atol=REL * scale, err_msg=f"α={alpha}")
        assert abs(b - est.intercept_) <= REL * icpt_scale, f"intercept at α={alpha}"


# --------------------------------------------------------------------------- vs scikit-learn


@pytest.mark.parametrize(("model", "l1_ratio"), MODELS)
@pytest.mark.parametrize("dataset", list(DATASETS))
def test_path_matches_sklearn_at_every_alpha(dataset, model, l1_ratio):
    X, y = DATASETS[dataset]()
    res = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, n_alphas=N_ALPHAS)
    _assert_matches_sklearn(res, X, y, l1_ratio)
    assert res.kkt_violation.max() < 1e-9


@pytest.mark.parametrize(("model", "l1_ratio"), [("enet", 0.5), ("ridge", 0.0)])
def test_wide_data_more_features_than_samples(model, l1_ratio):
    X, y = _wide()  # Ridge goes through the SVD here; the elastic net stays unique
    res = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, n_alphas=8)
    _assert_matches_sklearn(res, X, y, l1_ratio)


@pytest.mark.parametrize("data", ["duplicated column", "wide"])
def test_lasso_where_the_weights_are_not_unique(data):
    # duplicated columns / d > n: the Lasso weights need not be unique, its fit Xw is
    if data == "wide":
        X, y = _wide()
    else:
        X, y = _random()
        X = np.column_stack([X, X[:, 0]])
    res = coefficient_paths(X, y, model="lasso", n_alphas=8)
    assert res.kkt_violation.max() < 1e-9
    fits = res.predict(X)
    for k, alpha in enumerate(res.alphas):
        est = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(X, y)
        np.testing.assert_allclose(fits[:, k], est.predict(X), rtol=0, atol=REL * np.abs(y).max())


def test_polishing_corrects_a_wrong_active_set():
    # the exact active-set solve must not depend on coordinate descent's support being right
    X, y = _diabetes()
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    solver = paths._ActiveSet(Xc, yc, Xc.T @ Xc / len(y))
    alpha = 0.05 * alpha_max(X, y)
    exact = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(X, y).coef_
    wrong = np.where(exact == 0, 1.0, 0.0)  # every truly-zero weight on, every other off
    for w0 in (np.zeros(X.shape[1]), wrong):
        w = solver.polish(w0, alpha, 0.0)
        np.testing.assert_allclose(w, exact, rtol=0, atol=REL * np.abs(exact).max())


@pytest.mark.parametrize(("model", "l1_ratio"), MODELS)
def test_gram_without_a_centered_copy_agrees_with_the_copy(model, l1_ratio, monkeypatch):
    # near-centered columns: XcᵀXc is formed as XᵀX − n·x̄x̄ᵀ (no copy of X); shifted by a
    # large offset, the same centered data go through the centered copy instead
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 12)) * rng.uniform(0.5, 2.0, 12) + 0.1
    y = X[:, :5] @ rng.standard_normal(5) + rng.standard_normal(300)
    routes = []
    real = paths._Data._gram_uncentered

    def spy(self):
        out = real(self)
        routes.append(out is not None)
        return out

    monkeypatch.setattr(paths._Data, "_gram_uncentered", spy)
    near = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, n_alphas=N_ALPHAS)
    far = coefficient_paths(X + 1e3, y, model=model, l1_ratio=l1_ratio, alphas=near.alphas)
    assert routes == [True, False]
    scale = np.abs(near.coefs).max()
    np.testing.assert_allclose(near.coefs, far.coefs, rtol=0, atol=1e-9 * scale)
    _assert_matches_sklearn(near, X, y, l1_ratio)


@pytest.mark.parametrize(("model", "l1_ratio"), MODELS)
def test_standardize_without_a_centered_copy(model, l1_ratio):
    X, y = _diabetes()  # near-centered columns: the Gram route, scaled afterwards
    res = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, standardize=True, n_alphas=8)
    scaler = StandardScaler().fit(X)
    np.testing.assert_allclose(res.x_scale, scaler.scale_, rtol=1e-12)
    _assert_matches_sklearn(res, scaler.transform(X), y, l1_ratio)


@pytest.mark.parametrize(("model", "l1_ratio"), MODELS)
def test_a_single_feature(model, l1_ratio):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((40, 1))
    y = 2.0 * X[:, 0] + rng.standard_normal(40)
    res = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, n_alphas=6)
    _assert_matches_sklearn(res, X, y, l1_ratio)


@pytest.mark.parametrize("l1_ratio", [0.05, 0.9])
def test_enet_runs_of_one_active_set_share_a_reduction(l1_ratio, monkeypatch):
    # with a small ρ the active set stays the same over long runs of α: those share one
    # tridiagonal reduction (shorter runs: one Cholesky per α); both are checked here
    calls = []
    real = paths._SYTRD

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(paths, "_SYTRD", counted)
    X, y = _random(n=200, d=15)
    res = coefficient_paths(X, y, model="enet", l1_ratio=l1_ratio, n_alphas=40)
    if l1_ratio < 0.5:
        assert calls
    _assert_matches_sklearn(res, X, y, l1_ratio)
    assert res.kkt_violation.max() < 1e-9


def test_a_large_gram_split_into_row_blocks(monkeypatch):
    # a Gram above GRAM_THREADED_MIN is summed from row blocks computed side by side
    from linreg_core.engine import gram

    monkeypatch.setattr(gram, "blas_threads", lambda: 3)
    rng = np.random.default_rng(7)
    X = rng.standard_normal((int(paths.GRAM_THREADED_MIN // 60**2) + 1, 60))
    G = paths._gram_of(X)
    np.testing.assert_allclose(G, X.T @ X, rtol=0, atol=1e-12 * np.abs(G).max())
    np.testing.assert_array_equal(G, G.T)


def test_a_very_large_gram_takes_the_idle_cores_under_a_one_thread_limit(monkeypatch):
    # the app limits BLAS to one thread per session; a Gram of 5e8+ multiply-adds still uses
    # every idle core (row blocks on one BLAS thread each), and only the idle ones
    from concurrent import futures

    from linreg_core.engine import gram

    assert 1 <= gram.idle_cores() <= gram._cores()
    workers = []
    real_pool = futures.ThreadPoolExecutor

    def pool(max_workers):
        workers.append(max_workers)
        return real_pool(max_workers)

    monkeypatch.setattr(gram, "ThreadPoolExecutor", pool)
    monkeypatch.setattr(gram, "blas_threads", lambda: 1)
    monkeypatch.setattr(gram, "_cores", lambda: 2)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((int(gram.GRAM_IDLE_CORES_MIN // 40**2) + 1, 40))
    for idle, expected in ((2, [2]), (1, [])):
        workers.clear()
        monkeypatch.setattr(gram, "idle_cores", lambda idle=idle: idle)
        G = gram.gram_matrix(X)
        assert workers == expected
        np.testing.assert_allclose(G, X.T @ X, rtol=0, atol=1e-11 * np.abs(G).max())
        np.testing.assert_array_equal(G, G.T)


def test_ridge_tiny_alphas_still_exact():
    X, y = _correlated()  # ill-conditioned: the Gram route would square κ, the SVD is used
    res = coefficient_paths(X, y, model="ridge", alphas=np.geomspace(1e-3, 1e-11, 5))
    _assert_matches_sklearn(res, X, y, 0.0)


def test_ridge_uses_one_factorization(monkeypatch):
    calls = []

    def count(owner, attr, name):
        real = getattr(owner, attr)

        def counted(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, attr, counted)

    for name in ("eigh", "svd", "cholesky", "cho_factor"):
        count(scipy.linalg, name, name)
    count(paths, "_SYTRD", "sytrd")  # the tridiagonal reduction of the Gram
    count(paths, "_POTRF", "potrf")
    X, y = _random(n=400, d=30)
    res = coefficient_paths(X, y, model="ridge", n_alphas=100)
    assert calls == ["sytrd"]
    assert res.coefs.shape == (100, 30)


# --------------------------------------------------------------------------- alpha_max


@pytest.mark.parametrize(("model", "l1_ratio"), [("lasso", 1.0), ("enet", 0.5), ("enet", 0.1)])
@pytest.mark.parametrize("dataset", list(DATASETS))
def test_all_zero_at_and_above_alpha_max(dataset, model, l1_ratio):
    X, y = DATASETS[dataset]()
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    rho = 1.0 if model == "lasso" else l1_ratio
    a_max = np.abs(Xc.T @ yc).max() / (len(y) * rho)
    assert alpha_max(X, y, l1_ratio=rho) == pytest.approx(a_max, rel=1e-12)
    res = coefficient_paths(
        X, y, model=model, l1_ratio=l1_ratio, alphas=[10 * a_max, a_max, a_max * (1 - 1e-3)]
    )
    assert np.all(res.coefs[:2] == 0)
    np.testing.assert_allclose(res.intercepts[:2], y.mean(), rtol=1e-12)
    assert np.count_nonzero(res.coefs[2]) >= 1


@pytest.mark.parametrize("model", ["lasso", "enet"])
def test_default_grid_spans_alpha_max_to_1e3_below(model):
    X, y = _random()
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    rho = 1.0 if model == "lasso" else 0.5
    a_max = np.abs(Xc.T @ yc).max() / (len(y) * rho)
    res = coefficient_paths(X, y, model=model, n_alphas=30)
    assert res.alphas[0] == pytest.approx(a_max, rel=1e-12)
    assert res.alphas[-1] == pytest.approx(a_max * 1e-3, rel=1e-12)
    np.testing.assert_allclose(np.diff(np.log(res.alphas)), np.log(1e-3) / 29, rtol=1e-9)
    assert np.all(res.coefs[0] == 0)
    assert np.any(res.coefs[1] != 0)


def test_default_ridge_grid_follows_the_top_eigenvalue():
    X, y = _random()
    Xc = X - X.mean(axis=0)
    top = np.linalg.eigvalsh(Xc.T @ Xc / len(y))[-1]
    res = coefficient_paths(X, y, model="ridge", n_alphas=20)
    assert res.alphas[0] == pytest.approx(1e3 * top, rel=1e-9)
    assert res.alphas[-1] == pytest.approx(1e-4 * top, rel=1e-9)


# --------------------------------------------------------------------------- result contents


@pytest.mark.parametrize(("model", "l1_ratio"), MODELS)
def test_shapes_order_and_intercepts(model, l1_ratio):
    X, y = _random()
    res = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, n_alphas=17)
    assert res.alphas.shape == (17,)
    assert res.coefs.shape == (17, X.shape[1])
    assert res.intercepts.shape == (17,)
    assert res.kkt_violation.shape == (17,)
    assert np.all(np.diff(res.alphas) < 0)
    assert res.model == model
    assert res.l1_ratio == {"lasso": 1.0, "ridge": 0.0}.get(model, l1_ratio)
    assert not res.standardized
    assert res.x_mean is None
    assert res.x_scale is None
    np.testing.assert_allclose(res.intercepts, y.mean() - res.coefs @ X.mean(axis=0))
    np.testing.assert_allclose(res.predict(X), X @ res.coefs.T + res.intercepts)


def test_y_as_column_and_feature_names():
    X, y = _random()
    names = [f"x{j}" for j in range(X.shape[1])]
    a = coefficient_paths(X, y[:, None], n_alphas=5, feature_names=names)
    b = coefficient_paths(X, y, n_alphas=5)
    np.testing.assert_array_equal(a.coefs, b.coefs)
    assert a.feature_names == tuple(names)
    assert b.feature_names is None


@pytest.mark.parametrize(("model", "l1_ratio"), MODELS)
def test_standardize_with_a_constant_column(model, l1_ratio):
    X, y = _random()
    X = np.column_stack([X[:, :3], np.full(len(y), 4.2), X[:, 3:]])
    res = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, standardize=True, n_alphas=8)
    assert np.all(np.isfinite(res.coefs))
    assert np.all(res.coefs[:, 3] == 0)
    assert res.standardized
    assert res.x_scale[3] == 1.0
    scaler = StandardScaler().fit(X)  # also leaves a constant column unscaled
    np.testing.assert_allclose(res.x_mean, scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(res.x_scale, scaler.scale_, rtol=1e-12)
    _assert_matches_sklearn(res, scaler.transform(X), y, l1_ratio)
    # the same models on the original features
    coefs, intercepts = res.original_scale()
    np.testing.assert_allclose(X @ coefs.T + intercepts, res.predict(X), rtol=1e-9, atol=1e-9)


def test_user_alphas_are_sorted_decreasing():
    X, y = _diabetes()
    for model in ("lasso", "enet", "ridge"):
        res = coefficient_paths(X, y, model=model, alphas=[0.1, 1.0, 0.01, 0.5])
        np.testing.assert_array_equal(res.alphas, [1.0, 0.5, 0.1, 0.01])
        ref = coefficient_paths(X, y, model=model, alphas=[1.0, 0.5, 0.1, 0.01])
        np.testing.assert_allclose(res.coefs, ref.coefs, rtol=0, atol=1e-12)
    single = coefficient_paths(X, y, alphas=0.3)
    assert single.coefs.shape == (1, X.shape[1])


# --------------------------------------------------------------------------- the mapping


def _ours(X, y, w, b, alpha, model, rho):
    r = y - X @ w - b
    pen = {
        "lasso": np.abs(w).sum(),
        "ridge": w @ w,
        "enet": rho * np.abs(w).sum() + (1 - rho) * (w @ w),
    }[model]
    return r @ r / (2 * len(y)) + alpha * pen


def _sklearn_objective(X, y, w, b, eq):
    """The objectives as scikit-learn documents them."""
    r = y - X @ w - b
    n = len(y)
    if eq["estimator"] == "Lasso":
        return r @ r / (2 * n) + eq["alpha"] * np.abs(w).sum()
    if eq["estimator"] == "Ridge":
        return r @ r + eq["alpha"] * (w @ w)
    a, l1 = eq["alpha"], eq["l1_ratio"]
    return r @ r / (2 * n) + a * l1 * np.abs(w).sum() + 0.5 * a * (1 - l1) * (w @ w)


@pytest.mark.parametrize(
    ("model", "rho", "estimator", "factor"),
    [
        ("lasso", 1.0, "Lasso", lambda n: 1.0),
        ("ridge", 0.0, "Ridge", lambda n: 2.0 * n),
        ("enet", 0.7, "ElasticNet", lambda n: 1.0),
        ("enet", 0.05, "ElasticNet", lambda n: 1.0),
        ("enet", 1.0, "ElasticNet", lambda n: 1.0),
        ("enet", 0.0, "Ridge", lambda n: 2.0 * n),
    ],
)
def test_mapping_gives_the_same_objective(model, rho, estimator, factor):
    rng = np.random.default_rng(4)
    X, y = _random()
    n = len(y)
    for alpha in (1e-3, 0.37, 12.0):
        eq = sklearn_equivalent(model, alpha, n, l1_ratio=rho)
        assert eq["estimator"] == estimator
        for _ in range(3):  # the objectives agree everywhere, so have the same minimizer
            w, b = rng.standard_normal(X.shape[1]), rng.standard_normal()
            ours = _ours(X, y, w, b, alpha, model, rho)
            assert _sklearn_objective(X, y, w, b, eq) == pytest.approx(factor(n) * ours, rel=1e-12)


def test_mapping_values():
    assert sklearn_equivalent("lasso", 0.3, 10) == {"estimator": "Lasso", "alpha": 0.3}
    assert sklearn_equivalent("ridge", 0.3, 10) == {"estimator": "Ridge", "alpha": 2 * 10 * 0.3}
    eq = sklearn_equivalent("enet", 0.3, 10, l1_ratio=0.5)
    assert eq["estimator"] == "ElasticNet"
    # solve a·r' = ρα and ½a(1 − r') = (1 − ρ)α numerically for (a, r')
    rho, alpha = 0.5, 0.3
    a, ar = np.linalg.solve([[0.0, 1.0], [0.5, -0.5]], [rho * alpha, (1 - rho) * alpha])
    assert eq["alpha"] == pytest.approx(a, rel=1e-12)
    assert eq["l1_ratio"] == pytest.approx(ar / a, rel=1e-12)


def test_enet_endpoints_are_lasso_and_ridge():
    X, y = _correlated()
    alphas = np.geomspace(1.0, 1e-3, 6)
    for rho, model in ((1.0, "lasso"), (0.0, "ridge")):
        e = coefficient_paths(X, y, model="enet", l1_ratio=rho, alphas=alphas)
        m = coefficient_paths(X, y, model=model, alphas=alphas)
        np.testing.assert_allclose(e.coefs, m.coefs, rtol=0, atol=1e-12 * np.abs(m.coefs).max())


# --------------------------------------------------------------------------- validation


def _good():
    return _random()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.ones(5)}, "2-D"),
        ({"X": np.ones((5, 0)), "y": np.ones(5)}, "at least one feature"),
        ({"X": np.array([[1.0, np.nan], [2.0, 3.0]]), "y": np.ones(2)}, "NaN"),
        ({"y": np.full(50, np.inf)}, "y contains NaN or infinite"),
        ({"y": np.ones(49)}, "different lengths: 50 and 49"),
        ({"y": np.ones((50, 2))}, "1-D"),
        ({"X": np.ones((1, 3)), "y": np.ones(1)}, "at least 2 samples"),
        ({"X": [["a", "b"], ["c", "d"]], "y": [1, 2]}, "X must be numeric"),
        ({"model": "lars"}, "lasso, ridge, enet"),
        ({"l1_ratio": 1.5, "model": "enet"}, r"l1_ratio must be in \[0, 1\]"),
        ({"l1_ratio": -0.1, "model": "enet"}, r"l1_ratio must be in \[0, 1\]"),
        ({"l1_ratio": float("nan"), "model": "enet"}, r"l1_ratio must be in \[0, 1\]"),
        ({"alphas": [1.0, 0.0]}, "positive and finite; got 0.0"),
        ({"alphas": [1.0, -2.0]}, "positive and finite; got -2.0"),
        ({"alphas": [float("nan")]}, "positive and finite; got nan"),
        ({"alphas": [1.0, float("inf")], "model": "ridge"}, "positive and finite; got inf"),
        ({"alphas": []}, "non-empty"),
        ({"n_alphas": 0}, "n_alphas must be an integer"),
        ({"feature_names": ["a"]}, "1 feature_names for 8 features"),
    ],
)
def test_bad_inputs_raise(kwargs, match):
    X, y = _good()
    args = {"X": X, "y": y} | kwargs
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(ValueError, match=match):
        coefficient_paths(X, y, **args)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("lars", 1.0, 10), "unknown model"),
        (("lasso", 0.0, 10), "alpha must be positive"),
        (("ridge", float("inf"), 10), "alpha must be positive"),
        (("ridge", 1.0, 0), "n_samples must be an integer"),
        (("enet", 1.0, 10, 2.0), "l1_ratio"),
    ],
)
def test_sklearn_equivalent_rejects(args, match):
    with pytest.raises(ValueError, match=match):
        sklearn_equivalent(*args)


@pytest.mark.parametrize(("kwargs", "match"), [({"cv": 1}, "cv must be"), ({"cv": 51}, "cv=51")])
def test_cv_bad_inputs_raise(kwargs, match):
    X, y = _good()
    with pytest.raises(ValueError, match=match):
        cross_validate_path(X, y, model="lasso", n_alphas=4, **kwargs)


# --------------------------------------------------------------------------- cross-validation


@pytest.mark.parametrize(("model", "l1_ratio"), MODELS)
def test_cross_validation_shapes_and_best_alpha(model, l1_ratio):
    X, y = _diabetes()
    cv = cross_validate_path(X, y, model=model, l1_ratio=l1_ratio, n_alphas=15, cv=4, seed=3)
    grid = coefficient_paths(X, y, model=model, l1_ratio=l1_ratio, n_alphas=15).alphas
    np.testing.assert_array_equal(cv.alphas, grid)  # the grid comes from the full data
    assert cv.fold_mse.shape == (4, 15)
    assert cv.mean_mse.shape == cv.std_mse.shape == (15,)
    np.testing.assert_allclose(cv.mean_mse, cv.fold_mse.mean(axis=0))
    np.testing.assert_allclose(cv.std_mse, cv.fold_mse.std(axis=0))
    assert cv.best_alpha in cv.alphas
    assert cv.alphas[cv.best_index] == cv.best_alpha
    assert cv.mean_mse[cv.best_index] == cv.mean_mse.min()
    assert cv.alpha_1se >= cv.best_alpha
    again = cross_validate_path(X, y, model=model, l1_ratio=l1_ratio, n_alphas=15, cv=4, seed=3)
    np.testing.assert_array_equal(again.fold_mse, cv.fold_mse)


def test_cross_validation_folds_against_sklearn_with_training_only_scaling():
    X, y = _random(n=60)
    alphas = [0.5, 0.1, 0.02]
    res = cross_validate_path(X, y, model="lasso", alphas=alphas, standardize=True, cv=3, seed=7)
    folds = KFold(n_splits=3, shuffle=True, random_state=7).split(X)
    for i, (train, test) in enumerate(folds):
        scaler = StandardScaler().fit(X[train])
        for k, alpha in enumerate(res.alphas):
            est = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6)
            est.fit(scaler.transform(X[train]), y[train])
            mse = np.mean((est.predict(scaler.transform(X[test])) - y[test]) ** 2)
            assert res.fold_mse[i, k] == pytest.approx(mse, rel=1e-7)


def test_no_global_random_state_is_touched():
    # reading the legacy global state is the point: the engine must leave it alone
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    X, y = _random()
    cross_validate_path(X, y, model="enet", n_alphas=5, cv=3, seed=11)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


# --------------------------------------------------------------------------- degenerate data


def test_constant_target_gives_zero_weights():
    X, _ = _random()
    for model in ("lasso", "enet", "ridge"):
        res = coefficient_paths(X, np.full(len(X), 3.0), model=model, n_alphas=4)
        assert np.all(res.coefs == 0)
        assert np.all(res.intercepts == 3.0)


def test_paths_module_does_not_import_streamlit():
    tree = ast.parse(Path(paths.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] == "streamlit" for name in imported)
