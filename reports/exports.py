"""One writer per format for every report table: CSV streamed row by row
(StreamingHttpResponse), XLSX through openpyxl's write-only mode into a temporary file that is
then streamed (FileResponse). Memory stays constant in the number of rows either way."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from .audit import COLUMNS, Report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class Table:
    """A titled header and its rows (an iterable: it may be a generator)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


class _Echo:
    """A file-like whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> Any:
    """Booleans as 0/1, None as an empty cell, everything else as is."""
    if isinstance(value, bool):
        return int(value)
    return "" if value is None else value


def _csv_lines(tables: Sequence[Table]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads UTF-8 (the names are Chinese)
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                yield writer.writerow([])
            yield writer.writerow([table.title])
        yield writer.writerow(table.header)
        for row in table.rows:
            yield writer.writerow([cell(v) for v in row])


def csv_response(tables: Sequence[Table], filename: str) -> StreamingHttpResponse:
    """The tables one after the other (each under its title when there are several)."""
    response = StreamingHttpResponse(_csv_lines(tables), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(tables: Sequence[Table], filename: str) -> FileResponse:
    """One sheet per table."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title))
        sheet.append(list(table.header))
        for row in table.rows:
            sheet.append([cell(v) for v in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115  closed by FileResponse
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()
    return (cleaned or "sheet")[:31]


def export_response(fmt: str, tables: Sequence[Table], stem: str) -> HttpResponseBase:
    """`fmt` is csv or xlsx (checked by the caller)."""
    if fmt == "csv":
        return csv_response(tables, f"{stem}.csv")
    return xlsx_response(tables, f"{stem}.xlsx")


def report_table(report: Report, title: str | None = None) -> Table:
    """A report's rows with every column of COLUMNS (the API's names)."""
    return Table(
        title=title or report.level,
        header=COLUMNS,
        rows=([row.as_dict()[c] for c in COLUMNS] for row in report.rows),
    )


def labelled(table: Table, labels: Mapping[str, Any], title: Any) -> Table:
    """The table for people: its columns under `labels` (translated when written) and a
    translated title. The API's downloads keep the field names, for programs."""
    return Table(title=str(title), header=[str(labels[name]) for name in table.header], rows=table.rows)


def report_stem(report: Report) -> str:
    return f"report-{report.level}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}"
