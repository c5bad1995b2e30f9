"""Training runs: gradient descent on ``ŷ = XW + b`` with a per-epoch history.

The loop is the notes' loop: forward pass and loss with autograd on, ``loss.backward()``,
then the update inside ``torch.no_grad()`` and the gradients zeroed. What this module adds
is what a playground needs around it: optimizers, batches, a recorded history, divergence
detection, a callback for progress and cancellation, and penalties.

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

OPTIMIZERS = ("manual", "sgd", "adam")
PENALTIES = (None, "l1", "l2", "enet")
L1_MODES = ("proximal", "subgradient")
DIVERGENCE_FACTOR = 1e6


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


def _as_2d(a: Any, name: str) -> np.ndarray:
    arr = np.asarray(a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; drop or fill them first")
    return arr


def _divergence(value: float, limit: float) -> str | None:
    """Why a run stops as diverged at a state of loss ``value``, or None."""
    if not math.isfinite(value):
        return "the loss became infinite or NaN"
    if value > limit:
        return f"the loss grew above {DIVERGENCE_FACTOR:.0e} × its initial value"
    return None


def _tensor(a: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    """``a`` as a tensor of ``dtype``, sharing memory when it can. A read-only array (pandas
    hands those out) is converted or copied first: torch does not take read-only memory."""
    np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    if a.dtype != np_dtype:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np_dtype))  # a new, own copy
    return torch.from_numpy(a if a.flags.writeable else a.copy())


def validate_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as ``(N, D_in)`` and ``y`` as ``(N, D_out)`` finite arrays, or a ``ValueError``."""
    X2 = _as_2d(X, "X")
    y2 = _as_2d(y, "y")
    if X2.shape[0] != y2.shape[0]:
        raise ValueError(f"X has {X2.shape[0]} rows but y has {y2.shape[0]}")
    return X2, y2


