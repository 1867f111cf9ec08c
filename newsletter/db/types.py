"""Column types and small helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CursorResult, DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend.

    SQLite has no time zones, and PostgreSQL's timestamptz would convert on the way out;
    storing naive UTC everywhere keeps comparisons and ordering identical on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the database; use an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key of the row a single-row INSERT just added."""
    key = result.inserted_primary_key
    if key is None:
        raise ValueError("the statement inserted no row with a primary key")
    return int(key[0])


class Occurrences(TypeDecorator[tuple[Any, ...]]):
    """The dates of a recurring event (issue 12): a JSON list of [start, end] ISO strings in UTC,
    read back as a tuple of ``newsletter.events.Occurrence``."""

    impl = JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> list[list[str | None]] | None:
        if not value:
            return None
        return [[o.starts_at.astimezone(UTC).isoformat(),
                 o.ends_at.astimezone(UTC).isoformat() if o.ends_at else None] for o in value]

    def process_result_value(self, value: Any, dialect: Any) -> tuple[Any, ...]:
        from newsletter.events import Occurrence

        if not value:
            return ()
        return tuple(Occurrence(datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
                     for start, end in value)
