"""Two replicas behind nginx (``python -m deploy.replicas``), driven like browsers.

The sessions come from :mod:`benchmarks.load` with ``browser=True``: an HTTP GET of the page
and of ``/_stcore/health`` (nginx's route cookie, Streamlit's XSRF cookie), then the websocket
with those cookies. nginx logs each request's route and upstream; that log says which replica
served what. The replicas are started by the script itself, with the same flags as
``benchmarks/load.py``'s server, so this is the setup ``docs/deploy.md`` describes.

nginx is Debian's package: ``make test`` installs it (``make nginx``) and sets
LRP_REQUIRE_NGINX=1, so there these tests fail rather than skip when it is missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from benchmarks.load import (
    LR_LABEL,
    SCENE,
    XSRF_COOKIE,
    Change,
    SessionResult,
    http_request,
    run_session,
)
from deploy.replicas import ROUTE_COOKIE, find_nginx

ROOT = Path(__file__).resolve().parents[1]
CSV = b"x,y\n1,2.1\n2,3.9\n3,6.2\n"

if find_nginx() is None:
    if os.environ.get("LRP_REQUIRE_NGINX"):
        raise RuntimeError("nginx is required (LRP_REQUIRE_NGINX=1) but not installed")
    pytestmark = [pytest.mark.app, pytest.mark.skip(reason="nginx is not installed "
                                                         "(`make nginx` installs it)")]
else:
    pytestmark = pytest.mark.app


def _in_thread(fn, *args, **kwargs):
    """Run in a fresh thread: the browser tests' Playwright keeps an event loop running in
    this one, and asyncio.run refuses to start inside a running loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


class Script:
    """``python -m deploy.replicas`` as a child process, its output read by a thread."""

    def __init__(self, replicas: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "deploy.replicas", "--replicas", str(replicas),
             "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self.wait_for(lambda line: line.startswith("ready "), 150)
        self.info = json.loads(ready[len("ready "):])

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pred, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if pred(line):
                        return line
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and seen == len(self.lines)):
                    raise AssertionError("the script did not print what was expected:\n"
                                         + "\n".join(self.lines))
                self._changed.wait(min(left, 0.5))

    def pids(self) -> list[int]:
        """nginx's master and workers and every replica, as /proc lists them now."""
        master = self.info["nginx"]["pid"]
        return [master, *_children(master), *(r["pid"] for r in self.info["replicas"])]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(k) for k in f.read().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def _gone(pids: list[int], timeout: float = 20) -> list[int]:
    deadline = time.monotonic() + timeout
    while (alive := [p for p in pids if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


_LOG = re.compile(r'"(\S+) (\S+) HTTP/[\d.]+" (\d+) route=(\S+) upstream=(.*) time=')


def _routes(access_log: str) -> dict[str, list[tuple[str, str, int, str]]]:
    """route -> [(method, path, status, upstream)] from nginx's access log."""
    out: dict[str, list[tuple[str, str, int, str]]] = {}
    for line in Path(access_log).read_text().splitlines():
        m = _LOG.search(line)
        if m:
            method, path, status, route, upstream = m.groups()
            out.setdefault(route, []).append((method, path, int(status), upstream.strip()))
    return out


def _sessions(url: str, n: int, **kwargs) -> list[SessionResult]:
    async def go():
        return await asyncio.gather(*(run_session(url, SCENE, timeout=90, browser=True,
                                                  **kwargs) for _ in range(n)))

    return _in_thread(asyncio.run, go())


def _logged(script: Script, routes: list[str], timeout: float = 10) -> dict:
    """The access log once every route's websocket is in it (nginx logs it at its close)."""
    deadline = time.monotonic() + timeout
    while True:
        log = _routes(script.info["nginx"]["access_log"])
        if all(any(p == "/_stcore/stream" for _, p, _, _ in log.get(r, [])) for r in routes) \
                or time.monotonic() > deadline:
            return log
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster():
    script = Script(replicas=2)
    try:
        # Each replica's first run imports torch and trains the scene: not what we time.
        async def warm():
            return await asyncio.gather(*(run_session(r["url"], SCENE, timeout=150)
                                          for r in script.info["replicas"]))

        assert all(r.ok for r in _in_thread(asyncio.run, warm()))
        yield script
    finally:
        script.stop()


def test_sessions_through_nginx_use_both_replicas_and_stick_to_one(cluster):
    replicas = {f"127.0.0.1:{r['port']}" for r in cluster.info["replicas"]}
    results = _sessions(cluster.info["url"], 10, change=Change(LR_LABEL, 0.07, "lr"))
    for r in results:
        assert r.ok, (r.error, r.exceptions, r.statuses)
        assert r.change_applied, r.query_string
        assert set(r.cookies) >= {ROUTE_COOKIE, XSRF_COOKIE}
    # Each session draws its route at random: 10 all on one replica has odds 1 in 512; then
    # a few more sessions (up to 20) must reach the other one.
    for attempt in range(4):
        log = _logged(cluster, [r.cookies[ROUTE_COOKIE] for r in results])
        served = {log[r.cookies[ROUTE_COOKIE]][0][3] for r in results}
        if served == replicas or attempt == 3:
            break
        extra = _sessions(cluster.info["url"], 5)
        assert all(r.ok for r in extra)
        results += extra
    assert served == replicas, f"sessions reached {served}, not all of {replicas}"
    for r in results:
        requests = log[r.cookies[ROUTE_COOKIE]]
        # The page, health and the websocket of one session: one replica for all of them.
        paths = {p.split("?")[0] for _, p, _, _ in requests}
        assert paths >= {"/", "/_stcore/health", "/_stcore/stream"}, requests
        assert ("GET", "/_stcore/stream", 101) in {(m, p, s) for m, p, s, _ in requests}
        assert len({u for _, _, _, u in requests}) == 1, requests
    assert len({r.session_id for r in results}) == len(results)


def test_an_upload_reaches_the_replica_that_holds_its_session(cluster):
    [r] = _sessions(cluster.info["url"], 1, upload=("points.csv", CSV))
    assert r.ok, (r.error, r.exceptions)
    assert r.upload_status == 204  # stored by the session's own replica, through nginx
    log = _logged(cluster, [r.cookies[ROUTE_COOKIE]])
    puts = [u for m, p, s, u in log[r.cookies[ROUTE_COOKIE]] if m == "PUT"]
    streams = [u for m, p, s, u in log[r.cookies[ROUTE_COOKIE]] if p == "/_stcore/stream"]
    assert puts == streams, log[r.cookies[ROUTE_COOKIE]]  # the PUT went where the websocket is
    # Why stickiness matters: the same upload sent to the other replica is refused there.
    other = next(x["url"] for x in cluster.info["replicas"]
                 if not streams[0].endswith(f":{x['port']}"))
    boundary = "testboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"UploadedFile\"; "
            f"filename=\"points.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + CSV + (
        f"\r\n--{boundary}--\r\n").encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Cookie": f"{XSRF_COOKIE}={r.cookies[XSRF_COOKIE]}",
               "X-Xsrftoken": r.cookies[XSRF_COOKIE]}
    status, _, reply = _in_thread(asyncio.run, http_request("PUT", other + r.upload_url,
                                                            headers, body))
    assert status == 400, (status, reply)
    assert b"Invalid session_id" in reply


