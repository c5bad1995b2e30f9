"""``GDRegressor``: the playground's gradient-descent engine as a scikit-learn estimator.

It wraps :func:`linreg_core.engine.training.fit_gd` (the notes' gradient descent, on its fastest
gradient path by default) so the same training can be dropped into a ``Pipeline``,
``GridSearchCV`` or ``cross_val_score``. scikit-learn is
imported here and only here; ``linreg_core`` exposes ``GDRegressor`` lazily.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from linreg_core.engine.training import fit_gd

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


class GDRegressor(RegressorMixin, BaseEstimator):
    """Linear regression ``ŷ = Xw + b`` trained by gradient descent (the notes' iterates).

    Without a penalty the objective is the notes' mean squared error::

        mean((Xw + b - y)²)

    With a penalty it is the notes' regularized objective (the intercept is not penalized)::

        (1/(2n))·||y - Xw - b||²₂ + alpha·P(w)

    with ``P(w) = ||w||₁`` ("l1"), ``P(w) = ||w||²₂`` ("l2") or
    ``P(w) = ρ·||w||₁ + (1-ρ)·||w||²₂`` ("enet", ``ρ = l1_ratio``). For 2-D ``y`` the means
    run over all ``n_samples × n_targets`` residuals. The L1 part is handled by a proximal
    (soft-threshold) step, so L1/elastic-net fits contain exact zeros.

    Training is deterministic for a given ``seed``. There is no stopping tolerance: every
    fit runs ``epochs`` epochs unless it diverges (a non-finite loss, or one above 1e6 × the
    initial loss). A divergence raises no exception; it emits a
    :class:`~sklearn.exceptions.ConvergenceWarning` and keeps the parameters of the last
    epoch before it. Gradient descent is sensitive to feature scales: put a
    :class:`~sklearn.preprocessing.StandardScaler` in front of it.

    Parameters
    ----------
    lr : float, default=0.01
        Learning rate η (> 0). For full-batch "manual" descent on the MSE the largest stable
        value is ``2 / λmax`` of the Hessian ``(2/n)·[X 1]ᵀ[X 1]``
        (see :func:`linreg_core.stable_lr`); the penalized objective has half that curvature.
    epochs : int, default=1000
        Passes over the training data (≥ 1). With full batches one epoch is one update.
    optimizer : {"manual", "sgd", "adam"}, default="manual"
        "manual" is the notes' step ``w -= η·∂L/∂w`` inside ``torch.no_grad()``; "sgd" is
        ``torch.optim.SGD`` with ``momentum``; "adam" is ``torch.optim.Adam``.
    batch_size : int or None, default=None
        None (or ≥ n_samples) for full batches, k for mini-batches of k samples, 1 for
        single-sample updates. Samples are reshuffled every epoch from ``seed``.
    init : {"zeros", "random"} or tuple (coef, intercept), default="zeros"
        Initial parameters. "zeros" starts at ``w = 0, b = 0``; "random" draws
        ``w ~ N(0, 1)`` from ``seed`` with ``b = 0`` (the notes' initialization); a pair
        ``(coef, intercept)`` in the layout of ``coef_`` / ``intercept_`` (scalars broadcast)
        warm-starts from those values.
    seed : int, default=0
        Seed of the local ``torch.Generator`` used for "random" init and batch shuffling.
    momentum : float, default=0.9
        Momentum of the "sgd" optimizer (ignored by "manual" and "adam").
    penalty : {None, "l1", "l2", "enet"}, default=None
        Regularization term ``P(w)`` of the objective above.
    alpha : float, default=0.0
        Penalty strength (≥ 0); ignored when ``penalty`` is None.
    l1_ratio : float, default=0.5
        Elastic-net mixing ``ρ`` in [0, 1]; only used with ``penalty="enet"``.
    dtype : {"float64", "float32"}, default="float64"
        Floating-point precision of the parameters and updates. The fitted attributes are
        float64 either way.
    gradient : {"auto", "autograd", "gram", "formula"}, default="auto"
        Where the gradient comes from, as in :func:`linreg_core.engine.training.fit_gd`:
        "auto" takes the Gram statistics ``[X 1]ᵀ[X 1]`` for full batches and the notes'
        formula in NumPy for mini-batches with "manual"/"sgd" and no penalty, else autograd;
        "autograd" is the notes' PyTorch loop (the reference). All give the same iterates up
        to floating-point rounding.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Fitted weights; 1-D when ``y`` was 1-D during fit.
    intercept_ : float or ndarray of shape (n_targets,)
        Fitted bias; a float when ``y`` was 1-D during fit.
    n_iter_ : int
        Epochs actually run (``epochs``, or the epoch at which a divergence was detected).
    loss_curve_ : ndarray of shape (n_iter_ + 1,)
        The full-data objective after each epoch; entry 0 is the loss of the initial
        parameters. After a divergence the last entry is the loss that triggered it.
    diverged_ : bool
        Whether training diverged (then a ``ConvergenceWarning`` was emitted).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit. Defined only when ``X`` has feature names that
        are all strings.

    See Also
    --------
    sklearn.linear_model.LinearRegression : The closed-form least-squares optimum.
    sklearn.linear_model.SGDRegressor : scikit-learn's own stochastic gradient descent.

    Notes
    -----
    In scikit-learn's parametrization (1-D ``y``) the penalized objectives are
    ``penalty="l1"`` ↔ ``Lasso(alpha=alpha)``, ``penalty="l2"`` ↔
    ``Ridge(alpha=2·n_samples·alpha)`` and ``penalty="enet"`` ↔
    ``ElasticNet(alpha=alpha·(2-ρ), l1_ratio=ρ/(2-ρ))``.

    Examples
    --------
    >>> import numpy as np
    >>> from linreg_core.engine.estimator import GDRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(100, 3)
    >>> y = X @ np.array([2.0, -3.0, 1.0]) + 0.5
    >>> reg = GDRegressor(lr=0.1, epochs=500).fit(X, y)
    >>> np.round(reg.coef_, 3)
    array([ 2., -3.,  1.])
    >>> round(reg.intercept_, 3)
    0.5
    >>> reg.n_iter_, reg.loss_curve_.shape, reg.diverged_
    (500, (501,), False)
    >>> reg.predict(X[:2]).round(2)
    array([ 3.81, -1.6 ])
    """

    def __init__(
        self,
        lr: float = 0.01,
        epochs: int = 1000,
        optimizer: str = "manual",
        batch_size: int | None = None,
        init: Any = "zeros",
        seed: int = 0,
        momentum: float = 0.9,
        penalty: str | None = None,
        alpha: float = 0.0,
        l1_ratio: float = 0.5,
        dtype: str = "float64",
        gradient: str = "auto",
    ) -> None:
        self.lr = lr
        self.epochs = epochs
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.init = init
        self.seed = seed
        self.momentum = momentum
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.dtype = dtype
        self.gradient = gradient

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # 2-D y fits one weight vector per target
        return tags

    def _torch_dtype(self) -> torch.dtype:
        try:
            name = np.dtype(self.dtype).name
        except TypeError:
            name = None
        if name not in _DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        return _DTYPES[name]

    def _engine_init(self) -> Any:
        """``init`` in fit_gd's layout: W is (n_features, n_targets), i.e. ``coef_.T``."""
        if isinstance(self.init, str):
            return self.init  # fit_gd rejects unknown strings
        try:
            coef, intercept = self.init
        except (TypeError, ValueError):
            raise ValueError(
                f"init must be 'zeros', 'random' or a (coef, intercept) pair, got {self.init!r}"
            ) from None
        coef = np.asarray(coef, dtype=float)
        return (coef.T if coef.ndim == 2 else coef), np.asarray(intercept, dtype=float)

    def fit(self, X: Any, y: Any) -> GDRegressor:
        """Train by gradient descent from ``init`` for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.

        Returns
        -------
        self : GDRegressor
            The fitted estimator.
        """
        dtype = self._torch_dtype()
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        # Torch cannot share memory with read-only arrays (e.g. memmaps): copy those.
        X = np.require(X, requirements="W")
        y = np.require(y, requirements="W")
        result = fit_gd(
            X, y,
            lr=self.lr,
            epochs=self.epochs,
            optimizer=self.optimizer,
            batch_size=self.batch_size,
            init=self._engine_init(),
            seed=self.seed,
            momentum=self.momentum,
            penalty=self.penalty,
            alpha=self.alpha,
            l1_ratio=self.l1_ratio,
            dtype=dtype,
            gradient=self.gradient,
        )
        keep = result.epochs_run
        if result.diverged:
            # The state at diverged_epoch is the one that blew up: keep the last one before
            # it whose parameters are finite (the initial state at worst).
            keep = max(int(result.diverged_epoch) - 1, 0)
            while keep > 0 and not (
                np.all(np.isfinite(result.weights[keep])) and np.all(np.isfinite(result.bias[keep]))
            ):
                keep -= 1
            warnings.warn(
                f"GDRegressor diverged at epoch {result.diverged_epoch} of "
                f"{result.epochs_requested} with lr={self.lr} ({result.divergence_cause}); "
                f"keeping the parameters from epoch {keep}. Use a smaller lr "
                f"(e.g. lr={float(self.lr) / 10:g}) or standardize the features "
                "(StandardScaler).",
                ConvergenceWarning,
                stacklevel=2,
            )
        W = np.asarray(result.weights[keep], dtype=np.float64)  # (n_features, n_targets)
        b = np.asarray(result.bias[keep], dtype=np.float64)  # (n_targets,)
        if y.ndim == 1:
            self.coef_ = W[:, 0].copy()
            self.intercept_ = float(b[0])
        else:
            self.coef_ = W.T.copy()
            self.intercept_ = b.copy()
        self.n_iter_ = result.epochs_run
        self.loss_curve_ = np.asarray(result.loss, dtype=np.float64)
        self.diverged_ = bool(result.diverged)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict ``Xw + b`` with the fitted parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions; 2-D when ``y`` was 2-D during fit.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_
