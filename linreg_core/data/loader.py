"""Bring your own CSV: any bytes in, a :class:`~linreg_core.data.Dataset` or one clear message out.

Two steps, so that a page can show the columns before the user picks a target:

* :func:`read_table` turns the uploaded bytes into a :class:`Table` (a DataFrame of every
  column as read, which columns are numbers and which are text, and notices of what was done),
* :func:`prepare` picks the target and the features and returns a ``Dataset``.

Every refusal is a :class:`CSVError` (a ``ValueError``) whose message names the problem, with
the offending value, column or line, and the fix, in one or two plain sentences (no markup,
no line breaks: the app shows it as plain text, the command line as one line). Nothing here
renders anything, and column names are kept exactly as written (even ``<img src=x ...>``);
only inside messages are control characters escaped and very long names shortened.

Decisions, in the order the checks run:

* **Size**: ``len(data)`` is compared with ``limits.max_upload_mb`` (MiB) before anything else.
* **Not text**: a known file signature is named (Excel workbook / ZIP, legacy ``.xls``, gzip,
  bzip2, xz, 7z, PDF, PNG, JPEG, GIF, SQLite); NUL bytes or more than 5% control bytes in the
  first 64 KiB mean binary data.
* **Encoding**: a UTF-8 byte-order mark is removed (with a notice); UTF-16 or UTF-32 *with* a
  byte-order mark is decoded (with a notice); UTF-16 *without* one (NUL in every other byte)
  is refused, because it cannot be told apart from binary data reliably. Text that is not
  UTF-8 is read as Windows-1252, a superset of Latin-1 for printable text (with a notice
  naming the first byte that is not UTF-8); bytes that are undefined in Windows-1252, or text
  in which more than 30% of the bytes are non-ASCII, are refused as an unknown encoding.
* **Delimiter**: comma, semicolon or tab, sniffed on the first 64 KiB (an Excel ``sep=;``
  first line is honoured): the one that gives the header more than one column and the most
  rows with the header's column count wins; ties go to the one with more columns, then to
  comma, semicolon, tab in that order. Decimal commas are not supported.
* **Structure**: every record is counted (a vectorised, quote-aware scan of the bytes; quoted
  fields may hold delimiters and line breaks). A record with more or fewer fields than the
  header is refused, naming its line; blank and whitespace-only lines are skipped. When the
  fast scan sees a problem and the file has quotes, the csv module re-reads it by its strict
  rules, so that a quote inside an unquoted value (``5'11"``) is fine, while a quote that is
  never closed, or a closing quote followed by more characters, is refused naming the lines.
  Rows then become a DataFrame through pandas' C engine.
* **Header**: names are stripped of surrounding spaces; blank names become ``column_k``
  (k = position, with a notice); a column that has neither a name nor any value (every line
  ends with a delimiter) is dropped with a notice; duplicate names are refused.
* **Limits**: more than ``limits.max_columns`` columns or ``limits.max_rows`` rows is refused
  with the limit, the count and the fix. A header without rows is refused.
* **Columns**: a column is numeric when every value that is not missing parses as a number
  (pandas' missing markers ``""``, ``NA``, ``NaN``, ``null``, ... count as missing; ``inf``
  parses as a number and is dropped later as non-finite). Anything else is text; a text
  column that is mostly numbers gets a notice naming the first value that is not one.

:func:`prepare` decisions: ``features=None`` takes every numeric column except the target
(and, with ``text_columns="onehot"``, every text column with at most
``limits.max_onehot_levels`` distinct values); a numeric column without any value is left out
of that default with a notice. A feature named explicitly must exist, may not be the target,
may not be empty, and may not be text unless ``text_columns="onehot"`` (then it must have few
enough distinct values): each of these is a :class:`CSVError`, never a silent exclusion.
Rows with a missing or non-finite value in the target or any chosen feature are dropped with
a notice giving the count. One-hot encoding drops the first level (sorted), which becomes
the baseline, and names the columns ``"column=value"``. Constant columns are kept and flagged.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from linreg_core.data.datasets import Dataset
from linreg_core.data.datasets import standardize as _standardize
from linreg_core.data.limits import LIMITS, Limits

__all__ = ["CSVError", "Table", "prepare", "read_file", "read_table"]

SAMPLE_BYTES = 64 * 1024
_CHUNK = 1 << 23  # bytes per step of the structural scan
_DELIMITERS = (",", ";", "\t")
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook or a ZIP archive",
     "open it in Excel or LibreOffice and save/export it as CSV"),
    (b"PK\x05\x06", "an Excel workbook or a ZIP archive",
     "open it in Excel or LibreOffice and save/export it as CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Excel workbook (.xls) or another old "
     "Microsoft Office file", "open it in Excel or LibreOffice and save/export it as CSV"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it and upload the CSV file inside"),
    (b"BZh", "a bzip2-compressed file", "decompress it and upload the CSV file inside"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it and upload the CSV file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and upload the CSV file inside"),
    (b"%PDF", "a PDF document", "export the table as CSV from the program that made it"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "upload the data itself as a CSV file, not a picture "
     "of it"),
    (b"\xff\xd8\xff", "a JPEG image", "upload the data itself as a CSV file, not a picture "
     "of it"),
    (b"GIF8", "a GIF image", "upload the data itself as a CSV file, not a picture of it"),
    (b"SQLite format 3\x00", "an SQLite database", "export the table as CSV"),
)


class CSVError(ValueError):
    """A file that cannot become a dataset: the message says what is wrong and how to fix it.

    ``code`` is a short slug for programs ("empty", "binary", "ragged", ...).
    """

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


@dataclass
class Table:
    """Every column of a CSV file as read, before a target and features are chosen."""

    frame: pd.DataFrame
    notices: list[str] = field(default_factory=list)
    delimiter: str = ","
    encoding: str = "utf-8"
    numeric_columns: list[str] = field(default_factory=list)
    text_columns: list[str] = field(default_factory=list)
    name: str = "upload.csv"
    # The line of the file on which each row starts (1-based; the header is usually line 1).
    line_numbers: np.ndarray | None = field(default=None, repr=False)

    def line_of(self, row: int) -> str:
        """'line 7' for the row at position ``row`` (or 'row 7' when lines are unknown)."""
        return _line(self.line_numbers, row)


# --- message helpers ------------------------------------------------------------------------

def _q(text: object, limit: int = 60) -> str:
    """``'text'`` for a message: control characters escaped, long text shortened."""
    s = str(text)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode()
                for ch in s)
    return f"'{s}'"


def _names(items: list[str], limit: int = 12) -> str:
    shown = ", ".join(_q(c, 40) for c in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _fmt(v: float) -> str:
    return f"{v:g}"


# --- bytes → text ---------------------------------------------------------------------------

def _refuse_binary(data: bytes, label: str) -> None:
    for magic, what, fix in _MAGIC:
        if data.startswith(magic):
            if magic == b"BZh" and not data[3:4].isdigit():
                continue
            raise CSVError(f"{label} looks like {what}, not a CSV file; {fix}.", code="binary")
    if data[:4] == b"PAR1" and data[-4:] == b"PAR1":
        raise CSVError(f"{label} looks like a Parquet file, not a CSV file; export the table as "
                       "CSV.", code="binary")


def _utf16_without_bom(head: bytes) -> bool:
    head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    n = len(even)
    z_even, z_odd = even.count(0) / n, odd.count(0) / n
    return (z_odd > 0.3 and z_even < 0.05) or (z_even > 0.3 and z_odd < 0.05)


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
         (b"\xff\xfe", "utf-16", "UTF-16"), (b"\xfe\xff", "utf-16", "UTF-16"))


def _strip_bom(data: bytes, label: str, notices: list[str]) -> tuple[bytes, str]:
    """UTF-32 or UTF-16 with a byte-order mark decoded to UTF-8, a UTF-8 byte-order mark
    removed (each with a notice); the bytes and the encoding they had."""
    encoding = "utf-8"
    for bom, codec, shown in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise CSVError(
                    f"{label} starts with a {shown} byte-order mark but is not valid {shown} "
                    f"text (at byte {exc.start:,}); save it as 'CSV UTF-8'.", code="encoding",
                ) from None
            notices.append(f"Read the file as {shown} text (it starts with a {shown} "
                           "byte-order mark); UTF-8 is the usual encoding for CSV.")
            data, encoding = text.lstrip("\ufeff").encode("utf-8"), codec
            break
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        notices.append("Removed a UTF-8 byte-order mark.")
        encoding = "utf-8-sig"
    return data, encoding


def _refuse_control_bytes(data: bytes, label: str) -> np.ndarray:
    """Refuse NUL bytes (UTF-16 without a byte-order mark, or binary data) and a head with
    more than 5% control bytes; return the head (the first ``SAMPLE_BYTES``) as uint8."""
    nul = data.find(b"\x00")
    if nul >= 0:
        if _utf16_without_bom(data[:4096]):
            raise CSVError(f"{label} looks like UTF-16 text without a byte-order mark, which "
                           "cannot be read reliably; save it as 'CSV UTF-8'.", code="encoding")
        raise CSVError(f"{label} contains binary data (a NUL byte at position {nul:,}), not "
                       "text; save/export the table as CSV (comma-separated values).",
                       code="binary")
    head = np.frombuffer(data[:SAMPLE_BYTES], dtype=np.uint8)
    control = ((head < 32) & ~np.isin(head, (9, 10, 12, 13))) | (head == 127)
    if control.mean() > 0.05:
        raise CSVError(f"{label} looks like binary data ({int(control.sum()):,} control bytes "
                       f"in the first {head.size:,}), not text; save/export the table as CSV.",
                       code="binary")
    return head


def _windows_1252(data: bytes, head: np.ndarray, first_bad: int, label: str,
                  notices: list[str]) -> bytes:
    """Text that is not UTF-8 (at byte ``first_bad``) read as Windows-1252 (with a notice),
    or refused."""
    bad, where = data[first_bad], data.count(b"\n", 0, first_bad) + 1
    high = (head >= 128).mean()
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is None or high > 0.3:
        raise CSVError(f"{label} is not UTF-8 text and its encoding could not be recognised "
                       f"(byte 0x{bad:02X} on line {where:,}); save it as 'CSV UTF-8'.",
                       code="encoding")
    notices.append(f"The file is not UTF-8 (byte 0x{bad:02X} on line {where:,}): read it as "
                   "Windows-1252 (Latin-1) text; check that accented letters look right.")
    return text.encode("utf-8")


def _decode(data: bytes, label: str, notices: list[str]) -> tuple[bytes, str]:
    """Return the text as UTF-8 bytes without a byte-order mark, and the encoding it had."""
    data, encoding = _strip_bom(data, label, notices)
    if not data or data.isspace():
        return data, encoding
    head = _refuse_control_bytes(data, label)
    if encoding in ("utf-16", "utf-32") or data.isascii():
        return data, encoding
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:
        return data, encoding
    return _windows_1252(data, head, first_bad, label, notices), "cp1252"


# --- structure ------------------------------------------------------------------------------

@dataclass
class _Records:
    lines: np.ndarray  # 1-based line on which each non-blank record starts
    last_lines: np.ndarray  # the line on which it ends
    fields: np.ndarray  # its number of fields
    open_quote_line: int = 0  # > 0: the file ends inside a quoted field opened on that line

    def drop_first(self, k: int) -> _Records:
        return _Records(self.lines[k:], self.last_lines[k:], self.fields[k:],
                        self.open_quote_line)


def _scan_numpy(body: bytes, delim: str, newline: int) -> _Records:
    """Split ``body`` into records and count their fields, quote-aware, without Python loops.

    A delimiter or line break is inside quotes when an odd number of quote characters precede
    it (doubled quotes inside a quoted field keep the parity). A quote in the middle of an
    unquoted field breaks this rule; the caller double-checks any problem with the csv module.
    """
    full = np.frombuffer(body, dtype=np.uint8)
    d = ord(delim)
    has_quotes = b'"' in body
    starts, ends, fields, all_nl = [], [], [], []
    parity, carry_start, carry_delims = 0, 0, 0
    last_quote = -1
    for base in range(0, len(full), _CHUNK):
        a = full[base: base + _CHUNK]
        nl = np.flatnonzero(a == newline)
        dl = np.flatnonzero(a == d)
        all_nl.append(nl + base)
        if has_quotes:
            q = np.flatnonzero(a == 34)
            if q.size:
                nl_ends = nl[((np.searchsorted(q, nl) + parity) & 1) == 0]
                dl = dl[((np.searchsorted(q, dl) + parity) & 1) == 0]
                parity = (parity + q.size) & 1
                last_quote = base + int(q[-1])
            else:
                nl_ends = nl if parity == 0 else nl[:0]
                dl = dl if parity == 0 else dl[:0]
        else:
            nl_ends = nl
        if nl_ends.size:
            cum = np.searchsorted(dl, nl_ends)
            per = np.diff(cum, prepend=0)
            per[0] += carry_delims
            carry_delims = int(dl.size - cum[-1])
            st = np.empty(nl_ends.size, dtype=np.int64)
            st[0] = carry_start
            st[1:] = base + nl_ends[:-1] + 1
            starts.append(st)
            ends.append(base + nl_ends.astype(np.int64))
            fields.append(per + 1)
            carry_start = base + int(nl_ends[-1]) + 1
        else:
            carry_delims += int(dl.size)
    if carry_start < len(full):  # a last record without a final line break
        starts.append(np.array([carry_start], dtype=np.int64))
        ends.append(np.array([len(full)], dtype=np.int64))
        fields.append(np.array([carry_delims + 1]))
    if not starts:
        empty = np.zeros(0, dtype=np.int64)
        return _Records(empty, empty, empty)
    st, en = np.concatenate(starts), np.concatenate(ends)
    fl = np.concatenate(fields).astype(np.int64)
    nls = np.concatenate(all_nl)
    lines = np.searchsorted(nls, st) + 1
    last = np.searchsorted(nls, en) + 1
    # blank lines (empty, or only spaces, tabs and a carriage return) are skipped, as pandas does
    length = en - st
    blank = length == 0
    one = length == 1
    blank[one] = np.isin(full[st[one]], (13, 32, 9))
    cand = np.flatnonzero((fl == 1) & ~blank & (length <= 256))
    if 0 < cand.size < 100_000:
        for i in cand:
            if not body[st[i]: en[i]].strip(b" \t\r"):
                blank[i] = True
    keep = ~blank
    rec = _Records(lines[keep], last[keep], fl[keep])
    if parity:
        rec.open_quote_line = int(np.searchsorted(nls, last_quote)) + 1
    return rec


def _scan_python(body: bytes, delim: str, label: str) -> _Records:
    """The same as :func:`_scan_numpy` by the csv module's strict rules (exact, slower).

    Quoting mistakes are refused here, naming the lines: a quote that is never closed, or a
    closing quote followed by more characters (which is how an unclosed quote usually shows).
    """
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter=delim,
                        strict=True)
    lines, last_lines, fields = [], [], []
    prev = 0
    try:
        for row in reader:
            if row and not (len(row) == 1 and not row[0].strip(" \t")):
                lines.append(prev + 1)
                last_lines.append(reader.line_num)
                fields.append(len(row))
            prev = reader.line_num
    except csv.Error as exc:
        start, at = prev + 1, reader.line_num
        if "expected after" in str(exc):
            where = f"line {at:,}" if at == start else f"lines {start:,}–{at:,}"
            raise CSVError(f"{label}: the quotes (\") on {where} do not pair up: a closing quote "
                           "is followed by more characters; put quotes around whole values only "
                           "and double any quote inside them (\"\"), or close the quote that "
                           "is left open.", code="quotes") from None
        raise CSVError(f"{label}: a quoted value that starts on line {start:,} is never "
                       "closed; add the missing closing quote (\").",
                       code="unclosed_quote") from None
    return _Records(np.asarray(lines, dtype=np.int64), np.asarray(last_lines, dtype=np.int64),
                    np.asarray(fields, dtype=np.int64))


def _line_offsets(body: bytes, newline: int, first: int, last: int) -> tuple[int, int]:
    """Byte offsets of the start of line ``first`` and of the line break ending line ``last``."""
    nl = bytes([newline])
    pos, start, line = -1, 0, 0
    while line < last:
        nxt = body.find(nl, pos + 1)
        if nxt < 0:
            return start, len(body)
        line += 1
        if line == first - 1:
            start = nxt + 1
        pos = nxt
    return start, pos


def _sniff(sample: str) -> tuple[str, int]:
    """The delimiter and the header's column count (see the module's docstring)."""
    best: tuple = ()
    choice = (",", 1)
    for prio, d in enumerate(_DELIMITERS):
        counts = []
        try:
            for row in csv.reader(io.StringIO(sample, newline=""), delimiter=d):
                if row and any(f.strip() for f in row):
                    counts.append(len(row))
                if len(counts) > 200:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        header, rows = counts[0], counts[1:]
        consistency = sum(c == header for c in rows) / len(rows) if rows else 1.0
        score = (header > 1, consistency, header, -prio)
        if score > best:
            best, choice = score, (d, header)
    return choice


def _delimiter_name(d: str) -> str:
    return {"\t": "tab", ",": "','", ";": "';'"}[d]


def _header_names(text: str, delim: str, notices: list[str],
                  label: str) -> tuple[list[str], list[str]]:
    """The header's names (stripped; blank ones named ``column_k``) and the names made up."""
    try:
        raw = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
    except csv.Error:
        raw = text.split(delim)
    names = [n.strip() for n in raw]
    if any(n != r for n, r in zip(names, raw, strict=True)):
        notices.append("Removed spaces around column names.")
    blank = [k for k, n in enumerate(names) if not n]
    taken = set(names)
    for k in blank:
        name = f"column_{k + 1}"
        while name in taken:
            name += "_"
        names[k] = name
        taken.add(name)
    positions: dict[str, list[int]] = {}
    for k, n in enumerate(names):
        positions.setdefault(n, []).append(k + 1)
    dups = [(n, ks) for n, ks in positions.items() if len(ks) > 1]
    if dups:
        n, ks = dups[0]
        where = ", ".join(str(k) for k in ks[:-1]) + f" and {ks[-1]}"
        times = "twice" if len(ks) == 2 else f"{len(ks)} times"
        fix = "rename one of them" if len(ks) == 2 else "rename all but one"
        more = f" (and {_plural(len(dups) - 1, 'other repeated name')})" if len(dups) > 1 else ""
        raise CSVError(f"{label}: column {_q(n)} appears {times} (columns {where}){more}; "
                       f"{fix} so that every column has its own name.", code="duplicate_columns")
    return names, [names[k] for k in blank]


