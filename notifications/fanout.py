"""The same message to many enterprises at once (a support policy's matches): each named
enterprise's users and its chief officer are told, with the enterprise's name in the sentence.

On PostgreSQL this is one `INSERT … SELECT` whatever the number of enterprises: the recipients,
their channels (inbox always; email and SMS by role or by their preference for the kind, as
`services.channels_for`), their quiet hours (as `services.quiet_until`, computed in SQL in each
user's time zone) and the sentence in each user's language (rendered once per language in
Python, the enterprise's name put in by the database) — and `ON CONFLICT (dedup_key) DO
NOTHING`, so a second call tells nobody again. Other databases (the one-machine SQLite) go
through `services.notify` with one Message per enterprise: the same rows, slower."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from servicedesk import clock
from servicedesk.models import Enterprise, User

from .models import Notification, NotificationPreference, NotificationSettings, NotificationStatus
from .sentences import render
from .services import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    DEFAULT_TIMEZONE,
    Audience,
    Message,
    Topic,
    notifications_enqueue_groups,
    notify,
    publish_groups,
)

NAME_MARK = "\ue000enterprise\ue000"  # stands for the enterprise's name in the rendered sentence


def notify_enterprises(
    *,
    kind: str,
    enterprise_ids: Sequence[int],
    payload: Mapping[str, object],
    name_key: str,
    key_prefix: str,
    topic: Topic,
    urgent: bool = False,
) -> int:
    """Tell each enterprise of `enterprise_ids` (its users and its chief officer) the message
    `kind` with `payload`, whose `name_key` becomes the enterprise's name. Each row's dedup
    key is `<key_prefix>:<enterprise>:<user>:<channel>` (the key of a Message
    `<key_prefix>:<enterprise>`). In the caller's transaction; sending is published after
    commit. How many rows were written."""
    if not enterprise_ids:
        return 0
    if connection.vendor != "postgresql":
        return _notify_one_by_one(kind, enterprise_ids, payload, name_key, key_prefix, topic, urgent)
    now = clock.now()
    languages = [code for code, _name in User.Language.choices]
    rendered = {code: render(kind, {**payload, name_key: NAME_MARK}, code) for code in languages}
    subject_case = " ".join(f"WHEN %(lang{i})s THEN %(subject{i})s" for i in range(len(languages)))
    body_case = " ".join(f"WHEN %(lang{i})s THEN %(body{i})s" for i in range(len(languages)))
    fallback = rendered[languages[0]]
    grace = timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE)
    user, enterprise = User._meta.db_table, Enterprise._meta.db_table
    prefs, quiet = NotificationPreference._meta.db_table, NotificationSettings._meta.db_table
    sql = f"""
WITH r AS (
  SELECT e.id AS eid, e.name AS ename, u.id AS uid, u.role, u.email, u.phone,
         COALESCE(NULLIF(u.language, ''), 'zh-hans') AS lang,
         COALESCE(s.quiet_start, %(qs)s::time) AS qs, COALESCE(s.quiet_end, %(qe)s::time) AS qe,
         COALESCE(s.timezone, %(tz)s) AS tz,
         (SELECT p.enabled FROM {prefs} p WHERE p.user_id = u.id AND p.event_kind = %(kind)s
           AND p.channel = 'email' LIMIT 1) AS pe,
         (SELECT p.enabled FROM {prefs} p WHERE p.user_id = u.id AND p.event_kind = %(kind)s
           AND p.channel = 'sms' LIMIT 1) AS ps
  FROM (
    SELECT e.id, e.name, u.id AS uid FROM {enterprise} e
    JOIN {user} u ON u.role = 'enterprise' AND u.enterprise_id = e.id
    WHERE e.id = ANY(%(ids)s::bigint[])
    UNION
    SELECT e.id, e.name, e.chief_officer_id FROM {enterprise} e WHERE e.id = ANY(%(ids)s::bigint[])
  ) AS e
  JOIN {user} u ON u.id = e.uid AND u.is_active
  LEFT JOIN {quiet} s ON s.user_id = u.id
), l AS (
  SELECT r.*, (%(now)s::timestamptz AT TIME ZONE r.tz) AS loc FROM r
), q AS (
  SELECT l.*,
    CASE WHEN l.qs = l.qe THEN NULL
         WHEN l.qs < l.qe AND l.loc::time >= l.qs AND l.loc::time < l.qe THEN (l.loc::date + l.qe) AT TIME ZONE l.tz
         WHEN l.qs > l.qe AND l.loc::time >= l.qs THEN (l.loc::date + 1 + l.qe) AT TIME ZONE l.tz
         WHEN l.qs > l.qe AND l.loc::time < l.qe THEN (l.loc::date + l.qe) AT TIME ZONE l.tz
    END AS until
  FROM l
), c AS (
  SELECT q.*, ch.channel FROM q CROSS JOIN (VALUES ('inbox'), ('email'), ('sms')) AS ch(channel)
  WHERE ch.channel = 'inbox'
     OR (ch.channel = 'email' AND COALESCE(q.pe, q.role IN ('officer', 'manager')) AND q.email <> '')
     OR (ch.channel = 'sms' AND COALESCE(q.ps, %(urgent)s) AND q.phone <> '')
), h AS (
  SELECT c.*, (NOT %(urgent)s AND c.until IS NOT NULL AND c.channel <> 'inbox') AS held FROM c
)
INSERT INTO {Notification._meta.db_table}
  (recipient_id, endpoint_id, robot_id, channel, event_kind, topic_type, topic_id, topic_label, event_id,
   payload, subject, body, language, urgent, status, attempts, next_attempt_at, last_error, dedup_key,
   created_at, sent_at, read_at)
