"""The gradient-descent animation, as a pure function returning a plain Plotly dict.

The animation is one figure whose panels share a single set of frames, so the fitted line,
the loss marker and the point on the loss surface always show the same epoch. The browser
plays the frames; the server is not involved per frame.

Payload rules, so that the chart stays under the 300 KB the README's performance table sets
as its goal (``tests/test_figures.py`` holds it to that, for 10,000 points and 5,000 epochs
alike): the scatter, the whole loss curve and the loss surface are sent once, as static
traces; a frame carries only what moves (a 2-point line, a 1-point marker, a short trail),
and at most ``max_frames`` epochs are sampled, denser where the loss falls fastest. Frames are
plain dicts, because building thousands of ``go.Frame`` objects is slow. The helpers the three
figure modules share are in :mod:`linreg_core.figures.common`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg_core.engine.analysis import ClosedForm, loss_levels
from linreg_core.engine.training import GDResult
from linreg_core.figures.common import (
    DATA,
    FIT,
    FONT_SIZE,
    LOSS,
    OPTIMUM,
    WEIGHT_COLORS,
    PrebuiltFigure,
    animation_controls,
    level_set_traces,
    padded_range,
    panel_title,
    rounded,
    rounded_list,
    safe,
    sample_frames,
    typed_arrays,
)

# PrebuiltFigure and sample_frames are re-exported: the pages, the tests and the benchmarks
# import them from here.
__all__ = ["PrebuiltFigure", "gd_animation_figure", "sample_frames"]

MAX_SCATTER_POINTS = 5000
MAX_ANIMATED_POINTS = 80
TRAIL_LENGTH = 12


def _arr(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _sample_rows(n: int, cap: int, seed: int = 0) -> np.ndarray:
    if n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=cap, replace=False))


# The panels' domains: the left one, and on the right the loss above the third panel.
LEFT = [0.0, 0.46]
RIGHT = [0.56, 1.0]
TOP = [0.58, 0.92]
BOTTOM = [0.0, 0.40]


def _titles(left: str, right_top: str, right_bottom: str) -> list[dict[str, Any]]:
    return [panel_title(left, 0.0, TOP[1] + 0.01), panel_title(right_top, 0.56, TOP[1] + 0.01),
            panel_title(right_bottom, 0.56, BOTTOM[1] + 0.01)]


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
        axis.update(type="log", range=padded_range(np.log10(max(lo, 1e-300)),
                                                   np.log10(max(hi, 1e-300)), 0.05))
    else:
        axis.update(range=padded_range(min(lo, 0.0), hi, 0.05))
    return [curve, marker], axis


@dataclass
class _Run:
    """What the panels draw of one run: its arrays and the epochs the frames show."""

    X: np.ndarray  # the features as trained on
    y: np.ndarray  # (n, 1): the first output, the one the page animates
    W: np.ndarray  # (states, D): the weights per recorded state
    b: np.ndarray  # (states,)
    loss: np.ndarray
    idx: np.ndarray  # the sampled epochs, one per frame
    start: int  # the position in ``idx`` shown before Play is pressed
    names: list[str]  # feature names, made safe for Plotly
    target_name: str

    @property
    def k0(self) -> int:
        """The epoch shown before Play is pressed."""
        return int(self.idx[self.start])


def _run(X: np.ndarray, y: np.ndarray, result: GDResult, feature_names: list[str] | None,
         target_name: str, max_frames: int, start_epoch: int | None) -> _Run:
    X = _arr(X)
    loss = np.asarray(result.loss, dtype=np.float64)
    idx = sample_frames(loss, max_frames)
    if start_epoch is not None:
        idx = np.unique(np.concatenate([idx, [min(max(int(start_epoch), 0), len(loss) - 1)]]))
    start = int(np.searchsorted(idx, len(loss) - 1 if start_epoch is None else
                                min(max(int(start_epoch), 0), len(loss) - 1)))
    names = [safe(n) for n in (feature_names or [f"x{j + 1}" for j in range(X.shape[1])])]
    return _Run(X=X, y=_arr(y).reshape(len(y), -1)[:, :1], W=result.weights[:, :, 0],
                b=result.bias[:, 0], loss=loss, idx=idx, start=start, names=names,
                target_name=safe(target_name))


def _base_layout(height: int, n_states: int) -> dict[str, Any]:
    """The layout's frame and the loss panel's axes (top right), which both cases share."""
    return {
        "height": height, "margin": {"l": 60, "r": 20, "t": 60, "b": 150},
        "font": {"size": FONT_SIZE}, "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "xaxis2": {"domain": RIGHT, "anchor": "y2", "title": {"text": "epoch"},
                   "range": padded_range(0, max(n_states - 1, 1), 0.02)},
        "yaxis2": {"domain": TOP, "anchor": "x2"},
    }


def _add_loss_panel(run: _Run, log_loss: bool, traces: list[dict[str, Any]],
                    layout: dict[str, Any]) -> int:
    """Append the loss curve and its marker; return the marker's trace index."""
    loss_traces, axis = _loss_panel(run.loss, run.idx[run.start:run.start + 1], log_loss,
                                    "x2", "y2")
    layout["yaxis2"].update(axis)
    traces += loss_traces
    return len(traces) - 1


