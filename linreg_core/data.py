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
