"""fit_gd's penalties against the exact solutions: proximal L1 lands on the Lasso's zeros."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import ElasticNet, Lasso, Ridge

from linreg_core import fit_gd
from linreg_core.data.datasets import sparse
from linreg_core.engine.penalized_gd import gd_path, smooth_lipschitz


@pytest.fixture(scope="module")
def problem():
    d = sparse(n=80, n_features=8, n_informative=3, seed=1)
    return d.X, d.y[:, 0]


def _fit(X, y, alpha, penalty, mode="proximal", epochs=4000, l1_ratio=0.5):
    model = {"l1": "lasso", "l2": "ridge", "enet": "enet"}[penalty]
    lr = 1 / smooth_lipschitz(X, alpha, model, l1_ratio)
    return fit_gd(X, y, lr=lr, epochs=epochs, penalty=penalty, alpha=alpha, l1_mode=mode,
                  l1_ratio=l1_ratio, init="zeros", dtype=torch.float64)


def test_proximal_gd_reaches_the_exact_lasso_with_its_zeros(problem):
    X, y = problem
    alpha = 0.3
    exact = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(X, y)
    r = _fit(X, y, alpha, "l1")
    w = r.final_weights[:, 0]
    np.testing.assert_allclose(w, exact.coef_, atol=1e-6 * np.abs(exact.coef_).max())
    assert r.final_bias[0] == pytest.approx(exact.intercept_, abs=1e-6)
    assert np.sum(exact.coef_ == 0) >= 3
    np.testing.assert_array_equal(w == 0, exact.coef_ == 0)  # exact zeros, same places


def test_subgradient_never_lands_on_zero(problem):
    X, y = problem
    r = _fit(X, y, 0.3, "l1", mode="subgradient", epochs=2000)
    w = r.final_weights[:, 0]
    assert np.sum(w == 0) == 0
    # A constant step keeps jumping across zero by about η·α: it cannot settle there.
    prox = _fit(X, y, 0.3, "l1")
    assert r.final_loss > prox.final_loss
    assert np.sum(prox.final_weights == 0) >= 3


def test_l2_and_enet_through_autograd(problem):
    X, y = problem
    n = len(y)
    r = _fit(X, y, 0.2, "l2")
    ref = Ridge(alpha=2 * n * 0.2).fit(X, y)
    np.testing.assert_allclose(r.final_weights[:, 0], ref.coef_, atol=1e-7)
    r = _fit(X, y, 0.2, "enet", l1_ratio=0.5)
    ref = ElasticNet(alpha=0.2 * 1.5, l1_ratio=0.5 / 1.5, tol=1e-12, max_iter=10**6).fit(X, y)
    np.testing.assert_allclose(r.final_weights[:, 0], ref.coef_, atol=1e-6)


def test_warm_started_gd_path_follows_the_exact_path(problem):
    from linreg_core.engine.paths import coefficient_paths

    X, y = problem
    exact = coefficient_paths(X, y, model="lasso", n_alphas=8)
    gdp = gd_path(X, y, model="lasso", alphas=exact.alphas, epochs=1500)
    np.testing.assert_allclose(gdp.coefs, exact.coefs, atol=1e-4 * np.abs(exact.coefs).max())
    assert np.array_equal(gdp.alphas, exact.alphas)
