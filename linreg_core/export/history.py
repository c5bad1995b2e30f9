"""The recorded history of a run as CSV or JSON, one row per epoch."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from typing import Any

import numpy as np

from linreg_core.engine.training import GDResult
from linreg_core.settings import GDSettings


def settings_dict(settings: GDSettings) -> dict[str, Any]:
    """The settings of a scene as a plain dict (without the free-form ``extra``)."""
    return {f.name: getattr(settings, f.name) for f in fields(settings) if f.name != "extra"}


def _check_names(result: GDResult, feature_names: list[str] | None) -> list[str]:
    d = np.asarray(result.weights).shape[1]
    names = list(feature_names) if feature_names is not None else [f"x{j + 1}" for j in range(d)]
    if len(names) != d:
        raise ValueError(f"{len(names)} feature names for {d} weights")
    return [str(n) for n in names]


def history_csv(result: GDResult, feature_names: list[str] | None) -> str:
    """``epoch,loss,w[<name>]...,b``: one row per recorded state (0 … epochs_run), output 0,
    every number at full float precision (``repr``)."""
    names = _check_names(result, feature_names)
    W = np.asarray(result.weights)[:, :, 0]
    b = np.asarray(result.bias)[:, 0]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", "loss", *(f"w[{n}]" for n in names), "b"])
    for k, value in enumerate(np.asarray(result.loss)):
        writer.writerow([k, repr(float(value)), *(repr(float(w)) for w in W[k]),
                         repr(float(b[k]))])
    return buf.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def history_json(result: GDResult, feature_names: list[str] | None,
                 settings: dict[str, Any] | GDSettings | None = None) -> str:
    """``result.to_dict()`` (its ``settings`` are ``fit_gd``'s) plus ``feature_names`` and
    the scene's ``scene_settings``; strict JSON (non-finite numbers are ``null``)."""
    names = _check_names(result, feature_names)
    if isinstance(settings, GDSettings):
        settings = settings_dict(settings)
    payload = {"feature_names": names, "scene_settings": dict(settings or {}),
               **result.to_dict()}
    return json.dumps(payload, allow_nan=False, default=_plain)
