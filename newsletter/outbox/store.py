"""The ``OutboxStore`` the worker sees, and its implementation over our database.

The worker never touches SQL: it claims rows, records changes and releases what it did not
send. Everything that needs other tables (skipping people who left, marking a subscription
bounced) happens here, behind the interface.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection

from newsletter.db import Database
from newsletter.db import outbox as q
from newsletter.db import subscribers as subs
from newsletter.db.types import utcnow
from newsletter.errors import NotFound
from newsletter.outbox.models import BOUNCED, Change, OutboxItem, QueuedIssue


class OutboxStore(Protocol):
    owner: str

    def recover(self) -> int:
        """Return expired leases; mark rows caught between 'sending' and 'sent' as unknown.
        Returns how many rows became unknown now."""
        ...

    def claim(self, limit: int) -> list[OutboxItem]: ...

    def record(self, changes: Sequence[Change]) -> set[int]:
        """Apply changes in one transaction; returns ids whose 'sending' did not take."""
        ...

    def release(self) -> int: ...

    def close(self) -> None:
        """End of the run: free what the store holds (connections)."""
        ...

    def issue(self, issue_id: int) -> QueuedIssue: ...

    def sent_last_hour(self) -> int: ...

    def due(self) -> int: ...

    def next_due(self) -> datetime | None: ...


def new_owner() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DbOutboxStore:
    def __init__(self, db: Database, lease_seconds: float = 300, bounce_threshold: int = 3,
                 check_subscriptions: bool = True, clock: Callable[[], datetime] = utcnow,
                 sending_lease_seconds: float | None = None) -> None:
        self.db = db
        self.owner = new_owner()
        self.lease = timedelta(seconds=lease_seconds)
        # how long a row stays 'sending' before recover() may call it 'unknown': at least the
        # longest a live worker waits for the server's final reply (send.smtp_data_timeout)
        self.sending_lease = timedelta(seconds=max(lease_seconds, sending_lease_seconds or 0))
        self.bounce_threshold = bounce_threshold
        self.check_subscriptions = check_subscriptions
        self.clock = clock
        self._issues: dict[int, QueuedIssue] = {}
        # record() runs once or twice per message: it keeps one connection instead of a pool
        # checkout, checkin and reset per transaction (about a third of its cost on SQLite).
        self._writer: Connection | None = None
        self._writer_lock = threading.Lock()

    def recover(self) -> int:
        with self.db.begin() as conn:
            _released, unknown = q.recover(conn, self.clock())
        return unknown

    def claim(self, limit: int) -> list[OutboxItem]:
        now = self.clock()
        with self.db.begin() as conn:
            items = q.claim(conn, self.owner, limit, now, now + self.lease)
            if not self.check_subscriptions or not items:
                return items
            gone: list[int] = []
            for key in {i.newsletter_key for i in items}:
                group = [i for i in items if i.newsletter_key == key]
                active = q.active_subscribers(conn, key, [i.subscriber_id for i in group])
                gone += [i.id for i in group if i.subscriber_id not in active]
            q.skip(conn, self.owner, gone, now, "no longer subscribed when the row came up")
        skipped = set(gone)
        return [i for i in items if i.id not in skipped]

    def record(self, changes: Sequence[Change]) -> set[int]:
        now = self.clock()
        with self._writer_lock:
            if self._writer is None:
                self._writer = self.db.engine.connect()
            conn = self._writer
            try:
                with conn.begin():
                    lost = q.apply(conn, self.owner, changes, now, now + self.sending_lease)
                    for change in changes:
                        if change.kind == BOUNCED:
                            self._count_bounce(conn, change.row_id, now)
            except BaseException:
                self._writer = None  # a broken connection is not reused
                conn.close()
                raise
        return lost

    def close(self) -> None:
        with self._writer_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def _count_bounce(self, conn: Connection, row_id: int, now: datetime) -> None:
        found = q.row_subscriber(conn, row_id)
        if found is None or not self.check_subscriptions:
            return
        subscriber_id, key = found
        if q.bounce_streak(conn, subscriber_id, key) >= self.bounce_threshold:
            sub_id = q.subscription_id(conn, subscriber_id, key)
            if sub_id is not None:
                subs.set_status(conn, sub_id, "bounced", now)

    def release(self) -> int:
        with self.db.begin() as conn:
            return q.release(conn, self.owner, self.clock())

    def issue(self, issue_id: int) -> QueuedIssue:
        if issue_id not in self._issues:
            with self.db.connect() as conn:
                found = q.get_issue(conn, issue_id)
            if found is None:
                raise NotFound(f"issue {issue_id} has outbox rows but was never queued properly")
            self._issues[issue_id] = found
        return self._issues[issue_id]

    def sent_last_hour(self) -> int:
        with self.db.connect() as conn:
            return q.sent_since(conn, self.clock() - timedelta(hours=1))

    def shared_budget(self, per_hour: int) -> DbSendBudget:
        """send.rate_per_hour as one budget for every send process on this database (issue 11)."""
        return DbSendBudget(self.db, per_hour, self.clock)

    def due(self) -> int:
        with self.db.connect() as conn:
            return q.due_count(conn, self.clock())

    def next_due(self) -> datetime | None:
        with self.db.connect() as conn:
            return q.next_due(conn)


class DbSendBudget:
    """The shared hourly budget in the database (``db/sendrate.py``)."""

    def __init__(self, db: Database, per_hour: int, clock: Callable[[], datetime]) -> None:
        self.db, self.per_hour, self.clock = db, per_hour, clock
        self.last_taken_at: datetime | None = None  # the unused slots are from the last block

    def reserve(self, wanted: int) -> int:
        from newsletter.db import sendrate

        now = self.clock()
        with self.db.begin() as conn:
            granted = sendrate.reserve(conn, now, wanted, self.per_hour)
        if granted:
            self.last_taken_at = now
        return granted

    def give_back(self, unused: int) -> None:
        from newsletter.db import sendrate

        if self.last_taken_at is None:
            return
        with self.db.begin() as conn:
            sendrate.give_back(conn, self.last_taken_at, unused)
