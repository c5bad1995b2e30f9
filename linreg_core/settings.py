"""Every setting of a page in one place: its URL key, default, range and label.

Both the widgets and the URL codec read these definitions, so a default or a range is
written once; the settings classes of the scenes (:class:`GDSettings`, :class:`RegSettings`,
:class:`LabSettings`) take their fields from them, and the dataset choices and labels come
from the dataset registry (:mod:`linreg_core.data.registry`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, fields
from typing import Any

from linreg_core.data import registry

LR_GRID = (*tuple(m * 10.0 ** e for e in range(-4, 1) for m in (1, 2, 5)), 10.0)


@dataclass(frozen=True)
class Spec:
    key: str
    default: Any
    label: str
    lo: float | None = None
    hi: float | None = None
    options: tuple = ()


GD_SPECS: dict[str, Spec] = {s.key: s for s in [
    Spec("dataset", "seed", "Dataset", options=registry.names("gd")),
    Spec("n", 100, "Points", 2, 5000),
    Spec("slope", 2.0, "Slope", -100, 100),
    Spec("intercept", 3.0, "Intercept", -100, 100),
    Spec("noise", 1.0, "Noise (std)", 0, 100),
    Spec("x_min", -3.0, "x from", -1000, 1000),
    Spec("x_max", 3.0, "x to", -1000, 1000),
    Spec("outliers", registry.DEFAULT_OUTLIER_FRACTION, "Outlier fraction", 0, 0.5),
    Spec("seed", 0, "Seed", 0, 2**31 - 1),
    Spec("feature", "bmi", "Diabetes feature",
         options=("all", "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")),
    Spec("lr", 0.1, "Learning rate η", 1e-4, 10.0),
    Spec("epochs", 100, "Epochs", 1, 5000),
    Spec("optimizer", "manual", "Optimizer", options=("manual", "sgd", "adam")),
    Spec("momentum", 0.9, "Momentum", 0.0, 0.999),
    Spec("batch", "full", "Batches", options=("full", "mini", "single")),
    Spec("batch_size", 16, "Mini-batch size", 2, 1024),
    Spec("init", "random", "Initial W, b", options=("random", "zeros", "chosen")),
    Spec("w0", 0.0, "Initial w", -1000, 1000),
    Spec("b0", 0.0, "Initial b", -1000, 1000),
    Spec("standardize", False, "Standardize features"),
    Spec("log_loss", False, "Log-scale loss"),
]}

REG_SPECS: dict[str, Spec] = {s.key: s for s in [
    Spec("dataset", "diabetes", "Dataset", options=registry.names("regularization")),
    Spec("model", "all", "Show", options=("all", "lasso", "ridge", "enet")),
    Spec("alpha", 0.0, "α", 0.0, 1e12),  # 0 = the middle of the grid
    Spec("l1_ratio", 0.5, "Elastic-net mixing ρ", 0.05, 1.0),
    Spec("degree", 9, "Polynomial degree", 1, 15),
    Spec("seed", 0, "Seed", 0, 2**31 - 1),
    Spec("standardize", False, "Standardize features"),
    Spec("gd", False, "Overlay gradient descent"),
]}

LAB_SPECS: dict[str, Spec] = {s.key: s for s in [
    Spec("dataset", "seed", "Dataset", options=registry.names("lab")),
    Spec("feature", "bmi", "Diabetes feature", options=GD_SPECS["feature"].options),
    Spec("seed", 0, "Seed", 0, 2**31 - 1),
    Spec("standardize", False, "Standardize features"),
    Spec("k", 25, "Number of learning rates", 2, 50),
    Spec("lr_min", 0.001, "Smallest learning rate", 1e-4, 10.0),
    Spec("lr_max", 2.0, "Largest learning rate", 1e-4, 10.0),
    Spec("epochs", 100, "Epochs", 1, 2000),
    Spec("optimizer", "manual", "Optimizer", options=("manual", "sgd", "adam")),
    Spec("momentum", 0.9, "Momentum", 0.0, 0.99),
]}

DATASET_LABELS = registry.labels("gd")  # as the gradient-descent page (and its export) name them
OPTIMIZER_LABELS = {
    "manual": "The notes' step (no_grad)",
    "sgd": "SGD with momentum",
    "adam": "Adam",
}
BATCH_LABELS = {"full": "Full batch", "mini": "Mini-batch", "single": "One sample"}
INIT_LABELS = {"random": "Random (seeded)", "zeros": "Zeros", "chosen": "Chosen"}


def from_specs(specs: dict[str, Spec], *, skip: tuple[str, ...] = (),
               rename: dict[str, str] | None = None):
    """A frozen (hashable) dataclass whose fields are ``specs``' keys, typed and defaulted by
    each spec's default, in the specs' order; then the class's own annotated fields (settings
    of a scene that are not in the URL). ``skip`` leaves a spec out (a page's view state, not
    an input of its scene) and ``rename`` names a field other than its URL key."""
    rename = rename or {}

    def make(cls):
        own = dict(inspect.get_annotations(cls))
        annotations = {}
        for spec in specs.values():
            if spec.key in skip:
                continue
            name = rename.get(spec.key, spec.key)
            annotations[name] = type(spec.default).__name__
            setattr(cls, name, spec.default)
        cls.__annotations__ = {**annotations, **own}
        return dataclass(frozen=True)(cls)

    return make


@from_specs(GD_SPECS)
class GDSettings:
    """One gradient-descent scene: a field per GD_SPECS entry; hashable, so it can key a cache."""

    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> GDSettings:
        names = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in values.items() if k in names})


@from_specs(REG_SPECS, skip=("alpha", "gd"), rename={"model": "view"})
class RegSettings:
    """One regularization scene: REG_SPECS but the inspected α and the overlay toggle (the
    page's ``model`` is the field ``view``: all | lasso | ridge | enet), plus the grid, the
    folds and the geometry panel's two features ("" = a sensible default)."""

    n_alphas: int = 80
    cv_folds: int = 5
    geo_x: str = ""
    geo_y: str = ""


@from_specs(LAB_SPECS)
class LabSettings:
    """One learning-rate-lab scene: a field per LAB_SPECS entry; hashable, so it can key a
    cache."""


# ----------------------------------------------------------------------------- URL encoding

RESERVED_KEYS = ("present", "lock")


def encode(value: Any) -> str:
    """A setting as a short URL value: ``0.1``, ``100``, ``1``/``0`` for booleans."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def decode(spec: Spec, raw: str) -> tuple[Any, str | None]:
    """A URL value for ``spec``: ``(value, None)``, ``(clamped, notice)`` or ``(None, notice)``.

    Never raises: a value that cannot be read is ignored with a notice naming the key, the
    value and what would be accepted.
    """
    default = spec.default
    shown = raw if len(raw) <= 40 else raw[:40] + "…"
    if spec.options:
        if raw in spec.options:
            return raw, None
        return None, (f"'{spec.key}={shown}' is not one of {', '.join(spec.options)}; "
                      f"ignored (using {default}).")
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True, None
        if lowered in ("0", "false", "no", "off"):
            return False, None
        return None, f"'{spec.key}={shown}' should be 1 or 0; ignored."
    try:
        number = float(raw)
    except ValueError:
        return None, f"'{spec.key}={shown}' is not a number; ignored (using {default})."
    if number != number or number in (float("inf"), float("-inf")):
        return None, f"'{spec.key}={shown}' is not a finite number; ignored (using {default})."
    if isinstance(default, int):
        if number != int(number):
            return None, f"'{spec.key}={shown}' should be a whole number; ignored."
        number = int(number)
    notice = None
    if spec.lo is not None and number < spec.lo:
        clamped = type(default)(spec.lo)
        notice = f"'{spec.key}={shown}' is below the minimum {spec.lo:g}; using {clamped:g}."
        number = clamped
    elif spec.hi is not None and number > spec.hi:
        clamped = type(default)(spec.hi)
        notice = f"'{spec.key}={shown}' is above the maximum {spec.hi:g}; using {clamped:g}."
        number = clamped
    return number, notice


def decode_params(specs: dict[str, Spec], params: dict[str, str],
                  extra: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str]]:
    """Every known key of a query string decoded; notices for the rest."""
    values: dict[str, Any] = {}
    notices: list[str] = []
    for key, raw in params.items():
        if key in RESERVED_KEYS or key in extra:
            continue
        spec = specs.get(key)
        if spec is None:
            shown = key if len(key) <= 30 else key[:30] + "…"
            notices.append(f"'{shown}' is not a setting of this page; ignored.")
            continue
        value, notice = decode(spec, raw)
        if notice:
            notices.append(notice)
        if value is not None:
            values[key] = value
    return values, notices


def encode_params(specs: dict[str, Spec], values: dict[str, Any]) -> dict[str, str]:
    """The query string of a scene: only the settings that differ from their default."""
    return {k: encode(v) for k, v in values.items() if k in specs and v != specs[k].default}
