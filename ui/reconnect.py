"""A page left open through a server restart asks the new server for a run as it reconnects.

Streamlit's frontend keeps the last page on screen while it reconnects. Once connected again
it requests a script run only when the page has an auto-rerunning fragment, a fragment ran
last, or a run was in progress; otherwise it keeps showing the old page. After a restart
that page sits on a new, empty server session that has never run, and the user's next widget
change becomes that session's *first* run. The first run of a session restores the scene from
the URL (ui/urlstate.restore), and the URL still holds the scene from before the change: the
change would be silently undone (measured with tests/test_restart.py).

Registering one auto-rerunning fragment makes the frontend request a full run on every
reconnection, so the new session restores the URL's scene right away, before the user
touches anything; the next change is then an ordinary second run. After a network blip the
server still has the session (Streamlit keeps it for a while) and the extra run is a cache
hit. The fragment draws nothing and reruns itself once a day (a fragment-only run, no work).
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st


@st.fragment(run_every=timedelta(days=1))
def _rerun_on_reconnect() -> None:
    """Nothing to draw: its auto-rerun interval is what the frontend checks on reconnect."""


def rerun_after_reconnect() -> None:
    """Call on every run (a fragment not called in a full run loses its auto-rerun)."""
    _rerun_on_reconnect()
