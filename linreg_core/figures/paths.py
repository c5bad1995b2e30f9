"""Figures of the regularization page, as pure functions returning plain Plotly dicts.

Every chart takes alphas on a log axis, in the convention of :mod:`linreg_core.engine.paths`:
``(1/(2n))·||y − Xw − b||² + α·P(w)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from linreg_core.figures.common import (
    FONT_SIZE,
    WEIGHT_COLORS,
    frame_step,
    panel_title,
    pause_button,
    play_button,
    safe,
    typed_arrays,
)

MODEL_LABELS = {"lasso": "Lasso (L1)", "ridge": "Ridge (L2)", "enet": "Elastic net"}
MODEL_COLORS = {"lasso": "#E45756", "ridge": "#4C78A8", "enet": "#54A24B"}
PANEL_GAP = 0.06  # between the coefficient panels of the top row
EXTRA_COLORS = ["#79706E", "#D67195", "#B6992D", "#499894", "#86BCB6", "#F1CE63", "#A0CBE8",
                "#FFBE7D", "#8CD17D", "#FF9D9A"]


def feature_color(j: int) -> str:
    palette = WEIGHT_COLORS + EXTRA_COLORS
    return palette[j % len(palette)]


def _nonzero(coefs: np.ndarray) -> np.ndarray:
    return np.count_nonzero(np.abs(coefs) > 0, axis=1)


def _common_alphas(paths: dict[str, Any], models: list[str]) -> np.ndarray:
    alphas = np.asarray(paths[models[0]].alphas, dtype=float)
    for m in models:
        if not np.allclose(paths[m].alphas, alphas):
            raise ValueError("every model must be computed on the same alpha grid")
    return alphas


def _coef_panel(p: int, m: str, paths: dict[str, Any], feature_names: list[str],
                alphas: np.ndarray, i0: int, gd_paths: dict[str, Any] | None,
                layout: dict[str, Any]) -> tuple[list[dict[str, Any]], float, float]:
    """Model ``m``'s coefficient paths in panel ``p`` (top row), gradient descent's dots if
    given, and the α marker (the last trace); its axes and title go into ``layout``.
    Returns the traces and the marker's vertical extent."""
    k = len(paths)
    width = (1 - PANEL_GAP * (k - 1)) / k
    ax = "" if p == 0 else str(p + 1)
    coefs = np.asarray(paths[m].coefs, dtype=float)
    x0 = p * (width + PANEL_GAP)
    layout[f"xaxis{ax}"] = {"domain": [x0, x0 + width], "anchor": f"y{ax}", "type": "log",
                            "title": {"text": "α (log)"},
                            "range": [float(np.log10(alphas.min())),
                                      float(np.log10(alphas.max()))]}
    cmin, cmax = float(min(coefs.min(), 0)), float(max(coefs.max(), 0))
    pad = 0.06 * (cmax - cmin or 1.0)
    layout[f"yaxis{ax}"] = {"domain": [0.52, 0.95], "anchor": f"x{ax}",
                            "range": [cmin - pad, cmax + pad],
                            "title": {"text": "coefficient" if p == 0 else ""},
                            "zeroline": True}
    layout["annotations"].append(panel_title(MODEL_LABELS[m], x0, 0.96))
    traces: list[dict[str, Any]] = []
    for j, name in enumerate(feature_names):
        traces.append({"type": "scatter", "mode": "lines", "x": alphas, "y": coefs[:, j],
                       "xaxis": f"x{ax}", "yaxis": f"y{ax}", "name": name,
                       "legendgroup": name, "showlegend": p == 0,
                       "line": {"color": feature_color(j), "width": 2},
                       "hovertemplate": f"{name}<br>α %{{x:.4g}}<br>coef %{{y:.4g}}"
                                        f"<extra>{MODEL_LABELS[m]}</extra>"})
    if gd_paths and m in gd_paths:
        traces.append(_gd_dots(gd_paths[m], ax, p == 0))
    traces.append({"type": "scatter", "mode": "lines", "x": [alphas[i0]] * 2,
                   "y": [cmin - pad, cmax + pad], "xaxis": f"x{ax}", "yaxis": f"y{ax}",
                   "line": {"color": "#888888", "width": 2, "dash": "dash"},
                   "showlegend": False, "hoverinfo": "skip", "name": "α"})
    return traces, cmin - pad, cmax + pad


