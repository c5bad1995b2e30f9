"""The regularization page: Lasso, Ridge and Elastic-net coefficients as α changes."""

from __future__ import annotations

import numpy as np
import streamlit as st

from linreg_core.cache import SceneCache
from linreg_core.data import registry
from linreg_core.figures.gd import PrebuiltFigure
from linreg_core.figures.paths import (
    MODEL_LABELS,
    cv_figure,
    geometry_figure,
    paths_sweep_figure,
    poly_fit_figure,
)
from linreg_core.scenes.regularization import (
    RegScene,
    RegSettings,
    build_reg_scene,
    gd_overlay,
    l1_vs_l2_evidence,
    polynomial_curves,
    sklearn_mapping,
)
from linreg_core.settings import REG_SPECS as R
from ui.cached import cached_scene
from ui.share import share_block
from ui.text import plain
from ui.upload import Upload, csv_block, preview
from ui.urlstate import locked_keys, restore, show_notices, write

K = "rp_"
VIEWS = {"all": "All three side by side", "lasso": "Lasso", "ridge": "Ridge",
         "enet": "Elastic net"}
CONFIG = {"displaylogo": False}


@st.cache_resource
def scene_cache() -> SceneCache:
    """One cache for every session: identical scenes are computed once."""
    return SceneCache(max_entries=48, ttl=3600)


def scene_for(settings: RegSettings, upload: Upload | None) -> RegScene:
    key = ("scene", settings, upload.key if upload else None)
    dataset = upload.dataset if upload else None
    return cached_scene(scene_cache(), key, lambda _slot: build_reg_scene(settings, dataset))


def gd_for(settings: RegSettings, upload: Upload | None, scene: RegScene) -> dict:
    key = ("gd", settings, upload.key if upload else None)
    return scene_cache().get_or_compute(key, lambda: gd_overlay(scene))


def sidebar() -> tuple[RegSettings, Upload | None]:
    ss = st.session_state
    restore(R, K)
    if ss.pop(K + "url_restored_now", False):
        ss.pop(K + "alpha_i", None)  # the link's alpha (or the grid's middle) decides
    for spec in R.values():
        ss.setdefault(K + spec.key, spec.default)
    locks = locked_keys()
    with st.sidebar:
        st.header("Data")
        dataset = st.selectbox("Dataset", R["dataset"].options,
                               format_func=registry.labels("regularization").get,
                               key=K + "dataset", disabled="dataset" in locks)
        upload = csv_block(K) if dataset == "csv" else None
        if dataset == "polynomial":
            st.slider(R["degree"].label, int(R["degree"].lo), int(R["degree"].hi),
                      key=K + "degree", disabled="degree" in locks)
        if dataset not in ("diabetes", "csv"):
            st.number_input(R["seed"].label, int(R["seed"].lo), int(R["seed"].hi), step=1,
                            key=K + "seed",
                            disabled="seed" in locks)
        st.toggle("Standardize features", key=K + "standardize",
                  disabled="standardize" in locks,
                  help="Fit on (x − mean)/std; coefficients are then per standard deviation.")
        st.header("Models")
        view = st.radio("Show", list(VIEWS), format_func=VIEWS.get, key=K + "model",
                        disabled="model" in locks)
        if view in ("all", "enet"):
            st.slider(R["l1_ratio"].label + " (l1_ratio)", R["l1_ratio"].lo, R["l1_ratio"].hi,
                      step=0.05,
                      key=K + "l1_ratio", help="ρ = 1 is the Lasso, ρ → 0 the Ridge.",
                      disabled="l1_ratio" in locks)
    return RegSettings(dataset=dataset, view=view, l1_ratio=float(ss[K + "l1_ratio"]),
                       degree=int(ss[K + "degree"]), seed=int(ss[K + "seed"]),
                       standardize=bool(ss[K + "standardize"]),
                       geo_x=ss.get(K + "geo_x", ""), geo_y=ss.get(K + "geo_y", "")), upload


