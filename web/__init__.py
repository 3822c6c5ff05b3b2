"""Every server-rendered page, for the three roles: the shell (sign-in, the base layout, the
navigation by role, the home redirect, the 403 and 404 pages), the enterprise portal, the
ticket page and the officer's queue (`web.tickets`), the workspace beside the queue: visits,
supervision orders, extensions, assists (`web.work`), the inbox (`web.inbox`), and the
dashboard and report pages (`web.reports`). Each part's `urls.py` is included from
`config/urls.py`; the templates, static files and template tags are this app's.
"""
