"""Exports of a run: the standalone script replays it exactly, the GIF animates without a
browser, the history parses back, and the HTML page plays offline in Chromium."""

import contextlib
import csv
import io
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from linreg_core import export as ex
from linreg_core.cli.main import EXPORT_FORMATS, main
from linreg_core.scenes.gd import build_gd_scene, scene_figure
from linreg_core.settings import GDSettings

ROOT = Path(__file__).resolve().parents[1]
NOTES = GDSettings(epochs=100, lr=0.1)  # the notes' example

# Every snippet case is run in its own `python -c` subprocess; they start together (a module
# fixture) because each spends ~2 s importing torch. Between them they cover every dataset,
# optimizer, batch mode and init; the random init followed by shuffling from the same
# generator is in the seed3 and line cases.
SNIPPET_CASES = {
    "notes_example": NOTES,
    "seed3_adam_minibatch": GDSettings(dataset="seed3", optimizer="adam", batch="mini",
                                       batch_size=16, lr=0.05, epochs=30, seed=2),
    "line_sgd_momentum_single": GDSettings(dataset="line", optimizer="sgd", momentum=0.8,
                                           batch="single", lr=0.01, epochs=3, n=40, seed=5,
                                           slope=-1.5, noise=0.5),
    "diabetes_bmi_standardized": GDSettings(dataset="diabetes", feature="bmi", standardize=True,
                                            lr=0.1, epochs=60),
    "outliers_chosen_init": GDSettings(dataset="outliers", init="chosen", w0=-1.5, b0=0.25,
                                       outliers=0.1, lr=0.05, epochs=40),
    "seed3_zeros_init": GDSettings(dataset="seed3", init="zeros", lr=0.1, epochs=25),
}


def _python(args, **kw):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, **kw)


