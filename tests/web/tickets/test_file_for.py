"""代办 on the web: an officer (or a manager) files a ticket for an enterprise in their scope
through the same service as the API; outside the scope nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import EnterpriseFactory
from tests.web.conftest import PNG
from tickets.models import Attachment, Channel, Ticket, TicketEvent
from web.tickets import forms as ticket_forms

pytestmark = pytest.mark.django_db

URL = "/work/file/"


def _form(world, enterprise=None, **overrides):
    return {
        "enterprise": (enterprise or world.enterprise).pk,
        "channel": "proxy",
        "service_item": world.item.code,
        "title": "电话代办：用电报装",
        "description": "企业来电：新厂房需要接入 10kV 电源",
        "kind": "help",
        "priority": "normal",
        **overrides,
    }


def test_the_page_is_wired_and_in_the_officers_navigation(world, web_as):
    assert reverse("work-file") == URL
    body = web_as(world.chief).get(reverse("work-queue")).content.decode()
    assert f'href="{URL}"' in body


def test_the_officer_chooses_among_the_enterprises_they_serve(world, web_as):
    served_by_someone_else = world.other_enterprise
    response = web_as(world.chief).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<option value="{world.enterprise.pk}">{world.enterprise.name} ({world.enterprise.credit_code})' in body
    assert served_by_someone_else.name not in body
    assert 'value="proxy"' in body and 'value="visit"' in body and 'value="online"' not in body
    assert 'for="id_title"' in body and 'for="id_attachments"' in body


def test_an_officer_files_for_an_enterprise_in_scope(world, web_as):
    # given the chief officer of the enterprise, with a photo the company sent
    files = [SimpleUploadedFile("site.png", PNG, "image/png")]
    # when they file on its behalf
    response = web_as(world.chief).post(URL, _form(world, attachments=files))
    # then the ticket is the enterprise's, filed by proxy, carried by the officer (首问)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket-page", kwargs={"number": ticket.number})
    assert ticket.enterprise == world.enterprise and ticket.channel == Channel.PROXY
    assert ticket.assignee == world.chief and ticket.owner == world.chief and ticket.created_by == world.chief
    assert list(Attachment.objects.values_list("ticket_id", "original_name")) == [(ticket.pk, "site.png")]
    assert web_as(world.chief).get(response["Location"]).status_code == 200


def test_the_deputy_files_from_a_visit(world, web_as):
    response = web_as(world.deputy).post(URL, _form(world, channel="visit"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.VISIT and ticket.assignee == world.deputy == ticket.owner


def test_a_manager_files_and_the_ticket_is_routed(world, web_as):
    response = web_as(world.park_manager).post(URL, _form(world))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.channel == Channel.PROXY and ticket.created_by == world.park_manager
    assert ticket.assignee == world.chief  # the service routes a manager's filing to the chief


@pytest.mark.parametrize("enterprise", ["other", "missing", "junk"])
def test_an_enterprise_outside_the_scope_is_a_field_error_and_nothing_is_written(world, web_as, enterprise):
    value = {"other": world.other_enterprise.pk, "missing": 10**9, "junk": "1; drop"}[enterprise]
    files = [SimpleUploadedFile("site.png", PNG, "image/png")]
    response = web_as(world.chief).post(URL, _form(world, enterprise=None, attachments=files) | {"enterprise": value})
    assert response.status_code == 400
    assert response.context["form"].errors["enterprise"] == ["No such enterprise."]
    assert 'name="enterprise" autofocus' in response.content.decode()
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists() and not Attachment.objects.exists()


def test_a_forbidden_file_stops_the_whole_filing(world, web_as):
    files = [SimpleUploadedFile("ok.png", PNG, "image/png"), SimpleUploadedFile("evil.exe", b"MZ\x90\x00" * 100)]
    response = web_as(world.chief).post(URL, _form(world, attachments=files))
    assert response.status_code == 400
    assert "attachments" in response.context["form"].errors
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_an_upload_refused_after_the_ticket_is_written_rolls_it_back(world, web_as, monkeypatch):
    from servicedesk.errors import Invalid
    from tickets import services

    def refuse(**kwargs):
        raise Invalid("refused", detail={"file": ["refused"]})

    monkeypatch.setattr(services, "attachment_add", refuse)
    files = [SimpleUploadedFile("ok.png", PNG, "image/png")]
    response = web_as(world.chief).post(URL, _form(world, attachments=files))
    assert response.status_code == 400
    assert response.context["form"].errors["attachments"] == ["refused"]
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_enterprise_users_are_refused_with_the_reason(world, web_as):
    client = web_as(world.company)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Only officers and managers file tickets on behalf of an enterprise." in response.content.decode()
    assert client.post(URL, _form(world)).status_code == 403
    assert not Ticket.objects.exists()


def test_the_page_requires_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_filing_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.chief)
    response = client.post(URL, _form(world))
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_a_large_scope_types_the_credit_code_instead_of_a_select(world, web_as, monkeypatch):
    monkeypatch.setattr(ticket_forms, "ENTERPRISE_SELECT_MAX", 1)
    client = web_as(world.zone_manager)
    body = client.get(URL).content.decode()
    assert '<input type="text" name="enterprise"' in body and world.other_enterprise.name not in body
    response = client.post(URL, _form(world, enterprise=None) | {"enterprise": world.other_enterprise.credit_code})
    assert response.status_code == 302
    assert Ticket.objects.get().enterprise == world.other_enterprise
    refused = web_as(world.park_manager).post(URL, _form(world) | {"enterprise": world.other_enterprise.credit_code})
    assert refused.status_code == 400 and Ticket.objects.count() == 1


def test_the_page_runs_a_constant_number_of_queries(world, web_as, django_assert_max_num_queries):
    for _ in range(30):
        EnterpriseFactory(park=world.park, chief_officer=world.chief)
    client = web_as(world.chief)
    with django_assert_max_num_queries(8):
        body = client.get(URL).content.decode()
    assert body.count("<option value=") >= 31
    with django_assert_max_num_queries(10):
        assert client.post(URL, _form(world, title="")).status_code == 400
