"""Steppers: how the parameters move given their gradients (the training core's second part).

A stepper updates a list of parameter arrays in place from a list of gradients of the same
shapes, with one learning rate per parameter (a number, or an array broadcasting over the
parameter: the learning-rate lab gives every model its own η). Parameters are NumPy arrays
or torch tensors; a torch source calls its stepper inside ``torch.no_grad()`` and zeroes the
gradients afterwards, which with :class:`NotesStep` is the notes' update exactly.

* :class:`NotesStep` — ``p -= η·g``, the notes' step.
* :class:`MomentumStep` — ``torch.optim.SGD`` with momentum μ and no dampening:
  ``buf = g`` at the first step, then ``buf = μ·buf + g``; ``p -= η·buf``.
* :class:`AdamStep` — ``torch.optim.Adam``'s single-tensor step with bias correction.
* :class:`ProxL1` — another stepper followed by the soft-threshold ``S_{η·λ₁}`` of the
  weight rows, the proximal map of ``η·λ₁·||W||₁`` (it lands on exact zeros).
* :class:`MixedStep` — a different stepper per model (the optimizer race).

On torch tensors the momentum and Adam updates use the same kernels as ``torch.optim``
(tested to agree bit for bit); on NumPy arrays they are the same formulas in NumPy. A step
runs once per batch (442 times an epoch for single samples), so the loops over parameters
use plain ``zip`` (``strict=`` costs ~0.5 µs a step, ~5% of a single-sample epoch).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def _copy(a: Any) -> Any:
    return a.detach().clone() if isinstance(a, torch.Tensor) else a.copy()


class NotesStep:
    """The notes' step ``p -= η·∂L/∂p`` for every parameter."""

    def __init__(self, lrs: list):
        self.lrs = lrs

    def step(self, params: list, grads: list) -> None:
        for p, g, lr in zip(params, grads, self.lrs):  # noqa: B905
            p -= lr * g

    def forget(self, dead: Any) -> None:
        """Reset the state of the ``dead`` models (the notes' step keeps none)."""


class MomentumStep:
    """``torch.optim.SGD(lr=η, momentum=μ)``: ``buf = g`` first, then ``buf = μ·buf + g``,
    and ``p -= η·buf``. On tensors ``η`` must be a tensor (``addcmul``, the kernel of
    ``torch.optim.SGD``'s ``add_(buf, alpha=-η)``)."""

    def __init__(self, lrs: list, momentum: Any):
        self.lrs, self.momentum = lrs, momentum
        self.bufs: list | None = None
        self.on_torch: bool | None = None

    def step(self, params: list, grads: list) -> None:
        mu = self.momentum
        if self.bufs is None:  # the first buffer is the gradient itself
            self.bufs = [_copy(g) for g in grads]
            self.on_torch = isinstance(params[0], torch.Tensor)
        elif self.on_torch:  # torch.optim.SGD's buf.mul_(μ).add_(g)
            for buf, g in zip(self.bufs, grads):  # noqa: B905
                buf.mul_(mu).add_(g)
        else:  # the same numbers in NumPy (new arrays: faster than in place on small ones)
            self.bufs = [buf * mu + g for buf, g in zip(self.bufs, grads)]  # noqa: B905
        for p, buf, lr in zip(params, self.bufs, self.lrs):  # noqa: B905
            if self.on_torch:
                p.addcmul_(buf, lr, value=-1)
            else:
                p -= lr * buf

    def forget(self, dead: Any) -> None:
        for buf in self.bufs or ():
            buf[dead] = 0.0


