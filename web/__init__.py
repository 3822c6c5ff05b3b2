"""The web shell: sign-in, the base layout, the navigation by role and the home redirect.

The pages themselves live with their apps: the enterprise portal and the officer workspace in
`tickets.views`, the inbox in `notifications.views`, the dashboard and report pages in
`servicedesk.web.reports`. Each app's `urls.py` is included from `config/urls.py`.
"""
