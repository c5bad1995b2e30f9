"""The URL codec: every setting round-trips; bad values are ignored or clamped, never raise."""

import pytest

from linreg_core.settings import GD_SPECS, decode, decode_params, encode, encode_params


@pytest.mark.parametrize("key", list(GD_SPECS))
def test_defaults_round_trip(key):
    spec = GD_SPECS[key]
    value, notice = decode(spec, encode(spec.default))
    assert notice is None
    assert value == spec.default


def test_values_round_trip_and_defaults_are_left_out():
    values = {"lr": 0.123456789, "epochs": 250, "optimizer": "adam", "standardize": True,
              "seed": 0}
    params = encode_params(GD_SPECS, values)
    assert "seed" not in params  # at its default
    assert params["lr"] == "0.123456789"
    back, notices = decode_params(GD_SPECS, params)
    assert not notices
    assert back == {k: v for k, v in values.items() if k != "seed"}


@pytest.mark.parametrize(("key", "raw", "expect", "fragment"), [
    ("lr", "nan", None, "finite"),
    ("lr", "1e9", 10.0, "above the maximum"),
    ("lr", "-3", 1e-4, "below the minimum"),
    ("epochs", "12.5", None, "whole number"),
    ("standardize", "maybe", None, "1 or 0"),
    ("dataset", "mnist", None, "not one of"),
    ("n", "x" * 500, None, "not a number"),
])
def test_bad_values(key, raw, expect, fragment):
    value, notice = decode(GD_SPECS[key], raw)
    assert value == expect
    assert fragment in notice
    assert len(notice) < 200
