"""The animation figure: structure, synchronization and payload bounds."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from linreg_core import closed_form, fit_gd
from linreg_core.data.datasets import diabetes, line, seed_example
from linreg_core.figures.gd import PrebuiltFigure, gd_animation_figure, sample_frames


def _payload(fig):
    return len(pio.to_json(PrebuiltFigure(fig).to_dict(), validate=False))


def _scene(d, epochs, lr=0.1):
    r = fit_gd(d.X, d.y, lr=lr, epochs=epochs)
    return r, gd_animation_figure(d.X, d.y, r, closed_form(d.X, d.y),
                                  feature_names=d.feature_names)


def test_sample_frames_bounds_and_density():
    loss = np.exp(-np.arange(5001) / 50.0) + 1e-3
    idx = sample_frames(loss, 300)
    assert idx[0] == 0
    assert idx[-1] == 5000
    assert len(idx) <= 302
    assert np.all(np.diff(idx) > 0)
    # denser where the loss falls fastest: more frames in the first 10% of epochs
    assert np.sum(idx < 500) > np.sum(idx >= 4500)
    assert np.array_equal(sample_frames(loss[:50], 300), np.arange(50))


def test_one_feature_figure_is_valid_and_synchronized():
    d = seed_example()
    r, fig = _scene(d, 100)
    go.Figure(**fig)  # validates against Plotly's schema
    frames = fig["frames"]
    assert len(frames) == 101
    assert fig["layout"]["sliders"][0]["steps"][5]["args"][0] == [frames[5]["name"]]
    k = 40
    fr = frames[k]
    line_, marker, point = fr["data"]
    # the line, the loss marker and the (w, b) point of a frame are the same epoch's
    w, b = r.weights[k, 0, 0], r.bias[k, 0]
    assert line_["y"][1] == pytest.approx(w * line_["x"][1] + b, rel=1e-5)
    assert marker["x"] == [k]
    assert marker["y"][0] == pytest.approx(r.loss[k], rel=1e-5)
    assert point["x"][-1] == pytest.approx(w, rel=1e-5)
    assert point["y"][-1] == pytest.approx(b, rel=1e-5)
    # the loss surface: nested level-set ellipses, static (never in a frame)
    surface = [i for i, t in enumerate(fig["data"]) if t.get("fill") == "toself"]
    assert len(surface) >= 8
    assert not set(surface) & set(fr["traces"])
    levels = [float(fig["data"][i]["name"].split()[1]) for i in surface]
    assert levels == sorted(levels, reverse=True)


def test_multi_feature_figure():
    d = diabetes()
    _r, fig = _scene(d, 300, lr=0.5)
    go.Figure(**fig)
    assert len(fig["frames"]) <= 301
    assert all(len(f["data"][0]["y"]) <= 80 for f in fig["frames"])
    names = [t.get("name", "") for t in fig["data"]]
    assert "w[bmi]" in names


def test_payload_does_not_grow_with_points_or_epochs_squared():
    small = line(n=100, seed=0)
    big = line(n=10_000, seed=0)
    _, f100 = _scene(small, 1000)
    _, f10k = _scene(big, 1000)
    _, f5000 = _scene(small, 5000)
    p100, p10k, p5000 = _payload(f100), _payload(f10k), _payload(f5000)
    assert p10k < 300_000, p10k
    assert p5000 < 2 * p100, (p100, p5000)
    assert all(len(json.dumps(f)) < 600 for f in f10k["frames"])


def test_divergent_run_keeps_charts_readable():
    d = seed_example()
    r, fig = _scene(d, 200, lr=3.0)
    assert r.diverged
    go.Figure(**fig)
    ys = fig["layout"]["yaxis"]["range"]
    assert ys[1] - ys[0] < 20  # the data's range, not the exploded line's
