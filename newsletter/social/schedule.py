"""When each post goes out: slots from feeds.yaml (``social.schedule``), pure (issue 10).

A slot is ``"tue 09:30"``, ``"mon-fri 12:00"`` or ``"mon,wed,fri 10:00"`` in Danish time.
Posts of one network take its slots in order from ``start_days_after`` days after the issue's
date, one post per slot, the issue's own post first; Saturdays and Sundays are skipped unless
``weekends: true``. Times are returned in UTC (storage), computed in Europe/Copenhagen, so a
slot stays 09:30 across the change to and from summer time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_slot(slot: str) -> tuple[frozenset[int], time]:
    """``"mon-fri 12:00"`` -> ({0, 1, 2, 3, 4}, 12:00); weekday numbers as ``date.weekday()``."""
    days_part, clock = slot.strip().lower().split()
    days: set[int] = set()
    for piece in days_part.split(","):
        first, _, last = piece.partition("-")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    hour, minute = clock.split(":")
    return frozenset(days), time(int(hour), int(minute))


def slots_from(start: date, slots: tuple[str, ...], weekends: bool, timezone: str) -> Iterator[datetime]:
    """Every slot time from ``start`` on, in order, as aware UTC datetimes."""
    zone = ZoneInfo(timezone)
    parsed = [parse_slot(s) for s in slots]
    day = start
    for _ in range(366):  # a year of days is far more than any week of posts needs
        if weekends or day.weekday() < 5:
            times = sorted({t for days, t in parsed if day.weekday() in days})
            for at in times:
                yield datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        day += timedelta(days=1)


def plan(issue_date: date, count: int, slots: tuple[str, ...], *, weekends: bool = False,
         timezone: str = "Europe/Copenhagen", start_days_after: int = 1,
         not_before: datetime | None = None, taken: frozenset[datetime] = frozenset()) -> list[datetime]:
    """``count`` planned times: the first free slots after the issue, none before ``not_before``."""
    result: list[datetime] = []
    if count <= 0:
        return result
    for at in slots_from(issue_date + timedelta(days=start_days_after), slots, weekends, timezone):
        if (not_before is not None and at < not_before) or at in taken:
            continue
        result.append(at)
        if len(result) == count:
            break
    return result
