"""The gradient-descent page: rerun time after a setting change, and the chart payload.

Measured with Streamlit's AppTest (the same script run, no browser): each rerun changes the
learning rate to a value not seen before, so the scene is really trained and drawn (no cache
hit). Medians with min–max; run as `python -m benchmarks.bench_gd_page`.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def _summary(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def payloads() -> dict[str, int]:
    """Bytes of the chart spec the browser receives, for a few scenes."""
    import plotly.io as pio

    from linreg_core.figures.gd import PrebuiltFigure
    from linreg_core.scenes.gd import build_gd_scene, scene_figure
    from linreg_core.settings import GDSettings

    scenes = {
        "notes example, 100 epochs (default)": GDSettings(),
        "notes example, 1000 epochs": GDSettings(epochs=1000),
        "line N=10,000, 1000 epochs": GDSettings(dataset="line", n=5000, epochs=1000),
        "diabetes all 10 features, 1000 epochs": GDSettings(dataset="diabetes", feature="all",
                                                            standardize=True, epochs=1000),
    }
    out = {}
    for name, s in scenes.items():
        fig = scene_figure(build_gd_scene(s))
        out[name] = len(pio.to_json(PrebuiltFigure(fig).to_dict(), validate=False))
    return out


def rerun_times(epochs: int = 1000, repeats: int = 15) -> dict[str, dict[str, float]]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.slider(key="gd_epochs").set_value(epochs).run()
    miss, hit = [], []
    for i in range(repeats):
        lr = 0.05 + 0.001 * i + 1e-6 * time.time() % 1e-4  # never seen before: a cache miss
        t0 = time.perf_counter()
        at.number_input(key="gd_lr").set_value(round(lr, 9)).run()
        miss.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
        t0 = time.perf_counter()
        at.run()  # the same scene again: a cache hit
        hit.append(time.perf_counter() - t0)
    return {"new setting (train + draw)": _summary(miss), "same scene (cached)": _summary(hit)}


def server_rerun_times(epochs: int = 1000, repeats: int = 21) -> dict[str, dict[str, float]]:
    """The same, as a browser sees it: a real server and a websocket session per repeat
    (benchmarks.load), timing the widget change from sending it to ``script_finished``."""
    import asyncio

    from benchmarks import load

    proc = load.start_server(load.free_port())
    try:
        query = f"epochs={epochs}"
        asyncio.run(load.run_session(proc.url, query))  # warm-up: imports, first scene
        miss, hit = [], []
        for i in range(repeats):
            lr = round(0.03 + 0.0007 * i + (time.time() % 1) * 1e-5, 9)  # new: a cache miss
            for value, out in ((lr, miss), (lr, hit)):  # the second time: the shared cache
                res = asyncio.run(load.run_session(proc.url, query,
                                                   load.Change(load.LR_LABEL, value, "lr")))
                if not (res.ok and res.change_applied):
                    raise RuntimeError(f"session failed: {res.error or res.exceptions}")
                out.append(res.change_s)
    finally:
        load.stop_server(proc)
    return {"new setting (train + draw)": _summary(miss), "same scene (cached)": _summary(hit)}


def main() -> dict:
    torch.set_num_threads(1)
    results = {"rerun_seconds_1000_epochs_N100": server_rerun_times(),
               "apptest_rerun_seconds_1000_epochs_N100": rerun_times(),
               "payload_bytes": payloads()}
    print("\nGradient-descent page (rerun after a change: server + websocket client; AppTest)")
    for name, s in [*results["rerun_seconds_1000_epochs_N100"].items(),
                    *((f"AppTest, {k}", v) for k, v in
                      results["apptest_rerun_seconds_1000_epochs_N100"].items())]:
        print(f"  rerun, {name:30s} median {s['median'] * 1000:7.1f} ms "
              f"(min {s['min'] * 1000:.1f}, max {s['max'] * 1000:.1f}, n={s['n']})")
    for name, b in results["payload_bytes"].items():
        print(f"  payload, {name:40s} {b / 1000:8.1f} KB")
    return results


if __name__ == "__main__":
    main()
