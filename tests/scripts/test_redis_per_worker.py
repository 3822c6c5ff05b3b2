"""The parallel run's Redis databases: one per worker, never shared, never a silent guess."""

from __future__ import annotations

import pytest

from tests.redis_per_worker import own_database


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/1", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/1", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379", "gw3", "redis://127.0.0.1:6379/3"),
        ("redis://:secret@cache.example:6380/4", "gw2", "redis://:secret@cache.example:6380/6"),
    ],
)
def test_each_worker_gets_the_next_database(url: str, worker: str, expected: str) -> None:
    assert own_database(url, worker) == expected


@pytest.mark.parametrize(
    ("url", "worker"),
    [
        ("sentinel://127.0.0.1:26379/0", "gw1"),
        ("redis://127.0.0.1:6379/1?socket_timeout=1", "gw1"),
        ("redis://127.0.0.1:6379/1", "master"),
    ],
)
def test_what_it_cannot_split_it_refuses(url: str, worker: str) -> None:
    with pytest.raises(ValueError):
        own_database(url, worker)
