"""What the playground shows beside the run: the optimum, R², stability, the loss surface.

All for the notes' loss ``L(W, b) = mean((XW + b - y)²)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from linreg_core.engine.gram import gram_loss


@dataclass
class ClosedForm:
    """The least-squares optimum: ``weights`` (D_in, D_out), ``bias`` (D_out,), its loss."""

    weights: np.ndarray
    bias: np.ndarray
    loss: float


def _design(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def closed_form(X: np.ndarray, y: np.ndarray) -> ClosedForm:
    """Minimize ``mean((XW + b - y)²)`` exactly by least squares on ``A = [X 1]`` (float64)."""
    y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    A = _design(X)
    theta, *_ = np.linalg.lstsq(A, y2, rcond=None)
    W, b = theta[:-1], theta[-1]
    return ClosedForm(weights=W, bias=b, loss=mse(X, y2, W, b))


def closed_form_from_gram(gs) -> ClosedForm:
    """The least-squares optimum from ``G = AᵀA/N`` and ``c = AᵀY/N`` (no pass over X)."""
    theta = np.linalg.lstsq(gs.G, gs.c, rcond=None)[0]
    return ClosedForm(weights=theta[:-1], bias=theta[-1], loss=gram_mse(gs, theta[:-1],
                                                                         theta[-1]))


def gram_mse(gs, W: np.ndarray, b: np.ndarray) -> float:
    """``mean((XW + b − Y)²)`` from the Gram statistics (:func:`.gram.gram_loss`)."""
    theta = np.vstack([np.asarray(W, float), np.asarray(b, float).reshape(1, -1)])
    return float(max(gram_loss(gs, theta)[0], 0.0))


def predict(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float64) @ np.asarray(W) + np.asarray(b)


def mse(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return float(np.mean((predict(X, W, b) - y2) ** 2))


def r2(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (averaged over outputs)."""
    y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    res = ((predict(X, W, b) - y2) ** 2).sum(axis=0)
    tot = ((y2 - y2.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(tot > 0, 1 - res / np.where(tot > 0, tot, 1), 0.0)
    return float(np.mean(scores))


def hessian_max_eig(X: np.ndarray) -> float:
    """Largest eigenvalue of the loss Hessian ``(2/N)·AᵀA`` over ``(w, b)``, ``A = [X 1]``."""
    A = _design(X)
    return float(np.linalg.eigvalsh(2.0 / A.shape[0] * (A.T @ A))[-1])


def stable_lr(X: np.ndarray) -> float:
    """The largest stable learning rate of plain full-batch GD on the MSE: ``2 / λmax``.

    Above it the error along the top eigenvector grows by ``|1 - η·λmax| > 1`` per step.
    """
    return 2.0 / hessian_max_eig(X)


def epochs_to_within(loss: np.ndarray, optimum: float, rel: float = 0.01) -> int | None:
    """First epoch whose loss is within ``rel`` of the optimal loss (None if never)."""
    target = optimum * (1 + rel) + 1e-12
    hit = np.flatnonzero(np.asarray(loss) <= target)
    return int(hit[0]) if hit.size else None


def loss_surface(
    x: np.ndarray, y: np.ndarray, w_range: tuple[float, float], b_range: tuple[float, float],
    n: int = 60,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MSE over a grid of ``(w, b)`` for one feature: returns ``w`` (n,), ``b`` (n,), ``L`` (n, n).

    ``L[i, j]`` is the loss at ``b[i], w[j]``. Uses the expanded quadratic
    ``w²·E[x²] + 2wb·E[x] + b² - 2w·E[xy] - 2b·E[y] + E[y²]``, so the cost does not grow with N.
    """
    x1 = np.asarray(x, dtype=np.float64).reshape(-1)
    y1 = np.asarray(y, dtype=np.float64).reshape(-1)
    ws = np.linspace(*w_range, n)
    bs = np.linspace(*b_range, n)
    Wg, Bg = np.meshgrid(ws, bs)
    sxx, sx, sxy = (x1 * x1).mean(), x1.mean(), (x1 * y1).mean()
    sy, syy = y1.mean(), (y1 * y1).mean()
    L = Wg**2 * sxx + 2 * Wg * Bg * sx + Bg**2 - 2 * Wg * sxy - 2 * Bg * sy + syy
    return ws, bs, np.maximum(L, 0.0)


def loss_levels(
    x: np.ndarray, y: np.ndarray, w_range: tuple[float, float], b_range: tuple[float, float],
    n_levels: int = 12, n_points: int = 72,
) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Exact level sets of the one-feature MSE over ``(w, b)``: ellipses around the optimum.

    ``L(θ) = L* + (θ - θ*)ᵀ M (θ - θ*)`` with ``M = [[E[x²], E[x]], [E[x], 1]]``, so the level
    ``L* + c`` is the ellipse ``θ* + √c · M^(-1/2) u`` for unit vectors ``u``. The outermost
    level passes through the farthest corner of the box, so the nested ellipses cover it; the
    levels shrink geometrically towards the optimum. Returns ``(loss, w_points, b_points)``
    from the outermost to the innermost. (Drawn as lines, these survive a client-side
    animation that a contour trace does not.)
    """
    x1 = np.asarray(x, dtype=np.float64).reshape(-1)
    y1 = np.asarray(y, dtype=np.float64).reshape(-1)
    cf = closed_form(x1.reshape(-1, 1), y1)
    w_opt, b_opt = float(cf.weights[0, 0]), float(cf.bias[0])
    M = np.array([[np.mean(x1 * x1), np.mean(x1)], [np.mean(x1), 1.0]])
    corners = np.array([[w, b] for w in w_range for b in b_range]) - [w_opt, b_opt]
    c_max = float(np.max(np.einsum("ij,jk,ik->i", corners, M, corners)))
    evals, evecs = np.linalg.eigh(M)
    root_inv = evecs @ np.diag(1.0 / np.sqrt(np.maximum(evals, 1e-300))) @ evecs.T
    t = np.linspace(0, 2 * np.pi, n_points)
    circle = np.vstack([np.cos(t), np.sin(t)])
    levels = []
    for k in range(n_levels):
        c = c_max * 0.55**k
        pts = np.sqrt(c) * (root_inv @ circle)
        levels.append((cf.loss + c, w_opt + pts[0], b_opt + pts[1]))
    return levels


@dataclass
class GradientCheck:
    """The notes' formulas next to autograd's ``.grad`` at one state."""

    loss: float
    grad_w_formula: np.ndarray
    grad_b_formula: np.ndarray
    grad_w_autograd: np.ndarray
    grad_b_autograd: np.ndarray

    @property
    def max_difference(self) -> float:
        return float(max(np.max(np.abs(self.grad_w_formula - self.grad_w_autograd)),
                         np.max(np.abs(self.grad_b_formula - self.grad_b_autograd))))


def gradient_check(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> GradientCheck:
    """``∂L/∂W = (2/N)·Xᵀ(XW + b - Y)`` and ``∂L/∂b = (2/N)·Σ(ŷ - y)`` against autograd.

    For ``D_out > 1`` the notes' mean runs over all ``N·D_out`` entries, so both formulas
    carry ``2/(N·D_out)``.
    """
    Xt = torch.tensor(np.asarray(X), dtype=torch.float64)  # a copy: X may be read-only
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64).reshape(len(y), -1))
    Wt = torch.as_tensor(np.asarray(W, dtype=np.float64)).clone().requires_grad_(True)
    bt = torch.as_tensor(np.asarray(b, dtype=np.float64)).clone().requires_grad_(True)
    loss = (Xt @ Wt + bt - yt).pow(2).mean()
    loss.backward()
    with torch.no_grad():
        r = Xt @ Wt + bt - yt
        scale = 2.0 / r.numel()
        gw = scale * (Xt.T @ r)
        gb = scale * r.sum(dim=0)
    return GradientCheck(
        loss=float(loss.detach()), grad_w_formula=gw.numpy(), grad_b_formula=gb.numpy(),
        grad_w_autograd=Wt.grad.numpy(), grad_b_autograd=bt.grad.numpy(),
    )
