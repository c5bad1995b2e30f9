"""The learning-rate lab: many learning rates trained at once, and three optimizers raced.

``lr_sweep`` trains K copies of ``ŷ = XW + b`` (K ≤ 50), one per learning rate, in ONE
vectorized run: the parameters are batched tensors ``W`` (K, D, 1) and ``b`` (K, 1), the
predictions of all K models are one broadcast ``X @ W + b`` and the loss is the SUM over
models of each model's MSE, so that ``loss.backward()`` (once per epoch) gives every model
exactly the gradient of its own MSE. The update is the notes' step inside ``torch.no_grad()``
with a per-model learning-rate tensor, or the batched equivalent of ``torch.optim.SGD`` (with
momentum) or ``torch.optim.Adam``, so each model follows the same iterates as
``fit_gd(X, y, lr=lrs[k], ...)``. A model that diverges is frozen; the others carry on.

No UI import: plain arrays in, plain arrays out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from linreg_core.analysis import stable_lr as _stable_lr
from linreg_core.training import (
    DIVERGENCE_FACTOR,
    OPTIMIZERS,
    _initial_params,
    fit_gd,
    validate_xy,
)

MAX_MODELS = 50
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


@dataclass
class SweepResult:
    """K learning rates trained side by side (full batch).

    ``loss[k, e]`` is the full-data MSE of model ``k`` after ``e`` epochs (entry 0 is the
    initial state). ``weights[k, e]`` (D,) and ``bias[k, e]`` are that state. A model that
    diverged at epoch ``diverged_epoch[k]`` keeps the state and loss of that epoch (the one
    that blew up) and NaN after it; ``diverged_epoch[k]`` is -1 if it never diverged.
    ``final_loss[k]`` is the loss after the last epoch (NaN for a diverged model).
    ``stable_lr`` is ``2/λmax`` of plain full-batch GD on this X.
    """

    lrs: np.ndarray
    loss: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    diverged_epoch: np.ndarray
    final_loss: np.ndarray
    stable_lr: float
    optimizer: str = "manual"
    epochs: int = 0

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_epoch >= 0

    @property
    def n_diverged(self) -> int:
        return int(self.diverged.sum())

    @property
    def best_index(self) -> int | None:
        """The model with the lowest final loss among those that did not diverge."""
        ok = np.isfinite(self.final_loss)
        if not ok.any():
            return None
        return int(np.flatnonzero(ok)[np.argmin(self.final_loss[ok])])


def log_rates(lo: float, hi: float, k: int) -> np.ndarray:
    """``k`` learning rates evenly spaced on a log scale from ``lo`` to ``hi``."""
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
        raise ValueError(f"the learning-rate range must satisfy 0 < min < max, got {lo}, {hi}")
    if not 1 <= int(k) <= MAX_MODELS:
        raise ValueError(f"the number of rates must lie in [1, {MAX_MODELS}], got {k}")
    return np.geomspace(lo, hi, int(k))


def _check_lrs(lrs: Any) -> np.ndarray:
    arr = np.asarray(lrs, dtype=np.float64).reshape(-1)
    if arr.size == 0:
        raise ValueError("lrs is empty: give at least one learning rate")
    if arr.size > MAX_MODELS:
        raise ValueError(f"at most {MAX_MODELS} learning rates per sweep, got {arr.size}")
    if not np.all(np.isfinite(arr) & (arr > 0)):
        raise ValueError("every learning rate must be a positive finite number")
    return arr


def lr_sweep(
    X: Any,
    y: Any,
    lrs: Any,
    *,
    epochs: int,
    init: Any = "random",
    seed: int = 0,
    optimizer: str = "manual",
    momentum: float = 0.9,
    dtype: torch.dtype = torch.float32,
) -> SweepResult:
    """Train one model per learning rate in ``lrs`` on the same data, all in one batched run.

    Parameters
    ----------
    X : (N, D) features; y : (N,) or (N, 1) targets (one output)
    lrs : K positive learning rates, K ≤ 50
    epochs : full-batch updates (≥ 1)
    init : "random" | "zeros" | (W, b) — as ``fit_gd``; every model starts from the same state
        ("random" draws it once from ``torch.Generator().manual_seed(seed)``)
    optimizer : "manual" (the notes' step), "sgd" (momentum) or "adam"

    Divergence (a non-finite loss, or one above 1e6 × the model's initial loss) freezes that
    model: its ``diverged_epoch`` is recorded, its later losses and states are NaN, and its
    numbers never reach the other models.
    """
    X_np, y_np = validate_xy(X, y)
    if y_np.shape[1] != 1:
        raise ValueError(f"the learning-rate sweep takes one target column, got {y_np.shape[1]}")
    lr_np = _check_lrs(lrs)
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs}")
    epochs = int(epochs)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    momentum = float(momentum)
    k_models = lr_np.size
    n, d = X_np.shape

    gen = torch.Generator().manual_seed(int(seed))
    Xt = torch.as_tensor(X_np, dtype=dtype)
    yt = torch.as_tensor(y_np, dtype=dtype)
    W0, b0 = _initial_params(init, d, 1, gen, dtype)
    W = W0.expand(k_models, d, 1).clone().requires_grad_(True)  # (K, D, 1)
    b = b0.expand(k_models, 1).clone().requires_grad_(True)  # (K, 1)

    lr_w = torch.as_tensor(lr_np, dtype=dtype).reshape(k_models, 1, 1)
    lr_b = lr_w.reshape(k_models, 1)
    state: dict[str, torch.Tensor] = {}  # momentum buffers / Adam moments, per parameter

    def step(name: str, p: torch.Tensor, lr: torch.Tensor, t: int) -> None:
        g = p.grad
        if optimizer == "manual":
            p.sub_(lr * g)  # W -= η·∂L/∂W, each model with its own η
        elif optimizer == "sgd":
            buf = state.get(name)
            if buf is None:  # torch.optim.SGD: the first buffer is the gradient itself
                buf = state[name] = g.detach().clone()
            else:
                buf.mul_(momentum).add_(g)
            p.addcmul_(buf, lr, value=-1)
        else:  # Adam, as torch.optim.Adam's single-tensor step
            m = state.setdefault(name + ".m", torch.zeros_like(p))
            v = state.setdefault(name + ".v", torch.zeros_like(p))
            beta1, beta2 = ADAM_BETAS
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            bc1 = 1 - beta1**t
            bc2_sqrt = (1 - beta2**t) ** 0.5
            step_size = torch.as_tensor(lr_np / bc1, dtype=dtype).reshape(lr.shape)
            denom = (v.sqrt() / bc2_sqrt).add_(ADAM_EPS)
            p.add_((-step_size * m) / denom)

    def freeze(dead: torch.Tensor) -> None:
        """Reset the frozen models to finite numbers, so nothing non-finite ever flows."""
        W[dead] = 0.0
        b[dead] = 0.0
        for buf in state.values():
            buf[dead] = 0.0

    hist_W = torch.full((epochs + 1, k_models, d), math.nan, dtype=dtype)
    hist_b = torch.full((epochs + 1, k_models), math.nan, dtype=dtype)
    hist_loss = torch.full((epochs + 1, k_models), math.nan, dtype=torch.float64)
    hist_W[0] = W.detach()[:, :, 0]
    hist_b[0] = b.detach()[:, 0]
    alive = torch.ones(k_models, dtype=torch.bool)
    diverged = torch.full((k_models,), -1, dtype=torch.int64)
    limit = torch.full((k_models,), math.inf, dtype=torch.float64)

    def check(e: int, values: torch.Tensor) -> None:
        """Record state ``e``'s losses; freeze the models that blew up at it."""
        nonlocal alive
        hist_loss[e] = torch.where(alive, values, math.nan)
        blown = alive & (~torch.isfinite(values) | (values > limit))
        if bool(blown.any()):
            diverged[blown] = e
            alive = alive & ~blown
            with torch.no_grad():
                freeze(~alive)

    for epoch in range(epochs):
        # The notes' loop: epoch e's forward pass computes the loss of state e.
        pred = torch.matmul(Xt, W) + b[:, None, :]  # (K, N, 1): every model at once
        per_model = (pred - yt).pow(2).mean(dim=(1, 2))  # each model's MSE, (K,)
        values = per_model.detach().to(torch.float64)
        if epoch == 0:
            limit = DIVERGENCE_FACTOR * torch.clamp(values, min=1e-30)
            limit = torch.where(torch.isfinite(limit), limit, math.inf)
        check(epoch, values)
        if not bool(alive.any()):
            break
        per_model.sum().backward()  # one backward: ∂(Σ_k MSE_k)/∂W_k = ∂MSE_k/∂W_k
        with torch.no_grad():
            step("W", W, lr_w, epoch + 1)
            step("b", b, lr_b, epoch + 1)
            W.grad.zero_()
            b.grad.zero_()
            if bool(alive.all()):
                hist_W[epoch + 1] = W[:, :, 0]
                hist_b[epoch + 1] = b[:, 0]
            else:  # the frozen models: reset to finite numbers, recorded as NaN
                freeze(~alive)
                hist_W[epoch + 1] = torch.where(alive[:, None], W[:, :, 0], math.nan)
                hist_b[epoch + 1] = torch.where(alive, b[:, 0], math.nan)
    else:
        with torch.no_grad():
            pred = torch.matmul(Xt, W) + b[:, None, :]
            values = (pred - yt).pow(2).mean(dim=(1, 2)).to(torch.float64)
        check(epochs, values)

    loss = hist_loss.T.numpy().copy()
    div = diverged.numpy().copy()
    final = np.where(div >= 0, np.nan, loss[:, -1])
    return SweepResult(
        lrs=lr_np, loss=loss,
        weights=hist_W.permute(1, 0, 2).numpy().copy(),
        bias=hist_b.T.numpy().copy(),
        diverged_epoch=div, final_loss=final, stable_lr=float(_stable_lr(X_np)),
        optimizer=optimizer, epochs=epochs,
    )


RACE_OPTIMIZERS = ("manual", "sgd", "adam")


@dataclass
class RaceHistory:
    """One optimizer's run on one feature: ``path`` (epochs+1, 2) of (w, b) and ``loss``
    (epochs+1,), NaN after a divergence (``diverged_epoch`` ≥ 0, else -1)."""

    path: np.ndarray
    loss: np.ndarray
    diverged_epoch: int = -1

    @property
    def last(self) -> int:
        """Index of the last recorded state."""
        finite = np.flatnonzero(np.isfinite(self.path).all(axis=1))
        return int(finite[-1]) if finite.size else 0


def optimizer_race(
    X1: Any, y: Any, *, lr: float, epochs: int, init: Any = "random", seed: int = 0,
    momentum: float = 0.9,
) -> dict[str, RaceHistory]:
    """The notes' step, SGD with momentum and Adam from the same start on one feature.

    Returns ``{"manual": …, "sgd": …, "adam": …}``, each a :class:`RaceHistory` padded with
    NaN to ``epochs + 1`` states.
    """
    X_np, y_np = validate_xy(X1, y)
    if X_np.shape[1] != 1:
        raise ValueError(f"the optimizer race needs one feature, got {X_np.shape[1]}")
    out: dict[str, RaceHistory] = {}
    for name in RACE_OPTIMIZERS:
        r = fit_gd(X_np, y_np, lr=lr, epochs=epochs, optimizer=name, init=init, seed=seed,
                   momentum=momentum)
        path = np.full((int(epochs) + 1, 2), np.nan)
        loss = np.full(int(epochs) + 1, np.nan)
        m = len(r.loss)
        path[:m, 0] = r.weights[:, 0, 0]
        path[:m, 1] = r.bias[:, 0]
        loss[:m] = r.loss
        out[name] = RaceHistory(path=path, loss=loss,
                                diverged_epoch=-1 if r.diverged_epoch is None
                                else int(r.diverged_epoch))
    return out
