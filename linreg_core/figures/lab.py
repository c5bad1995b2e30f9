"""Figures of the learning-rate lab, as pure functions returning plain Plotly dicts.

``sweep_figure``: the final loss against the learning rate (log–log, the 2/λmax bound drawn,
diverged rates marked) beside every model's loss curve coloured by its learning rate.
``race_figure``: three optimizers' (w, b) paths on the one-feature loss surface, animated in
the browser (frames carry only the three current points with short trails and the three loss
markers), beside their loss curves.

Payload rules as in :mod:`linreg_core.figures.gd`: static traces as typed arrays, frames as short
plain lists, at most ~300 frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg_core.engine.analysis import closed_form, loss_levels
from linreg_core.engine.lab import RaceHistory, SweepResult
from linreg_core.figures.common import (
    FONT_SIZE,
    OPTIMUM,
    animation_controls,
    level_set_traces,
    padded_range,
    panel_title,
    rounded_list,
    safe,
    sample_frames,
    typed_arrays,
)

# Plasma without its palest yellow end: readable on light and dark backgrounds.
LR_COLORSCALE = [[0.0, "#0d0887"], [0.14, "#5302a3"], [0.28, "#8b0aa5"], [0.42, "#b83289"],
                 [0.57, "#db5c68"], [0.71, "#f48849"], [0.85, "#febd2a"], [1.0, "#f0f921"]]
LR_COLOR_SPAN = (0.05, 0.85)  # the part of the scale used for learning rates
DIVERGED = "#d62728"
BOUND = "#8c8c8c"  # mid-grey: visible on light and dark themes
RACE_COLORS = {"manual": "#E45756", "sgd": "#9467BD", "adam": "#F58518"}
RACE_LABELS = {"manual": "Plain GD (the notes' step)", "sgd": "SGD, momentum 0.9",
               "adam": "Adam"}
MAX_CURVE_POINTS = 300
RACE_TRAIL = 10


def _hex(c: str) -> np.ndarray:
    return np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def lr_color(t: float) -> str:
    """The colour at ``t`` ∈ [0, 1] of the learning-rate scale (linear in RGB between stops)."""
    t = min(max(float(t), 0.0), 1.0)
    u = LR_COLOR_SPAN[0] + t * (LR_COLOR_SPAN[1] - LR_COLOR_SPAN[0])
    stops = [s for s, _ in LR_COLORSCALE]
    j = min(int(np.searchsorted(stops, u, side="right")) - 1, len(stops) - 2)
    f = (u - stops[j]) / (stops[j + 1] - stops[j])
    rgb = (1 - f) * _hex(LR_COLORSCALE[j][1]) + f * _hex(LR_COLORSCALE[j + 1][1])
    return "#" + "".join(f"{round(v):02x}" for v in rgb)


def _colorbar_scale() -> list[list]:
    """The part of ``LR_COLORSCALE`` the learning rates use, restretched to [0, 1]."""
    return [[i / 8, lr_color(i / 8)] for i in range(9)]


def _fmt_lr(v: float) -> str:
    return f"{v:.3g}"


def _lr_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Colorbar ticks (in log10 η): the decades inside [lo, hi], or lo, middle, hi."""
    a, b = math.log10(lo), math.log10(hi)
    decades = [float(e) for e in range(math.ceil(a - 1e-9), math.floor(b + 1e-9) + 1)]
    vals = decades if len(decades) >= 2 else [a, (a + b) / 2, b]
    return vals, [_fmt_lr(10**v) for v in vals]


