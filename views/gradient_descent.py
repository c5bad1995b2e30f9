"""The gradient-descent page: data on the left, learning on the right."""

from __future__ import annotations

import math
import time

import numpy as np
import streamlit as st

from linreg_core import gradient_check
from linreg_core.cache import SceneCache
from linreg_core.data import registry
from linreg_core.figures.gd import PrebuiltFigure
from linreg_core.scenes.gd import GDScene, build_gd_scene, scene_figure, within_limits
from linreg_core.settings import (
    BATCH_LABELS,
    GD_SPECS,
    INIT_LABELS,
    LR_GRID,
    OPTIMIZER_LABELS,
    GDSettings,
    Spec,
    decode,
)
from ui.cached import cached_scene
from ui.exports import export_block
from ui.share import presenter, share_block
from ui.text import plain
from ui.upload import Upload, csv_block, preview
from ui.urlstate import locked_keys, presenting, restore, show_notices, write

S = GD_SPECS
K = "gd_"  # widget keys are namespaced per page


@st.cache_resource
def scene_cache() -> SceneCache:
    """One cache for every session: a class opening the same link computes the scene once."""
    return SceneCache(max_entries=64, ttl=3600)


@st.cache_resource
def figure_cache() -> SceneCache:
    """The scenes' figures, per inspected epoch: stepping through epochs draws, never trains."""
    return SceneCache(max_entries=64, ttl=3600)


def scene_for(settings: GDSettings, dataset=None, data_key=None) -> GDScene:
    """The scene from the shared cache, or trained now with a progress bar after 0.5 s.

    Each progress update is a Streamlit call, and a Streamlit call is where a run superseded
    by a newer setting stops: a user dragging a slider does not leave runs burning the CPU.
    """
    t0 = time.perf_counter()

    def compute(slot) -> GDScene:
        bar = None

        def on_epoch(epoch: int, loss: float) -> None:
            nonlocal bar
            if time.perf_counter() - t0 < 0.5:
                return
            text = f"Training… epoch {epoch:,} of {settings.epochs:,} (loss {loss:.4g})"
            if bar is None:
                bar = slot.progress(0.0, text=text)
            bar.progress(min(epoch / settings.epochs, 1.0), text=text)

        return build_gd_scene(settings, on_epoch=on_epoch, dataset=dataset)

    return cached_scene(scene_cache(), (settings, data_key), compute)


def figure_for(scene: GDScene, start_epoch: int, data_key=None) -> dict:
    """The scene's animation opening at ``start_epoch``, shared like the scene itself."""
    key = (scene.settings, data_key, start_epoch)
    return cached_scene(figure_cache(), key,
                        lambda _slot: scene_figure(scene, start_epoch=start_epoch))


def _init_state() -> None:
    restore(S, K, extra=("at",))
    if st.session_state.pop(K + "url_restored_now", False):
        raw = st.query_params.get("at")
        at, _ = decode(Spec("at", 0, "epoch", 0, S["epochs"].hi), raw) if raw else (0, None)
        st.session_state[K + "inspect"] = at or 0
        st.session_state[K + "lr_slider"] = _nearest_grid(st.session_state[K + "lr"])
    for spec in S.values():
        st.session_state.setdefault(K + spec.key, spec.default)
    st.session_state.setdefault(K + "lr_slider", _nearest_grid(st.session_state[K + "lr"]))
    st.session_state.setdefault(K + "inspect", 0)


def _locked(key: str) -> bool:
    return key in locked_keys()


def _nearest_grid(lr: float) -> float:
    return min(LR_GRID, key=lambda g: abs(math.log10(g) - math.log10(max(lr, 1e-12))))


def _lr_from_slider() -> None:
    st.session_state[K + "lr"] = st.session_state[K + "lr_slider"]


def _lr_from_box() -> None:
    st.session_state[K + "lr_slider"] = _nearest_grid(st.session_state[K + "lr"])


def _num(key: str, step: float | int, fmt: str | None = None, **kw):
    spec = S[key]
    cast = int if isinstance(spec.default, int) else float
    return st.number_input(spec.label, min_value=cast(spec.lo), max_value=cast(spec.hi),
                           step=step, format=fmt, key=K + key, disabled=_locked(key), **kw)


