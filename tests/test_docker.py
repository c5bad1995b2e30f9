"""The Dockerfile's claims, checked on a machine without a Docker engine.

No image is built here. Instead: the Dockerfile is parsed and its promises asserted (slim
Python 3.11 base, pinned requirements installed without a cache, a fixed non-root user, a
health check on ``/_stcore/health`` with Python's urllib, the CMD), and then the image's
runtime is rebuilt from the same instructions: the files its COPY lines copy, laid out under
a WORKDIR stand-in, owned by root and read-only to the app; its ENV; its CMD run verbatim as
an unprivileged user (``nobody``), with this venv's Python 3.11 and the pinned packages in
the place of the image's site-packages. The HEALTHCHECK command itself then runs against it
and must exit 0; a session must load the app from those files; an upload without the XSRF
token must be refused. The only change to the CMD and the health check: port 8501 becomes a
free port, on a machine other test runs share.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from fnmatch import fnmatch
from pathlib import Path

import pytest

from benchmarks.load import free_port, run_session
from deploy.replicas import stop_process

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
PORT = "8501"
UID = 10001


def parse(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    out, buf = [], ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#") or (not s and not buf):
            continue
        if s.endswith("\\"):
            buf += s[:-1].strip() + " "
            continue
        buf += s
        instr, _, args = buf.partition(" ")
        out.append((instr.upper(), args.strip()))
        buf = ""
    assert not buf, "a continuation line runs off the end of the Dockerfile"
    return out


@pytest.fixture(scope="module")
def df() -> list[tuple[str, str]]:
    return parse(DOCKERFILE.read_text())


def _all(df, name: str) -> list[str]:
    return [args for instr, args in df if instr == name]


def _one(df, name: str) -> str:
    found = _all(df, name)
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def _exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), args
    assert all(isinstance(v, str) for v in value), args
    return value


def _healthcheck(df) -> tuple[dict[str, str], list[str]]:
    args = _one(df, "HEALTHCHECK")
    options, _, cmd = args.partition("CMD ")
    opts = dict(re.findall(r"--([a-z-]+)=(\S+)", options))
    return opts, _exec_form(cmd)


def _copies(df) -> list[tuple[str, str]]:
    pairs = []
    for args in _all(df, "COPY"):
        parts = [p for p in args.split() if not p.startswith("--")]
        assert len(parts) == 2, f"one source per COPY, please: {args}"
        pairs.append((parts[0], parts[1]))
    return pairs


def _env(df) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in _all(df, "ENV"):
        env.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    return env


# --------------------------------------------------------------------------- what it says


def test_base_is_python_3_11_slim_and_matches_this_venv(df):
    assert _one(df, "FROM") == "python:3.11-slim"
    assert sys.version_info[:2] == (3, 11)  # what the tests below run it with


def test_requirements_are_pinned_installed_without_cache_and_match_what_was_tested(df):
    assert ("requirements.txt", "./") in _copies(df)
    installs = [r for r in _all(df, "RUN") if "pip install" in r]
    assert len(installs) == 1
    assert "--no-cache-dir" in installs[0]
    assert "-r requirements.txt" in installs[0]
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"not pinned: {line}"
            assert version, f"not pinned: {line}"
            pins[name] = version
    assert pins["torch"] == "2.13.0"
    for name, version in pins.items():  # the image gets what this suite ran with
        installed = importlib.metadata.version(name)
        assert installed.split("+")[0] == version, (name, installed)


def test_the_cpu_wheel_index_is_a_build_arg_and_no_host_is_written(df):
    assert "TORCH_INDEX_URL" in _all(df, "ARG")[0]
    assert re.search(r"--extra-index-url \"\$TORCH_INDEX_URL\"", _all(df, "RUN")[0])
    for path in (DOCKERFILE, ROOT / ".dockerignore"):
        hosts = set(re.findall(r"[a-z][a-z0-9+.-]*://([^/:'\"\s]+)", path.read_text()))
        assert hosts <= {"127.0.0.1"}, (path.name, hosts)  # only the container's own loopback


def test_runs_as_a_fixed_non_root_user(df):
    users = _all(df, "USER")
    assert users == [f"{UID}:{UID}"]
    creates = [r for r in _all(df, "RUN") if "useradd" in r]
    assert len(creates) == 1
    assert f"--uid {UID}" in creates[0]
    order = [instr for instr, _ in df]
    user_at = order.index("USER")
    # Everything after USER runs as that user: no RUN, COPY or another USER there.
    assert not {"RUN", "COPY", "ADD", "USER"} & set(order[user_at + 1:])
    assert user_at < order.index("CMD")


def test_workdir_copies_expose_cmd_and_healthcheck(df):
    assert _one(df, "WORKDIR") == "/app"
    assert _one(df, "EXPOSE") == PORT
    assert _exec_form(_one(df, "CMD")) == [
        "streamlit", "run", "app.py", "--server.address=0.0.0.0", f"--server.port={PORT}",
        "--server.headless=true"]
    opts, cmd = _healthcheck(df)
    assert cmd[:2] == ["python", "-c"]
    assert "urllib.request" in cmd[2]
    assert f"'http://127.0.0.1:{PORT}/_stcore/health'" in cmd[2]
    assert "b'ok'" in cmd[2]  # the body: any other path also answers 200
    assert not re.search(r"\b(curl|wget)\b", " ".join(cmd))  # not in the slim image
    assert {"interval", "timeout", "start-period", "retries"} <= set(opts)


def test_copies_exist_and_the_dockerignore_keeps_them_in_the_context(df):
    ignore = [p.strip().rstrip("/") for p in (ROOT / ".dockerignore").read_text().splitlines()
              if p.strip() and not p.startswith("#")]
    assert {".git", ".venv", "tests"} <= set(ignore)
    for src, _ in _copies(df):
        assert (ROOT / src).exists(), src
        assert not any(fnmatch(src.rstrip("/"), pat) for pat in ignore), src
    # Nothing the app needs is left out: every first-party module the app imports is copied.
    copied = {src.rstrip("/").split("/")[0] for src, _ in _copies(df)}
    assert {"app.py", "pages", "views", "ui", "linreg_core", ".streamlit"} <= copied


# --------------------------------------------------------------------------- what it does


def _blocked_ancestors(paths: list[Path], uid: int) -> list[Path]:
    """The directories above ``paths`` that ``uid`` (not their owner) cannot traverse,
    outermost first."""
    found = {parent for path in paths for parent in path.parents
             if (st := parent.stat()).st_uid != uid and not st.st_mode & 0o001}
    return sorted(found, key=lambda d: len(d.parts))


def _unprivileged(hold: Path) -> list[str]:
    """How to run a command as an unprivileged user: `runuser -u nobody` as root (else as
    ourselves, already not root).

    The interpreter may live under a directory only root can enter (pyenv under /root
    here), and so may this venv (a clone in a private directory, as ``mktemp -d`` makes).
    Then the command runs in a private mount namespace where each such directory is an
    empty, traversable tmpfs with just the needed child bound back into it (outermost
    first, so a private directory inside another is opened in turn); the machine's own
    directories are untouched."""
    if os.geteuid() != 0:
        return []
    nobody = pwd.getpwnam("nobody").pw_uid
    as_nobody = ["runuser", "-u", "nobody", "--"]
    needed = [Path(os.path.realpath(sys.executable)), Path(sys.executable).parent,
              Path(sys.prefix).resolve()]
    lines = ["set -e"]
    for i, blocked in enumerate(_blocked_ancestors(needed, nobody)):
        children = sorted({blocked / p.relative_to(blocked).parts[0] for p in needed
                           if blocked in p.parents})
        held = [(child, hold / f"{i}-{j}") for j, child in enumerate(children)]
        lines += [f"mkdir -p '{h}'; mount --bind '{c}' '{h}'" for c, h in held]
        lines.append(f"mount -t tmpfs -o mode=0711,size=1m tmpfs '{blocked}'")
        lines += [f"mkdir -p '{c}'; mount --bind '{h}' '{c}'" for c, h in held]
    if len(lines) == 1:
        return as_nobody
    script = "; ".join([*lines, 'exec "$@"'])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
            *as_nobody]


def _as_image(df, argv: list[str], home: Path, stage: Path) -> list[str]:
    """argv as the container would run it: the image's ENV only, its user's HOME, the
    venv's bin first on PATH (the image's /usr/local/bin)."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
           "HOME": str(home), "LANG": "C.UTF-8", **_env(df)}
    return [*_unprivileged(stage.parent / "hold"), "env", "-i",
            *(f"{k}={v}" for k, v in env.items()), *argv]