def _curve_epochs(n_states: int) -> np.ndarray:
    """Epochs drawn on the loss curves: all if few, else dense early (log) and even later."""
    if n_states <= MAX_CURVE_POINTS:
        return np.arange(n_states)
    last = n_states - 1
    even = np.linspace(0, last, MAX_CURVE_POINTS * 2 // 3)
    early = np.geomspace(1, last, MAX_CURVE_POINTS // 3)
    return np.unique(np.concatenate([[0, last], even.round(), early.round()]).astype(int))


def _log_ticks(axis_range: list[float]) -> dict[str, Any]:
    """Fewer labels on a log axis: decades only if it spans two or more, else 1, 2, 5."""
    span = axis_range[1] - axis_range[0]
    if span >= 2:
        return {"dtick": 2 if span > 8 else 1}
    return {"dtick": "D2"} if span >= 0.7 else {}


def _none_if_bad(v: float) -> float | None:
    return float(f"{v:.6g}") if math.isfinite(v) else None


@dataclass
class _SweepView:
    """A sweep's arrays and the numbers both of its panels use."""

    sweep: SweepResult
    lrs: np.ndarray
    loss: np.ndarray  # (models, states)
    final: np.ndarray
    diverged: np.ndarray  # bool, per model
    bound: float  # 2/λmax, the stability bound of plain gradient descent
    log_lo: float  # log10 of the smallest and the largest rate
    log_hi: float
    colors: list[str]  # each model's colour, by its log η
    start_loss: float  # the initial loss (the largest one, should the models start apart)

    @property
    def span(self) -> float:
        return self.log_hi - self.log_lo

    @property
    def has_bound(self) -> bool:
        return math.isfinite(self.bound) and self.bound > 0


def _sweep_view(sweep: SweepResult) -> _SweepView:
    lrs = np.asarray(sweep.lrs, dtype=np.float64)
    loss = np.asarray(sweep.loss, dtype=np.float64)
    log_lo, log_hi = math.log10(float(lrs.min())), math.log10(float(lrs.max()))
    span = log_hi - log_lo

    def t_of(lr: float) -> float:
        return (math.log10(lr) - log_lo) / span if span > 0 else 0.5

    return _SweepView(
        sweep=sweep, lrs=lrs, loss=loss,
        final=np.asarray(sweep.final_loss, dtype=np.float64),
        diverged=np.asarray(sweep.diverged_epoch) >= 0, bound=float(sweep.stable_lr),
        log_lo=log_lo, log_hi=log_hi, colors=[lr_color(t_of(v)) for v in lrs],
        start_loss=float(np.nanmax(loss[:, 0])) if np.isfinite(loss[:, 0]).any() else 1.0)


def _final_loss_ranges(v: _SweepView,
                       optimum_loss: float | None) -> tuple[list[float], list[float]]:
    """The left panel's log ranges: x a little beyond the rates and the bound, y over the
    finite final losses and the reference lines."""
    x_lo = min(v.log_lo, math.log10(v.bound)) if v.has_bound else v.log_lo
    x_hi = max(v.log_hi, math.log10(v.bound)) if v.has_bound else v.log_hi
    x_range = padded_range(x_lo, x_hi, 0.06)
    ok = np.isfinite(v.final) & (v.final > 0)
    refs = [v.start_loss] + ([optimum_loss] if optimum_loss and optimum_loss > 0 else [])
    pool = np.concatenate([v.final[ok], [r for r in refs if r > 0]])
    y_lo, y_hi = math.log10(float(pool.min())), math.log10(float(pool.max()))
    if y_hi - y_lo < 0.5:
        y_lo, y_hi = y_lo - 0.25, y_hi + 0.25
    return x_range, padded_range(y_lo, y_hi, 0.12)


def _bound_traces(v: _SweepView, x_range: list[float],
                  y_range: list[float]) -> list[dict[str, Any]]:
    """The region above the bound 2/λmax shaded, and the bound as a dashed vertical line."""
    if not v.has_bound:
        return []
    bound, bottom = v.bound, 10 ** y_range[0]
    traces: list[dict[str, Any]] = []
    right_edge = 10 ** x_range[1]
    if bound < right_edge:
        traces.append({"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y",
                       "x": np.array([bound, right_edge, right_edge, bound, bound]),
                       "y": np.array([bottom, bottom, 10 ** y_range[1],
                                      10 ** y_range[1], bottom]),
                       "fill": "toself", "fillcolor": "rgba(214,39,40,0.07)",
                       "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False,
                       "name": "plain GD diverges"})
    traces.append({"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y",
                   "x": np.array([bound, bound]), "y": np.array([bottom, 10 ** y_range[1]]),
                   "name": "2/λmax", "line": {"color": BOUND, "width": 2, "dash": "dash"},
                   "hovertemplate": f"2/λmax = {bound:.4g}<extra></extra>"})
    return traces


def _reference_traces(v: _SweepView, x_range: list[float],
                      optimum_loss: float | None) -> list[dict[str, Any]]:
    """The initial loss (and the least-squares loss, if given) as horizontal lines."""
    start = v.start_loss
    traces = [{"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y",
               "x": np.array([10 ** x_range[0], 10 ** x_range[1]]),
               "y": np.array([start, start]), "name": "initial loss",
               "line": {"color": "#999999", "width": 1, "dash": "dot"},
               "hovertemplate": f"initial loss {start:.4g}<extra></extra>"}]
    if optimum_loss is not None and optimum_loss > 0:
        traces.append({"type": "scatter", "mode": "lines", "xaxis": "x", "yaxis": "y",
                       "x": np.array([10 ** x_range[0], 10 ** x_range[1]]),
                       "y": np.array([optimum_loss, optimum_loss]), "name": "least squares",
                       "line": {"color": OPTIMUM, "width": 1.5, "dash": "dash"},
                       "hovertemplate": f"least-squares loss {optimum_loss:.4g}<extra></extra>"})
    return traces


def _final_loss_traces(v: _SweepView, y_range: list[float]) -> list[dict[str, Any]]:
    """The final loss of each rate that did not diverge, and a red ✕ at the top of the axis
    for each one that did (hover: the epoch)."""
    ok = np.isfinite(v.final) & (v.final > 0)
    traces = [{"type": "scatter", "mode": "lines+markers", "xaxis": "x", "yaxis": "y",
               "x": v.lrs[ok], "y": v.final[ok], "name": "final loss",
               "line": {"color": "#888888", "width": 1},
               "marker": {"color": [c for c, keep in zip(v.colors, ok, strict=True) if keep],
                          "size": 9, "line": {"width": 1, "color": "white"}},
               "hovertemplate": "η = %{x:.4g}<br>final loss %{y:.5g}<extra></extra>"}]
    div = v.diverged
    if div.any():
        top = 10 ** (y_range[1] - 0.04 * (y_range[1] - y_range[0]))
        epochs_div = [int(e) for e in np.asarray(v.sweep.diverged_epoch)[div]]
        traces.append({"type": "scatter", "mode": "markers", "xaxis": "x", "yaxis": "y",
                       "x": v.lrs[div], "y": np.full(int(div.sum()), top), "name": "diverged",
                       "customdata": epochs_div, "cliponaxis": False,
                       "marker": {"symbol": "x", "color": DIVERGED, "size": 11,
                                  "line": {"width": 1, "color": DIVERGED}},
                       "hovertemplate": "η = %{x:.4g}<br>diverged at epoch %{customdata}"
                                        "<extra></extra>"})
    return traces


def _curve_traces(v: _SweepView, log_loss: bool) -> list[dict[str, Any]]:
    """One marker-less loss curve per model, coloured by log η."""
    idx = _curve_epochs(v.loss.shape[1])
    sub = v.loss[:, idx]
    traces: list[dict[str, Any]] = []
    for k in range(len(v.lrs)):
        keep = np.isfinite(sub[k]) & ((sub[k] > 0) if log_loss else True)
        name = f"η = {_fmt_lr(v.lrs[k])}" + (f" (diverged at {v.sweep.diverged_epoch[k]})"
                                              if v.diverged[k] else "")
        traces.append({"type": "scatter", "mode": "lines", "xaxis": "x2", "yaxis": "y2",
                       "x": idx[keep], "y": sub[k, keep], "name": name, "showlegend": False,
                       "line": {"color": v.colors[k], "width": 1.6},
                       "hovertemplate": f"{name}<br>epoch %{{x}}<br>loss %{{y:.5g}}"
                                        "<extra></extra>"})
    return traces


def _colorbar_trace(v: _SweepView) -> dict[str, Any]:
    """An invisible trace that carries the colorbar of η."""
    log_lo, span = v.log_lo, v.span
    lo_lr, hi_lr = float(v.lrs.min()), float(v.lrs.max())
    ticks, labels = _lr_ticks(lo_lr, hi_lr) if span > 0 else ([log_lo], [_fmt_lr(lo_lr)])
    return {"type": "scatter", "mode": "markers", "xaxis": "x2", "yaxis": "y2",
            "x": [None], "y": [None], "showlegend": False, "hoverinfo": "skip",
            "name": "η scale",
            "marker": {"color": [log_lo], "cmin": log_lo,
                       "cmax": v.log_hi if span > 0 else log_lo + 1,
                       "colorscale": _colorbar_scale(), "showscale": True, "size": 0,
                       "colorbar": {"title": {"text": "η", "side": "top"},
                                    "tickvals": ticks, "ticktext": labels,
                                    "x": 0.935, "xanchor": "left", "y": 0.0,
                                    "yanchor": "bottom", "len": 0.92,
                                    "thickness": 14, "outlinewidth": 0}}}


def _curves_yaxis(v: _SweepView, log_loss: bool, optimum_loss: float | None) -> dict[str, Any]:
    loss, start = v.loss, v.start_loss
    finite = loss[np.isfinite(loss) & (loss > 0)]
    r_lo = float(finite.min()) if finite.size else 1e-3
    if optimum_loss is not None and optimum_loss > 0:
        r_lo = min(r_lo, optimum_loss)
    yaxis2: dict[str, Any] = {"domain": [0, 0.92], "anchor": "x2",
                              "title": {"text": "loss (MSE" + (", log)" if log_loss else ")")}}
    if log_loss:
        r_range = padded_range(math.log10(r_lo), math.log10(start * 10), 0.04)
        yaxis2.update(type="log", range=r_range, **_log_ticks(r_range))
    else:
        yaxis2.update(range=[0, start * 1.15])
    return yaxis2


def _bound_annotation(v: _SweepView, x_range: list[float]) -> list[dict[str, Any]]:
    """The label of the bound's line, on the side with more room (none if off the axis)."""
    if not v.has_bound:
        return []
    at = math.log10(v.bound)
    if not x_range[0] <= at <= x_range[1]:
        return []
    left_side = at > (x_range[0] + x_range[1]) / 2
    return [{"text": f"2/λmax = {v.bound:.3g}", "x": at, "xref": "x",
             "y": 0.0, "yref": "y domain", "yanchor": "bottom",
             "xanchor": "right" if left_side else "left", "xshift": -4 if left_side else 4,
             "showarrow": False, "font": {"size": FONT_SIZE - 1}}]


def _sweep_layout(v: _SweepView, height: int, x_range: list[float], y_range: list[float],
                  yaxis2: dict[str, Any]) -> dict[str, Any]:
    L, R = [0.0, 0.40], [0.52, 0.92]
    n_div = int(v.diverged.sum())
    return {
        "height": height, "margin": {"l": 64, "r": 16, "t": 64, "b": 56},
        "font": {"size": FONT_SIZE}, "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0.0, "y": 1.07, "yanchor": "bottom",
                   "font": {"size": FONT_SIZE - 1}},
        "xaxis": {"domain": L, "anchor": "y", "type": "log", "range": x_range,
                  "title": {"text": "learning rate η (log)"}, **_log_ticks(x_range)},
        "yaxis": {"domain": [0, 0.92], "anchor": "x", "type": "log", "range": y_range,
                  "title": {"text": f"loss after {v.sweep.epochs} epochs (log)"},
                  **_log_ticks(y_range)},
        "xaxis2": {"domain": R, "anchor": "y2", "title": {"text": "epoch"},
                   "range": padded_range(0, max(v.loss.shape[1] - 1, 1), 0.02)},
        "yaxis2": yaxis2,
        "annotations": [
            panel_title("Final loss against η" + (f" — {n_div} diverged" if n_div else ""),
                        0.0, 0.93),
            panel_title("Loss per epoch, one curve per η", R[0], 0.93),
            *_bound_annotation(v, x_range),
        ],
    }


def sweep_figure(
    sweep: SweepResult,
    *,
    log_loss: bool = True,
    optimum_loss: float | None = None,
    height: int = 480,
) -> dict[str, Any]:
    """Final loss against learning rate (left) and every model's loss curve (right).

    Left, on log–log axes: the final loss of each learning rate that did not diverge, a red
    ✕ at the top of the axis for each one that did (hover: the epoch), a vertical line at the
    stability bound 2/λmax of plain gradient descent with the region above it shaded, and the
    initial (and, if given, the least-squares) loss as horizontal references. Right: the loss
    of every model per epoch (log scale if ``log_loss``), coloured by log η, with a colorbar.
    """
    v = _sweep_view(sweep)
    x_range, y_range = _final_loss_ranges(v, optimum_loss)
    traces = [*_bound_traces(v, x_range, y_range), *_reference_traces(v, x_range, optimum_loss),
              *_final_loss_traces(v, y_range), *_curve_traces(v, log_loss), _colorbar_trace(v)]
    layout = _sweep_layout(v, height, x_range, y_range, _curves_yaxis(v, log_loss, optimum_loss))
    return {"data": typed_arrays(traces), "layout": typed_arrays(layout), "frames": []}


def _race_box(race: dict[str, RaceHistory], wo: float, bo: float) -> tuple[tuple, tuple]:
    pts = np.concatenate([h.path[: h.last + 1] for h in race.values()])
    pts = pts[np.isfinite(pts).all(axis=1)]
    dw = max(float(np.abs(pts[:, 0] - wo).max()) if len(pts) else 0.0, 0.5) * 1.15
    db = max(float(np.abs(pts[:, 1] - bo).max()) if len(pts) else 0.0, 0.5) * 1.15
    scale = max(abs(wo), abs(bo), 1.0) * 4  # a divergent path is clipped, not followed
    dw, db = min(dw, scale), min(db, scale)
    return (wo - dw, wo + dw), (bo - db, bo + db)


@dataclass
class _RaceView:
    """The optimizers' runs and the epochs the frames show."""

    race: dict[str, RaceHistory]
    names: list[str]  # the optimizers, in the race's order
    lasts: dict[str, int]  # each one's last recorded state (earlier if it diverged)
    stack: np.ndarray  # (optimizers, states): their losses
    idx: np.ndarray  # the sampled epochs, one per frame
    start: int = 0  # the race starts at the common initial state; Play runs it

    @property
    def n_states(self) -> int:
        return self.stack.shape[1]

    def color(self, o: str) -> str:
        return RACE_COLORS.get(o, "#333")

    def label(self, o: str) -> str:
        h = self.race[o]
        base = RACE_LABELS.get(o, safe(o))
        return base + (f" — diverged at epoch {h.diverged_epoch}" if h.diverged_epoch >= 0
                       else "")

    def trail(self, o: str, pos: int) -> np.ndarray:
        """The states of ``o``'s trail at frame ``pos`` (held at its last state)."""
        ks = np.minimum(self.idx[max(0, pos - RACE_TRAIL):pos + 1], self.lasts[o])
        return np.unique(ks)

    def loss_markers(self, pos: int) -> dict[str, Any]:
        """Each optimizer's loss at frame ``pos`` (a diverged one stays at its last state)."""
        k = int(self.idx[pos])
        ks = [min(k, self.lasts[o]) for o in self.names]
        return {"x": ks, "y": [_none_if_bad(float(self.race[o].loss[kk]))
                               for o, kk in zip(self.names, ks, strict=True)]}


def _race_view(race: dict[str, RaceHistory], max_frames: int) -> _RaceView:
    names = list(race)
    stack = np.vstack([race[o].loss for o in names])
    valid = np.isfinite(stack) & (stack > 0)
    logs = np.log(np.where(valid, stack, 1.0))
    counts = valid.sum(axis=0)
    # Frames follow the optimizers' mean log-loss (dense where it falls fastest).
    mean_log = np.where(counts > 0, (logs * valid).sum(axis=0) / np.maximum(counts, 1), np.nan)
    return _RaceView(race=race, names=names, lasts={o: race[o].last for o in names},
                     stack=stack, idx=sample_frames(np.exp(mean_log), max_frames))


def _race_surface_traces(v: _RaceView, x1: np.ndarray, y1: np.ndarray, wo: float, bo: float,
                         w_box: tuple, b_box: tuple) -> list[dict[str, Any]]:
    """The loss surface's level sets, each optimizer's whole path (faint) and the optimum."""
    traces = level_set_traces(loss_levels(x1, y1, w_box, b_box, n_levels=11), "x", "y", 0.3)
    for o in v.names:
        p = v.race[o].path[: v.lasts[o] + 1]
        traces.append({"type": "scatter", "mode": "lines", "x": p[:, 0], "y": p[:, 1],
                       "xaxis": "x", "yaxis": "y", "name": f"{o} path", "showlegend": False,
                       "line": {"color": v.color(o), "width": 1, "dash": "dot"},
                       "opacity": 0.6, "hoverinfo": "skip"})
    traces.append({"type": "scatter", "mode": "markers", "x": [wo], "y": [bo],
                   "xaxis": "x", "yaxis": "y", "name": "least squares", "showlegend": False,
                   "marker": {"symbol": "star", "size": 17, "color": OPTIMUM,
                              "line": {"width": 1, "color": "white"}},
                   "hovertemplate": "least squares<br>w %{x:.4g}<br>b %{y:.4g}<extra></extra>"})
    return traces


def _race_point_traces(v: _RaceView) -> list[dict[str, Any]]:
    """Each optimizer's current point with its short trail (animated)."""
    traces: list[dict[str, Any]] = []
    for o in v.names:
        ks = v.trail(o, v.start)
        pts = v.race[o].path[ks]
        traces.append({"type": "scatter", "mode": "lines+markers", "x": rounded_list(pts[:, 0]),
                       "y": rounded_list(pts[:, 1]), "xaxis": "x", "yaxis": "y",
                       "name": v.label(o), "legendgroup": o, "cliponaxis": True,
                       "line": {"color": v.color(o), "width": 2.5},
                       "marker": {"color": v.color(o),
                                  "size": [5] * (len(ks) - 1) + [14],
                                  "line": {"width": 1.5, "color": "white"}},
                       "hovertemplate": f"{v.label(o)}<br>w %{{x:.4g}}<br>b %{{y:.4g}}"
                                        "<extra></extra>"})
    return traces


def _race_loss_traces(v: _RaceView) -> list[dict[str, Any]]:
    """Each optimizer's loss per epoch, then the current losses' markers (animated)."""
    traces: list[dict[str, Any]] = []
    for o in v.names:
        h = v.race[o]
        e = np.arange(v.n_states)
        keep = np.isfinite(h.loss) & (h.loss > 0)
        traces.append({"type": "scatter", "mode": "lines", "x": e[keep], "y": h.loss[keep],
                       "xaxis": "x2", "yaxis": "y2", "name": v.label(o), "legendgroup": o,
                       "showlegend": False, "line": {"color": v.color(o), "width": 2},
                       "hovertemplate": f"{v.label(o)}<br>epoch %{{x}}<br>loss %{{y:.5g}}"
                                        "<extra></extra>"})
    first = v.loss_markers(v.start)
    traces.append({"type": "scatter", "mode": "markers", "xaxis": "x2", "yaxis": "y2",
                   "x": first["x"], "y": first["y"], "showlegend": False, "name": "current",
                   "marker": {"color": [v.color(o) for o in v.names], "size": 12,
                              "line": {"width": 1.5, "color": "white"}},
                   "hovertemplate": "epoch %{x}<br>loss %{y:.5g}<extra></extra>"})
    return traces


def _race_layout(v: _RaceView, optimum_loss: float, w_box: tuple, b_box: tuple,
                 lr: float | None, feature_name: str, height: int) -> dict[str, Any]:
    stack = v.stack
    finite_all = stack[np.isfinite(stack) & (stack > 0)]
    start_loss = float(np.nanmax(stack[:, 0])) if np.isfinite(stack[:, 0]).any() else 1.0
    r_lo = min(float(finite_all.min()) if finite_all.size else optimum_loss,
               max(optimum_loss, 1e-300))
    r_lo = max(r_lo, start_loss * 1e-12)
    r_range = padded_range(math.log10(r_lo), math.log10(start_loss * 10), 0.04)
    L, R = [0.0, 0.47], [0.59, 1.0]
    lr_text = f" (η = {lr:.3g})" if lr is not None else ""
    return {
        "height": height, "margin": {"l": 64, "r": 16, "t": 64, "b": 140},
        "font": {"size": FONT_SIZE}, "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0.0, "y": 1.08, "yanchor": "bottom",
                   "font": {"size": FONT_SIZE - 1}},
        "xaxis": {"domain": L, "anchor": "y", "range": list(w_box), "showgrid": False,
                  "title": {"text": f"w (weight of {safe(feature_name)})"}},
        "yaxis": {"domain": [0, 0.94], "anchor": "x", "range": list(b_box), "showgrid": False,
                  "title": {"text": "b"}},
        "xaxis2": {"domain": R, "anchor": "y2", "title": {"text": "epoch"},
                   "range": padded_range(0, max(v.n_states - 1, 1), 0.02)},
        "yaxis2": {"domain": [0, 0.94], "anchor": "x2", "type": "log",
                   "title": {"text": "loss (MSE, log)"}, "range": r_range,
                   **_log_ticks(r_range)},
        "annotations": [panel_title("Paths on the loss surface over (w, b)" + lr_text, 0.0,
                                    0.95),
                        panel_title("Loss per epoch", R[0], 0.95)],
    }


