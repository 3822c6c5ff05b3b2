"""The enterprise portal: the company's own tickets, filing a ticket with attachments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.web.conftest import PNG
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _form(world, **overrides):
    return {
        "service_item": world.item.code,
        "title": "用电报装",
        "description": "新厂房需要接入 10kV 电源",
        "kind": "help",
        "priority": "normal",
        **overrides,
    }


def test_portal_lists_only_the_companys_own_tickets_newest_first(world, web_as, new_ticket, clock):
    first = new_ticket(title="first")
    clock.shift(60)
    second = new_ticket(title="second")
    from tickets import services

    services.ticket_create(
        actor=world.other_company, title="theirs", description="x", kind="help", service_item=world.item
    )
    body = web_as(world.company).get(reverse("portal-home")).content.decode()
    assert second.number in body and first.number in body
    assert body.index(second.number) < body.index(first.number)
    assert "theirs" not in body
    assert reverse("ticket-page", kwargs={"number": second.number}) in body


def test_portal_is_for_enterprise_users(world, web_as):
    assert web_as(world.chief).get(reverse("portal-home")).status_code == 403
    assert web_as(world.chief).get(reverse("portal-new")).status_code == 403


def test_portal_requires_sign_in(client):
    response = client.get(reverse("portal-home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_portal_is_paginated(world, web_as, new_ticket, django_assert_max_num_queries):
    for i in range(27):
        new_ticket(title=f"t{i}")
    client = web_as(world.company)
    with django_assert_max_num_queries(12):
        page1 = client.get(reverse("portal-home")).content.decode()
    assert 'rel="next"' in page1
    page2 = client.get(reverse("portal-home") + "?page=2").content.decode()
    assert page2.count('data-number="') == 2


def test_new_ticket_form_groups_the_catalogue_by_department(world, web_as):
    body = web_as(world.company).get(reverse("portal-new")).content.decode()
    assert f'<optgroup label="{world.power_dept.name}">' in body
    assert f'value="{world.item.code}"' in body
    assert 'for="id_title"' in body and 'for="id_attachments"' in body


def test_filing_a_ticket_with_two_attachments(world, web_as):
    files = [SimpleUploadedFile("site.png", PNG, "image/png"), SimpleUploadedFile("note.txt", b"hello", "text/plain")]
    response = web_as(world.company).post(reverse("portal-new"), _form(world, attachments=files))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket-page", kwargs={"number": ticket.number})
    assert ticket.enterprise == world.enterprise and ticket.assignee == world.chief
    assert sorted(Attachment.objects.values_list("original_name", flat=True)) == ["note.txt", "site.png"]


def test_bad_input_shows_field_errors_and_writes_nothing(world, web_as):
    response = web_as(world.company).post(reverse("portal-new"), _form(world, title="", service_item="nope"))
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"title", "service_item"}
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert body.count("autofocus") == 1 and 'name="service_item" autofocus' in body
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_a_forbidden_file_type_stops_the_whole_filing(world, web_as):
    files = [SimpleUploadedFile("ok.png", PNG, "image/png"), SimpleUploadedFile("evil.exe", b"MZ\x90\x00" * 100)]
    response = web_as(world.company).post(reverse("portal-new"), _form(world, attachments=files))
    assert response.status_code == 400
    assert "attachments" in response.context["form"].errors
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_a_file_over_the_limit_is_a_field_error(world, web_as, settings):
    settings.UPLOAD_MAX_BYTES = 10
    files = [SimpleUploadedFile("big.png", PNG, "image/png")]
    response = web_as(world.company).post(reverse("portal-new"), _form(world, attachments=files))
    assert response.status_code == 400
    assert "attachments" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_filing_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.company)
    response = client.post(reverse("portal-new"), _form(world))
    assert response.status_code == 403
    assert not Ticket.objects.exists()
