"""A scene from a page's shared cache, with a placeholder for progress and waiting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from linreg_core.cache import SceneCache

WAITING = "Another session is computing this same scene; waiting for it…"


def cached_scene(cache: SceneCache, key: Any, compute: Callable[[Any], Any]) -> Any:
    """``cache``'s value for ``key``, or ``compute(slot)``'s (computed once across sessions).

    A hit draws nothing: the usual case when a class opens one link, where every element is
    a message each session pays for. A miss gets a placeholder ``slot`` that ``compute`` may
    use for progress, that says so while another session computes the same key, and that is
    cleared afterwards.
    """
    hit, value = cache.get(key)
    if hit:
        return value
    slot = st.empty()
    try:
        return cache.get_or_compute(key, lambda: compute(slot), lambda: slot.caption(WAITING))
    finally:
        slot.empty()
