"""receive(): what becomes of a message. Filed for a known enterprise user, answered once a
day for an unknown sender, put on its ticket as a reply (signed token or In-Reply-To), refused
for a forged token, never filed twice, refused whole when an attachment is refused."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.core import mail

from mailin.models import InboundMessage
from mailin.services import receive, reply_text
from notifications import services as notification_services
from notifications.models import Notification, NotificationPreference
from notifications.replyto import reply_address, reply_token
from servicedesk.models import User
from tests.mailin.conftest import DESK, message
from tickets.models import Attachment, Ticket, TicketEvent
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def mail_from(
    sender: str,
    body: str = "请协助办理。",
    *,
    to: str = DESK,
    subject: str = "用电报装",
    message_id: str = "<m1@x.cn>",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, subject, message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_a_known_enterprise_user_files_a_ticket_with_its_attachment(desk, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        record = receive(message("gbk_multipart.eml"), intake="imap")
    assert (record.status, record.reason) == ("filed", "")
    ticket = Ticket.objects.get(pk=record.ticket_id)
    assert (ticket.title, ticket.channel, ticket.enterprise_id) == ("用电报装申请", "email", desk.enterprise.pk)
    assert ticket.created_by_id == desk.company.pk and ticket.service_item_id == desk.item.pk
    assert "10kV" in ticket.description
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    assert attachment.original_name == "用电申请.txt"


def test_the_same_message_again_files_nothing_more(desk):  # type: ignore[no-untyped-def]
    first = receive(message("utf8_plain.eml"), intake="imap")
    again = receive(message("utf8_plain.eml"), intake="smtp")
    assert again.pk == first.pk and Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_an_unknown_sender_is_answered_once_a_day_and_nothing_is_filed(desk, clock, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        first = receive(mail_from("Stranger@Elsewhere.cn", message_id="<s1@x.cn>"), intake="smtp")
        second = receive(mail_from("stranger@elsewhere.cn", message_id="<s2@x.cn>"), intake="smtp")
    assert (first.status, first.reason, first.answered) == ("refused", "unknown sender", True)
    assert (second.status, second.answered) == ("refused", False)
    (answer,) = mail.outbox
    assert answer.to == ["stranger@elsewhere.cn"]
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "https://desk.example.cn/" in answer.body
    assert answer.body.index("园区") < answer.body.index("service desk")  # Chinese first, then English
    assert Ticket.objects.count() == 0
    clock.shift(24 * 3600 + 1)
    with django_capture_on_commit_callbacks(execute=True):
        receive(mail_from("stranger@elsewhere.cn", message_id="<s3@x.cn>"), intake="smtp")
    assert len(mail.outbox) == 2  # a new day, one more answer


@pytest.mark.parametrize(
    "name_or_headers",
    [
        "bounce.eml",
        "auto_reply.eml",
        {"Precedence": "bulk"},
        {"X_Loop": DESK},
        {"Auto_Submitted": "auto-generated"},
    ],
)
def test_automatic_mail_is_ignored_and_never_answered(desk, name_or_headers, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    raw = (
        message(name_or_headers)
        if isinstance(name_or_headers, str)
        else mail_from("stranger@elsewhere.cn", **name_or_headers)
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = receive(raw, intake="imap")
    assert record.status == "ignored" and record.reason
    assert mail.outbox == [] and Ticket.objects.count() == 0


def test_mail_from_the_desk_itself_or_from_no_one_is_ignored(desk):  # type: ignore[no-untyped-def]
    assert receive(mail_from(DESK), intake="smtp").status == "ignored"
    record = receive(b"Subject: hi\r\nMessage-ID: <anon@x.cn>\r\n\r\nbody\r\n", intake="smtp")
    assert (record.status, record.reason) == ("ignored", "no sender address")


def test_a_refused_attachment_refuses_the_whole_message(desk, settings):  # type: ignore[no-untyped-def]
    settings.UPLOAD_MAX_BYTES = 10
    record = receive(message("gbk_multipart.eml"), intake="imap")
    assert record.status == "refused" and record.ticket_id is None
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_a_forbidden_file_type_refuses_the_whole_message(desk):  # type: ignore[no-untyped-def]
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "company@example.com", DESK, "脚本", "<exe@x.cn>"
    msg.set_content("见附件")
    msg.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 60, maintype="application", subtype="octet-stream", filename="工具.exe"
    )
    record = receive(msg.as_bytes(), intake="imap")
    assert record.status == "refused" and Ticket.objects.count() == 0


def test_a_sender_files_at_most_so_many_tickets_an_hour(desk, settings):  # type: ignore[no-untyped-def]
    settings.MAILIN_TICKETS_PER_HOUR = 2
    statuses = [
        receive(mail_from("company@example.com", message_id=f"<t{n}@x.cn>"), intake="imap").status for n in range(3)
    ]
    assert statuses == ["filed", "filed", "refused"]


def test_staff_do_not_file_by_mail(desk):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=desk.chief.pk).update(email="chief@example.com")
    record = receive(mail_from("chief@example.com"), intake="imap")
    assert record.status == "refused" and Ticket.objects.count() == 0


def _filed(desk) -> Ticket:  # type: ignore[no-untyped-def]
    record = receive(mail_from("company@example.com", message_id="<first@x.cn>"), intake="imap")
    return Ticket.objects.get(pk=record.ticket_id)


def test_a_reply_by_token_lands_on_its_ticket_as_a_public_reply(desk):  # type: ignore[no-untyped-def]
    ticket = _filed(desk)
    other = _filed_other = receive(mail_from("company@example.com", message_id="<second@x.cn>"), intake="imap")
    to = reply_address(topic_type="ticket", topic_id=ticket.pk, user_id=desk.company.pk)
    assert to is not None and to.startswith("desk+t") and to.endswith("@desk.example.cn")
    body = "已补充材料，谢谢。\n\n在 2026年11月17日，服务台 写道：\n> 请补充材料\n"
    record = receive(
        mail_from("company@example.com", body, to=to, subject="Re: 用电报装", message_id="<r1@x.cn>"), intake="imap"
    )
    assert (record.status, record.ticket_id) == ("replied", ticket.pk)
    event = TicketEvent.objects.filter(ticket=ticket, kind="replied").get()
    assert event.public and event.body == "已补充材料，谢谢。"
    assert not TicketEvent.objects.filter(ticket_id=other.ticket_id, kind="replied").exists()
    assert Ticket.objects.count() == 2  # no third ticket
    del _filed_other


def test_a_forged_or_borrowed_token_is_refused(desk):  # type: ignore[no-untyped-def]
    ticket = _filed(desk)
    genuine = reply_token(topic_id=ticket.pk, user_id=desk.company.pk)
    forged = genuine[:-1] + ("0" if genuine[-1] != "0" else "1")
    record = receive(
        mail_from("company@example.com", to=f"desk+{forged}@desk.example.cn", message_id="<f1@x.cn>"), intake="imap"
    )
    assert (record.status, record.reason) == ("refused", "reply token not genuine")
    # another user's genuine token, sent from this user's address
    User.objects.filter(pk=desk.other_company.pk).update(email="other@example.com")
    record = receive(
        mail_from("other@example.com", to=f"desk+{genuine}@desk.example.cn", message_id="<f2@x.cn>"), intake="imap"
    )
    assert record.status == "refused"
    assert not TicketEvent.objects.filter(kind="replied").exists() and Ticket.objects.count() == 1


def test_a_reply_threads_by_in_reply_to_a_notification_mail(desk, settings, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    ticket = _filed(desk)
    NotificationPreference.objects.create(user=desk.company, event_kind="replied", channel="email", enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket_id=ticket.pk, actor=desk.chief, body="请补充营业执照。")
    rows = Notification.objects.filter(channel="email", recipient=desk.company, topic_id=ticket.pk)
    assert rows.exists(), "the enterprise user is mailed the reply"
    mail.outbox.clear()
    for row in rows:
        notification_services.notification_deliver(notification_id=row.pk)
    sent = mail.outbox[-1]
    assert sent.reply_to and sent.reply_to[0].startswith("desk+t")
    answer = mail_from(
        "company@example.com",
        "附件已发。",
        to=DESK,
        subject="Re: " + sent.subject,
        message_id="<r2@x.cn>",
        In_Reply_To=sent.extra_headers["Message-ID"],
    )
    record = receive(answer, intake="imap")
    assert (record.status, record.ticket_id) == ("replied", ticket.pk)


def test_reply_text_leaves_out_the_quoted_original() -> None:
    assert reply_text("好的\n\nOn Tue, desk wrote:\n> old") == "好的"
    assert reply_text("> only quoted") == "> only quoted"
