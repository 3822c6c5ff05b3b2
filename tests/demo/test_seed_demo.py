"""The demo data command: counts, validity, idempotency, the logins file and the passwords."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from knowledge.models import Article
from notifications.models import GroupRobot, Notification
from policies.models import EnterpriseProfile, Policy, PolicyMatch
from replies.models import CannedReply
from servicedesk import clock
from servicedesk.calendar import CalendarDataMissing, DayEntry, chinesecalendar_entries, default_calendar
from servicedesk.models import CalendarDay, Department, Enterprise, Park, ServiceItem, User, WorkCalendar, Zone
from servicedesk.validators import validate_credit_code

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"
WELL_KNOWN = ["admin", "zone", "park1", "officer1", "company1"]


@pytest.fixture
def base_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.BASE_DIR = tmp_path
    return tmp_path


def seed(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", "--no-history", *args, stdout=out, stderr=err)  # the history: test_history.py
    return out.getvalue(), err.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "zones": Zone.objects.count(),
        "parks": Park.objects.count(),
        "departments": Department.objects.count(),
        "items": ServiceItem.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "calendars": WorkCalendar.objects.count(),
        "days": CalendarDay.objects.count(),
        "articles": Article.objects.count(),
        "replies": CannedReply.objects.count(),
        "policies": Policy.objects.count(),
        "profiles": EnterpriseProfile.objects.count(),
        "robots": GroupRobot.objects.count(),
        "users": dict(User.objects.values_list("username", "password")),
    }


def test_seed_creates_the_demo_organisation(base_dir: Path) -> None:
    seed("--password", PASSWORD, "--quiet")

    assert Zone.objects.count() == 1
    assert set(Park.objects.values_list("code", flat=True)) == {"taishang", "puyang", "jining"}
    assert Park.objects.get(code="taishang").name == "郑州台商工业园"
    assert all(p.name_en for p in Park.objects.all())
    assert 8 <= Department.objects.count() <= 10
    assert not Department.objects.filter(park__isnull=False).exists()
    assert Department.objects.filter(name="企业服务中心").exists()
    assert 18 <= ServiceItem.objects.count() <= 24
    assert Article.objects.filter(status="published", park__isnull=True).count() == 12
    # canned replies: the service centre's shared ones, the power department's, officer1's own
    replies = CannedReply.objects.all()
    assert replies.filter(department__name="企业服务中心").count() == 5
    assert replies.filter(owner__username="officer1").count() == 2
    assert replies.filter(department__code="power").count() == 1
    # five published policies, each matched to some demo enterprises and told through the outbox
    assert EnterpriseProfile.objects.count() == Enterprise.objects.count()
    assert Policy.objects.filter(status="published").count() == 5
    for policy in Policy.objects.all():
        assert PolicyMatch.objects.filter(policy=policy).exists(), policy.title
    assert Notification.objects.filter(event_kind="policy_matched").exists()
    # the policy news does not drown an inbox: each reader has read all but the newest three
    news = Notification.objects.filter(event_kind="policy_matched", channel="inbox")
    officer1 = news.filter(recipient__username="officer1")
    assert officer1.filter(read_at__isnull=False).count() > 3
    assert officer1.filter(read_at__isnull=True).count() == 3
    unread = Counter(news.filter(read_at__isnull=True).values_list("recipient_id", flat=True))
    assert unread and max(unread.values()) <= 3
    # the parks' and the service centre's group robots, off until an administrator pastes their URLs
    robots = GroupRobot.objects.all()
    assert {r.park.code for r in robots if r.park} == {"taishang", "puyang", "jining"}
    assert {r.kind for r in robots} == {"wecom", "dingtalk"} and not any(r.active for r in robots)
    repair = ServiceItem.objects.get(code="power-repair")
    assert (repair.name, repair.clock, repair.accept_limit) == ("停电抢修", "natural", "2h")
    policy = ServiceItem.objects.get(name="政策咨询")
    assert (policy.accept_limit, policy.resolve_limit) == ("4h", "2d")

    officers = User.objects.filter(role=User.Role.OFFICER)
    assert officers.count() == 30
    assert all(o.display_name and o.department_id for o in officers)
    assert officers.filter(deputy__isnull=False).count() >= 3
    assert 1 <= officers.filter(on_leave=True).count() <= 2
    for officer in officers.filter(on_leave=True):
        assert officer.deputy is not None

    managers = User.objects.filter(role=User.Role.MANAGER)
    assert managers.filter(park__isnull=True, department__isnull=True).count() == 1  # the zone manager
    assert managers.filter(park__isnull=False).count() == 3
    assert set(managers.filter(park__isnull=False).values_list("park__code", flat=True)) == {
        "taishang",
        "puyang",
        "jining",
    }
    assert managers.filter(department__isnull=False).count() >= 2
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.role == User.Role.ADMIN
    assert User.objects.get(username="park1").park.code == "taishang"  # type: ignore[union-attr]

    calendar = default_calendar()
    assert WorkCalendar.objects.filter(is_default=True).get() == calendar


def test_enterprises_are_valid_and_served_by_chief_officers(base_dir: Path) -> None:
    seed("--password", PASSWORD, "--quiet")

    enterprises = list(Enterprise.objects.select_related("chief_officer", "deputy_officer", "park"))
    assert len(enterprises) == 300
    assert len({e.name for e in enterprises}) == 300
    assert {e.park.code for e in enterprises} == {"taishang", "puyang", "jining"}
    for enterprise in enterprises:
        validate_credit_code(enterprise.credit_code)
        assert enterprise.chief_officer.role == User.Role.OFFICER
        assert enterprise.chief_officer.department.code == "service"  # type: ignore[union-attr]
        assert enterprise.deputy_officer_id != enterprise.chief_officer_id
        assert enterprise.industry and enterprise.contact_name and enterprise.contact_phone
        enterprise.full_clean()  # what the admin would check: codes, e-mail, chief ≠ deputy
    with_deputy = sum(e.deputy_officer_id is not None for e in enterprises)
    assert 60 <= with_deputy <= 140  # about a third

    loads = Counter(e.chief_officer.username for e in enterprises)
    assert max(loads.values()) >= 20  # 一包多: one officer serves many enterprises
    assert sum(n > 1 for n in loads.values()) >= 10

    first = Enterprise.objects.order_by("id").first()
    assert first is not None
    assert first.chief_officer.username == "officer1"
    assert User.objects.get(username="company1").enterprise == first
    company_users = User.objects.filter(role=User.Role.ENTERPRISE)
    assert 8 <= company_users.count() <= 12
    assert all(u.enterprise_id for u in company_users)
    assert any(name in {e.name for e in enterprises} for name in ("郑州益辉食品有限公司", "郑州硕达钻石有限公司"))

    for user in User.objects.all():
        user.full_clean()


def test_second_run_creates_nothing_and_keeps_passwords(base_dir: Path) -> None:
    seed("--password", PASSWORD, "--quiet")
    before = snapshot()
    logins = base_dir / ".run" / "demo-logins.txt"
    written = logins.read_text(encoding="utf-8")
    mtime = logins.stat().st_mtime_ns

    out, _err = seed("--password", "another-password")

    assert snapshot() == before
    assert "demo data already present" in out
    assert str(logins) in out
    assert logins.read_text(encoding="utf-8") == written
    assert logins.stat().st_mtime_ns == mtime
    assert authenticate(username="officer1", password=PASSWORD) is not None
    assert authenticate(username="officer1", password="another-password") is None


def test_logins_file_lists_the_demo_logins_and_they_work(base_dir: Path) -> None:
    out, _err = seed("--password", PASSWORD)

    logins = base_dir / ".run" / "demo-logins.txt"
    text = logins.read_text(encoding="utf-8")
    for username in [*WELL_KNOWN, "park2", "park3"]:
        assert username in text
        assert username in out
    assert PASSWORD in text
    assert "username" in text and "role" in text

    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1  # hashed once, shared by every demo user
    for username in WELL_KNOWN:
        assert authenticate(username=username, password=PASSWORD) is not None, username
    assert authenticate(username="admin", password="wrong") is None


def test_password_comes_from_the_environment_or_is_random(base_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-env")
    seed("--quiet")
    assert authenticate(username="zone", password="from-the-env") is not None


def test_random_password_is_written_to_the_logins_file(base_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    seed("--quiet")

    text = (base_dir / ".run" / "demo-logins.txt").read_text(encoding="utf-8")
    admin_row = next(line for line in text.splitlines() if line.startswith("admin "))
    password = admin_row.split()[-1]
    assert len(password) >= 12
    assert authenticate(username="admin", password=password) is not None
    assert authenticate(username="company1", password=password) is not None


def test_existing_users_keep_their_password(base_dir: Path) -> None:
    User.objects.create_user("admin", password="mine", role=User.Role.ADMIN, is_staff=True, is_superuser=True)

    seed("--password", PASSWORD, "--quiet")

    assert authenticate(username="admin", password="mine") is not None
    assert authenticate(username="officer1", password=PASSWORD) is not None
    text = (base_dir / ".run" / "demo-logins.txt").read_text(encoding="utf-8")
    admin_row = next(line for line in text.splitlines() if line.startswith("admin "))
    assert "(unchanged)" in admin_row


def test_loads_this_years_calendar(base_dir: Path) -> None:
    seed("--password", PASSWORD, "--quiet")

    year = clock.today_local().year
    try:
        expected = chinesecalendar_entries(year)
    except CalendarDataMissing:
        pytest.skip(f"chinesecalendar has no data for {year}")
    days = default_calendar().days.filter(date__year=year)
    assert days.count() == len(expected) > 0
    assert set(days.values_list("source", flat=True)) == {CalendarDay.Source.CHINESECALENDAR}


def test_missing_calendar_data_is_a_warning(base_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_data(year: int) -> list[DayEntry]:
        raise CalendarDataMissing(f"no data for {year}")

    monkeypatch.setattr("demo.management.commands.seed_demo.chinesecalendar_entries", no_data)
    _out, err = seed("--password", PASSWORD, "--quiet")

    assert "warning" in err and str(clock.today_local().year) in err
    assert Enterprise.objects.count() == 300
    assert not CalendarDay.objects.exists()
