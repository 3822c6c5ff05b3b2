"""The Simplified Chinese catalogue: the UI is Chinese by default and English on request,
and locale/zh_Hans/LC_MESSAGES/django.po is complete and compiled."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from servicedesk.models import Enterprise, User
from servicedesk.validators import validate_credit_code
from tickets.models import Status, Ticket

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"


# --- a small .po reader (polib is not a dependency) -------------------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key of the entry in a compiled catalogue (context EOT msgid)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def read_po(path: Path) -> list[PoEntry]:
    """Every entry of the file, the header included; obsolete (#~) entries are left out."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    current: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal entry, current
        if current is not None:
            entries.append(entry)
        entry, current = PoEntry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            finish()
            continue
        if line.startswith("#"):
            if current is not None and current[0] == "msgstr":
                finish()  # a comment right after a msgstr starts the next entry
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith('"'):
            assert current is not None, f"{path}:{number}: continuation line outside an entry"
            name, index = current
            if name == "msgstr":
                entry.msgstr[index or 0] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        match = _KEYWORD.match(line)
        assert match, f"{path}:{number}: cannot read {line!r}"
        keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
        if keyword.startswith("msgstr"):
            slot = int(index) if index is not None else 0
            entry.msgstr[slot] = value
            current = ("msgstr", slot)
        else:
            if current is not None and current[0] == "msgstr":
                finish()
            if current is None:
                entry.line = number
            setattr(entry, keyword, value)
            current = (keyword, None)
    finish()
    return entries


PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|%[diouxXeEfFgGcrsa%]")


# --- the language follows the active translation ----------------------------------------


def test_model_names_choices_and_messages_are_chinese_under_zh_hans():
    with translation.override("zh-hans"):
        assert str(Enterprise._meta.verbose_name) == "企业"
        assert str(Ticket._meta.verbose_name) == "工单"
        assert str(Enterprise._meta.get_field("credit_code").verbose_name) == "统一社会信用代码"
        assert str(Enterprise._meta.get_field("chief_officer").verbose_name) == "首席服务员"
        assert str(Status.SUBMITTED.label) == "待签收"
        assert str(Status.IN_PROGRESS.label) == "办理中"
        assert str(Status.RESOLVED.label) == "已办结"
        assert dict(Status.choices)[Status.WITHDRAWN] == "已撤回"


def test_model_names_choices_and_messages_are_english_under_en():
    with translation.override("en"):
        assert str(Enterprise._meta.verbose_name) == "enterprise"
        assert str(Ticket._meta.verbose_name) == "ticket"
        assert str(Enterprise._meta.get_field("credit_code").verbose_name) == "unified social credit code"
        assert str(Status.IN_PROGRESS.label) == "in progress"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "统一社会信用代码中的字母须大写。"),
        ("en", "Write the credit code in capital letters."),
    ],
)
def test_credit_code_message_follows_the_language(language, expected):
    with translation.override(language), pytest.raises(ValidationError) as err:
        validate_credit_code("91350100m000100y43")
    with translation.override(language):
        assert err.value.messages == [expected]


def test_credit_code_message_keeps_its_parameter_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        validate_credit_code("91350100M000100Y4")
    with translation.override("zh-hans"):
        assert err.value.messages == ["统一社会信用代码应为 18 位，当前为 17 位。"]
    with translation.override("en"):
        assert err.value.messages == ["A unified social credit code has 18 characters; this one has 17."]


# --- the admin: Chinese by default, English when asked -----------------------------------


@pytest.mark.django_db
def test_admin_login_is_chinese_by_default(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert "园区企业服务平台管理后台" in html
    assert "Park Service Desk administration" not in html


@pytest.mark.django_db
def test_admin_login_is_english_with_accept_language_en(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    html = response.content.decode()
    assert "Park Service Desk administration" in html
    assert "园区企业服务平台管理后台" not in html


@pytest.mark.django_db
def test_set_language_switches_the_admin_to_english_without_javascript(client):
    assert "园区企业服务平台管理后台" in client.get("/admin/login/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/admin/login/").content.decode()
    assert "Park Service Desk administration" in html
    assert "园区企业服务平台管理后台" not in html


@pytest.mark.django_db
def test_admin_index_shows_the_app_and_model_names_in_chinese(client):
    admin = User.objects.create_superuser("i18n-admin", "i18n@example.com", "a-long-password-1")
    client.force_login(admin)
    html = client.get("/admin/").content.decode()
    for name in ("组织机构与服务事项", "工单管理", "企业", "服务事项"):
        assert name in html


# --- the catalogue itself ----------------------------------------------------------------


def po_entries() -> list[PoEntry]:
    return [entry for entry in read_po(PO_PATH) if entry.msgid]


def test_po_has_no_untranslated_or_fuzzy_entries():
    entries = read_po(PO_PATH)
    header = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(header) == 1 and "charset=UTF-8" in header[0].msgstr[0]
    messages = po_entries()
    assert len(messages) > 100  # the reader found the catalogue
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    untranslated = [f"line {e.line}: {e.msgid!r}" for e in messages if not e.msgstr or not all(e.msgstr.values())]
    assert not fuzzy, "fuzzy entries in django.po:\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries in django.po:\n" + "\n".join(untranslated)


def test_po_translations_keep_the_placeholders():
    wrong = []
    for entry in po_entries():
        if "python-format" not in entry.flags:
            continue
        for msgstr in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(msgstr)) != sorted(PLACEHOLDER.findall(entry.msgid)):
                wrong.append(f"line {entry.line}: {entry.msgid!r} -> {msgstr!r}")
    assert not wrong, "placeholders changed:\n" + "\n".join(wrong)


def test_mo_is_compiled_from_the_current_po():
    """The .mo holds exactly what the .po says: a .po edited after `compilemessages` fails
    here. (Compared by content, not modification time: a git checkout writes both files
    at arbitrary times, so an mtime check would fail on a fresh clone.)"""
    assert MO_PATH.exists(), "run: manage.py compilemessages --ignore=.venv"
    with MO_PATH.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    expected: dict[object, str] = {}
    for entry in po_entries():
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            expected.update({(entry.key, n): msgstr for n, msgstr in entry.msgstr.items()})
    catalog.pop("", None)  # the header
    stale = sorted(repr(key) for key in expected.keys() | catalog.keys() if expected.get(key) != catalog.get(key))
    assert not stale, "django.mo does not match django.po; run compilemessages:\n" + "\n".join(stale)
