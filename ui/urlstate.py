"""A link is the scene: settings read from the URL once per session, written back every run.

The page's widgets keep their values in ``st.session_state`` under ``prefix + key``; the URL
uses the short keys of :mod:`linreg_core.settings`. An invalid or out-of-range value in a link
is ignored or clamped, with a visible notice, never an exception.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from linreg_core.settings import Spec, decode_params, encode_params
from ui.text import plain

SHARED = "shared_settings"
SHARED_KEYS = ("dataset", "seed")  # what moving between pages keeps (where the page has it)


def restore(specs: dict[str, Spec], prefix: str, extra: tuple[str, ...] = ()) -> None:
    """Load the URL's settings into session state when the URL came from outside.

    That is on a session's first run of the page, and whenever the query string differs from
    the one this page last wrote (a link followed inside the app, or an edited address).
    """
    params = {k: st.query_params.get(k) for k in st.query_params}
    flag = prefix + "url_restored"
    last = st.session_state.get(prefix + "url_written")
    if st.session_state.get(flag) and (not params or params == last):
        return
    st.session_state[flag] = True
    values, notices = decode_params(specs, params, extra)
    if not params:  # arriving by the navigation: keep what the pages share
        for key, value in st.session_state.get(SHARED, {}).items():
            spec = specs.get(key)
            if spec is not None and (not spec.options or value in spec.options):
                values.setdefault(key, value)
    for key, spec in specs.items():  # a link is the whole scene: absent keys are defaults
        st.session_state[prefix + key] = values.get(key, spec.default)
    st.session_state[prefix + "url_notices"] = notices
    st.session_state[prefix + "url_restored_now"] = True


def show_notices(prefix: str) -> None:
    notices = st.session_state.get(prefix + "url_notices") or []
    if notices:
        st.warning("Some settings in this link could not be used: "
                   + " ".join(plain(n) for n in notices), icon=":material/link:")


def write(specs: dict[str, Spec], values: dict[str, Any], prefix: str,
          extra: dict[str, str] | None = None) -> dict[str, str]:
    """Put the scene's non-default settings, ``extra`` ones and the reserved keys (present,
    lock) in the URL; remember them, so the next run knows the URL is its own."""
    st.session_state[SHARED] = {k: values[k] for k in SHARED_KEYS if k in values}
    params = {**encode_params(specs, values), **(extra or {}), **reserved()}
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != params:
        st.query_params.from_dict(params)
    st.session_state[prefix + "url_written"] = params
    return params


def locked_keys() -> set[str]:
    raw = st.query_params.get("lock") or ""
    return {k.strip() for k in raw.split(",") if k.strip()}


def presenting() -> bool:
    return (st.query_params.get("present") or "") in ("1", "true", "yes")


def reserved() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in ("present", "lock") if k in st.query_params}