def objective(scene: RegScene, alpha: float) -> None:
    st.latex(r"\min_{w,\,b}\ \frac{1}{2n}\,\lVert y - Xw - b\rVert_2^2 + \alpha\,P(w)")
    st.latex(r"P_{\text{Lasso}} = \lVert w\rVert_1,\quad P_{\text{Ridge}} = \lVert w\rVert_2^2,"
             r"\quad P_{\text{Elastic net}} = \rho\lVert w\rVert_1 + (1-\rho)\lVert w\rVert_2^2")
    n = scene.dataset.n_samples
    rho = scene.settings.l1_ratio
    lines = [f"**{MODEL_LABELS[m]}** at α = {alpha:.4g} is scikit-learn's "
             f"`{sklearn_mapping(m, alpha, n, rho)}`" for m in scene.models]
    st.caption("The notes' convention; the intercept b is not penalized. "
               + " · ".join(lines) + f" (n = {n}; Ridge: a = 2nα; Elastic net: a = (2 − ρ)α, "
               "l1_ratio = ρ/(2 − ρ)).")


def compute_or_explain(settings: RegSettings, upload: Upload | None) -> RegScene | None:
    """The scene, or None after a message naming what went wrong (never a traceback)."""
    try:
        with st.spinner("Computing the exact paths and cross-validation…"):
            return scene_for(settings, upload)
    except ValueError as exc:
        st.error(f"These settings cannot be computed: {plain(exc)}")
    except Exception as exc:  # a computation failure is a message, never a traceback
        st.error(f"Something went wrong while computing the paths ({type(exc).__name__}: "
                 f"{plain(exc)}). Try other settings; the rest of the app keeps working.")
    return None


