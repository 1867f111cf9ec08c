"""Queries for the ``items`` table as collect writes it: store new items once.

Dedupe rules (issue 2): an item is new unless its (source, guid) is stored, or any stored
item (of any source, removed or not) has its canonical URL or its content hash. The same
rules apply within one batch, first entry wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, select, update

from newsletter.db.schema import items
from newsletter.models import CleanItem, SourceState

_CHUNK = 500  # keeps IN (...) lists well under SQLite's bound-parameter limit


def _existing(conn: Connection, column: ColumnElement[str], values: Iterable[str],
              *where: ColumnElement[bool]) -> set[str]:
    wanted = sorted(set(values))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        query = select(column).where(column.in_(chunk), *where)
        found.update(row[0] for row in conn.execute(query))
    return found


def stored_canonical_urls(conn: Connection, urls: Iterable[str]) -> set[str]:
    """Which of ``urls`` are already stored as an item's canonical URL."""
    return _existing(conn, items.c.canonical_url, urls)


def new_items(conn: Connection, source_id: int, batch: Sequence[CleanItem]) -> list[CleanItem]:
    """The items of ``batch`` that are neither stored nor repeated earlier in the batch."""
    seen_guids = _existing(conn, items.c.guid, (i.guid for i in batch), items.c.source_id == source_id)
    seen_urls = stored_canonical_urls(conn, (i.canonical_url for i in batch))
    seen_hashes = _existing(conn, items.c.content_hash, (i.content_hash for i in batch))
    fresh = []
    for item in batch:
        if item.guid in seen_guids or item.canonical_url in seen_urls or item.content_hash in seen_hashes:
            continue
        seen_guids.add(item.guid)
        seen_urls.add(item.canonical_url)
        seen_hashes.add(item.content_hash)
        fresh.append(item)
    return fresh


def insert_items(conn: Connection, source: SourceState, batch: Sequence[CleanItem],
                 now: datetime, language: str | None = None) -> int:
    """Store the new items of ``batch`` for ``source``; returns how many were new.

    An item without a date of its own is dated when we first saw it.
    """
    refresh_events(conn, source.id, batch, now)
    batch = [item for item in batch if item.event is None or not item.event.cancelled]
    fresh = new_items(conn, source.id, batch)
    if not fresh:
        return 0
    conn.execute(insert(items), [
        {
            "source_id": source.id,
            "origin": "feed",
            "partner_key": source.partner_key,
            "section": source.section,
            "guid": item.guid,
            "url": item.url,
            "canonical_url": item.canonical_url,
            "title": item.title,
            "summary_html": item.summary_html,
            "summary_text": item.summary_text,
            "image_url": item.image_url,
            "image_alt": item.image_alt,
            "author": item.author,
            "language": language,
            "published_at": now if item.date_is_estimated else item.published_at,
            "first_seen_at": now,
            "date_is_estimated": item.date_is_estimated,
            "content_hash": item.content_hash,
            "pinned": False,
            **event_values(item),
        }
        for item in fresh
    ])
    return len(fresh)


def event_values(item: CleanItem) -> dict[str, Any]:
    """The event columns of an item (issue 12); all empty for a news item."""
    event = item.event
    return {
        "event_starts_at": event.starts_at if event else None,
        "event_ends_at": event.ends_at if event else None,
        "event_location": event.location if event else None,
        "signup_url": event.signup_url if event else None,
        "event_all_day": event.all_day if event else False,
        "event_uid": event.uid if event else None,
        "event_occurrences": event.occurrences if event else None,
    }


def refresh_events(conn: Connection, source_id: int, batch: Sequence[CleanItem], now: datetime) -> int:
    """A calendar moves its events and its recurring dates move forward with the window: the
    stored event of the same (source, guid) takes the feed's current dates and place, and one
    the calendar now calls cancelled is removed (never shown again)."""
    events = {item.guid: item for item in batch if item.event is not None}
    if not events:
        return 0
    query = select(items.c.id, items.c.guid, items.c.event_starts_at, items.c.event_ends_at,
                   items.c.event_location, items.c.event_occurrences).where(
        items.c.source_id == source_id, items.c.guid.in_(list(events)[:_CHUNK]),
        items.c.origin == "feed")
    changed = 0
    for row in conn.execute(query).all():
        event = events[row.guid].event
        if event is not None and event.cancelled:
            conn.execute(update(items).where(items.c.id == row.id, items.c.removed_at.is_(None))
                         .values(removed_at=now))
            changed += 1
            continue
        values = event_values(events[row.guid])
        values.pop("signup_url")
        current = (row.event_starts_at, row.event_ends_at, row.event_location, row.event_occurrences)
        wanted = (values["event_starts_at"], values["event_ends_at"], values["event_location"],
                  tuple(values["event_occurrences"] or ()))
        if current != wanted:
            conn.execute(update(items).where(items.c.id == row.id).values(**values))
            changed += 1
    return changed


def first_seen_by_partner(conn: Connection, since: datetime) -> list[tuple[str, datetime]]:
    """(partner_key, first_seen_at) of every collected item first seen since ``since``: the
    sources page counts them per ISO week (issue 9 §6)."""
    rows = conn.execute(select(items.c.partner_key, items.c.first_seen_at)
                        .where(items.c.first_seen_at >= since, items.c.origin == "feed",
                               items.c.partner_key.is_not(None)))
    return [(r.partner_key, r.first_seen_at) for r in rows]