@pytest.fixture(scope="module")
def snippet_runs(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("snippets")  # run away from the repo: no linreg_core import
    procs = {name: subprocess.Popen([sys.executable, "-c", ex.python_snippet(s)], cwd=cwd,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, s in SNIPPET_CASES.items()}
    runs = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=180)
        runs[name] = (proc.returncode, out, err)
    return runs


@pytest.mark.parametrize("name", SNIPPET_CASES)
def test_snippet_replays_the_run_exactly(name, snippet_runs):
    code, out, err = snippet_runs[name]
    assert code == 0, err
    result = build_gd_scene(SNIPPET_CASES[name], reference=True).result  # the autograd loop
    assert not result.diverged
    last, weights, bias = _final_line_and_params(out)
    assert last == f"Final loss: {result.loss[-1]:.4f}"
    # Not just the rounded loss: the final float32 parameters are bit-for-bit the same.
    assert weights == result.final_weights[:, 0].tolist()
    assert bias == float(result.final_bias[0])
    # The page's scene (full batches: gradient from AᵀA in float64) agrees to ~1e-7.
    page = build_gd_scene(SNIPPET_CASES[name]).result
    np.testing.assert_allclose(page.loss[-1], float(last.split(": ")[1]), rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(page.final_weights[:, 0], weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(page.final_bias[0], bias, rtol=1e-5, atol=1e-6)


def test_snippet_of_the_notes_example_prints_the_notes_number(snippet_runs):
    code, out, _ = snippet_runs["notes_example"]
    assert out.splitlines()[-1] == "Final loss: 0.0084"
    assert "Epoch 1/100, Loss: 19.7387" in out  # the notes' own printout on the way
    code = ex.python_snippet(NOTES)
    assert "import linreg_core" not in code
    assert "sklearn" not in code
    assert "    with torch.no_grad():\n        W -= lr * W.grad" in code  # the notes' step
    assert "loss.backward()" in code


@pytest.mark.parametrize("dataset", ["seed", "line", "outliers", "seed3", "diabetes"])
def test_every_combination_gives_valid_python(dataset):
    for optimizer, batch, init, standardize in itertools.product(
            ["manual", "sgd", "adam"], ["full", "mini", "single"],
            ["random", "zeros", "chosen"], [False, True]):
        s = GDSettings(dataset=dataset, optimizer=optimizer, batch=batch, init=init,
                       standardize=standardize)
        code = ex.python_snippet(s)
        compile(code, "run.py", "exec")
        assert ("sklearn" in code) == (dataset == "diabetes")
        assert ("randperm" in code) == (batch != "full")
        assert ("notes_W0.clone()" in code) == (
            dataset == "seed" and init == "random" and not standardize)


def _final_line_and_params(out: str) -> tuple[str, list[float], float]:
    match = re.search(r"^Final W: \[(.*)\], b: (\S+)$", out, re.MULTILINE)
    assert match, out
    return (out.splitlines()[-1], [float(v) for v in match.group(1).split(",")],
            float(match.group(2)))


@pytest.mark.parametrize("dataset", ["seed", "line", "outliers", "seed3", "diabetes"])
def test_snippets_replay_runs_in_process(dataset):
    """A wider sweep than the subprocess cases, run with exec() to skip torch's import."""
    combos = [("manual", "mini", "random", True), ("sgd", "single", "chosen", False),
              ("adam", "full", "zeros", dataset != "diabetes")]
    for optimizer, batch, init, standardize in combos:
        s = GDSettings(dataset=dataset, optimizer=optimizer, batch=batch, init=init,
                       standardize=standardize, lr=0.02, epochs=2 if batch == "single" else 6,
                       batch_size=24, n=50, seed=11, w0=0.5, b0=-1.0, feature="all")
        result = build_gd_scene(s, reference=True).result
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(ex.python_snippet(s), {"__name__": "__main__"})
        last, weights, bias = _final_line_and_params(buf.getvalue())
        assert last == f"Final loss: {result.loss[-1]:.4f}", s
        assert weights == result.final_weights[:, 0].tolist(), s
        assert bias == float(result.final_bias[0]), s


def test_snippet_refuses_uploaded_data():
    with pytest.raises(ValueError, match="cannot regenerate"):
        ex.python_snippet(GDSettings(dataset="csv"))


# ------------------------------------------------------------------------------------ GIF


@pytest.fixture(scope="module")
def notes_scene():
    return build_gd_scene(NOTES)


def test_gif_animates_the_notes_example(notes_scene):
    data = ex.gif_export(notes_scene)
    assert data[:6] == b"GIF89a"
    img = Image.open(io.BytesIO(data))
    assert img.n_frames >= 10
    assert min(img.size) > 0
    assert len(data) > 0
    assert img.info.get("loop") == 0


def test_gif_of_several_features_and_of_short_runs():
    scene = build_gd_scene(GDSettings(dataset="seed3", lr=0.1, epochs=10))
    img = Image.open(io.BytesIO(ex.gif_export(X=scene.X, y=scene.dataset.y,
                                              result=scene.result, max_frames=3)))
    assert img.n_frames == 11  # every state of a 10-epoch run, despite max_frames=3
    with pytest.raises(ValueError, match="needs a scene"):
        ex.gif_export(X=scene.X)


# ----------------------------------------------------------------------------- CSV / JSON


def test_history_csv_parses_back_to_the_result(notes_scene):
    result = notes_scene.result
    rows = list(csv.reader(io.StringIO(ex.history_csv(result, ["x"]))))
    assert rows[0] == ["epoch", "loss", "w[x]", "b"]
    table = np.array([[float(v) for v in r] for r in rows[1:]])
    assert table.shape == (result.epochs_run + 1, 4)
    np.testing.assert_array_equal(table[:, 0], np.arange(result.epochs_run + 1))
    np.testing.assert_array_equal(table[:, 1], result.loss)  # repr: no digits lost
    np.testing.assert_array_equal(table[:, 2], result.weights[:, 0, 0])
    np.testing.assert_array_equal(table[:, 3], result.bias[:, 0])


def test_history_of_several_features():
    scene = build_gd_scene(GDSettings(dataset="seed3", lr=0.1, epochs=5))
    names = scene.dataset.feature_names
    rows = list(csv.reader(io.StringIO(ex.history_csv(scene.result, names))))
    assert rows[0] == ["epoch", "loss", "w[x1]", "w[x2]", "w[x3]", "b"]
    np.testing.assert_array_equal(np.array(rows[1:], dtype=float)[:, 2:5],
                                  scene.result.weights[:, :, 0])
    data = json.loads(ex.history_json(scene.result, names, scene.settings))
    assert data["feature_names"] == names
    assert data["scene_settings"]["dataset"] == "seed3"
    np.testing.assert_array_equal(np.array(data["weights"]), scene.result.weights)
    with pytest.raises(ValueError, match="feature names"):
        ex.history_csv(scene.result, ["only one"])


def test_history_json_parses_back_to_the_result(notes_scene):
    result = notes_scene.result
    settings = ex.settings_dict(NOTES)
    data = json.loads(ex.history_json(result, ["x"], settings))
    assert data["feature_names"] == ["x"]
    assert data["scene_settings"] == settings
    assert data["settings"]["lr"] == 0.1  # fit_gd's own record
    assert data["epochs_run"] == result.epochs_run == 100
    np.testing.assert_array_equal(np.array(data["loss"]), result.loss)
    np.testing.assert_array_equal(np.array(data["weights"]), result.weights)
    np.testing.assert_array_equal(np.array(data["bias"]), result.bias)


def test_history_json_is_strict_after_a_divergence():
    result = build_gd_scene(GDSettings(lr=5.0, epochs=50)).result
    assert result.diverged
    data = json.loads(ex.history_json(result, ["x"], {}))  # no NaN/Infinity tokens
    assert data["diverged"] is True
    assert len(data["loss"]) == result.epochs_run + 1


# ----------------------------------------------------------------------------------- HTML


def _external_refs(page: str) -> list[str]:
    return re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?"
                      r"(?:https?:)?//[^\"' >]*", page, re.IGNORECASE)


@pytest.fixture(scope="module")
def notes_html(notes_scene):
    figure = scene_figure(notes_scene, start_epoch=0)
    return ex.html_export(figure, "The notes' example <y = 2x + 3>")


def test_html_is_standalone(notes_html):
    assert notes_html.lstrip().lower().startswith("<!doctype html>")
    assert "<script src=" not in notes_html
    assert _external_refs(notes_html) == []
    assert "mathjax" not in notes_html.lower().split("<body>", 1)[0]
    assert len(notes_html) > 1_000_000  # plotly.js is inlined
    assert '"bdata"' in notes_html  # the typed arrays went through as is
    assert "<title>The notes&#x27; example &lt;y = 2x + 3&gt;</title>" in notes_html


@pytest.mark.browser
def test_html_plays_offline_in_chromium(notes_html, browser, tmp_path):
    path = tmp_path / "run.html"
    path.write_text(notes_html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def handle(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: None if req.url.startswith(("file:", "data:", "blob:"))
            else outside.append(req.url))
    try:
        page.goto(path.as_uri())
        page.wait_for_selector(".js-plotly-plot .slider-group", timeout=30_000)
        label = page.locator(".js-plotly-plot .slider-group text.slider-label").first
        before = label.text_content().strip()
        assert before == "Epoch 0"
        page.locator(".updatemenu-button", has_text="Play").first.click()
        page.wait_for_timeout(1500)
        after = label.text_content().strip()
        assert after != before
        assert re.fullmatch(r"Epoch \d+", after)
        titles = [b.get_attribute("data-title") for b in page.locator(".modebar-btn").all()]
        assert "Download plot as a PNG" in titles
        assert not any("Share" in (t or "") for t in titles)  # no upload from an offline page
        assert outside == []
        assert errors == []
    finally:
        context.close()


# ------------------------------------------------------------------------------ command line

NOTES_ARGS = ["--dataset", "seed", "--lr", "0.1", "--epochs", "100"]


def test_cli_py_export_replays_the_notes_example(tmp_path, capsys):
    out = tmp_path / "run.py"
    assert main(["export", "--format", "py", "--out", str(out), *NOTES_ARGS]) == 0
    err = capsys.readouterr().err
    assert err == f"wrote {out} ({out.stat().st_size:,} bytes)\n"
    run = _python([str(out)])
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "Final loss: 0.0084"


@pytest.mark.parametrize("fmt", ["html", "gif", "csv", "json"])
def test_cli_writes_every_format(fmt, tmp_path, capsys):
    out = tmp_path / f"run.{fmt}"
    assert main(["export", "--format", fmt, "--out", str(out), *NOTES_ARGS,
                 "--epochs", "20"]) == 0
    assert out.stat().st_size > 0
    assert capsys.readouterr().err == f"wrote {out} ({out.stat().st_size:,} bytes)\n"
    if fmt == "gif":
        assert Image.open(out).n_frames >= 10
    elif fmt == "csv":
        assert len(out.read_text().splitlines()) == 22  # header + epochs 0..20
    elif fmt == "json":
        assert json.loads(out.read_text())["epochs_run"] == 20
    else:
        assert "<script src=" not in out.read_text(encoding="utf-8")


def test_cli_options_reach_the_settings(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["export", "--out", str(out), "--dataset", "line", "--n", "30",
                 "--outliers", "0.1", "--batch-size", "1", "--optimizer", "sgd",
                 "--momentum", "0.5", "--init", "0.5,1.5", "--epochs", "3",
                 "--standardize", "--seed", "4"]) == 0  # format from the suffix
    s = json.loads(out.read_text())["scene_settings"]
    assert (s["dataset"], s["n"], s["outliers"], s["batch"], s["optimizer"]) == (
        "outliers", 30, 0.1, "single", "sgd")
    assert (s["momentum"], s["init"], s["w0"], s["b0"], s["standardize"], s["seed"]) == (
        0.5, "chosen", 0.5, 1.5, True, 4)
    assert main(["export", "--format", "json", "--out", str(out), "--dataset", "seed3",
                 "--batch-size", "10", "--init", "zeros"]) == 0
    s = json.loads(out.read_text())["scene_settings"]
    assert (s["batch"], s["batch_size"], s["init"]) == ("mini", 10, "zeros")
    capsys.readouterr()


def test_cli_text_formats_to_stdout(capsys):
    assert main(["export", "--format", "csv", "--out", "-", *NOTES_ARGS,
                 "--epochs", "5"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "epoch,loss,w[x],b"
    assert len(captured.out.splitlines()) == 7
    assert captured.err.startswith("wrote stdout (")


@pytest.mark.parametrize("argv", [
    ["--format", "pdf", "--out", "x.pdf"],
    ["--out", "x.txt"],  # no --format and no known suffix
    ["--format", "gif", "--out", "-"],  # binary to stdout
    ["--format", "csv", "--out", "{tmp}/missing/run.csv"],
    ["--format", "csv", "--out", "{tmp}"],  # a folder
    ["--format", "csv", "--out", "{tmp}/r.csv", "--dataset", "seed3", "--init", "1,2,3,0"],
    ["--format", "csv", "--out", "{tmp}/r.csv", "--lr", "abc"],
    ["--format", "py", "--out", "{tmp}/r.py", "--csv", "{data}", "--target", "y"],
])
def test_cli_bad_arguments_one_line_exit_2(argv, tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n2,4\n3,6.5\n")
    argv = [a.format(tmp=tmp_path, data=data) for a in argv]
    assert main(["export", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("linreg_core: error: ")
    assert list(tmp_path.iterdir()) == [data]  # nothing written


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_cli_unwritable_out_is_one_line(capsys):
    # /dev/full accepts the open and fails the write (ENOSPC), even for root.
    assert main(["export", "--format", "csv", "--out", "/dev/full", "--epochs", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("linreg_core: error: cannot write /dev/full: ")
    assert err.count("\n") == 1, err


def test_cli_and_module_agree_on_the_formats():
    assert EXPORT_FORMATS == ex.FORMATS
