"""The learning-rate lab: many learning rates trained at once, and three optimizers raced.

``lr_sweep`` trains K copies of ``ŷ = XW + b`` (K ≤ 50), one per learning rate, in ONE
vectorized run: the parameters are batched tensors ``W`` (K, D, 1) and ``b`` (K, 1), the
predictions of all K models are one broadcast ``X @ W + b`` and the loss is the SUM over
models of each model's MSE, so that ``loss.backward()`` (once per epoch) gives every model
exactly the gradient of its own MSE. The update is the notes' step inside ``torch.no_grad()``
with a per-model learning-rate tensor, or ``torch.optim.SGD``'s (with momentum) or
``torch.optim.Adam``'s, so each model follows the same iterates as
``fit_gd(X, y, lr=lrs[k], gradient="autograd", ...)``. A model that diverges is frozen; the
others carry on. The run is the training core's (:mod:`linreg_core.engine.core`): the batched
autograd source, the shared steppers with one η per model, and the one history recorder.

No UI import: plain arrays in, plain arrays out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from linreg_core.engine import core
from linreg_core.engine.analysis import stable_lr as _stable_lr
from linreg_core.engine.core import initial_params, validate_xy
from linreg_core.engine.sources import BatchedAutogradSource
from linreg_core.engine.steppers import MixedStep, make_stepper
from linreg_core.engine.training import OPTIMIZERS

MAX_MODELS = 50


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


@dataclass
class _Run:
    loss: np.ndarray  # (K, epochs+1) float64
    weights: np.ndarray  # (K, epochs+1, D) float32
    bias: np.ndarray  # (K, epochs+1) float32
    diverged_epoch: np.ndarray  # (K,) int


def _batched_run(
    X_np: np.ndarray, y_np: np.ndarray, lr_np: np.ndarray, optimizers: tuple[str, ...], *,
    epochs: int, init: Any, seed: int, momentum: float, dtype: torch.dtype,
) -> _Run:
    """K models, model k trained with ``optimizers[k]`` at ``lr_np[k]``, in one batched run of
    the training core (the notes' loop, :func:`linreg_core.engine.core.run_full_batch`)."""
    k_models = lr_np.size
    gen = torch.Generator().manual_seed(int(seed))
    Xt = torch.as_tensor(X_np, dtype=dtype)
    yt = torch.as_tensor(y_np, dtype=dtype)
    W0, b0 = initial_params(init, X_np.shape[1], 1, gen, dtype)  # one draw: every model starts here
    source = BatchedAutogradSource(Xt, yt, W0, b0, k_models)
    kinds = tuple(dict.fromkeys(optimizers))  # the distinct optimizers, in order
    steppers = {kind: make_stepper(kind, lr_np, momentum, source.params) for kind in kinds}
    stepper = steppers[kinds[0]] if len(kinds) == 1 else MixedStep(steppers, optimizers)
    W_start, b_start = source.state()
    history = core.run(source, stepper, core.History(epochs, W_start, b_start,
                                                     dtype=W_start.dtype))
    return _Run(loss=history.loss.T.copy(), weights=history.W.transpose(1, 0, 2).copy(),
                bias=history.b.T.copy(), diverged_epoch=history.diverged_epoch.copy())


def _lab_inputs(X: Any, y: Any, epochs: Any, momentum: Any):
    """The data (through the engine's validator, one target column), epochs and momentum."""
    X_np, y_np = validate_xy(X, y)
    if y_np.shape[1] != 1:
        raise ValueError(f"the learning-rate lab takes one target column, got {y_np.shape[1]}")
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs}")
    momentum = float(momentum)
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
    return X_np, y_np, int(epochs), momentum


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

    Each model follows the iterates of ``fit_gd(X, y, lr=lrs[k], epochs=epochs, init=init,
    seed=seed, optimizer=optimizer)``. Divergence (a non-finite loss, or one above 1e6 × the
    model's initial loss) freezes that model: its ``diverged_epoch`` is recorded, its later
    losses and states are NaN, and its numbers never reach the other models.
    """
    X_np, y_np, epochs, momentum = _lab_inputs(X, y, epochs, momentum)
    lr_np = _check_lrs(lrs)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    run = _batched_run(X_np, y_np, lr_np, (optimizer,) * lr_np.size, epochs=epochs, init=init,
                       seed=seed, momentum=momentum, dtype=dtype)
    final = np.where(run.diverged_epoch >= 0, np.nan, run.loss[:, -1])
    return SweepResult(
        lrs=lr_np, loss=run.loss, weights=run.weights, bias=run.bias,
        diverged_epoch=run.diverged_epoch, final_loss=final,
        stable_lr=float(_stable_lr(X_np)), optimizer=optimizer, epochs=epochs,
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

    The three run side by side in one batched loop (each equals ``fit_gd`` with that
    optimizer). Returns ``{"manual": …, "sgd": …, "adam": …}``, each a :class:`RaceHistory`
    with ``epochs + 1`` states (NaN after a divergence).
    """
    X_np, y_np, epochs, momentum = _lab_inputs(X1, y, epochs, momentum)
    if X_np.shape[1] != 1:
        raise ValueError(f"the optimizer race needs one feature, got {X_np.shape[1]}")
    lr_np = _check_lrs([lr] * len(RACE_OPTIMIZERS))
    run = _batched_run(X_np, y_np, lr_np, RACE_OPTIMIZERS, epochs=epochs, init=init,
                       seed=seed, momentum=momentum, dtype=torch.float32)
    return {
        name: RaceHistory(
            path=np.column_stack([run.weights[k, :, 0], run.bias[k]]).astype(np.float64),
            loss=run.loss[k], diverged_epoch=int(run.diverged_epoch[k]))
        for k, name in enumerate(RACE_OPTIMIZERS)
    }


# ----------------------------------------------------------------------------- page scenes
