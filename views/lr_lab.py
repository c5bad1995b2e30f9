"""The learning-rate lab: many learning rates at once, and three optimizers raced."""

from __future__ import annotations

import math

import streamlit as st

from linreg_core.cache import SceneCache
from linreg_core.data import registry
from linreg_core.engine.lab import optimizer_race as race_run
from linreg_core.figures.gd import PrebuiltFigure
from linreg_core.figures.lab import race_figure, sweep_figure
from linreg_core.scenes.lab import LabScene, build_lab_scene
from linreg_core.settings import (
    GD_SPECS,
    LAB_SPECS,
    LR_GRID,
    OPTIMIZER_LABELS,
    LabSettings,
)
from ui.cached import cached_scene
from ui.share import share_block
from ui.text import plain
from ui.urlstate import restore, show_notices, write

K = "lab_"  # widget keys are namespaced per page
CONFIG = {"displaylogo": False, "responsive": True}
DEFAULTS = {"dataset": "seed", "feature": "bmi", "seed": 0, "standardize": False, "k": 25,
            "range": (0.001, 2.0), "epochs": 100, "optimizer": "manual", "momentum": 0.9,
            "race_lr": 0.1}
COMPACT_CSS = """<style>
.block-container {padding-top: 2.2rem; padding-bottom: 2rem;}
</style>"""


@st.cache_resource
def scene_cache() -> SceneCache:
    """One cache for every session: identical sweeps are computed once."""
    return SceneCache(max_entries=32, ttl=3600)


def _cached(key: tuple, compute):
    return cached_scene(scene_cache(), key, lambda _slot: compute())


def sweep_for(s: LabSettings) -> tuple[LabScene, dict]:
    def compute() -> tuple[LabScene, dict]:
        scene = build_lab_scene(s)
        return scene, sweep_figure(scene.sweep, optimum_loss=scene.optimum_loss)

    return _cached(("sweep", s), compute)


def race_for(scene: LabScene, lr: float) -> dict:
    s = scene.settings

    def compute() -> dict:
        race = race_run(scene.X, scene.y, lr=lr, epochs=s.epochs, init=scene.init, seed=s.seed)
        return race_figure(race, scene.X, scene.y, lr=lr, feature_name=scene.feature_names[0])

    data_key = (s.dataset, s.feature, s.seed, s.standardize, s.epochs)
    return _cached(("race", data_key, float(lr)), compute)


def _nearest(v: float) -> float:
    return min(LR_GRID, key=lambda g: abs(math.log10(g) - math.log10(max(float(v), 1e-12))))


def sidebar() -> LabSettings:
    ss = st.session_state
    restore(LAB_SPECS, K)
    if ss.pop(K + "url_restored_now", False):  # a link: its range becomes the slider's start
        ss[K + "range_start"] = (_nearest(ss[K + "lr_min"]), _nearest(ss[K + "lr_max"]))
        ss.pop(K + "range", None)
    for key, value in DEFAULTS.items():
        if key != "range":  # a range slider is made by its tuple value=, below
            ss.setdefault(K + key, value)
    with st.sidebar:
        st.header("Data")
        dataset = st.selectbox("Dataset", LAB_SPECS["dataset"].options, key=K + "dataset",
                               format_func=registry.labels("lab").get)
        if dataset == "diabetes":
            st.selectbox(GD_SPECS["feature"].label, GD_SPECS["feature"].options,
                         key=K + "feature",
                         format_func=lambda f: "all ten features" if f == "all" else f)
        else:
            st.number_input("Seed", 0, 2**31 - 1, step=1, key=K + "seed",
                            help="Seeds the data and the random initial weights.")
        st.toggle("Standardize features", key=K + "standardize",
                  help="Train on (x − mean) / std: a smaller λmax, so larger rates are stable.")
        st.header("Sweep")
        st.slider("Number of learning rates K", int(LAB_SPECS["k"].lo), int(LAB_SPECS["k"].hi),
                  key=K + "k")
        st.select_slider("Learning-rate range (log scale)", LR_GRID, key=K + "range",
                         value=ss.get(K + "range_start", DEFAULTS["range"]),
                         format_func=lambda v: f"{v:g}",
                         help="K rates evenly spaced on a log scale between the two ends.")
        st.slider(LAB_SPECS["epochs"].label, int(LAB_SPECS["epochs"].lo),
                  int(LAB_SPECS["epochs"].hi), key=K + "epochs")
        optimizer = st.selectbox("Optimizer", ("manual", "sgd", "adam"), key=K + "optimizer",
                                 format_func=OPTIMIZER_LABELS.get)
        if optimizer == "sgd":
            st.slider("Momentum", 0.0, 0.99, step=0.01, key=K + "momentum")
    lo, hi = ss[K + "range"]
    return LabSettings(dataset=dataset, feature=ss[K + "feature"], seed=int(ss[K + "seed"]),
                       standardize=bool(ss[K + "standardize"]), k=int(ss[K + "k"]),
                       lr_min=float(lo), lr_max=float(hi), epochs=int(ss[K + "epochs"]),
                       optimizer=optimizer, momentum=float(ss[K + "momentum"]))


