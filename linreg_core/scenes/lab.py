"""A learning-rate-lab scene: the page's settings in, the data and the batched sweep out
(the sweep itself is :func:`linreg_core.engine.lab.lr_sweep`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg_core.engine.lab import SweepResult, log_rates, lr_sweep
from linreg_core.settings import LabSettings  # its fields are LAB_SPECS'


@dataclass
class LabScene:
    settings: LabSettings
    X: np.ndarray  # as trained on (standardized if asked)
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    description: str
    init: Any
    init_note: str
    optimum_loss: float
    lambda_max: float
    sweep: SweepResult | None = None


def lab_data(s: LabSettings) -> LabScene:
    """The data of a scene as the gradient-descent page loads them, with the same start."""
    from linreg_core.data import datasets as data
    from linreg_core.data import registry
    from linreg_core.engine.analysis import closed_form, hessian_max_eig

    ds = registry.build(s.dataset, "lab", **registry.options_of(s))
    X = data.standardize(ds.X)[0] if s.standardize else np.asarray(ds.X, dtype=np.float64)
    notes_w0 = registry.notes_start(ds, s.standardize)
    if notes_w0 is not None:
        init, note = (notes_w0, 0.0), "W₀ as the notes draw it, b₀ = 0"
    else:
        init, note = "random", f"W₀ ~ N(0, 1) (seed {s.seed}), b₀ = 0"
    return LabScene(settings=s, X=X, y=ds.y, feature_names=list(ds.feature_names),
                    target_name=ds.target_name, description=ds.description, init=init,
                    init_note=note, optimum_loss=float(closed_form(X, ds.y).loss),
                    lambda_max=float(hessian_max_eig(X)))


def build_lab_scene(s: LabSettings) -> LabScene:
    """Load the data and run the sweep of ``s.k`` log-spaced rates from ``lr_min`` to ``lr_max``."""
    scene = lab_data(s)
    scene.sweep = lr_sweep(scene.X, scene.y, log_rates(s.lr_min, s.lr_max, s.k),
                           epochs=s.epochs, init=scene.init, seed=s.seed,
                           optimizer=s.optimizer, momentum=s.momentum)
    return scene
