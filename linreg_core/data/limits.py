"""Every limit of a hosted demo in one place (uploads, data size, work per request).

Change them here (or through the environment variables named below, e.g. for a private
deployment with more memory); the pages, the loader and the command line all read them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_upload_mb: int = _env_int("LINREG_MAX_UPLOAD_MB", 200)  # also .streamlit/config.toml
    max_rows: int = _env_int("LINREG_MAX_ROWS", 1_000_000)
    max_columns: int = _env_int("LINREG_MAX_COLUMNS", 200)
    max_features: int = _env_int("LINREG_MAX_FEATURES", 100)
    max_onehot_levels: int = 20  # a text column with more distinct values is never one-hot
    max_epochs: int = _env_int("LINREG_MAX_EPOCHS", 5000)
    max_updates: int = _env_int("LINREG_MAX_UPDATES", 200_000)  # parameter updates per scene
    max_work: int = _env_int("LINREG_MAX_WORK", 300_000_000)  # rows × features × epochs
    max_frames: int = 300
    max_alphas: int = 1000
    chart_points: int = 5000  # points drawn in a scatter; training always uses every row


LIMITS = Limits()


def capped_epochs(epochs: int, n_rows: int, n_features: int, batch_size: int | None, *,
                  gram: bool, limits: Limits | None = None) -> tuple[int, str | None]:
    """The epochs a run may train under ``limits``, and why fewer than asked (or None).

    Two bounds, for the page and the command line alike: at most ``limits.max_updates``
    parameter updates (epochs × batches per epoch; ``batch_size`` None is one full batch),
    and, unless the gradient comes from AᵀA (``gram``: an epoch then costs O(D²), whatever
    N), at most ``limits.max_work`` rows × features × epochs.
    """
    limits = LIMITS if limits is None else limits  # read now: tests and deployments set it
    size = n_rows if batch_size is None else max(1, min(int(batch_size), n_rows))
    per_epoch = math.ceil(n_rows / size)
    capped = int(epochs)
    notes = []
    if capped * per_epoch > limits.max_updates:
        capped = max(1, limits.max_updates // per_epoch)
        notes.append(f"{epochs} epochs with these batches would be {epochs * per_epoch:,} "
                     f"updates; at most {limits.max_updates:,} updates are run per scene, so "
                     f"{capped} epochs are trained. Use larger batches for more epochs.")
    if not gram and n_rows * n_features * capped > limits.max_work:
        capped = max(1, limits.max_work // (n_rows * n_features))
        notes.append(f"Mini-batch training on {n_rows:,} × {n_features} data is limited to "
                     f"{capped} epochs; full batches have no such limit (their "
                     "gradient comes from AᵀA, computed once).")
    return capped, (" ".join(notes) or None)
