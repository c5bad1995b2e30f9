"""The CSV upload block used by both pages: upload, preview, choose target and features.

Everything the user uploads is shown as plain text (escaped, or in a dataframe cell). A file
that cannot be used gets the loader's message and the fix, and the page keeps showing what it
showed before.

Where the parsed file lives: in this session's ``st.session_state``, one per page, keyed by
the SHA-256 of its bytes and its name, and nowhere else. Not ``st.cache_data``: it pickles
every value it stores (and unpickles a copy on every hit), so user data would go through
pickle. Not ``st.cache_resource`` either, although it stores objects as they are and a session
could only hit an entry by uploading the very same bytes: it is one dictionary for the whole
process, so a session's table would outlive the session (until evicted), would be the same
mutable object in two sessions that upload the same file (one session's mutation would be
the other's data), and a hit, or the "another session is computing this" wait, would tell a
session that someone else uploaded that exact file. Two sessions uploading the same file
parse it twice; that is the whole cost. For the same reason the data key handed to the pages'
shared scene caches starts with a random per-session token: a scene trained on an upload can
only ever be found again by the session that uploaded it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import streamlit as st

from linreg_core.data.datasets import Dataset
from linreg_core.data.limits import LIMITS
from linreg_core.data.loader import CSVError, Table, prepare, read_table
from ui.text import plain

TOKEN = "upload_session_token"


@dataclass(frozen=True)
class Upload:
    dataset: Dataset
    # This session's token, the bytes' hash and the choices: a cache key that holds no data
    # and that no other session can produce.
    key: tuple


def session_token() -> str:
    """A random token for this session (made on first use, kept in its session state)."""
    token = st.session_state.get(TOKEN)
    if token is None:
        token = st.session_state[TOKEN] = secrets.token_hex(16)
    return token


def _read(k: str, data: bytes, name: str, digest: str) -> Table:
    """The file parsed once per session: the table (or the loader's error) is kept in this
    session's state under the page's prefix, for this file only; a new file replaces it."""
    slot = k + "parsed"
    held = st.session_state.get(slot)
    if held is None or held[0] != (digest, name):
        st.session_state.pop(slot, None)  # free the previous file's table before parsing
        try:
            result: Table | CSVError = read_table(data, name=name)
        except CSVError as exc:
            result = exc
        held = st.session_state[slot] = ((digest, name), result)
    if isinstance(held[1], CSVError):
        raise held[1]
    return held[1]


def csv_block(prefix: str) -> Upload | None:
    """Upload widgets in the sidebar; returns the prepared data, or None (with a message)."""
    k = prefix + "csv_"
    file = st.file_uploader(
        f"Your CSV (comma, semicolon or tab; up to {LIMITS.max_upload_mb} MB, "
        f"{LIMITS.max_rows:,} rows, {LIMITS.max_columns} columns)",
        key=k + "file", help="A header row, then one row per sample. Numeric columns are "
                             "offered as features; text columns can be one-hot encoded.")
    if file is None:
        st.session_state.pop(k + "parsed", None)
        st.info("Upload a CSV file to train on it.")
        return _last_good(k)
    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    try:
        table = _read(k, data, file.name, digest)
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
    upload = Upload(dataset=ds, key=(session_token(), digest, target, tuple(features), text_mode))
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