def _gd_dots(g: Any, ax: str, legend: bool) -> dict[str, Any]:
    """Gradient descent's coefficients along its α grid, as open dots."""
    nf = g.coefs.shape[1]
    return {"type": "scatter", "mode": "markers",
            "x": np.repeat(np.asarray(g.alphas, dtype=float), nf),
            "y": np.asarray(g.coefs, dtype=float).ravel(),
            "xaxis": f"x{ax}", "yaxis": f"y{ax}", "showlegend": legend,
            "name": "gradient descent", "legendgroup": "gd",
            "marker": {"symbol": "circle-open", "size": 7,
                       "color": [feature_color(j) for j in range(nf)] * len(g.alphas)},
            "hovertemplate": "gradient descent<br>α %{x:.4g}<br>coef %{y:.4g}"
                             "<extra></extra>"}


def _bar_panel(paths: dict[str, Any], feature_names: list[str], i0: int,
               layout: dict[str, Any]) -> list[dict[str, Any]]:
    """Bottom left: the coefficients at α, grouped by model (one bar trace per model)."""
    models, k = list(paths), len(paths)
    all_c = np.concatenate([np.ravel(paths[m].coefs) for m in models])
    blo, bhi = float(min(all_c.min(), 0)), float(max(all_c.max(), 0))
    bpad = 0.06 * (bhi - blo or 1.0)
    traces = [{"type": "bar", "x": list(feature_names),
               "y": np.asarray(paths[m].coefs[i0], dtype=float),
               "xaxis": f"x{k + 1}", "yaxis": f"y{k + 1}", "name": MODEL_LABELS[m],
               "marker": {"color": MODEL_COLORS[m]}, "legendgroup": "models",
               "hovertemplate": "%{x}: %{y:.4g}<extra>" + MODEL_LABELS[m] + "</extra>"}
              for m in models]
    layout[f"xaxis{k + 1}"] = {"domain": [0, 0.62], "anchor": f"y{k + 1}",
                               "tickangle": -45 if len(feature_names) > 8 else 0}
    layout[f"yaxis{k + 1}"] = {"domain": [0, 0.36], "anchor": f"x{k + 1}",
                               "range": [blo - bpad, bhi + bpad],
                               "title": {"text": "coefficient at α"}}
    return traces


def _n_nonzero(paths: dict[str, Any], m: str, i: int) -> int:
    """The number of non-zero coefficients of model ``m`` at the ``i``-th α."""
    return int(_nonzero(np.asarray(paths[m].coefs[i:i + 1]))[0])


def _nonzero_panel(paths: dict[str, Any], alphas: np.ndarray, n_features: int, i0: int,
                   layout: dict[str, Any]) -> list[dict[str, Any]]:
    """Bottom right: the number of non-zero coefficients against α, and each model's count
    at α (the last trace)."""
    models, k = list(paths), len(paths)
    nz_ax = k + 2
    traces: list[dict[str, Any]] = []
    for m in models:
        traces.append({"type": "scatter", "mode": "lines", "x": alphas,
                       "y": _nonzero(np.asarray(paths[m].coefs)),
                       "xaxis": f"x{nz_ax}", "yaxis": f"y{nz_ax}", "showlegend": False,
                       "line": {"color": MODEL_COLORS[m], "width": 2, "shape": "hv"},
                       "name": MODEL_LABELS[m],
                       "hovertemplate": "α %{x:.4g}<br>%{y} non-zero<extra>"
                                        + MODEL_LABELS[m] + "</extra>"})
    traces.append({"type": "scatter", "mode": "markers", "x": [alphas[i0]] * k,
                   "y": [_n_nonzero(paths, m, i0) for m in models],
                   "xaxis": f"x{nz_ax}", "yaxis": f"y{nz_ax}", "showlegend": False,
                   "marker": {"size": 11, "color": [MODEL_COLORS[m] for m in models],
                              "line": {"width": 1, "color": "white"}}, "hoverinfo": "skip"})
    layout[f"xaxis{nz_ax}"] = {"domain": [0.7, 1.0], "anchor": f"y{nz_ax}", "type": "log",
                               "range": [float(np.log10(alphas.min())),
                                         float(np.log10(alphas.max()))],
                               "title": {"text": "α (log)"}}
    layout[f"yaxis{nz_ax}"] = {"domain": [0, 0.36], "anchor": f"x{nz_ax}",
                               "range": [-0.5, n_features + 0.5],
                               "title": {"text": "non-zero coefficients"}}
    return traces


