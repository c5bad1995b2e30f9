"""GDRegressor against oracles: scikit-learn's closed forms and solvers, and fit_gd itself."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from linreg_core.data.datasets import seed3
from linreg_core.engine.estimator import GDRegressor
from linreg_core.engine.training import fit_gd


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # These problems are tiny (100 × 3): intra-op threads only add overhead, and on a loaded
    # machine OpenMP's spin-waiting made a 2-target fit 20-60× slower. Restored afterwards.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def data3() -> tuple[np.ndarray, np.ndarray]:
    ds = seed3()
    return ds.X, ds.y.ravel()


@pytest.fixture(scope="module")
def data3_two_targets(data3) -> tuple[np.ndarray, np.ndarray]:
    X, y = data3
    y2 = X @ np.array([-1.0, 0.5, 4.0]) - 2.0 + 0.1 * np.random.RandomState(1).randn(len(X))
    return X, np.column_stack([y, y2])


# --- the oracle: scikit-learn's least squares -------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_linear_regression_on_seed3(data3, dtype):
    X, y = data3
    ols = LinearRegression().fit(X, y)
    reg = GDRegressor(lr=0.1, epochs=2000, dtype=dtype).fit(X, y)

    np.testing.assert_allclose(reg.coef_, ols.coef_, atol=1e-4)
    assert reg.coef_.shape == (3,)
    assert isinstance(reg.intercept_, float)
    assert reg.intercept_ == pytest.approx(ols.intercept_, abs=1e-4)
    np.testing.assert_allclose(reg.predict(X), ols.predict(X), atol=1e-3)
    assert reg.score(X, y) == pytest.approx(ols.score(X, y), abs=1e-8)
    assert reg.coef_.dtype == np.float64  # whatever the compute precision

    assert reg.n_iter_ == 2000
    assert not reg.diverged_
    assert reg.loss_curve_.shape == (2001,)
    rel = 1e-5 if dtype == "float32" else 1e-10
    assert reg.loss_curve_[0] == pytest.approx(np.mean(y**2), rel=rel)  # zeros init: ŷ = 0
    assert reg.loss_curve_[-1] == pytest.approx(np.mean((ols.predict(X) - y) ** 2), rel=rel)
    curve = reg.loss_curve_
    assert np.all(np.diff(curve[:30]) < 0)  # stable full-batch GD goes downhill ...
    assert np.all(np.diff(curve) <= rel * curve[:-1])  # ... and never up (to rounding)
    assert reg.n_features_in_ == 3
    assert not hasattr(reg, "feature_names_in_")


def test_two_dimensional_y(data3_two_targets):
    X, Y = data3_two_targets
    ols = LinearRegression().fit(X, Y)
    reg = GDRegressor(lr=0.1, epochs=500).fit(X, Y)  # the 2-D MSE halves each target's step

    assert reg.coef_.shape == (2, 3)
    assert reg.intercept_.shape == (2,)
    np.testing.assert_allclose(reg.coef_, ols.coef_, atol=1e-8)
    np.testing.assert_allclose(reg.intercept_, ols.intercept_, atol=1e-8)
    assert reg.predict(X).shape == (100, 2)
    np.testing.assert_allclose(reg.predict(X), ols.predict(X), atol=1e-8)


def test_column_vector_y_keeps_2d_layout_like_linear_regression(data3):
    X, y = data3
    ols = LinearRegression().fit(X, y.reshape(-1, 1))
    reg = GDRegressor(lr=0.1, epochs=500).fit(X, y.reshape(-1, 1))
    assert reg.coef_.shape == ols.coef_.shape == (1, 3)
    assert reg.intercept_.shape == ols.intercept_.shape == (1,)
    assert reg.predict(X).shape == (100, 1)
    np.testing.assert_allclose(reg.coef_, ols.coef_, atol=1e-8)


# --- the oracle: the engine itself -----------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"optimizer": "manual"},
        {"optimizer": "sgd", "momentum": 0.5, "batch_size": 16},
        {"optimizer": "adam", "init": "random", "seed": 3},
        {"optimizer": "manual", "penalty": "enet", "alpha": 0.1, "l1_ratio": 0.3},
        {"optimizer": "manual", "dtype": "float32"},
    ],
)
def test_same_run_as_fit_gd(data3, settings):
    X, y = data3
    engine_settings = {"init": "zeros", **settings}
    dtype = getattr(torch, engine_settings.pop("dtype", "float64"))
    res = fit_gd(X, y, lr=0.05, epochs=60, dtype=dtype, **engine_settings)
    reg = GDRegressor(lr=0.05, epochs=60, **settings).fit(X, y)
    np.testing.assert_array_equal(reg.coef_, res.final_weights[:, 0])
    assert reg.intercept_ == res.final_bias[0]
    np.testing.assert_array_equal(reg.loss_curve_, res.loss)
    assert reg.n_iter_ == res.epochs_run == 60


def test_fit_is_deterministic_and_refit_resets(data3):
    X, y = data3
    reg = GDRegressor(lr=0.05, epochs=20, optimizer="sgd", batch_size=25, init="random", seed=7)
    first = reg.fit(X, y).coef_.copy()
    reg.fit(X[:, :2], y)  # refit on other data replaces every fitted attribute
    assert reg.n_features_in_ == 2
    assert reg.coef_.shape == (2,)
    np.testing.assert_array_equal(reg.fit(X, y).coef_, first)


@pytest.mark.parametrize("two_targets", [False, True])
def test_init_pair_warm_starts_in_coef_layout(data3_two_targets, two_targets):
    X, Y = data3_two_targets
    Y = Y if two_targets else Y[:, 0]
    ols = LinearRegression().fit(X, Y)
    reg = GDRegressor(lr=0.05, epochs=5, init=(ols.coef_, ols.intercept_)).fit(X, Y)
    mse = np.mean((ols.predict(X) - Y) ** 2)
    assert reg.loss_curve_[0] == pytest.approx(mse, rel=1e-12)  # starts at the optimum ...
    np.testing.assert_allclose(reg.coef_, ols.coef_, atol=1e-10)  # ... and stays there


# --- the penalties against scikit-learn's own penalized solvers -------------------------------


@pytest.mark.parametrize(
    ("penalty", "alpha", "l1_ratio", "oracle"),
    [
        ("l1", 0.2, 0.5, lambda n: Lasso(alpha=0.2, tol=1e-12, max_iter=100_000)),
        ("l2", 0.2, 0.5, lambda n: Ridge(alpha=2 * n * 0.2)),
        (
            "enet", 0.2, 0.3,
            lambda n: ElasticNet(
                alpha=0.2 * (2 - 0.3), l1_ratio=0.3 / (2 - 0.3), tol=1e-12, max_iter=100_000
            ),
        ),
    ],
)
def test_penalties_match_sklearn_solvers(data3, penalty, alpha, l1_ratio, oracle):
    X, y = data3
    ref = oracle(len(y)).fit(X, y)
    reg = GDRegressor(
        lr=0.1, epochs=500, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio
    ).fit(X, y)
    np.testing.assert_allclose(reg.coef_, ref.coef_, atol=1e-8)
    assert reg.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)


def test_l1_gives_exact_zeros_like_lasso(data3):
    X, y = data3
    X = np.column_stack([X, np.random.RandomState(5).randn(len(y))])  # an irrelevant feature
    ref = Lasso(alpha=0.1).fit(X, y)
    reg = GDRegressor(lr=0.1, epochs=300, penalty="l1", alpha=0.1).fit(X, y)
    assert ref.coef_[3] == 0.0
    assert reg.coef_[3] == 0.0


# --- scikit-learn machinery ------------------------------------------------------------------


def test_pipeline_on_diabetes_scores_like_linear_regression():
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    ols = Pipeline([("scale", StandardScaler()), ("ols", LinearRegression())]).fit(X_tr, y_tr)
    gd = Pipeline([("scale", StandardScaler()), ("gd", GDRegressor(lr=0.1))]).fit(X_tr, y_tr)
    assert gd.score(X_tr, y_tr) == pytest.approx(ols.score(X_tr, y_tr), abs=0.01)
    assert gd.score(X_te, y_te) == pytest.approx(ols.score(X_te, y_te), abs=0.01)
    assert not gd[-1].diverged_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # lr=10 diverges
def test_grid_search_picks_the_working_lr(data3):
    X, y = data3
    search = GridSearchCV(GDRegressor(epochs=200), {"lr": [1e-4, 1e-2, 0.1, 10.0]}, cv=3)
    search.fit(X, y)
    assert search.best_params_ == {"lr": 0.1}
    assert search.best_score_ > 0.99
    assert isinstance(search.best_estimator_, GDRegressor)
    assert search.best_estimator_.lr == 0.1


def test_cross_val_score_matches_linear_regression(data3):
    X, y = data3
    gd = cross_val_score(GDRegressor(lr=0.1, epochs=200), X, y, cv=5)
    ols = cross_val_score(LinearRegression(), X, y, cv=5)
    assert gd.shape == (5,)
    np.testing.assert_allclose(gd, ols, atol=1e-6)


def test_clone_round_trips_params():
    init = (np.array([1.0, 2.0, 3.0]), 0.5)
    reg = GDRegressor(
        lr=0.2, epochs=7, optimizer="sgd", batch_size=8, init=init, seed=4, momentum=0.5,
        penalty="enet", alpha=0.3, l1_ratio=0.25, dtype="float32",
    )
    params = reg.get_params()
    copy = clone(reg)
    assert copy is not reg
    copied = copy.get_params()
    assert copied.keys() == params.keys()
    for key, value in params.items():
        if key == "init":
            np.testing.assert_array_equal(copied[key][0], value[0])
            assert copied[key][1] == value[1]
        else:
            assert copied[key] == value
    assert not hasattr(copy, "coef_")
    assert clone(GDRegressor()).get_params() == GDRegressor().get_params()


def test_constructor_stores_params_unvalidated_and_fit_validates(data3):
    X, y = data3
    reg = GDRegressor(lr=-1.0)  # no error until fit (scikit-learn convention)
    assert reg.lr == -1.0
    with pytest.raises(ValueError, match="lr"):
        reg.fit(X, y)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"batch_size": 0}, "batch_size"),
        ({"penalty": "l3"}, "penalty"),
        ({"penalty": "l1", "alpha": -1.0}, "alpha"),
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"init": "ones"}, "init"),
        ({"init": (1.0, 2.0, 3.0)}, "init"),
        ({"dtype": "float16"}, "dtype"),
        ({"dtype": "double-ish"}, "dtype"),
    ],
)
def test_bad_params_raise_value_error_at_fit(data3, params, match):
    X, y = data3
    with pytest.raises(ValueError, match=match):
        GDRegressor(**params).fit(X, y)


def test_predict_before_fit_raises_not_fitted(data3):
    X, _ = data3
    with pytest.raises(NotFittedError):
        GDRegressor().predict(X)


def test_predict_with_wrong_n_features_raises(data3):
    X, y = data3
    reg = GDRegressor(epochs=10).fit(X, y)
    with pytest.raises(ValueError, match="expecting 3 features"):
        reg.predict(X[:, :2])


def test_feature_names_from_dataframe(data3):
    pd = pytest.importorskip("pandas")
    X, y = data3
    df = pd.DataFrame(X, columns=["x1", "x2", "x3"])
    reg = GDRegressor(lr=0.1, epochs=200).fit(df, y)
    np.testing.assert_array_equal(reg.feature_names_in_, ["x1", "x2", "x3"])
    np.testing.assert_allclose(reg.predict(df), X @ reg.coef_ + reg.intercept_)
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(df[["x3", "x2", "x1"]])


# --- divergence ------------------------------------------------------------------------------


def test_divergence_warns_and_keeps_last_finite_parameters(data3):
    X, y = data3
    with pytest.warns(ConvergenceWarning, match=r"diverged at epoch \d+.*smaller lr"):
        reg = GDRegressor(lr=10.0, epochs=1000).fit(X, y)
    assert reg.diverged_ is True
    assert 0 < reg.n_iter_ < 1000
    assert reg.loss_curve_.shape == (reg.n_iter_ + 1,)
    assert np.all(np.isfinite(reg.coef_))
    assert np.isfinite(reg.intercept_)
    assert np.all(np.isfinite(reg.predict(X)))

    res = fit_gd(X, y, lr=10.0, epochs=1000, init="zeros", dtype=torch.float64)
    assert res.diverged
    assert res.diverged_epoch == reg.n_iter_
    keep = res.diverged_epoch - 1  # the epoch before the one that blew up
    np.testing.assert_array_equal(reg.coef_, res.weights[keep][:, 0])
    assert np.isfinite(res.loss[keep])


def test_no_warning_when_training_is_stable(data3, recwarn):
    X, y = data3
    GDRegressor(lr=0.1, epochs=100).fit(X, y)
    assert not [w for w in recwarn if issubclass(w.category, ConvergenceWarning)]


# --- packaging ------------------------------------------------------------------------------


def test_lazy_export_and_no_streamlit():
    import linreg_core

    assert linreg_core.GDRegressor is GDRegressor
    with pytest.raises(AttributeError):
        linreg_core.NoSuchThing  # noqa: B018
    tree = ast.parse(Path(linreg_core.engine.estimator.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "streamlit" not in imported  # the engine never imports streamlit
    assert {"sklearn", "torch", "linreg_core"} <= imported


# --- scikit-learn's estimator checks ---------------------------------------------------------


# check_fit_idempotent fits on unscaled features (mean 100), where lr=0.05 diverges by design:
# the estimator warns and keeps finite parameters, and the check still passes.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([GDRegressor(lr=0.05, epochs=500)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
