"""The standalone HTML page of a run: plays the animation offline, no server, no network."""

from __future__ import annotations

import html
from typing import Any


def html_export(figure: dict[str, Any], title: str) -> str:
    """A standalone HTML page that plays ``figure`` (a Plotly figure dict with frames).

    plotly.js is inlined (about 4.5 MB), MathJax is left out and nothing is fetched from the
    web, so the file plays offline from ``file://``. The figure dict goes in as is (no
    validation), so base64 typed arrays (``{"dtype", "bdata"}``) reach plotly.js unchanged.
    """
    import plotly.io as pio

    page = pio.to_html(
        figure, include_plotlyjs=True, full_html=True, auto_play=False, include_mathjax=False,
        validate=False, config={"displaylogo": False, "responsive": True,
                                # an offline page: no "Share chart..." upload button
                                "modeBarButtonsToRemove": ["sendChartToCloud"]},
        default_width="100%", default_height=f"{figure.get('layout', {}).get('height', 640)}px",
    )
    safe_title = html.escape(str(title), quote=True)
    head = (f"<title>{safe_title}</title>\n<style>body{{margin:16px;font-family:sans-serif}}"
            f"h1{{font-size:20px;margin:0 0 8px 0}}</style>\n")
    page = page.replace("</head>", head + "</head>", 1)
    return page.replace("<body>", f"<body>\n<h1>{safe_title}</h1>", 1)