def sidebar() -> tuple[GDSettings, Upload | None]:
    upload = None
    with st.sidebar:
        st.header("Data")
        dataset = st.selectbox(S["dataset"].label, S["dataset"].options, key=K + "dataset",
                               format_func=registry.labels("gd").get, disabled=_locked("dataset"))
        if dataset in ("line", "outliers"):
            st.slider(S["n"].label, int(S["n"].lo), int(S["n"].hi), key=K + "n",
                      disabled=_locked("n"))
            c1, c2 = st.columns(2)
            with c1:
                _num("slope", 0.5)
                _num("noise", 0.1)
                _num("x_min", 1.0)
            with c2:
                _num("intercept", 0.5)
                if dataset == "outliers":
                    _num("outliers", 0.01)
                _num("x_max", 1.0)
        if dataset == "csv":
            upload = csv_block(K)
        if dataset == "diabetes":
            st.selectbox(S["feature"].label, S["feature"].options, key=K + "feature",
                         format_func=lambda f: "all ten features" if f == "all" else f,
                         disabled=_locked("feature"))
        if dataset not in ("diabetes", "csv"):
            _num("seed", 1, help="Seeds the data, the random initial weights and the shuffling.")
        st.toggle(S["standardize"].label, key=K + "standardize", disabled=_locked("standardize"),
                  help="Train on (x − mean) / std. Often lets a larger learning rate converge.")

        st.header("Training")
        st.select_slider(S["lr"].label + " (log scale)", LR_GRID, key=K + "lr_slider",
                         format_func=lambda v: f"{v:g}", on_change=_lr_from_slider,
                         disabled=_locked("lr"))
        _num("lr", None, "%.6g", on_change=_lr_from_box,
             help="Type any value from 0.0001 to 10.")
        st.slider(S["epochs"].label, int(S["epochs"].lo), int(S["epochs"].hi), key=K + "epochs",
                  disabled=_locked("epochs"))
        optimizer = st.selectbox(S["optimizer"].label, S["optimizer"].options,
                                 key=K + "optimizer", format_func=OPTIMIZER_LABELS.get,
                                 disabled=_locked("optimizer"))
        if optimizer == "sgd":
            st.slider(S["momentum"].label, 0.0, 0.99, step=0.01, key=K + "momentum",
                      disabled=_locked("momentum"))
        batch = st.radio(S["batch"].label, S["batch"].options, key=K + "batch",
                         format_func=BATCH_LABELS.get, horizontal=True,
                         disabled=_locked("batch"))
        if batch == "mini":
            st.slider(S["batch_size"].label, int(S["batch_size"].lo), int(S["batch_size"].hi),
                      key=K + "batch_size", disabled=_locked("batch_size"))
        init = st.radio(S["init"].label, S["init"].options, key=K + "init",
                        format_func=INIT_LABELS.get, horizontal=True,
                        disabled=_locked("init"))
        if init == "chosen":
            c1, c2 = st.columns(2)
            with c1:
                _num("w0", 0.5, help="Every weight starts here.")
            with c2:
                _num("b0", 0.5)
        st.toggle(S["log_loss"].label, key=K + "log_loss", disabled=_locked("log_loss"))
    return GDSettings.from_mapping({k: st.session_state[K + k] for k in S}), upload


def _fmt(a) -> str:
    vals = np.ravel(a)
    return ", ".join(f"{v:.4g}" for v in vals[:10]) + (" …" if vals.size > 10 else "")


def readouts(scene: GDScene) -> None:
    r, opt = scene.result, scene.optimum
    c = st.columns(4)
    c[0].metric(f"Loss after {r.epochs_run} epochs", f"{r.final_loss:.4g}",
                help="Mean squared error of the last state on all the data.")
    c[1].metric("W", _fmt(r.final_weights))
    c[2].metric("b", _fmt(r.final_bias))
    c[3].metric("R²", f"{scene.r2:.4f}")
    # The exact optimum on one line (one element, not nine: each element is a message every
    # session pays for, and a class opens the page at once).
    reached = scene.epochs_to_1pct
    st.markdown(
        f"**Least squares** (closed form, float64): loss **{opt.loss:.4g}**, "
        rf"W = [{_fmt(opt.weights)}], b = [{_fmt(opt.bias)}] · distance ‖(W, b) − (W\*, b\*)‖ "
        f"after the last epoch **{scene.distance_to_optimum:.3g}** · epochs to 1% of the "
        f"optimal loss: **{'not reached' if reached is None else reached}**")


