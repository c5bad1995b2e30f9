"""The CSV loader: any bytes get a dataset or one clear CSVError, never a traceback or a NaN."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from linreg_core.data.datasets import Dataset
from linreg_core.data.limits import LIMITS, Limits
from linreg_core.data.loader import CSVError, Table, prepare, read_file, read_table

DATA = Path(__file__).parent / "data"
MALFORMED = DATA / "malformed"
GOOD = DATA / "good"

# (file in tests/data/malformed, keyword arguments, a part of the expected message).
# The keyword arguments are prepare()'s (target defaults to "y"); "limits" goes to both steps.
MANIFEST: list[tuple[str, dict, str]] = [
    ("empty.csv", {}, "empty.csv is empty (0 bytes)"),
    ("whitespace.csv", {}, "whitespace.csv contains only blank space"),
    ("header_only.csv", {}, "has a header ('height', 'weight', 'age') but no rows of values"),
    ("one_row.csv", {}, "has only one row of values; a line needs at least two points"),
    ("binary.bin", {}, "contains binary data (a NUL byte at position"),
    ("workbook.xlsx", {}, "looks like an Excel workbook or a ZIP archive"),
    ("legacy.xls", {}, "looks like a legacy Excel workbook (.xls)"),
    ("archive.gz", {}, "looks like a gzip-compressed file"),
    ("document.pdf", {}, "looks like a PDF document"),
    ("image.png", {}, "looks like a PNG image"),
    ("photo.jpg", {}, "looks like a JPEG image"),
    ("utf16_nobom.csv", {}, "looks like UTF-16 text without a byte-order mark"),
    ("unknown_encoding.csv", {}, "encoding could not be recognised (byte 0x81 on line 1)"),
    ("duplicate_columns.csv", {}, "column 'x' appears twice (columns 2 and 5); rename one"),
    ("ragged_more.csv", {}, "line 4 has 3 fields but the header has 2 columns"),
    ("ragged_fewer.csv", {}, "line 4 has 2 fields but the header has 3 columns"),
    ("unclosed_quote.csv", {}, "the quotes (\") on lines 3–4 do not pair up"),
    ("text_target.csv", {"target": "city"},
     "Column 'city' is text (e.g. 'Paris' on line 2); choose a numeric target"),
    ("all_missing_target.csv", {}, "Column 'y' has no numbers"),
    ("missing_target_column.csv", {"target": "cost"},
     "There is no column 'cost' in missing_target_column.csv; choose the target from its "
     "columns: 'area', 'rooms', 'age', 'price'"),
    ("too_many_columns.csv", {},
     "has 201 columns, more than the limit of 200; keep at most 200 columns"),
    ("too_many_rows.csv", {"limits": Limits(max_rows=10)},
     "has 12 rows, more than the limit of 10; use a sample of at most 10 rows"),
    ("all_rows_missing.csv", {}, "Only 0 of 4 rows have a value in the target and in every"),
    ("single_column.csv", {}, "has a single column, 'y': separate the values with a comma"),
    # the same files, with choices that cannot work
    ("text_target.csv", {"target": "size", "features": ["city"]},
     "Column 'city' is text (e.g. 'Paris' on line 2); remove it from the features"),
    ("text_target.csv", {"target": "size", "features": ["city"], "text_columns": "onehot",
                         "limits": Limits(max_onehot_levels=2)},
     "Column 'city' has 3 distinct text values, more than the 2 one-hot encoding allows"),
    ("missing_target_column.csv", {"target": "price", "features": ["area", "price"]},
     "Column 'price' is the target, so it cannot also be a feature"),
    ("missing_target_column.csv", {"target": "price", "features": ["area", "floor"]},
     "There is no column 'floor'"),
    ("missing_target_column.csv", {"target": "price", "features": []},
     "There are no feature columns to learn from besides the target 'price'"),
    ("missing_target_column.csv", {"target": "price", "limits": Limits(max_features=2)},
     "make 3 features, more than the limit of 2; choose at most 2 features"),
    ("missing_target_column.csv", {"target": "price", "text_columns": "both"},
     "text_columns must be 'exclude' or 'onehot'"),
]


def load(path: Path, kwargs: dict) -> Dataset:
    kw = dict(kwargs)
    limits = kw.pop("limits", LIMITS)
    table = read_table(path.read_bytes(), name=path.name, limits=limits)
    return prepare(table, target=kw.pop("target", "y"), limits=limits, **kw)


def _id(entry) -> str:
    file, kwargs, _ = entry
    return file + ("" if not kwargs else "-" + "-".join(sorted(kwargs)))


@pytest.mark.parametrize(("file", "kwargs", "expected"), MANIFEST, ids=map(_id, MANIFEST))
def test_malformed_file_gets_one_clear_message(file, kwargs, expected):
    with pytest.raises(CSVError) as info:  # any other exception type fails the test
        load(MALFORMED / file, kwargs)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert "Traceback" not in message
    assert message.endswith(".")
    assert isinstance(info.value, ValueError)
    assert info.value.code
    assert info.value.code.replace("_", "").isalpha()


def test_manifest_covers_the_corpus():
    files = {p.name for p in MALFORMED.iterdir()}
    assert files == {f for f, _, _ in MANIFEST}
    assert len(files) >= 18
    codes = set()
    for file, kwargs, _ in MANIFEST:
        try:
            load(MALFORMED / file, kwargs)
        except CSVError as exc:
            codes.add(exc.code)
    assert {"empty", "binary", "ragged", "encoding", "header_only", "duplicate_columns",
            "too_many_rows", "too_many_columns", "text_target", "no_target",
            "too_few_rows"} <= codes


def test_too_large_is_refused_before_reading(tmp_path):
    data = b"x,y\n" + b"1.000000,2.000000\n" * 70_000  # about 1.2 MiB
    with pytest.raises(CSVError, match=r"is 1\.2 MB, more than the limit of 1 MB; upload a "
                                       r"sample") as info:
        read_table(data, name="big.csv", limits=Limits(max_upload_mb=1))
    assert info.value.code == "too_large"
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(CSVError, match="more than the limit of 1 MB"):
        read_file(path, limits=Limits(max_upload_mb=1))


def test_unreadable_paths(tmp_path):
    with pytest.raises(CSVError, match=r"cannot read .*nope\.csv: No such file or directory"):
        read_file(tmp_path / "nope.csv")
    with pytest.raises(CSVError, match="Is a directory"):
        read_file(tmp_path)


# (file in tests/data/good, prepare's keyword arguments, shape of X, feature names,
#  parts of the notices, delimiter, encoding)
GOOD_CASES = [
    ("semicolon.csv", {}, (4, 2), ["x1", "x2"], ["Read with ';' as the delimiter."], ";",
     "utf-8"),
    ("tab.tsv", {}, (3, 1), ["x"],
     ["Read with tab as the delimiter.", "Left out text column 'label'"], "\t", "utf-8"),
    ("bom.csv", {}, (3, 1), ["x"], ["Removed a UTF-8 byte-order mark."], ",", "utf-8-sig"),
    ("quoted.csv", {}, (4, 2), ["id", "x"], ["Left out text column 'comment'"], ",", "utf-8"),
    ("missing_values.csv", {}, (5, 2), ["x1", "x2"],
     ["Dropped 5 of 10 rows with missing or non-finite values ('y': 2, 'x2': 2, 'x1': 1)."],
     ",", "utf-8"),
    ("text_columns.csv", {"target": "score", "text_columns": "onehot"}, (25, 3),
     ["city=Paris", "city=Rome", "hours"],
     ["Left out text column 'name': it has 25 distinct values, more than the 20",
      "One-hot encoded text column 'city' into 2 columns ('city=Paris', 'city=Rome'); "
      "'Berlin' is the baseline"], ",", "utf-8"),
    ("text_columns.csv", {"target": "score"}, (25, 1), ["hours"],
     ["Left out text columns 'name', 'city'; one-hot encoding can include text columns"],
     ",", "utf-8"),
    ("constant_column.csv", {}, (4, 2), ["x", "k"],
     ["Column 'k' is constant (every value is 3): it carries no information, and its weight "
      "cannot be told apart from the intercept."], ",", "utf-8"),
    ("latin1.csv", {}, (3, 2), ["température", "pression"],
     ["The file is not UTF-8 (byte 0xE9 on line 1): read it as Windows-1252 (Latin-1) text"],
     ",", "cp1252"),
    ("html_names.csv", {"target": "<b>y</b>"}, (3, 2), ["x", "<img src=x onerror=alert(1)>"],
     [], ",", "utf-8"),
    ("utf16_bom.csv", {}, (3, 1), ["x"], ["Read the file as UTF-16 text"], ",", "utf-16"),
    ("excel_sep.csv", {}, (3, 1), ["x"], ["Used the delimiter the file's first line names"],
     ";", "utf-8"),
    ("blank_header.csv", {}, (3, 2), ["x", "column_2"],
     ["Named 1 column without a header: column_2."], ",", "utf-8"),
    ("trailing_delimiter.csv", {}, (3, 1), ["x"],
     ["Left out 1 column with neither a name nor any value (column_3)"], ",", "utf-8"),
]


@pytest.mark.parametrize(("file", "kwargs", "shape", "names", "notices", "delimiter",
                          "encoding"), GOOD_CASES, ids=[c[0] + str(len(c[1])) for c in GOOD_CASES])
def test_good_file(file, kwargs, shape, names, notices, delimiter, encoding):
    table = read_file(GOOD / file)
    assert isinstance(table, Table)
    assert table.delimiter == delimiter
    assert table.encoding == encoding
    assert all(isinstance(c, str) for c in table.frame.columns)
    assert set(table.numeric_columns) | set(table.text_columns) == set(table.frame.columns)
    ds = prepare(table, **{"target": "y", **kwargs})
    assert isinstance(ds, Dataset)
    assert ds.name == "csv"
    assert ds.X.shape == shape
    assert ds.X.dtype == np.float64
    assert ds.y.shape == (shape[0], 1)
    assert ds.y.dtype == np.float64
    assert np.isfinite(ds.X).all()
    assert np.isfinite(ds.y).all()
    assert ds.feature_names == names
    for part in notices:
        assert any(part in note for note in ds.notes), (part, ds.notes)
    assert ds.notes[: len(table.notices)] == table.notices
    if not notices:
        assert ds.notes == []
    n_feat = f"{shape[1]} feature" + ("s" if shape[1] != 1 else "")
    assert ds.description == f"{file}: {shape[0]:,} rows, {n_feat}"


def test_quoted_fields_keep_delimiters_and_line_breaks():
    table = read_file(GOOD / "quoted.csv")
    assert table.frame["comment"].tolist() == ["tall, thin", "two\nlines", 'said "hi"', "plain"]
    assert table.line_numbers.tolist() == [2, 3, 5, 6]
    assert table.text_columns == ["comment"]


def test_html_column_names_are_kept_verbatim():
    table = read_file(GOOD / "html_names.csv")
    assert list(table.frame.columns) == ["x", "<img src=x onerror=alert(1)>", "<b>y</b>"]
    with pytest.raises(CSVError, match="There is no column 'y'") as info:
        prepare(table, target="y")
    assert "'<img src=x onerror=alert(1)>'" in str(info.value)


def test_missing_and_non_finite_rows_are_dropped_with_a_count():
    data = b"x,y\n1,2\n2,NA\n3,\n4,inf\n5,-inf\n6,1e400\n7,nan\n8,9\n9,1e300\n"
    ds = prepare(read_table(data), target="y")
    assert ds.X[:, 0].tolist() == [1.0, 8.0, 9.0]
    assert ds.y[:, 0].tolist() == [2.0, 9.0, 1e300]  # huge but finite: kept (training diverges)
    assert "Dropped 6 of 9 rows with missing or non-finite values ('y': 6)." in ds.notes


def test_standardize_never_divides_by_zero():
    table = read_file(GOOD / "constant_column.csv")
    with np.errstate(all="raise"):
        ds = prepare(table, target="y", standardize=True)
    assert np.isfinite(ds.X).all()
    np.testing.assert_allclose(ds.X[:, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X[:, 0].std(), 1)
    assert ds.X[:, 1].tolist() == [0.0] * 4  # centred, not scaled
    assert any("constant" in n for n in ds.notes)
    assert any(n.startswith("Standardized the features") for n in ds.notes)


def test_values_too_large_to_standardize_are_refused():
    table = read_table(b"x,y\n1e308,1\n-1e308,2\n1e308,3\n")
    assert prepare(table, target="y").X[:, 0].tolist() == [1e308, -1e308, 1e308]
    with pytest.raises(CSVError, match="too large to standardize"):
        prepare(table, target="y", standardize=True)


def test_one_hot_encoding_drops_the_first_level():
    table = read_table(b"city,x,y\nRome,1,2\nParis,2,3\nBerlin,3,4\nRome,4,5\n , 5, 6\n")
    ds = prepare(table, target="y", text_columns="onehot")
    assert ds.feature_names == ["city=Paris", "city=Rome", "x"]
    assert ds.X.tolist() == [[0, 1, 1], [1, 0, 2], [0, 0, 3], [0, 1, 4]]
    assert "Dropped 1 of 5 rows with missing or non-finite values ('city': 1)." in ds.notes
    ds = prepare(table, target="y", features=["x", "city"], text_columns="onehot")
    assert ds.feature_names == ["x", "city=Paris", "city=Rome"]


def test_mostly_numeric_text_column_is_explained():
    table = read_table(b"a;b;y\n1,5;2;3\n2.5;3;4\n3;4;5\n")
    assert table.text_columns == ["a"]
    assert any("'1,5' on line 2 is not a number (decimal commas are not supported" in n
               for n in table.notices)
    with pytest.raises(CSVError, match=r"'\?' on line 3 is not a number; fix or delete"):
        prepare(read_table(b"x,y\n1,2\n2,?\n3,4\n"), target="y")


@pytest.mark.parametrize(("data", "expected"), [
    (b'a,b\n"x\ny",1\n2,3,4\n', "line 4 has 3 fields"),  # a quoted line break counts
    (b"a,b\r\n1,2\r\n\r\n3\r\n", "line 4 has 1 field but"),  # blank lines count too
    (b"a,b\r1,2\r3,4,5\r", "line 3 has 3 fields"),  # old Mac line endings
    (b'a,b\n1,"2\n3,4\n', "a quoted value that starts on line 2 is never closed"),
    (b"a,b\n1,2,3\n4,5,6\n", "line 2 has 3 fields but the header has 2 columns (1 more line"),
])
def test_ragged_and_quote_errors_name_the_right_line(data, expected):
    with pytest.raises(CSVError, match=None) as info:
        read_table(data)
    assert expected in str(info.value)


def test_line_endings_blank_lines_and_header_quirks():
    for data in (b"x,y\r\n1,2\r\n3,4\r\n", b"x,y\r1,2\r3,4", b"\n\nx,y\n1,2\n  \n3,4\n\n"):
        table = read_table(data)
        assert table.frame.shape == (2, 2)
        assert table.frame["y"].tolist() == [2, 4]
    table = read_table(b" x , y \n1,2\n3,4\n")
    assert list(table.frame.columns) == ["x", "y"]
    assert "Removed spaces around column names." in table.notices
    table = read_table(b"1.5,2\n3,4\n5,6\n")
    assert any("looks like numbers, yet it is used as the column names" in n
               for n in table.notices)
    table = read_table(b'h,y\n5\'11",2\n6\'1",3\n')  # quotes inside unquoted values are text
    assert table.frame["h"].tolist() == ["5'11\"", "6'1\""]
    assert table.line_numbers.tolist() == [2, 3]


def test_delimiter_sniffing_prefers_a_consistent_count():
    assert read_table(b"name\tscore\nSmith, J\t3\nDoe, K\t4\n").delimiter == "\t"
    assert read_table(b"a;b\n1,5;2\n2,5;3\n").delimiter == ";"
    assert read_table(b"a,b;c\n1,2;3\n").delimiter == ","
    table = read_table(b"y\n1\n2\n")
    assert table.frame.shape == (2, 1)


def test_target_hints():
    table = read_table(b"Price,x\n1,2\n3,4\n")
    with pytest.raises(CSVError, match=r"There is no column 'price' .*did you mean 'Price'\?"):
        prepare(table, target="price")
    with pytest.raises(CSVError, match="Column 'x' has no values"):
        prepare(read_table(b"x,z,y\n,1,2\n,3,4\n"), target="y", features=["x"])
    ds = prepare(read_table(b"x,z,y\n,1,2\n,3,4\n"), target="y")
    assert ds.feature_names == ["z"]
    assert "Left out column 'x': it has no values." in ds.notes


def test_a_large_file_loads_quickly(tmp_path):
    rows, cols = 200_000, 20
    rng = np.random.default_rng(0)
    block = io.BytesIO()
    np.savetxt(block, rng.standard_normal((1000, cols)), fmt="%.5f", delimiter=",")
    path = tmp_path / "large.csv"
    with path.open("wb") as f:
        f.write((",".join(f"x{j}" for j in range(cols - 1)) + ",y\n").encode())
        f.write(block.getvalue() * (rows // 1000))
    start = time.perf_counter()
    ds = prepare(read_file(path), target="y")
    elapsed = time.perf_counter() - start
    assert ds.X.shape == (rows, cols - 1)
    assert ds.X.flags.c_contiguous
    assert ds.notes == []
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_mutated_files_never_raise_anything_but_csverror():
    """A small, deterministic fuzz: bytes inserted, deleted and replaced in the corpus."""
    seeds = [p.read_bytes() for p in sorted(GOOD.iterdir())]
    seeds += [p.read_bytes() for p in sorted(MALFORMED.iterdir()) if p.stat().st_size < 1000]
    rng = random.Random(0)
    alphabet = b',;\t"\n\r x1.5-eNA\xc3\xa9\xe9\x00'
    outcomes = {"dataset": 0, "error": 0}
    for _ in range(400):
        d = bytearray(rng.choice(seeds))
        for _ in range(rng.randrange(1, 5)):
            pos = rng.randrange(len(d) + 1)
            op = rng.randrange(3)
            if op == 0 or not d:
                d[pos:pos] = bytes(rng.choice(alphabet) for _ in range(rng.randrange(1, 4)))
            elif op == 1:
                del d[min(pos, len(d) - 1)]
            else:
                d[min(pos, len(d) - 1)] = rng.choice(alphabet)
        try:
            table = read_table(bytes(d))
            ds = prepare(table, target=table.frame.columns[-1], text_columns="onehot",
                         standardize=True)
        except CSVError as exc:
            message = str(exc)
            outcomes["error"] += 1
            assert "\n" not in message
        else:
            assert np.isfinite(ds.X).all()
            assert np.isfinite(ds.y).all()
            assert ds.X.shape[0] == ds.y.shape[0] >= 2
            outcomes["dataset"] += 1
    assert outcomes["dataset"] > 25
    assert outcomes["error"] > 25


def test_the_engine_never_imports_streamlit():
    code = "import sys, linreg_core.data.loader; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
