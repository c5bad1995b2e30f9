"""Showing user-supplied text (file names, column names, values) as plain text only."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """Escape every Markdown/HTML special character, so Streamlit shows the text verbatim.

    ``st.error``/``st.info``/``st.caption`` render Markdown; a column named
    ``<img src=x onerror=alert(1)>`` or ``[click](javascript:…)`` must appear as those
    characters, never as markup.
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text))
