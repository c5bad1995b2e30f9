"""Command line: the same engine without a browser.

    python -m linreg_core train --dataset seed --lr 0.1 --epochs 100 --predict 4.0

prints exactly the twelve lines of the notes' example. ``--json`` prints the whole history.
``--csv FILE --target COL [--features a,b] [--onehot]`` trains on your own data (the loader's
notices go to stderr as ``note: ...`` lines).

    python -m linreg_core export --format html|gif|csv|json|py --out FILE [train's options]

writes one run as a page that plays offline, an animated GIF, its history, or a standalone
Python script that replays it (``--out -``: a text format to stdout).

Bad arguments or a bad file print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence

import numpy as np

from linreg_core.cli import datasets as dcli
from linreg_core.data import registry
from linreg_core.data.limits import capped_epochs
from linreg_core.engine.training import GRADIENTS, OPTIMIZERS, fit_gd


class UsageError(Exception):
    """A bad argument: reported as one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line instead of usage + error
        raise UsageError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _floats(text: str) -> list[float]:
    return [_float(t) for t in text.split(",") if t.strip()] or [_float(text)]


def _add_training_arguments(t: argparse.ArgumentParser) -> None:
    """The gradient-descent options shared by ``train`` and ``export``."""
    t.add_argument("--lr", type=_float, default=0.01, help="learning rate η (default 0.01)")
    t.add_argument("--epochs", type=_positive_int, default=100, help="epochs (default 100)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="manual",
                   help="manual: the notes' no_grad step; sgd: torch.optim.SGD; adam")
    t.add_argument("--momentum", type=_float, default=0.9, help="momentum for --optimizer sgd")
    t.add_argument("--batch-size", type=_positive_int, default=None,
                   help="mini-batch size (default: full batch)")
    t.add_argument("--seed", type=int, default=0,
                   help="seed of the data, the random init and the shuffling (default 0)")
    t.add_argument("--init", default="random",
                   help="random (for --dataset seed without --standardize: the notes' own "
                        "draw), zeros, or comma-separated initial weights followed by the "
                        "bias: 'w1,...,wD,b'")
    t.add_argument("--standardize", action="store_true", help="standardize the features")


