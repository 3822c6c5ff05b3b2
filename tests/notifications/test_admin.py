from __future__ import annotations

import pytest

from notifications.models import WebhookEndpoint
from tests.notifications.conftest import SECRET

pytestmark = pytest.mark.django_db


def test_the_admin_sends_a_signed_test_delivery(world, client, receiver):  # type: ignore[no-untyped-def]
    good = WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url("/ok"), secret=SECRET)
    bad = WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url("/fail"), secret=SECRET)
    client.force_login(world.admin)
    response = client.post(
        "/admin/notifications/webhookendpoint/",
        {"action": "send_test_delivery", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "HTTP 204" in text
    assert "HTTP 500" in text
    assert receiver.bodies("/ok")[0]["event"] == "test"


@pytest.mark.parametrize("model", ["notification", "notificationpreference", "notificationsettings", "webhookendpoint"])
def test_the_admin_lists_open(world, client, model):  # type: ignore[no-untyped-def]
    client.force_login(world.admin)
    assert client.get(f"/admin/notifications/{model}/").status_code == 200