def _ragged(rec: _Records, header_fields: int, label: str, delim: str) -> None:
    bad = np.flatnonzero(rec.fields[1:] != header_fields)
    if not bad.size:
        return
    i = int(bad[0]) + 1
    line, n = int(rec.lines[i]), int(rec.fields[i])
    others = f" ({_plural(bad.size - 1, 'more line')} like it)" if bad.size > 1 else ""
    cols = _plural(header_fields, "column")
    spans = int(rec.last_lines[i]) > line
    if spans:
        raise CSVError(f"{label}: the row starting on line {line:,} has {_plural(n, 'field')} "
                       f"and runs over several lines, but the header has {cols}{others}; check "
                       "the quotes (\") on that line: a quote that is never closed joins lines.",
                       code="ragged")
    if n > header_fields:
        raise CSVError(f"{label}: line {line:,} has {_plural(n, 'field')} but the header has "
                       f"{cols}{others}; remove the extra values (or put quotes around values "
                       f"that contain {_delimiter_name(delim)}), or name the extra column in "
                       "the header.", code="ragged")
    raise CSVError(f"{label}: line {line:,} has {_plural(n, 'field')} but the header has "
                   f"{cols}{others}; fill in the missing values (an empty value between two "
                   "delimiters is fine) or delete the line.", code="ragged")


