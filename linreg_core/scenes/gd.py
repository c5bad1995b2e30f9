"""A gradient-descent scene: settings in, the run and its readouts out (no UI import).

A scene is what is worth sharing between sessions (training, the optimum, the bound); its
figure for an inspected epoch, or for presenter mode, is a separate, cheaper step
(:func:`scene_figure`), so stepping through epochs never retrains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg_core.data import datasets as data
from linreg_core.data import registry
from linreg_core.data.limits import LIMITS, capped_epochs
from linreg_core.engine import analysis
from linreg_core.engine.gram import GramStats, gram_stats
from linreg_core.engine.training import GDResult, fit_gd, resolve_gradient
from linreg_core.settings import GDSettings


@dataclass
class GDScene:
    settings: GDSettings
    dataset: data.Dataset
    X: np.ndarray  # the features as trained on (standardized if asked)
    result: GDResult
    optimum: analysis.ClosedForm
    lambda_max: float
    stable_lr: float
    r2: float
    distance_to_optimum: float
    epochs_to_1pct: int | None
    init_note: str
    gradient: str = "autograd"  # how the run took its gradient: "gram", "formula", "autograd"

    def __getstate__(self):  # plain pickling for st.cache_data
        return self.__dict__


def load_dataset(s: GDSettings) -> data.Dataset:
    return registry.build(s.dataset, "gd", **registry.options_of(s))


# Large data (at least this many numbers, rows × features) get their readouts (optimum, λmax,
# R²) from AᵀA too, instead of from X.
READOUTS_FROM_GRAM = 1_000_000


def batch_size_of(s: GDSettings) -> int | None:
    """The settings' batches as ``fit_gd`` takes them: None (full), k, or 1 (one sample)."""
    return {"full": None, "mini": int(s.batch_size), "single": 1}[s.batch]


def scene_gradient(s: GDSettings, n_rows: int, n_features: int, reference: bool = False) -> str:
    """How a scene's run takes its gradient: ``fit_gd``'s ``"auto"`` choice (AᵀA for full
    batches, the notes' formula in NumPy for mini-batches with the plain or momentum step,
    autograd for Adam on batches), all with the notes' iterates; ``"autograd"``, the notes'
    own loop, for a ``reference`` run (what an exported script replays)."""
    if reference:
        return "autograd"
    bs = batch_size_of(s)
    return resolve_gradient("auto", optimizer=s.optimizer, penalty=None, n=n_rows,
                            d_in=n_features, full_batch=bs is None or bs >= n_rows)


def within_limits(s: GDSettings, n_rows: int, n_features: int) -> tuple[GDSettings, str | None]:
    """``s`` with its epochs capped by the limits (``capped_epochs``), and why, or None."""
    epochs, why = capped_epochs(s.epochs, n_rows, n_features, batch_size_of(s),
                                gram=scene_gradient(s, n_rows, n_features) == "gram")
    if why is None:
        return s, None
    return GDSettings.from_mapping({**s.__dict__, "epochs": epochs}), why


def build_gd_scene(s: GDSettings, *, on_epoch=None, dataset: data.Dataset | None = None,
                   reference: bool = False) -> GDScene:
    """Load the data (or take ``dataset``, e.g. an upload), train, and compute the readouts
    for one scene. ``reference=True`` trains with the notes' autograd loop even where the
    page takes the gradient from AᵀA (what an exported script replays)."""
    ds = dataset if dataset is not None else load_dataset(s)
    X = data.standardize(ds.X)[0] if s.standardize else ds.X
    n, d = X.shape
    gradient = scene_gradient(s, n, d, reference)
    large = n * d >= READOUTS_FROM_GRAM
    # AᵀA, AᵀY once: the gradient of every epoch of a full-batch run, the full-data loss of a
    # mini-batch run, and the readouts of large data (one pass over X for all of them).
    stats = gram_stats(X, ds.y) if gradient == "gram" or large else None
    init, note = initial_state(s, ds, d)
    result = fit_gd(X, ds.y, lr=s.lr, epochs=s.epochs, optimizer=s.optimizer,
                    momentum=s.momentum, batch_size=batch_size_of(s), init=init, seed=s.seed,
                    on_epoch=on_epoch, callback_every=10, gradient=gradient, gram=stats)
    optimum, lam, r2 = _readouts(X, ds.y, result, stats if large else None)
    W, b = result.final_weights, result.final_bias
    dist = float(np.sqrt(np.sum((W - optimum.weights) ** 2) + np.sum((b - optimum.bias) ** 2)))
    return GDScene(
        settings=s, dataset=ds, X=X, result=result, optimum=optimum, lambda_max=lam,
        stable_lr=2.0 / lam, r2=r2, distance_to_optimum=dist,
        epochs_to_1pct=analysis.epochs_to_within(result.loss, optimum.loss, 0.01),
        init_note=note, gradient=gradient,
    )


def initial_state(s: GDSettings, ds: data.Dataset, d: int) -> tuple[Any, str]:
    """``fit_gd``'s ``init`` for the settings, and the sentence that says what it is."""
    if s.init == "random":
        notes_w0 = registry.notes_start(ds, s.standardize)
        if notes_w0 is not None:
            return (notes_w0, 0.0), (f"W₀ drawn as in the notes: torch.randn right after the "
                                     f"data (seed {s.seed}), b₀ = 0")
        return "random", f"W₀ ~ N(0, 1) from a local generator seeded {s.seed}, b₀ = 0"
    if s.init == "zeros":
        return "zeros", "W₀ = 0, b₀ = 0"
    return ((np.full((d, 1), float(s.w0)), float(s.b0)),
            f"W₀ = {s.w0:g} (every weight), b₀ = {s.b0:g}")


def _readouts(X: np.ndarray, y: np.ndarray, result: GDResult,
              stats: GramStats | None) -> tuple[analysis.ClosedForm, float, float]:
    """The least-squares optimum, λmax of the loss Hessian and the final R², from the data
    or (large data) from their Gram statistics."""
    W, b = result.final_weights, result.final_bias
    if stats is None:
        return analysis.closed_form(X, y), analysis.hessian_max_eig(X), analysis.r2(X, y, W, b)
    lam = float(np.linalg.eigvalsh(2.0 * stats.G)[-1])
    var = (stats.yy - float((stats.c[-1] ** 2).sum())) / y.shape[1]
    r2 = 1.0 - analysis.gram_mse(stats, W, b) / var if var > 0 else 0.0
    return analysis.closed_form_from_gram(stats), lam, r2


def scene_figure(scene: GDScene, *, start_epoch: int | None = None,
                 max_frames: int = LIMITS.max_frames) -> dict[str, Any]:
    """The scene's animation (a Plotly figure dict) opening at ``start_epoch`` (None: the
    last epoch), built from the recorded run without training again."""
    from linreg_core.figures.gd import gd_animation_figure

    ds = scene.dataset
    return gd_animation_figure(scene.X, ds.y, scene.result, scene.optimum,
                               feature_names=ds.feature_names, target_name=ds.target_name,
                               log_loss=scene.settings.log_loss, max_frames=max_frames,
                               start_epoch=start_epoch)
