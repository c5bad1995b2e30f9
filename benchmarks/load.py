"""Many sessions at once: a load client that speaks Streamlit's websocket protocol.

Each session is what a browser tab does, without the browser: it connects to
``ws://HOST:PORT/_stcore/stream`` (subprotocol ``streamlit``), sends a ``BackMsg`` whose
``rerun_script`` is a ``ClientState`` (the page's query string, no widget states, an empty
page hash: the default page, gradient descent), and reads the ``ForwardMsg`` stream until
``script_finished``. Optionally it then changes one widget the way the frontend does: a second
``rerun_script`` with the query string the page last wrote (``page_info_changed``), the page's
script hash (``navigation``) and a ``WidgetStates`` holding the widget's id (read from its
delta) and its new value. Then it closes.

A session fails when it cannot connect, times out, ends a run with any status other than
``FINISHED_SUCCESSFULLY``, or receives an ``exception`` element (a traceback in the page).

With ``browser=True`` a session first does what a browser does before its websocket: an HTTP
GET of the page and of ``/_stcore/health``, keeping their cookies (nginx's route cookie in front
of several replicas, Streamlit's XSRF cookie), then opens the websocket with those cookies and
an ``Origin`` header. It can then upload a file the way ``st.file_uploader`` does (an upload
URL asked for over the websocket, then an HTTP PUT with the XSRF token): that request must
reach the replica holding the session (``deploy/replicas.py``).

Run ``python -m benchmarks.load [--quick] [--sessions N] [--url URL [--pid PID]]``: it starts
its own server on a free port (or targets ``--url``), warms it up, opens 20 and N sessions at
once on the same scene (the app shares identical scenes between sessions), 20 at once on
different scenes (a learning rate per session), then opens and closes 500 sessions (100 with
``--quick``) to see whether the server's memory keeps growing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from deploy.replicas import stop_process

ROOT = Path(__file__).resolve().parents[1]

SCENE = "lr=0.05&epochs=300"  # the scene every "same scene" session opens
LR_LABEL = "Learning rate η"  # the number input a session changes
GOALS = {"p95_s": 3.0, "peak_mb": 1536.0, "leak_mb_per_500": 50.0}

_ELEMENT_WIDGETS = ("number_input", "slider", "checkbox", "selectbox", "radio")


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, extra_env: dict[str, str] | None = None,
                 log: Path | None = None, timeout: float = 90) -> subprocess.Popen:
    """``streamlit run app.py`` headless on 127.0.0.1:port; returns once it answers health.

    The server's output goes to ``log`` (a temporary file by default; ``proc.log_path``).
    """
    if log is None:
        fd, name = tempfile.mkstemp(prefix="load-server-", suffix=".log")
        os.close(fd)
        log = Path(name)
    with open(log, "w") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **(extra_env or {})},
        )
    proc.log_path = log  # type: ignore[attr-defined]
    proc.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(proc.url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"the server did not answer /_stcore/health within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    stop_process(proc)


def _status_kb(pid: int, *names: str) -> dict[str, float]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in names:
                out[key] = float(rest.split()[0])
    return out


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
    return kids


def _pids(pid: int | Sequence[int]) -> list[int]:
    return [pid] if isinstance(pid, int) else list(pid)


def server_memory(pid: int | Sequence[int]) -> tuple[float, float]:
    """``(rss_mb, peak_mb)`` of the server: VmRSS and VmHWM of /proc/<pid>/status.

    Streamlit serves every session from one process (one thread per running script); any
    child processes (none are expected) are added in. Several pids (replicas): the sums.
    """
    rss = peak = 0.0
    for p in [q for top in _pids(pid) for q in (top, *_children(top))]:
        with contextlib.suppress(OSError):
            kb = _status_kb(p, "VmRSS", "VmHWM")
            rss += kb.get("VmRSS", 0.0)
            peak += kb.get("VmHWM", 0.0)
    return rss / 1024, peak / 1024


def server_cpu_s(pid: int | Sequence[int]) -> float:
    """CPU seconds (user + system) the server's processes have used so far, summed."""
    total = 0
    for p in _pids(pid):
        with contextlib.suppress(OSError), open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int | Sequence[int]) -> bool:
    """Reset VmHWM to the current RSS (``echo 5 > /proc/pid/clear_refs``), so the next
    reading is the peak of what follows. False when the kernel does not allow it."""
    try:
        for p in _pids(pid):
            with open(f"/proc/{p}/clear_refs", "w") as f:
                f.write("5")
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------- one session


