"""What the migrations set on the desk's PostgreSQL database for every new session."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection


@pytest.mark.django_db
def test_a_new_session_on_the_desk_database_runs_without_jit() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    db = connection.settings_dict  # the test database, migrated like a real one
    with psycopg.connect(
        dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"]
    ) as session:
        row = session.execute("SHOW jit").fetchone()
    assert row is not None and row[0] == "off"
