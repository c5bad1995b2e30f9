"""The command line: options mirror fit_gd; bad arguments give one line and exit code 2."""

import json

import pytest

from linreg_core.__main__ import main


def test_json_history(capsys):
    assert main(["train", "--dataset", "seed3", "--lr", "0.1", "--epochs", "20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["epochs_run"] == 20
    assert len(data["loss"]) == 21
    assert len(data["weights"]) == 21
    assert len(data["weights"][0]) == 3
    assert data["dataset"]["features"] == ["x1", "x2", "x3"]


def test_options_mirror_fit_gd(capsys):
    assert main(["train", "--dataset", "diabetes", "--feature", "bmi", "--standardize",
                 "--optimizer", "adam", "--batch-size", "32", "--lr", "0.5", "--epochs", "30",
                 "--seed", "3", "--init", "zeros", "--predict", "0.05"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Epoch 1/30, Loss: ")
    assert out[-1].startswith("Prediction for x=")
    assert main(["train", "--dataset", "line", "--n", "50", "--slope", "-1", "--noise", "0.2",
                 "--init", "0.5,1.5", "--epochs", "10"]) == 0


@pytest.mark.parametrize("argv", [
    ["train", "--lr", "abc"],
    ["train", "--lr", "nan"],
    ["train", "--epochs", "0"],
    ["train", "--dataset", "nope"],
    ["train", "--optimizer", "rmsprop"],
    ["train", "--init", "1,2,3"],
    ["train", "--dataset", "diabetes", "--feature", "height"],
    ["train", "--predict", "1,2"],
    ["train", "--lr", "-1"],
    ["fly"],
    [],
])
def test_bad_arguments_one_line_exit_2(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("linreg_core: error: ")
    assert "Traceback" not in captured.err


def test_divergence_exit_code_and_message(capsys):
    assert main(["train", "--lr", "5", "--epochs", "50"]) == 1
    err = capsys.readouterr().err
    assert "diverged at epoch" in err
    assert "0.934" in err
