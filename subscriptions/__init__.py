"""Sheets on schedule: managers subscribe to the weekly dispatch sheet (每周一调度), the
monthly ranking (每月一评比) and the quarterly bulletin (每季一通报) for their scope, by e-mail
(the XLSX attached, a short summary in the body) or to their group robot (the summary and a
link). Sent on the working calendar (a holiday Monday sends on the next working day), once
per (sheet, period, recipient).

- `schedule`: which sheets are due on a day, and for which period;
- `services`: subscribing, and sending what is due (the deliveries' rows make it once);
- `tasks`: beat's entry (hourly; idempotent).
"""
