"""The command line: options mirror fit_gd; bad arguments give one line and exit code 2."""

import json

import pytest

from linreg_core.cli.main import main


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


def test_path_csv_matches_scikit_learn(capsys):
    import csv
    import io

    import numpy as np
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Lasso, Ridge

    assert main(["path", "--dataset", "diabetes", "--model", "lasso", "--alphas",
                 "0.05,0.5"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["alpha", "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    assert [float(r[0]) for r in rows[1:]] == [0.5, 0.05]
    X, y = load_diabetes(return_X_y=True)
    ref = Lasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(X, y).coef_
    got = np.array([float(v) for v in rows[2][1:]])
    np.testing.assert_allclose(got, ref, atol=1e-6 * np.abs(ref).max())
    assert main(["path", "--model", "ridge", "--alphas", "0.01", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ref = Ridge(alpha=2 * len(y) * 0.01).fit(X, y).coef_
    np.testing.assert_allclose(data["coefs"][0], ref, rtol=1e-8, atol=1e-8)


def test_path_default_grid_and_standardize(capsys):
    assert main(["path", "--dataset", "sparse", "--model", "enet", "--l1-ratio", "0.7",
                 "--n-alphas", "12", "--standardize"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 13
    first = [float(v) for v in lines[1].split(",")[1:]]
    assert all(v == 0.0 for v in first)  # the grid starts where every coefficient is zero


@pytest.mark.parametrize("argv", [
    ["path", "--model", "elastic"],
    ["path", "--model", "enet", "--l1-ratio", "0"],
    ["path", "--alphas", "1,-1"],
    ["path", "--alphas", "1,x"],
    ["path", "--n-alphas", "0"],
    ["path", "--n-alphas", "100000"],
    ["path", "--dataset", "polynomial", "--degree", "50"],
    ["path", "--format", "xml"],
])
def test_path_bad_arguments(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("linreg_core: error: ")


def test_epochs_capped_by_the_same_limits_as_the_page(capsys, monkeypatch):
    """The command line caps a run's updates with the page's rule (data/limits.py)."""
    from dataclasses import replace

    from linreg_core.data import limits as limits_module
    from linreg_core.scenes.gd import within_limits
    from linreg_core.settings import GDSettings

    small = replace(limits_module.LIMITS, max_updates=500)
    monkeypatch.setattr(limits_module, "LIMITS", small)
    argv = ["train", "--dataset", "line", "--n", "100", "--batch-size", "10", "--epochs", "80",
            "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["epochs_run"] == 50  # 500 updates / 10 batches per epoch
    assert "note: 80 epochs with these batches would be 800 updates" in captured.err
    page, why = within_limits(GDSettings(dataset="line", n=100, batch="mini", batch_size=10,
                                         epochs=80), 100, 1)
    assert page.epochs == 50
    assert why in captured.err


def test_outliers_dataset(capsys, tmp_path):
    import numpy as np

    from linreg_core.cli.datasets import load_dataset
    from linreg_core.cli.main import build_parser
    from linreg_core.scenes.gd import load_dataset as page_dataset
    from linreg_core.settings import GDSettings

    assert main(["train", "--dataset", "outliers", "--epochs", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dataset"]["name"] == "outliers"
    assert data["dataset"]["n_samples"] == 100
    for argv, settings in [
        ([], GDSettings(dataset="outliers")),
        (["--outliers", "0.2", "--n", "40", "--seed", "5"],
         GDSettings(dataset="outliers", outliers=0.2, n=40, seed=5)),
    ]:  # the page's data for the same settings
        args = build_parser().parse_args(["train", "--dataset", "outliers", *argv])
        ds, page = load_dataset(args), page_dataset(settings)
        np.testing.assert_array_equal(ds.X, page.X)
        np.testing.assert_array_equal(ds.y, page.y)
    out = tmp_path / "run.json"
    assert main(["export", "--out", str(out), "--dataset", "outliers", "--epochs", "3"]) == 0
    s = json.loads(out.read_text())["scene_settings"]
    assert (s["dataset"], s["outliers"]) == ("outliers", 0.05)
    capsys.readouterr()


@pytest.mark.parametrize("dataset", ["seed", "seed3"])
@pytest.mark.parametrize("standardize", [False, True])
def test_initial_weights_are_the_pages(dataset, standardize, capsys):
    """The notes' draw starts a random init only on raw features, on the page and here."""
    import numpy as np

    from linreg_core.scenes.gd import build_gd_scene
    from linreg_core.settings import GDSettings

    argv = ["train", "--dataset", dataset, "--epochs", "1", "--json"]
    assert main(argv + ["--standardize"] * standardize) == 0
    cli_w0 = np.array(json.loads(capsys.readouterr().out)["weights"][0], dtype=float)
    scene = build_gd_scene(GDSettings(dataset=dataset, standardize=standardize, epochs=1))
    page_w0 = np.asarray(scene.result.weights[0], dtype=float)
    np.testing.assert_array_equal(cli_w0.ravel(), page_w0.ravel())
    notes = "W₀ drawn as in the notes" in scene.init_note
    assert notes == (dataset == "seed" and not standardize)


def test_gradient_option_defaults_to_auto_and_gives_the_notes_loop(capsys):
    argv = ["train", "--dataset", "seed", "--lr", "0.1", "--epochs", "100", "--json"]
    assert main(argv) == 0
    auto = json.loads(capsys.readouterr().out)
    assert main([*argv, "--gradient", "autograd"]) == 0
    ref = json.loads(capsys.readouterr().out)
    assert auto["settings"]["gradient"] == "gram"
    assert ref["settings"]["gradient"] == "autograd"
    assert auto["loss"] == pytest.approx(ref["loss"], rel=1e-5)
