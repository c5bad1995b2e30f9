"""``--csv FILE --target COL``: a good file trains; a bad one gives one line and exit code 2."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_loader import GOOD, MALFORMED, MANIFEST  # tests/ is on sys.path under pytest

from linreg_core.cli.main import main
from linreg_core.data import limits as limits_module


def _argv(command: str, file: str, kwargs: dict) -> list[str]:
    argv = [command, "--csv", str(MALFORMED / file), "--target", kwargs.get("target", "y")]
    if "features" in kwargs:
        argv += ["--features", ",".join(kwargs["features"])]
    if kwargs.get("text_columns") == "onehot":
        argv.append("--onehot")
    return argv + (["--epochs", "5"] if command == "train" else ["--alphas", "0.1"])


# the CLI has no option for text_columns other than exclude/onehot
CLI_MANIFEST = [e for e in MANIFEST if e[1].get("text_columns") in (None, "onehot")]


@pytest.mark.parametrize("command", ["train", "path"])
@pytest.mark.parametrize(("file", "kwargs", "expected"), CLI_MANIFEST,
                         ids=[f"{f}-{'-'.join(sorted(k))}" for f, k, _ in CLI_MANIFEST])
def test_malformed_csv_one_line_exit_2(command, file, kwargs, expected, capsys, monkeypatch):
    if "limits" in kwargs:
        monkeypatch.setattr(limits_module, "LIMITS", kwargs["limits"])
    assert main(_argv(command, file, kwargs)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("linreg_core: error: ")
    assert expected in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(("argv", "expected"), [
    (["train", "--csv", "/nonexistent/data.csv", "--target", "y"],
     "cannot read /nonexistent/data.csv: No such file or directory"),
    (["train", "--csv", str(GOOD), "--target", "y"], "Is a directory"),
    (["train", "--csv", str(GOOD / "semicolon.csv")], "--csv needs --target COL"),
    (["path", "--target", "y"], "apply only with --csv FILE"),
    (["train", "--onehot"], "apply only with --csv FILE"),
])
def test_bad_csv_arguments(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("linreg_core: error: ")
    assert expected in err


def test_errors_after_loading_follow_the_notes(capsys):
    argv = ["train", "--csv", str(GOOD / "semicolon.csv"), "--target", "y", "--predict", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["note: Read with ';' as the delimiter.",
                   "linreg_core: error: --predict needs 2 value(s), got 1"]


def test_good_csv_trains_and_notes_go_to_stderr(capsys):
    argv = ["train", "--csv", str(GOOD / "semicolon.csv"), "--target", "y", "--lr", "0.02",
            "--epochs", "30", "--predict", "2,3"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0].startswith("Epoch 1/30, Loss: ")
    assert out[-1].startswith("Prediction for x=2,3: ")
    assert captured.err.splitlines() == ["note: Read with ';' as the delimiter."]

    assert main(["train", "--csv", str(GOOD / "missing_values.csv"), "--target", "y",
                 "--standardize", "--epochs", "10", "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["dataset"] == {"name": "csv", "features": ["x1", "x2"], "n_samples": 5}
    assert captured.err.startswith("note: Dropped 5 of 10 rows with missing or non-finite")


def test_path_prints_csv_with_the_right_header(capsys):
    argv = ["path", "--csv", str(GOOD / "text_columns.csv"), "--target", "score", "--onehot",
            "--model", "ridge", "--alphas", "1,0.1"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(captured.out)))
    assert rows[0] == ["alpha", "city=Paris", "city=Rome", "hours"]
    assert [float(r[0]) for r in rows[1:]] == [1.0, 0.1]
    assert all(line.startswith("note: ") for line in captured.err.splitlines())
    assert "note: Left out text column 'name'" in captured.err

    argv = ["path", "--csv", str(GOOD / "html_names.csv"), "--target", "<b>y</b>",
            "--features", "<img src=x onerror=alert(1)>", "--alphas", "0.01"]
    assert main(argv) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["alpha", "<img src=x onerror=alert(1)>"]
