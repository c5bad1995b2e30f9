"""The ``--dataset`` (and ``--csv``) options shared by the command-line subcommands."""

from __future__ import annotations

import argparse

from linreg_core.data import datasets as data
from linreg_core.data import limits as limits_module
from linreg_core.data import registry

DATASETS = registry.names("cli")  # train and export
PATH_DATASETS = registry.names("path")


def add_dataset_arguments(p: argparse.ArgumentParser, choices: tuple[str, ...] = DATASETS,
                          default: str = "seed") -> None:
    p.add_argument("--dataset", choices=choices, default=default,
                   help="; ".join(f"{name}: {registry.get(name).help}" for name in choices))
    if "polynomial" in choices:
        p.add_argument("--degree", type=int, default=9, help="polynomial: degree (1-20)")
    p.add_argument("--feature", default=None,
                   help=f"diabetes: one feature ({', '.join(data.DIABETES_FEATURES)}); "
                        "default all ten")
    p.add_argument("--n", type=int, default=100, help="line: number of points")
    p.add_argument("--slope", type=float, default=2.0, help="line: slope")
    p.add_argument("--intercept", type=float, default=3.0, help="line: intercept")
    p.add_argument("--noise", type=float, default=1.0, help="line: noise standard deviation")
    p.add_argument("--outliers", type=float, default=None,
                   help="outliers: the fraction of points pushed off the line (default "
                        f"{registry.DEFAULT_OUTLIER_FRACTION:g}); line: with a fraction > 0, "
                        "the same as --dataset outliers")
    p.add_argument("--csv", metavar="FILE", default=None,
                   help="your own CSV file (comma, semicolon or tab separated) instead of "
                        "--dataset; needs --target")
    p.add_argument("--target", metavar="COL", default=None, help="--csv: the column to predict")
    p.add_argument("--features", metavar="A,B,...", default=None,
                   help="--csv: comma-separated feature columns (default: every numeric column "
                        "but the target)")
    p.add_argument("--onehot", action="store_true",
                   help="--csv: one-hot encode text columns with few distinct values "
                        "(default: leave text columns out)")


def load_dataset(args: argparse.Namespace) -> data.Dataset:
    """The dataset the arguments name; a bad CSV raises ``loader.CSVError`` (a ValueError).

    For ``--csv`` the loader's notices are in ``Dataset.notes``.
    """
    if getattr(args, "csv", None) is not None:
        return load_csv(args)
    if getattr(args, "target", None) is not None or getattr(args, "features", None) is not None \
            or getattr(args, "onehot", False):
        raise ValueError("--target, --features and --onehot apply only with --csv FILE")
    return registry.build(dataset_name(args), **registry.options_of(args))


def dataset_name(args: argparse.Namespace) -> str:
    """The registry's name of the built-in data the arguments ask for: ``--dataset``, where a
    line given ``--outliers`` above 0 is the ``outliers`` data (as the page names it)."""
    if args.dataset == "line" and args.outliers:
        return "outliers"
    return args.dataset


def load_csv(args: argparse.Namespace) -> data.Dataset:
    from linreg_core.data import loader

    if not args.target:
        raise ValueError("--csv needs --target COL, the column to predict")
    lim = limits_module.LIMITS  # read at call time, so that tests and deployments can change it
    table = loader.read_file(args.csv, limits=lim)
    features = None
    if args.features is not None:
        features = [f.strip() for f in args.features.split(",") if f.strip()]
    return loader.prepare(table, target=args.target, features=features,
                          text_columns="onehot" if args.onehot else "exclude", limits=lim)
