"""Spreadsheet cells that stay data (OWASP "CSV injection").

A spreadsheet program reads a cell that starts with `=`, `+`, `-` or `@` (and, in some, a
tab or a carriage return) as a formula: a user's display name `=HYPERLINK(...)` in a ranking
would become a live link that leaks the next cell. Every text cell of every download passes
through `safe_cell` (CSV) or `xlsx_cell` (XLSX); numbers stay numbers."""

from __future__ import annotations

from typing import Any

#: A text starting with one of these is a formula to Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` for a CSV cell: a text that would start a formula gets a leading `'`
    (shown by the programs as the text itself); anything not a text is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_cell(cell: Any) -> Any:
    """An openpyxl cell (written or write-only) whose text value is stored as a string
    cell, never a formula: openpyxl writes any text starting with `=` as a formula unless
    the cell's type says string. The text is also neutralised as in `safe_cell`, so that it
    stays plain when the sheet is saved again as CSV."""
    if isinstance(cell.value, str):
        cell.value = safe_cell(cell.value)
        cell.data_type = "s"
    return cell
