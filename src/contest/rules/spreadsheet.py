"""The one XLSX writer: every workbook the platform writes is serialised here, to the same bytes for the same content.

openpyxl stamps the document's `created`/`modified` with the wall clock and zip entries with the file or system
time, so a workbook is written through `ExcelWriter` (not `Workbook.save`) into a zip archive whose every entry
carries one fixed timestamp, and the document properties carry the instant the caller names (the week's close,
the report's own time). Users: the close's private reports (`contest.close.reports`), the mid-week progress report
(`contest.organisers.progress`), the question workbook (`contest.organisers.question_workbook`), erasure's redaction
of stored reports.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
FIXED_DOCUMENT_TIME = datetime(2020, 1, 1)  # for a workbook with no instant of its own
CREATOR = "contest"


class _FixedTimeZip(zipfile.ZipFile):
    """A zip archive whose entries all carry one timestamp (openpyxl writes str names or temp files)."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_ZIP_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as fh:
            self.writestr(arcname or str(filename), fh.read())


def xlsx_bytes(wb: Workbook, fixed: datetime) -> bytes:
    """`wb` as XLSX bytes, identical on every run; `fixed` is the document's created and modified instant."""
    if fixed.tzinfo is not None:  # the properties are written as UTC ("…Z") from a naive value
        fixed = fixed.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    out = io.BytesIO()
    archive = _FixedTimeZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return out.getvalue()
