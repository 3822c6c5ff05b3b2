"""While a ticket is written: the suggested services (nothing pre-selected) and the similar
open tickets, as an htmx fragment, for the portal and the 代办 form."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from tests.triage.conftest import history  # noqa: F401  (confirmed tickets to learn from)
from triage import routing
from triage.models import RoutingModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(history):  # type: ignore[no-untyped-def]  # noqa: F811
    routing.forget_loaded()
    history(per_item=20)
    model = routing.routing_train(evaluate_first=False)
    yield model
    routing.forget_loaded()
    for row in RoutingModel.objects.all():
        default_storage.delete(row.file)


def test_the_forms_ask_for_help_as_the_user_types_and_preselect_nothing(world, web_as):
    page = web_as(world.company).get(reverse("portal-new")).content.decode()
    assert 'hx-post="/tickets/draft-help/"' in page and "delay:500ms" in page
    assert "selected" not in page.split('name="service_item"')[1].split("</select>")[0].replace('value="" selected', "")
    officer_page = web_as(world.chief).get(reverse("work-file")).content.decode()
    assert 'hx-post="/tickets/draft-help/"' in officer_page


def test_suggestions_and_a_similar_open_ticket(world, web_as, new_ticket, trained):
    open_one = new_ticket(title="车间配电房跳闸", description="车间停电，配电房跳闸，影响生产")
    client = web_as(world.company)
    response = client.post(
        reverse("draft-help"), {"title": "配电房跳闸了", "description": "车间停电，配电房跳闸"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Suggested services" in body and "power 服务" in body and "% likely" in body
    assert open_one.number in body and "Similar open tickets" in body
    # another enterprise sees neither that ticket nor its number
    other = web_as(world.other_company).post(
        reverse("draft-help"), {"title": "配电房跳闸了", "description": "车间停电"}
    )
    assert open_one.number not in other.content.decode()


def test_short_or_empty_text_and_no_model(world, web_as):
    client = web_as(world.company)
    empty = client.post(reverse("draft-help"), {"title": "", "description": ""})
    assert empty.status_code == 200 and "Suggested services" not in empty.content.decode()
    no_model = client.post(reverse("draft-help"), {"title": "车间停电", "description": "跳闸"}).content.decode()
    assert "Not enough past tickets" in no_model
    assert client.get(reverse("draft-help")).status_code == 405
    assert web_as(world.company).post(reverse("draft-help"), {"title": "<script>x</script>停电"}).status_code == 200


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.post(reverse("draft-help"), {"title": "停电"})
    assert response.status_code == 302 and "login" in response["Location"]