EXPORT_FORMATS = ("html", "gif", "csv", "json", "py")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m linreg_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train by gradient descent and print the loss per epoch")
    dcli.add_dataset_arguments(t)
    _add_training_arguments(t)
    t.add_argument("--predict", type=_floats, default=None, metavar="X",
                   help="print the prediction at X (comma-separated, one value per feature)")
    t.add_argument("--json", action="store_true", help="print the whole history as JSON")
    t.add_argument("--gradient", choices=GRADIENTS, default="auto",
                   help="auto (default): the fastest path with the notes' iterates (AᵀA for "
                        "full batches, the notes' formula for plain/momentum mini-batches); "
                        "autograd: the notes' own loop")

    e = sub.add_parser("export", help="write one run as an animation (html, gif), its history "
                                      "(csv, json) or a standalone Python script (py)")
    dcli.add_dataset_arguments(e)
    _add_training_arguments(e)
    e.add_argument("--format", choices=EXPORT_FORMATS, default=None,
                   help="html: a page that plays offline; gif: an animated image; csv or json: "
                        "the history; py: a script that replays the run (default: from the "
                        "--out suffix)")
    e.add_argument("--out", metavar="FILE", required=True,
                   help="the file to write; '-' writes a text format to stdout")


    p = sub.add_parser("path", help="coefficient paths of Lasso, Ridge or Elastic net",
                       description="Objective (1/(2n))·||y − Xw − b||² + α·P(w), intercept not "
                                   "penalized: P = ||w||₁ (lasso), ||w||²₂ (ridge), "
                                   "ρ||w||₁ + (1−ρ)||w||²₂ (enet, ρ = --l1-ratio).")
    dcli.add_dataset_arguments(p, dcli.PATH_DATASETS, "diabetes")
    p.add_argument("--seed", type=int, default=0, help="seed of generated data (default 0)")
    p.add_argument("--model", choices=("lasso", "ridge", "enet"), default="lasso")
    p.add_argument("--l1-ratio", type=_float, default=0.5, help="enet: ρ in (0, 1]")
    grid = p.add_mutually_exclusive_group()
    grid.add_argument("--n-alphas", type=_positive_int, default=100,
                      help="number of alphas of the default grid (default 100)")
    grid.add_argument("--alphas", type=_floats, default=None,
                      help="explicit alphas, comma-separated (sorted decreasing in the output)")
    p.add_argument("--standardize", action="store_true",
                   help="fit on standardized features (default: the data as loaded)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    return parser


def _parse_init(text: str, n_features: int, dataset, standardize: bool) -> object:
    if text == "random":  # the page's rule: the notes' draw only on the features as drawn
        notes_w0 = registry.notes_start(dataset, standardize)
        return (notes_w0, 0.0) if notes_w0 is not None else "random"
    if text == "zeros":
        return "zeros"
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(
            f"--init must be random, zeros or 'w1,...,wD,b', got {text!r}"
        ) from None
    if len(values) != n_features + 1:
        raise UsageError(
            f"--init needs {n_features} weight(s) and a bias ({n_features + 1} numbers), "
            f"got {len(values)}"
        )
    return (np.array(values[:-1]).reshape(-1, 1), values[-1])


def _load(args: argparse.Namespace):
    dataset = dcli.load_dataset(args)
    if args.csv is not None:  # what the loader did, on stderr (stdout stays the data)
        for note in dataset.notes:
            print(f"note: {note}", file=sys.stderr)
    return dataset


def train(args: argparse.Namespace) -> int:
    dataset = _load(args)
    X = dataset.X
    mean = scale = None
    if args.standardize:
        from linreg_core.data.datasets import standardize

        X, mean, scale = standardize(X)
    init = _parse_init(args.init, X.shape[1], dataset, args.standardize)
    epochs, why = capped_epochs(args.epochs, *X.shape, args.batch_size,
                                gram=args.batch_size is None)
    if why is not None:
        print(f"note: {why}", file=sys.stderr)
    result = fit_gd(
        X, dataset.y, lr=args.lr, epochs=epochs, optimizer=args.optimizer,
        momentum=args.momentum, batch_size=args.batch_size, init=init, seed=args.seed,
        gradient=args.gradient,
    )
    if args.json:
        payload = result.to_dict()
        payload["dataset"] = {"name": dataset.name, "features": dataset.feature_names,
                              "n_samples": dataset.n_samples}
        print(json.dumps(payload))
    else:
        # As the notes print: epoch k's forward-pass loss (the state before its update).
        for k in range(1, result.epochs_run + 1):
            if k % 10 == 0 or k == 1:
                print(f"Epoch {k}/{epochs}, Loss: {result.loss[k - 1]:.4f}")
    if args.predict is not None:
        x = np.asarray(args.predict, dtype=float)
        if x.size != X.shape[1]:
            raise UsageError(f"--predict needs {X.shape[1]} value(s), got {x.size}")
        if mean is not None:
            x = (x - mean) / scale
        pred = x @ result.final_weights + result.final_bias
        label = ",".join(f"{v:g}" for v in args.predict)
        values = ", ".join(f"{v:.4f}" for v in np.ravel(pred))
        print(f"Prediction for x={label if x.size > 1 else f'{args.predict[0]:.1f}'}: {values}")
    if result.diverged:
        from linreg_core.engine.analysis import stable_lr

        print(f"Training diverged at epoch {result.diverged_epoch}: {result.divergence_cause}; "
              f"the largest stable learning rate here is {stable_lr(X):.4g}", file=sys.stderr)
        return 1
    return 0


def path(args: argparse.Namespace) -> int:
    from linreg_core.engine.paths import coefficient_paths

    dataset = _load(args)
    if args.model == "enet" and not 0 < args.l1_ratio <= 1:
        raise UsageError(f"--l1-ratio must lie in (0, 1], got {args.l1_ratio:g}")
    if args.n_alphas > MAX_ALPHAS:
        raise UsageError(f"--n-alphas is limited to {MAX_ALPHAS}, got {args.n_alphas}")
    result = coefficient_paths(dataset.X, dataset.y.reshape(-1), model=args.model,
                               alphas=args.alphas, n_alphas=args.n_alphas,
                               l1_ratio=args.l1_ratio, standardize=args.standardize)
    names = dataset.feature_names
    if args.format == "json":
        print(json.dumps({
            "model": args.model, "l1_ratio": result.l1_ratio, "dataset": dataset.name,
            "standardized": args.standardize, "features": names,
            "objective": "(1/(2n))*||y - Xw - b||^2 + alpha*P(w)",
            "alphas": result.alphas.tolist(), "coefs": result.coefs.tolist(),
            "intercepts": result.intercepts.tolist()}))
        return 0
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["alpha", *names])
    for a, row in zip(result.alphas, result.coefs, strict=True):
        writer.writerow([repr(float(a)), *(repr(float(v)) for v in row)])
    return 0