def _with_port(argv: list[str], port: int) -> list[str]:
    swapped = [a.replace(f"--server.port={PORT}", f"--server.port={port}")
               .replace(f"127.0.0.1:{PORT}/", f"127.0.0.1:{port}/") for a in argv]
    assert swapped != argv, "no port to swap"
    return swapped


@pytest.fixture(scope="module")
def image(df) -> Iterator[dict]:
    """The image's runtime: its files, its user, its CMD, on a free port."""
    tmp = Path(tempfile.mkdtemp(prefix="linreg-image-"))
    stage, home = tmp / "app", tmp / "home"
    for src, dest in _copies(df):
        if src == "requirements.txt":
            continue  # used by pip at build time only
        target = stage / dest
        if (ROOT / src).is_dir():
            shutil.copytree(ROOT / src, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            if dest.endswith("/"):
                target = target / Path(src).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / src, target)
    home.mkdir()
    for p in (tmp, *tmp.rglob("*")):  # root-owned, readable, not writable by the app
        p.chmod(0o755 if p.is_dir() else 0o644)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(home, nobody.pw_uid, nobody.pw_gid)
    port = free_port()
    cmd = _with_port(_exec_form(_one(df, "CMD")), port)
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(_as_image(df, cmd, home, stage), cwd=stage, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        yield {"proc": proc, "port": port, "stage": stage, "home": home, "tmp": tmp}
    finally:
        stop_process(proc)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _health(df, image, port: int) -> subprocess.CompletedProcess:
    _, cmd = _healthcheck(df)
    return subprocess.run(_as_image(df, _with_port(cmd, port), image["home"], image["stage"]),
                          cwd=image["stage"], capture_output=True, text=True, timeout=30)


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            kids = []
        out += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return out


def test_the_image_cmd_serves_as_an_unprivileged_user_and_its_healthcheck_passes(df, image):
    t0 = time.monotonic()
    while True:  # the HEALTHCHECK command itself, as the image's start period would
        assert image["proc"].poll() is None, (image["tmp"] / "server.log").read_text()
        result = _health(df, image, image["port"])
        if result.returncode == 0:
            break
        assert time.monotonic() - t0 < 90, result.stderr[-2000:]
        time.sleep(1)
    # The server runs as the unprivileged user, not root.
    python = os.path.realpath(sys.executable)
    uids = []
    for pid in [image["proc"].pid, *_descendants(image["proc"].pid)]:
        if os.path.realpath(f"/proc/{pid}/exe") == python:  # the server, not runuser & co.
            status = Path(f"/proc/{pid}/status").read_text()
            uids.append(re.search(r"^Uid:\s+(\d+)\s+(\d+)", status, re.M).groups())
    assert len(uids) == 1
    assert "0" not in uids[0], uids  # real and effective uid
    # The health check can tell: it fails when nothing answers, and when the server answers
    # but not from the health endpoint (the same command aimed at another path).
    assert _health(df, image, free_port()).returncode != 0
    _, cmd = _healthcheck(df)
    elsewhere = [a.replace("/_stcore/health", "/_stcore/no-such-endpoint") for a in cmd]
    got = subprocess.run(_as_image(df, _with_port(elsewhere, image["port"]), image["home"],
                                   image["stage"]),
                         cwd=image["stage"], capture_output=True, text=True, timeout=30)
    assert got.returncode != 0


def _in_thread(fn, *args, **kwargs):
    # A fresh thread: Playwright's sync API may hold an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def test_the_copied_files_are_the_whole_app(df, image):
    test_the_image_cmd_serves_as_an_unprivileged_user_and_its_healthcheck_passes(df, image)
    url = f"http://127.0.0.1:{image['port']}"
    res = _in_thread(asyncio.run, run_session(url, "lr=0.3&epochs=50", timeout=120,
                                              browser=True))
    assert res.ok, res
    # Every page's imports resolve from the copied files (a page the session did not open
    # would otherwise only fail when a user opens it).
    probe = (
        "import ast, importlib.util, pathlib, sys\n"
        "sys.path.insert(0, '.')\n"
        "missing = []\n"
        "for f in ['app.py', *map(str, pathlib.Path().glob('**/*.py'))]:\n"
        "    for n in ast.walk(ast.parse(pathlib.Path(f).read_text())):\n"
        "        names = [a.name for a in n.names] if isinstance(n, ast.Import) else \\\n"
        "            [n.module] if isinstance(n, ast.ImportFrom) and n.module and not n.level \\\n"
        "            else []\n"
        "        for m in names:\n"
        "            try:\n"
        "                found = importlib.util.find_spec(m)\n"
        "            except ModuleNotFoundError:\n"
        "                found = None\n"
        "            if found is None:\n"
        "                missing.append(f + ': ' + m)\n"
        "print('\\n'.join(missing))\n"
        "sys.exit(1 if missing else 0)\n")
    out = subprocess.run(_as_image(df, ["python", "-c", probe], image["home"], image["stage"]),
                         cwd=image["stage"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    # The app wrote nothing into its own directory.
    written = [p for p in image["stage"].rglob("*") if p.stat().st_uid != os.geteuid()]
    assert written == []


def test_xsrf_protection_refuses_an_upload_without_the_token(df, image):
    test_the_image_cmd_serves_as_an_unprivileged_user_and_its_healthcheck_passes(df, image)
    base = f"http://127.0.0.1:{image['port']}"
    target = base + "/_stcore/upload_file/no-such-session/no-such-file"

    def put(headers: dict[str, str]) -> int:
        req = urllib.request.Request(target, data=b"x", method="PUT", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert put({}) == 403
    # With the token pair a browser would send, the refusal is no longer XSRF's (it is now
    # about the unknown session): the 403 above was the XSRF check.
    with urllib.request.urlopen(base + "/_stcore/health", timeout=10) as r:
        cookie = next(v for k, v in r.headers.items()
                      if k.lower() == "set-cookie" and v.startswith("_streamlit_xsrf="))
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    assert put({"Cookie": f"_streamlit_xsrf={token}", "X-Xsrftoken": token}) != 403