def alpha_control(alphas: np.ndarray) -> int:
    """The α slider over the scene's grid (a link's α lands on the nearest grid value)."""
    n_alphas = len(alphas)
    wanted = st.session_state.pop(K + "alpha", 0.0)
    if wanted:
        st.session_state[K + "alpha_i"] = int(np.argmin(np.abs(np.log(alphas / wanted))))
    st.session_state.setdefault(K + "alpha_i", n_alphas // 2)
    st.session_state[K + "alpha_i"] = min(int(st.session_state[K + "alpha_i"]), n_alphas - 1)
    return st.select_slider("α (log scale; the marker on every chart)", list(range(n_alphas)),
                            key=K + "alpha_i", format_func=lambda k: f"{alphas[k]:.4g}",
                            disabled="alpha" in locked_keys())


def share_and_link(settings: RegSettings, alpha: float, share) -> None:
    """The link of this scene (Share) and the way to the gradient-descent page."""
    values = {k: getattr(settings, k) for k in ("dataset", "l1_ratio", "degree", "seed",
                                                 "standardize")}
    values.update(model=settings.view, alpha=float(f"{alpha:.6g}"),
                  gd=bool(st.session_state.get(K + "gd", False)))
    params = write(R, values, K)
    with share:
        share_block(params, "regularization")
    carry = {"dataset": "diabetes"} if settings.dataset == "diabetes" else {}
    if settings.seed:
        carry["seed"] = str(settings.seed)
    st.page_link("pages/gradient_descent.py", query_params=carry,
                 label="Gradient descent on " + ("the diabetes data" if carry.get("dataset")
                                                 else "the notes' example") + " →")


def sweep(settings: RegSettings, upload: Upload | None, scene: RegScene, i: int) -> None:
    """The paths with ▶ Sweep α, and (toggled) gradient descent along the grid over them."""
    overlay = None
    if st.toggle("Overlay this project's gradient descent (proximal step for L1, warm-started "
                 "along α, 150 epochs each)", key=K + "gd"):
        with st.spinner("Training by gradient descent along the α grid…"):
            overlay = gd_for(settings, upload, scene)
    fig = paths_sweep_figure(scene.paths, scene.dataset.feature_names, i, gd_paths=overlay)
    st.plotly_chart(PrebuiltFigure(fig), key=K + "sweep", config=CONFIG)
    st.caption("▶ Sweep α plays every α in the browser (large α on the left of the slider: "
               "everything is shrunk; small α: close to least squares). The dashed line, the "
               "bars and the dots follow α.")


def cross_validation(scene: RegScene, alpha: float) -> None:
    st.markdown(f"**{scene.settings.cv_folds}-fold cross-validation error against α**")
    st.plotly_chart(PrebuiltFigure(cv_figure(scene.cvs, alpha)), key=K + "cv", config=CONFIG)
    best = " · ".join(f"{MODEL_LABELS[m]}: best α = {cv.best_alpha:.4g} "
                      f"(MSE {float(cv.mean_mse[cv.best_index]):.4g})"
                      for m, cv in scene.cvs.items())
    st.caption(best + ". Band: ± one standard deviation over folds. "
               + " ".join(scene.extra.get("notes", [])))


def polynomial_fit(scene: RegScene, i: int) -> None:
    st.markdown(f"**The fitted curve at α = {scene.alphas[i]:.4g}**")
    grid, curves = polynomial_curves(scene, i)
    fig = poly_fit_figure(scene.dataset.X[:, 0], scene.dataset.y, grid, curves)
    st.plotly_chart(PrebuiltFigure(fig), key=K + "poly", config=CONFIG)
    st.caption("Dotted: least squares without a penalty (it chases the noise).")


def l1_l2_table(scene: RegScene, i: int) -> None:
    st.markdown("**The notes' L1-vs-L2 table, measured on this data at this α**")
    rows = l1_vs_l2_evidence(scene, i)
    # st.table renders Markdown: every cell goes through plain() (column names are user text).
    st.table([{"property": plain(r["property"]),
               "L1 (Lasso)": plain(r.get("L1 (Lasso)") or r.get("evidence", "")),
               "L2 (Ridge)": plain(r.get("L2 (Ridge)", ""))} for r in rows])


def main() -> None:
    settings, upload = sidebar()
    head, share = st.columns([5, 1], vertical_alignment="bottom")
    head.markdown("### Regularization paths: Lasso, Ridge and Elastic net")
    show_notices(K)
    if settings.dataset == "csv":
        if upload is None:
            return
        preview(upload)
    scene = compute_or_explain(settings, upload)
    if scene is None:
        return
    ds = scene.dataset
    st.caption(f"**Data:** {plain(ds.description)} — {ds.n_samples:,} samples, {ds.n_features} "
               "features" + (", standardized" if settings.standardize else "") + ".")
    i = alpha_control(scene.alphas)
    alpha = float(scene.alphas[i])
    share_and_link(settings, alpha, share)
    objective(scene, alpha)
    sweep(settings, upload, scene, i)
    left, right = st.columns(2)
    with left:
        cross_validation(scene, alpha)
    with right:
        if ds.name == "polynomial":
            polynomial_fit(scene, i)
        else:
            nonzero_note(scene, i)
    geometry(scene, i)
    l1_l2_table(scene, i)


def nonzero_note(scene: RegScene, i: int) -> None:
    st.markdown(f"**At α = {scene.alphas[i]:.4g}**")
    names = scene.dataset.feature_names
    rows = []
    for j, name in enumerate(names):
        row = {"feature": name}
        for m, p in scene.paths.items():
            v = float(p.coefs[i, j])
            row[MODEL_LABELS[m]] = "0 (exactly)" if v == 0 else f"{v:.4g}"
        row["least squares"] = f"{scene.ols_coef[j]:.4g}"
        rows.append(row)
    st.dataframe(rows, hide_index=True, height=min(38 + 35 * len(rows), 400))


def geometry(scene: RegScene, i: int) -> None:
    g = scene.geometry
    names = scene.dataset.feature_names
    st.markdown("**Why L1 lands on zeros: the constrained view for two features**")
    c1, c2 = st.columns(2)
    c1.selectbox("Feature on x", names, index=names.index(g["pair"][0]), key=K + "geo_x")
    c2.selectbox("Feature on y", names, index=names.index(g["pair"][1]), key=K + "geo_y")
    fig = geometry_figure(g["w_ols"], g["M"], g["l1_path"], g["l2_path"], g["l1_path"][i],
                          g["l2_path"][i], tuple(g["pair"]))
    st.plotly_chart(PrebuiltFigure(fig), key=K + "geometry", config=CONFIG)
    st.caption("A model fitted on these two features only. Blue: loss contours around least "
               "squares (×); the solid one touches the penalty region at the penalized optimum "
               "(dot). The diamond's corners lie on the axes, so the touching point is often a "
               "corner: a coefficient exactly 0. The circle has no corners. Grey: the optimum "
               "for every α.")
