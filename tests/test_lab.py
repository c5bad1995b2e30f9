"""The learning-rate lab: the vectorized sweep against fit_gd, its figures, and its page."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from linreg_core.data import datasets as data
from linreg_core.engine.analysis import closed_form, stable_lr
from linreg_core.engine.lab import (
    MAX_MODELS,
    log_rates,
    lr_sweep,
    optimizer_race,
)
from linreg_core.engine.training import fit_gd
from linreg_core.figures.lab import race_figure, sweep_figure
from linreg_core.scenes.lab import build_lab_scene
from linreg_core.settings import LabSettings

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "lr_lab.py")


def _decode(v) -> np.ndarray:
    """A Plotly typed array (``{"dtype", "bdata"}``) or a plain list, as a NumPy array."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype="<" + v["dtype"]).astype(float)
    return np.asarray([np.nan if e is None else e for e in v], dtype=float)


def _assert_same_run(sweep, k: int, ref) -> None:
    """Model ``k`` of the sweep follows ``ref`` (a GDResult) state by state."""
    m = len(ref.loss)
    assert sweep.diverged_epoch[k] == (-1 if ref.diverged_epoch is None else ref.diverged_epoch)
    scale = max(1.0, float(np.abs(ref.weights).max()))
    np.testing.assert_allclose(sweep.weights[k, :m], ref.weights[:, :, 0], rtol=1e-5,
                               atol=1e-5 * scale)
    np.testing.assert_allclose(sweep.bias[k, :m], ref.bias[:, 0], rtol=1e-5, atol=1e-5 * scale)
    finite = np.isfinite(ref.loss)
    np.testing.assert_allclose(sweep.loss[k, :m][finite], ref.loss[finite], rtol=1e-5)
    if m < sweep.loss.shape[1]:  # diverged: frozen, NaN afterwards
        assert np.isnan(sweep.loss[k, m:]).all()
        assert np.isnan(sweep.weights[k, m:]).all()


# ----------------------------------------------------------------------------- engine


@pytest.mark.parametrize(("optimizer", "init"), [
    ("manual", "random"),
    ("sgd", "random"),
    ("adam", "random"),
    ("manual", "zeros"),
    ("sgd", (np.full((3, 1), 0.5), -1.0)),
])
def test_each_model_of_the_sweep_equals_fit_gd(optimizer, init):
    ds = data.seed3()
    lrs = np.geomspace(2e-3, 0.6, 6)
    sweep = lr_sweep(ds.X, ds.y, lrs, epochs=60, init=init, seed=1, optimizer=optimizer)
    assert sweep.loss.shape == (6, 61)
    assert sweep.weights.shape == (6, 61, 3)
    assert sweep.bias.shape == (6, 61)
    for k, lr in enumerate(lrs):
        ref = fit_gd(ds.X, ds.y, lr=lr, epochs=60, init=init, seed=1, optimizer=optimizer,
                     gradient="autograd")
        _assert_same_run(sweep, k, ref)


@pytest.mark.parametrize("optimizer", ["manual", "adam"])
def test_sweep_equals_fit_gd_on_diabetes_all_features(optimizer):
    ds = data.diabetes()
    lrs = [0.01, 0.1, 0.5]  # clear of 2/λmax = 1, where float32 rounding is amplified
    sweep = lr_sweep(ds.X, ds.y, lrs, epochs=40, optimizer=optimizer)
    for k, lr in enumerate(lrs):
        _assert_same_run(sweep, k, fit_gd(ds.X, ds.y, lr=lr, epochs=40, optimizer=optimizer,
                                          gradient="autograd"))


def test_a_rate_above_the_bound_diverges_alone():
    ds = data.seed_example()
    bound = stable_lr(ds.X)
    lrs = [0.02, 0.2, 0.6, 3 * bound]
    sweep = lr_sweep(ds.X, ds.y, lrs, epochs=200)
    assert sweep.stable_lr == pytest.approx(bound)
    assert sweep.diverged_epoch[-1] > 0
    assert (sweep.diverged_epoch[:-1] == -1).all()
    assert sweep.n_diverged == 1
    assert np.isnan(sweep.final_loss[-1])
    e = int(sweep.diverged_epoch[-1])
    assert np.isnan(sweep.loss[-1, e + 1:]).all()
    assert sweep.loss[-1, e] > 1e6 * sweep.loss[-1, 0] or not np.isfinite(sweep.loss[-1, e])
    optimum = closed_form(ds.X, ds.y).loss
    assert np.isfinite(sweep.loss[:-1]).all()
    assert (sweep.final_loss[1:3] < optimum * (1 + 1e-3)).all()  # converged
    assert sweep.best_index in (1, 2)
    ref = fit_gd(ds.X, ds.y, lr=lrs[-1], epochs=200, gradient="autograd")
    _assert_same_run(sweep, 3, ref)


