"""The managers' audit and the pages built on it.

- `periods`: weeks, assessment months and quarters (and the pages' names for them);
- `audit`: the per-officer / department / park figures, ranking and flags (`report_for`);
- `sheets`: the weekly dispatch sheet, the quarterly bulletin and the dashboard's figures;
- `exports`: one CSV (streamed) and one XLSX (write-only) writer for every table.
"""

from .audit import (
    COLUMNS,
    LEVELS,
    Level,
    Report,
    ReportRow,
    report_for,
    report_weights,
)
from .periods import (
    SHANGHAI,
    Period,
    period_containing,
    period_following,
    period_from_page,
    period_from_params,
    period_name,
)

__all__ = [
    "COLUMNS",
    "LEVELS",
    "SHANGHAI",
    "Level",
    "Period",
    "Report",
    "ReportRow",
    "period_containing",
    "period_following",
    "period_from_page",
    "period_from_params",
    "period_name",
    "report_for",
    "report_weights",
]
