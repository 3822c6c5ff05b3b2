"""The fault, end-to-end, scale-out, load and bench runs use the configuration that ships.

A fault test that swaps the cache for process memory, the broker for `memory://`, makes tasks
run eagerly or lifts the throttles tests a desk nobody deploys: the Redis outage once
answered 500 on every API call in production while the fault tests, on a memory cache, saw
nothing. This test reads the sources of those runs and fails on any such swap. What those
runs may set is listed in `ALLOWED`, each with its reason; an entry that no longer matches
anything fails too, so the list stays short and true.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]

# The runs that claim to test the product as it ships.
SCANNED_DIRS = ["tests/faults", "tests/e2e", "tests/scaleout", "tests/bench", "bench"]
SCANNED_FILES = ["tests/procs.py", "scripts/stack.py", "Makefile", ".ci/run", "docker-compose.yml"]
E2E_MARK = re.compile(r"pytest\.mark\.e2e|get_closest_marker\(\"e2e\"\)")

# name → what production never does
SWAPS: dict[str, re.Pattern[str]] = {
    "cache in memory": re.compile(r"CACHE_LOCMEM|LocMemCache|cache\.backends\.(locmem|dummy|db|filebased)|DummyCache"),
    "cache settings replaced": re.compile(
        r"\bCACHES\b\s*(\[[^\]]*\]\s*)*=|\"CACHES\"\s*:|override_settings\([^)]*CACHES"
    ),
    "cache location replaced": re.compile(r"\bCACHE_(URL|BACKEND)\b[\"']?\s*[:=]"),
    "broker in memory": re.compile(
        r"memory://|\bBROKER_URL\b\s*[=:]\s*[\"'](?!redis|sentinel)|broker_url\s*=\s*[\"'](?!redis)"
    ),
    "tasks run eagerly": re.compile(
        r"(?i)always_eager[\"']?\s*[:=,]\s*[\"']?(1|true|yes|on)\b|task_always_eager\s*=\s*True|\.apply\(\s*\)"
    ),
    "throttle rates replaced": re.compile(
        r"THROTTLE_RATE|DEFAULT_THROTTLE_RATES|DEFAULT_THROTTLE_CLASSES|throttle_classes\s*=|\bTHROTTLE_RATES\b"
    ),
    "sign-in lockout off": re.compile(r"AXES_ENABLED[\"']?\s*[:=,]\s*[\"']?(0|false|False|no|off)\b"),
}

# (path, swap) → why it is right there. Keep this short.
ALLOWED: dict[tuple[str, str], str] = {
    ("bench/urls.py", "throttle rates replaced"): (
        "`/bench/floor/`, a constant answer that exists only under bench.settings: the floor every "
        "endpoint's time is compared with, so it leaves out authentication and throttles on purpose"
    ),
}


def scanned_sources() -> list[Path]:
    found: set[Path] = set()
    for folder in SCANNED_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".sh", ".toml", ".yml", ".yaml", ".cfg", ".ini", ""}:
                found.add(path)
    for name in SCANNED_FILES:
        if (ROOT / name).exists():
            found.add(ROOT / name)
    for path in (ROOT / "tests").rglob("*.py"):  # any test or conftest that runs end to end
        text = path.read_text(encoding="utf-8")
        if "e2e" in path.name or E2E_MARK.search(text):
            found.add(path)
    found.discard(Path(__file__).resolve())  # this file names every pattern
    return sorted(found)


def swaps_in(text: str) -> set[str]:
    return {name for name, pattern in SWAPS.items() if pattern.search(text)}


def test_the_runs_that_test_the_product_run_the_shipped_configuration():
    sources = scanned_sources()
    assert ROOT / "tests/faults/conftest.py" in sources and ROOT / "tests/notifications/test_e2e_outage.py" in sources
    assert ROOT / "tests/notifications/conftest.py" in sources  # its e2e branch
    found: set[tuple[str, str]] = set()
    for path in sources:
        rel = path.relative_to(ROOT).as_posix()
        for swap in swaps_in(path.read_text(encoding="utf-8", errors="replace")):
            found.add((rel, swap))
    unexplained = sorted(found - ALLOWED.keys())
    assert not unexplained, (
        "these fault / e2e / load / bench sources swap the configuration for one production does "
        f"not use (use the shipped one, or add an entry to ALLOWED with the reason): {unexplained}"
    )
    stale = sorted(ALLOWED.keys() - found)
    assert not stale, f"entries of ALLOWED that match nothing any more (remove them): {stale}"


def test_the_check_sees_the_swaps_it_is_for():
    assert swaps_in('env = {"CACHE_LOCMEM": "1"}') == {"cache in memory"}
    assert swaps_in('settings.CACHES = {"default": {"BACKEND": "x"}}') == {"cache settings replaced"}
    assert "cache in memory" in swaps_in('"BACKEND": "django.core.cache.backends.locmem.LocMemCache"')
    assert swaps_in('"CELERY_BROKER_URL": "memory://"') == {"broker in memory"}
    assert swaps_in('app.conf.broker_url = "memory://localhost/"') == {"broker in memory"}
    assert swaps_in('"CELERY_TASK_ALWAYS_EAGER": "1"') == {"tasks run eagerly"}
    assert swaps_in("settings.CELERY_TASK_ALWAYS_EAGER = True") == {"tasks run eagerly"}
    assert swaps_in('"USER_THROTTLE_RATE": "1000000/min"') == {"throttle rates replaced"}
    assert swaps_in('settings.REST_FRAMEWORK = {**rf, "DEFAULT_THROTTLE_RATES": {}}') == {"throttle rates replaced"}
    assert swaps_in('"AXES_ENABLED": "0"') == {"sign-in lockout off"}
    # what the fault tests do set, which production does too
    assert not swaps_in('"CELERY_TASK_ALWAYS_EAGER": "0"')
    assert not swaps_in("app.conf.broker_url = redis_server.url")
    assert not swaps_in('"REDIS_URL": broker.url')
    assert not swaps_in('env.pop("CACHE_URL", None)')  # back to the shipped default
    assert swaps_in("CACHE_URL=redis://elsewhere/0 make fault") == {"cache location replaced"}
    assert not swaps_in('"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"')  # mail is not the cache


def test_the_shipped_settings_are_what_the_check_protects():
    assert settings.CACHES["default"]["BACKEND"] == "servicedesk.cache.ResilientRedisCache"
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "sentinel://"))
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == ["rest_framework.throttling.UserRateThrottle"]


def test_the_bench_settings_are_the_shipped_ones_plus_the_floor():
    """bench/settings.py is what gunicorn runs under bench/run.py and bench/report.py: the
    project's settings with the floor's URLconf, nothing else. A cache, broker, throttle or
    database knob set there (under any spelling the patterns above miss) fails here."""
    import importlib

    from config import settings as shipped

    bench = importlib.import_module("bench.settings")
    names = {name for name in dir(bench) if name.isupper()}
    differ = sorted(n for n in names if getattr(bench, n) != getattr(shipped, n, object()))
    assert differ == ["ROOT_URLCONF"]
    assert bench.CACHES == shipped.CACHES and bench.REST_FRAMEWORK == shipped.REST_FRAMEWORK


def test_the_bench_refuses_a_cache_that_is_not_redis(settings):
    """bench/run.py and bench/report.py stop before measuring when the cache's Redis does not
    answer: the shipped cache would silently count in process memory (servicedesk.cache)."""
    from bench.run import require_redis_cache

    assert require_redis_cache() == settings.CACHES["default"]["LOCATION"]  # the tests' Redis answers
    # a Redis that is not there (Django's setting_changed handler makes the cache anew)
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    with pytest.raises(SystemExit, match="does not answer"):
        require_redis_cache()
