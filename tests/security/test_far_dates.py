"""Dates far in the past or the future in report and coverage parameters: a 400 with a
message (JSON) or the form's error on the web pages, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.tickets.conftest import world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

FAR = [
    {"at": "9999-12-31"},
    {"at": "0001-01-01"},
    {"week": "9999-W52"},
    {"week": "0001-W01"},
    {"from": "0001-01-01", "to": "0001-01-31"},
    {"from": "9999-12-01", "to": "9999-12-31"},
    {"period": "month", "at": "9999-12-31"},
    {"period": "quarter", "at": "9999-12-31"},
    {"period": "week", "at": "0001-01-01"},
]
API = ["/api/v1/reports/officers/", "/api/v1/reports/parks/", "/api/v1/visits/coverage/", "/api/v1/visits/"]
WEB = ["/reports/dispatch/", "/reports/ranking/", "/reports/bulletin/", "/work/visits/"]


@pytest.mark.parametrize("params", FAR, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("path", API)
def test_far_dates_on_the_api_are_a_400_or_an_answer(world, path, params):  # noqa: F811
    client = APIClient()
    client.force_authenticate(world.zone_manager)
    response = client.get(path, params)
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert response.json()["detail"]


@pytest.mark.parametrize("params", FAR, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("path", WEB)
def test_far_dates_on_the_pages_are_a_form_error_or_a_page(world, client, path, params):  # noqa: F811
    client.force_login(world.zone_manager)
    response = client.get(path, params)
    assert response.status_code in (200, 400), response.content[:300]