class AdamStep:
    """``torch.optim.Adam(lr=η)``'s single-tensor step: ``m ← lerp(m, g, 1 − β₁)``,
    ``v ← β₂·v + (1 − β₂)·g²``, ``p ← p − (η/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε)``.

    Runs in torch (a NumPy parameter is updated in place through a shared tensor); ``lrs``
    are numbers or float64 arrays broadcasting over their parameters.
    """

    def __init__(self, lrs: list, betas: tuple[float, float] = ADAM_BETAS,
                 eps: float = ADAM_EPS):
        self.lrs, self.betas, self.eps = lrs, betas, eps
        self.t = 0
        self.moments: list | None = None

    def step(self, params: list, grads: list) -> None:
        params = [torch.from_numpy(p) if isinstance(p, np.ndarray) else p for p in params]
        grads = [torch.from_numpy(g) if isinstance(g, np.ndarray) else g for g in grads]
        if self.moments is None:
            self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
        self.t += 1
        beta1, beta2 = self.betas
        bias1, bias2 = 1 - beta1**self.t, 1 - beta2**self.t
        for p, g, (m, v), lr in zip(params, grads, self.moments, self.lrs):  # noqa: B905
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            step_size = torch.as_tensor(np.divide(lr, bias1), dtype=p.dtype)
            denom = (v.sqrt() / bias2**0.5).add_(self.eps)
            p.add_((-step_size * m) / denom)  # the kernel of addcdiv_(m, denom, value=-η')

    def forget(self, dead: Any) -> None:
        for m, v in self.moments or ():
            m[dead] = 0.0
            v[dead] = 0.0


def _soft_threshold(w: Any, shrink: float) -> None:
    """``w ← sign(w)·max(|w| − shrink, 0)`` in place."""
    if isinstance(w, torch.Tensor):
        w.copy_(torch.sign(w) * torch.clamp(w.abs() - shrink, min=0.0))
    else:
        kind = w.dtype.type
        w[...] = np.sign(w) * np.maximum(np.abs(w) - kind(shrink), kind(0))


class ProxL1:
    """``inner``'s step, then the proximal map of ``η·λ₁·||W||₁`` on the first ``rows`` rows
    of the first parameter (the weights; an intercept row after them is not penalized)."""

    def __init__(self, inner: Any, shrink: float, rows: int):
        self.inner, self.shrink, self.rows = inner, shrink, rows

    def step(self, params: list, grads: list) -> None:
        self.inner.step(params, grads)
        _soft_threshold(params[0][: self.rows], self.shrink)

    def forget(self, dead: Any) -> None:
        self.inner.forget(dead)


class MixedStep:
    """Model ``k`` (the leading axis) stepped by ``steppers[kinds[k]]``: each stepper steps a
    copy of all the models (its state follows every model), and each model keeps its own
    stepper's result."""

    def __init__(self, steppers: dict[str, Any], kinds: tuple[str, ...]):
        self.steppers = steppers
        self.masks = {name: torch.tensor([k == name for k in kinds]) for name in steppers}

    def step(self, params: list, grads: list) -> None:
        out = [p.detach().clone() for p in params]
        for name, stepper in self.steppers.items():
            moved = [p.clone() for p in params]
            stepper.step(moved, grads)
            for i, q in enumerate(moved):
                mask = self.masks[name].reshape(-1, *([1] * (q.dim() - 1)))
                out[i] = torch.where(mask, q, out[i])
        for p, q in zip(params, out):  # noqa: B905
            p.copy_(q)

    def forget(self, dead: Any) -> None:
        for stepper in self.steppers.values():
            stepper.forget(dead)


def make_stepper(optimizer: str, lr: Any, momentum: float, params: list) -> Any:
    """The stepper of ``optimizer`` ("manual", "sgd", "adam") at learning rate ``lr`` for
    ``params``, with the learning rate in the form each backend's update takes: on NumPy
    arrays of the parameters' dtype, on tensors a Python number (the notes' step), a tensor
    (momentum) or a float64 number/array (Adam). An array ``lr`` gives one η per model."""
    on_torch = isinstance(params[0], torch.Tensor)
    kind = params[0].dtype if on_torch else params[0].dtype.type
    per_model = np.ndim(lr) > 0

    def shaped(p: Any) -> Any:  # η broadcasting over a parameter with the model axis first
        return np.reshape(lr, (-1, *([1] * (p.ndim - 1)))) if per_model else lr

    if optimizer == "adam":
        return AdamStep([shaped(p) for p in params])
    if on_torch:
        lrs = [torch.as_tensor(shaped(p), dtype=kind) if per_model or optimizer == "sgd"
               else float(lr) for p in params]
    else:
        lrs = [kind(lr) for _ in params]
    if optimizer == "sgd":
        return MomentumStep(lrs, momentum if on_torch else kind(momentum))
    return NotesStep(lrs)
