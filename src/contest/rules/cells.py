"""Spreadsheet cells: the one neutraliser that every export (CSV and XLSX) passes its text through.

A text cell that starts with `=`, `+`, `-`, `@`, TAB or CR is read by Excel, LibreOffice and Google Sheets
as a formula (`=HYPERLINK("http://…"&D2, …)` sends the neighbouring cell away; `=cmd|' /C …'!A0` runs a
program through DDE). OWASP's remedy is applied here: such a cell is written with a leading apostrophe
(`'=HYPERLINK(…)`), which every spreadsheet shows as text and never evaluates. Also caught: the same
characters after leading spaces (LibreOffice trims them on import), their full-width forms, and LF.

What is not touched: numbers (int, float, Decimal) stay numeric cells, negative ones included; a text
that is only a number (`-5`, `+84`, `-1,5`) is a value, not a formula, and stays as it is; everything
else is text that does not start with a trigger.

The rule is reversible, so the question workbook's round trip (export, then import) is lossless:
`neutralise` adds one apostrophe to every text matching `'*` + trigger (so a text that already starts
with apostrophes before a trigger gets one more), and `restore` removes exactly one from a text matching
`'+` + trigger. A text an organiser types with a leading apostrophe before anything else (`'Hà Tĩnh'`)
is left alone in both directions.

CSV also quotes every text field (`csv_writer`): a spreadsheet whose list separator is `;` (the
Vietnamese regional setting) would otherwise split `An;=1+1` into a second, live, cell.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

NEUTRALISER = "'"
# Full-width forms are included: some spreadsheet builds normalise them to the ASCII operators.
_TRIGGERS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
# apostrophes, then spaces (not TAB/CR/LF), then a trigger or TAB/CR/LF
_DANGER = re.compile(rf"'*[^\S\t\r\n]*[{_TRIGGERS}\t\r\n]")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
# First characters that can start a dangerous text (an apostrophe, a trigger, any white space): a cheap filter
# before the regular expression.
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)
_STARTS = frozenset("'=+-@\uff1d\uff0b\uff0d\uff20" + _WHITESPACE)


def _dangerous(text: str) -> bool:
    if text[:1] not in _STARTS:
        return False
    return _DANGER.match(text) is not None and _NUMBER.fullmatch(text) is None


def neutralise(value: Any) -> Any:
    """The value to write in a cell: a text that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and _dangerous(value):
        return NEUTRALISER + value
    return value


def restore(value: Any) -> Any:
    """Undo `neutralise` on a cell read back (the question workbook's import)."""
    if isinstance(value, str) and value.startswith(NEUTRALISER) and _dangerous(value[1:]):
        return value[1:]
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """One row, every cell neutralised."""
    return [neutralise(v) for v in values]


def column(values: Sequence[Any]) -> list[Any]:
    """One column of texts (the million-row standings are built column-wise), neutralised.

    The set of first characters is collected first (one cheap pass); only a column where some value starts
    with a character that can begin a dangerous text is then neutralised value by value.
    """
    try:
        firsts = {v[:1] for v in values}
    except TypeError:  # not all texts
        return [neutralise(v) for v in values]
    if firsts.isdisjoint(_STARTS):
        return list(values)
    return [neutralise(v) for v in values]


class _SafeWriter:
    """A csv writer whose every cell goes through `neutralise` and whose text fields are all quoted."""

    def __init__(self, out: IO[str]) -> None:
        self._header = csv.writer(out, lineterminator="\r\n")
        self._rows = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)

    def header(self, values: Iterable[str]) -> None:
        """Our own column titles: plain, unquoted (they hold no separator and start with no trigger)."""
        self._header.writerow(row(values))

    def writerow(self, values: Iterable[Any]) -> None:
        self._rows.writerow(["" if v is None else v for v in row(values)])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)

    def writerows_of_columns(self, rows: Iterable[Iterable[Any]]) -> None:
        """Rows zipped from columns that already went through `column` (the standings' hot path)."""
        self._rows.writerows(rows)


def csv_writer(out: IO[str]) -> _SafeWriter:
    return _SafeWriter(out)


class Sheet:
    """An openpyxl worksheet seen through the neutraliser: `append` writes every cell through `neutralise`."""

    def __init__(self, worksheet: Any) -> None:
        self.worksheet = worksheet

    def append(self, values: Iterable[Any]) -> None:
        self.worksheet.append(row(values))

    def append_of_columns(self, values: Iterable[Any]) -> None:
        """A row zipped from columns that already went through `column`."""
        self.worksheet.append(list(values))


def excel_vi(data: bytes) -> bytes:
    """One of our CSV files (UTF-8 with BOM, `,` separator, texts quoted, numbers bare) rewritten for Excel with
    Vietnamese regional settings: `;` separator (Windows' list separator for vi-VN), `,` before decimals, UTF-8
    BOM kept. Texts stay quoted and keep their neutraliser; numbers stay numbers (3,5 — never the text "3.5").

    Why two forms: `,` is what every program and LibreOffice read by default; a vi-VN Excel opening that file by
    double-click puts each whole line into column A (and `sep=,` on the first line would make Excel ignore the
    BOM, garbling Vietnamese)."""
    import io

    text = data.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    if not lines:
        return data
    out = io.StringIO()
    out.write("\ufeff")
    header = next(csv.reader(lines[:1]))
    out.write(";".join(_quoted(h) for h in header) + "\r\n")
    for record in csv.reader(lines[1:], quoting=csv.QUOTE_NONNUMERIC):  # bare fields come back as float
        out.write(";".join(_vi_number(v) if isinstance(v, float) else _quoted(v) for v in record) + "\r\n")
    return out.getvalue().encode("utf-8")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if text else ""


def _vi_number(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return repr(value).replace(".", ",")