def test_overflowing_models_never_reach_the_others():
    ds = data.seed_example()
    good = [0.05, 0.3]
    alone = lr_sweep(ds.X, ds.y, good, epochs=80, optimizer="sgd")
    mixed = lr_sweep(ds.X, ds.y, [1e4, good[0], 50.0, good[1]], epochs=80, optimizer="sgd")
    assert (mixed.diverged_epoch[[0, 2]] >= 0).all()
    np.testing.assert_array_equal(mixed.loss[[1, 3]], alone.loss)
    np.testing.assert_array_equal(mixed.weights[[1, 3]], alone.weights)


def test_rate_checks():
    ds = data.seed_example()
    with pytest.raises(ValueError, match="at most 50"):
        lr_sweep(ds.X, ds.y, np.geomspace(1e-3, 1, MAX_MODELS + 1), epochs=5)
    lr_sweep(ds.X, ds.y, np.geomspace(1e-3, 1, MAX_MODELS), epochs=2)  # 50 is fine
    with pytest.raises(ValueError, match="positive"):
        lr_sweep(ds.X, ds.y, [0.1, 0.0], epochs=5)
    with pytest.raises(ValueError, match="optimizer"):
        lr_sweep(ds.X, ds.y, [0.1], epochs=5, optimizer="rmsprop")
    with pytest.raises(ValueError, match="epochs"):
        lr_sweep(ds.X, ds.y, [0.1], epochs=0)
    with pytest.raises(ValueError, match="min < max"):
        log_rates(1.0, 0.1, 5)
    np.testing.assert_allclose(log_rates(1e-3, 1.0, 4), [1e-3, 1e-2, 1e-1, 1.0])


