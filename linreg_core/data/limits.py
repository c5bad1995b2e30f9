"""Every limit of a hosted demo in one place (uploads, data size, work per request).

Change them here (or through the environment variables named below, e.g. for a private
deployment with more memory); the pages, the loader and the command line all read them.
"""

from __future__ import annotations

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
