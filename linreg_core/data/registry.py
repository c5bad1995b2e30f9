"""The one list of datasets: what each is called, what it holds, where it is offered.

Every page's dataset choices, their labels, the command line's ``--dataset`` choices, the
shape a page plans with before loading, and the builders all come from :data:`REGISTRY`.
A dataset's options (``seed``, ``feature``, ``degree``, ``n``, ``slope``, ...) are keyword
arguments that each builder and shape takes as it needs and ignores otherwise, so a page's
settings or the command line's arguments can be handed over whole (:func:`options_of`).

The notes' initial draw (``torch.randn`` right after the notes' data) is the start of a
random init only on the features as drawn: :func:`notes_start` is that one rule, which the
gradient-descent scene, the learning-rate lab, the command line and the exported script call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linreg_core.data import datasets as data

PAGES = ("gd", "regularization", "lab", "cli", "path")  # cli: train and export; path: path
OPTION_KEYS = ("seed", "feature", "degree", "n", "slope", "intercept", "noise", "x_min", "x_max",
               "outliers")
LINE_KEYS = ("n", "slope", "intercept", "noise", "x_min", "x_max")
DEFAULT_OUTLIER_FRACTION = 0.05


@dataclass(frozen=True, eq=False)
class DatasetEntry:
    """One dataset as the pages and the command line know it."""

    name: str  # the URL value and the --dataset choice
    label: str  # what a page's selectbox shows
    pages: tuple[str, ...]  # where it is offered: a subset of PAGES
    # options in, the data out (None: the data come from the user's file)
    build: Callable[..., data.Dataset] | None
    # options in, (rows, features) out, without building (None: known only once loaded)
    shape: Callable[..., tuple[int, int]] | None
    notes_draw: bool = False  # the builder also returns the notes' initial weight
    help: str = ""  # the command line's one-phrase description
    page_labels: Mapping[str, str] = field(default_factory=dict)  # a page's own label


def _line_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: options[k] for k in LINE_KEYS if k in options}


def _seed(seed: int = 0, **_: Any) -> data.Dataset:
    return data.seed_example(seed=seed)


def _line(seed: int = 0, **options: Any) -> data.Dataset:
    return data.line(seed=seed, outliers=0.0, **_line_options(options))


def _outliers(seed: int = 0, outliers: float = DEFAULT_OUTLIER_FRACTION,
              **options: Any) -> data.Dataset:
    return data.line(seed=seed, outliers=outliers, **_line_options(options))


def _seed3(seed: int = 0, **_: Any) -> data.Dataset:
    return data.seed3(seed=seed)


def _diabetes(feature: str | None = None, **_: Any) -> data.Dataset:
    return data.diabetes(feature=None if feature in (None, "all") else feature)


def _correlated(seed: int = 0, **_: Any) -> data.Dataset:
    return data.correlated(seed=seed)


def _sparse(seed: int = 0, **_: Any) -> data.Dataset:
    return data.sparse(seed=seed)


def _polynomial(seed: int = 0, degree: int = 9, **_: Any) -> data.Dataset:
    return data.polynomial(degree=degree, seed=seed)


def _line_shape(n: int = 100, **_: Any) -> tuple[int, int]:
    return int(n), 1


def _diabetes_shape(feature: str | None = None, **_: Any) -> tuple[int, int]:
    return 442, len(data.DIABETES_FEATURES) if feature in (None, "all") else 1


def _polynomial_shape(degree: int = 9, **_: Any) -> tuple[int, int]:
    return 30, int(degree)


def _fixed(rows: int, features: int) -> Callable[..., tuple[int, int]]:
    return lambda **_: (rows, features)


REGISTRY: dict[str, DatasetEntry] = {e.name: e for e in [
    DatasetEntry("seed", "The notes' example (y = 2x + 3)", ("gd", "lab", "cli", "path"),
                 _seed, _fixed(100, 1), notes_draw=True,
                 help="the notes' y = 2x + 3 example"),
    DatasetEntry("line", "A custom line", ("gd", "lab", "cli", "path"), _line, _line_shape,
                 help="a custom line"),
    DatasetEntry("outliers", "A line with outliers", ("gd", "lab", "cli", "path"), _outliers,
                 _line_shape, help="a custom line with a fraction --outliers of its points "
                                   f"pushed off (default {DEFAULT_OUTLIER_FRACTION:g})"),
    DatasetEntry("seed3", "The notes' 3-feature example", ("gd", "lab", "cli", "path"), _seed3,
                 _fixed(100, 3), help="the notes' 3-feature example"),
    DatasetEntry("diabetes", "Diabetes (scikit-learn)",
                 ("gd", "regularization", "lab", "cli", "path"), _diabetes, _diabetes_shape,
                 help="scikit-learn's diabetes data",
                 page_labels={"regularization":
                              "Diabetes (scikit-learn, as load_diabetes returns it)"}),
    DatasetEntry("correlated", "Correlated feature groups", ("regularization", "path"),
                 _correlated, _fixed(200, 9), help="groups of correlated columns"),
    DatasetEntry("sparse", "Sparse ground truth (30 features, 4 matter)",
                 ("regularization", "path"), _sparse, _fixed(100, 30),
                 help="30 features, 4 matter"),
    DatasetEntry("polynomial", "1-D data, polynomial features", ("regularization", "path"),
                 _polynomial, _polynomial_shape, help="sin(πx) with features x … x^degree"),
    DatasetEntry("csv", "Your CSV file…", ("gd", "regularization"), None, None,
                 help="your own CSV file"),
]}


def names(page: str) -> tuple[str, ...]:
    """The datasets ``page`` offers, in the order its selectbox (or --dataset) lists them."""
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; one of {', '.join(PAGES)}")
    return tuple(name for name, e in REGISTRY.items() if page in e.pages)


def labels(page: str) -> dict[str, str]:
    """Name → label of the datasets ``page`` offers, as that page shows them."""
    return {name: REGISTRY[name].page_labels.get(page, REGISTRY[name].label)
            for name in names(page)}


def get(name: str, page: str | None = None) -> DatasetEntry:
    """The entry of ``name`` (offered on ``page``, if given); a ValueError names the choices."""
    choices = names(page) if page is not None else tuple(REGISTRY)
    if name not in choices:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(choices)}")
    return REGISTRY[name]


def options_of(source: Any) -> dict[str, Any]:
    """The dataset options a page's settings or the parsed command line hold (None: unset)."""
    return {k: getattr(source, k) for k in OPTION_KEYS if getattr(source, k, None) is not None}


def build(name: str, page: str | None = None, **options: Any) -> data.Dataset:
    """The built-in dataset ``name`` with ``options`` (those it does not use are ignored)."""
    entry = get(name, page)
    if entry.build is None:
        raise ValueError(f"the {name!r} data come from your file, not from a builder")
    return entry.build(**{k: v for k, v in options.items() if v is not None})


def shape(name: str, **options: Any) -> tuple[int, int]:
    """(rows, features) that ``build(name, **options)`` returns, without building it."""
    entry = get(name)
    if entry.shape is None:
        raise ValueError(f"the shape of the {name!r} data is known once the file is read")
    return entry.shape(**{k: v for k, v in options.items() if v is not None})


def notes_start(dataset: data.Dataset, standardize: bool) -> np.ndarray | None:
    """The notes' initial W for a random init on ``dataset``, or None where it does not apply.

    The notes draw W right after their data, for the data as drawn; standardized features
    start from a seeded N(0, 1) draw instead (the page, the command line and the exported
    script alike).
    """
    return None if standardize else dataset.notes_init