@dataclass(frozen=True)
class Change:
    """Set the widget labelled ``label`` to ``value`` in a second run. ``url_key``: the
    query-string key the page writes the setting to, used to check that the change took."""

    label: str
    value: float | int | bool
    url_key: str | None = None


@dataclass
class SessionResult:
    ok: bool = False
    error: str | None = None  # connection failure, timeout, missing widget, ...
    connect_s: float | None = None  # the websocket handshake
    first_s: float | None = None  # connect + first run, to its script_finished
    change_s: float | None = None  # the second run (widget change), to its script_finished
    total_s: float | None = None  # connect to closed
    statuses: list[int] = field(default_factory=list)  # script_finished of each run
    exceptions: list[str] = field(default_factory=list)  # exception elements received
    error_alerts: list[str] = field(default_factory=list)  # st.error boxes (app messages)
    warnings: list[str] = field(default_factory=list)  # st.warning boxes
    change_applied: bool | None = None  # None: no change asked, or nothing to check it by
    query_string: str = ""  # the one the page last wrote
    bytes_received: int = 0
    messages: int = 0
    session_id: str = ""
    page_s: float | None = None  # browser: the page's and health's HTTP GETs
    cookies: dict[str, str] = field(default_factory=dict)  # browser: what the GETs set
    upload_url: str = ""  # upload: where the file went (relative to the server)
    upload_status: int | None = None  # upload: the PUT's HTTP status (204: stored)


async def http_request(method: str, url: str, headers: dict[str, str] | None = None,
                       body: bytes = b"") -> tuple[int, list[tuple[str, str]], bytes]:
    """One HTTP/1.1 request on its own connection, on the event loop (no thread): returns
    ``(status, [(header name lowercased, value)], body)``."""
    u = urlsplit(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    reader, writer = await asyncio.open_connection(u.hostname, port,
                                                   ssl=True if u.scheme == "https" else None)
    try:
        lines = [f"{method} {u.path or '/'}{'?' + u.query if u.query else ''} HTTP/1.1",
                 f"Host: {u.netloc}", "Connection: close", "User-Agent: lrp-load",
                 *(f"{k}: {v}" for k, v in (headers or {}).items())]
        if body or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    hdrs = [(k.strip().lower(), v.strip()) for k, _, v in
            (h.partition(":") for h in header_lines)]
    if ("transfer-encoding", "chunked") in hdrs:
        out, rest = b"", payload
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size.split(b";")[0] or b"0", 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        payload = out
    return int(status_line.split()[1]), hdrs, payload


def _keep_cookies(jar: dict[str, str], headers: list[tuple[str, str]]) -> None:
    for name, value in headers:
        if name == "set-cookie":
            key, _, val = value.split(";", 1)[0].partition("=")
            jar[key.strip()] = val.strip()


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


XSRF_COOKIE = "_streamlit_xsrf"


async def _upload(ws, base: str, run: _Run, res: SessionResult, name: str, data: bytes) -> None:
    """What st.file_uploader's frontend does: ask the session for an upload URL (a
    ``file_urls_request`` BackMsg), then PUT the file there as multipart with the XSRF token."""
    msg = BackMsg()
    msg.file_urls_request.request_id = "load-upload"
    msg.file_urls_request.file_names.append(name)
    msg.file_urls_request.session_id = res.session_id
    await ws.send(msg.SerializeToString())
    while True:
        data_in = await ws.recv(decode=False)
        res.bytes_received += len(data_in)
        res.messages += 1
        fwd = ForwardMsg()
        fwd.ParseFromString(data_in)
        if fwd.WhichOneof("type") == "file_urls_response":
            break
    if fwd.file_urls_response.error_msg or not fwd.file_urls_response.file_urls:
        raise RuntimeError(f"no upload URL: {fwd.file_urls_response.error_msg!r}")
    res.upload_url = fwd.file_urls_response.file_urls[0].upload_url
    boundary = f"lrp{time.time_ns()}"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"UploadedFile\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").encode() + data + (
        f"\r\n--{boundary}--\r\n").encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Cookie": _cookie_header(res.cookies),
               "X-Xsrftoken": res.cookies.get(XSRF_COOKIE, ""),
               "Origin": _origin(base)}
    status, _, reply = await http_request("PUT", base + res.upload_url, headers, body)
    res.upload_status = status
    if status != 204:
        raise RuntimeError(f"upload: HTTP {status} {reply[:200]!r}")


