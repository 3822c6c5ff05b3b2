"""The IMAP intake against a real Dovecot (Debian's dovecot-imapd) started on a free 127.0.0.1
port with a private configuration in a temporary folder, and stopped by its PID. Skipped, with
the reason, where Dovecot is not installed or does not start."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailin import imap
from mailin.models import InboundMessage
from mailin.tasks import mailin_imap_poll
from tests.mailin.conftest import message
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(folder: Path, port: int, uid: int, gid: int) -> str:
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
instance_name = mailin-test-{port}
log_path = {folder}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{folder}/mail/%u
first_valid_uid = 0
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie (the daemon is not our child: where nothing reaps it, it stays one)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture(scope="module")
def dovecot() -> Iterator[int]:
    """A running Dovecot's port (user 'desk', any mailbox is created on first use)."""
    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    folder = Path(tempfile.mkdtemp(prefix="mailin-dovecot-"))
    folder.chmod(0o755)  # the mail user reaches its maildir through it
    (folder / "mail").mkdir()
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:  # dovecot will not run mail as root: as its own user
        user = pwd.getpwnam("dovecot")
        uid, gid = user.pw_uid, user.pw_gid
        os.chown(folder / "mail", uid, gid)
    port = free_port()
    (folder / "dovecot.conf").write_text(_config(folder, port, uid, gid))
    # output to a file: the daemon keeps its inherited descriptors, a pipe would never close
    with open(folder / "start.log", "w") as log:
        started = subprocess.run(  # noqa: S603 (a fixed path and our own config)
            [DOVECOT, "-c", str(folder / "dovecot.conf")], stdout=log, stderr=log, timeout=10, check=False
        )
    pid_file = folder / "run" / "master.pid"
    deadline = time.monotonic() + 5
    while started.returncode == 0 and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    if started.returncode != 0 or not pid_file.exists():
        reason = (folder / "start.log").read_text()[:200]
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"dovecot did not start: {reason}")
    pid = int(pid_file.read_text())
    try:
        yield port
    finally:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not _running(pid):
                break
            time.sleep(0.05)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, desk, settings) -> Iterator[IMAPClient]:  # type: ignore[no-untyped-def]
    """The desk's mailbox, emptied, with the settings pointing at it."""
    settings.MAILIN_IMAP_HOST, settings.MAILIN_IMAP_PORT, settings.MAILIN_IMAP_SSL = "127.0.0.1", dovecot, False
    settings.MAILIN_IMAP_USER, settings.MAILIN_IMAP_PASSWORD, settings.MAILIN_IMAP_FOLDER = "desk", PASSWORD, "INBOX"
    with IMAPClient("127.0.0.1", port=dovecot, ssl=False, timeout=10) as client:
        client.login("desk", PASSWORD)
        client.select_folder("INBOX")
        if uids := client.search(["ALL"]):
            client.delete_messages(uids)
            client.expunge()
        yield client


def test_polling_receives_the_unseen_messages_once_and_marks_them_seen(mailbox, settings):  # type: ignore[no-untyped-def]
    for name in ("gbk_multipart.eml", "auto_reply.eml", "gbk_attachment_name.eml"):
        mailbox.append("INBOX", message(name))
    settings.MAILIN_IMAP_BATCH = 2
    assert mailin_imap_poll() == 2  # bounded per run
    assert imap.poll() == 1
    assert imap.poll() == 0  # all \Seen now
    statuses = dict(InboundMessage.objects.values_list("message_id", "status"))
    assert statuses == {
        "<gbk-1@mail.example.com>": "filed",
        "<ooo-1@mail.example.com>": "ignored",
        "<gbkname-1@mail.example.com>": "filed",
    }
    assert sorted(Ticket.objects.values_list("title", flat=True)) == sorted(["用电报装申请", "营业执照"])
    assert Ticket.objects.get(title="营业执照").attachments.get().original_name == "营业执照.pdf"
    mailbox.select_folder("INBOX")
    assert mailbox.search(["UNSEEN"]) == []


def test_a_message_that_fails_stays_unseen_and_a_seen_one_again_is_not_filed_twice(mailbox, monkeypatch):  # type: ignore[no-untyped-def]
    mailbox.append("INBOX", message("utf8_plain.eml"))

    def broken(raw: bytes, *, intake: str) -> None:
        raise RuntimeError("database away")

    monkeypatch.setattr(imap, "receive", broken)
    assert imap.poll() == 0
    mailbox.select_folder("INBOX")
    assert len(mailbox.search(["UNSEEN"])) == 1  # tried again next run
    monkeypatch.undo()
    assert imap.poll() == 1
    mailbox.append("INBOX", message("utf8_plain.eml"))  # the same message delivered again
    assert imap.poll() == 1
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_polling_is_off_without_a_host(desk, settings):  # type: ignore[no-untyped-def]
    settings.MAILIN_IMAP_HOST = ""
    assert imap.poll() == 0
