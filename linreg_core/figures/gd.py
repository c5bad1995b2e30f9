"""Plotly figures as pure functions returning plain dicts (no UI import).

The gradient-descent animation is one figure whose panels share a single set of frames, so the
fitted line, the loss marker and the point on the loss surface always show the same epoch. The
browser plays the frames; the server is not involved per frame.

Payload rules (see DESIGN.md): the scatter, the whole loss curve and the loss surface are sent
once, as static traces; a frame carries only what moves (a 2-point line, a 1-point marker, a
short trail), and at most ``max_frames`` epochs are sampled, denser where the loss falls
fastest. Frames are plain dicts, because building thousands of ``go.Frame`` objects is slow.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import numpy as np
import plotly.graph_objects as go

from linreg_core.engine.analysis import ClosedForm, loss_levels
from linreg_core.engine.training import GDResult

# Colours readable on both Streamlit's light and dark backgrounds.
DATA = "#4C78A8"
FIT = "#E45756"
OPTIMUM = "#54A24B"
LOSS = "#F58518"
TRAIL = "#B279A2"
FONT_SIZE = 14
WEIGHT_COLORS = ["#4C78A8", "#F58518", "#E45756", "#72B7B2", "#54A24B",
                 "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D", "#BAB0AC"]
# Loss levels from high (outside, light) to low (inside, dark): YlGnBu.
SURFACE_COLORS = ["#ffffd9", "#edf8b1", "#c7e9b4", "#a5dbb8", "#7fcdbb", "#5dc2c1",
                  "#41b6c4", "#2fa3c2", "#1d91c0", "#2272b3", "#225ea8", "#253494"]
MAX_SCATTER_POINTS = 5000
MAX_ANIMATED_POINTS = 80
TRAIL_LENGTH = 12


def sample_frames(loss: np.ndarray, max_frames: int = 300) -> np.ndarray:
    """Epoch indices to animate: all of them if few, else at most ``max_frames``.

    Half of the frames are spread evenly over the epochs, half where ``log(loss)`` changes
    most, so the fast early descent is not a blur and a long tail is not a crawl.
    """
    n = len(loss)
    if n <= max_frames:
        return np.arange(n)
    finite = np.where(np.isfinite(loss) & (loss > 0), loss, np.nan)
    logl = np.log(np.where(np.isnan(finite), np.nanmax(finite), finite))
    change = np.abs(np.diff(logl))
    total = change.sum()
    progress = np.concatenate([[0.0], np.cumsum(change) / total]) if total > 0 else 0.0
    measure = 0.5 * np.linspace(0, 1, n) + 0.5 * (
        progress if total > 0 else np.linspace(0, 1, n))
    targets = np.linspace(0, measure[-1], max_frames)
    idx = np.searchsorted(measure, targets, side="left").clip(0, n - 1)
    return np.unique(np.concatenate([[0, n - 1], idx]))


def safe(text: Any) -> str:
    """User text (a column name) for a Plotly label: HTML-escaped, ``%`` and braces neutral.

    Plotly renders a subset of HTML in names and titles and reads ``%{…}`` in hover
    templates; entities are shown as the characters they stand for.
    """
    return (html.escape(str(text), quote=True).replace("%", "&#37;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def typed_arrays(obj: Any) -> Any:
    """Replace every NumPy array by Plotly's base64 typed array (``{"dtype", "bdata"}``).

    Floats go as float32 (plenty for a chart), integers as int32: a few bytes per number
    instead of ~18 characters of JSON text.
    """
    if isinstance(obj, np.ndarray):
        kind = "i4" if obj.dtype.kind in "iub" else "f4"
        data = np.ascontiguousarray(obj, dtype="<" + kind)
        out = {"dtype": kind, "bdata": base64.b64encode(data.tobytes()).decode("ascii")}
        if data.ndim > 1:
            out["shape"] = ",".join(str(d) for d in data.shape)
        return out
    if isinstance(obj, dict):
        return {k: typed_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list) and obj and isinstance(obj[0], dict | list | np.ndarray):
        return [typed_arrays(v) for v in obj]
    return obj


class PrebuiltFigure(go.Figure):
    """A figure dict handed to a renderer as is, skipping Plotly's per-object validation.

    Validating a figure with hundreds of frames costs 0.1–0.4 s per rerun; the builders here
    produce valid dicts (the tests validate them with ``go.Figure(**fig)``).
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        return self._spec

    def to_plotly_json(self) -> dict[str, Any]:
        return self._spec


