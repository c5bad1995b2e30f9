"""Exports of one gradient-descent run, as pure functions returning ``str`` or ``bytes``.

* :func:`html_export` (:mod:`.html`) — a standalone page that plays the animation with no
  server and no network (plotly.js inlined, no MathJax, no web fonts).
* :func:`gif_export` (:mod:`.gif`) — an animated GIF drawn by matplotlib (Agg) without a
  browser.
* :func:`history_csv`, :func:`history_json` (:mod:`.history`) — the recorded history, one row
  per epoch.
* :func:`python_snippet` (:mod:`.script`) — a self-contained script (torch and numpy;
  scikit-learn only for the diabetes data) that regenerates the same data and replays the same
  run, printing ``Final loss: …`` equal to ``fit_gd``'s last recorded loss.

No UI import here: the page and the command line both call these, as
``from linreg_core import export`` then ``export.html_export(...)``.
"""

from linreg_core.export.gif import GIF_MAX_POINTS, MIN_GIF_FRAMES, gif_export
from linreg_core.export.history import history_csv, history_json, settings_dict
from linreg_core.export.html import html_export
from linreg_core.export.script import python_snippet

FORMATS = ("html", "gif", "csv", "json", "py")
MEDIA_TYPES = {"html": "text/html", "gif": "image/gif", "csv": "text/csv",
               "json": "application/json", "py": "text/x-python"}

__all__ = ["FORMATS", "GIF_MAX_POINTS", "MEDIA_TYPES", "MIN_GIF_FRAMES", "gif_export",
           "history_csv", "history_json", "html_export", "python_snippet", "settings_dict"]