def _race_frames(v: _RaceView, animated: list[int]) -> list[dict[str, Any]]:
    """Per frame: each optimizer's trail, then the loss markers."""

    def frame(pos: int) -> dict[str, Any]:
        data = []
        for o in v.names:
            ks = v.trail(o, pos)
            pts = v.race[o].path[ks]
            data.append({"x": rounded_list(pts[:, 0]), "y": rounded_list(pts[:, 1]),
                         "marker": {"size": [5] * (len(ks) - 1) + [14]}})
        data.append(v.loss_markers(pos))
        return {"name": str(int(v.idx[pos])), "traces": animated, "data": data}

    return [frame(p) for p in range(len(v.idx))]


def _race_controls(frame_names: list[str], start: int) -> dict[str, Any]:
    controls = animation_controls(frame_names, frame_names, start)
    controls["updatemenus"][0]["y"] = -0.21  # below the axis titles of this shorter figure
    controls["sliders"][0]["y"] = -0.18
    controls["sliders"][0]["x"], controls["sliders"][0]["len"] = 0.45, 0.55
    return controls


def race_figure(
    race: dict[str, RaceHistory],
    x: np.ndarray,
    y: np.ndarray,
    *,
    lr: float | None = None,
    feature_name: str = "x",
    max_frames: int = 300,
    height: int = 500,
) -> dict[str, Any]:
    """The optimizers' (w, b) paths on the loss surface, animated epoch by epoch.

    Left: the exact level sets of the one-feature MSE (static filled ellipses), the least-
    squares optimum, each optimizer's whole path (faint) and, animated, its current point with
    a short trail. Right: each optimizer's loss per epoch (log) with a moving marker. Play,
    Pause and the epoch slider run in the browser.
    """
    x1 = np.asarray(x, dtype=np.float64).reshape(-1)
    y1 = np.asarray(y, dtype=np.float64).reshape(-1)
    v = _race_view(race, max_frames)
    cf = closed_form(x1.reshape(-1, 1), y1)
    wo, bo = float(cf.weights[0, 0]), float(cf.bias[0])
    w_box, b_box = _race_box(race, wo, bo)
    traces = _race_surface_traces(v, x1, y1, wo, bo, w_box, b_box)
    points = _race_point_traces(v)
    first_point = len(traces)
    traces += points + _race_loss_traces(v)
    # Animated: the points with their trails, and the loss markers (the last trace).
    animated = [*range(first_point, first_point + len(points)), len(traces) - 1]
    layout = _race_layout(v, cf.loss, w_box, b_box, lr, feature_name, height)
    frames = _race_frames(v, animated)
    layout.update(_race_controls([f["name"] for f in frames], v.start))
    return {"data": typed_arrays(traces), "layout": typed_arrays(layout), "frames": frames}
