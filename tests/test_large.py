"""A large synthetic file (generated here, not committed) loads, trains on every row, and the
chart draws a sample that says so."""

import numpy as np

from linreg_core.data.loader import prepare, read_table
from linreg_core.scenes.gd import build_gd_scene, scene_figure
from linreg_core.settings import GDSettings


def test_a_million_rows_train_on_all_rows_and_plot_a_sample(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, n)
    y = 2 * x + 3 + rng.standard_normal(n)
    path = tmp_path / "big.csv"
    np.savetxt(path, np.column_stack([x, y]), fmt="%.5f", delimiter=",", header="x,y",
               comments="")
    ds = prepare(read_table(path.read_bytes(), name="big.csv"), target="y")
    assert ds.n_samples == n
    seen = []
    scene = build_gd_scene(GDSettings(dataset="csv", lr=0.1, epochs=300), dataset=ds,
                           on_epoch=lambda k, loss: seen.append(k))
    assert scene.gradient == "gram"  # the full-batch fast path: every row, read once
    assert seen[-1] == 300
    assert abs(scene.result.final_weights[0, 0] - 2.0) < 0.01
    assert scene.result.final_loss < scene.optimum.loss * 1.001
    figure = scene_figure(scene)
    scatter = figure["data"][0]
    assert scatter["type"] == "scattergl"
    n_drawn = len(scatter["x"]["bdata"]) * 3 // 4 // 4  # base64 of float32
    assert n_drawn == 5000
    titles = " ".join(a["text"] for a in figure["layout"]["annotations"])
    assert "showing 5,000 of 1,000,000 points" in titles