# --- the two steps --------------------------------------------------------------------------

def read_file(path: str | Path, *, limits: Limits = LIMITS) -> Table:
    """:func:`read_table` on a file, with the size checked before it is read."""
    p = Path(path)
    try:
        if p.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        size = p.stat().st_size
        if size > limits.max_upload_mb * 1024 * 1024:
            _too_large(size, p.name, limits)
        data = p.read_bytes()
    except OSError as exc:
        raise CSVError(f"cannot read {path}: {exc.strerror or exc}", code="unreadable") from None
    return read_table(data, name=p.name, limits=limits)


def _too_large(size: int, label: str, limits: Limits) -> None:
    raise CSVError(f"{label} is {size / 1024 / 1024:,.1f} MB, more than the limit of "
                   f"{limits.max_upload_mb:,} MB; upload a sample of the rows (or fewer columns).",
                   code="too_large")


def _as_bytes(data: bytes, label: str, limits: Limits) -> bytes:
    """The upload as ``bytes``, refused if too large, empty or a known binary format."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"read_table needs bytes, got {type(data).__name__}")
    if len(data) > limits.max_upload_mb * 1024 * 1024:
        _too_large(len(data), label, limits)
    if not data:
        raise CSVError(f"{label} is empty (0 bytes); choose a CSV file with a header row and at "
                       "least two rows of values.", code="empty")
    _refuse_binary(data, label)
    return data


def _choose_delimiter(body: bytes, newline: int, notices: list[str]) -> tuple[str, int]:
    """The delimiter, from an Excel ``sep=`` first line or sniffed on the first 64 KiB, and
    the number of records to skip before the header (1 after a ``sep=`` line)."""
    sample = body[:SAMPLE_BYTES]
    if len(body) > SAMPLE_BYTES and bytes([newline]) in sample:
        sample = sample[: sample.rindex(newline) + 1]
    sample_text = sample.decode("utf-8", errors="ignore")
    first = sample_text.lstrip("\r\n ").split("\n", 1)[0].rstrip("\r ")
    m = re.fullmatch(r"sep=(.)", first)
    if m and m.group(1) in _DELIMITERS:
        notices.append(f"Used the delimiter the file's first line names ({first}).")
        return m.group(1), 1
    delim, _ = _sniff(sample_text)
    if delim != ",":
        notices.append(f"Read with {_delimiter_name(delim)} as the delimiter.")
    return delim, 0


def _scan_records(body: bytes, delim: str, newline: int, skip_records: int,
                  label: str) -> tuple[_Records, bool]:
    """The records (header first), and whether the csv module's exact scan made them."""
    rec = _scan_numpy(body, delim, newline).drop_first(skip_records)
    if not rec.fields.size:
        raise CSVError(f"{label} contains only blank space; choose a CSV file with a header "
                       "row and rows of values.", code="empty")
    if rec.open_quote_line or (b'"' in body and np.any(rec.fields[1:] != rec.fields[0])):
        # a quote in the middle of a field fools the fast scan: ask the csv module
        return _scan_python(body, delim, label).drop_first(skip_records), True
    return rec, False


