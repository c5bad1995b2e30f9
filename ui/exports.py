"""Download buttons for a gradient-descent run (the files are made only when clicked)."""

from __future__ import annotations

import streamlit as st

from linreg_core import export
from linreg_core.scenes.gd import GDScene, scene_figure
from linreg_core.settings import GDSettings


def export_block(scene: GDScene, settings: GDSettings, start_epoch: int = 0) -> None:
    """The export expander; the HTML animation opens at ``start_epoch``, as the page does."""
    with st.expander("Export this run: animation (HTML, GIF), history (CSV, JSON), Python",
                     key="export_open", on_change="rerun") as box:
        if not box.open:  # drawn when opened (a rerun): closed, it costs a session nothing
            return
        names = scene.dataset.feature_names
        cols = st.columns(5)
        cols[0].download_button(
            "Animation (HTML)", data=lambda: export.html_export(
                scene_figure(scene, start_epoch=start_epoch),
                "Gradient descent: " + scene.dataset.description),
            file_name="gradient_descent.html", mime="text/html", on_click="ignore",
            help="Plays offline: plotly.js is inside the file (about 5 MB).")
        cols[1].download_button(
            "Animation (GIF)", data=lambda: export.gif_export(scene),
            file_name="gradient_descent.gif", mime="image/gif", on_click="ignore",
            help="For slides; drawn by matplotlib, no browser needed.")
        cols[2].download_button(
            "History (CSV)", data=lambda: export.history_csv(scene.result, names),
            file_name="history.csv", mime="text/csv", on_click="ignore",
            help="One row per epoch: loss, every weight, the bias.")
        cols[3].download_button(
            "History (JSON)", data=lambda: export.history_json(
                scene.result, names, export.settings_dict(settings)),
            file_name="history.json", mime="application/json", on_click="ignore")
        own_data = settings.dataset == "csv"
        cols[4].download_button(
            "Python script", data=lambda: export.python_snippet(settings),
            file_name="gradient_descent.py", mime="text/x-python", on_click="ignore",
            disabled=own_data,
            help="Your own CSV stays on this server; the script regenerates built-in data only."
            if own_data else "Regenerates the data and replays this run with torch; it prints "
                             "the same final loss.")
        st.caption("PNG: the camera icon in the chart's toolbar. The same files from the "
                   "command line: `python -m linreg_core export --format html|gif|csv|json|py "
                   "--out FILE` with the `train` options.")
