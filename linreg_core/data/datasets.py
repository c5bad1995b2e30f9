"""Built-in datasets. Every one is generated locally or ships with scikit-learn.

Randomness is local: a ``torch.Generator`` or ``np.random.RandomState``/``default_rng`` made
from the seed, never the global generators (one server process serves every user).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class Dataset:
    """Features ``X`` (N, D), targets ``y`` (N, 1), and what is known about them."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str = "y"
    description: str = ""
    true_weights: np.ndarray | None = None
    true_bias: float | None = None
    # The initial weights the notes' own example draws (torch.randn right after the data).
    notes_init: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])


def seed_example(seed: int = 0, n: int = 100) -> Dataset:
    """The notes' data: ``torch.manual_seed(0); x = randn(100, 1); y = 2x + 3 + 0.1·randn``.

    Drawn from a local generator, which yields the same numbers as the notes' global seed;
    the next draw, ``randn(1, 1)``, is the notes' initial weight.
    """
    gen = torch.Generator().manual_seed(int(seed))
    x = torch.randn(n, 1, generator=gen)
    y = 2 * x + 3 + 0.1 * torch.randn(n, 1, generator=gen)  # Adding some noise
    w0 = torch.randn(1, 1, generator=gen)
    return Dataset(
        name="seed",
        X=x.numpy(),
        y=y.numpy(),
        feature_names=["x"],
        description=f"The notes' example: y = 2x + 3 + 0.1·noise, {n} points, torch seed {seed}",
        true_weights=np.array([[2.0]]),
        true_bias=3.0,
        notes_init=w0.numpy(),
    )


def line(
    n: int = 100,
    slope: float = 2.0,
    intercept: float = 3.0,
    noise: float = 1.0,
    x_min: float = -3.0,
    x_max: float = 3.0,
    seed: int = 0,
    outliers: float = 0.0,
) -> Dataset:
    """``y = slope·x + intercept + noise·N(0, 1)`` with x uniform on [x_min, x_max].

    ``outliers`` is the fraction of points whose y is pushed far off the line
    (by 8–15 noise-independent units times the data's y spread).
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if not x_max > x_min:
        raise ValueError(f"x range is empty: x_min={x_min} must be below x_max={x_max}")
    if noise < 0:
        raise ValueError(f"noise must be ≥ 0, got {noise}")
    if not 0 <= outliers <= 0.5:
        raise ValueError(f"outliers must be a fraction in [0, 0.5], got {outliers}")
    rng = np.random.default_rng(int(seed))
    x = rng.uniform(x_min, x_max, size=(n, 1))
    y = slope * x + intercept + noise * rng.standard_normal((n, 1))
    name, desc = "line", f"y = {slope:g}x + {intercept:g} + {noise:g}·noise, {n} points"
    k = round(outliers * n)
    if k:
        spread = max(abs(slope) * (x_max - x_min), noise, 1.0)
        idx = rng.choice(n, size=k, replace=False)
        y[idx, 0] += rng.choice([-1.0, 1.0], size=k) * rng.uniform(0.8, 1.5, size=k) * spread
        name, desc = "outliers", desc + f", {k} outliers"
    return Dataset(
        name=name, X=x, y=y, feature_names=["x"], description=desc,
        true_weights=np.array([[slope]]), true_bias=float(intercept),
    )


def seed3(seed: int = 0, n: int = 100) -> Dataset:
    """The notes' scikit-learn example: 3 features, W = [2, -3, 1], b = 0.5, noise 0.1.

    ``np.random.seed(0)`` followed by ``randn`` calls is reproduced by a local
    ``RandomState(0)``, which draws the same numbers.
    """
    rs = np.random.RandomState(int(seed))
    X = rs.randn(n, 3)
    true_w = np.array([2.0, -3.0, 1.0])
    y = X @ true_w + 0.5 + 0.1 * rs.randn(n)
    return Dataset(
        name="seed3", X=X, y=y.reshape(-1, 1), feature_names=["x1", "x2", "x3"],
        description="The notes' 3-feature example: W = [2, -3, 1], b = 0.5, noise 0.1",
        true_weights=true_w.reshape(-1, 1), true_bias=0.5,
    )


def diabetes(feature: str | None = None) -> Dataset:
    """scikit-learn's diabetes data (442 patients, 10 features, as ``load_diabetes`` returns it).

    ``feature`` picks one column by name ("bmi", "s5", ...); ``None`` keeps all ten.
    """
    from sklearn.datasets import load_diabetes

    raw = load_diabetes()
    names = list(raw.feature_names)
    X = np.asarray(raw.data, dtype=float)
    if feature is not None:
        if feature not in names:
            raise ValueError(f"unknown diabetes feature {feature!r}; choose one of {names}")
        j = names.index(feature)
        X, names = X[:, [j]], [feature]
    return Dataset(
        name="diabetes", X=X, y=np.asarray(raw.target, dtype=float).reshape(-1, 1),
        feature_names=names, target_name="disease progression",
        description="scikit-learn's diabetes data: 442 patients, progression after one year",
    )


DIABETES_FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X - mean) / std`` per column; a constant column is centred and left unscaled.

    Returns the scaled X, the means and the scales used (1 for a constant column), so that
    weights can be mapped back: ``w_original = w_scaled / scale``.
    """
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)
    return (X - mean) / scale, mean, scale