def _origin(url: str) -> str:
    u = urlsplit(url)
    return f"{u.scheme}://{u.netloc}"


def ws_url(url: str) -> str:
    base = url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://"):]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://"):]
    return base + "/_stcore/stream"


class _Run:
    """What a session knows from the messages so far (a browser's state, reduced)."""

    def __init__(self, query_string: str) -> None:
        self.query_string = query_string
        self.page_hash = ""
        self.widgets: dict[str, tuple[str, Any]] = {}  # label -> (element type, proto)


def _rerun(url: str, run: _Run, widget_states=None) -> bytes:
    msg = BackMsg()
    cs = msg.rerun_script
    cs.query_string = run.query_string
    cs.page_script_hash = run.page_hash
    cs.context_info.url = url.rstrip("/") + "/" + (f"?{run.query_string}"
                                                    if run.query_string else "")
    cs.context_info.timezone = "UTC"
    cs.context_info.locale = "en-US"
    if widget_states:
        cs.widget_states.widgets.extend(widget_states)
    return msg.SerializeToString()


def _record_element(el: Any, run: _Run, res: SessionResult) -> None:
    """What a session result keeps of one new element: exceptions, alerts, widgets."""
    from streamlit.proto.Alert_pb2 import Alert

    etype = el.WhichOneof("type")
    if etype == "exception":
        res.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
    elif etype == "alert":
        if el.alert.format == Alert.ERROR:
            res.error_alerts.append(el.alert.body[:300])
        elif el.alert.format == Alert.WARNING:
            res.warnings.append(el.alert.body[:300])
    elif etype in _ELEMENT_WIDGETS:
        proto = getattr(el, etype)
        run.widgets[proto.label] = (etype, proto)


async def _until_finished(ws, run: _Run, res: SessionResult) -> int:
    """Read ForwardMsgs until script_finished; returns its status."""
    while True:
        data = await ws.recv(decode=False)
        res.bytes_received += len(data)
        res.messages += 1
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            _record_element(msg.delta.new_element, run, res)
        elif kind == "new_session":
            res.session_id = msg.new_session.initialize.session_id
        elif kind == "navigation":
            run.page_hash = msg.navigation.page_script_hash or run.page_hash
        elif kind == "page_info_changed":
            run.query_string = msg.page_info_changed.query_string
        elif kind == "session_event" and msg.session_event.HasField(
                "script_compilation_exception"):
            res.exceptions.append("compile: "
                                  + msg.session_event.script_compilation_exception.message)
        elif kind == "script_finished":
            res.statuses.append(msg.script_finished)
            return msg.script_finished


def _widget_state(etype: str, proto: Any, value: float | int | bool):
    from streamlit.proto.NumberInput_pb2 import NumberInput
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    ws = WidgetState(id=proto.id)
    if etype == "number_input":
        if proto.data_type == NumberInput.INT:
            ws.int_value = int(value)
        else:
            ws.double_value = float(value)
    elif etype == "slider":
        ws.double_array_value.data.append(float(value))
    elif etype == "checkbox":
        ws.bool_value = bool(value)
    else:
        raise ValueError(f"changing a {etype} is not supported by this client")
    return ws