def _read_header(body: bytes, newline: int, rec: _Records, delim: str, label: str,
                 limits: Limits, notices: list[str]) -> tuple[list[str], list[str], int]:
    """The column names, the names made up for blank ones, and the offset of the header's
    line break; the column and row limits, a header without rows and ragged rows refused."""
    h_start, h_end = _line_offsets(body, newline, int(rec.lines[0]), int(rec.last_lines[0]))
    header_text = body[h_start:h_end].decode("utf-8", errors="replace")
    if len(rec.fields) and rec.fields[0] > limits.max_columns:
        raise CSVError(f"{label} has {int(rec.fields[0]):,} columns, more than the limit of "
                       f"{limits.max_columns:,}; keep at most {limits.max_columns:,} columns "
                       "(delete the ones you do not need).", code="too_many_columns")
    names, made_up = _header_names(header_text, delim, notices, label)
    n_rows = int(rec.fields.size) - 1
    if n_rows > limits.max_rows:
        raise CSVError(f"{label} has {n_rows:,} rows, more than the limit of "
                       f"{limits.max_rows:,}; use a sample of at most {limits.max_rows:,} rows.",
                       code="too_many_rows")
    if n_rows == 0:
        _header_only(label, names)
    _ragged(rec, int(rec.fields[0]), label, delim)
    return names, made_up, h_end