def _initial_params(
    init: Any, d_in: int, d_out: int, gen: torch.Generator, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    if isinstance(init, str):
        if init == "random":
            # As the notes: W ~ N(0, 1), b = 0; drawn from a local generator.
            W = torch.randn(d_in, d_out, generator=gen, dtype=dtype)
            return W, torch.zeros(d_out, dtype=dtype)
        if init == "zeros":
            return torch.zeros(d_in, d_out, dtype=dtype), torch.zeros(d_out, dtype=dtype)
        raise ValueError(f"init must be 'random', 'zeros' or (W, b) arrays, got {init!r}")
    if isinstance(init, dict):
        w0, b0 = init.get("weights", 0.0), init.get("bias", 0.0)
    else:
        try:
            w0, b0 = init
        except (TypeError, ValueError):
            raise ValueError(
                f"init must be 'random', 'zeros' or (W, b) arrays, got {init!r}"
            ) from None
    w_arr = np.asarray(w0, dtype=float)
    b_arr = np.asarray(b0, dtype=float)
    try:
        W = np.broadcast_to(w_arr.reshape(d_in, d_out) if w_arr.size == d_in * d_out
                            else w_arr, (d_in, d_out)).copy()
        b = np.broadcast_to(b_arr.reshape(-1) if b_arr.size == d_out else b_arr, (d_out,)).copy()
    except ValueError:
        raise ValueError(
            f"initial W must have shape ({d_in}, {d_out}) and b shape ({d_out},); "
            f"got {w_arr.shape} and {b_arr.shape}"
        ) from None
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
        raise ValueError("initial W and b must be finite numbers")
    return torch.tensor(W, dtype=dtype), torch.tensor(b, dtype=dtype)


@dataclass
class GramStats:
    """``G = AᵀA/N``, ``c = AᵀY/N`` and ``yy = ΣY²/N`` for ``A = [X 1]`` (float64)."""

    G: np.ndarray
    c: np.ndarray
    yy: float
    n: int


def gram_stats(X: Any, y: Any, chunk: int = 65_536) -> GramStats:
    """One pass over the data, in chunks (float64 accumulation, bounded extra memory)."""
    X = np.asarray(X)
    y2 = np.asarray(y).reshape(len(y), -1)
    n, d = X.shape
    G = np.zeros((d + 1, d + 1))
    c = np.zeros((d + 1, y2.shape[1]))
    yy = 0.0
    for start in range(0, n, chunk):
        xb = np.asarray(X[start:start + chunk], dtype=np.float64)
        yb = np.asarray(y2[start:start + chunk], dtype=np.float64)
        A = np.hstack([xb, np.ones((len(xb), 1))])
        G += A.T @ A
        c += A.T @ yb
        yy += float((yb * yb).sum())
    return GramStats(G=G / n, c=c / n, yy=yy / n, n=n)


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
    gradient: str = "autograd",
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
        "sgd" is ``torch.optim.SGD`` with ``momentum``; "adam" is ``torch.optim.Adam``.
    batch_size : int or None
        None (or ≥ N) for full batches, k for mini-batches of k, 1 for single samples;
        the samples are reshuffled every epoch by a generator seeded with ``seed``.
    init : "random" | "zeros" | (W, b)
        "random" draws ``W ~ N(0, 1)`` from a local generator seeded with ``seed`` and sets
        ``b = 0`` as the notes do.
    penalty, alpha, l1_ratio, l1_mode
        Penalized objective ``(1/(2n))·||y - XW - b||² + α·P(W)``, see the module docstring.
        The L2 part goes through autograd. The L1 part is a proximal soft-threshold step after
        the gradient step ("proximal", which produces exact zeros) or autograd's subgradient
        of ``|W|`` ("subgradient", which oscillates around zero and never lands on it).
    on_epoch : callable(epoch, loss) -> bool | None
        Called every ``callback_every`` epochs after the update; returning ``False`` stops
        the run (``result.stopped``), which is how a superseded run is cancelled.
    gradient : "autograd" | "gram"
        "autograd" (the default) is the notes' way: forward pass, ``loss.backward()``.
        "gram" (full batch only) computes the same loss and gradient from ``AᵀA`` and ``AᵀY``
        (``A = [X 1]``, float64, computed once or passed in as ``gram``), so an epoch costs
        O(D²) instead of O(N·D): the fast path for large data. The update step is the same.
        "formula" evaluates the notes' gradient formula ``∂L/∂W = (2/B)·Xᵦᵀ(XᵦW + b − yᵦ)``,
        ``∂L/∂b = (2/B)·Σ(ŷ − y)`` per batch in NumPy (float32 like the loop, the same
        shuffled batches and the same update): for mini-batches and single samples with the
        "manual" or "sgd" optimizer and no penalty, where autograd's per-step overhead is
        most of the time. Iterates agree with autograd's to float32 rounding (tested).

    Returns
    -------
    GDResult
        Divergence (a non-finite loss, or one above 1e6 × the initial loss) stops the run and
        is reported with its epoch.
    """
    X_np, y_np = validate_xy(X, y)
    n, d_in = X_np.shape
    d_out = y_np.shape[1]
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr}")
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs}")
    epochs = int(epochs)
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
    full_batch = batch_size is None or batch_size >= n
    settings = {
        "lr": lr, "epochs": epochs, "optimizer": optimizer, "batch_size": batch_size,
        "seed": int(seed), "penalty": penalty, "alpha": float(alpha),
        "l1_ratio": float(l1_ratio), "l1_mode": l1_mode,
        "momentum": float(momentum) if optimizer == "sgd" else None,
        "gradient": gradient,
    }

    gen = torch.Generator().manual_seed(int(seed))
    if gradient == "gram":  # the data are only read once, into AᵀA and AᵀY
        Xt = yt = None
    else:
        Xt, yt = _tensor(X_np, dtype), _tensor(y_np, dtype)
    W0, b0 = _initial_params(init, d_in, d_out, gen, dtype)
    W = W0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)

    l1 = alpha * (1.0 if penalty == "l1" else l1_ratio if penalty == "enet" else 0.0)
    l2 = alpha * (1.0 if penalty == "l2" else (1 - l1_ratio) if penalty == "enet" else 0.0)
    prox = l1 > 0 and l1_mode == "proximal"
    if gradient not in ("autograd", "gram", "formula"):
        raise ValueError(f"gradient must be 'autograd', 'gram' or 'formula', got {gradient!r}")
    if gradient == "formula":
        if optimizer == "adam" or penalty is not None:
            raise ValueError("gradient='formula' covers the 'manual' and 'sgd' optimizers "
                             "without a penalty; use gradient='autograd'")
        hist = _batch_loop(Xt.numpy(), yt.numpy(), W0.numpy(), b0.numpy(), lr=lr,
                           epochs=epochs, batch_size=n if full_batch else int(batch_size),
                           gen=gen, optimizer=optimizer, momentum=float(momentum),
                           on_epoch=on_epoch, callback_every=callback_every,
                           gs=gram if gram is not None else gram_stats(X_np, y_np))
        return _result(*hist, epochs=epochs, settings=settings)
    use_gram = gradient == "gram"
    if use_gram and not full_batch:
        raise ValueError("gradient='gram' needs full batches (batch_size=None)")
    if use_gram and optimizer != "adam":
        gs = gram if gram is not None else gram_stats(X_np, y_np)
        hist = _gram_loop(gs, W0.numpy(), b0.numpy(), lr=lr, epochs=epochs, optimizer=optimizer,
                          momentum=float(momentum), penalty=penalty, l1=l1, l2=l2, prox=prox,
                          on_epoch=on_epoch, callback_every=callback_every)
        return _result(*hist, epochs=epochs, settings=settings)
    if use_gram:
        gs = gram if gram is not None else gram_stats(X_np, y_np)
        G = torch.as_tensor(gs.G)
        c = torch.as_tensor(gs.c)
        yy = float(gs.yy)

    def gram_loss(set_grad: bool) -> float:
        """The objective (and, if asked, W.grad and b.grad) from the Gram statistics."""
        with torch.no_grad():
            theta = torch.cat([W.detach(), b.detach()[None, :]]).to(torch.float64)
            Gt = G @ theta
            mse = float(((theta * Gt).sum() - 2 * (theta * c).sum() + yy) / d_out)
            grad = (2.0 / d_out) * (Gt - c)  # ∂MSE/∂θ = (2/N)·Aᵀ(Aθ − Y), N folded into G, c
            W64 = theta[:-1]
            if penalty is None:
                value = mse
            else:
                value = 0.5 * mse + l2 * float((W64**2).sum())
                grad = 0.5 * grad
                grad[:-1] += 2 * l2 * W64
                if l1 and not prox:
                    value += l1 * float(W64.abs().sum())
                    grad[:-1] += l1 * torch.sign(W64)
                if prox:
                    value += l1 * float(W64.abs().sum())
            if set_grad:
                W.grad = grad[:-1].to(dtype)
                b.grad = grad[-1].to(dtype)
        return max(value, 0.0) if penalty is None else value

    def objective(Xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        pred = Xb @ W + b
        if penalty is None:
            return (pred - yb).pow(2).mean()  # the notes' MSE
        loss = 0.5 * (pred - yb).pow(2).mean()
        if l2:
            loss = loss + l2 * W.pow(2).sum()
        if l1:
            # The smooth part for the proximal step; the full objective for recording.
            if not prox:
                loss = loss + l1 * W.abs().sum()
        return loss

    def full_loss() -> float:
        if use_gram:
            return gram_loss(set_grad=False)
        with torch.no_grad():
            value = objective(Xt, yt)
            if prox:
                value = value + l1 * W.abs().sum()
        return float(value)

    opt: torch.optim.Optimizer | None = None
    if optimizer == "sgd":
        opt = torch.optim.SGD([W, b], lr=lr, momentum=float(momentum))
    elif optimizer == "adam":
        opt = torch.optim.Adam([W, b], lr=lr)

    def update() -> None:
        if opt is None:
            with torch.no_grad():  # the notes' step
                W.sub_(lr * W.grad)  # W -= η·∂L/∂W
                b.sub_(lr * b.grad)  # b -= η·∂L/∂b
                W.grad.zero_()
                b.grad.zero_()
        else:
            opt.step()
            opt.zero_grad()
        if prox:
            with torch.no_grad():  # soft-threshold: the proximal map of η·α·ρ·||W||₁
                W.copy_(torch.sign(W) * torch.clamp(W.abs() - lr * l1, min=0.0))

    hist_W = torch.empty(epochs + 1, d_in, d_out, dtype=dtype)
    hist_b = torch.empty(epochs + 1, d_out, dtype=dtype)
    hist_loss = np.empty(epochs + 1)
    hist_W[0] = W.detach()
    hist_b[0] = b.detach()
    limit = math.inf
    diverged_epoch: int | None = None
    cause: str | None = None

    def blown(k: int, value: float) -> bool:
        nonlocal diverged_epoch, cause
        cause = _divergence(value, limit)
        if cause is not None:
            diverged_epoch = k
        return diverged_epoch is not None

    stopped = False
    last = 0  # index of the last recorded state
    if full_batch and not prox:
        # The notes' loop: epoch k's forward pass computes the loss of state k.
        for epoch in range(epochs):
            if use_gram:
                value = gram_loss(set_grad=True)
            else:
                loss = objective(Xt, yt)
                value = loss.item()
            hist_loss[epoch] = value
            if epoch == 0:
                limit = DIVERGENCE_FACTOR * max(value, 1e-30)
            if blown(epoch, value):
                break
            if not use_gram:
                loss.backward()
            update()
            with torch.no_grad():
                hist_W[epoch + 1] = W
                hist_b[epoch + 1] = b
            last = epoch + 1
            if on_epoch is not None and (last % callback_every == 0 or last == epochs):
                if on_epoch(last, value) is False:
                    stopped = True
                    break
        if diverged_epoch is None:
            hist_loss[last] = full_loss()
            blown(last, hist_loss[last])
    else:
        hist_loss[0] = full_loss()
        limit = DIVERGENCE_FACTOR * max(hist_loss[0], 1e-30)
        if not blown(0, hist_loss[0]):
            for epoch in range(epochs):
                if full_batch:
                    if use_gram:
                        gram_loss(set_grad=True)
                    else:
                        objective(Xt, yt).backward()
                    update()
                else:
                    order = torch.randperm(n, generator=gen)
                    # One shuffled copy per epoch, then contiguous slices: a sequential read
                    # per batch instead of a scattered gather (the same batches, in order).
                    Xp, yp = Xt[order], yt[order]
                    for start in range(0, n, int(batch_size)):
                        stop = start + int(batch_size)
                        loss = objective(Xp[start:stop], yp[start:stop])
                        loss.backward()
                        update()
                with torch.no_grad():
                    hist_W[epoch + 1] = W
                    hist_b[epoch + 1] = b
                last = epoch + 1
                hist_loss[last] = full_loss()
                if blown(last, hist_loss[last]):
                    break
                if on_epoch is not None and (last % callback_every == 0 or last == epochs):
                    if on_epoch(last, float(hist_loss[last])) is False:
                        stopped = True
                        break

    n_states = last + 1
    return _result(hist_W[:n_states].numpy(), hist_b[:n_states].numpy(), hist_loss[:n_states],
                   diverged_epoch, cause, stopped, epochs=epochs, settings=settings)


def _result(weights: np.ndarray, bias: np.ndarray, loss: np.ndarray, diverged_epoch: int | None,
            cause: str | None, stopped: bool, *, epochs: int, settings: dict) -> GDResult:
    return GDResult(
        weights=weights.astype(np.float64),
        bias=bias.astype(np.float64),
        loss=loss.copy(),
        epochs_requested=epochs,
        diverged=diverged_epoch is not None,
        diverged_epoch=diverged_epoch,
        divergence_cause=cause,
        stopped=stopped,
        settings=settings,
    )


def _gram_loop(gs: GramStats, W0: np.ndarray, b0: np.ndarray, *, lr: float, epochs: int,
               optimizer: str, momentum: float, penalty: str | None, l1: float, l2: float,
               prox: bool, on_epoch, callback_every: int):
    """Full-batch gradient descent from the Gram statistics, in NumPy.

    The same arithmetic as the torch path of ``gradient="gram"`` (objective and gradient in
    float64 from ``G`` and ``c``, the parameters kept and updated in their own dtype, the
    notes' step ``W -= η·∂L/∂W`` or torch's SGD-with-momentum rule), without a tensor
    library's per-operation overhead: an epoch is one (D+1)×(D+1) product and a few vector
    operations, microseconds at the page's sizes. Adam goes through ``torch.optim.Adam``.
    The parameters live in one array ``P = [W; b]`` of shape ``(D_in + 1, D_out)``.
    Returns ``(weights, bias, loss, diverged_epoch, cause, stopped)`` histories.
    """
    G, c, yy = gs.G, gs.c, float(gs.yy)
    d_in, d_out = W0.shape
    ptype = W0.dtype.type
    P = np.concatenate([W0, b0[None, :]]).astype(W0.dtype)
    step, shrink, mu = ptype(lr), ptype(lr * l1), ptype(momentum)
    hist = np.empty((epochs + 1, d_in + 1, d_out), dtype=P.dtype)
    hist_loss = np.empty(epochs + 1)
    hist[0] = P
    scale = 2.0 / d_out
    buf = None

    def value_and_grad() -> tuple[float, np.ndarray]:
        theta = P.astype(np.float64)
        r = G @ theta - c  # (AᵀAθ − AᵀY)/N
        mse = (float((theta * (r - c)).sum()) + yy) / d_out  # (θᵀGθ − 2θᵀc + yy)/D_out
        grad = scale * r  # ∂MSE/∂θ = (2/N)·Aᵀ(Aθ − Y), N folded into G, c
        if penalty is None:
            return max(mse, 0.0), grad
        W64 = theta[:-1]
        value = 0.5 * mse + l2 * float((W64 ** 2).sum())
        grad *= 0.5
        grad[:-1] += 2.0 * l2 * W64
        if l1:
            value += l1 * float(np.abs(W64).sum())
            if not prox:
                grad[:-1] += l1 * np.sign(W64)
        return value, grad

    limit = math.inf
    diverged_epoch: int | None = None
    cause: str | None = None
    stopped = False
    last = 0
    for epoch in range(epochs + 1):
        value, grad = value_and_grad()
        hist_loss[epoch] = value
        if epoch == 0:
            limit = DIVERGENCE_FACTOR * max(value, 1e-30)
        cause = _divergence(value, limit)
        if cause is not None:
            diverged_epoch = epoch
        if diverged_epoch is not None or epoch == epochs or stopped:
            break
        g = grad.astype(P.dtype)
        if optimizer == "sgd":  # torch.optim.SGD: buf = μ·buf + g (buf = g at first), p -= η·buf
            buf = g if buf is None else buf * mu + g
            g = buf
        P -= step * g  # the notes' step, W -= η·∂L/∂W and b -= η·∂L/∂b
        if prox:  # soft-threshold: the proximal map of η·α·ρ·||W||₁
            P[:-1] = np.sign(P[:-1]) * np.maximum(np.abs(P[:-1]) - shrink, ptype(0))
        hist[epoch + 1] = P
        last = epoch + 1
        if on_epoch is not None and (last % callback_every == 0 or last == epochs):
            stopped = on_epoch(last, value) is False  # a stop still records the state's loss
    n = last + 1
    return hist[:n, :-1], hist[:n, -1], hist_loss[:n], diverged_epoch, cause, stopped


def _batch_loop(X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: np.ndarray, *, lr: float,
                epochs: int, batch_size: int, gen: torch.Generator, optimizer: str,
                momentum: float, on_epoch, callback_every: int, gs: GramStats | None = None):
    """Mini-batch gradient descent with the notes' gradient formula, in NumPy.

    Each epoch takes ``torch.randperm`` from ``gen`` (the same batches as the autograd
    loop) and gathers each batch's rows into a small buffer that stays in cache, so an epoch
    reads X about once. A step is ``r = XᵦW + b − yᵦ``, ``g = (2/(B·D_out))·r``,
    ``∂W = Xᵦᵀg``, ``∂b = Σg``, then the notes' update (or torch's SGD with momentum). The
    recorded loss is the full-data MSE after each epoch, from the Gram statistics ``gs``
    (one pass over the data for the whole run, float64) instead of another pass per epoch.
    Returns the histories like ``_gram_loop``.
    """
    n, d_in = X.shape
    d_out = y.shape[1]
    ptype = W0.dtype.type
    W, b = W0.copy(), b0.copy()
    step, mu = ptype(lr), ptype(momentum)
    hist_W = np.empty((epochs + 1, d_in, d_out), dtype=W.dtype)
    hist_b = np.empty((epochs + 1, d_out), dtype=b.dtype)
    hist_loss = np.empty(epochs + 1)
    hist_W[0], hist_b[0] = W, b
    buf_W = buf_b = None
    gs = gs if gs is not None else gram_stats(X, y)
    theta = np.empty((d_in + 1, d_out))

    def full_loss() -> float:  # mean((XW + b − y)²) = (θᵀGθ − 2θᵀc + yy)/D_out
        theta[:-1], theta[-1] = W, b
        r = gs.G @ theta - gs.c
        return max((float((theta * (r - gs.c)).sum()) + gs.yy) / d_out, 0.0)

    diverged_epoch: int | None = None
    cause: str | None = None
    stopped = False
    last = 0
    with np.errstate(all="ignore"):  # a diverging run overflows float32 before it is stopped
        hist_loss[0] = full_loss()
        limit = DIVERGENCE_FACTOR * max(hist_loss[0], 1e-30)
        cause = _divergence(hist_loss[0], limit)
        if cause is not None:
            diverged_epoch = 0
        for epoch in range(epochs if cause is None else 0):
            order = torch.randperm(n, generator=gen).numpy()
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                # A gather into a small, cache-resident batch ("clip": the indices are a
                # permutation, in range; it skips the bounds check that costs ~half the gather).
                xb = np.take(X, rows, axis=0, mode="clip")
                yb = np.take(y, rows, axis=0, mode="clip")
                g = (xb @ W + b - yb) * ptype(2.0 / (len(rows) * d_out))  # ∂L/∂ŷ of the MSE
                gW, gb = xb.T @ g, g.sum(axis=0)
                if optimizer == "sgd":  # torch.optim.SGD: buf = μ·buf + g, p -= η·buf
                    if buf_W is None:
                        buf_W, buf_b = gW, gb
                    else:
                        buf_W, buf_b = buf_W * mu + gW, buf_b * mu + gb
                    gW, gb = buf_W, buf_b
                W -= step * gW  # the notes' step
                b -= step * gb
            hist_W[epoch + 1], hist_b[epoch + 1] = W, b
            last = epoch + 1
            hist_loss[last] = full_loss()
            cause = _divergence(hist_loss[last], limit)
            if cause is not None:
                diverged_epoch = last
                break
            if on_epoch is not None and (last % callback_every == 0 or last == epochs):
                if on_epoch(last, float(hist_loss[last])) is False:
                    stopped = True
                    break
    n_states = last + 1
    return (hist_W[:n_states], hist_b[:n_states], hist_loss[:n_states], diverged_epoch, cause,
            stopped)
