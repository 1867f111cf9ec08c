"""Queries of the social stage (issue 10): social_posts.

Every function takes a ``Connection``; the caller owns the transaction. Status changes that
decide who publishes are conditional updates (``... WHERE status = 'approved'``) so two
processes never both take a post; the row count says who won.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from newsletter.db.schema import issues, social_posts
from newsletter.db.types import utcnow
from newsletter.models import SocialDraft, SocialPost


def _post(row: Any) -> SocialPost:
    return SocialPost(**dict(row._mapping))


def get_post(conn: Connection, post_id: int) -> SocialPost | None:
    row = conn.execute(select(social_posts).where(social_posts.c.id == post_id)).first()
    return _post(row) if row else None


def list_posts(conn: Connection, *, issue_id: int | None = None, status: Iterable[str] | None = None,
               network: str | None = None, ids: Iterable[int] | None = None) -> list[SocialPost]:
    query = select(social_posts).order_by(social_posts.c.planned_at.is_(None), social_posts.c.planned_at,
                                          social_posts.c.network, social_posts.c.id)
    if issue_id is not None:
        query = query.where(social_posts.c.issue_id == issue_id)
    if status is not None:
        query = query.where(social_posts.c.status.in_(list(status)))
    if network is not None:
        query = query.where(social_posts.c.network == network)
    if ids is not None:
        query = query.where(social_posts.c.id.in_(list(ids)))
    return [_post(row) for row in conn.execute(query)]


def counts_by_status(conn: Connection, issue_id: int) -> dict[str, int]:
    query = (select(social_posts.c.status, func.count()).where(social_posts.c.issue_id == issue_id)
             .group_by(social_posts.c.status))
    return {status: count for status, count in conn.execute(query)}


def store_drafts(conn: Connection, issue_id: int, drafts: Iterable[SocialDraft]) -> dict[str, int]:
    """Write compose's drafts: new ones are added, untouched drafts refreshed, and drafts whose
    item left the issue removed. A post a person edited or approved is kept as it is."""
    now = utcnow()
    existing = {(p.network, p.subject): p for p in list_posts(conn, issue_id=issue_id)}
    counts = {"added": 0, "refreshed": 0, "kept": 0, "removed": 0}
    wanted: set[tuple[str, str]] = set()
    for draft in drafts:
        key = (draft.network, draft.subject)
        wanted.add(key)
        values = {"text": draft.text, "link": draft.link, "title": draft.title,
                  "description": draft.description, "image_url": draft.image_url,
                  "planned_at": draft.planned_at, "item_id": draft.item_id}
        old = existing.get(key)
        if old is None:
            conn.execute(insert(social_posts).values(
                issue_id=issue_id, network=draft.network, subject=draft.subject, status="draft",
                edited=False, publish_key=uuid.uuid4().hex, attempts=0, created_at=now,
                updated_at=now, **values))
            counts["added"] += 1
        elif old.status == "draft" and not old.edited:
            conn.execute(update(social_posts).where(social_posts.c.id == old.id)
                         .values(updated_at=now, **values))
            counts["refreshed"] += 1
        else:
            counts["kept"] += 1
    stale = [p.id for key, p in existing.items()
             if key not in wanted and p.status == "draft" and not p.edited]
    if stale:
        conn.execute(delete(social_posts).where(social_posts.c.id.in_(stale)))
    counts["removed"] = len(stale)
    return counts


def update_post(conn: Connection, post_id: int, **values: Any) -> None:
    conn.execute(update(social_posts).where(social_posts.c.id == post_id)
                 .values(updated_at=utcnow(), **values))


def transition(conn: Connection, post_id: int, source: Iterable[str], target: str, **values: Any) -> bool:
    """Move a post from one of ``source`` to ``target``; False when it was not in ``source``."""
    result = conn.execute(update(social_posts).where(
        social_posts.c.id == post_id, social_posts.c.status.in_(list(source)))
        .values(status=target, updated_at=utcnow(), **values))
    return int(result.rowcount) == 1


ISSUE_RELEASED = ("approved", "queued", "sent")


def due_posts(conn: Connection, now: datetime, networks: Iterable[str]) -> list[SocialPost]:
    """Approved posts whose planned time has come, for the networks that have a publisher, of
    issues that are approved or sent (a draft issue may still change, and its web version
    does not exist yet)."""
    query = (select(social_posts)
             .join(issues, issues.c.id == social_posts.c.issue_id)
             .where(social_posts.c.status == "approved", social_posts.c.planned_at <= now,
                    social_posts.c.network.in_(list(networks)), issues.c.status.in_(ISSUE_RELEASED))
             .order_by(social_posts.c.planned_at, social_posts.c.id))
    return [_post(row) for row in conn.execute(query)]


def issue_status(conn: Connection, issue_id: int) -> str | None:
    return conn.scalar(select(issues.c.status).where(issues.c.id == issue_id))


def claim(conn: Connection, post_id: int, now: datetime) -> bool:
    """approved -> publishing, recorded before anything is sent (like the outbox's 'sending')."""
    result = conn.execute(update(social_posts).where(
        social_posts.c.id == post_id, social_posts.c.status == "approved")
        .values(status="publishing", publish_started_at=now, attempts=social_posts.c.attempts + 1,
                first_attempt_at=func.coalesce(social_posts.c.first_attempt_at, now), updated_at=now))
    return int(result.rowcount) == 1


def stale_publishing(conn: Connection, started_before: datetime) -> list[SocialPost]:
    """Posts left in 'publishing' by a process that died (or is far past its deadline)."""
    query = select(social_posts).where(social_posts.c.status == "publishing",
                                       social_posts.c.publish_started_at < started_before)
    return [_post(row) for row in conn.execute(query)]


__all__ = ["ISSUE_RELEASED", "claim", "due_posts", "get_post", "issue_status", "list_posts",
           "stale_publishing", "store_drafts", "transition", "update_post"]