MAX_ALPHAS = 1000


def _export_settings(args: argparse.Namespace, dataset):
    """The page's ``GDSettings`` for the command-line options of ``export``."""
    from linreg_core.settings import GD_SPECS, GDSettings

    init, w0, b0 = args.init, 0.0, 0.0
    if init not in ("random", "zeros"):
        d = dataset.n_features
        W, b0 = _parse_init(init, d, dataset, args.standardize)
        if np.ptp(W) != 0:
            raise UsageError("export --init takes one starting value for every weight "
                             f"('w,b', or {d} equal weights and a bias), got {init!r}")
        init, w0 = "chosen", float(W[0, 0])
    name = "csv" if args.csv is not None else dcli.dataset_name(args)
    outliers = args.outliers
    if outliers is None:  # the outliers data's default fraction; none for the others
        outliers = registry.DEFAULT_OUTLIER_FRACTION if name == "outliers" else 0.0
    bs = args.batch_size
    return GDSettings(
        dataset=name, n=args.n, slope=args.slope, intercept=args.intercept, noise=args.noise,
        outliers=outliers, seed=args.seed, feature=args.feature or "all", lr=args.lr,
        epochs=args.epochs, optimizer=args.optimizer, momentum=args.momentum,
        batch="full" if bs is None else "single" if bs == 1 else "mini",
        batch_size=bs if bs is not None and bs > 1 else GD_SPECS["batch_size"].default,
        init=init, w0=w0, b0=float(b0), standardize=args.standardize,
    )


def _export_format(args: argparse.Namespace) -> str:
    """The format ``export`` writes (``--format``, or from the ``--out`` suffix), once the
    destination is known to be writable."""
    from pathlib import Path

    fmt = args.format
    if fmt is None:
        fmt = Path(args.out).suffix.lstrip(".").lower()
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"--format is needed (one of {', '.join(EXPORT_FORMATS)}): "
                             f"cannot tell it from --out {args.out!r}")
    if args.out == "-":
        if fmt == "gif":
            raise UsageError("--format gif is binary: give --out FILE, not -")
        return fmt
    parent = Path(args.out).parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {args.out}: the folder {str(parent)!r} does not exist")
    if Path(args.out).is_dir():
        raise UsageError(f"cannot write {args.out}: it is a folder")
    return fmt



def _export_payload(fmt: str, scene, settings) -> str | bytes:
    """One scene in the export format ``fmt`` (the HTML page opens at epoch 0, so Play runs
    the whole descent)."""
    from linreg_core import export as ex
    from linreg_core.scenes.gd import scene_figure

    result, names = scene.result, scene.dataset.feature_names
    if fmt == "html":
        title = f"Gradient descent: {scene.dataset.description or scene.dataset.name}"
        return ex.html_export(scene_figure(scene, start_epoch=0), title)
    if fmt == "gif":
        return ex.gif_export(scene)
    if fmt == "csv":
        return ex.history_csv(result, names)
    if fmt == "json":
        return ex.history_json(result, names, ex.settings_dict(settings))
    return ex.python_snippet(settings, expected_final_loss=result.final_loss)


def _write(out: str, payload: str | bytes) -> int:
    """``payload`` to the file ``out`` (``-``: stdout); the number of bytes written."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    if out == "-":
        sys.stdout.write(payload)
        sys.stdout.flush()
        return len(data)
    try:
        with open(out, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    return len(data)


def export(args: argparse.Namespace) -> int:
    fmt = _export_format(args)

    from linreg_core import export as ex
    from linreg_core.scenes.gd import build_gd_scene, within_limits

    dataset = _load(args)
    settings, why = within_limits(_export_settings(args, dataset), *dataset.X.shape)
    if why is not None:
        print(f"note: {why}", file=sys.stderr)
    if fmt == "py":
        ex.python_snippet(settings)  # fails early (exit 2) for data a script cannot regenerate
    # The script replays the notes' autograd loop, so its expected loss comes from that loop.
    scene = build_gd_scene(settings, dataset=dataset, reference=fmt == "py")
    size = _write(args.out, _export_payload(fmt, scene, settings))
    result = scene.result
    if result.diverged:
        print(f"note: training diverged at epoch {result.diverged_epoch}: "
              f"{result.divergence_cause}", file=sys.stderr)
    print(f"wrote {'stdout' if args.out == '-' else args.out} ({size:,} bytes)", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return {"train": train, "path": path, "export": export}[args.command](args)
    except (UsageError, ValueError) as exc:
        print(f"linreg_core: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0