SELECT h.uid, NULL, NULL, h.channel, %(kind)s, %(topic_type)s, %(topic_id)s, %(topic_label)s, NULL,
  jsonb_set(%(payload)s::jsonb, ARRAY[%(name_key)s], to_jsonb(h.ename::text)),
  LEFT(REPLACE(CASE h.lang {subject_case} ELSE %(subject)s END, %(mark)s, h.ename), 200),
  REPLACE(CASE h.lang {body_case} ELSE %(body)s END, %(mark)s, h.ename),
  h.lang, %(urgent)s,
  CASE WHEN h.held THEN %(held)s ELSE %(pending)s END, 0,
  CASE WHEN h.held THEN h.until ELSE %(due)s::timestamptz END, '',
  %(key_prefix)s || ':' || h.eid || ':' || h.uid || ':' || h.channel,
  %(now)s::timestamptz, NULL, NULL
FROM h ORDER BY h.eid, h.uid, h.channel
ON CONFLICT (dedup_key) DO NOTHING
RETURNING id, channel, status
"""  # noqa: S608  (table names and CASE arms only; every value is a parameter)
    params: dict[str, Any] = {
        "qs": DEFAULT_QUIET_START,
        "qe": DEFAULT_QUIET_END,
        "tz": DEFAULT_TIMEZONE,
        "kind": kind,
        "ids": list(enterprise_ids),
        "now": now,
        "due": now + grace,
        "urgent": urgent,
        "topic_type": topic.type,
        "topic_id": topic.id,
        "topic_label": topic.label[:60],
        "payload": _json(payload),
        "name_key": name_key,
        "subject": fallback.subject,
        "body": fallback.body,
        "mark": NAME_MARK,
        "held": NotificationStatus.HELD.value,
        "pending": NotificationStatus.PENDING.value,
        "key_prefix": key_prefix,
    }
    for i, code in enumerate(languages):
        params[f"lang{i}"] = code
        params[f"subject{i}"] = rendered[code].subject
        params[f"body{i}"] = rendered[code].body
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = cursor.fetchall()
    due = [(pk, channel, None) for pk, channel, status in created if status == NotificationStatus.PENDING]
    if due:
        transaction.on_commit(partial(notifications_enqueue_groups, publish_groups(due)))
    return len(created)


def _json(payload: Mapping[str, object]) -> str:
    return json.dumps(dict(payload), ensure_ascii=False, default=str)


def _notify_one_by_one(
    kind: str,
    enterprise_ids: Sequence[int],
    payload: Mapping[str, object],
    name_key: str,
    key_prefix: str,
    topic: Topic,
    urgent: bool,
) -> int:
    rows = (
        Enterprise.objects.filter(pk__in=list(enterprise_ids))
        .order_by("pk")
        .values_list("pk", "name", "chief_officer_id")
    )
    messages = [
        Message(
            kind=kind,
            audience=Audience(
                user_ids=frozenset({chief}),
                enterprise_id=pk,
                head_of_departments=frozenset(),
                managers_of_park=None,
            ),
            payload={**payload, name_key: name},
            key=f"{key_prefix}:{pk}",
            urgent=urgent,
            topic=topic,
        )
        for pk, name, chief in rows
    ]
    written = 0
    for start in range(0, len(messages), 500):
        written += len(notify(messages[start : start + 500]))
    return written