# --- one feature: the data and the line, the loss, the loss surface over (w, b) ------------

def _data_and_line_traces(run: _Run, rows: np.ndarray, xr: np.ndarray,
                          optimum: ClosedForm | None) -> list[dict[str, Any]]:
    """The data (a sample of at most ``MAX_SCATTER_POINTS``), the least-squares line and
    the fitted line at the start epoch (the last trace)."""
    x, k0 = run.X[:, 0], run.k0
    traces = [{"type": "scattergl" if len(rows) > 1000 else "scatter", "mode": "markers",
               "x": x[rows], "y": run.y[rows, 0], "name": "data",
               "marker": {"color": DATA, "size": 7, "opacity": 0.7},
               "hovertemplate": "x %{x:.4g}<br>y %{y:.4g}<extra></extra>"}]
    if optimum is not None:
        wo, bo = float(optimum.weights[0, 0]), float(optimum.bias[0])
        traces.append({"type": "scatter", "mode": "lines", "x": xr, "y": wo * xr + bo,
                       "name": "least squares", "hoverinfo": "skip",
                       "line": {"color": OPTIMUM, "dash": "dash", "width": 2}})
    traces.append({"type": "scatter", "mode": "lines", "x": xr,
                   "y": run.W[k0, 0] * xr + run.b[k0],
                   "name": "gradient descent", "line": {"color": FIT, "width": 3},
                   "hoverinfo": "skip"})
    return traces


def _surface_box(run: _Run, optimum: ClosedForm | None) -> tuple[float, float, tuple, tuple]:
    """The optimum ``(wo, bo)`` and a box around it that holds the path (clipped if the path
    flies off): ``wo, bo, (w_lo, w_hi), (b_lo, b_hi)``."""
    W, b = run.W, run.b
    wo = float(optimum.weights[0, 0]) if optimum is not None else float(W[-1, 0])
    bo = float(optimum.bias[0]) if optimum is not None else float(b[-1])
    dw = max(np.abs(W[:, 0] - wo).max(), 0.5) * 1.15
    db = max(np.abs(b - bo).max(), 0.5) * 1.15
    scale = max(abs(wo), abs(bo), 1.0) * 4
    dw, db = min(dw, scale), min(db, scale)
    return wo, bo, (wo - dw, wo + dw), (bo - db, bo + db)


def _surface_traces(run: _Run, wo: float, bo: float, w_box: tuple,
                    b_box: tuple) -> list[dict[str, Any]]:
    """The loss surface's level sets, the sampled path, the optimum and the current (w, b)
    with its trail (the last trace)."""
    W, b, idx, start = run.W, run.b, run.idx, run.start
    traces = level_set_traces(loss_levels(run.X[:, 0], run.y[:, 0], w_box, b_box),
                              "x3", "y3", 0.35)
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
    trail = idx[max(0, start - TRAIL_LENGTH):start + 1]
    traces.append({"type": "scatter", "mode": "lines+markers", "xaxis": "x3", "yaxis": "y3",
                   "x": W[trail, 0], "y": b[trail],
                   "name": "(w, b)", "showlegend": False,
                   "line": {"color": FIT, "width": 2},
                   "marker": {"color": FIT, "size": [5] * min(start, TRAIL_LENGTH) + [13],
                              "line": {"width": 1, "color": "white"}},
                   "hovertemplate": "w %{x:.4g}<br>b %{y:.4g}<extra></extra>"})
    return traces


