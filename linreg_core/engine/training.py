"""Training runs: gradient descent on ``ŷ = XW + b`` with a per-epoch history.

The loop is the notes' loop: forward pass and loss with autograd on, ``loss.backward()``,
then the update inside ``torch.no_grad()`` and the gradients zeroed. What this module adds
is what a playground needs around it: optimizers, batches, a recorded history, divergence
detection, a callback for progress and cancellation, and penalties. :func:`fit_gd` checks
its arguments, picks a gradient source (:func:`resolve_gradient`) and a stepper, and runs
them in the training core (:mod:`linreg_core.engine.core`).

Objective
---------
Without a penalty the loss is the notes' mean squared error ``L = mean((XW + b - y)²)``.
With a penalty it is the notes' regularized objective
``(1/(2n))·||y - XW - b||² + α·P(W)`` (intercept not penalized), with ``P = ||W||₁`` ("l1"),
``P = ||W||²₂`` ("l2") or ``P = ρ||W||₁ + (1-ρ)||W||²₂`` ("enet", ρ = ``l1_ratio``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from linreg_core.engine import core
from linreg_core.engine.core import DIVERGENCE_FACTOR, initial_params, validate_xy
from linreg_core.engine.gram import GramStats, gram_stats
from linreg_core.engine.sources import AutogradSource, FormulaSource, GramSource, Objective
from linreg_core.engine.steppers import ProxL1, make_stepper

OPTIMIZERS = ("manual", "sgd", "adam")
PENALTIES = (None, "l1", "l2", "enet")
L1_MODES = ("proximal", "subgradient")
GRADIENTS = ("auto", "autograd", "gram", "formula")

__all__ = [
    "DIVERGENCE_FACTOR", "GRADIENTS", "L1_MODES", "OPTIMIZERS", "PENALTIES", "GDResult",
    "GramStats", "fit_gd", "gram_stats", "initial_params", "resolve_gradient", "validate_xy",
]


@dataclass
class GDResult:
    """The history of one run.

    ``weights[k]`` (shape ``(D_in, D_out)``) and ``bias[k]`` (``(D_out,)``) are the parameters
    after ``k`` epochs (entry 0 is the initial state) and ``loss[k]`` is the full-data
    objective at that state, so a fitted line and its loss marker always agree. After a
    divergence or a stop the arrays end at the last recorded state.
    """

    weights: np.ndarray
    bias: np.ndarray
    loss: np.ndarray
    epochs_requested: int
    diverged: bool = False
    diverged_epoch: int | None = None
    divergence_cause: str | None = None
    stopped: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def epochs_run(self) -> int:
        return len(self.loss) - 1

    @property
    def final_weights(self) -> np.ndarray:
        return self.weights[-1]

    @property
    def final_bias(self) -> np.ndarray:
        return self.bias[-1]

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite numbers become ``None``)."""

        def clean(a: np.ndarray) -> Any:
            return [clean(v) for v in a] if np.ndim(a) else (float(a) if np.isfinite(a) else None)

        return {
            "settings": self.settings,
            "epochs_requested": self.epochs_requested,
            "epochs_run": self.epochs_run,
            "diverged": self.diverged,
            "diverged_epoch": self.diverged_epoch,
            "divergence_cause": self.divergence_cause,
            "stopped": self.stopped,
            "loss": clean(self.loss),
            "weights": clean(self.weights),
            "bias": clean(self.bias),
        }


def _tensor(a: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    """``a`` as a tensor of ``dtype``, sharing memory when it can. A read-only array (pandas
    hands those out) is converted or copied first: torch does not take read-only memory."""
    np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    if a.dtype != np_dtype:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np_dtype))  # a new, own copy
    return torch.from_numpy(a if a.flags.writeable else a.copy())


def resolve_gradient(gradient: str, *, optimizer: str, penalty: str | None, n: int,
                     d_in: int, full_batch: bool) -> str:
    """The gradient source a run takes: ``gradient`` itself, or for ``"auto"`` the fastest
    one with the notes' iterates: ``"gram"`` for full batches (unless the Gram, (D_in+1)², is
    larger than the data, N·(D_in+1)), ``"formula"`` for mini-batches and single samples with
    the "manual" or "sgd" optimizer and no penalty, ``"autograd"`` where only it applies."""
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {GRADIENTS}, got {gradient!r}")
    if gradient != "auto":
        return gradient
    if full_batch:
        return "gram" if d_in + 1 <= n else "autograd"
    if optimizer != "adam" and penalty is None:
        return "formula"
    return "autograd"


