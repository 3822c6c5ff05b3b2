"""Parsing real message files: GBK / GB2312 / UTF-8 bodies and subjects, RFC 2231 and RFC 2047
Chinese file names, HTML-only mail, bounces and auto-replies. No database."""

from __future__ import annotations

from mailin.parse import html_to_text, parse
from tests.mailin.conftest import message


def test_multipart_with_a_gbk_body_and_an_rfc2231_chinese_file_name() -> None:
    parsed = parse(message("gbk_multipart.eml"))
    assert parsed.sender == "company@example.com"  # lower case
    assert parsed.subject == "用电报装申请"  # GB2312, RFC 2047
    assert parsed.body == "您好：\n我司新厂房需要接入 10kV 电源，请协助办理。\n谢谢！"  # text/plain preferred
    (attachment,) = parsed.attachments
    assert (attachment.name, attachment.content_type) == ("用电申请.txt", "text/plain")
    assert attachment.data.decode() == "申请人：张经理\n容量：800kVA\n"
    assert parsed.message_id == "<gbk-1@mail.example.com>"
    assert not parsed.bounce and parsed.auto_submitted == ""


def test_utf8_subject_and_8bit_body() -> None:
    parsed = parse(message("utf8_plain.eml"))
    assert (parsed.subject, parsed.body) == ("停车证办理咨询", "请问园区停车证怎么办理？需要哪些材料？")
    assert parsed.recipients == ["desk@desk.example.cn"]


def test_html_only_is_read_as_text_and_gb2312_as_gbk() -> None:
    parsed = parse(message("html_only.eml"))
    assert parsed.subject == "网络故障"
    assert parsed.body == "办公楼三层网络中断\n请尽快处理&回复"  # no style, no tags, entities decoded


def test_rfc2047_gbk_attachment_name() -> None:
    parsed = parse(message("gbk_attachment_name.eml"))
    assert parsed.body == "附件是营业执照扫描件。"
    (attachment,) = parsed.attachments
    assert attachment.name == "营业执照.pdf"
    assert attachment.data.startswith(b"%PDF-")


def test_bounces_and_auto_replies_are_told_apart() -> None:
    assert parse(message("bounce.eml")).bounce
    assert parse(message("utf8_plain.eml"), envelope_sender="").bounce  # MAIL FROM:<>
    assert parse(message("auto_reply.eml")).auto_submitted == "auto-replied"


def test_threading_headers() -> None:
    raw = b"From: a@b.cn\r\nIn-Reply-To: <n1.x@d>\r\nReferences: <r0@d> <n1.x@d>\r\n\r\nhi\r\n"
    parsed = parse(raw)
    assert parsed.in_reply_to == ["<n1.x@d>", "<r0@d>", "<n1.x@d>"]
    assert parsed.message_id == ""


def test_html_to_text_drops_scripts() -> None:
    assert html_to_text("<script>alert(1)</script><div>a</div><div>b<br>c</div>") == "a\nb\nc"