async def run_session(url: str, query_string: str, change: Change | None = None,
                      timeout: float = 60, *, browser: bool = False,
                      upload: tuple[str, bytes] | None = None) -> SessionResult:
    """One browser tab: open the page at ``query_string``, optionally change a widget, close.

    ``browser``: first GET the page and ``/_stcore/health`` and send their cookies (and an
    Origin) with the websocket, as a browser does (through nginx: its route cookie).
    ``upload``: ``(file name, bytes)`` to upload after the first run (implies ``browser``).
    """
    res = SessionResult()
    run = _Run(query_string)
    browser = browser or upload is not None
    base = url.rstrip("/")
    phase = "connect"
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            headers: dict[str, str] = {}
            subprotocols = [Subprotocol("streamlit")]
            if browser:
                phase = "page"
                page = base + "/" + (f"?{query_string}" if query_string else "")
                for target in (page, base + "/_stcore/health"):
                    status, got, _ = await http_request(
                        "GET", target, {"Cookie": _cookie_header(res.cookies)}
                        if res.cookies else None)
                    if status != 200:
                        raise RuntimeError(f"GET {target}: HTTP {status}")
                    _keep_cookies(res.cookies, got)
                res.page_s = time.perf_counter() - t0
                headers["Cookie"] = _cookie_header(res.cookies)
                if XSRF_COOKIE in res.cookies:  # the frontend sends it as a 2nd subprotocol
                    subprotocols.append(Subprotocol(res.cookies[XSRF_COOKIE]))
                phase = "connect"
            # No keepalive pings: a browser sends none (its heartbeat is a BackMsg, every
            # minute or so), and a slow server should fail by the timeout, not by a ping.
            async with connect(ws_url(url), subprotocols=subprotocols, max_size=None,
                               open_timeout=timeout, ping_interval=None, proxy=None,
                               additional_headers=headers or None,
                               origin=_origin(url) if browser else None) as ws:  # type: ignore[arg-type]
                res.connect_s = time.perf_counter() - t0
                phase = "first run"
                await ws.send(_rerun(url, run))
                await _until_finished(ws, run, res)
                res.first_s = time.perf_counter() - t0
                if change is not None:
                    phase = "widget change"
                    if change.label not in run.widgets:
                        raise LookupError(f"no widget labelled {change.label!r}")
                    etype, proto = run.widgets[change.label]
                    t1 = time.perf_counter()
                    await ws.send(_rerun(url, run, [_widget_state(etype, proto, change.value)]))
                    await _until_finished(ws, run, res)
                    res.change_s = time.perf_counter() - t1
                    if change.url_key:
                        got = parse_qs(run.query_string).get(change.url_key, [None])[0]
                        res.change_applied = got is not None and _same(got, change.value)
                if upload is not None:
                    phase = "upload"
                    await _upload(ws, base, run, res, *upload)
                phase = "close"
        res.total_s = time.perf_counter() - t0
    except TimeoutError:
        res.error = f"timeout: no answer within {timeout:g} s ({phase})"
    except Exception as exc:  # a failed session is a result, not a crash of the benchmark
        res.error = f"{type(exc).__name__} ({phase}): {exc}"[:300]
    res.query_string = run.query_string
    res.ok = (res.error is None and bool(res.statuses)
              and all(s == ForwardMsg.FINISHED_SUCCESSFULLY for s in res.statuses)
              and not res.exceptions)
    return res


def _same(text: str, value: float | int | bool) -> bool:
    if isinstance(value, bool):
        return text in (("1", "true") if value else ("0", "false"))
    try:
        return math.isclose(float(text), float(value), rel_tol=1e-9)
    except ValueError:
        return False


# --------------------------------------------------------------------------- many sessions


def percentile(xs: list[float], q: float) -> float | None:
    """Nearest rank: the smallest value with at least q% of the values at or below it."""
    if not xs:
        return None
    s = sorted(xs)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]


def _stats(xs: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(xs, 50), "p95": percentile(xs, 95),
            "max": max(xs) if xs else None}


_salt = 0


def different_scenes(n: int) -> list[str]:
    """n query strings with learning rates this server has not trained yet (a fresh salt per
    call), all below the stability bound of the notes' example (no divergence message)."""
    global _salt
    _salt += 1
    base = 0.02 + (time.time_ns() % 997) * 1e-7 + _salt * 1e-5
    return [f"lr={base + 0.0007 * i:.7g}&epochs=300" for i in range(n)]


