"""Sharing a scene: the link (with a copy button), its QR code, and presenter mode."""

from __future__ import annotations

import functools
import io
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st


def _base_url(url_path: str) -> str:
    url = getattr(st.context, "url", None) or "http://localhost:8501/"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/{url_path}"


def scene_link(params: dict[str, str], url_path: str) -> str:
    query = urlencode(params, safe=",")
    return _base_url(url_path) + (f"?{query}" if query else "")


@functools.lru_cache(maxsize=256)
def qr_png(text: str) -> bytes:
    """The QR code of a link (a scene's settings, no user data), drawn once per link: it is
    ~15 ms of pure Python that every rerun of every page would otherwise pay."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def share_block(params: dict[str, str], url_path: str) -> None:
    """A popover with the scene's link, a QR code for students, and presenter variants."""
    with st.popover("Share", icon=":material/share:", width="stretch",
                    key=f"share_open_{url_path}", on_change="rerun") as box:
        if not box.open:  # drawn when opened (a rerun): closed, it costs a session nothing
            return
        link = scene_link(params, url_path)
        st.markdown("**This scene as a link.** Everyone who opens it sees the same data, "
                    "settings and animation.")
        st.code(link, language=None, wrap_lines=True)
        st.image(qr_png(link), caption="Scan to open this scene", width=220)
        base = {k: v for k, v in params.items() if k not in ("present", "lock")}
        present = scene_link({**base, "present": "1"}, url_path)
        st.markdown("**Presenter mode** (large type, sidebar closed):")
        st.code(present, language=None, wrap_lines=True)
        st.caption("Add `lock=lr,epochs` (any setting names) to fix controls for students.")


def presenter(fig: dict[str, Any]) -> dict[str, Any]:
    """A copy of a figure sized for a projector (the cached original is never changed)."""
    layout = dict(fig["layout"])
    layout["height"] = max(int(layout.get("height", 600)), 760)
    layout["font"] = {**layout.get("font", {}), "size": 18}
    return {**fig, "layout": layout}


PRESENTER_CSS = """<style>
html, body, [data-testid="stAppViewContainer"] {font-size: 20px;}
[data-testid="stMetricValue"] {font-size: 2.6rem;}
h3 {font-size: 2.2rem !important;}
.block-container {max-width: 100% !important; padding-left: 2rem; padding-right: 2rem;}
</style>"""
