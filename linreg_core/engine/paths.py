"""Regularization paths: Lasso, Ridge and Elastic-net coefficients against α, exactly.

The convention (the course notes'), for ``X`` of shape ``(n, d)`` and an unpenalized
intercept ``b``::

    minimize over (w, b)   (1/(2n))·||y − Xw − b||²  +  α·P(w)

    Lasso        P(w) = ||w||₁
    Ridge        P(w) = ||w||²₂                         (NOT scikit-learn's Ridge scaling)
    Elastic net  P(w) = ρ·||w||₁ + (1 − ρ)·||w||²₂      (ρ = ``l1_ratio``)

so the elastic net with ρ = 1 is the Lasso above and with ρ = 0 the Ridge above. The
intercept is removed by centering: with ``Xc = X − x̄`` and ``yc = y − ȳ`` the problem in
``w`` alone has the same form, and ``b = ȳ − x̄·w``.

The same models in scikit-learn's conventions (:func:`sklearn_equivalent`):

* ``Lasso`` minimizes ``(1/(2n))||r||² + a·||w||₁``: the same objective, ``a = α``.
* ``Ridge`` minimizes ``||r||² + a·||w||²``: ours times ``2n`` is
  ``||r||² + 2nα·||w||²``, so ``a = 2nα``.
* ``ElasticNet`` minimizes ``(1/(2n))||r||² + a·r'·||w||₁ + ½·a·(1 − r')·||w||²``.
  Matching both penalty weights, ``a·r' = ρα`` and ``½·a·(1 − r') = (1 − ρ)α``; adding the
  first to twice the second gives ``a = ρα + 2(1 − ρ)α = (2 − ρ)·α``, and then
  ``r' = ρα / a = ρ / (2 − ρ)``. At ρ = 1 this is ``a = α, r' = 1`` (the Lasso); at ρ = 0
  it would be ``a = 2α, r' = 0``, a pure-L2 ``ElasticNet`` (scikit-learn's coordinate
  descent is not meant for it), so ρ = 0 maps to ``Ridge(alpha=2nα)``, the same minimizer.

How the paths are computed (every α is an exact solution, not an early-stopped one):

* The Gram ``XcᵀXc`` and ``Xcᵀyc`` (when a solver uses them) come from one syrk (a large
  one split into blocks of rows, one per BLAS thread, computed side by side and added).
  When every column's offset is small next to its spread (:data:`OFFSET_MAX`) they are
  formed as ``XᵀX − n·x̄x̄ᵀ`` from X itself, without a centered copy, at most doubling the
  rounding error bound; otherwise from the centered copy.
* Ridge: ``(XcᵀXc + 2nα·I)·w = Xcᵀyc`` for every α from ONE factorization: when ``n ≥ 2d``
  (and the smallest α is not so small that squaring the condition number would cost
  accuracy) a tridiagonal reduction ``XcᵀXc/n = Q·T·Qᵀ`` (LAPACK ``sytrd``, a fraction of
  an ``eigh``), after which each α costs one O(d) tridiagonal solve and Q is applied to all
  of them in one product; otherwise one thin SVD of ``Xc``.
* Lasso and elastic net: scikit-learn's warm-started coordinate-descent ``enet_path`` on the
  centered data (α mapped as above, with the Gram when ``n > d``) finds the active sets;
  each α is then *polished*: the KKT equations restricted to the active set,
  ``(G_SS + 2(1−ρ)α·I)·w_S = c_S − ρα·s_S`` with ``G = XcᵀXc/n``, ``c = Xcᵀyc/n`` and
  ``s`` the signs, are solved directly, and the signs and the inactive conditions
  ``|c_j − (Gw)_j| ≤ ρα`` are checked. Consecutive α with the same sign pattern share one
  factorization: for the Lasso ``w_S`` is affine in α (one Cholesky solve with two
  right-hand sides, the factor grown by blocks from the previous active set's, as the
  active set mostly grows as α falls); for the elastic net a long run shares a tridiagonal
  reduction of ``G_SS``, a short one takes a Cholesky per α. Every α is then checked at
  once (one product with G). Where the check fails, that α alone is polished iteratively
  (the active set corrected until the conditions hold). A verified solution is exact to
  rounding, whatever tolerance coordinate descent stopped at, so coordinate descent can run
  at scikit-learn's default tolerance. Where verification still fails (a rank-deficient
  active set, e.g. duplicated columns or more features than samples, where the Lasso
  solution need not be unique), coordinate descent is rerun at that α with ``tol=1e-12``;
  :attr:`PathResult.kkt_violation` reports how well every returned solution satisfies the
  optimality conditions.
* The small dense solves (and Xᵀy) run with BLAS limited to one thread
  (:func:`_one_blas_thread`): threads gain nothing on them and, on a busy machine, make
  each call wait for a core.

Nothing here imports Streamlit; randomness (the cross-validation folds) comes only from a
local ``random_state``.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from linreg_core.engine.core import check_array, validate_xy
from linreg_core.engine.gram import GRAM_THREADED_MIN, gram_matrix  # noqa: F401 (re-export)
from linreg_core.engine.gram import one_blas_thread as _one_blas_thread

__all__ = [
    "MODELS",
    "CVResult",
    "PathResult",
    "alpha_max",
    "coefficient_paths",
    "cross_validate_path",
    "sklearn_equivalent",
]

MODELS = ("lasso", "ridge", "enet")

#: The coordinate-descent tolerance used before polishing (scikit-learn's default).
CD_TOL = 1e-4
#: The coordinate-descent tolerance of the fallback for α where polishing fails.
CD_TOL_FALLBACK = 1e-12
CD_MAX_ITER = 100_000
#: Largest ``n·x̄ⱼ²/(XᵀX)ⱼⱼ`` (the share of a column's square sum due to its offset) for
#: which the centered Gram is computed as ``XᵀX − n·x̄x̄ᵀ`` without a centered copy of X;
#: this costs at most a factor ``1/(1 − OFFSET_MAX)`` = 2 in its rounding error bound.
OFFSET_MAX = 0.5
#: Elastic-net runs of at least this many α (one active set) share a tridiagonal reduction
#: of ``G_SS`` instead of one Cholesky factorization per α.
RUN_TRIDIAGONAL_MIN = 8
#: Relative slack of the inactive-feature KKT check ``|c_j − (Gw)_j| ≤ ρα``.
KKT_SLACK = 1e-10
#: Reciprocal condition number below which an active-set system is not trusted.
RCOND_MIN = 1e-10
#: Default grid depth: lasso/enet from alpha_max down to alpha_max·EPS.
EPS = 1e-3
#: Default Ridge grid: from RIDGE_HI·λmax down to RIDGE_LO·λmax, λmax = top eigenvalue of XcᵀXc/n.
RIDGE_HI, RIDGE_LO = 1e3, 1e-4


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class PathResult:
    """Coefficients along a regularization path (convention in the module docstring).

    Attributes
    ----------
    alphas : (n_alphas,) in decreasing order.
    coefs : (n_alphas, n_features); row ``k`` is the solution at ``alphas[k]``.
    intercepts : (n_alphas,); ``ȳ − x̄·w`` (``ȳ`` when ``standardized``, as ``x̄ = 0`` then).
    model : ``"lasso"``, ``"ridge"`` or ``"enet"``.
    l1_ratio : the ρ actually used (1.0 for the Lasso, 0.0 for Ridge).
    feature_names : optional names, one per column.
    standardized : whether the coefficients are for standardized features.
    x_mean, x_scale : (n_features,) the standardization ``(X − x_mean) / x_scale`` used
        when ``standardized`` (scale 1 for a constant column), else ``None``.
    kkt_violation : (n_alphas,) the largest violation of the optimality conditions at each
        α, relative to ``max|Xcᵀyc|/n`` (0 means exact; rounding gives ~1e-15).
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    model: str
    l1_ratio: float
    feature_names: tuple[str, ...] | None = None
    standardized: bool = False
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None
    kkt_violation: np.ndarray | None = None

    @property
    def n_alphas(self) -> int:
        return int(self.alphas.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.coefs.shape[1])

    def predict(self, X: Any) -> np.ndarray:
        """Predictions ``(n, n_alphas)`` of every α's model (standardizing X if fitted so)."""
        X = _as_float_2d(X, "X")
        if X.shape[1] != self.n_features:
            raise ValueError(f"X has {X.shape[1]} features, the path has {self.n_features}")
        if self.standardized:
            X = (X - self.x_mean) / self.x_scale
        return X @ self.coefs.T + self.intercepts

    def original_scale(self) -> tuple[np.ndarray, np.ndarray]:
        """``(coefs, intercepts)`` for the unstandardized features (the same models)."""
        if not self.standardized:
            return self.coefs.copy(), self.intercepts.copy()
        coefs = self.coefs / self.x_scale
        return coefs, self.intercepts - coefs @ self.x_mean


