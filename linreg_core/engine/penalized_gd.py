"""The penalized models trained by this project's own gradient descent (``fit_gd``).

Same objective as :mod:`linreg_core.engine.paths`: ``(1/(2n))·||y − Xw − b||² + α·P(w)``. The L2
part of the penalty is differentiated; the L1 part is a proximal soft-threshold step after
each gradient step, which lands on exact zeros (a plain subgradient of ``|w|`` only
oscillates around zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from linreg_core.data import datasets as data
from linreg_core.engine.gram import GramStats, gram_matrix, gram_stats
from linreg_core.engine.training import fit_gd

PENALTY = {"lasso": "l1", "ridge": "l2", "enet": "enet"}


@dataclass
class GDPath:
    alphas: np.ndarray  # (k,), decreasing
    coefs: np.ndarray  # (k, n_features)
    intercepts: np.ndarray  # (k,)
    epochs_per_alpha: int
    lr: float


def smooth_lipschitz(X: np.ndarray, alpha: float, model: str, l1_ratio: float,
                     gs: GramStats | None = None) -> float:
    """Lipschitz constant of the smooth part's gradient over ``(w, b)``: the step 1/L is safe.

    ``gs``: the :func:`gram_stats` of ``X`` if already computed (``G = AᵀA/N``)."""
    G = gs.G if gs is not None else gram_matrix(np.asarray(X, dtype=float), 1.0) / len(X)
    top = float(np.linalg.eigvalsh(G)[-1])
    l2 = {"lasso": 0.0, "ridge": 1.0, "enet": 1.0 - l1_ratio}[model]
    return top + 2 * alpha * l2


def gd_path(
    X: np.ndarray, y: np.ndarray, *, model: str, alphas: np.ndarray, l1_ratio: float = 0.5,
    standardize: bool = False, epochs: int = 300, l1_mode: str = "proximal",
) -> GDPath:
    """Gradient descent along the α grid, each α warm-started from the previous solution.

    The step is ``1/L`` for the largest α's smoothness constant ``L`` (valid for every smaller
    α too), in float64. With enough epochs this reaches the exact path. The Gram statistics
    are computed once for the whole path, and every α's run takes its gradient from them
    (``fit_gd``'s full-batch path).
    """
    if model not in PENALTY:
        raise ValueError(f"model must be lasso, ridge or enet, got {model!r}")
    X = np.asarray(X, dtype=float)
    if standardize:
        X = data.standardize(X)[0]
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    alphas = np.sort(np.asarray(alphas, dtype=float))[::-1]
    gs = gram_stats(X, y)
    lr = 1.0 / smooth_lipschitz(X, float(alphas[0]), model, l1_ratio, gs=gs)
    init: object = "zeros"
    coefs, intercepts = [], []
    for a in alphas:
        r = fit_gd(X, y, lr=lr, epochs=epochs, penalty=PENALTY[model], alpha=float(a),
                   l1_ratio=l1_ratio, l1_mode=l1_mode, init=init, dtype=torch.float64, gram=gs)
        W, b = r.final_weights, r.final_bias
        init = (W, b)
        coefs.append(W[:, 0])
        intercepts.append(float(b[0]))
    return GDPath(alphas=alphas, coefs=np.array(coefs), intercepts=np.array(intercepts),
                  epochs_per_alpha=epochs, lr=lr)