async def _sample_rss(pid: int | Sequence[int], box: dict[str, float], every: float = 0.1) -> None:
    while True:
        with contextlib.suppress(OSError):
            box["max_rss"] = max(box.get("max_rss", 0.0), server_memory(pid)[0])
        await asyncio.sleep(every)


async def load(url: str, n: int, *, same_scene: bool, concurrency: int | None = None,
               change: bool = True, timeout: float = 60,
               pid: int | Sequence[int] | None = None, browser: bool = False) -> dict:
    """Open n sessions at once (at most ``concurrency`` open at a time; default all n) and
    summarise: latencies of the first run (connect to script_finished), of the widget change
    and of the whole session, failures, bytes, and the server's peak memory if ``pid`` (a
    list: replicas, summed). ``browser``: sessions GET the page first (see run_session)."""
    queries = [SCENE] * n if same_scene else different_scenes(n)
    lr0 = float(parse_qs(queries[0])["lr"][0])
    changes: list[Change | None] = [
        (Change(LR_LABEL, 0.07 if same_scene else round(lr0 + 0.0003 + 0.0007 * i, 7), "lr")
         if change else None) for i in range(n)]
    sem = asyncio.Semaphore(concurrency or n)

    async def one(i: int) -> SessionResult:
        async with sem:
            return await run_session(url, queries[i], changes[i], timeout, browser=browser)

    box: dict[str, float] = {}
    sampler = None
    if pid is not None:
        reset = reset_peak(pid)
        rss_before = server_memory(pid)[0]
        server_cpu0 = server_cpu_s(pid)
        sampler = asyncio.create_task(_sample_rss(pid, box))
    t0, cpu0 = time.perf_counter(), time.process_time()
    results = await asyncio.gather(*(one(i) for i in range(n)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if sampler is not None:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    failed = [r for r in results if not r.ok]
    out: dict[str, Any] = {
        "sessions": n, "same_scene": same_scene, "concurrency": concurrency or n,
        "widget_change": change, "browser": browser, "wall_s": wall,
        "sessions_per_s": n / wall,
        "client_cpu_s": cpu,  # this process: the load client competes with the server
        "failures": len(failed),
        "failure_examples": [r.error or (r.exceptions[:1] or [f"statuses {r.statuses}"])[0]
                             for r in failed[:5]],
        "exceptions": sum(len(r.exceptions) for r in results),
        "error_alerts": sum(len(r.error_alerts) for r in results),
        "first_run_s": _stats([r.first_s for r in results if r.first_s is not None]),
        "change_s": _stats([r.change_s for r in results if r.change_s is not None]),
        "session_s": _stats([r.total_s for r in results if r.total_s is not None]),
        "connect_s": _stats([r.connect_s for r in results if r.connect_s is not None]),
        "changes_applied": (sum(bool(r.change_applied) for r in results) if change else None),
        "bytes_per_session": sum(r.bytes_received for r in results) / n,
        "messages_per_session": sum(r.messages for r in results) / n,
    }
    if pid is not None:
        rss_after, hwm = server_memory(pid)
        out["server_cpu_s"] = server_cpu_s(pid) - server_cpu0  # summed over replicas
        out["rss_before_mb"] = rss_before
        out["rss_after_mb"] = rss_after
        # VmHWM after a reset is the true peak; the 0.1 s samples are a floor for it.
        out["peak_mb"] = max(hwm if reset else 0.0, box.get("max_rss", 0.0), rss_after)
        out["peak_from"] = "VmHWM since reset" if reset else "RSS sampled every 0.1 s"
    return out


async def _pool(url: str, n: int, concurrency: int, query: str, timeout: float,
                on_done=None) -> list[SessionResult]:
    """n sessions, one after another on each of ``concurrency`` lanes (a new one starts as
    soon as one closes)."""
    sem = asyncio.Semaphore(concurrency)
    done: list[SessionResult] = []

    async def one() -> SessionResult:
        async with sem:
            r = await run_session(url, query, None, timeout)
        done.append(r)
        if on_done is not None:
            on_done(len(done))
        return r

    return await asyncio.gather(*(one() for _ in range(n)))


def leak_check(url: str, pid: int | Sequence[int], n: int = 500, *, warmup: int = 20,
               concurrency: int = 4, settle: float = 2.0, checkpoints: int = 5,
               timeout: float = 60) -> dict:
    """Open and close n sessions on the same scene, at most ``concurrency`` at a time, after
    ``warmup`` of them; the server's RSS before and after (each after ``settle`` seconds), and
    every n/checkpoints sessions along the way.

    Note: Streamlit keeps a closed session for 2 minutes (at most 128 of them) in case its
    tab reconnects, so the first ~128 sessions grow RSS by design; ``growth_last_half_mb``
    (from the middle checkpoint to the end) is the slope once that store is full.
    """
    async def go() -> dict:
        warm = await _pool(url, warmup, concurrency, SCENE, timeout)
        await asyncio.sleep(settle)
        rss0 = server_memory(pid)[0]
        marks: list[tuple[int, float]] = [(0, rss0)]
        every = max(1, n // checkpoints)

        def mark(done: int) -> None:
            if done % every == 0 or done == n:
                marks.append((done, server_memory(pid)[0]))

        t0 = time.perf_counter()
        results = await _pool(url, n, concurrency, SCENE, timeout, mark)
        wall = time.perf_counter() - t0
        await asyncio.sleep(settle)
        rss1, peak = server_memory(pid)
        mid = min(marks, key=lambda m: abs(m[0] - n / 2))
        return {
            "sessions": n, "warmup": warmup, "concurrency": concurrency, "wall_s": wall,
            "warmup_failures": sum(not r.ok for r in warm),
            "failures": sum(not r.ok for r in results),
            "rss_before_mb": rss0, "rss_after_mb": rss1, "growth_mb": rss1 - rss0,
            "growth_last_half_mb": rss1 - mid[1], "last_half_from": mid[0],
            "growth_per_500_mb": (rss1 - rss0) * 500 / n,
            "checkpoints": [{"sessions": k, "rss_mb": r} for k, r in marks],
            "peak_mb": peak,
            "session_s": _stats([r.total_s for r in results if r.total_s is not None]),
        }

    return asyncio.run(go())


# --------------------------------------------------------------------------- the benchmark


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x * 1000:,.0f}"


def _mb(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def print_table(runs: dict[str, dict], leak: dict | None) -> None:
    print(f"\n{'run':30s} {'sessions':>8s} {'failed':>6s} {'p50 ms':>8s} {'p95 ms':>8s} "
          f"{'max ms':>8s} {'chg p50':>8s} {'chg p95':>8s} {'peak MB':>8s} {'KB/sess':>8s}")
    for name, r in runs.items():
        first, chg = r["first_run_s"], r["change_s"]
        print(f"{name:30s} {r['sessions']:>8d} {r['failures']:>6d} "
              f"{_ms(first['p50']):>8s} {_ms(first['p95']):>8s} {_ms(first['max']):>8s} "
              f"{_ms(chg['p50']):>8s} {_ms(chg['p95']):>8s} {_mb(r.get('peak_mb')):>8s} "
              f"{r['bytes_per_session'] / 1000:>8.0f}")
    print("  p50/p95/max: connect + first run, to its script_finished; chg: the widget-change "
          "run; peak: the server's VmHWM during the run")
    if leak:
        print(f"\nleak check: {leak['sessions']} sessions ({leak['concurrency']} at a time, "
              f"{leak['failures']} failed) in {leak['wall_s']:.0f} s: RSS "
              f"{leak['rss_before_mb']:.0f} -> {leak['rss_after_mb']:.0f} MB, growth "
              f"{leak['growth_mb']:+.1f} MB ({leak['growth_per_500_mb']:+.1f} MB per 500); "
              f"after session {leak['last_half_from']}: {leak['growth_last_half_mb']:+.1f} MB")
        print("  RSS along the way: " + ", ".join(
            f"{c['sessions']}: {c['rss_mb']:.0f}" for c in leak["checkpoints"]))


def goals(runs: dict[str, dict], leak: dict | None, big: str) -> dict[str, Any]:
    r = runs[big]
    out: dict[str, Any] = {
        "all_succeed": r["failures"] == 0,
        "p95_le_3s": (r["first_run_s"]["p95"] or math.inf) <= GOALS["p95_s"],
        "peak_le_1.5GB": (None if r.get("peak_mb") is None
                          else r["peak_mb"] <= GOALS["peak_mb"]),
    }
    if leak:
        out["leak_lt_50MB_per_500"] = leak["growth_per_500_mb"] < GOALS["leak_mb_per_500"]
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split(
        "\n")[0])
    ap.add_argument("--quick", action="store_true", help="leak check with 100 sessions")
    ap.add_argument("--sessions", type=int, default=100, help="the big run (default 100)")
    ap.add_argument("--url", help="an existing server (e.g. behind nginx) instead of our own")
    ap.add_argument("--pid", help="with --url: the server's pid, for memory figures (several "
                    "replicas: their pids, comma-separated, summed)")
    ap.add_argument("--leak", type=int, help="sessions in the leak check (default 500)")
    ap.add_argument("--no-change", action="store_true", help="no widget change in sessions")
    ap.add_argument("--browser", action="store_true",
                    help="sessions GET the page first and send its cookies, as a browser does "
                         "(needed behind deploy.replicas' nginx for sticky routing)")
    ap.add_argument("--timeout", type=float, default=120, help="per session, seconds")
    ap.add_argument("--file-watcher", choices=("config", "none"), default="config",
                    help="our server's server.fileWatcherType: as the app configures it "
                         "(default), or none")
    args = ap.parse_args(argv)
    leak_n = args.leak or (100 if args.quick else 500)
    change = not args.no_change

    results: dict[str, Any] = {"loadavg_start": os.getloadavg(), "cpus": os.cpu_count()}
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")
    proc = None
    if args.url:
        url = args.url
        pid = None if args.pid is None else [int(x) for x in args.pid.split(",")]
    else:
        t0 = time.perf_counter()
        env = ({"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"} if args.file_watcher == "none"
               else None)
        results["file_watcher"] = args.file_watcher
        proc = start_server(free_port(), extra_env=env)
        url, pid = proc.url, proc.pid  # type: ignore[attr-defined]
        results["server_start_s"] = time.perf_counter() - t0
        results["server_log"] = str(proc.log_path)  # type: ignore[attr-defined]
    try:
        t0 = time.perf_counter()
        warm = [asyncio.run(run_session(url, SCENE, Change(LR_LABEL, 0.07, "lr"),
                                        args.timeout, browser=args.browser)) for _ in range(3)]
        results["warmup"] = {"s": time.perf_counter() - t0,
                             "first_run_s": [w.first_s for w in warm],
                             "failures": sum(not w.ok for w in warm)}
        if pid is not None:
            results["rss_after_warmup_mb"] = server_memory(pid)[0]
        plan = [(f"{min(20, args.sessions)} at once, same scene", min(20, args.sessions), True,
                 change),
                (f"{args.sessions} at once, same scene", args.sessions, True, change),
                (f"{min(20, args.sessions)} at once, different scenes",
                 min(20, args.sessions), False, change)]
        if change:  # what a class opening one link does: open the page, change nothing
            plan.append((f"{args.sessions} at once, same scene, open only", args.sessions,
                         True, False))
        runs: dict[str, dict] = {}
        for name, n, same, changing in plan:
            runs[name] = asyncio.run(load(url, n, same_scene=same, change=changing,
                                          timeout=args.timeout, pid=pid,
                                          browser=args.browser))
            time.sleep(1)
        results["runs"] = runs
        leak = None
        if pid is not None:
            leak = leak_check(url, pid, leak_n, timeout=args.timeout)
            results["leak"] = leak
        results["loadavg_end"] = os.getloadavg()
        print_table(runs, leak)
        results["goals"] = goals(runs, leak, plan[1][0])
        print("\ngoals (100 at once: all succeed, p95 <= 3 s, peak <= 1.5 GB; leak < 50 MB per "
              "500):", ", ".join(f"{k} {'yes' if v else '-' if v is None else 'NO'}"
                                 for k, v in results["goals"].items()))
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if proc is not None:
            stop_server(proc)
    return results


if __name__ == "__main__":
    import json

    res = main()
    if os.environ.get("LOAD_JSON"):
        Path(os.environ["LOAD_JSON"]).write_text(json.dumps(res, indent=2, default=float))
