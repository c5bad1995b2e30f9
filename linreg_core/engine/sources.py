"""Gradient sources: where a step's gradient comes from (the training core's first part).

Each source holds the parameters (``params``, the list a stepper updates) and offers what
the two loops of :mod:`linreg_core.engine.core` ask for:

* ``forward()`` — the objective of the current state, the gradient made ready (full batch);
* ``gradients()`` — that gradient; ``epoch(stepper)`` — one epoch of steps over the
  (shuffled) batches;
* ``value()`` — the full-data objective of the current state (no gradient);
* ``apply(stepper, grads)`` — the step; ``state()`` — ``(W, b)`` with a leading model axis;
* ``loss_with_gradient`` — whether ``forward()`` gives the recorded objective (then the run
  is the notes' loop, else epochs of batch steps with the objective evaluated after each).

:class:`AutogradSource` is the notes' way (the reference), :class:`GramSource` takes the
full-batch loss and gradient from ``AᵀA`` and ``AᵀY``, :class:`FormulaSource` evaluates the
notes' gradient formula per batch in NumPy, and :class:`BatchedAutogradSource` is autograd for
K models at once (the learning-rate lab).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from linreg_core.engine.gram import GramStats, gram_loss


@dataclass(frozen=True)
class Objective:
    """The notes' MSE, or with a penalty ``(1/(2n))·||y − XW − b||² + l1·||W||₁ + l2·||W||²₂``.
    With ``prox`` the L1 part is left to the proximal step (not differentiated)."""

    penalty: str | None = None
    l1: float = 0.0
    l2: float = 0.0
    prox: bool = False

    def torch(self, W: torch.Tensor, b: torch.Tensor, Xb: torch.Tensor,
              yb: torch.Tensor) -> torch.Tensor:
        """The differentiated objective on a batch, as the notes write it."""
        pred = Xb @ W + b
        if self.penalty is None:
            return (pred - yb).pow(2).mean()  # the notes' MSE
        loss = 0.5 * (pred - yb).pow(2).mean()
        if self.l2:
            loss = loss + self.l2 * W.pow(2).sum()
        if self.l1 and not self.prox:
            loss = loss + self.l1 * W.abs().sum()
        return loss


class AutogradSource:
    """The notes' way: the forward pass and the loss with autograd on, ``loss.backward()``
    fills ``W.grad`` and ``b.grad``; the step runs inside ``torch.no_grad()`` and the
    gradients are zeroed after it."""

    def __init__(self, Xt: torch.Tensor, yt: torch.Tensor, W0: torch.Tensor, b0: torch.Tensor,
                 objective: Objective, *, batch_size: int | None, gen: torch.Generator):
        self.Xt, self.yt, self.objective, self.gen = Xt, yt, objective, gen
        self.W = W0.clone().requires_grad_(True)
        self.b = b0.clone().requires_grad_(True)
        self.params = [self.W, self.b]
        self.batch_size = batch_size  # None: full batches
        self.loss_with_gradient = batch_size is None and not objective.prox
        self._loss: torch.Tensor | None = None
        self._state = (self.W.detach().numpy()[None], self.b.detach().numpy()[None])  # views

    def forward(self) -> float:
        self._loss = self.objective.torch(self.W, self.b, self.Xt, self.yt)
        return self._loss.item()

    def gradients(self) -> list:
        self._loss.backward()
        return [self.W.grad, self.b.grad]

    def epoch(self, stepper: Any) -> None:
        """One epoch: the full batch, or the samples reshuffled into batches."""
        if self.batch_size is None:
            self.objective.torch(self.W, self.b, self.Xt, self.yt).backward()
            self.apply(stepper, [self.W.grad, self.b.grad])
            return
        order = torch.randperm(len(self.Xt), generator=self.gen)
        # One shuffled copy per epoch, then contiguous slices: a sequential read per batch
        # instead of a scattered gather (the same batches, in order).
        Xp, yp = self.Xt[order], self.yt[order]
        for start in range(0, len(Xp), self.batch_size):
            stop = start + self.batch_size
            self.objective.torch(self.W, self.b, Xp[start:stop], yp[start:stop]).backward()
            self.apply(stepper, [self.W.grad, self.b.grad])

    def value(self) -> float:
        with torch.no_grad():
            value = self.objective.torch(self.W, self.b, self.Xt, self.yt)
            if self.objective.prox:
                value = value + self.objective.l1 * self.W.abs().sum()
        return float(value)

    def apply(self, stepper: Any, grads: list) -> None:
        with torch.no_grad():  # the notes' step, then the gradients zeroed
            stepper.step(self.params, grads)
            self.W.grad.zero_()
            self.b.grad.zero_()

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._state


class GramSource:
    """Full batches from ``G = AᵀA/N``, ``c = AᵀY/N``, ``yy`` (float64, one pass over the data,
    done before): the objective and its gradient ``(2/D_out)·(Gθ − c)`` at O(D²) per epoch
    instead of O(N·D), in float64, the parameters ``P = [W; b]`` kept in their own dtype."""

    loss_with_gradient = True

    def __init__(self, gs: GramStats, W0: np.ndarray, b0: np.ndarray, objective: Objective):
        self.gs, self.objective = gs, objective
        self.P = np.concatenate([W0, b0[None, :]]).astype(W0.dtype)
        self.params = [self.P]
        self._grad: np.ndarray | None = None
        self._state = (self.P[None, :-1], self.P[None, -1])  # views, updated in place
        self._scale = 2.0 / self.P.shape[1]

    def forward(self) -> float:
        theta = self.P.astype(np.float64)
        mse, r = gram_loss(self.gs, theta)
        grad = self._scale * r  # ∂MSE/∂θ = (2/N)·Aᵀ(Aθ − Y), N folded into G, c
        ob = self.objective
        if ob.penalty is None:
            self._grad = grad
            return max(mse, 0.0)
        W64 = theta[:-1]
        value = 0.5 * mse + ob.l2 * float((W64 ** 2).sum())
        grad *= 0.5
        grad[:-1] += 2.0 * ob.l2 * W64
        if ob.l1:
            value += ob.l1 * float(np.abs(W64).sum())
            if not ob.prox:
                grad[:-1] += ob.l1 * np.sign(W64)
        self._grad = grad
        return value

    def gradients(self) -> list:
        return [self._grad.astype(self.P.dtype)]

    def value(self) -> float:
        return self.forward()

    def apply(self, stepper: Any, grads: list) -> None:
        stepper.step(self.params, grads)

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._state


class FormulaSource:
    """The notes' gradient formula per batch, in NumPy (the dtype of the parameters):
    ``r = XᵦW + b − yᵦ``, ``g = (2/(B·D_out))·r``, ``∂W = Xᵦᵀg``, ``∂b = Σg``.

    Each epoch takes ``torch.randperm`` from ``gen`` (the same batches as the autograd loop)
    and gathers each batch's rows into a small buffer that stays in cache, so an epoch reads
    X about once. The recorded loss is the full-data MSE from the Gram statistics ``gs``."""

    loss_with_gradient = False

    def __init__(self, X: np.ndarray, y: np.ndarray, W0: np.ndarray, b0: np.ndarray, *,
                 batch_size: int, gen: torch.Generator, gs: GramStats):
        self.X, self.y, self.gen, self.gs = X, y, gen, gs
        self.batch_size = batch_size
        self.W, self.b = W0.copy(), b0.copy()
        self.params = [self.W, self.b]
        self._theta = np.empty((W0.shape[0] + 1, W0.shape[1]))
        self._state = (self.W[None], self.b[None])  # views, updated in place

    def epoch(self, stepper: Any) -> None:
        X, y, W, b, params, step = self.X, self.y, self.W, self.b, self.params, stepper.step
        kind, d_out, size, take = W.dtype.type, y.shape[1], self.batch_size, np.take
        order = torch.randperm(len(X), generator=self.gen).numpy()
        scale = kind(2.0 / (size * d_out))  # 2/(B·D_out), B = the batch size ...
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            if len(rows) < size:  # ... or the last, shorter batch's
                scale = kind(2.0 / (len(rows) * d_out))
            # A gather into a small, cache-resident batch ("clip": the indices are a
            # permutation, in range; it skips the bounds check that costs ~half the gather).
            xb = take(X, rows, axis=0, mode="clip")
            yb = take(y, rows, axis=0, mode="clip")
            g = (xb @ W + b - yb) * scale  # ∂L/∂ŷ of the MSE
            step(params, (xb.T @ g, g.sum(axis=0)))

    def value(self) -> float:  # mean((XW + b − y)²) from the Gram statistics
        self._theta[:-1], self._theta[-1] = self.W, self.b
        return max(gram_loss(self.gs, self._theta)[0], 0.0)

    def apply(self, stepper: Any, grads: list) -> None:
        stepper.step(self.params, grads)

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._state


class BatchedAutogradSource:
    """Autograd for K models at once (full batches, the notes' MSE): ``W`` (K, D, 1), ``b``
    (K, 1); the predictions of all K are one broadcast ``X @ W + b`` and the loss is the SUM
    over models of each model's MSE, so that one ``backward()`` gives every model exactly
    the gradient of its own MSE. A diverged model is frozen at zeros (so nothing non-finite
    flows), its stepper state too."""

    loss_with_gradient = True

    def __init__(self, Xt: torch.Tensor, yt: torch.Tensor, W0: torch.Tensor, b0: torch.Tensor,
                 k_models: int):
        self.Xt, self.yt = Xt, yt
        self.W = W0.expand(k_models, *W0.shape).clone().requires_grad_(True)  # (K, D, 1)
        self.b = b0.expand(k_models, *b0.shape).clone().requires_grad_(True)  # (K, 1)
        self.params = [self.W, self.b]
        self._per_model: torch.Tensor | None = None
        self._state = (self.W.detach().numpy()[:, :, 0], self.b.detach().numpy()[:, 0])

    def _mse(self) -> torch.Tensor:
        """Each model's MSE, (K,). ``X @ W + b`` of every model at once: (N, D) broadcast
        against (K, D, 1) is a batched matrix product, (K, N, 1). (One GEMM ``X·[w_1 … w_K]``
        is ~3× faster for large K·N·D, but its summation order differs from ``fit_gd``'s
        matrix-vector product and the losses then agree only to float32 noise.)"""
        pred = torch.matmul(self.Xt, self.W) + self.b[:, None, :]
        return (pred - self.yt).pow(2).mean(dim=(1, 2))

    def forward(self) -> np.ndarray:
        self._per_model = self._mse()
        return self._per_model.detach().to(torch.float64).numpy()

    def gradients(self) -> list:
        self._per_model.sum().backward()  # once: ∂(Σ_j MSE_j)/∂W_k = ∂MSE_k/∂W_k
        return [self.W.grad, self.b.grad]

    def value(self) -> np.ndarray:
        with torch.no_grad():
            return self._mse().to(torch.float64).numpy()

    def apply(self, stepper: Any, grads: list) -> None:
        with torch.no_grad():
            stepper.step(self.params, grads)
            self.W.grad.zero_()
            self.b.grad.zero_()

    def freeze(self, dead: np.ndarray, stepper: Any) -> None:
        dead_t = torch.from_numpy(dead)
        with torch.no_grad():
            self.W[dead_t] = 0.0
            self.b[dead_t] = 0.0
        stepper.forget(dead_t)

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._state  # views, updated in place