def stability(scene: GDScene, s: GDSettings) -> None:
    bound = scene.stable_lr
    r = scene.result
    if r.diverged:
        st.error(
            f"**Training diverged at epoch {r.diverged_epoch}**: {r.divergence_cause}. "
            f"The learning rate η = {s.lr:g} is above the largest stable rate of plain "
            f"full-batch gradient descent here, 2/λmax = {bound:.4g}. Each step overshoots "
            f"the minimum by more than it corrects. Try η below {bound:.3g}"
            + ("" if s.standardize else ", or standardize the features") + ".",
            icon=":material/warning:")
    elif s.optimizer == "manual" and s.batch == "full":
        where = "below" if s.lr < bound else "above"
        st.caption(f"η = {s.lr:g} is {where} the stability bound 2/λmax = {bound:.4g} "
                   f"(λmax = {scene.lambda_max:.4g}, the largest eigenvalue of the loss "
                   "Hessian (2/N)·AᵀA, A = [X 1]).")
    else:
        st.caption(f"Stability bound of plain full-batch GD here: 2/λmax = {bound:.4g}.")


def show_the_math(scene: GDScene, s: GDSettings, k: int) -> None:
    r = scene.result
    W, b = r.weights[k], r.bias[k]
    chk = gradient_check(scene.X, scene.dataset.y, W, b)
    n = scene.X.shape[0]
    st.markdown(
        f"State after **epoch {k}**: W = [{_fmt(W)}], b = [{_fmt(b)}], loss "
        f"L = (1/N)·Σ(ŷᵢ − yᵢ)² = **{chk.loss:.6g}** with N = {n}.")
    st.latex(r"\frac{\partial L}{\partial W} = \frac{2}{N} X^\top (XW + b - Y), \qquad "
             r"\frac{\partial L}{\partial b} = \frac{2}{N} \sum_{i=1}^N (\hat y_i - y_i)")
    rows = []
    names = scene.dataset.feature_names
    diff_w = np.abs(chk.grad_w_formula - chk.grad_w_autograd)
    for j in range(min(len(names), 10)):
        rows.append({"gradient": f"∂L/∂w[{names[j]}]",
                     "notes' formula": f"{chk.grad_w_formula[j, 0]:.8g}",
                     "autograd .grad": f"{chk.grad_w_autograd[j, 0]:.8g}",
                     "difference": f"{diff_w[j, 0]:.2e}"})
    rows.append({"gradient": "∂L/∂b", "notes' formula": f"{chk.grad_b_formula[0]:.8g}",
                 "autograd .grad": f"{chk.grad_b_autograd[0]:.8g}",
                 "difference": f"{abs(chk.grad_b_formula[0] - chk.grad_b_autograd[0]):.2e}"})
    st.table([{k: plain(v) for k, v in row.items()} for row in rows])  # names are user text
    if s.optimizer == "manual" and s.batch == "full" and k < r.epochs_run:
        w_next = W[:, 0] - s.lr * chk.grad_w_formula[:, 0]
        b_next = b[0] - s.lr * chk.grad_b_formula[0]
        st.latex(r"W := W - \eta \frac{\partial L}{\partial W}, \qquad "
                 r"b := b - \eta \frac{\partial L}{\partial b}")
        st.markdown(
            f"With η = {s.lr:g}: W → [{_fmt(w_next)}], b → {b_next:.6g}. The run recorded "
            f"W = [{_fmt(r.weights[k + 1])}], b = {r.bias[k + 1, 0]:.6g} after epoch {k + 1} "
            "(float32 in the run, float64 here).")
    elif k < r.epochs_run:
        st.caption("This run does not use the plain full-batch step (optimizer or batches "
                   "differ), so the next state is not simply W − η·∂L/∂W of all the data.")


COMPACT_CSS = """<style>
.block-container {padding-top: 2.2rem; padding-bottom: 2rem;}
</style>"""


def header(settings: GDSettings, locks: set[str]) -> None:
    """Title, Share, the URL's notices, the locks and (off the projector) the one-line intro."""
    at = int(st.session_state[K + "inspect"])
    params = write(S, {k: getattr(settings, k) for k in S}, K,
                   extra={"at": str(at)} if at else None)
    head, share = st.columns([5, 1], vertical_alignment="bottom")
    head.markdown("### Gradient descent, epoch by epoch")
    with share:
        share_block(params, "")  # the default page lives at the root
    show_notices(K)
    if locks:
        st.caption("Locked by the link: " + plain(", ".join(sorted(locks))))
    if not presenting():  # on a projector the chart comes first
        st.caption("ŷ = XW + b trained on the mean squared error as the notes do: forward "
                   "pass, `loss.backward()`, the update inside `torch.no_grad()`, gradients "
                   "zeroed. Press ▶ Play under the chart, drag its slider to scrub.")