def explain() -> None:
    st.caption(
        "K copies of ŷ = XW + b, one per learning rate η, trained together in one vectorized "
        "PyTorch run (W batched as (K, D, 1), one `loss.backward()` per epoch). **2/λmax** is "
        "the largest stable η of plain full-batch gradient descent, λmax the largest "
        "eigenvalue of the loss Hessian (2/N)·AᵀA, A = [X 1]: along its eigenvector each step "
        "multiplies the error by (1 − η·λmax), which is below −1 above 2/λmax, so the loss "
        "explodes. Momentum and Adam move this bound.")


def readout(scene: LabScene) -> None:
    sw = scene.sweep
    best = sw.best_index
    c = st.columns(4)
    if best is None:
        c[0].metric("Best η", "none converged")
    else:
        c[0].metric("Best η (lowest final loss)", f"{sw.lrs[best]:.3g}",
                    help=f"Final loss {sw.final_loss[best]:.5g} after {sw.epochs} epochs.")
    c[1].metric("Stable bound 2/λmax", f"{sw.stable_lr:.4g}",
                help=f"λmax = {scene.lambda_max:.4g}. Plain GD diverges for η above it.")
    c[2].metric("Diverged", f"{sw.n_diverged} of {len(sw.lrs)}",
                help="A run diverges when its loss becomes non-finite or exceeds 10⁶ × its "
                     "initial loss; it is then frozen while the others carry on.")
    c[3].metric("Least-squares loss", f"{scene.optimum_loss:.4g}",
                help="The exact optimum (closed form, float64): the floor of every curve.")
    if best is not None:
        gap = sw.final_loss[best] / scene.optimum_loss - 1 if scene.optimum_loss > 0 else 0.0
        where = "below" if sw.lrs[best] < sw.stable_lr else "above"
        reach = (f"ends {gap:.2%} above the least-squares loss" if gap >= 5e-5 else
                 "reaches the least-squares loss (to float32 precision)")
        st.caption(f"Best η = {sw.lrs[best]:.3g} ({where} 2/λmax = {sw.stable_lr:.3g}) {reach} "
                   f"after {sw.epochs} epochs. "
                   "Too small an η barely moves; just under 2/λmax the loss zig-zags down; "
                   "above it, it explodes.")


def race(scene: LabScene) -> None:
    st.markdown("#### Optimizer race on the loss surface")
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    lr = c1.select_slider("Learning rate η for the race (log scale)", LR_GRID,
                          key=K + "race_lr", format_func=lambda v: f"{v:g}")
    c2.caption(f"The notes' step, SGD with momentum 0.9 and Adam from the same start "
               f"({scene.init_note}), {scene.settings.epochs} epochs at η = {lr:g}. Press "
               "▶ Play under the chart.")
    try:
        fig = race_for(scene, float(lr))
    except ValueError as exc:
        st.error(f"The race cannot be run with these settings: {plain(exc)}")
        return
    except Exception as exc:  # a message, never a traceback
        st.error(f"Something went wrong while racing the optimizers ({type(exc).__name__}: "
                 f"{plain(exc)}). Try another learning rate.")
        return
    st.plotly_chart(PrebuiltFigure(fig), key=K + "race", theme="streamlit", config=CONFIG)


def main() -> None:
    # Additive: under the app (already wide) a no-op; run alone, the page gets the wide layout.
    st.set_page_config(layout="wide")
    st.markdown(COMPACT_CSS, unsafe_allow_html=True)  # our own constant CSS, no user text
    settings = sidebar()
    head, share = st.columns([5, 1], vertical_alignment="bottom")
    head.markdown("### Learning-rate lab")
    params = write(LAB_SPECS, {k: getattr(settings, k) for k in LAB_SPECS}, K)
    with share:
        share_block(params, "lr-lab")
    show_notices(K)
    explain()
    if not settings.lr_max > settings.lr_min:
        st.error("The learning-rate range is empty: drag the right end of the range above the "
                 "left one.")
        return
    try:
        with st.spinner(f"Training {settings.k} learning rates at once…"):
            scene, fig = sweep_for(settings)
    except ValueError as exc:
        st.error(f"These settings cannot be trained: {plain(exc)}. Change the setting it names.")
        return
    except Exception as exc:  # a computation failure is a message, never a traceback
        st.error(f"Something went wrong while computing this sweep ({type(exc).__name__}: "
                 f"{plain(exc)}). Try other settings; the rest of the app keeps working.")
        return
    st.caption(f"**Data:** {plain(scene.description)}"
               + (", standardized" if settings.standardize else "")
               + f". **Start:** {scene.init_note}. **Optimizer:** "
               f"{OPTIMIZER_LABELS[settings.optimizer]}, full batch.")
    st.plotly_chart(PrebuiltFigure(fig), key=K + "sweep", theme="streamlit", config=CONFIG)
    readout(scene)
    if scene.X.shape[1] == 1:
        race(scene)
    else:
        st.info("The optimizer race draws paths on the loss surface over (w, b), which needs "
                "one feature: pick the notes' example, a line, or one diabetes feature.")
