"""Queue: an approved issue becomes one outbox row per (issue, subscriber), once.

The core (``queue_rows``) takes the frozen issue and the rows to add; ``run.queue_issue`` wires
it to the issue, its render and the subscriber list. Queueing is idempotent twice over: the
issue is frozen only the first time (a second queue is a no-op, so people who subscribe after
queueing are not added), and (issue_id, subscriber_id) is unique.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from newsletter.db import Database
from newsletter.db import outbox as q
from newsletter.outbox.models import NewRow, QueuedIssue

BATCH = 1000


@dataclass(frozen=True)
class QueueReport:
    issue_id: int
    added: int
    already_queued: bool
    send_after: datetime
    moved: bool = False  # already queued, and its pending rows now go out at ``send_after``


def message_id(domain: str) -> str:
    """RFC 5322 Message-ID, chosen at queue time and stored: a retry reuses it, so a receiving
    system that has the first copy can recognise the second."""
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_rows(db: Database, issue: QueuedIssue, rows: Iterable[NewRow], send_after: datetime,
               now: datetime, *, resume: bool = False, move: bool = False) -> QueueReport:
    """Freeze ``issue`` and add ``rows`` (streamed, in batches); a no-op if it was queued before.

    ``move``: already queued, move its pending rows to ``send_after`` (``queue N --at``).
    ``resume``: queued before and cancelled (``unqueue``) after some rows went out: add the rows
    again with the content frozen the first time; (issue, subscriber) stays unique, so nobody
    who already got it gets it twice."""
    with db.begin() as conn:
        if move and q.issue_send_after(conn, issue.issue_id) is not None:
            q.move_pending(conn, issue.issue_id, send_after, now)
            return QueueReport(issue.issue_id, 0, True, send_after, moved=True)
        if not q.save_issue(conn, issue, send_after, now) and not resume:
            # Report the time the rows really go out, not this call's --at (which changes nothing).
            first = q.issue_send_after(conn, issue.issue_id) or send_after
            return QueueReport(issue.issue_id, 0, True, first)
        if resume:
            q.move_frozen(conn, issue.issue_id, send_after)
        added = 0
        for batch in _batches(iter(rows), BATCH):
            added += q.add_rows(conn, issue.issue_id, issue.newsletter_key, batch, send_after, now)
    return QueueReport(issue.issue_id, added, False, send_after)


def _batches(rows: Iterator[NewRow], size: int) -> Iterator[list[NewRow]]:
    while batch := list(islice(rows, size)):
        yield batch
