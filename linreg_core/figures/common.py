"""What every figure module shares: colours, frame sampling, payload encoding and the
browser-side animation controls.

Figures are plain Plotly dicts. A static trace's arrays go out as base64 typed arrays
(:func:`typed_arrays`); a frame's few numbers go out as short rounded lists
(:func:`rounded_list`), because frames are many and each is tiny.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import numpy as np
import plotly.graph_objects as go

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


def level_set_traces(levels: Any, xaxis: str, yaxis: str,
                     edge_alpha: float) -> list[dict[str, Any]]:
    """Filled level sets of the loss over (w, b) (``loss_levels``' output) on one subplot:
    the static background an animated path is drawn over."""
    return [{"type": "scatter", "mode": "lines", "x": w_pts, "y": b_pts,
             "xaxis": xaxis, "yaxis": yaxis, "fill": "toself",
             "fillcolor": SURFACE_COLORS[i % len(SURFACE_COLORS)],
             "line": {"color": f"rgba(40,40,40,{edge_alpha})", "width": 0.8},
             "name": f"loss {level:.3g}", "showlegend": False,
             "hovertemplate": f"loss = {level:.4g}<extra></extra>"}
            for i, (level, w_pts, b_pts) in enumerate(levels)]


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


def rounded(a: Any, digits: int = 6) -> np.ndarray:
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


def rounded_list(a: Any, digits: int = 6) -> list:
    """Short JSON numbers for per-frame data (a frame's arrays are tiny, lists beat base64).
    For many frames, round all of them at once with :func:`rounded` and slice."""
    return rounded(a, digits).ravel().tolist()


def padded_range(lo: float, hi: float, frac: float = 0.08) -> list[float]:
    """An axis range ``[lo, hi]`` widened by ``frac`` of its span on each side (a span of
    zero counts as ``max(|hi|, 1)``)."""
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return [lo - frac * span, hi + frac * span]


def panel_title(text: str, x: float, y: float) -> dict[str, Any]:
    """A bold panel title: an annotation whose bottom left corner is at paper ``(x, y)``."""
    return {"text": f"<b>{text}</b>", "x": x, "y": y, "xref": "paper", "yref": "paper",
            "xanchor": "left", "yanchor": "bottom", "showarrow": False,
            "font": {"size": FONT_SIZE + 1}}


def play_button(ms: int, label: str) -> dict[str, Any]:
    """A button that plays the frames from the current one, ``ms`` milliseconds apiece."""
    return {"label": label, "method": "animate", "args": [None, {
        "frame": {"duration": ms, "redraw": False}, "fromcurrent": True,
        "transition": {"duration": 0}, "mode": "immediate"}]}


def pause_button() -> dict[str, Any]:
    return {"label": "❚❚ Pause", "method": "animate",
            "args": [[None], {"frame": {"duration": 0, "redraw": False},
                              "mode": "immediate", "transition": {"duration": 0}}]}


def frame_step(name: str, label: str) -> dict[str, Any]:
    """A slider step that jumps to the frame ``name``."""
    return {"label": label, "method": "animate",
            "args": [[name], {"frame": {"duration": 0, "redraw": False},
                              "mode": "immediate", "transition": {"duration": 0}}]}


def animation_controls(frame_names: list[str], labels: list[str],
                       start: int) -> dict[str, Any]:
    """Play (at several speeds), Pause and a scrub slider, all played by the browser:
    the layout's ``updatemenus`` and ``sliders``, the slider at position ``start``."""
    buttons = [play_button(40, "▶ Play"), pause_button(),
               play_button(160, "Slow ×¼"), play_button(10, "Fast ×4")]
    steps = [frame_step(name, label) for name, label in zip(frame_names, labels, strict=True)]
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
