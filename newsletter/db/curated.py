"""Queries for hand-curated items (origin 'curated' in the items table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from newsletter.db.schema import items
from newsletter.db.types import inserted_id
from newsletter.models import CleanItem


@dataclass(frozen=True)
class CuratedFields:
    partner_key: str | None
    section: str
    pinned: bool
    created_by: str | None
    event_starts_at: datetime | None
    event_ends_at: datetime | None
    event_location: str | None
    signup_url: str | None
    event_all_day: bool = False


@dataclass(frozen=True)
class CuratedRow:
    id: int
    title: str
    url: str
    section: str | None
    partner_key: str | None
    pinned: bool
    event_starts_at: datetime | None
    event_location: str | None
    created_by: str | None
    first_seen_at: datetime
    removed_at: datetime | None


def _values(fields: CuratedFields) -> dict[str, object]:
    return {
        "origin": "curated",
        "partner_key": fields.partner_key,
        "section": fields.section,
        "pinned": fields.pinned,
        "created_by": fields.created_by,
        "event_starts_at": fields.event_starts_at,
        "event_ends_at": fields.event_ends_at,
        "event_location": fields.event_location,
        "signup_url": fields.signup_url,
        "event_all_day": fields.event_all_day,
        "removed_at": None,
    }


def find_by_canonical_url(conn: Connection, url: str) -> int | None:
    row = conn.execute(select(items.c.id).where(items.c.canonical_url == url).order_by(items.c.id)).first()
    return row[0] if row else None


def insert_curated(conn: Connection, item: CleanItem, fields: CuratedFields, now: datetime) -> int:
    result = conn.execute(
        insert(items).values(
            source_id=None, guid=f"curated:{item.canonical_url}", url=item.url,
            canonical_url=item.canonical_url, title=item.title, summary_html=item.summary_html,
            summary_text=item.summary_text, image_url=item.image_url, image_alt=item.image_alt,
            author=item.author, language=None, published_at=item.published_at, first_seen_at=now,
            date_is_estimated=item.date_is_estimated, content_hash=item.content_hash,
            **_values(fields),
        )
    )
    return inserted_id(result)



def adopt(conn: Connection, item_id: int, item: CleanItem, fields: CuratedFields) -> None:
    """A URL the team curates that is already stored: the team's choices win. A pin stays: adding
    the URL again without --pin does not unpin it (issue 11)."""
    values = _values(fields)
    if not fields.pinned:
        del values["pinned"]
    conn.execute(update(items).where(items.c.id == item_id).values(
        title=item.title, summary_html=item.summary_html, summary_text=item.summary_text,
        image_url=item.image_url, image_alt=item.image_alt, **values,
    ))


def list_curated(conn: Connection, include_removed: bool = False) -> list[CuratedRow]:
    query = select(
        items.c.id, items.c.title, items.c.url, items.c.section, items.c.partner_key, items.c.pinned,
        items.c.event_starts_at, items.c.event_location, items.c.created_by, items.c.first_seen_at,
        items.c.removed_at,
    ).where(items.c.origin == "curated").order_by(items.c.id.desc())
    if not include_removed:
        query = query.where(items.c.removed_at.is_(None))
    return [CuratedRow(*row) for row in conn.execute(query)]


def remove(conn: Connection, item_id: int, now: datetime) -> bool:
    result = conn.execute(update(items).where(
        items.c.id == item_id, items.c.origin == "curated", items.c.removed_at.is_(None),
    ).values(removed_at=now))
    return result.rowcount > 0
