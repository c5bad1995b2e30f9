"""Uploads stay in their session and never go through pickle (Streamlit's AppTest, in-process).

Two ``AppTest`` instances are two sessions of one server process: they share every
``st.cache_resource``/``st.cache_data`` and module, as browser tabs on one server do.
"""

from __future__ import annotations

import io
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from linreg_core.data.datasets import Dataset
from linreg_core.data.loader import Table
from ui.upload import Upload

pytestmark = pytest.mark.app
TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[1] / "app.py")
USER_TYPES = (Table, Dataset, Upload, pd.DataFrame, np.ndarray)


def _csv(n: int, slope: float) -> bytes:
    rows = ["x,target"] + [f"{i / 10},{slope * i / 10 + 1}" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def _session() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.selectbox(key="gd_dataset").set_value("csv").run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> Upload:
    at.file_uploader(key="gd_csv_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at.session_state["gd_csv_last_good"]


@pytest.fixture
def pickled(monkeypatch) -> list[str]:
    """Every ``pickle.dumps`` in this process goes through a pickler that records (and
    refuses) the user-data types: the uploaded table, the prepared dataset and its arrays."""
    seen: list[str] = []

    class Guard(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, USER_TYPES):
                seen.append(type(obj).__name__)
                raise pickle.PicklingError(f"user data pickled: {type(obj).__name__}")
            return NotImplemented

    def dumps(obj, protocol=None, *, fix_imports=True, buffer_callback=None):
        buf = io.BytesIO()
        Guard(buf, protocol, fix_imports=fix_imports, buffer_callback=buffer_callback).dump(obj)
        return buf.getvalue()

    monkeypatch.setattr(pickle, "dumps", dumps)
    return seen


def test_the_guard_catches_what_st_cache_data_does(pickled):
    """The guard is live: a Table returned from an st.cache_data function is caught."""
    from streamlit.runtime.caching import cache_data_api

    assert cache_data_api.pickle.dumps is pickle.dumps  # the module Streamlit calls
    with pytest.raises(pickle.PicklingError):
        pickle.dumps({"entry": Table(frame=pd.DataFrame({"a": [1.0]}))})
    assert pickled == ["Table"]


def test_an_upload_and_its_reruns_never_pickle_user_data(pickled):
    at = _session()
    upload = _upload(at, "mine.csv", _csv(40, 3.0))
    assert upload.dataset.n_samples == 40
    table = at.session_state["gd_csv_parsed"][1]
    original = table.frame.copy(deep=True)
    at.number_input(key="gd_lr").set_value(0.05).run()  # a rerun: the parse is reused
    assert not at.exception, at.exception
    assert at.session_state["gd_csv_parsed"][1] is table
    at.radio(key="gd_batch").set_value("mini").run()
    at.toggle(key="gd_standardize").set_value(True).run()
    assert not at.exception, at.exception
    assert at.session_state["gd_csv_last_good"].dataset.n_samples == 40
    # Reused, never copied: training on it (standardized, mini-batches) changed nothing in it.
    pd.testing.assert_frame_equal(table.frame, original)
    assert pickled == []


def test_a_bad_file_is_reported_once_parsed_and_never_pickled(pickled):
    at = _session()
    at.file_uploader(key="gd_csv_file").set_value(
        ("book.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4, "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert any("Excel workbook" in e.value for e in at.error)
    assert at.session_state["gd_csv_parsed"][0][1] == "book.xlsx"  # the error is kept...
    at.number_input(key="gd_lr").set_value(0.05).run()  # ...and shown again on a rerun
    assert not at.exception
    assert any("Excel workbook" in e.value for e in at.error)
    assert pickled == []


def test_one_sessions_upload_is_not_visible_to_another():
    a, b = _session(), _session()
    mine = _upload(a, "data.csv", _csv(40, 3.0))
    # B has uploaded nothing: nothing of A's is in B's session or on B's page.
    b.run()
    assert "gd_csv_last_good" not in b.session_state
    assert "gd_csv_parsed" not in b.session_state
    assert any("Upload a CSV file" in i.value for i in b.info)
    # B's own file under the same name is B's data, and A keeps its own.
    theirs = _upload(b, "data.csv", _csv(25, -2.0))
    assert theirs.dataset.n_samples == 25
    a.run()
    assert a.session_state["gd_csv_last_good"].dataset.n_samples == 40
    # The very same bytes in both sessions: separately parsed objects, and data keys (what the
    # shared scene caches are keyed by) that differ, so no scene computed from A's upload is
    # ever served to B.
    same = _upload(b, "data.csv", _csv(40, 3.0))
    assert same.dataset.n_samples == 40
    assert same.key[1:] == mine.key[1:]  # same bytes, same choices...
    assert same.key != mine.key  # ...but not the same key
    assert b.session_state["gd_csv_parsed"][1] is not a.session_state["gd_csv_parsed"][1]
    assert same.dataset is not mine.dataset


def test_no_st_cache_data_in_the_app():
    """st.cache_data pickles what it stores: none in the pages or the UI (the engine never
    imports Streamlit)."""
    root = Path(APP).parent
    sources = [*root.glob("pages/*.py"), *root.glob("views/*.py"), *root.glob("ui/*.py"),
               root / "app.py", *(root / "linreg_core").rglob("*.py")]
    use = re.compile(r"@\s*(st\.)?cache_data\b|\bcache_data\s*\(|experimental_memo")
    offenders = [str(p.relative_to(root)) for p in sources if use.search(p.read_text())]
    assert offenders == []