def _alpha_frames(paths: dict[str, Any], alphas: np.ndarray,
                  markers: list[tuple[int, float, float]], bar_traces: list[int],
                  nz_trace: int) -> list[dict[str, Any]]:
    """One frame per α: the α markers, the bars and the non-zero counts."""
    models, k = list(paths), len(paths)

    def r(v: float) -> float:
        return float(f"{v:.6g}")

    frames = []
    for i, a in enumerate(alphas):
        data = [{"x": [r(a)] * 2, "y": [r(lo), r(hi)]} for _, lo, hi in markers]
        data += [{"y": [r(v) for v in paths[m].coefs[i]]} for m in models]
        data.append({"x": [r(a)] * k, "y": [_n_nonzero(paths, m, i) for m in models]})
        frames.append({"name": str(i), "data": data,
                       "traces": [t for t, _, _ in markers] + bar_traces + [nz_trace]})
    return frames


def _alpha_controls(alphas: np.ndarray, i0: int) -> dict[str, Any]:
    """Sweep α (played by the browser), Pause, and a slider over the α grid."""
    steps = [frame_step(str(i), f"{a:.3g}") for i, a in enumerate(alphas)]
    play, pause = play_button(120, "▶ Sweep α"), pause_button()
    return {
        "updatemenus": [{"type": "buttons", "direction": "left", "showactive": False,
                         "x": 0.0, "y": -0.16, "xanchor": "left", "yanchor": "top",
                         "buttons": [play, pause], "font": {"size": FONT_SIZE}}],
        "sliders": [{"active": i0, "steps": steps, "x": 0.3, "len": 0.7, "y": -0.13,
                     "yanchor": "top", "pad": {"t": 0, "b": 0},
                     "currentvalue": {"prefix": "α = ", "xanchor": "right",
                                      "font": {"size": FONT_SIZE + 2}},
                     "transition": {"duration": 0}, "font": {"size": 10}}],
    }


def paths_sweep_figure(
    paths: dict[str, Any],
    feature_names: list[str],
    alpha_index: int,
    *,
    gd_paths: dict[str, Any] | None = None,
    height: int = 720,
) -> dict[str, Any]:
    """Coefficient paths (one panel per model), the coefficients at α as bars, and the number
    of non-zero coefficients, with one α marker on every panel; Play sweeps α in the browser.

    All models must share the same alpha grid (``paths[m].alphas``).
    """
    models = list(paths)
    feature_names = [safe(n) for n in feature_names]
    alphas = _common_alphas(paths, models)
    i0 = int(np.clip(alpha_index, 0, len(alphas) - 1))
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": height, "font": {"size": FONT_SIZE}, "hovermode": "closest",
        "margin": {"l": 60, "r": 20, "t": 40, "b": 150},
        "legend": {"orientation": "v", "x": 1.01, "y": 1.0, "font": {"size": 12}},
        "annotations": [], "barmode": "group",
    }
    markers = []  # each α marker: its trace index and its vertical extent
    for p, m in enumerate(models):
        panel, lo, hi = _coef_panel(p, m, paths, feature_names, alphas, i0, gd_paths, layout)
        traces += panel
        markers.append((len(traces) - 1, lo, hi))
    bars = _bar_panel(paths, feature_names, i0, layout)
    bar_traces = list(range(len(traces), len(traces) + len(bars)))
    traces += bars + _nonzero_panel(paths, alphas, len(feature_names), i0, layout)
    for text, x in (("Coefficients at α", 0.0), ("Non-zero coefficients", 0.7)):
        layout["annotations"].append(panel_title(text, x, 0.37))
    frames = _alpha_frames(paths, alphas, markers, bar_traces, len(traces) - 1)
    layout.update(_alpha_controls(alphas, i0))
    return {"data": typed_arrays(traces), "layout": typed_arrays(layout), "frames": frames}