def _arr(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _rounded(a: Any, digits: int = 6) -> np.ndarray:
    """``a`` rounded to ``digits`` significant digits, vectorized (same shape, float64).

    ``k / 10^e`` (or ``k · 10^e``) with an integer ``k`` is the double nearest to that
    decimal, so JSON prints it short. Non-finite numbers pass through unchanged.
    """
    v = np.asarray(a, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = digits - 1 - np.floor(np.log10(np.abs(v)))
        e = np.where(np.isfinite(e), e, 0.0)
        p = 10.0 ** np.abs(e)  # an exact power of ten to scale up by, or down by
        out = np.where(e >= 0, np.round(v * p) / p, np.round(v / p) * p)
    return np.where(np.isfinite(out), out, v)


def _round(a: Any, digits: int = 6) -> list:
    """Short JSON numbers for per-frame data (a frame's arrays are tiny, lists beat base64).
    For many frames, round all of them at once with :func:`_rounded` and slice."""
    return _rounded(a, digits).ravel().tolist()


def _sample_rows(n: int, cap: int, seed: int = 0) -> np.ndarray:
    if n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=cap, replace=False))


def _pad(lo: float, hi: float, frac: float = 0.08) -> list[float]:
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return [lo - frac * span, hi + frac * span]


TOP = [0.58, 0.92]
BOTTOM = [0.0, 0.40]


