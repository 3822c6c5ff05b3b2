"""The ticket page (one for every role) and its actions through the Django test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.web.conftest import PNG
from tickets import ratings, services
from tickets.models import (
    Attachment,
    ExtensionRequest,
    Praise,
    Rating,
    ReturnVisit,
    Status,
    SupervisionOrder,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db


def page(number: str) -> str:
    return reverse("ticket-page", kwargs={"number": number})


def act(number: str, action: str) -> str:
    return reverse("ticket-action", kwargs={"number": number, "action": action})


def actions_on(response) -> list[str]:
    return [panel["name"] for panel in response.context["panels"]]


def test_the_page_shows_the_header_for_each_role_in_scope(world, web_as, new_ticket):
    ticket = new_ticket()
    for user in (world.company, world.chief, world.park_manager, world.zone_manager, world.admin):
        response = web_as(user).get(page(ticket.number))
        assert response.status_code == 200, user
        body = response.content.decode()
        assert ticket.number in body and ticket.title in body and world.enterprise.name in body
        assert world.item.name in body and "Acceptance due" in body


def test_outside_the_scope_is_404(world, web_as, new_ticket):
    ticket = new_ticket()
    for user in (world.other_company, world.other_officer, world.other_park_manager):
        assert web_as(user).get(page(ticket.number)).status_code == 404, user
        assert web_as(user).post(act(ticket.number, "reply"), {"reply-body": "hi"}).status_code == 404
    assert web_as(world.company).get(page("SD-1999-000001")).status_code == 404
    assert not TicketEvent.objects.filter(kind="replied").exists()


def test_actions_offered_follow_the_role_and_status(world, web_as, new_ticket):
    ticket = new_ticket()
    assert actions_on(web_as(world.company).get(page(ticket.number))) == ["reply", "withdraw", "attach"]
    officer = actions_on(web_as(world.chief).get(page(ticket.number)))
    assert officer[:3] == ["accept", "return", "reply"] and "note" in officer and "transfer" in officer
    manager = actions_on(web_as(world.park_manager).get(page(ticket.number)))
    assert "supervise" in manager and "return" not in manager


def test_internal_notes_are_shown_to_staff_marked_and_never_to_the_enterprise(world, web_as, new_ticket):
    ticket = new_ticket()
    services.ticket_note(ticket_id=ticket.pk, actor=world.chief, body="内部备注：先联系供电所")
    staff = web_as(world.chief).get(page(ticket.number)).content.decode()
    assert "内部备注" in staff and 'class="event-noted internal"' in staff
    company = web_as(world.company).get(page(ticket.number)).content.decode()
    assert "内部备注" not in company


def test_officer_accepts_replies_and_resolves(world, web_as, new_ticket):
    ticket = new_ticket()
    client = web_as(world.chief)
    response = client.post(act(ticket.number, "accept"))
    assert response.status_code == 302 and response["Location"] == page(ticket.number)
    response = client.post(act(ticket.number, "reply"), {"reply-body": "已安排现场勘查"}, follow=True)
    assert "Reply sent." in response.content.decode()
    client.post(act(ticket.number, "resolve"), {"resolve-resolution": "已接电"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.first_response_at is not None
    assert "已安排现场勘查" in web_as(world.company).get(page(ticket.number)).content.decode()


def test_the_enterprise_cannot_accept_it_hears_403_and_nothing_changes(world, web_as, new_ticket):
    ticket = new_ticket()
    response = web_as(world.company).post(act(ticket.number, "accept"))
    assert response.status_code == 403
    assert "You may not do this" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_a_move_the_status_does_not_allow_is_409_with_a_message(world, web_as, new_ticket):
    ticket = new_ticket()
    response = web_as(world.chief).post(act(ticket.number, "resolve"), {"resolve-resolution": "x"})
    assert response.status_code == 409
    assert "nothing was changed" in response.content.decode()
    assert Ticket.objects.get().status == Status.SUBMITTED


def test_an_unknown_action_is_404_and_get_is_405(world, web_as, new_ticket):
    ticket = new_ticket()
    assert web_as(world.chief).post(act(ticket.number, "explode")).status_code == 404
    assert web_as(world.chief).get(act(ticket.number, "accept")).status_code == 405


def test_empty_reply_is_a_field_error_and_nothing_is_written(world, web_as, new_ticket):
    ticket = new_ticket()
    before = TicketEvent.objects.count()
    response = web_as(world.chief).post(act(ticket.number, "reply"), {"reply-body": "   "})
    assert response.status_code == 400
    panel = next(p for p in response.context["panels"] if p["name"] == "reply")
    assert "body" in panel["form"].errors and panel["open"]
    assert TicketEvent.objects.count() == before


def test_actions_need_the_csrf_token(world, new_ticket):
    ticket = new_ticket()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.chief)
    assert client.post(act(ticket.number, "accept")).status_code == 403
    assert Ticket.objects.get().status == Status.SUBMITTED


def test_every_form_field_has_a_label(world, web_as, new_ticket):
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    body = web_as(world.chief).get(page(ticket.number)).content.decode()
    import re

    ids = re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', body)
    assert ids
    for field_id in ids:
        assert f'for="{field_id}"' in body or f'aria-labelledby="{field_id}' in body or "_" in field_id, field_id


def test_transfer_to_a_colleague_and_to_a_department(world, web_as, new_ticket):
    ticket = new_ticket()
    client = web_as(world.chief)
    form = next(p["form"] for p in client.get(page(ticket.number)).context["panels"] if p["name"] == "transfer")
    offered = list(form.fields["to_officer"].queryset)
    assert {world.deputy, world.other_officer, world.power_officer} <= set(offered) and world.chief not in offered
    assert offered.index(world.deputy) < offered.index(world.power_officer)  # colleagues first
    response = client.post(
        act(ticket.number, "transfer"), {"transfer-to_officer": world.deputy.pk, "transfer-reason": "请假"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == world.deputy and ticket.owner == world.chief
    response = client.post(
        act(ticket.number, "transfer"),
        {"transfer-to_department": world.power_dept.pk, "transfer-reason": "供电业务"},
    )
    ticket.refresh_from_db()
    assert ticket.assignee == world.power_officer


def test_transfer_needs_one_target(world, web_as, new_ticket):
    ticket = new_ticket()
    response = web_as(world.chief).post(act(ticket.number, "transfer"), {"transfer-reason": "x"})
    assert response.status_code == 400
    assert Ticket.objects.get().assignee == world.chief


def test_suspend_resume_assist_note_and_extension(world, web_as, new_ticket, clock):
    ticket = new_ticket()
    client = web_as(world.chief)
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    assert client.post(act(ticket.number, "note"), {"note-body": "内部"}).status_code == 302
    response = client.post(
        act(ticket.number, "assist"), {"assist-department": world.power_dept.pk, "assist-request": "请协助"}
    )
    assert response.status_code == 302, response.context and response.context["panels"]
    assert client.post(act(ticket.number, "suspend"), {"suspend-reason": "等材料"}).status_code == 302
    assert Ticket.objects.get().status == Status.WAITING
    assert client.post(act(ticket.number, "resume")).status_code == 302
    ticket.refresh_from_db()
    new_due = (ticket.resolve_due_at + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        act(ticket.number, "extend"), {"extend-new_resolve_due_at": new_due, "extend-reason": "施工"}
    )
    assert response.status_code == 302
    extension = ExtensionRequest.objects.get()
    manager = web_as(world.park_manager)
    assert "decide_extension" in actions_on(manager.get(page(ticket.number)))
    response = manager.post(
        act(ticket.number, "decide_extension"),
        {"decide_extension-extension": extension.pk, "decide_extension-decision": "reject"},
    )
    assert response.status_code == 400  # a rejection needs a reason
    response = manager.post(
        act(ticket.number, "decide_extension"),
        {"decide_extension-extension": extension.pk, "decide_extension-decision": "approve"},
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED


def test_withdraw_and_reopen(world, web_as, new_ticket):
    ticket = new_ticket()
    company = web_as(world.company)
    assert company.post(act(ticket.number, "withdraw"), {"withdraw-reason": ""}).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WITHDRAWN
    other = new_ticket()
    services.ticket_accept(ticket_id=other.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=other.pk, actor=world.chief, resolution="done")
    assert company.post(act(other.number, "reopen"), {"reopen-reason": "没修好"}).status_code == 302
    assert Ticket.objects.get(pk=other.pk).status == Status.IN_PROGRESS


def test_bad_rating_loop_review_return_visit_praise(world, web_as, new_ticket):
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="done")
    company = web_as(world.company)
    rate = company.get(page(ticket.number))
    assert "rate" in actions_on(rate)
    assert 'name="rate-score" value="2"' in rate.content.decode()
    response = company.post(act(ticket.number, "rate"), {"rate-score": "7"})
    assert response.status_code == 400 and not Rating.objects.exists()
    assert company.post(act(ticket.number, "rate"), {"rate-score": "2", "rate-comment": "太慢"}).status_code == 302
    manager = web_as(world.park_manager)
    review = manager.get(page(ticket.number))
    assert "review-rating" in actions_on(review)
    assert [p["name"] for p in review.context["panels"] if p["open"]] == ["review-rating"]
    assert "bad review waiting for a check" in review.content.decode()
    assert "review-rating" not in actions_on(web_as(world.chief).get(page(ticket.number)))
    response = manager.post(act(ticket.number, "review-rating"), {"review-rating-verdict": "dismissed"})
    assert response.status_code == 400  # dismissing needs a reason
    response = manager.post(
        act(ticket.number, "review-rating"),
        {"review-rating-verdict": "valid", "review-rating-is_true": "true", "review-rating-is_malicious": "false"},
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.is_true, rating.is_malicious, rating.is_reasonable) == (True, False, None)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.is_rectification
    officer = web_as(world.chief)
    assert "return-visit" in actions_on(officer.get(page(ticket.number)))
    response = officer.post(
        act(ticket.number, "return-visit"),
        {"return-visit-method": "phone", "return-visit-result": "已满意", "return-visit-satisfied": "yes"},
    )
    assert response.status_code == 302
    assert ReturnVisit.objects.get().satisfied is True
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="整改完成")
    assert "praise" not in actions_on(officer.get(page(ticket.number)))  # not for one's own work
    assert officer.post(act(ticket.number, "praise"), {"praise-kind": "banner"}).status_code != 302
    company = web_as(world.company)
    assert "praise" in actions_on(company.get(page(ticket.number)))
    assert company.post(act(ticket.number, "praise"), {"praise-kind": "banner"}).status_code == 302
    assert Praise.objects.get().kind == "banner"


def test_manager_issues_a_supervision_order(world, web_as, new_ticket):
    ticket = new_ticket()
    manager = web_as(world.park_manager)
    assert manager.post(act(ticket.number, "supervise"), {"supervise-reason": ""}).status_code == 400
    assert manager.post(act(ticket.number, "supervise"), {"supervise-reason": "请加快"}).status_code == 302
    assert SupervisionOrder.objects.get().ticket == ticket
    refused = web_as(world.company).post(act(ticket.number, "supervise"), {"supervise-reason": "x"})
    assert refused.status_code == 403 and SupervisionOrder.objects.count() == 1


def test_attachments_upload_and_download(world, web_as, new_ticket):
    ticket = new_ticket()
    company = web_as(world.company)
    upload = SimpleUploadedFile("photo.png", PNG, "image/png")
    assert company.post(act(ticket.number, "attach"), {"attach-file": upload, "attach-public": "on"}).status_code == 302
    attachment = Attachment.objects.get()
    body = company.get(page(ticket.number)).content.decode()
    url = reverse("ticket-download", kwargs={"pk": ticket.pk, "attachment_id": attachment.pk})
    assert url in body and "photo.png" in body
    response = company.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert "attach-public" not in body  # the enterprise's own uploads are always visible to it
    internal = SimpleUploadedFile("memo.png", PNG, "image/png")
    web_as(world.chief).post(act(ticket.number, "attach"), {"attach-file": internal})
    assert not Attachment.objects.get(original_name="memo.png").public
    assert "memo.png" not in company.get(page(ticket.number)).content.decode()
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 50)
    response = company.post(act(ticket.number, "attach"), {"attach-file": bad})
    assert response.status_code == 400 and Attachment.objects.count() == 2


def test_ticket_page_query_count_does_not_grow_with_the_timeline(
    world, web_as, new_ticket, django_assert_max_num_queries
):
    ticket = new_ticket()
    client = web_as(world.chief)
    for i in range(3):
        services.ticket_note(ticket_id=ticket.pk, actor=world.chief, body=f"n{i}")
    with django_assert_max_num_queries(40) as few:
        client.get(page(ticket.number))
    for i in range(20):
        services.ticket_note(ticket_id=ticket.pk, actor=world.chief, body=f"m{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(page(ticket.number))


def test_rating_review_only_for_unchecked_bad_ratings(world, web_as, new_ticket):
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="done")
    services.ticket_rate(ticket_id=ticket.pk, actor=world.company, score=5)
    assert "review-rating" not in actions_on(web_as(world.park_manager).get(page(ticket.number)))
    response = web_as(world.park_manager).post(act(ticket.number, "review-rating"), {"review-rating-verdict": "valid"})
    assert response.status_code == 409
    assert ratings.unchecked_bad_rating(ticket) is None


def test_a_service_refusal_with_field_details_lands_next_to_the_field(world, web_as, new_ticket):
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    ticket.refresh_from_db()
    earlier = (ticket.resolve_due_at - timedelta(hours=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    response = web_as(world.chief).post(
        act(ticket.number, "extend"), {"extend-new_resolve_due_at": earlier, "extend-reason": "施工"}
    )
    assert response.status_code == 400
    panel = next(p for p in response.context["panels"] if p["name"] == "extend")
    assert "new_resolve_due_at" in panel["form"].errors
    assert not ExtensionRequest.objects.exists()


def test_transferring_a_ticket_out_of_ones_own_scope_lands_on_the_queue(world, web_as, new_ticket):
    ticket = new_ticket()
    services.ticket_transfer(ticket_id=ticket.pk, actor=world.chief, to_officer=world.other_officer, reason="x")
    response = web_as(world.other_officer).post(
        act(ticket.number, "transfer"), {"transfer-to_department": world.power_dept.pk, "transfer-reason": "供电"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("work-queue")
    assert web_as(world.other_officer).get(page(ticket.number)).status_code == 404


def test_the_enterprise_sees_the_new_deadline_but_not_the_approvers_remark(world, web_as, api_as, new_ticket):
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    ticket.refresh_from_db()
    new_due = ticket.resolve_due_at + timedelta(days=3)
    extension = services.extension_request(
        ticket_id=ticket.pk, actor=world.chief, new_resolve_due_at=new_due, reason="施工"
    )
    services.extension_approve(extension_id=extension.pk, actor=world.park_manager, reason="内部：该专员本月已三次延期")

    company = web_as(world.company).get(page(ticket.number)).content.decode()
    assert "三次延期" not in company
    assert "New resolution deadline" in company
    events = api_as(world.company).get(f"/api/v1/tickets/{ticket.pk}/events/").json()
    rows = events["results"] if isinstance(events, dict) else events
    assert "三次延期" not in str(rows)
    assert any(row["kind"] == "extension_approved" for row in rows)

    staff = web_as(world.chief).get(page(ticket.number)).content.decode()
    assert "三次延期" in staff  # an internal note beside the approval


def test_the_enterprise_sees_its_officers_contact(world, web_as, new_ticket):
    type(world.chief).objects.filter(pk=world.chief.pk).update(phone="13800000001", email="chief@park.example")
    ticket = new_ticket()
    body = web_as(world.company).get(page(ticket.number)).content.decode()
    assert "Chief service officer" in body
    assert 'href="tel:13800000001"' in body and "chief@park.example" in body


def test_the_page_is_a_conversation_newest_first_with_one_reply_box(world, web_as, new_ticket):
    # given an accepted ticket with a reply and then a note
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    services.ticket_reply(ticket_id=ticket.pk, actor=world.chief, body="第一条回复")
    services.ticket_note(ticket_id=ticket.pk, actor=world.chief, body="最新的备注")
    # when the officer opens it
    response = web_as(world.chief).get(page(ticket.number))
    body = response.content.decode()
    # then the newest entry comes first, and the reply box offers a public reply (chosen) or a note
    assert body.index("最新的备注") < body.index("第一条回复")
    assert response.context["events"][0].body == "最新的备注"
    assert 'id="mode-reply" value="reply" checked' in body and 'id="mode-note" value="note">' in body
    assert 'id="action-reply"' in body and 'id="action-note"' in body
    # the other actions are buttons, none open; resolving is the highlighted one
    buttons = [p["name"] for p in response.context["buttons"]]
    assert buttons[0] == "resolve" and "transfer" in buttons and "reply" not in buttons
    assert not any(p["open"] for p in response.context["panels"])
    # and the deadlines are in the side panel
    assert 'id="deadlines"' in body and [d["kind"] for d in response.context["deadlines"]] == ["accept", "resolve"]


def test_the_enterprise_has_a_reply_box_without_an_internal_note(world, web_as, new_ticket):
    ticket = new_ticket()
    body = web_as(world.company).get(page(ticket.number)).content.decode()
    assert 'id="action-reply"' in body and 'id="action-attach"' in body
    assert "mode-note" not in body and "action-note" not in body


def test_on_a_closed_ticket_the_internal_note_box_is_closed(world, web_as, new_ticket):
    # given a resolved and rated (closed) ticket
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="已接电")
    services.ticket_rate(ticket_id=ticket.pk, actor=world.company, score=5)
    # when the officer opens it, a note may still be added but its box is not open
    response = web_as(world.chief).get(page(ticket.number))
    note = next(p for p in response.context["panels"] if p["name"] == "note")
    assert not note["open"]
    assert '<details class="action" id="action-note">' in response.content.decode()


def test_the_deadline_panel_counts_down_and_pauses(world, web_as, new_ticket, clock):
    ticket = new_ticket()
    rows = web_as(world.chief).get(page(ticket.number)).context["deadlines"]
    assert rows[0]["kind"] == "accept" and rows[0]["countdown"].startswith("in ")
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    services.ticket_suspend(ticket_id=ticket.pk, actor=world.chief, reason="等企业补材料")
    response = web_as(world.chief).get(page(ticket.number))
    accept, resolve = response.context["deadlines"]
    assert accept["state"] == "done" and resolve["paused"] and not resolve["countdown"]
    assert resolve["state"] == ""  # not late yet
    assert "The resolution clock is paused" in response.content.decode()
    # a deadline missed before the pause still shows as missed
    ticket.refresh_from_db()
    clock.move_to(ticket.resolve_due_at + timedelta(hours=1))
    accept, resolve = web_as(world.chief).get(page(ticket.number)).context["deadlines"]
    assert resolve["paused"] and resolve["state"] == "overdue"


def test_a_few_actions_need_no_more_button(world, web_as, new_ticket):
    # given a closed ticket: its enterprise may reopen it or record praise, nothing else
    ticket = new_ticket()
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="已接电")
    services.ticket_rate(ticket_id=ticket.pk, actor=world.company, score=5)
    response = web_as(world.company).get(page(ticket.number))
    assert response.context["more"] == [] and "actions-more" not in response.content.decode()
    assert {p["name"] for p in response.context["buttons"]} == {"reopen", "praise"}


def test_a_reply_and_the_file_sent_with_it_are_one_step(world, web_as, new_ticket, settings, monkeypatch):
    from servicedesk.errors import Conflict
    from tickets.models import EventKind

    ticket = new_ticket()
    company = web_as(world.company)
    photo = SimpleUploadedFile("现场.png", PNG, "image/png")
    response = company.post(act(ticket.number, "reply"), {"reply-body": "照片见附件", "reply-file": photo})
    assert response.status_code == 302
    (attachment,) = Attachment.objects.all()
    assert attachment.public and attachment.original_name == "现场.png"
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.REPLIED, EventKind.ATTACHMENT_ADDED]
    assert 'enctype="multipart/form-data"' in company.get(page(ticket.number)).content.decode()
    # a note's file is internal
    chief = web_as(world.chief)
    memo = SimpleUploadedFile("评估.png", PNG, "image/png")
    assert chief.post(act(ticket.number, "note"), {"note-body": "内部评估", "note-file": memo}).status_code == 302
    assert not Attachment.objects.get(original_name="评估.png").public
    assert "评估.png" not in company.get(page(ticket.number)).content.decode()
    # a file the desk refuses: neither the reply nor the file
    events = TicketEvent.objects.count()
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 50)
    refused = company.post(act(ticket.number, "reply"), {"reply-body": "再补一张", "reply-file": bad})
    assert refused.status_code == 400 and "reply-file" in refused.content.decode()
    assert TicketEvent.objects.count() == events and Attachment.objects.count() == 2
    # the file refused after the reply was written: the reply, the row and the stored file go
    real = services.attachment_add

    def stored_then_refused(**kwargs):  # type: ignore[no-untyped-def]
        real(**kwargs)
        raise Conflict("refused after storing")

    monkeypatch.setattr(services, "attachment_add", stored_then_refused)
    stored = sorted(p.name for p in (settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert len(stored) == 2  # the two files sent so far are where the third would be
    again = SimpleUploadedFile("第三张.png", PNG, "image/png")
    response = company.post(act(ticket.number, "reply"), {"reply-body": "第三张", "reply-file": again})
    assert response.status_code == 409
    assert TicketEvent.objects.count() == events and Attachment.objects.count() == 2
    assert sorted(p.name for p in (settings.MEDIA_ROOT).rglob("*") if p.is_file()) == stored
