"""Queries for events as the web app serves them (issue 12): one event item, and the upcoming
events that went out in a sent issue (the public calendar shows only what a person approved).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from newsletter.db.issues import _CANDIDATE_COLUMNS, _candidate
from newsletter.db.schema import issue_items, issues, items
from newsletter.models import Candidate


def event_item(conn: Connection, item_id: int) -> Candidate | None:
    """An event item that is not removed, or None."""
    row = conn.execute(select(*_CANDIDATE_COLUMNS).where(
        items.c.id == item_id, items.c.removed_at.is_(None),
        items.c.event_starts_at.is_not(None))).first()
    return _candidate(row) if row else None


def published_events(conn: Connection, now: datetime, limit: int = 200) -> list[tuple[Candidate, str | None]]:
    """Events shown in a sent issue that may still be ahead at ``now``, with the title a
    reviewer gave them there (None: the item's own), soonest first by stored start."""
    shown = (
        select(issue_items.c.item_id, func.max(issue_items.c.title_override).label("title_override"))
        .join(issues, issues.c.id == issue_items.c.issue_id)
        .where(issues.c.status == "sent", issue_items.c.included.is_(True))
        .group_by(issue_items.c.item_id)
        .subquery()
    )
    query = (
        select(*_CANDIDATE_COLUMNS, shown.c.title_override)
        .join(shown, shown.c.item_id == items.c.id)
        .where(items.c.removed_at.is_(None), items.c.event_starts_at.is_not(None),
               or_(func.coalesce(items.c.event_ends_at, items.c.event_starts_at) >= now,
                   items.c.event_occurrences.is_not(None)))
        .order_by(items.c.event_starts_at, items.c.id)
        .limit(limit)
    )
    return [(_candidate(row), row.title_override) for row in conn.execute(query)]