def _titles(left: str, right_top: str, right_bottom: str) -> list[dict[str, Any]]:
    def title(text: str, x: float, y: float) -> dict[str, Any]:
        return {"text": f"<b>{text}</b>", "x": x, "y": y, "xref": "paper", "yref": "paper",
                "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                "font": {"size": FONT_SIZE + 1}}

    return [title(left, 0.0, TOP[1] + 0.01), title(right_top, 0.56, TOP[1] + 0.01),
            title(right_bottom, 0.56, BOTTOM[1] + 0.01)]


def _controls(frame_names: list[str], labels: list[str], start: int) -> dict[str, Any]:
    """Play (at several speeds), Pause and a scrub slider, all played by the browser."""

    def play(ms: int, label: str) -> dict[str, Any]:
        return {"label": label, "method": "animate", "args": [None, {
            "frame": {"duration": ms, "redraw": False}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}]}

    buttons = [play(40, "▶ Play"),
               {"label": "❚❚ Pause", "method": "animate",
                "args": [[None], {"frame": {"duration": 0, "redraw": False},
                                  "mode": "immediate", "transition": {"duration": 0}}]},
               play(160, "Slow ×¼"), play(10, "Fast ×4")]
    steps = [{"label": lab, "method": "animate",
              "args": [[name], {"frame": {"duration": 0, "redraw": False},
                                "mode": "immediate", "transition": {"duration": 0}}]}
             for name, lab in zip(frame_names, labels, strict=True)]
    return {
        "updatemenus": [{"type": "buttons", "direction": "left", "showactive": False,
                         "x": 0.0, "xanchor": "left", "y": -0.16, "yanchor": "top",
                         "pad": {"t": 0, "r": 10}, "buttons": buttons,
                         "font": {"size": FONT_SIZE}}],
        "sliders": [{"active": start, "steps": steps, "x": 0.42, "len": 0.58,
                     "y": -0.13, "yanchor": "top", "pad": {"t": 0, "b": 0},
                     "currentvalue": {"prefix": "Epoch ", "font": {"size": FONT_SIZE + 2},
                                      "xanchor": "right", "offset": 6},
                     "transition": {"duration": 0}, "font": {"size": 11}}],
    }


def _loss_panel(loss: np.ndarray, frames_idx: np.ndarray, log_loss: bool,
                xa: str, ya: str) -> tuple[list[dict], dict[str, Any]]:
    epochs = np.arange(len(loss))
    finite = np.isfinite(loss)
    curve = {"type": "scatter", "mode": "lines", "x": epochs[finite], "y": loss[finite],
             "name": "loss (MSE)", "line": {"color": LOSS, "width": 2}, "xaxis": xa, "yaxis": ya,
             "hovertemplate": "epoch %{x}<br>loss %{y:.6g}<extra></extra>"}
    k0 = int(frames_idx[0])
    marker = {"type": "scatter", "mode": "markers", "x": [k0], "y": [float(loss[k0])],
              "name": "current epoch", "showlegend": False, "xaxis": xa, "yaxis": ya,
              "marker": {"color": FIT, "size": 12, "line": {"width": 2, "color": "white"}},
              "hovertemplate": "epoch %{x}<br>loss %{y:.6g}<extra></extra>"}
    good = loss[finite & (loss > 0)] if log_loss else loss[finite]
    lo, hi = (float(good.min()), float(good.max())) if good.size else (0.0, 1.0)
    axis: dict[str, Any] = {"title": {"text": "loss" + (" (log)" if log_loss else "")}}
    if log_loss:
        axis.update(type="log", range=_pad(np.log10(max(lo, 1e-300)), np.log10(max(hi, 1e-300)),
                                           0.05))
    else:
        axis.update(range=_pad(min(lo, 0.0), hi, 0.05))
    return [curve, marker], axis


def gd_animation_figure(
    X: np.ndarray,
    y: np.ndarray,
    result: GDResult,
    optimum: ClosedForm | None = None,
    *,
    feature_names: list[str] | None = None,
    target_name: str = "y",
    log_loss: bool = False,
    max_frames: int = 300,
    start_epoch: int | None = None,
    height: int = 640,
) -> dict[str, Any]:
    """The synchronized animation of one run, as a plain Plotly figure dict.

    One feature: the data with the fitted line (and the least-squares line), the loss curve
    with a marker at the current epoch, and the loss surface over ``(w, b)`` with the path and
    the current point. Several features: predicted against actual (a sample of at most
    ``MAX_ANIMATED_POINTS`` points moves), the loss curve, and each weight per epoch beside its
    least-squares value. ``start_epoch`` is the epoch shown before Play is pressed (default: the
    last one).
    """
    X = _arr(X)
    y2 = _arr(y).reshape(len(y), -1)[:, :1]  # the page animates the first output
    W = result.weights[:, :, 0]
    b = result.bias[:, 0]
    loss = np.asarray(result.loss, dtype=np.float64)
    idx = sample_frames(loss, max_frames)
    if start_epoch is not None:
        idx = np.unique(np.concatenate([idx, [min(max(int(start_epoch), 0), len(loss) - 1)]]))
    start = int(np.searchsorted(idx, len(loss) - 1 if start_epoch is None else
                                min(max(int(start_epoch), 0), len(loss) - 1)))
    names = [safe(n) for n in (feature_names or [f"x{j + 1}" for j in range(X.shape[1])])]
    target_name = safe(target_name)
    one = X.shape[1] == 1
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": height, "margin": {"l": 60, "r": 20, "t": 60, "b": 150},
        "font": {"size": FONT_SIZE}, "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
    }
    left, right = [0.0, 0.46], [0.56, 1.0]
    layout["xaxis2"] = {"domain": right, "anchor": "y2", "title": {"text": "epoch"},
                        "range": _pad(0, max(len(loss) - 1, 1), 0.02)}
    layout["yaxis2"] = {"domain": TOP, "anchor": "x2"}
    k0 = int(idx[start])

    if one:
        x = X[:, 0]
        rows = _sample_rows(len(x), MAX_SCATTER_POINTS)
        traces.append({"type": "scattergl" if len(rows) > 1000 else "scatter", "mode": "markers",
                       "x": x[rows], "y": y2[rows, 0], "name": "data",
                       "marker": {"color": DATA, "size": 7, "opacity": 0.7},
                       "hovertemplate": "x %{x:.4g}<br>y %{y:.4g}<extra></extra>"})
        xr = np.array([x.min(), x.max()])
        if optimum is not None:
            wo, bo = float(optimum.weights[0, 0]), float(optimum.bias[0])
            traces.append({"type": "scatter", "mode": "lines", "x": xr, "y": wo * xr + bo,
                           "name": "least squares", "hoverinfo": "skip",
                           "line": {"color": OPTIMUM, "dash": "dash", "width": 2}})
        traces.append({"type": "scatter", "mode": "lines", "x": xr, "y": W[k0, 0] * xr + b[k0],
                       "name": "gradient descent", "line": {"color": FIT, "width": 3},
                       "hoverinfo": "skip"})
        line_trace = len(traces) - 1
        layout["xaxis"] = {"domain": left, "anchor": "y",
                           "title": {"text": names[0]}, "range": _pad(*xr)}
        layout["yaxis"] = {"domain": [0, TOP[1]], "anchor": "x", "title": {"text": target_name},
                           "range": _pad(float(y2.min()), float(y2.max()))}
        loss_traces, layout["yaxis2"]["title"] = None, None
        loss_traces, axis = _loss_panel(loss, idx[start:start + 1], log_loss, "x2", "y2")
        layout["yaxis2"].update(axis)
        traces += loss_traces
        marker_trace = len(traces) - 1
        # The loss surface: a box around the optimum that holds the path (clipped if it flies off).
        wo = float(optimum.weights[0, 0]) if optimum is not None else float(W[-1, 0])
        bo = float(optimum.bias[0]) if optimum is not None else float(b[-1])
        dw = max(np.abs(W[:, 0] - wo).max(), 0.5) * 1.15
        db = max(np.abs(b - bo).max(), 0.5) * 1.15
        scale = max(abs(wo), abs(bo), 1.0) * 4
        dw, db = min(dw, scale), min(db, scale)
        w_box, b_box = (wo - dw, wo + dw), (bo - db, bo + db)
        levels = loss_levels(x, y2[:, 0], w_box, b_box)
        for i, (level, w_pts, b_pts) in enumerate(levels):
            traces.append({"type": "scatter", "mode": "lines", "x": w_pts, "y": b_pts,
                           "xaxis": "x3", "yaxis": "y3", "fill": "toself",
                           "fillcolor": SURFACE_COLORS[i % len(SURFACE_COLORS)],
                           "line": {"color": "rgba(40,40,40,0.35)", "width": 0.8},
                           "name": f"loss {level:.3g}", "showlegend": False,
                           "hovertemplate": f"loss = {level:.4g}<extra></extra>"})
        traces.append({"type": "scatter", "mode": "lines", "x": W[idx, 0], "y": b[idx],
                       "xaxis": "x3", "yaxis": "y3", "name": "path",
                       "line": {"color": FIT, "width": 1.5, "dash": "dot"}, "opacity": 0.7,
                       "hoverinfo": "skip", "showlegend": False})
        traces.append({"type": "scatter", "mode": "markers", "x": [wo], "y": [bo],
                       "xaxis": "x3", "yaxis": "y3", "name": "optimum", "showlegend": False,
                       "marker": {"symbol": "star", "size": 16, "color": OPTIMUM,
                                  "line": {"width": 1, "color": "white"}},
                       "hovertemplate": "least squares<br>w %{x:.4g}<br>b %{y:.4g}"
                                        "<extra></extra>"})
        traces.append({"type": "scatter", "mode": "lines+markers", "xaxis": "x3", "yaxis": "y3",
                       "x": W[idx[max(0, start - TRAIL_LENGTH):start + 1], 0],
                       "y": b[idx[max(0, start - TRAIL_LENGTH):start + 1]],
                       "name": "(w, b)", "showlegend": False,
                       "line": {"color": FIT, "width": 2},
                       "marker": {"color": FIT, "size": [5] * min(start, TRAIL_LENGTH) + [13],
                                  "line": {"width": 1, "color": "white"}},
                       "hovertemplate": "w %{x:.4g}<br>b %{y:.4g}<extra></extra>"})
        point_trace = len(traces) - 1
        layout["xaxis3"] = {"domain": right, "anchor": "y3", "title": {"text": "w"},
                            "range": list(w_box), "showgrid": False}
        layout["yaxis3"] = {"domain": BOTTOM, "anchor": "x3", "title": {"text": "b"},
                            "range": list(b_box), "showgrid": False}
        shown = (f" (showing {len(rows):,} of {len(x):,} points)" if len(rows) < len(x)
                 else "")
        layout["annotations"] = _titles("Data and fitted line" + shown, "Loss per epoch",
                                        "Loss surface over (w, b)")

        # Every frame's numbers rounded at once (per-frame rounding is most of the build).
        xr_r, loss_r = _round(xr), _rounded(loss)
        w_r, b_r = _rounded(W[:, 0]), _rounded(b)
        lines_r = _rounded(W[idx, 0][:, None] * xr[None, :] + b[idx][:, None])

        def frame(k_pos: int) -> dict[str, Any]:
            k = int(idx[k_pos])
            trail = idx[max(0, k_pos - TRAIL_LENGTH):k_pos + 1]
            return {"name": str(k), "traces": [line_trace, marker_trace, point_trace], "data": [
                {"x": xr_r, "y": lines_r[k_pos].tolist()},
                {"x": [k], "y": loss_r[k:k + 1].tolist()},
                {"x": w_r[trail].tolist(), "y": b_r[trail].tolist(),
                 "marker": {"size": [5] * (len(trail) - 1) + [13]}},
            ]}
    else:
        rows = _sample_rows(len(y2), MAX_ANIMATED_POINTS)
        pred0 = X[rows] @ W[k0] + b[k0]
        lo, hi = float(y2.min()), float(y2.max())
        traces.append({"type": "scatter", "mode": "lines", "x": [lo, hi], "y": [lo, hi],
                       "name": "perfect fit", "line": {"color": OPTIMUM, "dash": "dash"},
                       "hoverinfo": "skip"})
        traces.append({"type": "scatter", "mode": "markers", "x": y2[rows, 0], "y": pred0,
                       "name": "predicted vs actual", "marker": {"color": DATA, "size": 7},
                       "hovertemplate": "actual %{x:.4g}<br>predicted %{y:.4g}<extra></extra>"})
        pred_trace = len(traces) - 1
        layout["xaxis"] = {"domain": left, "anchor": "y",
                           "title": {"text": f"actual {target_name}"}, "range": _pad(lo, hi)}
        layout["yaxis"] = {"domain": [0, TOP[1]], "anchor": "x",
                           "title": {"text": f"predicted {target_name}"}, "range": _pad(lo, hi)}
        loss_traces, axis = _loss_panel(loss, idx[start:start + 1], log_loss, "x2", "y2")
        layout["yaxis2"].update(axis)
        traces += loss_traces
        marker_trace = len(traces) - 1
        epochs = np.arange(len(loss))
        show = min(X.shape[1], len(WEIGHT_COLORS))
        for j in range(show):
            color = WEIGHT_COLORS[j]
            traces.append({"type": "scatter", "mode": "lines", "x": epochs, "y": W[:, j],
                           "xaxis": "x3", "yaxis": "y3", "name": f"w[{names[j]}]",
                           "line": {"color": color, "width": 2}, "legendgroup": "w",
                           "hovertemplate": f"{names[j]}<br>epoch %{{x}}<br>w %{{y:.4g}}"
                                            "<extra></extra>"})
            if optimum is not None:
                traces.append({"type": "scatter", "mode": "lines", "xaxis": "x3", "yaxis": "y3",
                               "x": [0, len(loss) - 1], "y": [optimum.weights[j, 0]] * 2,
                               "line": {"color": color, "dash": "dash", "width": 1},
                               "showlegend": False, "hoverinfo": "skip"})
        traces.append({"type": "scatter", "mode": "markers", "xaxis": "x3", "yaxis": "y3",
                       "x": [k0] * show, "y": W[k0, :show], "showlegend": False,
                       "marker": {"color": WEIGHT_COLORS[:show], "size": 10,
                                  "line": {"width": 1, "color": "white"}}, "hoverinfo": "skip"})
        wmark_trace = len(traces) - 1
        wall = np.concatenate([W[:, :show].ravel(), optimum.weights[:show, 0]
                               if optimum is not None else []])
        layout["xaxis3"] = {"domain": right, "anchor": "y3", "title": {"text": "epoch"},
                            "range": _pad(0, max(len(loss) - 1, 1), 0.02)}
        layout["yaxis3"] = {"domain": BOTTOM, "anchor": "x3", "title": {"text": "weight"},
                            "range": _pad(float(wall.min()), float(wall.max()))}
        sampled = f" ({len(rows)} of {len(y2)} points)" if len(rows) < len(y2) else ""
        layout["annotations"] = _titles("Predicted vs actual" + sampled, "Loss per epoch",
                                        "Weights per epoch (dashed: least squares)")
        layout["showlegend"] = False

        loss_r, w_r = _rounded(loss), _rounded(W[:, :show])
        pred_r = _rounded(W[idx] @ X[rows].T + b[idx][:, None], 4)

        def frame(k_pos: int) -> dict[str, Any]:
            k = int(idx[k_pos])
            return {"name": str(k), "traces": [pred_trace, marker_trace, wmark_trace], "data": [
                {"y": pred_r[k_pos].tolist()},
                {"x": [k], "y": loss_r[k:k + 1].tolist()},
                {"x": [k] * show, "y": w_r[k].tolist()},
            ]}

    frames = [frame(p) for p in range(len(idx))]
    layout = typed_arrays(layout)  # before the controls: their hundreds of steps hold no arrays
    layout.update(_controls([f["name"] for f in frames], [f["name"] for f in frames], start))
    # Frames hold short plain lists already; only the static traces carry arrays.
    return {"data": typed_arrays(traces), "layout": layout, "frames": frames}
