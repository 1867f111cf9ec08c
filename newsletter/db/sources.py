"""Queries for the ``sources`` table and its ``fetch_log``: sync from feeds.yaml, read the
fetch state and health of each source, record the outcome of one fetch.

Collect opens one transaction per source (``db.begin()``) and calls these inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, func, insert, select, update

from newsletter.config import Source
from newsletter.db.schema import fetch_log, items, sources
from newsletter.models import SourceState


@dataclass(frozen=True)
class FetchOutcome:
    """What one fetch of one source did, as the database records it."""

    outcome: str  # ok, not_modified, error, skipped
    status: int | None = None
    error: str | None = None
    new_items: int = 0
    bytes: int = 0
    duration_ms: int = 0
    etag: str | None = None
    last_modified: str | None = None
    retry_after: datetime | None = None
    gone: bool = False
    warnings: tuple[str, ...] = ()


def sync_sources(conn: Connection, configured: Sequence[Source], now: datetime) -> None:
    """Upsert the config's sources by key; mark the ones no longer in the config.

    A changed URL or kind is a new feed as far as caching and health go: it clears the
    ETag, Last-Modified, Retry-After, the gone flag and the failure count.
    """
    stored = {row.key: row for row in conn.execute(
        select(sources.c.id, sources.c.key, sources.c.url, sources.c.kind, sources.c.partner_key,
               sources.c.section, sources.c.enabled, sources.c.in_config))}
    for source in configured:
        values = {
            "partner_key": source.partner_key,
            "kind": source.kind,
            "url": source.url,
            "section": source.section,
            "enabled": source.enabled,
            "in_config": True,
        }
        row = stored.get(source.key)
        if row is None:
            conn.execute(insert(sources).values(
                key=source.key, created_at=now, consecutive_failures=0, gone=False,
                new_items_last_run=0, **values))
            continue
        if all(getattr(row, name) == value for name, value in values.items()):
            continue  # unchanged: most runs, and no write is cheaper than an identical one
        if row.url != source.url or row.kind != source.kind:
            values |= {"etag": None, "last_modified": None, "retry_after": None, "gone": False,
                       "consecutive_failures": 0, "last_error": None, "last_warnings": None}
        conn.execute(update(sources).where(sources.c.id == row.id).values(**values))
    keys = {s.key for s in configured}
    gone_from_config = [row.id for key, row in stored.items() if key not in keys]
    if gone_from_config:
        conn.execute(update(sources).where(sources.c.id.in_(gone_from_config)).values(in_config=False))


def _state(row: Row) -> SourceState:
    return SourceState(
        id=row.id, key=row.key, partner_key=row.partner_key, kind=row.kind, url=row.url,
        section=row.section, enabled=row.enabled, etag=row.etag, last_modified=row.last_modified,
        retry_after=row.retry_after, last_fetch_at=row.last_fetch_at,
        last_success_at=row.last_success_at, last_status=row.last_status,
        last_error=row.last_error, consecutive_failures=row.consecutive_failures,
        gone=row.gone, new_items_last_run=row.new_items_last_run,
        last_new_item_at=row.last_new_item_at, created_at=row.created_at,
        items_last_30_days=row.items_last_30_days or 0,
        last_warnings=tuple(str(w) for w in row.last_warnings or ()),
    )


def source_states(conn: Connection, now: datetime, keys: Iterable[str] | None = None,
                  include_removed: bool = False) -> list[SourceState]:
    """The stored state of each source (in config order of insertion), with its item count
    for the last 30 days."""
    recent = (
        select(items.c.source_id, func.count().label("n"))
        .where(items.c.first_seen_at >= now - timedelta(days=30))
        .group_by(items.c.source_id)
        .subquery()
    )
    query = (
        select(sources, recent.c.n.label("items_last_30_days"))
        .outerjoin(recent, recent.c.source_id == sources.c.id)
        .order_by(sources.c.id)
    )
    if not include_removed:
        query = query.where(sources.c.in_config.is_(True))
    if keys is not None:
        query = query.where(sources.c.key.in_(list(keys)))
    return [_state(row) for row in conn.execute(query)]


def record_fetch(conn: Connection, source_id: int, result: FetchOutcome, now: datetime) -> None:
    """Store one fetch: a ``fetch_log`` row and the source's new caching and health state."""
    conn.execute(insert(fetch_log).values(
        source_id=source_id, fetched_at=now, status=result.status, outcome=result.outcome,
        error=result.error, new_items=result.new_items, bytes=result.bytes,
        duration_ms=result.duration_ms, warnings=list(result.warnings) or None))
    if result.outcome == "skipped":
        return
    values: dict[str, object] = {
        "last_fetch_at": now,
        "last_status": result.status,
        "new_items_last_run": result.new_items,
        # replaced on every fetch, so a fixed problem's warning goes away with the next run
        "last_warnings": list(result.warnings) or None,
    }
    if result.outcome in ("ok", "not_modified"):
        values |= {
            "last_success_at": now, "last_error": None, "consecutive_failures": 0,
            "retry_after": None, "gone": False,
            "etag": result.etag, "last_modified": result.last_modified,
        }
        if result.new_items:
            values["last_new_item_at"] = now
    else:
        # The cached validators go: a 304 must never hide a document we could not read.
        values |= {
            "last_error": result.error,
            "consecutive_failures": sources.c.consecutive_failures + 1,
            "retry_after": result.retry_after,
            "etag": None, "last_modified": None,
        }
        if result.gone:
            values["gone"] = True
    conn.execute(update(sources).where(sources.c.id == source_id).values(**values))


def fetch_history(conn: Connection, source_id: int, limit: int = 20) -> list[Row]:
    """The latest fetch_log rows of one source, newest first."""
    return list(conn.execute(
        select(fetch_log).where(fetch_log.c.source_id == source_id)
        .order_by(fetch_log.c.fetched_at.desc(), fetch_log.c.id.desc()).limit(limit)))
