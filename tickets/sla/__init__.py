"""The SLA engine. `limits`: catalogue limits ("90m", "2h", "5d"); `worktime`: working-time
arithmetic on the working calendar."""

from .limits import NATURAL_DAY_MINUTES, Limit
from .worktime import NATURAL, WORKING, WorkingTime, due_at

__all__ = ["NATURAL", "NATURAL_DAY_MINUTES", "WORKING", "Limit", "WorkingTime", "due_at"]