def cv_figure(cvs: dict[str, Any], alpha: float, *, height: int = 360) -> dict[str, Any]:
    """K-fold validation MSE (mean ± one standard deviation) against α; best α starred."""
    traces: list[dict[str, Any]] = []
    for m, cv in cvs.items():
        a = np.asarray(cv.alphas, dtype=float)
        mean, std = np.asarray(cv.mean_mse), np.asarray(cv.std_mse)
        color = MODEL_COLORS[m]
        traces.append({"type": "scatter", "mode": "lines", "x": np.concatenate([a, a[::-1]]),
                       "y": np.concatenate([mean + std, (mean - std)[::-1]]), "fill": "toself",
                       "fillcolor": color, "opacity": 0.15, "line": {"width": 0},
                       "hoverinfo": "skip", "showlegend": False, "legendgroup": m})
        traces.append({"type": "scatter", "mode": "lines", "x": a, "y": mean,
                       "name": MODEL_LABELS[m], "line": {"color": color, "width": 2},
                       "legendgroup": m,
                       "hovertemplate": "α %{x:.4g}<br>CV MSE %{y:.5g}<extra>"
                                        + MODEL_LABELS[m] + "</extra>"})
        traces.append({"type": "scatter", "mode": "markers", "x": [cv.best_alpha],
                       "y": [float(mean[cv.best_index])], "legendgroup": m, "showlegend": False,
                       "marker": {"symbol": "star", "size": 15, "color": color,
                                  "line": {"width": 1, "color": "white"}},
                       "hovertemplate": f"best α {cv.best_alpha:.4g}<br>CV MSE %{{y:.5g}}"
                                        f"<extra>{MODEL_LABELS[m]}</extra>"})
    return {"data": typed_arrays(traces), "layout": {
        "height": height, "font": {"size": FONT_SIZE}, "margin": {"l": 60, "r": 20, "t": 30,
                                                                   "b": 50},
        "xaxis": {"type": "log", "title": {"text": "α (log)"}},
        "yaxis": {"title": {"text": "validation MSE"}},
        "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": alpha, "x1": alpha,
                    "y0": 0, "y1": 1, "line": {"color": "#888888", "dash": "dash"}}],
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}}}


def poly_fit_figure(x: np.ndarray, y: np.ndarray, x_grid: np.ndarray,
                    curves: dict[str, np.ndarray], *, height: int = 360) -> dict[str, Any]:
    """The polynomial data and each model's fitted curve at the chosen α."""
    y = np.asarray(y, dtype=float).reshape(-1)
    traces = [{"type": "scatter", "mode": "markers", "x": np.asarray(x, dtype=float),
               "y": y, "name": "data", "marker": {"color": "#888888", "size": 8}}]
    for m, curve in curves.items():
        traces.append({"type": "scatter", "mode": "lines", "x": x_grid, "y": curve,
                       "name": MODEL_LABELS.get(m, m),
                       "line": {"color": MODEL_COLORS.get(m, "#333333"), "width": 3,
                                "dash": "dot" if m == "ols" else "solid"}})
    span = float(y.max() - y.min()) or 1.0
    return {"data": typed_arrays(traces), "layout": {
        "height": height, "font": {"size": FONT_SIZE},
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "xaxis": {"title": {"text": "x"}},
        "yaxis": {"title": {"text": "y"}, "range": [y.min() - 0.3 * span, y.max() + 0.3 * span]},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}}}


def _ellipse(center: np.ndarray, M: np.ndarray, c: float, n: int = 120) -> np.ndarray:
    evals, evecs = np.linalg.eigh(M)
    root_inv = evecs @ np.diag(1 / np.sqrt(np.maximum(evals, 1e-300))) @ evecs.T
    t = np.linspace(0, 2 * np.pi, n)
    return center[:, None] + np.sqrt(max(c, 0.0)) * (root_inv @ np.vstack([np.cos(t),
                                                                             np.sin(t)]))


