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
from linreg_core.engine.training import GDResult, fit_gd
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
GRAM_THRESHOLD = 1_000_000


def uses_gram(s: GDSettings, n_rows: int, n_features: int) -> bool:
    """Full-batch scenes take their gradient from AᵀA and AᵀY (computed once, float64): the
    same iterates as the notes' autograd loop (to ~1e-7 relative, tested) at O(D²) per epoch
    instead of O(N·D) plus autograd's overhead, which is what a rerun at 1000 epochs costs
    on small data and all of it on large data."""
    return s.batch == "full"


def gradient_for(s: GDSettings, gram: bool, reference: bool = False) -> str:
    """How a scene's run takes its gradient: from AᵀA (full batches), from the notes'
    formula in NumPy (mini-batches and single samples with the plain or momentum step), or
    by autograd (Adam on batches, and ``reference`` runs). All give the notes' iterates."""
    if reference:
        return "autograd"
    if gram:
        return "gram"
    return "autograd" if s.optimizer == "adam" else "formula"


def batch_size_of(s: GDSettings) -> int | None:
    """The settings' batches as ``fit_gd`` takes them: None (full), k, or 1 (one sample)."""
    return {"full": None, "mini": int(s.batch_size), "single": 1}[s.batch]


def within_limits(s: GDSettings, n_rows: int, n_features: int) -> tuple[GDSettings, str | None]:
    """``s`` with its epochs capped by the limits (``capped_epochs``), and why, or None."""
    epochs, why = capped_epochs(s.epochs, n_rows, n_features, batch_size_of(s),
                                gram=uses_gram(s, n_rows, n_features))
    if why is None:
        return s, None
    return GDSettings.from_mapping({**s.__dict__, "epochs": epochs}), why


def build_gd_scene(s: GDSettings, *, on_epoch=None, dataset: data.Dataset | None = None,
                   reference: bool = False) -> GDScene:
    """Load the data (or take ``dataset``, e.g. an upload), train, and compute the readouts
    for one scene. ``reference=True`` trains with the notes' autograd loop even where the
    page takes the gradient from AᵀA (what an exported script replays)."""
    ds = dataset if dataset is not None else load_dataset(s)
    X = ds.X
    if s.standardize:
        X, _, _ = data.standardize(X)
    d = X.shape[1]
    gram = analysis_gram = None
    fast = uses_gram(s, X.shape[0], d) and not reference
    if fast or X.shape[0] * d >= GRAM_THRESHOLD:
        from linreg_core.engine.training import gram_stats

        gram = gram_stats(X, ds.y)
        analysis_gram = gram if X.shape[0] * d >= GRAM_THRESHOLD else None
        gram = gram if fast else None
    if s.init == "random":
        notes_w0 = registry.notes_start(ds, s.standardize)
        if notes_w0 is not None:
            init = (notes_w0, 0.0)
            note = (f"W₀ drawn as in the notes: torch.randn right after the data "
                    f"(seed {s.seed}), b₀ = 0")
        else:
            init, note = "random", f"W₀ ~ N(0, 1) from a local generator seeded {s.seed}, b₀ = 0"
    elif s.init == "zeros":
        init, note = "zeros", "W₀ = 0, b₀ = 0"
    else:
        init, note = (np.full((d, 1), float(s.w0)), float(s.b0)), (
            f"W₀ = {s.w0:g} (every weight), b₀ = {s.b0:g}")
    batch_size = batch_size_of(s)
    gradient = gradient_for(s, gram is not None, reference)
    result = fit_gd(X, ds.y, lr=s.lr, epochs=s.epochs, optimizer=s.optimizer,
                    momentum=s.momentum, batch_size=batch_size, init=init, seed=s.seed,
                    on_epoch=on_epoch, callback_every=10, gradient=gradient,
                    gram=gram if gram is not None else analysis_gram)
    W, b = result.final_weights, result.final_bias
    if analysis_gram is not None:
        optimum = analysis.closed_form_from_gram(analysis_gram)
        lam = float(np.linalg.eigvalsh(2.0 * analysis_gram.G)[-1])
        var = (analysis_gram.yy - float((analysis_gram.c[-1] ** 2).sum())) / ds.y.shape[1]
        r2 = 1.0 - analysis.gram_mse(analysis_gram, W, b) / var if var > 0 else 0.0
    else:
        optimum = analysis.closed_form(X, ds.y)
        lam = analysis.hessian_max_eig(X)
        r2 = analysis.r2(X, ds.y, W, b)
    dist = float(np.sqrt(np.sum((W - optimum.weights) ** 2) + np.sum((b - optimum.bias) ** 2)))
    return GDScene(
        settings=s, dataset=ds, X=X, result=result, optimum=optimum, lambda_max=lam,
        stable_lr=2.0 / lam, r2=r2, distance_to_optimum=dist,
        epochs_to_1pct=analysis.epochs_to_within(result.loss, optimum.loss, 0.01),
        init_note=note, gradient=gradient,
    )


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
