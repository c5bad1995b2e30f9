"""One dataset registry: every page, the command line and the builders read the same list."""

import argparse

import pytest

from linreg_core.cli import datasets as dcli
from linreg_core.cli.main import build_parser
from linreg_core.data import registry
from linreg_core.scenes.regularization import RegSettings
from linreg_core.settings import GD_SPECS, LAB_SPECS, REG_SPECS, GDSettings, LabSettings

BUILT_IN = [name for name, e in registry.REGISTRY.items() if e.build is not None]
OPTIONS = [{}, {"n": 37, "feature": "bmi", "degree": 4, "seed": 3, "outliers": 0.2},
           {"feature": "all", "degree": 12}]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("name", BUILT_IN)
def test_every_dataset_builds_with_the_shape_it_declares(name, options):
    ds = registry.build(name, **options)
    assert (ds.n_samples, ds.n_features) == registry.shape(name, **options)
    assert ds.y.shape == (ds.n_samples, 1)
    assert len(ds.feature_names) == ds.n_features
    assert (ds.notes_init is not None) == registry.get(name).notes_draw


def test_every_entry_is_offered_somewhere_known():
    for entry in registry.REGISTRY.values():
        assert entry.pages, entry.name
        assert set(entry.pages) <= set(registry.PAGES), entry.name
        assert set(entry.page_labels) <= set(entry.pages), entry.name
        assert entry.label, entry.name
        assert entry.help, entry.name
    assert [n for n, e in registry.REGISTRY.items() if e.build is None] == ["csv"]


def test_page_options_are_the_registrys():
    assert GD_SPECS["dataset"].options == registry.names("gd") == (
        "seed", "line", "outliers", "seed3", "diabetes", "csv")
    assert REG_SPECS["dataset"].options == registry.names("regularization") == (
        "diabetes", "correlated", "sparse", "polynomial", "csv")
    assert LAB_SPECS["dataset"].options == registry.names("lab") == (
        "seed", "line", "outliers", "seed3", "diabetes")
    for page in ("gd", "regularization", "lab"):
        assert list(registry.labels(page)) == list(registry.names(page))
    assert registry.labels("gd")["diabetes"] == "Diabetes (scikit-learn)"
    assert registry.labels("regularization")["diabetes"] == (
        "Diabetes (scikit-learn, as load_diabetes returns it)")


def test_command_line_choices_are_the_registrys():
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, page in (("train", "cli"), ("export", "cli"), ("path", "path")):
        action = next(a for a in subs.choices[command]._actions if a.dest == "dataset")
        assert tuple(action.choices) == registry.names(page), command
    assert "outliers" in registry.names("cli")
    assert dcli.DATASETS == registry.names("cli")


@pytest.mark.parametrize("cls", [GDSettings, RegSettings, LabSettings])
def test_settings_classes_come_from_their_specs(cls):
    from dataclasses import fields

    specs = {GDSettings: GD_SPECS, RegSettings: REG_SPECS, LabSettings: LAB_SPECS}[cls]
    rename = {"model": "view"} if cls is RegSettings else {}
    by_name = {f.name: f for f in fields(cls)}
    for spec in specs.values():
        if cls is RegSettings and spec.key in ("alpha", "gd"):  # the page's view state
            continue
        f = by_name[rename.get(spec.key, spec.key)]
        assert f.default == spec.default, spec.key
        assert f.type == type(spec.default).__name__, spec.key
    hash(cls())  # a cache key


def test_unknown_or_unoffered_dataset_is_a_value_error():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        registry.build("mnist")
    with pytest.raises(ValueError, match="choose one of seed, line"):
        registry.build("correlated", "gd")
    with pytest.raises(ValueError, match="your file"):
        registry.build("csv")


def test_the_notes_draw_applies_only_on_the_features_as_drawn():
    ds = registry.build("seed")
    assert registry.notes_start(ds, standardize=False) is ds.notes_init
    assert registry.notes_start(ds, standardize=True) is None
    assert registry.notes_start(registry.build("seed3"), standardize=False) is None


@pytest.mark.app
def test_page_selectboxes_show_the_registrys_datasets():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=120)
    at.run()
    pages = [(None, "gd_dataset", "gd"), ("pages/regularization.py", "rp_dataset",
                                          "regularization"),
             ("pages/lr_lab.py", "lab_dataset", "lab")]
    for path, key, page in pages:
        if path:
            at.switch_page(path).run()
        assert not at.exception
        assert list(at.selectbox(key=key).options) == list(registry.labels(page).values())
