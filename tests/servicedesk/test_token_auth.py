"""The API's token authentication (servicedesk.api.authentication): DRF's answers, one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from servicedesk import services
from servicedesk.models import ApiToken
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/notifications/"


def _client(key: str, language: str = "en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def test_a_valid_token_signs_the_request_in_with_one_query():  # type: ignore[no-untyped-def]
    officer = OfficerFactory()
    token, key = services.api_token_create(user=officer)
    client = _client(key)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    assert response.status_code == 200, response.content
    assert response.wsgi_request.user == officer
    assert [q["sql"] for q in queries if "servicedesk_apitoken" in q["sql"]] == [queries[0]["sql"]]
    ApiToken.objects.filter(pk=token.pk).delete()  # revoked: refused at once, in every process
    assert client.get(INBOX).status_code == 401


@pytest.mark.parametrize(
    ("language", "unknown", "inactive"),
    [("en", "Invalid token.", "User inactive or deleted."), ("zh-hans", "认证令牌无效。", "用户未激活或者已删除。")],
)
def test_a_wrong_token_or_an_inactive_user_is_refused_with_drfs_message(language, unknown, inactive):  # type: ignore[no-untyped-def]
    officer = OfficerFactory()
    _token, key = services.api_token_create(user=officer)
    response = _client("0" * 40, language).get(INBOX)
    assert response.status_code == 401
    assert response.json()["detail"] == unknown
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    response = _client(key, language).get(INBOX)
    assert response.status_code == 401
    assert response.json()["detail"] == inactive