def correlated(n: int = 200, n_groups: int = 3, group_size: int = 3, rho: float = 0.95,
               noise: float = 1.0, seed: int = 0) -> Dataset:
    """Groups of strongly correlated columns: where L1 keeps one and L2 shares the weight.

    Each group's columns are ``√ρ·z_g + √(1-ρ)·e`` for one latent ``z_g`` (pairwise
    correlation ρ); the target depends on the latents only,
    ``y = Σ_g c_g·z_g + noise`` with ``c = 3, -2, 1.5, ...``, so any one column of a group
    predicts about as well as the whole group.
    """
    if not 0 <= rho < 1:
        raise ValueError(f"rho must lie in [0, 1), got {rho}")
    rng = np.random.default_rng(int(seed))
    z = rng.standard_normal((n, n_groups))
    cols, names = [], []
    for g in range(n_groups):
        for j in range(group_size):
            cols.append(np.sqrt(rho) * z[:, g] + np.sqrt(1 - rho) * rng.standard_normal(n))
            names.append(f"g{g + 1}{'abcdefghij'[j]}")
    coef = np.array([3.0, -2.0, 1.5, -1.0, 0.5][:n_groups] + [1.0] * max(0, n_groups - 5))
    y = z @ coef + noise * rng.standard_normal(n)
    return Dataset(
        name="correlated", X=np.column_stack(cols), y=y.reshape(-1, 1), feature_names=names,
        description=f"{n_groups} groups of {group_size} columns with correlation {rho:g}; "
                    f"y depends on each group's shared signal (coefficients {coef.tolist()})",
    )


def sparse(n: int = 100, n_features: int = 30, n_informative: int = 4, noise: float = 1.0,
           seed: int = 0) -> Dataset:
    """Many features, few matter: the true weights are non-zero on ``n_informative`` of them."""
    if not 1 <= n_informative <= n_features:
        raise ValueError(f"n_informative must lie in [1, {n_features}], got {n_informative}")
    rng = np.random.default_rng(int(seed))
    X = rng.standard_normal((n, n_features))
    w = np.zeros(n_features)
    idx = rng.choice(n_features, n_informative, replace=False)
    w[idx] = rng.choice([-1.0, 1.0], n_informative) * rng.uniform(1.5, 4.0, n_informative)
    y = X @ w + 1.0 + noise * rng.standard_normal(n)
    return Dataset(
        name="sparse", X=X, y=y.reshape(-1, 1),
        feature_names=[f"x{j + 1}" for j in range(n_features)],
        description=f"{n_features} features, {n_informative} with non-zero true weight "
                    f"({', '.join(f'x{j + 1}' for j in sorted(idx))}), noise {noise:g}",
        true_weights=w.reshape(-1, 1), true_bias=1.0,
    )


def polynomial(n: int = 30, degree: int = 9, noise: float = 0.3, seed: int = 0) -> Dataset:
    """1-D data ``y = sin(πx) + noise`` with features ``x, x², …, x^degree`` (x in [-1, 1]).

    A high degree overfits the few points; a penalty tames the curve.
    """
    if not 1 <= degree <= 20:
        raise ValueError(f"degree must lie in [1, 20], got {degree}")
    rng = np.random.default_rng(int(seed))
    x = np.sort(rng.uniform(-1, 1, n))
    y = np.sin(np.pi * x) + noise * rng.standard_normal(n)
    return Dataset(
        name="polynomial", X=polynomial_features(x, degree), y=y.reshape(-1, 1),
        feature_names=["x"] + [f"x^{d}" for d in range(2, degree + 1)],
        description=f"{n} points of y = sin(πx) + {noise:g}·noise, polynomial features up to "
                    f"degree {degree}",
    )


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    x = np.asarray(x, dtype=float).reshape(-1)
    return np.column_stack([x**d for d in range(1, degree + 1)])
