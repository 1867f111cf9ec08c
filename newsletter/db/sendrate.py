"""One hourly send budget for every send process (issue 11): ``send.rate_per_hour``.

Senders take slots in small blocks: ``reserve`` adds to this minute's count and checks the
sum of the last 60 minutes against the limit in the same transaction, serialised (SQLite's
write lock; a PostgreSQL transaction-scoped advisory lock), so two workers on two machines
never both take the last slots. Slots a run did not use go back with ``give_back``, to the
minute they were taken in (under the same lock): given back to a later minute, they would
stay counted after the earlier minute left the window and let the limit be passed.

-- name: reserve / give_back / taken_last_hour
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, insert, select, text, update

from newsletter.db.schema import send_counts

WINDOW = timedelta(hours=1)
_LOCK = int.from_bytes(hashlib.sha256(b"newsletter-send-rate").digest()[:8], "big", signed=True)


def minute_of(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def taken_last_hour(conn: Connection, now: datetime) -> int:
    return int(conn.scalar(select(func.coalesce(func.sum(send_counts.c.sent), 0))
                           .where(send_counts.c.minute > minute_of(now) - WINDOW)) or 0)


def _add(conn: Connection, minute: datetime, n: int) -> None:
    if conn.execute(update(send_counts).where(send_counts.c.minute == minute)
                    .values(sent=send_counts.c.sent + n)).rowcount == 0:
        conn.execute(insert(send_counts).values(minute=minute, sent=n))


def _serialise(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def reserve(conn: Connection, now: datetime, wanted: int, limit: int) -> int:
    """Take up to ``wanted`` slots of ``limit`` per hour in the minute of ``now``; returns how
    many were granted (0: spent). Call inside a transaction of its own (``db.begin()``)."""
    _serialise(conn)
    minute = minute_of(now)
    _add(conn, minute, 0)  # takes SQLite's write lock before the count is read
    granted = max(0, min(wanted, limit - taken_last_hour(conn, now)))
    if granted:
        _add(conn, minute, granted)
    conn.execute(send_counts.delete().where(send_counts.c.minute <= minute - 2 * WINDOW))
    return granted


def give_back(conn: Connection, taken_at: datetime, n: int) -> None:
    """Return ``n`` unused slots to the minute they were reserved in (``taken_at`` is the
    ``now`` given to ``reserve``); never below zero."""
    if n <= 0:
        return
    _serialise(conn)
    minute = minute_of(taken_at)
    _add(conn, minute, 0)  # SQLite's write lock before the row is read
    conn.execute(update(send_counts).where(send_counts.c.minute == minute)
                 .values(sent=case((send_counts.c.sent > n, send_counts.c.sent - n), else_=0)))
