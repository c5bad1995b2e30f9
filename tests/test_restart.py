"""A server restart while a page is open: the page reconnects by itself and its URL restores
the scene (Debian's Chromium against a server this test starts, kills and starts again).

What proves the reconnection is the websocket traffic, not the page's look: Streamlit keeps
the last page on screen during an outage, so the test waits for a *new* websocket that
receives a ``script_finished`` from the new server, and only then reads the widgets. A new
server knows nothing of the old session, so whatever the page shows after that run came from
the URL (and from the widget values the frontend resends).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.load import free_port, start_server, stop_server
from tests.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SCENE = "/?lr=0.3&epochs=50"
LR = "Learning rate η"


class Sockets:
    """Every websocket the page opens, with the ForwardMsg types each one received."""

    def __init__(self, page):
        self.received: list[list[str]] = []
        page.on("websocket", self._opened)

    def _opened(self, ws) -> None:
        types: list[str] = []
        self.received.append(types)

        def on_frame(payload) -> None:
            if isinstance(payload, bytes | bytearray):
                msg = ForwardMsg()
                try:
                    msg.ParseFromString(bytes(payload))
                except Exception:  # not a ForwardMsg: not counted
                    return
                types.append(msg.WhichOneof("type") or "")

        ws.on("framereceived", on_frame)

    def finished_runs(self, index: int) -> int:
        if index >= len(self.received):
            return 0
        return self.received[index].count("script_finished")


def _wait(page, predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(250)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _status(page) -> str:
    """Streamlit's status widget (top right: "Running…", "Connecting"), "" when absent."""
    return page.evaluate("() => document.querySelector(\"[data-testid='stStatusWidget']\")"
                         "?.innerText.toLowerCase() ?? ''")


def _idle(page) -> None:
    """The run is over on screen: no 'Running…' status."""
    _wait(page, lambda: "running" not in _status(page), 60, "the run to end")


def test_the_page_reconnects_after_a_restart_and_its_url_restores_the_scene(browser, tmp_path):
    port = free_port()
    server = start_server(port, log=tmp_path / "first.log")
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    sockets = Sockets(page)
    second = None
    try:
        page.goto(server.url + SCENE)
        page.wait_for_selector(".js-plotly-plot .slider-group", timeout=120_000)
        _wait(page, lambda: sockets.finished_runs(0) >= 1, 120, "the first run")
        _idle(page)
        lr_box = page.get_by_label(LR, exact=True)
        assert lr_box.input_value() == "0.3"
        metric = page.locator("[data-testid='stMetricValue']").first
        loss_before = metric.inner_text()
        assert _query(page)["lr"] == ["0.3"]
        assert _query(page)["epochs"] == ["50"]

        # The outage: the server dies (SIGKILL, no goodbye to the client).
        server.kill()
        server.wait(10)
        page.wait_for_timeout(4000)
        page.screenshot(path=str(SCREENSHOTS / "restart_outage.png"))
        assert "connecting" in _status(page)
        assert page.locator("[data-testid='stException']").count() == 0
        # After 6 failed pings (about 3 s) Streamlit's own frontend adds its "Connection error"
        # dialog ("Streamlit server is not responding…"); nothing of the app's.
        dialog = page.locator("[role='dialog']")
        assert dialog.count() == 0 or "Connection error" in dialog.first.inner_text()

        # The same port again; nobody touches the page.
        n_sockets = len(sockets.received)
        second = start_server(port, log=tmp_path / "second.log")
        _wait(page, lambda: any(sockets.finished_runs(i)
                                for i in range(n_sockets, len(sockets.received))),
              120, "a run from the restarted server over a new websocket")
        _idle(page)
        page.screenshot(path=str(SCREENSHOTS / "restart_reconnected.png"))
        assert page.locator("[role='dialog']").count() == 0  # Streamlit closed its dialog
        assert "connecting" not in _status(page)
        assert lr_box.input_value() == "0.3"
        assert page.locator("input[type='range'][aria-label='Epochs']").input_value() == "50"
        assert _query(page)["lr"] == ["0.3"]
        assert _query(page)["epochs"] == ["50"]
        assert metric.inner_text() == loss_before  # the same scene, retrained by the new server
        assert page.locator("[data-testid='stException']").count() == 0

        # A widget change after the reconnection reaches the new server and reruns.
        runs = sum(sockets.finished_runs(i) for i in range(len(sockets.received)))
        lr_box.fill("0.05")
        lr_box.press("Enter")
        _wait(page, lambda: _query(page).get("lr") == ["0.05"], 60, "lr=0.05 in the URL")
        _wait(page, lambda: sum(sockets.finished_runs(i) for i in range(len(sockets.received)))
              > runs, 60, "the rerun after the change")
        _idle(page)
        assert lr_box.input_value() == "0.05"  # kept: not undone by the URL's older scene
        assert _query(page)["lr"] == ["0.05"]
        assert metric.inner_text() != loss_before
        assert _query(page)["epochs"] == ["50"]
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        ctx.close()
        for proc in (server, second):
            if proc is not None and proc.poll() is None:
                stop_server(proc)