def geometry_figure(
    w_ols: np.ndarray, M: np.ndarray, l1_path: np.ndarray, l2_path: np.ndarray,
    l1_point: np.ndarray, l2_point: np.ndarray, names: tuple[str, str], *, height: int = 430,
) -> dict[str, Any]:
    """Why L1 gives zeros: the loss ellipses around the unpenalized optimum ``w_ols`` meet the
    L1 diamond at a corner and the L2 circle at a smooth point.

    ``M`` is the quadratic form of the loss, ``L(w) = L* + (w − w_ols)ᵀ M (w − w_ols)``;
    ``l1_point``/``l2_point`` are the penalized optima at the current α, and the ``*_path``
    arrays (n_alphas, 2) are those optima for every α.
    """
    names = (safe(names[0]), safe(names[1]))
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"height": height, "font": {"size": FONT_SIZE},
                              "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
                              "showlegend": False, "annotations": []}
    r = float(np.abs(w_ols).max() * 1.35 + 1e-9)
    for p, (label, point, path, kind) in enumerate([
            ("L1: |w₁| + |w₂| ≤ t", l1_point, l1_path, "l1"),
            ("L2: w₁² + w₂² ≤ t²", l2_point, l2_path, "l2")]):
        ax = "" if p == 0 else "2"
        xa, ya = f"x{ax}", f"y{ax}"
        d = point - w_ols
        c_touch = float(d @ M @ d)
        for c in sorted({c_touch * f for f in (0.25, 1.0, 2.5, 5.0)} | {c_touch}):
            e = _ellipse(np.asarray(w_ols, float), M, c)
            traces.append({"type": "scatter", "mode": "lines", "x": e[0], "y": e[1],
                           "xaxis": xa, "yaxis": ya, "hoverinfo": "skip",
                           "line": {"color": "#4C78A8", "width": 2.5 if c == c_touch else 1,
                                    "dash": "solid" if c == c_touch else "dot"}})
        if kind == "l1":
            t = float(np.abs(point).sum())
            shape_x, shape_y = [t, 0, -t, 0, t], [0, t, 0, -t, 0]
        else:
            t = float(np.sqrt((point**2).sum()))
            ang = np.linspace(0, 2 * np.pi, 120)
            shape_x, shape_y = t * np.cos(ang), t * np.sin(ang)
        traces.append({"type": "scatter", "mode": "lines", "x": shape_x, "y": shape_y,
                       "xaxis": xa, "yaxis": ya, "fill": "toself",
                       "fillcolor": "rgba(228,87,86,0.18)" if kind == "l1"
                       else "rgba(84,162,75,0.18)",
                       "line": {"color": MODEL_COLORS["lasso" if kind == "l1" else "ridge"],
                                "width": 2}, "hoverinfo": "skip"})
        traces.append({"type": "scatter", "mode": "lines", "x": path[:, 0], "y": path[:, 1],
                       "xaxis": xa, "yaxis": ya, "line": {"color": "#888888", "width": 1.5},
                       "hoverinfo": "skip"})
        traces.append({"type": "scatter", "mode": "markers+text", "x": [w_ols[0]],
                       "y": [w_ols[1]], "xaxis": xa, "yaxis": ya, "text": ["least squares"],
                       "textposition": "top center", "textfont": {"color": "#4C78A8"},
                       "marker": {"symbol": "x", "size": 10, "color": "#4C78A8"},
                       "hovertemplate": "least squares (%{x:.3g}, %{y:.3g})<extra></extra>"})
        traces.append({"type": "scatter", "mode": "markers", "x": [point[0]], "y": [point[1]],
                       "xaxis": xa, "yaxis": ya,
                       "marker": {"size": 13, "color": MODEL_COLORS["lasso" if kind == "l1"
                                                                    else "ridge"],
                                  "line": {"width": 1.5, "color": "white"}},
                       "hovertemplate": "penalized optimum (%{x:.4g}, %{y:.4g})"
                                        "<extra></extra>"})
        dom = [0, 0.46] if p == 0 else [0.54, 1]
        layout[f"xaxis{ax}"] = {"domain": dom, "anchor": ya, "range": [-r, r],
                                "title": {"text": f"w[{names[0]}]"}, "zeroline": True,
                                "zerolinewidth": 1.5}
        layout[f"yaxis{ax}"] = {"domain": [0, 0.92], "anchor": xa, "range": [-r, r],
                                "title": {"text": f"w[{names[1]}]"}, "zeroline": True,
                                "zerolinewidth": 1.5, "scaleanchor": xa, "scaleratio": 1}
        layout["annotations"].append({
            "text": f"<b>{label}</b>", "x": dom[0], "y": 0.94, "xref": "paper",
            "yref": "paper", "xanchor": "left", "yanchor": "bottom", "showarrow": False})
    return {"data": typed_arrays(traces), "layout": layout}