def _header_only(label: str, names: list[str]) -> None:
    raise CSVError(f"{label} has a header ({_names(names, 6)}) but no rows of values; add "
                   "at least two rows below the header.", code="header_only")


def _parse_rows(body: bytes, h_end: int, delim: str, names: list[str], first_line: int,
                label: str) -> pd.DataFrame:
    """The rows after the header, through pandas' C engine, with the header's names."""
    buf = io.BytesIO(body)
    buf.seek(h_end + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.read_csv(buf, sep=delim, header=None, names=list(range(len(names))),
                                index_col=False, engine="c", encoding="utf-8",
                                skip_blank_lines=True, low_memory=False)
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(columns=list(range(len(names))))
    except pd.errors.ParserError as exc:
        msg = str(exc)
        found = re.search(r"EOF inside string starting at row (\d+)", msg)
        if found:
            raise CSVError(f"{label}: a quoted value that starts near line "
                           f"{int(found.group(1)) + first_line:,} is never closed; add "
                           "the missing closing quote (\").", code="unclosed_quote") from None
        detail = msg.split("C error: ")[-1].strip().rstrip(".")
        raise CSVError(f"{label} could not be read as CSV ({detail}); check the delimiters and "
                       "quotes there.", code="parse") from None
    except (ValueError, OverflowError, MemoryError) as exc:
        first_line_text = str(exc).splitlines()[0] if str(exc) else ""
        raise CSVError(f"{label} could not be read as CSV ({type(exc).__name__}: "
                       f"{first_line_text}); save it again as CSV UTF-8.", code="parse") from None
    frame.columns = names
    return frame


def _drop_unnamed_empty(frame: pd.DataFrame, names: list[str], made_up: list[str],
                        notices: list[str]) -> pd.DataFrame:
    """Leave out the columns with neither a name nor a value (every line ends with a
    delimiter), and name the other unnamed ones in a notice."""
    empty = [n for n in made_up if frame[n].isna().all()]
    if empty and len(empty) < len(names):
        frame = frame.drop(columns=empty)
        notices.append(f"Left out {_plural(len(empty), 'column')} with neither a name nor any "
                       f"value ({', '.join(empty[:10])}); do the lines end with a delimiter?")
        made_up = [n for n in made_up if n not in empty]
    if made_up:
        notices.append(f"Named {_plural(len(made_up), 'column')} without a header: "
                       f"{', '.join(made_up[:10])}{' …' if len(made_up) > 10 else ''}.")
    return frame


def _column_types(frame: pd.DataFrame, line_numbers: np.ndarray | None,
                  notices: list[str]) -> tuple[list[str], list[str]]:
    """The numeric and the text columns; columns of numbers read as text become float64,
    and a text column that is mostly numbers gets a notice naming its first non-number."""
    numeric, text = [], []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            numeric.append(col)
            continue
        conv = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & conv.isna()
        if not bad.any():
            frame[col] = conv.astype(np.float64)
            numeric.append(col)
            continue
        text.append(col)
        n_bad, n_val = int(bad.sum()), int(s.notna().sum())
        if n_bad <= n_val // 2:
            i = int(np.flatnonzero(bad.to_numpy())[0])
            value = str(s.iloc[i])
            hint = (" (decimal commas are not supported: use '.' as the decimal point)"
                    if re.fullmatch(r"\s*-?\d+,\d+\s*", value) else "")
            notices.append(f"Column {_q(col)} is mostly numbers, but {_q(value)} on "
                           f"{_line(line_numbers, i)} is not a number{hint}: it is read as "
                           "text.")
    return numeric, text


def read_table(data: bytes, *, name: str = "upload.csv", limits: Limits = LIMITS) -> Table:
    """Read CSV bytes into a :class:`Table`, or raise :class:`CSVError` (see the module doc)."""
    label = _q(name, 80)[1:-1] or "the file"
    data = _as_bytes(data, label, limits)
    notices: list[str] = []
    body, encoding = _decode(data, label, notices)
    if not body or body.isspace():
        raise CSVError(f"{label} contains only blank space ({_plural(len(data), 'byte')}, no "
                       "values); choose a CSV file with a header row and rows of values.",
                       code="empty")
    newline = 10 if b"\n" in body else 13
    delim, skip_records = _choose_delimiter(body, newline, notices)
    rec, exact = _scan_records(body, delim, newline, skip_records, label)
    names, made_up, h_end = _read_header(body, newline, rec, delim, label, limits, notices)
    frame = _parse_rows(body, h_end, delim, names, int(rec.lines[0]), label)
    if len(frame) == 0:
        _header_only(label, names)
    if rec.lines.size - 1 != len(frame) and not exact and b'"' in body:
        # quotes inside unquoted fields misled the fast scan: check the rows by the csv rules
        rec = _scan_python(body, delim, label).drop_first(skip_records)
        _ragged(rec, int(rec.fields[0]), label, delim)
    line_numbers = rec.lines[1:] if rec.lines.size - 1 == len(frame) else None
    frame = _drop_unnamed_empty(frame, names, made_up, notices)
    numeric, text = _column_types(frame, line_numbers, notices)
    if len(names) > 1 and all(_is_number(n) for n in names):
        notices.append(f"The first line ({_names(names, 4)}) looks like numbers, yet it is "
                       "used as the column names; add a header row if it is data.")
    return Table(frame=frame, notices=notices, delimiter=delim, encoding=encoding,
                 numeric_columns=numeric, text_columns=text, name=name,
                 line_numbers=line_numbers)


def _line(line_numbers: np.ndarray | None, row: int) -> str:
    if line_numbers is not None and 0 <= row < len(line_numbers):
        return f"line {int(line_numbers[row]):,}"
    return f"row {row + 2:,}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_non_number(table: Table, col: str) -> tuple[str, str]:
    s = table.frame[col]
    bad = (s.notna() & pd.to_numeric(s, errors="coerce").isna()).to_numpy()
    i = int(np.flatnonzero(bad)[0])
    return str(s.iloc[i]), table.line_of(i)


def _text_values(s: pd.Series) -> pd.Series:
    """A text column's values, stripped, with blanks as missing."""
    out = s.astype("string").str.strip()
    return out.mask((out == "").fillna(False).astype(bool))


def _finite(frame: pd.DataFrame, c: str) -> np.ndarray:
    """Which values of the numeric column ``c`` are finite numbers."""
    return np.isfinite(frame[c].to_numpy(dtype=np.float64, na_value=np.nan))


def _target_values(table: Table, target: str, columns: list[str], label: str) -> np.ndarray:
    """The target column as float64 (NaN where missing); refused if it is not there, is text
    or has no numbers."""
    frame = table.frame
    if target not in columns:
        close = [c for c in columns if c.strip().casefold() == str(target).strip().casefold()]
        hint = f" (did you mean {_q(close[0])}?)" if close else ""
        raise CSVError(f"There is no column {_q(target)} in {label}{hint}; choose the target "
                       f"from its columns: {_names(columns, 20)}.", code="no_target")
    if target not in set(table.numeric_columns):
        value, where = _first_non_number(table, target)
        conv = pd.to_numeric(frame[target], errors="coerce")
        if conv.notna().sum() >= frame[target].notna().sum() / 2:
            raise CSVError(f"Column {_q(target)} is not all numbers: {_q(value)} on {where} is "
                           "not a number; fix or delete such values, or choose another target.",
                           code="text_target")
        raise CSVError(f"Column {_q(target)} is text (e.g. {_q(value)} on {where}); choose a "
                       "numeric target.", code="text_target")
    y_all = frame[target].to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(y_all).any():
        raise CSVError(f"Column {_q(target)} has no numbers (every value is missing or "
                       "infinite); choose a target column that has values.", code="empty_target")
    return y_all


def _default_features(table: Table, target: str, columns: list[str], text_columns: str,
                      limits: Limits, notes: list[str]) -> list[str]:
    """Every numeric column with values but the target (and, with one-hot encoding, every
    text column with few enough distinct values); what is left out gets a notice."""
    frame, numeric = table.frame, set(table.numeric_columns)
    chosen, left_out_text, too_many_levels = [], [], []
    for c in columns:
        if c == target:
            continue
        if c in numeric:
            if not _finite(frame, c).any():
                notes.append(f"Left out column {_q(c)}: it has no values.")
            else:
                chosen.append(c)
        elif text_columns == "exclude":
            left_out_text.append(c)
        else:
            levels = _text_values(frame[c]).nunique()
            if levels <= limits.max_onehot_levels:
                chosen.append(c)
            else:
                too_many_levels.append((c, levels))
    if left_out_text:
        notes.append(f"Left out text {'column' if len(left_out_text) == 1 else 'columns'} "
                     f"{_names(left_out_text)}; one-hot encoding can include text columns "
                     f"with at most {limits.max_onehot_levels} distinct values.")
    for c, levels in too_many_levels:
        notes.append(f"Left out text column {_q(c)}: it has {levels:,} distinct values, "
                     f"more than the {limits.max_onehot_levels} one-hot encoding allows.")
    return chosen


def _named_features(table: Table, features: list[str] | str, target: str, columns: list[str],
                    text_columns: str, limits: Limits, label: str) -> list[str]:
    """The features named (once each, in order); refused if one is unknown, the target,
    text that cannot be encoded, or empty."""
    if isinstance(features, str):
        features = [features]
    chosen = list(dict.fromkeys(str(f) for f in features))
    unknown = [f for f in chosen if f not in columns]
    if unknown:
        raise CSVError(f"There is no column {_q(unknown[0])} in {label}; choose the "
                       f"features from its columns: {_names(columns, 20)}.",
                       code="unknown_feature")
    if target in chosen:
        raise CSVError(f"Column {_q(target)} is the target, so it cannot also be a "
                       "feature; remove it from the features.", code="target_as_feature")
    texts = set(table.text_columns)
    for c in chosen:
        if c in texts:
            _check_text_feature(table, c, text_columns, limits)
        elif not _finite(table.frame, c).any():
            raise CSVError(f"Column {_q(c)} has no values (every one is missing or "
                           "infinite); remove it from the features.", code="empty_feature")
    return chosen


def _check_text_feature(table: Table, c: str, text_columns: str, limits: Limits) -> None:
    """A text column named as a feature needs one-hot encoding and few distinct values."""
    if text_columns == "exclude":
        value, where = _first_non_number(table, c)
        raise CSVError(f"Column {_q(c)} is text (e.g. {_q(value)} on {where}); "
                       "remove it from the features, or turn on one-hot encoding "
                       "of text columns.", code="text_feature")
    levels = _text_values(table.frame[c]).nunique()
    if levels > limits.max_onehot_levels:
        raise CSVError(f"Column {_q(c)} has {levels:,} distinct text values, more "
                       f"than the {limits.max_onehot_levels} one-hot encoding "
                       "allows; remove it from the features.", code="text_feature")


def _no_features(target: str, columns: list[str], label: str) -> None:
    if len(columns) == 1:
        fix = (f" {label} has a single column, {_q(columns[0])}: separate the values with "
               "a comma, semicolon or tab, and add at least one feature column.")
    else:
        fix = " add a numeric column (or turn on one-hot encoding of text columns)."
    raise CSVError(f"There are no feature columns to learn from besides the target "
                   f"{_q(target)};{fix}",
                   code="no_features")


def _complete_rows(table: Table, target: str, chosen: list[str], y_all: np.ndarray,
                   label: str, notes: list[str]) -> np.ndarray:
    """Which rows have a value in the target and in every feature; the others are dropped
    with a notice, and fewer than two complete rows are refused."""
    frame, numeric = table.frame, set(table.numeric_columns)
    n_total = len(frame)
    ok = np.isfinite(y_all)
    bad_by_col = {target: int((~ok).sum())}
    for c in chosen:
        good = _finite(frame, c) if c in numeric else _text_values(frame[c]).notna().to_numpy()
        bad_by_col[c] = int((~good).sum())
        ok &= good
    n = int(ok.sum())
    worst = sorted(((k, v) for k, v in bad_by_col.items() if v), key=lambda kv: -kv[1])
    if n < 2:
        if n_total < 2:
            raise CSVError(f"{label} has only one row of values; a line needs at least two "
                           "points: add more rows.", code="too_few_rows")
        gaps = ", ".join(f"{_q(k, 30)}: {v:,}" for k, v in worst[:3])
        raise CSVError(f"Only {n} of {n_total:,} rows {'has' if n == 1 else 'have'} a value in "
                       f"the target and in every feature (missing values: {gaps}"
                       f"{', …' if len(worst) > 3 else ''}); at least two complete rows are "
                       "needed: fill in the missing values or leave out the columns with the "
                       "most gaps.", code="too_few_rows")
    if n < n_total:
        detail = ", ".join(f"{_q(k, 30)}: {v:,}" for k, v in worst[:3])
        detail += ", …" if len(worst) > 3 else ""
        notes.append(f"Dropped {n_total - n:,} of {n_total:,} rows with missing or non-finite "
                     f"values ({detail}).")
    return ok


def _onehot_names(c: str, levels: list[str], taken: set[str]) -> list[str]:
    """``column=value`` for every level but the first (the baseline), made unique."""
    new = []
    for lv in levels[1:]:
        nm = f"{c}={lv}"
        while nm in taken:
            nm += "_"
        taken.add(nm)
        new.append(nm)
    return new


def _encoding_plan(table: Table, chosen: list[str], ok: np.ndarray,
                   notes: list[str]) -> tuple[list[tuple[str, object]], list[str]]:
    """How to build the matrix: runs of numeric columns (converted together, fast for wide
    files) and one-hot blocks (codes, number of levels); and the features' names."""
    frame, numeric = table.frame, set(table.numeric_columns)
    plan: list[tuple[str, object]] = []
    names: list[str] = []
    taken = {str(c) for c in frame.columns}
    for c in chosen:
        if c in numeric:
            if plan and plan[-1][0] == "numeric":
                plan[-1][1].append(c)
            else:
                plan.append(("numeric", [c]))
            names.append(c)
            continue
        values = _text_values(frame[c])[ok]
        levels = sorted(values.unique().dropna().tolist())
        if len(levels) < 2:
            notes.append(f"Left out text column {_q(c)}: every remaining row has the same "
                         f"value {_q(levels[0] if levels else '')}.")
            continue
        codes = pd.Categorical(values, categories=levels).codes
        plan.append(("onehot", (codes, len(levels))))
        new = _onehot_names(c, levels, taken)
        names.extend(new)
        notes.append(f"One-hot encoded text column {_q(c)} into {_plural(len(new), 'column')} "
                     f"({', '.join(_q(x, 30) for x in new[:5])}{', …' if len(new) > 5 else ''});"
                     f" {_q(levels[0], 30)} is the baseline that the intercept absorbs.")
    return plan, names


def _feature_matrix(frame: pd.DataFrame, plan: list[tuple[str, object]],
                    ok: np.ndarray) -> np.ndarray:
    """The complete rows of the plan's blocks, side by side, as one C-contiguous float64."""
    blocks = []
    all_rows = bool(ok.all())
    for kind, what in plan:
        if kind == "numeric":
            block = frame[what].to_numpy(dtype=np.float64, na_value=np.nan)
            blocks.append(block if all_rows else block[ok])
        else:
            codes, n_levels = what
            blocks.append((codes[:, None] == np.arange(1, n_levels)[None, :]).astype(np.float64))
    return np.ascontiguousarray(blocks[0] if len(blocks) == 1 else np.hstack(blocks),
                                dtype=np.float64)


def _constant_notes(lo: np.ndarray, hi: np.ndarray, y: np.ndarray, names: list[str],
                    target: str, notes: list[str]) -> None:
    """Notices for the features whose smallest value ``lo`` is their largest ``hi``, and for a
    constant target."""
    for j in np.flatnonzero(lo == hi):
        notes.append(f"Column {_q(names[j])} is constant (every value is {_fmt(lo[j])}): it "
                     "carries no information, and its weight cannot be told apart from the "
                     "intercept.")
    if y.min() == y.max():
        notes.append(f"The target {_q(target)} is constant (every value is {_fmt(y[0, 0])}): "
                     "there is nothing to learn beyond the intercept.")


def _standardized(X: np.ndarray, lo: np.ndarray, hi: np.ndarray, names: list[str],
                  notes: list[str]) -> np.ndarray:
    """``X`` standardized (constant columns only centred); refused if a column overflows
    (``lo`` and ``hi``, the columns' extremes, give the size in the message)."""
    with np.errstate(all="ignore"):
        X, mean, scale = _standardize(X)
    broken = ~(np.isfinite(X).all(axis=0) & np.isfinite(mean) & np.isfinite(scale))
    if broken.any():
        j = int(np.flatnonzero(broken)[0])
        big = max(abs(float(lo[j])), abs(float(hi[j])))
        raise CSVError(f"Column {_q(names[j])} has values too large to standardize (up to "
                       f"{_fmt(big)}); rescale it, e.g. divide it by a power of ten.",
                       code="overflow")
    notes.append("Standardized the features (mean 0, standard deviation 1; constant "
                 "columns are only centred).")
    return X


def prepare(table: Table, *, target: str, features: list[str] | None = None,
            text_columns: Literal["exclude", "onehot"] = "exclude", standardize: bool = False,
            limits: Limits = LIMITS) -> Dataset:
    """Choose the target and features of a :class:`Table`: a ``Dataset`` or a :class:`CSVError`.

    ``features=None``: every numeric column but the target (plus, with
    ``text_columns="onehot"``, every text column with at most ``limits.max_onehot_levels``
    distinct values). Naming a text feature with ``text_columns="exclude"`` is an error (never
    a silent exclusion). ``standardize`` scales the features (constant columns are centred
    only). ``Dataset.notes`` holds the table's notices and this step's.
    """
    if text_columns not in ("exclude", "onehot"):
        raise CSVError(f"text_columns must be 'exclude' or 'onehot', got {_q(text_columns)}.",
                       code="option")
    label = _q(table.name, 80)[1:-1] or "the file"
    notes = list(table.notices)
    columns = [str(c) for c in table.frame.columns]
    y_all = _target_values(table, target, columns, label)
    if features is None:
        chosen = _default_features(table, target, columns, text_columns, limits, notes)
    else:
        chosen = _named_features(table, features, target, columns, text_columns, limits, label)
    if not chosen:
        _no_features(target, columns, label)
    ok = _complete_rows(table, target, chosen, y_all, label, notes)
    plan, names = _encoding_plan(table, chosen, ok, notes)
    if not names:
        raise CSVError(f"There are no feature columns left to learn from besides the target "
                       f"{_q(target)}; add a numeric column.", code="no_features")
    if len(names) > limits.max_features:
        raise CSVError(f"The chosen columns make {len(names):,} features, more than the limit of "
                       f"{limits.max_features:,}; choose at most {limits.max_features:,} "
                       "features.", code="too_many_features")
    X = _feature_matrix(table.frame, plan, ok)
    y = y_all[ok].reshape(-1, 1)
    lo, hi = X.min(axis=0), X.max(axis=0)
    _constant_notes(lo, hi, y, names, target, notes)
    if standardize:
        X = _standardized(X, lo, hi, names, notes)
    n, d = int(ok.sum()), X.shape[1]
    return Dataset(name="csv", X=X, y=y, feature_names=names, target_name=target,
                   description=f"{table.name}: {n:,} rows, {_plural(d, 'feature')}",
                   notes=notes)