def capped(settings: GDSettings, dataset) -> GDSettings:
    """``settings`` with its epochs capped by the server's limits (and a warning if so)."""
    settings, why = within_limits(settings, *_shape(settings, dataset))
    if why is not None:
        st.warning(why)
    return settings


def train_or_explain(settings: GDSettings, dataset, data_key) -> GDScene | None:
    """The scene, or None after a message naming what went wrong (never a traceback)."""
    try:
        return scene_for(settings, dataset, data_key)
    except ValueError as exc:
        st.error(f"These settings cannot be trained: {plain(exc)}. Change the setting it names.")
    except Exception as exc:  # a computation failure is a message, never a traceback
        st.error(f"Something went wrong while computing this scene ({type(exc).__name__}: "
                 f"{plain(exc)}). Try other settings; the rest of the app keeps working.")
    return None


def chart(scene: GDScene, k: int, data_key) -> None:
    """What the data are, the stability note and the animation opening at epoch ``k``."""
    settings = scene.settings
    if scene.dataset.description and not presenting():
        st.caption(f"**Data:** {plain(scene.dataset.description)}. **Start:** "
                   f"{scene.init_note}."
                   + (" **Gradient:** from AᵀA, computed once (the same iterates as the notes' "
                      "autograd loop to about 1e-7; the math below checks autograd's)."
                      if scene.gradient == "gram" else ""))
    stability(scene, settings)
    figure = figure_for(scene, k, data_key)
    st.plotly_chart(PrebuiltFigure(presenter(figure) if presenting() else figure),
                    key=K + "chart", theme="streamlit",
                    config={"displaylogo": False, "responsive": True})


def inspector(last: int, k: int) -> None:
    """◀ Step, Step ▶ and the epoch slider: the epoch the chart opens at and the math shows."""
    c1, c2, c3 = st.columns([1, 1, 8], vertical_alignment="bottom")
    if c1.button("◀ Step", key=K + "prev", disabled=k <= 0, help="One epoch back"):
        st.session_state[K + "inspect"] = k - 1
        st.rerun()
    if c2.button("Step ▶", key=K + "next", disabled=k >= last, help="One epoch forward"):
        st.session_state[K + "inspect"] = k + 1
        st.rerun()
    # A link's epoch (or one kept from a longer run) past this run's last, e.g. ?at=80 on a run
    # that diverged at epoch 4: the slider shows the last epoch instead of raising.
    st.session_state[K + "inspect"] = k
    c3.slider("Epoch to inspect: the chart starts here and the math below shows it", 0,
              max(last, 1), key=K + "inspect", disabled=last == 0)


def below_chart(scene: GDScene, k: int) -> None:
    """Readouts, exports, the way to the regularization page and (opened) the math."""
    settings = scene.settings
    readouts(scene)
    export_block(scene, settings, k)
    carry = {"dataset": "diabetes"} if settings.dataset == "diabetes" else {}
    if settings.seed:
        carry["seed"] = str(settings.seed)
    st.page_link("pages/regularization.py", query_params=carry,
                 label="Regularization paths on " + ("this diabetes data" if carry.get("dataset")
                                                     else "the diabetes data") + " →")
    # Opening reruns the page; closed, nothing inside is computed or sent (every session pays
    # for what a page draws, and a class opens the page at once).
    with st.expander(f"Show the math at epoch {k}: the notes' gradient next to autograd's",
                     key=K + "math_open", on_change="rerun") as math_box:
        if math_box.open:
            show_the_math(scene, settings, k)


def main() -> None:
    locks = locked_keys()
    st.markdown(COMPACT_CSS, unsafe_allow_html=True)  # our own constant CSS, no user text
    _init_state()
    settings, upload = sidebar()
    header(settings, locks)
    dataset = data_key = None
    if settings.dataset == "csv":
        if upload is None:
            return
        dataset, data_key = upload.dataset, upload.key
        preview(upload)
    settings = capped(settings, dataset)
    scene = train_or_explain(settings, dataset, data_key)
    if scene is None:
        return
    k = min(int(st.session_state[K + "inspect"]), scene.result.epochs_run)
    chart(scene, k, data_key)
    inspector(scene.result.epochs_run, k)
    below_chart(scene, k)


def _shape(s: GDSettings, dataset) -> tuple[int, int]:
    if dataset is not None:
        return dataset.n_samples, dataset.n_features
    return registry.shape(s.dataset, **registry.options_of(s))
