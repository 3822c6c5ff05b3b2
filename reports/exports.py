"""One writer per format for every report table: CSV streamed row by row
(StreamingHttpResponse), XLSX through openpyxl's write-only mode into a temporary file that is
then streamed (FileResponse).

Two kinds of table: the API's, for programs (the field names, raw values, a header row
first), and the pages', for people (`for_people`): headed in the reader's language, no
database ids, rates as percentages, the score in points, 红榜 / 黑榜 and the flags as words.
A people's XLSX is one a park office can print: a title row naming what, the scope and the
period, a bold frozen header, column widths and number formats."""

from __future__ import annotations

import csv
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from servicedesk.exports import safe_cell, xlsx_cell
from servicedesk.models import User

from .audit import COLUMNS, Report, scope_name
from .periods import Period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class Table:
    """A titled header and its rows (an iterable: it may be a generator). A table for people
    also has a `caption` (the title row) and `kinds`, one per column: text, count, rate
    (a fraction, shown as a percentage), points, minutes."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    caption: str = ""
    kinds: Sequence[str] = ()


#: How the people's downloads show the report columns (others are counts or text).
RATE_COLUMNS = frozenset(
    {"acceptance_rate", "resolution_rate", "satisfaction_rate", "return_visit_rate", "deflection_rate"}
)
MINUTE_COLUMNS = frozenset({"first_response_median", "first_response_p90", "resolution_median"})
MARK_COLUMNS = frozenset({"red_list", "black_list", "flagged_last", "flagged_talk"})
TEXT_COLUMNS = frozenset({"name", "code", "department"})
#: Database ids: programs use them, people do not.
ID_COLUMNS = frozenset({"unit_id", "officer_id"})


class _Echo:
    """A file-like whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> Any:
    """Booleans as 0/1, None as an empty cell, a text that would start a formula
    neutralised (see servicedesk.exports), everything else as is."""
    if isinstance(value, bool):
        return int(value)
    return "" if value is None else safe_cell(value)


def _shown(value: Any, kind: str) -> Any:
    """A people's CSV cell: a rate as "85.7%"."""
    if kind == "rate" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:.1f}%"
    return cell(value)


def _csv_lines(tables: Sequence[Table]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads UTF-8 (the names are Chinese)
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                yield writer.writerow([])
            yield writer.writerow([cell(table.title)])
        yield writer.writerow([cell(name) for name in table.header])
        kinds = list(table.kinds) or ["text"] * len(table.header)
        for row in table.rows:
            yield writer.writerow([_shown(v, k) for v, k in zip(row, kinds, strict=False)])


def csv_response(tables: Sequence[Table], filename: str) -> StreamingHttpResponse:
    """The tables one after the other (each under its title when there are several)."""
    response = StreamingHttpResponse(_csv_lines(tables), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _workbook(tables: Sequence[Table]) -> Any:
    """One sheet per table; every text an explicit string cell (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title))
        if table.kinds:
            _people_sheet(sheet, table)
            continue
        sheet.append([xlsx_cell(WriteOnlyCell(sheet, value=cell(name))) for name in table.header])
        for row in table.rows:
            sheet.append([xlsx_cell(WriteOnlyCell(sheet, value=cell(v))) for v in row])
    return workbook


def xlsx_response(tables: Sequence[Table], filename: str) -> FileResponse:
    """The tables as an XLSX download (see `_workbook`)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115  closed by FileResponse
    _workbook(tables).save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """The tables as an XLSX file's bytes (a mail's attachment)."""
    with tempfile.TemporaryFile() as spool:
        _workbook(tables).save(spool)
        spool.seek(0)
        return spool.read()


NUMBER_FORMATS = {"count": "0", "rate": "0.0%", "points": "0.0", "minutes": "0.0"}


def _width(value: Any) -> int:
    """Columns a value takes: CJK characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value))


def _people_sheet(sheet: Any, table: Table) -> None:
    """A sheet to print: the title row, a bold wrapped header frozen with the first column,
    widths from the contents, number formats by kind. Write-only: widths and panes are set
    before the first row (the rows of a report are its units: a few hundred at most)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    rows = [list(row) for row in table.rows]
    kinds = list(table.kinds)
    for index, name in enumerate(table.header):
        values = [_width(cell(row[index])) for row in rows[:500]]
        width = max([min(_width(name), 16), *values, 6]) + 2
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(width, 48)
    sheet.freeze_panes = "B3"
    sheet.print_title_rows = "1:2"
    title = xlsx_cell(WriteOnlyCell(sheet, value=cell(table.caption or table.title)))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    thin = Side(style="thin", color="999999")
    heads = []
    for name in table.header:
        head = xlsx_cell(WriteOnlyCell(sheet, value=cell(name)))
        head.font = Font(bold=True)
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        head.fill = PatternFill("solid", fgColor="E8E8E8")
        head.border = Border(bottom=thin)
        heads.append(head)
    sheet.append(heads)
    for row in rows:
        cells = []
        for value, kind in zip(row, kinds, strict=False):
            out = xlsx_cell(WriteOnlyCell(sheet, value=cell(value)))
            if kind in NUMBER_FORMATS and isinstance(value, int | float):
                out.number_format = NUMBER_FORMATS[kind]
            cells.append(out)
        sheet.append(cells)


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
    """The table headed for people: its columns under `labels` (translated now) and a
    translated title. The API's downloads keep the field names, for programs."""
    return Table(title=str(title), header=[str(labels[name]) for name in table.header], rows=table.rows)


def _kind(name: str) -> str:
    if name in RATE_COLUMNS:
        return "rate"
    if name in MINUTE_COLUMNS:
        return "minutes"
    if name == "score":
        return "points"
    if name in MARK_COLUMNS or name in TEXT_COLUMNS:
        return "text"
    return "count"


def for_people(table: Table, labels: Mapping[str, Any], title: Any, caption: str) -> Table:
    """A table (by the API's column names) for people: headed by `labels` in the language
    active now, under the title row `caption`; ids dropped; the score in points (0–100);
    the marks (红榜, 黑榜, 末位, 约谈) as their words, empty when not set."""
    names = [name for name in table.header if name not in ID_COLUMNS]
    positions = [list(table.header).index(name) for name in names]
    words = {name: str(labels[name]) for name in names if name in MARK_COLUMNS}

    def value(name: str, raw: Any) -> Any:
        if name in words:
            return words[name] if raw else ""
        if name == "score" and isinstance(raw, int | float):
            return round(raw * 100, 1)
        return raw

    rows = ([value(names[i], row[p]) for i, p in enumerate(positions)] for row in table.rows)
    return Table(
        title=str(title),
        header=[str(labels[name]) for name in names],
        rows=rows,
        caption=caption,
        kinds=[_kind(name) for name in names],
    )


def caption(*, what: Any, user: User, period: Period, name: str) -> str:
    """The title row of a people's download: what, whose figures, which period (dates inclusive)."""
    last = period.end - timedelta(days=1)
    return _("%(what)s · %(scope)s · %(name)s (%(start)s – %(end)s)") % {
        "what": what,
        "scope": scope_name(user),
        "name": name,
        "start": f"{period.start:%Y-%m-%d}",
        "end": f"{last:%Y-%m-%d}",
    }


def report_stem(report: Report) -> str:
    return f"report-{report.level}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}"
