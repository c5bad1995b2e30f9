"""The training core: a gradient source × a stepper × one history recorder.

Every gradient-descent run in the engine (:func:`linreg_core.engine.training.fit_gd`, the
learning-rate lab's K rates at once, the penalized paths) is one of two loops over the same
three parts:

* a **gradient source** (:mod:`linreg_core.engine.sources`): autograd as the notes, the Gram
  statistics ``AᵀA``, or the notes' gradient formula per batch;
* a **stepper** (:mod:`linreg_core.engine.steppers`): the notes' step, SGD with momentum,
  Adam, optionally followed by the proximal L1 step;
* the **recorder** :class:`History` below, which owns the arrays, divergence, the
  ``on_epoch`` callback and stopping.

:func:`run_full_batch` is the notes' loop: epoch k's forward pass gives the loss of state k
together with the gradient. :func:`run_epochs` takes (mini-)batch steps and records the
full-data objective after each epoch. Here too: the public input validator and the initial
parameters every run starts from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

DIVERGENCE_FACTOR = 1e6


# --------------------------------------------------------------------------- inputs


def check_array(a: Any, name: str, *, allow_1d: bool = True,
                dtype: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``a`` as a finite numeric 2-D array (a 1-D one as a column if ``allow_1d``) and its
    column sums, or a ``ValueError`` saying what is wrong. A tensor is read as an array;
    ``dtype`` converts (e.g. ``np.float64``).

    Finiteness is checked on the column sums (a NaN or ±inf makes its column's sum
    non-finite); only when a sum is not finite, which finite values can also give by
    overflow, is every element checked.
    """
    arr = np.asarray(a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if dtype is not None:
        arr = np.asarray(arr, dtype=dtype)
    if arr.ndim == 1 and allow_1d:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        shapes = "1-D or 2-D" if allow_1d else "2-D (n_samples, n_features)"
        raise ValueError(f"{name} must be {shapes}, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        what = "feature" if name == "X" else "column"
        raise ValueError(f"{name} is empty (shape {arr.shape}): it needs at least one row and "
                         f"at least one {what}")
    sums = arr.sum(axis=0)
    if not (np.all(np.isfinite(sums)) or np.all(np.isfinite(arr))):
        raise ValueError(f"{name} contains NaN or infinite values; drop or fill them first")
    return arr, sums


def validate_xy(X: Any, y: Any, *, allow_1d_x: bool = True, dtype: Any = None,
                with_sums: bool = False):
    """``X`` as ``(N, D_in)`` and ``y`` as ``(N, D_out)`` finite numeric arrays, or a
    ``ValueError``: the one input check of the engine (training, the lab, the paths).

    ``allow_1d_x=False`` refuses a 1-D ``X`` instead of reading it as one feature; ``dtype``
    converts both; ``with_sums=True`` also returns ``X``'s column sums (computed by the check).
    """
    X2, x_sum = check_array(X, "X", allow_1d=allow_1d_x, dtype=dtype)
    y2, _ = check_array(y, "y", dtype=dtype)
    if X2.shape[0] != y2.shape[0]:
        raise ValueError(f"X and y have different lengths: {X2.shape[0]} and {y2.shape[0]} "
                         "rows")
    return (X2, y2, x_sum) if with_sums else (X2, y2)


def initial_params(
    init: Any, d_in: int, d_out: int, gen: torch.Generator, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """The starting ``(W, b)`` of a run: ``"random"`` draws ``W ~ N(0, 1)`` from ``gen`` with
    ``b = 0`` (as the notes), ``"zeros"``, or given ``(W, b)`` / ``{"weights", "bias"}``
    (scalars broadcast)."""
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


# --------------------------------------------------------------------------- the recorder


class History:
    """The record of a run of ``models`` models side by side (1 for ``fit_gd``).

    ``W[e]`` ``(models, D_in[, D_out])``, ``b[e]`` and ``loss[e]`` ``(models,)`` are state
    ``e`` (entry 0 the start) and its full-data objective. A model whose loss is non-finite or
    above :data:`DIVERGENCE_FACTOR` × its initial loss is *diverged* at that epoch: its loss
    there is kept, its later entries are NaN, and the run is over when no model is left.
    ``on_epoch(epoch, loss)`` is called every ``callback_every`` epochs (and at the last);
    returning ``False`` stops the run. ``last`` is the last recorded state.
    """

    def __init__(self, epochs: int, W0: Any, b0: Any, *, dtype: Any,
                 on_epoch: Callable[[int, float], Any] | None = None, callback_every: int = 1):
        self.epochs = epochs
        models = np.shape(W0)[0]
        self.W = np.full((epochs + 1, *np.shape(W0)), np.nan, dtype=dtype)
        self.b = np.full((epochs + 1, *np.shape(b0)), np.nan, dtype=dtype)
        self.loss = np.full((epochs + 1, models), np.nan)
        self.W[0], self.b[0] = W0, b0
        self.alive = np.ones(models, dtype=bool)
        self.single = models == 1
        self.everyone = True  # alive.all(), kept in Python
        self.diverged_epoch = np.full(models, -1)
        self.limit = np.full(models, np.inf)
        self.cause: str | None = None
        self.stopped = False
        self.last = 0
        self.on_epoch, self.callback_every = on_epoch, callback_every

    @property
    def over(self) -> bool:
        return not self.alive.any()

    def record_loss(self, epoch: int, values: Any) -> bool:
        """Record state ``epoch``'s losses; True when every model has now diverged."""
        if self.single:  # one model: Python numbers, no array overhead
            value = float(values)
            if epoch == 0:
                limit = DIVERGENCE_FACTOR * max(value, 1e-30)
                self.limit[0] = limit if math.isfinite(limit) else np.finfo(np.float64).max
                self._limit = float(self.limit[0])
            self.loss[epoch, 0] = value
            if value <= self._limit:
                return False
            self._diverge(epoch, np.ones(1, dtype=bool), value)
            return True
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if epoch == 0:
            limit = DIVERGENCE_FACTOR * np.maximum(values, 1e-30)
            self.limit = np.where(np.isfinite(limit), limit, np.finfo(np.float64).max)
        self.loss[epoch] = values if self.everyone else np.where(self.alive, values, np.nan)
        blown = self.alive & ~(values <= self.limit)  # NaN, ±inf or too large
        if blown.any():
            self._diverge(epoch, blown, float(values[blown][0]))
        return self.over

    def _diverge(self, epoch: int, blown: np.ndarray, value: float) -> None:
        self.diverged_epoch[blown] = epoch
        self.alive &= ~blown
        self.everyone = False
        self.cause = ("the loss became infinite or NaN" if not math.isfinite(value) else
                      f"the loss grew above {DIVERGENCE_FACTOR:.0e} × its initial value")

    def record_state(self, epoch: int, W: Any, b: Any) -> None:
        self.W[epoch], self.b[epoch] = W, b
        if not self.everyone:  # the diverged models: NaN from here on
            self.W[epoch][~self.alive] = np.nan
            self.b[epoch][~self.alive] = np.nan
        self.last = epoch

    def tick(self, epoch: int, value: Any) -> bool:
        """The progress callback after state ``epoch``; True when it asks to stop."""
        if self.on_epoch is None or not (epoch % self.callback_every == 0 or
                                         epoch == self.epochs):
            return False
        self.stopped = self.on_epoch(epoch, float(value)) is False
        return self.stopped


# --------------------------------------------------------------------------- the two loops


def run_full_batch(source: Any, stepper: Any, history: History) -> None:
    """The notes' loop: epoch k's forward pass gives the loss of state k (recorded, checked)
    and its gradient; then the step. The last state's loss is evaluated after the loop."""
    for epoch in range(history.epochs):
        value = source.forward()
        if history.record_loss(epoch, value):
            return
        if not history.everyone:
            source.freeze(~history.alive, stepper)
        source.apply(stepper, source.gradients())
        if not history.everyone:  # frozen models stay at finite numbers
            source.freeze(~history.alive, stepper)
        history.record_state(epoch + 1, *source.state())
        if history.tick(epoch + 1, value):
            break
    history.record_loss(history.last, source.value())


def run_epochs(source: Any, stepper: Any, history: History) -> None:
    """Epochs of batch steps (shuffled by the source), the full-data objective recorded and
    checked after each epoch."""
    if history.record_loss(0, source.value()):
        return
    for epoch in range(history.epochs):
        source.epoch(stepper)
        history.record_state(epoch + 1, *source.state())
        value = source.value()
        if history.record_loss(epoch + 1, value) or history.tick(epoch + 1, value):
            return


def run(source: Any, stepper: Any, history: History) -> History:
    """``source`` × ``stepper`` recorded in ``history``: the notes' loop where the forward
    pass gives the recorded objective (full batches), else epochs of batch steps."""
    loop = run_full_batch if source.loss_with_gradient else run_epochs
    with np.errstate(all="ignore"):  # a diverging run overflows before it is stopped
        loop(source, stepper, history)
    return history