def test_a_killed_replica_is_routed_around_and_started_again(cluster):
    victim = cluster.info["replicas"][0]
    os.kill(victim["pid"], signal.SIGKILL)
    assert not _gone([victim["pid"]], 10)
    # nginx's passive check: a refused connection goes to the next replica.
    results = _sessions(cluster.info["url"], 6)
    for r in results:
        assert r.ok, (r.error, r.exceptions)
    line = cluster.wait_for(lambda s: s.startswith(f"replica on port {victim['port']} exited"),
                            30)
    victim["pid"] = int(re.search(r"pid (\d+)", line).group(1))
    deadline = time.monotonic() + 90
    while True:
        try:
            status, _, _ = _in_thread(asyncio.run,
                                      http_request("GET", victim["url"] + "/_stcore/health"))
            if status == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "the restarted replica did not answer health"
        time.sleep(0.5)


def test_sigterm_stops_nginx_and_every_replica(cluster):
    pids = cluster.pids()
    assert len(pids) >= 4, pids  # nginx master and worker, two replicas
    assert all(_alive(p) for p in pids)
    cluster.proc.send_signal(signal.SIGTERM)
    assert cluster.proc.wait(30) == 0
    assert _gone(pids) == []
    assert not Path(cluster.info["work"]).exists()  # its temporary folder is removed


def test_a_killed_script_takes_its_processes_with_it():
    script = Script(replicas=1)
    pids = script.pids()
    try:
        script.proc.kill()  # SIGKILL: no handler runs; the children's death signal does
        script.proc.wait(10)
        assert _gone(pids) == [], [open(f"/proc/{p}/cmdline").read() for p in pids
                                   if _alive(p)]
    finally:
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        shutil.rmtree(script.info["work"], ignore_errors=True)