def _one_feature_frames(run: _Run, xr: np.ndarray,
                        animated: list[int]) -> list[dict[str, Any]]:
    """Per frame: the fitted line, the loss marker and the (w, b) trail."""
    idx = run.idx
    # Every frame's numbers rounded at once (per-frame rounding is most of the build).
    xr_r, loss_r = rounded_list(xr), rounded(run.loss)
    w_r, b_r = rounded(run.W[:, 0]), rounded(run.b)
    lines_r = rounded(run.W[idx, 0][:, None] * xr[None, :] + run.b[idx][:, None])

    def frame(k_pos: int) -> dict[str, Any]:
        k = int(idx[k_pos])
        trail = idx[max(0, k_pos - TRAIL_LENGTH):k_pos + 1]
        return {"name": str(k), "traces": animated, "data": [
            {"x": xr_r, "y": lines_r[k_pos].tolist()},
            {"x": [k], "y": loss_r[k:k + 1].tolist()},
            {"x": w_r[trail].tolist(), "y": b_r[trail].tolist(),
             "marker": {"size": [5] * (len(trail) - 1) + [13]}},
        ]}

    return [frame(p) for p in range(len(idx))]


def _one_feature(run: _Run, optimum: ClosedForm | None, log_loss: bool,
                 layout: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Traces and frames of a one-feature run; fills in ``layout``'s other axes."""
    x = run.X[:, 0]
    rows = _sample_rows(len(x), MAX_SCATTER_POINTS)
    xr = np.array([x.min(), x.max()])
    traces = _data_and_line_traces(run, rows, xr, optimum)
    line_trace = len(traces) - 1
    layout["xaxis"] = {"domain": LEFT, "anchor": "y",
                       "title": {"text": run.names[0]}, "range": padded_range(*xr)}
    layout["yaxis"] = {"domain": [0, TOP[1]], "anchor": "x", "title": {"text": run.target_name},
                       "range": padded_range(float(run.y.min()), float(run.y.max()))}
    marker_trace = _add_loss_panel(run, log_loss, traces, layout)
    wo, bo, w_box, b_box = _surface_box(run, optimum)
    traces += _surface_traces(run, wo, bo, w_box, b_box)
    point_trace = len(traces) - 1
    layout["xaxis3"] = {"domain": RIGHT, "anchor": "y3", "title": {"text": "w"},
                        "range": list(w_box), "showgrid": False}
    layout["yaxis3"] = {"domain": BOTTOM, "anchor": "x3", "title": {"text": "b"},
                        "range": list(b_box), "showgrid": False}
    shown = (f" (showing {len(rows):,} of {len(x):,} points)" if len(rows) < len(x)
             else "")
    layout["annotations"] = _titles("Data and fitted line" + shown, "Loss per epoch",
                                    "Loss surface over (w, b)")
    return traces, _one_feature_frames(run, xr, [line_trace, marker_trace, point_trace])


# --- several features: predicted against actual, the loss, each weight per epoch ------------

def _prediction_traces(run: _Run, rows: np.ndarray) -> list[dict[str, Any]]:
    """The perfect-fit diagonal and the sampled predictions at the start epoch (last)."""
    k0 = run.k0
    lo, hi = float(run.y.min()), float(run.y.max())
    return [{"type": "scatter", "mode": "lines", "x": [lo, hi], "y": [lo, hi],
             "name": "perfect fit", "line": {"color": OPTIMUM, "dash": "dash"},
             "hoverinfo": "skip"},
            {"type": "scatter", "mode": "markers", "x": run.y[rows, 0],
             "y": run.X[rows] @ run.W[k0] + run.b[k0],
             "name": "predicted vs actual", "marker": {"color": DATA, "size": 7},
             "hovertemplate": "actual %{x:.4g}<br>predicted %{y:.4g}<extra></extra>"}]


def _weight_traces(run: _Run, optimum: ClosedForm | None, show: int) -> list[dict[str, Any]]:
    """Each of the first ``show`` weights per epoch (dashed: its least-squares value) and
    their markers at the start epoch (the last trace)."""
    n_states, W, k0 = len(run.loss), run.W, run.k0
    epochs = np.arange(n_states)
    traces: list[dict[str, Any]] = []
    for j in range(show):
        color, name = WEIGHT_COLORS[j], run.names[j]
        traces.append({"type": "scatter", "mode": "lines", "x": epochs, "y": W[:, j],
                       "xaxis": "x3", "yaxis": "y3", "name": f"w[{name}]",
                       "line": {"color": color, "width": 2}, "legendgroup": "w",
                       "hovertemplate": f"{name}<br>epoch %{{x}}<br>w %{{y:.4g}}"
                                        "<extra></extra>"})
        if optimum is not None:
            traces.append({"type": "scatter", "mode": "lines", "xaxis": "x3", "yaxis": "y3",
                           "x": [0, n_states - 1], "y": [optimum.weights[j, 0]] * 2,
                           "line": {"color": color, "dash": "dash", "width": 1},
                           "showlegend": False, "hoverinfo": "skip"})
    traces.append({"type": "scatter", "mode": "markers", "xaxis": "x3", "yaxis": "y3",
                   "x": [k0] * show, "y": W[k0, :show], "showlegend": False,
                   "marker": {"color": WEIGHT_COLORS[:show], "size": 10,
                              "line": {"width": 1, "color": "white"}}, "hoverinfo": "skip"})
    return traces


def _many_features_frames(run: _Run, rows: np.ndarray, show: int,
                          animated: list[int]) -> list[dict[str, Any]]:
    """Per frame: the sampled predictions, the loss marker and the weights' markers."""
    idx = run.idx
    loss_r, w_r = rounded(run.loss), rounded(run.W[:, :show])
    pred_r = rounded(run.W[idx] @ run.X[rows].T + run.b[idx][:, None], 4)

    def frame(k_pos: int) -> dict[str, Any]:
        k = int(idx[k_pos])
        return {"name": str(k), "traces": animated, "data": [
            {"y": pred_r[k_pos].tolist()},
            {"x": [k], "y": loss_r[k:k + 1].tolist()},
            {"x": [k] * show, "y": w_r[k].tolist()},
        ]}

    return [frame(p) for p in range(len(idx))]


def _many_features(run: _Run, optimum: ClosedForm | None, log_loss: bool,
                   layout: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Traces and frames of a run with several features; fills in ``layout``'s other axes."""
    rows = _sample_rows(len(run.y), MAX_ANIMATED_POINTS)
    traces = _prediction_traces(run, rows)
    pred_trace = len(traces) - 1
    lo, hi = float(run.y.min()), float(run.y.max())
    layout["xaxis"] = {"domain": LEFT, "anchor": "y",
                       "title": {"text": f"actual {run.target_name}"},
                       "range": padded_range(lo, hi)}
    layout["yaxis"] = {"domain": [0, TOP[1]], "anchor": "x",
                       "title": {"text": f"predicted {run.target_name}"},
                       "range": padded_range(lo, hi)}
    marker_trace = _add_loss_panel(run, log_loss, traces, layout)
    show = min(run.X.shape[1], len(WEIGHT_COLORS))
    traces += _weight_traces(run, optimum, show)
    wmark_trace = len(traces) - 1
    wall = np.concatenate([run.W[:, :show].ravel(), optimum.weights[:show, 0]
                           if optimum is not None else []])
    layout["xaxis3"] = {"domain": RIGHT, "anchor": "y3", "title": {"text": "epoch"},
                        "range": padded_range(0, max(len(run.loss) - 1, 1), 0.02)}
    layout["yaxis3"] = {"domain": BOTTOM, "anchor": "x3", "title": {"text": "weight"},
                        "range": padded_range(float(wall.min()), float(wall.max()))}
    sampled = f" ({len(rows)} of {len(run.y)} points)" if len(rows) < len(run.y) else ""
    layout["annotations"] = _titles("Predicted vs actual" + sampled, "Loss per epoch",
                                    "Weights per epoch (dashed: least squares)")
    layout["showlegend"] = False
    frames = _many_features_frames(run, rows, show, [pred_trace, marker_trace, wmark_trace])
    return traces, frames


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
    run = _run(X, y, result, feature_names, target_name, max_frames, start_epoch)
    layout = _base_layout(height, len(run.loss))
    panels = _one_feature if run.X.shape[1] == 1 else _many_features
    traces, frames = panels(run, optimum, log_loss, layout)
    layout = typed_arrays(layout)  # before the controls: their hundreds of steps hold no arrays
    frame_names = [f["name"] for f in frames]
    layout.update(animation_controls(frame_names, frame_names, run.start))
    # Frames hold short plain lists already; only the static traces carry arrays.
    return {"data": typed_arrays(traces), "layout": layout, "frames": frames}