def test_the_race_equals_three_fit_gd_runs():
    ds = data.seed_example()
    race = optimizer_race(ds.X, ds.y, lr=0.05, epochs=50, init="random", seed=0)
    assert list(race) == ["manual", "sgd", "adam"]
    for name, h in race.items():
        ref = fit_gd(ds.X, ds.y, lr=0.05, epochs=50, optimizer=name, gradient="autograd")
        assert h.path.shape == (51, 2)
        np.testing.assert_allclose(h.path[:, 0], ref.weights[:, 0, 0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(h.path[:, 1], ref.bias[:, 0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-5)
    with pytest.raises(ValueError, match="one feature"):
        optimizer_race(data.seed3().X, data.seed3().y, lr=0.1, epochs=5)


# ----------------------------------------------------------------------------- figures


def _traces(fig, axis: str) -> list[dict]:
    return [t for t in fig["data"] if t.get("xaxis", "x") == axis]


def test_sweep_figure_structure():
    ds = data.seed_example()
    sweep = lr_sweep(ds.X, ds.y, log_rates(1e-3, 2.0, 25), epochs=100)
    fig = sweep_figure(sweep, optimum_loss=closed_form(ds.X, ds.y).loss)
    go.Figure(**fig)  # valid
    json.dumps(fig, allow_nan=False)
    lay = fig["layout"]
    assert lay["xaxis"]["type"] == "log"
    assert lay["yaxis"]["type"] == "log"
    assert lay["yaxis2"]["type"] == "log"
    line = next(t for t in fig["data"] if t.get("name") == "2/λmax")
    np.testing.assert_allclose(_decode(line["x"]), [sweep.stable_lr] * 2, rtol=1e-6)
    assert any(f"2/λmax = {sweep.stable_lr:.3g}" in a["text"] for a in lay["annotations"])
    diverged = next(t for t in fig["data"] if t.get("name") == "diverged")
    assert diverged["customdata"] == [int(e) for e in sweep.diverged_epoch if e >= 0]
    assert "diverged at epoch" in diverged["hovertemplate"]
    curves = [t for t in _traces(fig, "x2") if t["name"].startswith("η =")]
    assert len(curves) == 25
    assert all("bdata" in t["x"] and "bdata" in t["y"] for t in curves)  # typed arrays
    assert len({t["line"]["color"] for t in curves}) == 25  # coloured by η
    assert any(t.get("marker", {}).get("showscale") for t in fig["data"])  # the colorbar


def test_sweep_figure_payload_stays_small():
    ds = data.diabetes()
    sweep = lr_sweep(ds.X, ds.y, log_rates(1e-3, 2.0, MAX_MODELS), epochs=800,
                     optimizer="adam")
    fig = sweep_figure(sweep)
    assert len(json.dumps(fig)) < 250_000
    curves = [t for t in _traces(fig, "x2") if t["name"].startswith("η =")]
    assert max(len(_decode(t["x"])) for t in curves) <= 310


@pytest.mark.parametrize(("lr", "epochs"), [(0.05, 500), (1.5, 60)])
def test_race_figure_structure(lr, epochs):
    ds = data.seed_example()
    race = optimizer_race(ds.X, ds.y, lr=lr, epochs=epochs, init=(ds.notes_init, 0.0))
    fig = race_figure(race, ds.X, ds.y, lr=lr)
    go.Figure(**fig)
    json.dumps(fig, allow_nan=False)  # no NaN reaches the browser, even after a divergence
    frames = fig["frames"]
    assert 2 <= len(frames) <= 301
    assert frames[-1]["name"] == str(epochs)
    names = " ".join(t.get("name", "") for t in fig["data"] if t.get("showlegend", True))
    assert "Plain GD" in names
    assert "SGD" in names
    assert "Adam" in names
    n = len(fig["data"])
    for f in frames:
        assert len(f["traces"]) == len(f["data"]) == 4
        assert all(0 <= i < n for i in f["traces"])
        assert all(len(d["x"]) <= 11 for d in f["data"])  # short trails only
    fills = [t for t in fig["data"] if t.get("fill") == "toself"]
    assert len(fills) >= 8
    assert all("bdata" in t["x"] for t in fills)
    assert len(fig["layout"]["sliders"][0]["steps"]) == len(frames)
    if lr > 1:
        assert race["manual"].diverged_epoch > 0
        assert "diverged at epoch" in names


def test_lab_scene_uses_the_notes_start():
    scene = build_lab_scene(LabSettings(k=3, epochs=5))
    assert scene.sweep.loss.shape == (3, 6)
    ref = fit_gd(scene.X, scene.y, lr=1e-3, epochs=5, init=(data.seed_example().notes_init, 0.0),
                 gradient="autograd")
    np.testing.assert_allclose(scene.sweep.loss[0], ref.loss, rtol=1e-6)


# ----------------------------------------------------------------------------- page


def _page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _n_curves(spec: dict) -> int:
    return sum(1 for t in spec["data"]
               if t.get("xaxis") == "x2" and str(t.get("name", "")).startswith("η ="))


@pytest.mark.app
def test_page_default_and_changing_k():
    at = _page()
    charts = _charts(at)
    assert len(charts) == 2  # the sweep and the race
    assert _n_curves(charts[0]) == 25
    assert charts[1]["frames"]
    text = " ".join(m.value for m in at.markdown)
    assert "Learning-rate lab" in text
    assert any("2/λmax" in m.label for m in at.metric)
    at.slider(key="lab_k").set_value(7).run()
    assert not at.exception
    assert _n_curves(_charts(at)[0]) == 7
    at.select_slider(key="lab_race_lr").set_value(1.0).run()
    assert not at.exception
    assert not at.error


@pytest.mark.app
def test_page_diabetes_all_features():
    at = _page()
    at.selectbox(key="lab_dataset").set_value("diabetes").run()
    at.selectbox(key="lab_feature").set_value("all").run()
    at.selectbox(key="lab_optimizer").set_value("sgd").run()
    assert not at.exception, at.exception
    assert not at.error
    charts = _charts(at)
    assert len(charts) == 1  # no race with ten features
    assert _n_curves(charts[0]) == 25
    assert any("one feature" in i.value for i in at.info)


@pytest.mark.app
def test_page_empty_range_is_a_message():
    at = _page()
    at.select_slider(key="lab_range").set_value((0.1, 0.1)).run()
    assert not at.exception
    assert at.error
    assert "range is empty" in at.error[0].value


def test_lab_link_restores_the_sweep():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=120)
    at.run()
    at.switch_page("pages/lr_lab.py")
    at.query_params.update({"k": "7", "lr_min": "0.01", "lr_max": "1", "epochs": "40",
                            "optimizer": "adam", "k2": "x"})
    at.run()
    assert not at.exception
    assert at.slider(key="lab_k").value == 7
    assert at.select_slider(key="lab_range").value == (0.01, 1.0)
    assert at.selectbox(key="lab_optimizer").value == "adam"
    assert any("k2" in w.value for w in at.warning)
