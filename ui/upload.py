"""The CSV upload block used by both pages: upload, preview, choose target and features.

Everything the user uploads is shown as plain text (escaped, or in a dataframe cell). A file
that cannot be used gets the loader's message and the fix, and the page keeps showing what it
showed before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from linreg_core.data import Dataset
from linreg_core.limits import LIMITS
from linreg_core.loader import CSVError, prepare, read_table
from ui.text import plain


@dataclass(frozen=True)
class Upload:
    dataset: Dataset
    key: tuple  # identifies the bytes and the choices: a cache key that holds no data


@st.cache_data(max_entries=8, ttl=1800, show_spinner=False)
def _read(data: bytes, name: str):
    return read_table(data, name=name)


def csv_block(prefix: str) -> Upload | None:
    """Upload widgets in the sidebar; returns the prepared data, or None (with a message)."""
    k = prefix + "csv_"
    file = st.file_uploader(
        f"Your CSV (comma, semicolon or tab; up to {LIMITS.max_upload_mb} MB, "
        f"{LIMITS.max_rows:,} rows, {LIMITS.max_columns} columns)",
        key=k + "file", help="A header row, then one row per sample. Numeric columns are "
                             "offered as features; text columns can be one-hot encoded.")
    if file is None:
        st.info("Upload a CSV file to train on it.")
        return _last_good(k)
    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    try:
        table = _read(data, file.name)
    except CSVError as exc:
        st.error(f"{plain(file.name)}: {plain(exc)}")
        return _keep_previous(k)
    numeric = list(table.numeric_columns)
    if not numeric:
        st.error(f"{plain(file.name)}: no numeric column to predict. Add a numeric target "
                 "column, or check the delimiter.")
        return _keep_previous(k)
    target = st.selectbox("Target (y)", numeric, index=len(numeric) - 1, key=k + "target")
    candidates = [c for c in numeric if c != target]
    text_mode = "exclude"
    if table.text_columns:
        text_mode = st.radio("Text columns", ["exclude", "onehot"], horizontal=True,
                             key=k + "text", format_func={"exclude": "Exclude",
                                                          "onehot": "One-hot encode"}.get,
                             help="One-hot: one 0/1 column per value (first value dropped), "
                                  f"for columns with at most {LIMITS.max_onehot_levels} values.")
    features = st.multiselect("Features (X)", candidates, default=candidates[:LIMITS.max_features],
                              key=k + "features")
    try:
        ds = prepare(table, target=target, features=features or None, text_columns=text_mode)
    except CSVError as exc:
        st.error(plain(exc))
        return _keep_previous(k)
    upload = Upload(dataset=ds, key=(digest, target, tuple(features), text_mode))
    st.session_state[k + "last_good"] = upload
    return upload


def _last_good(k: str) -> Upload | None:
    return st.session_state.get(k + "last_good")


def _keep_previous(k: str) -> Upload | None:
    previous = _last_good(k)
    if previous is not None:
        st.caption("Still showing the last file that loaded.")
    return previous


def preview(upload: Upload) -> None:
    """Notices, a preview and summary statistics of the prepared data (plain text only)."""
    ds = upload.dataset
    label = f"{ds.n_features} feature" + ("s" if ds.n_features != 1 else "")
    with st.expander(f"Your data: {ds.n_samples:,} rows, {label}", expanded=False):
        for note in ds.notes:
            st.text(note)
        import pandas as pd

        frame = pd.DataFrame(ds.X[:200], columns=[str(c) for c in ds.feature_names])
        frame.insert(0, str(ds.target_name), ds.y[:200, 0])
        st.dataframe(frame.head(20), hide_index=True)
        st.dataframe(frame.describe().T, height=min(38 + 35 * (ds.n_features + 1), 400))
