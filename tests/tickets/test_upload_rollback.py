"""A file stored by a transaction that does not commit is deleted again: an attachment or a
visit photo whose later step fails leaves no file behind, and neither does a ticket filed
with attachments when a later attachment is refused. The normal path keeps its files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from servicedesk import files
from servicedesk.errors import Invalid
from tests.factories import PASSWORD
from tickets import services
from tickets.models import Attachment, Ticket, TicketEvent
from visits import services as visits
from visits.models import VisitPhoto

from .conftest import T0
from .test_attachments import PDF, PNG

pytestmark = pytest.mark.django_db


def stored_files(settings: Any) -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


class Boom(Exception):
    pass


# --- the helper -----------------------------------------------------------------------------


def _photo(name: str = "p.png") -> VisitPhoto:
    return VisitPhoto(original_name=name)


def test_a_block_that_raises_deletes_the_files_stored_in_it(settings):
    photo = _photo()
    with pytest.raises(Boom), files.atomic_deleting_files():
        files.file_save(photo.file, "p.png", ContentFile(PNG))
        assert len(stored_files(settings)) == 1
        raise Boom
    assert stored_files(settings) == []


def test_a_block_marked_for_rollback_deletes_its_files_too(settings):
    with files.atomic_deleting_files():
        files.file_save(_photo().file, "p.png", ContentFile(PNG))
        transaction.set_rollback(True)
    assert stored_files(settings) == []


def test_an_outer_block_that_raises_deletes_the_files_of_an_inner_one_that_succeeded(settings):
    kept_then_dropped = _photo()
    with pytest.raises(Boom), files.atomic_deleting_files():
        with files.atomic_deleting_files():
            files.file_save(kept_then_dropped.file, "p.png", ContentFile(PNG))
        assert len(stored_files(settings)) == 1  # the inner block left cleanly
        raise Boom
    assert stored_files(settings) == []


def test_an_inner_block_that_raises_keeps_the_files_of_the_outer_one(settings):
    with files.atomic_deleting_files():
        files.file_save(_photo().file, "kept.png", ContentFile(PNG))
        with pytest.raises(Boom), files.atomic_deleting_files():
            files.file_save(_photo().file, "dropped.png", ContentFile(PNG))
            raise Boom
    assert [path.suffix for path in stored_files(settings)] == [".png"]


def test_a_block_that_succeeds_keeps_its_files(settings):
    photo = _photo()
    with files.atomic_deleting_files():
        files.file_save(photo.file, "p.png", ContentFile(PNG))
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / str(photo.file.name)]


def test_file_save_outside_a_block_is_refused_before_storing(settings):
    with pytest.raises(RuntimeError):
        files.file_save(_photo().file, "p.png", ContentFile(PNG))
    assert stored_files(settings) == []


# --- the services and forms that store files ------------------------------------------------


def test_an_attachment_whose_audit_event_fails_leaves_no_file_and_no_row(world, file_ticket, settings, monkeypatch):
    # given a ticket, and an audit trail that fails after the file is stored
    ticket = file_ticket()
    before = (Attachment.objects.count(), TicketEvent.objects.count())

    def fail(*args: Any, **kwargs: Any) -> None:
        assert len(stored_files(settings)) == 1  # the file was written before this step
        raise Boom

    monkeypatch.setattr(services, "record_event", fail)
    # when an attachment is added
    with pytest.raises(Boom):
        services.attachment_add(ticket_id=ticket["id"], actor=world.company, upload=SimpleUploadedFile("a.pdf", PDF))
    # then neither its row nor its file remains
    assert (Attachment.objects.count(), TicketEvent.objects.count()) == before
    assert stored_files(settings) == []


def test_an_attachment_added_normally_keeps_its_file(world, file_ticket, settings):
    ticket = file_ticket()
    attachment = services.attachment_add(
        ticket_id=ticket["id"], actor=world.company, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / attachment.file.name]
    assert Path(attachment.file.path).read_bytes() == PDF


def test_a_ticket_filed_on_the_web_with_a_refused_second_attachment_leaves_no_file(
    world, client, settings, monkeypatch
):
    # given the company signed in on the web, and a service that refuses the second file
    # (the form checks the files too, so the refusal is forced past it)
    assert client.login(username=world.company.username, password=PASSWORD)
    check_upload = services.check_upload

    def refuse_the_second(upload: Any) -> str:
        if upload.name == "second.png":
            assert len(stored_files(settings)) == 1  # the first attachment's file is stored
            raise Invalid("Refused.", detail={"file": ["Refused."]})
        return check_upload(upload)

    monkeypatch.setattr(services, "check_upload", refuse_the_second)
    body = {
        "service_item": world.item.code,
        "title": "用电报装",
        "description": "新厂房需要接入 10kV 电源",
        "kind": "help",
        "priority": "normal",
        "attachments": [SimpleUploadedFile(name, PNG, "image/png") for name in ("first.png", "second.png")],
    }
    # when the ticket is filed
    response = client.post("/portal/new/", body)
    # then nothing is filed, and the first attachment's file is gone too
    assert response.status_code == 400
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_visit_photo_whose_row_fails_leaves_no_file(world, settings, monkeypatch):
    # given a visit, and a photo row that cannot be written after its file is stored
    visit = visits.visit_create(
        actor=world.chief, enterprise=world.enterprise, visited_at=T0 - timedelta(hours=1), summary="走访"
    )

    def fail(self: VisitPhoto, *args: Any, **kwargs: Any) -> None:
        raise Boom

    monkeypatch.setattr(VisitPhoto, "save", fail)
    # when a photo is added
    with pytest.raises(Boom):
        visits.visit_photo_add(visit_id=visit.pk, actor=world.chief, upload=SimpleUploadedFile("a.png", PNG))
    # then its file is gone
    assert stored_files(settings) == []