def _check_settings(lr: Any, epochs: Any, optimizer: str, batch_size: Any, penalty: Any,
                    alpha: Any, l1_ratio: Any, l1_mode: str) -> tuple[float, int]:
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr}")
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if batch_size is not None and (int(batch_size) != batch_size or batch_size < 1):
        raise ValueError(f"batch_size must be None or a positive integer, got {batch_size}")
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got {penalty!r}")
    if penalty is not None and not (math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a non-negative number, got {alpha}")
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must lie in [0, 1], got {l1_ratio}")
    if l1_mode not in L1_MODES:
        raise ValueError(f"l1_mode must be one of {L1_MODES}, got {l1_mode!r}")
    return lr, int(epochs)


def _objective(penalty: str | None, alpha: float, l1_ratio: float, l1_mode: str) -> Objective:
    l1 = alpha * (1.0 if penalty == "l1" else l1_ratio if penalty == "enet" else 0.0)
    l2 = alpha * (1.0 if penalty == "l2" else (1 - l1_ratio) if penalty == "enet" else 0.0)
    return Objective(penalty=penalty, l1=l1, l2=l2, prox=bool(l1 > 0 and l1_mode == "proximal"))


def _check_route(route: str, *, optimizer: str, penalty: str | None, full_batch: bool) -> None:
    if route == "formula" and (optimizer == "adam" or penalty is not None):
        raise ValueError("gradient='formula' covers the 'manual' and 'sgd' optimizers "
                         "without a penalty; use gradient='autograd'")
    if route == "gram" and not full_batch:
        raise ValueError("gradient='gram' needs full batches (batch_size=None)")


def _source(route: str, X_np: np.ndarray, y_np: np.ndarray, W0: torch.Tensor, b0: torch.Tensor,
            objective: Objective, *, batch_size: int | None, gen: torch.Generator,
            dtype: torch.dtype, gram: GramStats | None) -> Any:
    """The gradient source of ``route`` ("autograd", "gram", "formula") for one run."""
    if route == "gram":  # the data are only read once, into AᵀA and AᵀY
        gs = gram if gram is not None else gram_stats(X_np, y_np)
        return GramSource(gs, W0.numpy(), b0.numpy(), objective)
    Xt, yt = _tensor(X_np, dtype), _tensor(y_np, dtype)
    if route == "formula":
        gs = gram if gram is not None else gram_stats(X_np, y_np)
        return FormulaSource(Xt.numpy(), yt.numpy(), W0.numpy(), b0.numpy(), gen=gen, gs=gs,
                             batch_size=len(X_np) if batch_size is None else batch_size)
    return AutogradSource(Xt, yt, W0, b0, objective, batch_size=batch_size, gen=gen)


def fit_gd(
    X: Any,
    y: Any,
    *,
    lr: float,
    epochs: int,
    optimizer: str = "manual",
    batch_size: int | None = None,
    init: Any = "random",
    seed: int = 0,
    momentum: float = 0.9,
    penalty: str | None = None,
    alpha: float = 0.0,
    l1_ratio: float = 0.5,
    l1_mode: str = "proximal",
    on_epoch: Callable[[int, float], Any] | None = None,
    callback_every: int = 1,
    dtype: torch.dtype = torch.float32,
    gradient: str = "auto",
    gram: GramStats | None = None,
) -> GDResult:
    """Train ``ŷ = XW + b`` by gradient descent and record every epoch.

    Parameters
    ----------
    X : array of shape (N, D_in); y : array of shape (N,) or (N, D_out)
    lr : float
        Learning rate η (> 0).
    epochs : int
        Passes over the data (≥ 1). With full batches one epoch is one update.
    optimizer : "manual" | "sgd" | "adam"
        "manual" is the notes' step ``W -= η·W.grad`` inside ``torch.no_grad()``;
        "sgd" is ``torch.optim.SGD`` with ``momentum``; "adam" is ``torch.optim.Adam``
        (the same updates, :mod:`linreg_core.engine.steppers`).
    batch_size : int or None
        None (or ≥ N) for full batches, k for mini-batches of k, 1 for single samples;
        the samples are reshuffled every epoch by a generator seeded with ``seed``.
    init : "random" | "zeros" | (W, b)
        "random" draws ``W ~ N(0, 1)`` from a local generator seeded with ``seed`` and sets
        ``b = 0`` as the notes do.
    penalty, alpha, l1_ratio, l1_mode
        Penalized objective ``(1/(2n))·||y - XW - b||² + α·P(W)``, see the module docstring.
        The L2 part is differentiated. The L1 part is a proximal soft-threshold step after
        the gradient step ("proximal", which produces exact zeros) or the subgradient
        of ``|W|`` ("subgradient", which oscillates around zero and never lands on it).
    on_epoch : callable(epoch, loss) -> bool | None
        Called every ``callback_every`` epochs after the update; returning ``False`` stops
        the run (``result.stopped``), which is how a superseded run is cancelled.
    gradient : "auto" | "autograd" | "gram" | "formula"
        Where the gradient comes from; all four give the notes' iterates.
        "autograd" is the notes' way, the reference: forward pass, ``loss.backward()``.
        "gram" (full batches only) computes the same loss and gradient from ``AᵀA`` and
        ``AᵀY`` (``A = [X 1]``, float64, computed once or passed in as ``gram``), so an epoch
        costs O(D²) instead of O(N·D): the fast path for large data. The update step is the
        same, every optimizer and penalty included.
        "formula" evaluates the notes' gradient formula ``∂L/∂W = (2/B)·Xᵦᵀ(XᵦW + b − yᵦ)``,
        ``∂L/∂b = (2/B)·Σ(ŷ − y)`` per batch in NumPy (float32 like the loop, the same
        shuffled batches and the same update): for mini-batches and single samples with the
        "manual" or "sgd" optimizer and no penalty, where autograd's per-step overhead is
        most of the time.
        "auto" (the default) picks the fastest that applies: "gram" for full batches (when
        the Gram is no larger than the data, D_in + 1 ≤ N), "formula" for mini-batches and
        single samples with "manual" or "sgd" and no penalty, else "autograd"
        (:func:`resolve_gradient`; ``result.settings["gradient"]`` records the choice).
        The Gram and formula iterates agree with autograd's to float32 rounding (tested).
    gram : GramStats, optional
        Precomputed :func:`gram_stats` of ``(X, y)`` for the "gram" and "formula" paths.

    Returns
    -------
    GDResult
        Divergence (a non-finite loss, or one above 1e6 × the initial loss) stops the run and
        is reported with its epoch.
    """
    X_np, y_np = validate_xy(X, y)
    n, d_in = X_np.shape
    lr, epochs = _check_settings(lr, epochs, optimizer, batch_size, penalty, alpha, l1_ratio,
                                 l1_mode)
    full_batch = batch_size is None or batch_size >= n
    gen = torch.Generator().manual_seed(int(seed))
    W0, b0 = initial_params(init, d_in, y_np.shape[1], gen, dtype)
    route = resolve_gradient(gradient, optimizer=optimizer, penalty=penalty, n=n, d_in=d_in,
                             full_batch=full_batch)
    _check_route(route, optimizer=optimizer, penalty=penalty, full_batch=full_batch)
    objective = _objective(penalty, alpha, l1_ratio, l1_mode)
    source = _source(route, X_np, y_np, W0, b0, objective, gen=gen, dtype=dtype, gram=gram,
                     batch_size=None if full_batch else int(batch_size))
    stepper = make_stepper(optimizer, lr, float(momentum), source.params)
    if objective.prox:
        stepper = ProxL1(stepper, lr * objective.l1, rows=d_in)
    W_start, b_start = source.state()
    history = core.run(source, stepper, core.History(
        epochs, W_start, b_start, dtype=W_start.dtype, on_epoch=on_epoch,
        callback_every=callback_every))
    settings = {
        "lr": lr, "epochs": epochs, "optimizer": optimizer, "batch_size": batch_size,
        "seed": int(seed), "penalty": penalty, "alpha": float(alpha),
        "l1_ratio": float(l1_ratio), "l1_mode": l1_mode,
        "momentum": float(momentum) if optimizer == "sgd" else None,
        "gradient": route,
    }
    return _result(history, epochs=epochs, settings=settings)


def _result(history: core.History, *, epochs: int, settings: dict) -> GDResult:
    """One model's record as a :class:`GDResult`, ending at the last recorded state."""
    n_states = history.last + 1
    diverged = int(history.diverged_epoch[0]) >= 0
    return GDResult(
        weights=history.W[:n_states, 0].astype(np.float64),
        bias=history.b[:n_states, 0].astype(np.float64),
        loss=history.loss[:n_states, 0].copy(),
        epochs_requested=epochs,
        diverged=diverged,
        diverged_epoch=int(history.diverged_epoch[0]) if diverged else None,
        divergence_cause=history.cause if diverged else None,
        stopped=history.stopped,
        settings=settings,
    )
