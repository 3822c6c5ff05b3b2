"""Reading what the tickets say: suggested routing (a linear model trained on the zone's own
history), similar and duplicate tickets, and the hotspots of a period.

Sits above `tickets` (it reads tickets through their selectors); `tickets` never calls it.
"""
