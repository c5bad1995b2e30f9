"""A hosted demo's guards: XSRF protection stays on, the upload cap is the app's one limit, and
no page opens a file whose path could come from a user.

The effective configuration is read the way ``streamlit run`` reads it (the project's
``.streamlit/config.toml`` from the working directory, then STREAMLIT_* variables: Streamlit's
own CLI loads them), in a fresh interpreter so this process's Streamlit config is left alone.
A served check of XSRF (an upload without the token is refused) is in tests/test_docker.py,
against the image's CMD.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# `streamlit config show`, run in-process: the CLI loads the options exactly as for
# `streamlit run` (config files, then STREAMLIT_* variables), then we ask for the values.
_READ_CONFIG = """
import json
from click.testing import CliRunner
from streamlit.web import cli
import streamlit.config as config
shown = CliRunner().invoke(cli.main, ["config", "show"], catch_exceptions=False)
assert shown.exit_code == 0, shown.output
from linreg_core.data.limits import LIMITS
print(json.dumps({
    "xsrf": config.get_option("server.enableXsrfProtection"),
    "max_upload_mb": config.get_option("server.maxUploadSize"),
    "limits_max_upload_mb": LIMITS.max_upload_mb,
}))
"""


def _effective(env_extra: dict[str, str] | None = None) -> dict:
    # Without this machine's overrides (STREAMLIT_*, LINREG_*), as a fresh deployment has.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STREAMLIT_", "LINREG_"))}
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", _READ_CONFIG], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def effective() -> dict:
    return _effective()


def test_xsrf_protection_is_on(effective):
    assert effective["xsrf"] is True
    # Not switched off in the file either (the default is on; an explicit false would win).
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text()).get("server", {})
    assert server.get("enableXsrfProtection", True) is True


def test_the_upload_cap_is_the_apps_limit(effective):
    """Streamlit refuses bigger uploads before the app sees them; the app's label and loader
    use LIMITS. One number: config.toml's server.maxUploadSize must equal it."""
    assert effective["max_upload_mb"] == effective["limits_max_upload_mb"]
    assert 1 <= effective["max_upload_mb"] <= 200  # at most Streamlit's own default


def test_the_reader_sees_an_override():
    """The check above reads the effective value (it would notice a changed config)."""
    got = _effective({"STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "7"})
    assert got["max_upload_mb"] == 7
    assert got["limits_max_upload_mb"] != 7


# --------------------------------------------------------------------------- file paths

# Calls that open, read, write, list or delete a file given its path (builtins, pathlib,
# os, shutil, numpy, pandas, torch, the loader's read_file).
PATH_CALLS = {
    "open", "Path", "PurePath", "read_file", "read_csv", "read_excel", "read_json",
    "read_parquet", "read_pickle", "load", "loadtxt", "genfromtxt", "fromfile", "read_bytes",
    "read_text", "write_bytes", "write_text", "unlink", "remove", "rmtree", "listdir",
    "scandir", "iterdir", "glob", "rglob", "copyfile", "copy", "move", "rename", "mkdir",
    "stat", "exists", "is_file", "is_dir", "savefig", "to_csv", "save",
}
# st.* elements that read a local file when given a path instead of data.
MEDIA_CALLS = {"image", "audio", "video", "pdf", "html", "logo"}
MODULES = {"os", "shutil", "np", "pd", "torch", "json", "io", "pathlib", "sys", "pickle"}
SAFE_NAMES = {"__file__", "ROOT", "Path", "str"}  # the app's own location
BYTES_MAKERS = {"qr_png"}  # return PNG bytes (checked below)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _buffers(tree: ast.AST) -> set[str]:
    """Names assigned an in-memory file (``x = io.BytesIO()``): writing to one opens nothing."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("BytesIO", "StringIO"):
                out |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return out


def path_violations(source: str, filename: str = "<source>") -> list[str]:
    """Calls in ``source`` that could open a path not fixed by the app's own code."""
    found = []
    tree = ast.parse(source, filename)
    buffers = _buffers(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        args = [*node.args, *(k.value for k in node.keywords)]
        where = f"{filename}:{node.lineno}: {ast.unparse(node)[:80]}"
        if name in PATH_CALLS:
            if node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in buffers:
                continue  # .save(buffer, …) into an io.BytesIO
            names = set().union(*(_names(a) for a in args)) if args else set()
            if isinstance(func, ast.Attribute) and not (
                    isinstance(func.value, ast.Name) and func.value.id in MODULES):
                names |= _names(func.value)  # the receiver: (ROOT / x).read_text()
            if names - SAFE_NAMES:
                found.append(where)
        elif name in MEDIA_CALLS and isinstance(func, ast.Attribute) and node.args:
            first = node.args[0]
            constant = isinstance(first, ast.Constant) and isinstance(first.value, bytes)
            made = (isinstance(first, ast.Call) and isinstance(first.func, ast.Name)
                    and first.func.id in BYTES_MAKERS)
            if not (constant or made):
                found.append(where)
    return found


def _app_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
            *sorted((ROOT / "views").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


def test_no_page_opens_a_path_derived_from_user_input():
    found = []
    for path in _app_sources():
        found += path_violations(path.read_text(), str(path.relative_to(ROOT)))
    assert found == []


@pytest.mark.parametrize("snippet", [
    'open(st.query_params["file"])',
    "Path(name).read_text()",
    "(ROOT / st.session_state.f).read_bytes()",
    "pd.read_csv(file.name)",
    'st.image(st.query_params.get("img"))',
    "col.html(path)",
    "buffer = open(p, 'wb')\nsegno.make(t).save(buffer)",
])
def test_the_path_check_catches_user_paths(snippet):
    assert path_violations(snippet) != []


def test_the_path_check_allows_the_apps_own_files():
    assert path_violations("ROOT = Path(__file__).resolve().parents[1]") == []
    assert path_violations("st.image(qr_png(link), width=140)") == []
    assert path_violations("buf = io.BytesIO()\nsegno.make(text).save(buf, kind='png')") == []


def test_the_bytes_makers_return_bytes():
    from ui.share import qr_png

    png = qr_png("?lr=0.3")
    assert isinstance(png, bytes)
    assert png.startswith(b"\x89PNG")