@dataclass(frozen=True, eq=False)
class CVResult:
    """K-fold validation MSE along a fixed α grid.

    ``fold_mse`` is ``(cv, n_alphas)``; ``mean_mse`` and ``std_mse`` (population std,
    ddof=0) are over folds. ``best_index`` minimizes ``mean_mse`` (the largest α on a tie);
    ``alpha_1se`` is the largest α whose mean MSE is within one standard error
    (``std_mse/√cv``) of the best.
    """

    alphas: np.ndarray
    mean_mse: np.ndarray
    std_mse: np.ndarray
    best_alpha: float
    best_index: int
    fold_mse: np.ndarray
    alpha_1se: float
    model: str
    l1_ratio: float


# --------------------------------------------------------------------------- validation


def _as_float_2d(X: Any, name: str) -> np.ndarray:
    return check_array(X, name, allow_1d=False, dtype=np.float64)[0]


def _validate_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, y, x_mean)`` as float arrays checked by the engine's validator
    (:func:`linreg_core.engine.core.validate_xy`), y one column; the column means come with
    the check."""
    X, y2, x_sum = validate_xy(X, y, allow_1d_x=False, dtype=np.float64, with_sums=True)
    if y2.shape[1] != 1:
        raise ValueError(f"y must be 1-D (n_samples,) or (n_samples, 1), got shape "
                         f"{np.shape(y)}")
    if X.shape[0] < 2:
        raise ValueError(f"need at least 2 samples, got {X.shape[0]}")
    return X, y2[:, 0], x_sum / X.shape[0]


def _check_model(model: Any) -> str:
    if not isinstance(model, str) or model.lower() not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    return model.lower()


def _check_l1_ratio(l1_ratio: Any) -> float:
    try:
        rho = float(l1_ratio)
    except (TypeError, ValueError):
        raise ValueError(f"l1_ratio must be a number in [0, 1], got {l1_ratio!r}") from None
    if not (math.isfinite(rho) and 0.0 <= rho <= 1.0):
        raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}")
    return rho


def _check_alpha(alpha: Any) -> float:
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"alpha must be a positive finite number, got {alpha!r}") from None
    if not (math.isfinite(a) and a > 0):
        raise ValueError(f"alpha must be positive and finite, got {alpha!r}")
    return a


def _check_alphas(alphas: Any) -> np.ndarray:
    if isinstance(alphas, numbers.Real):
        alphas = [alphas]
    try:
        arr = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"alphas must be a sequence of numbers, got {alphas!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D sequence, got shape {arr.shape}")
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        raise ValueError(
            f"alphas must be positive and finite; got {float(arr[bad][0])!r} at index "
            f"{int(np.flatnonzero(bad)[0])}"
        )
    return np.sort(arr)[::-1].copy()


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer ≥ {low}, got {value!r}")
    return int(value)


def _effective(model: str, l1_ratio: float) -> tuple[str, float]:
    """The solver family and ρ: Lasso is ρ = 1, Ridge (and enet with ρ = 0) ρ = 0."""
    if model == "lasso":
        return "l1", 1.0
    if model == "ridge" or l1_ratio == 0.0:
        return "ridge", 0.0
    return "l1", l1_ratio


# --------------------------------------------------------------------------- preparation


class _Data:
    """The problem with the intercept removed, built only as far as a solver needs it.

    ``Xc = (X − x̄) / scale`` (scale 1 unless standardizing; a constant column is exactly 0)
    and ``yc = y − ȳ``. The centered copy :attr:`Xc` is made only when a solver reads the
    data themselves (an SVD, coordinate descent without a Gram). :meth:`gram` gives
    ``XcᵀXc`` and ``Xcᵀyc`` and, when every column's offset is small next to its spread, gets
    them without that copy, as ``XᵀX − n·x̄x̄ᵀ`` (see :data:`OFFSET_MAX`).
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, x_mean: np.ndarray, standardize: bool):
        self.X, self.x_mean, self.standardize = X, x_mean, standardize
        self.n, self.d = X.shape
        self.y_mean = float(y.mean())
        self.yc = y - self.y_mean
        self.x_scale: np.ndarray | None = None  # set with const, by Xc or gram
        self.const: np.ndarray | None = None  # (d,) bool: constant columns, exactly 0 in Xc
        self._Xc: np.ndarray | None = None
        self._gram: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def Xc(self) -> np.ndarray:
        if self._Xc is None:
            Xc = self.X - self.x_mean
            if self.const is None:
                const = np.ptp(self.X, axis=0) == 0
                Xc[:, const] = 0.0  # exactly, not x − mean(x) rounding
                scale = None
                if self.standardize:
                    std = np.sqrt(np.mean(Xc**2, axis=0))
                    const |= std <= 1e-12 * np.abs(self.x_mean)
                    scale = np.where(const, 1.0, std)
                    scale = np.where(scale > 0, scale, 1.0)
                self.const, self.x_scale = const, scale
            if self.x_scale is not None:
                Xc /= self.x_scale
            Xc[:, self.const] = 0.0
            self._Xc = Xc
        return self._Xc

    def xty(self) -> np.ndarray:
        """``Xcᵀyc`` (not divided by n)."""
        if self._gram is not None:
            return self._gram[1]
        if self._Xc is None and not self.standardize:
            return self._xty_uncentered()
        return _xty_of(self.Xc, self.yc)

    def _xty_uncentered(self) -> np.ndarray:
        # Xcᵀyc = Xᵀyc − x̄·Σyc (Σyc is zero up to rounding)
        return _xty_of(self.X, self.yc) - self.x_mean * self.yc.sum()

    def gram(self) -> tuple[np.ndarray, np.ndarray]:
        """``(XcᵀXc, Xcᵀyc)``, not divided by n."""
        if self._gram is None:
            if self._Xc is None:
                self._gram = self._gram_uncentered()
            if self._gram is None:
                self._gram = self._gram_centered()
        return self._gram

    def _gram_centered(self) -> tuple[np.ndarray, np.ndarray]:
        Xc = self.Xc
        return _gram_of(Xc), _xty_of(Xc, self.yc)

    def _gram_uncentered(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``XᵀX − n·x̄x̄ᵀ`` when every column has ``n·x̄ⱼ² ≤ OFFSET_MAX·(XᵀX)ⱼⱼ``, else None.

        The rounding error of ``(XᵀX)ⱼₖ`` is bounded by ``γₙ·√((XᵀX)ⱼⱼ(XᵀX)ₖₖ)``, and that of
        ``XcᵀXc`` computed from a centered copy by ``γₙ·√((XcᵀXc)ⱼⱼ(XcᵀXc)ₖₖ)``; with
        ``(XcᵀXc)ⱼⱼ = (XᵀX)ⱼⱼ − n·x̄ⱼ² ≥ (1 − OFFSET_MAX)·(XᵀX)ⱼⱼ`` the bound grows by at most
        ``1/(1 − OFFSET_MAX)``. Such a column is not constant, so none is. A sample of rows
        predicts the test first, so that data with large offsets are centered straight away.
        """
        X, n, m = self.X, self.n, self.x_mean
        rows = X[:: max(1, n // 256)]
        spread = np.mean((rows - rows.mean(axis=0)) ** 2, axis=0)
        if not np.all(m * m <= 0.5 * OFFSET_MAX * (m * m + spread)):
            return None
        G = _gram_of(X)  # no copy of X
        diag = G.diagonal()
        if not (np.all(n * m * m <= OFFSET_MAX * diag) and np.all(diag > 0)):
            return None
        u = math.sqrt(n) * m
        G -= np.multiply.outer(u, u)  # exactly symmetric
        xty = self._xty_uncentered()
        self.const = np.zeros(self.d, dtype=bool)
        if self.standardize:
            self.x_scale = np.sqrt(G.diagonal() / n)
            G /= np.multiply.outer(self.x_scale, self.x_scale)
            xty /= self.x_scale
        return G, xty

    def ensure_const(self) -> np.ndarray:
        """The constant columns (and the scale), from the Gram or the centered copy."""
        if self.const is None:
            _ = self.Xc
        return self.const


def _alpha_max_of(xty: np.ndarray, n: int, rho: float) -> float:
    return float(np.max(np.abs(xty))) / (n * rho)


def _log_grid(hi: float, lo: float, n_alphas: int) -> np.ndarray:
    return np.array([hi]) if n_alphas == 1 else np.geomspace(hi, lo, n_alphas)


def _default_l1_alphas(data: _Data, rho: float, n_alphas: int) -> np.ndarray:
    """From alpha_max (all weights zero) down to alpha_max·EPS."""
    hi = _alpha_max_of(data.xty(), data.n, rho)
    if not hi > 0:  # y or X constant: w = 0 for every α
        hi = 1.0
    return _log_grid(hi, hi * EPS, n_alphas)


def _default_ridge_alphas(top: float, n_alphas: int) -> np.ndarray:
    """From RIDGE_HI·λmax down to RIDGE_LO·λmax, λmax the top eigenvalue of XcᵀXc/n.

    The Ridge shrinks the data along eigenvector ``i`` by ``λᵢ / (λᵢ + 2α)``: about 5e-4
    at the top of the grid (everything shrunk away), 0.9998 for the top direction at the
    bottom (close to least squares).
    """
    if not top > 0:  # every column constant: w = 0 for every α
        top = 1.0
    return _log_grid(RIDGE_HI * top, RIDGE_LO * top, n_alphas)


# --------------------------------------------------------------------------- solvers


def _xty_of(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``Aᵀv`` on one thread (a pass over A, bound by memory rather than arithmetic)."""
    with _one_blas_thread():
        return A.T @ v


def _gram_of(A: np.ndarray) -> np.ndarray:
    """``AᵀA``: :func:`linreg_core.engine.gram.gram_matrix` (syrk on row blocks, side by side
    on the BLAS threads allowed)."""
    return gram_matrix(A)


class _RidgeSolver:
    """``(XcᵀXc/n + 2α·I)·w = Xcᵀyc/n`` for every α from one factorization.

    When ``n ≥ 2d``: the Gram ``G = XcᵀXc/n`` (one syrk, n·d²) is reduced once to tridiagonal
    form ``G = Q·T·Qᵀ`` (LAPACK ``sytrd``, 4d³/3, a fraction of a full ``eigh``), and then
    ``w(α) = Q·(T + 2α·I)⁻¹·Qᵀc`` costs O(d) per α plus one product with Q for the whole
    grid. Otherwise one thin SVD of ``Xc``. Going through the Gram squares the condition
    number, which costs accuracy only where the shift ``2α`` is tiny next to the top
    eigenvalue λmax of G: for α below ``1e-6·λ̂/2``, with ``λ̂`` Gershgorin's bound on the
    eigenvalues of T (``λmax ≤ λ̂ ≤ 3·λmax``), the SVD is computed instead (once, for the
    whole grid).
    """

    def __init__(self, data: _Data):
        n, d = data.n, data.d
        self.n, self.d, self._data = n, d, data
        self._tri: _Tridiagonal | None = None
        self._svd: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if n >= 2 * d:
            gram_n, xty = data.gram()
            self.checker = _ActiveSet.from_gram(gram_n / n, xty / n, n)
        else:
            self.checker = _ActiveSet(data.Xc, data.yc, None)
        # Constant columns (exactly zero in Xc) get weight exactly 0; factor the others only.
        self.keep = np.flatnonzero(~data.ensure_const())
        if not self.keep.size:
            return
        if self.checker.G is not None:
            G = self.checker.G
            if self.keep.size < d:
                G = G.take(self.keep, axis=0).take(self.keep, axis=1)
            with _one_blas_thread():
                self._tri = _Tridiagonal(G)
        else:
            self._svd = self._thin_svd()

    @property
    def top(self) -> float:
        """The largest eigenvalue of ``XcᵀXc/n`` (0 if every column is constant)."""
        if self._tri is not None:
            return self._tri.top
        if self._svd is not None:
            return float(self._svd[1][0]) ** 2 / self.n
        return 0.0

    def _thin_svd(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Xc = self._data.Xc
        Xk = Xc[:, self.keep] if self.keep.size < self.d else Xc
        return scipy.linalg.svd(Xk, full_matrices=False, lapack_driver="gesdd")

    def path(self, alphas: np.ndarray) -> np.ndarray:
        if self.keep.size == self.d:
            return self._path(2.0 * alphas)
        coefs = np.zeros((alphas.size, self.d))
        if self.keep.size:
            coefs[:, self.keep] = self._path(2.0 * alphas)
        return coefs

    def _path(self, shifts: np.ndarray) -> np.ndarray:
        tri = self._tri
        if tri is not None and shifts.min() >= 1e-6 * tri.top_bound:
            with _one_blas_thread():
                W = tri.solve_shifted(self.checker.c[self.keep], shifts)
            if W is not None:
                return W
        if self._svd is None:
            self._svd = self._thin_svd()
        U, s, Vt = self._svd
        z = s * (U.T @ self._data.yc) / self.n  # Vᵀ·Xcᵀyc/n
        return (Vt.T @ (z[:, None] / (s[:, None] ** 2 / self.n + shifts[None, :]))).T


class _Tridiagonal:
    """``A = Q·T·Qᵀ`` for symmetric ``A``: LAPACK ``sytrd`` (Householder reflectors Q, T
    tridiagonal), to solve ``(A + s·I)·x = b`` at many shifts ``s``.

    ``x = Q·(T + s·I)⁻¹·Qᵀb``: ``Qᵀb`` once, an O(m) tridiagonal solve per shift (``ptsv``,
    Cholesky of the positive definite ``T + s·I``), then Q applied to all solutions at once.
    With ``UPLO = 'L'`` the reflectors are stored as a QR factorization of ``A[1:, :-1]``,
    so ``ormqr`` applies Q to rows ``1:`` (what LAPACK's ``ormtr`` does).
    """

    def __init__(self, A: np.ndarray):
        m = self.m = A.shape[0]
        lwork = 64 * m  # n·NB, NB = LAPACK's block size (32) or more
        F, self.diag, self.off, self.tau, info = _SYTRD(
            np.array(A, order="F"), lower=1, lwork=lwork, overwrite_a=1
        )
        if info != 0:
            raise np.linalg.LinAlgError(f"sytrd failed (info={info})")
        self.reflectors = F[1:, :-1]
        # An upper bound on the eigenvalues (Gershgorin; at most 3× the largest for T ⪰ 0)
        radius = np.zeros(m)
        radius[:-1] += np.abs(self.off)
        radius[1:] += np.abs(self.off)
        self.top_bound = float(np.max(self.diag + radius))
        self._top: float | None = None

    @property
    def top(self) -> float:
        """The largest eigenvalue (of T, so of A): bisection, O(m)."""
        if self._top is None:
            self._top = float(self.diag[0]) if self.m == 1 else float(
                scipy.linalg.eigvalsh_tridiagonal(
                    self.diag, self.off, select="i", select_range=(self.m - 1, self.m - 1)
                )[0]
            )
        return self._top

    def _apply(self, C: np.ndarray, trans: str) -> np.ndarray:
        """``Q·C`` (trans ``"N"``) or ``Qᵀ·C`` (``"T"``) for C of shape (m, k), in place."""
        if self.m > 1:
            k = C.shape[1]
            out, _, info = _ORMQR(
                "L", trans, self.reflectors, self.tau, C[1:], lwork=64 * (k + 65)
            )
            if info != 0:
                raise np.linalg.LinAlgError(f"ormqr failed (info={info})")
            C[1:] = out
        return C

    def solve_shifted(self, b: np.ndarray, shifts: np.ndarray) -> np.ndarray | None:
        """Rows ``(A + s_k·I)⁻¹·b_k`` for each shift ``s_k``, with ``b`` one vector (m,) for
        all or one per shift (m, k); None if some ``T + s_k·I`` is not positive definite."""
        Bt = self._apply(np.array(b.reshape(self.m, -1), dtype=np.float64, order="F"), "T")
        one = Bt.shape[1] == 1
        if self.m == 1:  # (LAPACK's wrapper wants a non-empty off-diagonal)
            den = self.diag[0] + shifts
            return None if not np.all(den > 0) else (Bt[0] / den)[:, None]
        Z = np.empty((self.m, shifts.size), order="F")
        for k, s in enumerate(shifts.tolist()):
            _, _, z, info = _PTSV(self.diag + s, self.off, Bt[:, 0 if one else k])
            if info != 0:
                return None
            Z[:, k] = z
        return self._apply(Z, "N").T


class _Factor:
    """Upper Cholesky ``R`` of ``G[order, order] + 2·l2·I``; ``pos[j]`` is j's place or −1."""

    __slots__ = ("R", "colabs", "l2", "order", "pos")

    def __init__(self, order: np.ndarray, l2: float, R: np.ndarray, colabs: np.ndarray, d: int):
        self.order, self.l2, self.R, self.colabs = order, l2, R, colabs
        self.pos = np.full(d, -1, dtype=np.intp)
        self.pos[order] = np.arange(order.size)


class _ActiveSet:
    """Polish a coordinate-descent solution by solving the KKT system on its active set."""

    def __init__(self, Xc: np.ndarray, yc: np.ndarray, gram: np.ndarray | None):
        self._setup(Xc, Xc.T @ yc / Xc.shape[0], gram, Xc.shape[0])

    @classmethod
    def from_gram(cls, gram: np.ndarray, c: np.ndarray, n: int) -> _ActiveSet:
        """From ``G = XcᵀXc/n`` and ``c = Xcᵀyc/n`` alone."""
        self = cls.__new__(cls)
        self._setup(None, c, gram, n)
        return self

    def _setup(self, Xc, c, gram, n) -> None:
        self.Xc, self.n = Xc, n
        self.G = gram  # XcᵀXc/n, or None when d > n (then products go through Xc)
        self.c = c
        self.c_max = float(np.max(np.abs(self.c)))
        self._cache: _Factor | None = None  # the last factorization, to be grown

    def _G_SS(self, S: np.ndarray) -> np.ndarray:
        if self.G is not None:
            return self.G.take(S, axis=0).take(S, axis=1)
        XS = self.Xc[:, S]
        return XS.T @ XS / self.n

    def _Gw(self, w: np.ndarray, S: np.ndarray) -> np.ndarray:
        if self.G is not None:
            return self.G @ w
        return self.Xc.T @ (self.Xc[:, S] @ w[S]) / self.n

    def _factor(self, order: np.ndarray, l2: float) -> _Factor | None:
        """Cholesky factor of ``G[order, order] + 2·l2·I``, or None if not trustworthy."""
        A = self._G_SS(order)
        A.flat[:: order.size + 1] += 2.0 * l2
        colabs = np.abs(A).sum(axis=0)
        chol = _spd_factor(A, float(colabs.max()))
        return None if chol is None else _Factor(order, l2, chol, colabs, self.c.shape[0])

    def _extend(self, f: _Factor, new: np.ndarray) -> _Factor | None:
        """Append the features ``new`` to a factorization (block Cholesky, O(k²m))."""
        order = np.concatenate([f.order, new])
        if self.G is None:
            return self._factor(order, f.l2)
        A12 = self.G.take(new, axis=1).take(f.order, axis=0)
        A22 = self.G.take(new, axis=0).take(new, axis=1)
        A22.flat[:: new.size + 1] += 2.0 * f.l2
        R12, info = _TRTRS(f.R, A12, lower=False, trans=1)  # R12 = R⁻ᵀ·A12
        if info != 0:
            return self._factor(order, f.l2)
        R22, info = _POTRF(A22 - R12.T @ R12, lower=False, clean=True)
        if info != 0:
            return self._factor(order, f.l2)
        k, m = f.order.size, new.size
        R = np.zeros((k + m, k + m), order="F")
        R[:k, :k], R[:k, k:], R[k:, k:] = f.R, R12, R22
        abs12 = np.abs(A12)
        colabs = np.concatenate(
            [f.colabs + abs12.sum(axis=1), abs12.sum(axis=0) + np.abs(A22).sum(axis=0)]
        )
        rcond, info = _POCON(R, float(colabs.max()))
        if info != 0 or not rcond >= RCOND_MIN:
            return None
        return _Factor(order, f.l2, R, colabs, self.c.shape[0])

    def _solve(self, S: np.ndarray, l2: float, b: np.ndarray) -> np.ndarray | None:
        """``(G_SS + 2·l2·I)⁻¹ b``, growing the last factorization when S only gained features.

        Along a Lasso path the active set mostly grows as α falls, so each α costs a block
        update instead of a fresh O(|S|³) factorization.
        """
        f = self._cache
        if f is not None and f.l2 == l2:
            pos = f.pos[S]
            inside = pos >= 0
            n_in = int(inside.sum())
            if n_in != f.order.size:  # S lost features: start again
                f = self._factor(S, l2)
            elif n_in != S.size:
                f = self._extend(f, S[~inside])
        else:
            f = self._factor(S, l2)
        self._cache = f
        if f is None:
            return None
        pos = f.pos[S]
        rhs = np.empty((f.order.size, *b.shape[1:]))
        rhs[pos] = b
        x, info = _POTRS(f.R, rhs, lower=False)
        return x[pos] if info == 0 else None

    def polish(self, w0: np.ndarray, l1: float, l2: float, max_rounds: int = 20):
        """The exact solution near ``w0`` with its support, or ``None`` if not verified."""
        d = self.c.shape[0]
        if self.c_max <= l1 * (1.0 + 1e-12):  # w = 0 satisfies the KKT conditions
            return np.zeros(d)
        bound = l1 + KKT_SLACK * max(l1, self.c_max)
        S = np.flatnonzero(w0)
        s = np.sign(w0[S])
        for _ in range(max_rounds):
            w = np.zeros(d)
            if S.size:
                wS = self._solve(S, l2, self.c[S] - l1 * s)
                if wS is None:
                    return None
                w[S] = wS
            r = self.c - self._Gw(w, S)
            flipped = np.sign(w[S]) != s
            r[S] = 0.0  # the inactive check is for features outside S
            entering = np.flatnonzero(np.abs(r) > bound)
            if not entering.size and not flipped.any():
                return w
            S = np.concatenate([S[~flipped], entering])
            s = np.concatenate([s[~flipped], np.sign(r[entering])])
        return None

    def polish_path(self, W: np.ndarray, l1s: np.ndarray, l2s: np.ndarray):
        """Polish every row of ``W`` (n_alphas, d) at once where its sign pattern is right.

        Consecutive α with the same sign pattern ``s`` on the same support S share one
        factorization: for the Lasso ``w_S = G_SS⁻¹c_S − α·G_SS⁻¹s_S`` (one Cholesky, two
        right-hand sides, grown from the previous support's factor); for the elastic net, whose
        matrix ``G_SS + 2(1−ρ)α·I`` moves with α, a run of at least
        :data:`RUN_TRIDIAGONAL_MIN` α shares one tridiagonal reduction of ``G_SS`` (a
        shorter one takes a Cholesky per α). All rows are then checked against the KKT
        conditions together (one matrix product). Returns ``(ok, grad)``: the rows verified
        (replaced in ``W``; the others are left as they were) and the gradient
        ``c − Gw − 2·l2·w`` of the new rows.
        """
        K = W.shape[0]
        signs = np.sign(W)
        new = np.zeros_like(W)
        solved = np.ones(K, dtype=bool)
        cuts = np.flatnonzero(np.any(signs[1:] != signs[:-1], axis=1)) + 1
        bounds = np.concatenate([[0], cuts, [K]]).tolist()
        for a, b in itertools.pairwise(bounds):
            S = np.flatnonzero(signs[a])
            if S.size:
                WS = self._solve_run(S, signs[a, S], l1s[a:b], l2s[a:b])
                if WS is None:
                    solved[a:b] = False
                else:
                    new[a:b, S] = WS
        grad = self.gradient(new, l2s)
        bound = l1s + KKT_SLACK * np.maximum(l1s, self.c_max)
        ok = (
            solved
            & np.all(np.sign(new) == signs, axis=1)
            & np.all((signs != 0) | (np.abs(grad) <= bound[:, None]), axis=1)
        )
        W[ok] = new[ok]
        return ok, grad

    def _solve_run(self, S: np.ndarray, s: np.ndarray, l1s: np.ndarray, l2s: np.ndarray):
        """Rows ``(G_SS + 2·l2·I)⁻¹(c_S − l1·s)`` for each (l1, l2) of a run, or None."""
        if not np.any(l2s):  # the Lasso: affine in α
            U = self._solve(S, 0.0, np.column_stack([self.c[S], s]))
            if U is None:
                return None
            return U[:, 0] - l1s[:, None] * U[:, 1]
        # The elastic net: the matrix G_SS + 2·l2·I moves with α. G_SS ⪰ 0, so its
        # eigenvalues lie in [2·l2, λmax + 2·l2]; where that ratio is ≥ RCOND_MIN no
        # condition estimate is needed.
        A = self._G_SS(S)
        shifts = 2.0 * l2s
        B = self.c[S][:, None] - s[:, None] * l1s[None, :]
        if l1s.size >= RUN_TRIDIAGONAL_MIN:  # one reduction A = Q·T·Qᵀ for the run
            tri = _Tridiagonal(A)
            if np.all(shifts >= RCOND_MIN * (tri.top_bound + shifts)):
                return tri.solve_shifted(B, shifts)
        # else one Cholesky per α (λmax ≤ the trace for the bound)
        m, trace = S.size, float(np.trace(A))
        out = np.empty((l1s.size, m))
        for k, shift in enumerate(shifts.tolist()):
            Ak = A.copy()
            Ak.flat[:: m + 1] += shift
            if shift >= RCOND_MIN * (trace + shift):
                R, info = _POTRF(Ak, lower=False, clean=True)
                if info != 0:
                    return None
            else:
                R = _spd_factor(Ak, float(np.abs(Ak).sum(axis=0).max()))
                if R is None:
                    return None
            out[k], info = _POTRS(R, B[:, k], lower=False)
            if info != 0:
                return None
        return out

    def gradient(self, W: np.ndarray, l2s: np.ndarray) -> np.ndarray:
        """``c − G·w − 2·l2·w`` per row of ``W``; it must equal ``l1·sign(w)`` on the support."""
        if self.G is not None:
            grad = W @ self.G
        else:
            grad = (self.Xc @ W.T).T @ self.Xc / self.n
        grad += 2.0 * l2s[:, None] * W
        np.subtract(self.c[None, :], grad, out=grad)
        return grad

    def kkt_violation(
        self, W: np.ndarray, l1s: np.ndarray, l2s: np.ndarray, grad: np.ndarray | None = None
    ) -> np.ndarray:
        """Largest KKT violation per row of ``W`` (n_alphas, d), relative to ``max|c|``."""
        if grad is None:
            grad = self.gradient(W, l2s)
        if not np.any(l1s):  # the Ridge: the gradient must vanish
            return np.abs(grad).max(axis=1) / (self.c_max if self.c_max > 0 else 1.0)
        viol = np.where(
            W != 0,
            np.abs(grad - l1s[:, None] * np.sign(W)),
            np.maximum(np.abs(grad) - l1s[:, None], 0.0),
        )
        return viol.max(axis=1) / (self.c_max if self.c_max > 0 else 1.0)


_POTRF, _POCON, _POTRS, _TRTRS, _SYTRD, _ORMQR, _PTSV = scipy.linalg.lapack.get_lapack_funcs(
    ("potrf", "pocon", "potrs", "trtrs", "sytrd", "ormqr", "ptsv"), (np.zeros(1),)
)


def _spd_factor(A: np.ndarray, anorm: float) -> np.ndarray | None:
    """Cholesky factor of symmetric positive definite, well-conditioned ``A``; else None.

    ``anorm`` is ``||A||₁``, for LAPACK's reciprocal condition estimate.
    """
    chol, info = _POTRF(A, lower=False, clean=True)
    if info != 0:
        return None
    rcond, info = _POCON(chol, anorm)
    if info != 0 or not rcond >= RCOND_MIN:
        return None
    return chol


def _sk_enet_path(Xf, yf, gram, Xy, sk_alphas, sk_l1, tol, coef_init=None) -> np.ndarray:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import enet_path

    with warnings.catch_warnings():
        # Convergence is judged by our own KKT check afterwards, not by the CD's gap.
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, coefs, _ = enet_path(
            Xf, yf, l1_ratio=sk_l1, alphas=sk_alphas,
            precompute=gram if gram is not None else False, Xy=Xy,
            coef_init=coef_init, tol=tol, max_iter=CD_MAX_ITER, check_input=False,
        )
    return coefs.T  # (n_alphas, d)


def _l1_setup(data: _Data) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(X for the CD, XcᵀXc, Xcᵀyc)``; the Gram (and no centered copy) when n > d."""
    if data.n > data.d:  # with a Gram, scikit-learn's CD never reads X
        gram_n, xty = data.gram()
        return data.X, gram_n, xty
    return np.asfortranarray(data.Xc), None, None


def _l1_path(data: _Data, alphas: np.ndarray, rho: float):
    """Lasso (ρ = 1) / elastic-net path: warm-started CD, then exact active-set polishing."""
    sk_alphas = (2.0 - rho) * alphas  # sklearn_equivalent("enet", α, n, ρ)["alpha"]
    Xf, gram_n, Xy = _l1_setup(data)
    with _one_blas_thread():
        return _l1_solve(data, Xf, gram_n, Xy, alphas, sk_alphas, rho)


def _l1_solve(data, Xf, gram_n, Xy, alphas, sk_alphas, rho):
    n, yc = data.n, data.yc
    sk_l1 = rho / (2.0 - rho)
    coefs = _sk_enet_path(Xf, yc, gram_n, Xy, sk_alphas, sk_l1, CD_TOL)
    if gram_n is not None:
        solver = _ActiveSet.from_gram(gram_n / n, Xy / n, n)
    else:
        solver = _ActiveSet(data.Xc, yc, None)
    l1s, l2s = rho * alphas, (1.0 - rho) * alphas
    ok, grad = solver.polish_path(coefs, l1s, l2s)
    redo = np.flatnonzero(~ok)
    for k in redo.tolist():  # the CD's sign pattern was off: polish this α alone
        w = solver.polish(coefs[k], l1s[k], l2s[k])
        if w is None:  # unverified: tight CD from where we are, then try again
            tight = _sk_enet_path(
                Xf, yc, gram_n, Xy, sk_alphas[k : k + 1], sk_l1, CD_TOL_FALLBACK,
                coef_init=np.asfortranarray(coefs[k]),
            )[0]
            w = solver.polish(tight, l1s[k], l2s[k])
            if w is None:
                w = tight
        coefs[k] = w
    if redo.size:
        grad[redo] = solver.gradient(coefs[redo], l2s[redo])
    return coefs, solver.kkt_violation(coefs, l1s, l2s, grad)


# --------------------------------------------------------------------------- public API


def sklearn_equivalent(
    model: str, alpha: float, n_samples: int, l1_ratio: float = 0.5
) -> dict[str, Any]:
    """The scikit-learn estimator and parameters that minimize the same objective.

    Ours is ``(1/(2n))·||y − Xw − b||² + α·P(w)`` with ``P = ||w||₁`` (Lasso),
    ``||w||²₂`` (Ridge) or ``ρ||w||₁ + (1−ρ)||w||²₂`` (elastic net, ρ = ``l1_ratio``).

    * ``"lasso"`` → ``{"estimator": "Lasso", "alpha": α}``
    * ``"ridge"`` → ``{"estimator": "Ridge", "alpha": 2·n·α}``
    * ``"enet"`` → ``{"estimator": "ElasticNet", "alpha": (2 − ρ)·α,
      "l1_ratio": ρ / (2 − ρ)}``, from ``a·r' = ρα`` and ``½·a·(1 − r') = (1 − ρ)α``;
      ρ = 0 → ``{"estimator": "Ridge", "alpha": 2·n·α}``.

    All with ``fit_intercept=True`` (the intercept is unpenalized in both conventions).
    """
    model = _check_model(model)
    a = _check_alpha(alpha)
    n = _check_int(n_samples, "n_samples", 1)
    rho = _check_l1_ratio(l1_ratio)
    if model == "ridge" or (model == "enet" and rho == 0.0):
        return {"estimator": "Ridge", "alpha": 2.0 * n * a}
    if model == "lasso":
        return {"estimator": "Lasso", "alpha": a}
    return {"estimator": "ElasticNet", "alpha": (2.0 - rho) * a, "l1_ratio": rho / (2.0 - rho)}


def alpha_max(X: Any, y: Any, *, l1_ratio: float = 1.0, standardize: bool = False) -> float:
    """The smallest α at which every Lasso/elastic-net coefficient is zero.

    ``max_j |Xcᵀyc|_j / (n·ρ)`` in the module's convention (``ρ = 1``: the Lasso); it is
    0 when y or every column of X is constant. ``standardize`` as in
    :func:`coefficient_paths`.
    """
    X, y, x_mean = _validate_xy(X, y)
    rho = _check_l1_ratio(l1_ratio)
    if rho == 0.0:
        raise ValueError("alpha_max is infinite for l1_ratio = 0 (Ridge never zeroes weights)")
    data = _Data(X, y, x_mean, bool(standardize))
    return _alpha_max_of(data.xty(), data.n, rho)


def coefficient_paths(
    X: Any,
    y: Any,
    *,
    model: str = "lasso",
    alphas: Sequence[float] | np.ndarray | None = None,
    n_alphas: int = 100,
    l1_ratio: float = 0.5,
    standardize: bool = False,
    feature_names: Sequence[str] | None = None,
) -> PathResult:
    """Exact coefficients along α for the Lasso, Ridge or elastic net, with an intercept.

    Minimizes ``(1/(2n))·||y − Xw − b||² + α·P(w)`` (intercept unpenalized) with
    ``P = ||w||₁`` (``"lasso"``), ``||w||²₂`` (``"ridge"``; scikit-learn's ``Ridge`` alpha is
    ``2nα``) or ``ρ||w||₁ + (1−ρ)||w||²₂`` (``"enet"``, ρ = ``l1_ratio`` in [0, 1]; ρ = 0
    is solved as the Ridge). See :func:`sklearn_equivalent` for the mapping.

    Parameters
    ----------
    X : (n, d) finite numbers; y : (n,) or (n, 1) finite numbers; n ≥ 2.
    alphas : positive finite values (returned sorted in decreasing order). Default: for the
        Lasso/elastic net ``n_alphas`` log-spaced values from ``alpha_max`` (all weights
        zero) down to ``alpha_max·1e-3``; for the Ridge from ``1e3·λmax`` down to
        ``1e-4·λmax``, λmax the top eigenvalue of ``XcᵀXc/n``.
    standardize : fit on ``(X − mean) / std`` (population std; a constant column is only
        centered); the coefficients are then for the standardized features, see
        :meth:`PathResult.original_scale`.
    feature_names : optional, one per column (taken from ``X.columns`` if X has them).
    """
    model = _check_model(model)
    rho_in = _check_l1_ratio(l1_ratio)
    if feature_names is None and hasattr(X, "columns"):
        feature_names = [str(col) for col in X.columns]
    X, y, x_mean = _validate_xy(X, y)
    names = None
    if feature_names is not None:
        names = tuple(str(f) for f in feature_names)
        if len(names) != X.shape[1]:
            raise ValueError(f"{len(names)} feature_names for {X.shape[1]} features")
    family, rho = _effective(model, rho_in)
    data = _Data(X, y, x_mean, bool(standardize))
    if alphas is not None:
        grid = _check_alphas(alphas)
    else:
        n_alphas = _check_int(n_alphas, "n_alphas", 1)
    if family == "ridge":
        solver = _RidgeSolver(data)
        if alphas is None:
            grid = _default_ridge_alphas(solver.top, n_alphas)
        coefs = solver.path(grid)
        with _one_blas_thread():
            kkt = solver.checker.kkt_violation(coefs, np.zeros_like(grid), grid)
    else:
        if alphas is None:
            _l1_setup(data)  # the Gram first (when used), which gives Xcᵀyc on the way
            grid = _default_l1_alphas(data, rho, n_alphas)
        coefs, kkt = _l1_path(data, grid, rho)
    data.ensure_const()  # sets x_scale
    standardized = data.x_scale is not None
    return PathResult(
        alphas=grid,
        coefs=coefs,
        intercepts=(
            np.full(grid.shape, data.y_mean) if standardized else data.y_mean - coefs @ x_mean
        ),
        model=model,
        l1_ratio=rho,
        feature_names=names,
        standardized=standardized,
        x_mean=x_mean if standardized else None,
        x_scale=data.x_scale,
        kkt_violation=kkt,
    )


def cross_validate_path(
    X: Any,
    y: Any,
    *,
    model: str,
    alphas: Sequence[float] | np.ndarray | None = None,
    n_alphas: int = 100,
    l1_ratio: float = 0.5,
    standardize: bool = False,
    cv: int = 5,
    seed: int = 0,
) -> CVResult:
    """K-fold validation MSE against α on one grid (the convention of :func:`coefficient_paths`).

    The grid is fixed from the full data (as :func:`coefficient_paths` would choose it, or
    ``alphas``); each fold's path is computed by :func:`coefficient_paths` on the training
    part, standardized (if asked) with the training part's mean and std only. Folds are
    ``KFold(cv, shuffle=True, random_state=seed)``.
    """
    from sklearn.model_selection import KFold

    model = _check_model(model)
    rho_in = _check_l1_ratio(l1_ratio)
    X, y, x_mean = _validate_xy(X, y)
    cv = _check_int(cv, "cv", 2)
    if cv > X.shape[0]:
        raise ValueError(f"cv={cv} folds need at least {cv} samples, got {X.shape[0]}")
    seed = _check_int(seed, "seed", 0)
    family, rho = _effective(model, rho_in)
    if alphas is not None:
        grid = _check_alphas(alphas)
    else:
        n_alphas = _check_int(n_alphas, "n_alphas", 1)
        data = _Data(X, y, x_mean, bool(standardize))
        if family == "ridge":
            grid = _default_ridge_alphas(_RidgeSolver(data).top, n_alphas)
        else:
            grid = _default_l1_alphas(data, rho, n_alphas)
    folds = KFold(n_splits=cv, shuffle=True, random_state=seed).split(X)
    fold_mse = np.empty((cv, grid.size))
    for i, (train, test) in enumerate(folds):
        path = coefficient_paths(
            X[train], y[train], model=model, alphas=grid, l1_ratio=rho_in,
            standardize=standardize,
        )
        fold_mse[i] = np.mean((path.predict(X[test]) - y[test, None]) ** 2, axis=0)
    mean, std = fold_mse.mean(axis=0), fold_mse.std(axis=0)
    best = int(np.argmin(mean))  # grid is decreasing: argmin's first hit is the largest α
    within = np.flatnonzero(mean <= mean[best] + std[best] / math.sqrt(cv))
    return CVResult(
        alphas=grid,
        mean_mse=mean,
        std_mse=std,
        best_alpha=float(grid[best]),
        best_index=best,
        fold_mse=fold_mse,
        alpha_1se=float(grid[within[0]]),
        model=model,
        l1_ratio=rho,
    )
