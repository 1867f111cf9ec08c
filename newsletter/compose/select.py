"""Which items may go into an issue (pure): the window, items used before, past events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

from newsletter.models import Candidate
from newsletter.render.env import safe_url


def window_start(now: datetime, last_sent_at: datetime | None, window_days: int) -> datetime:
    """Since the last sent issue of the newsletter, or the last ``window_days`` days."""
    return last_sent_at if last_sent_at is not None else now - timedelta(days=window_days)


def select(items: Sequence[Candidate], *, since: datetime, now: datetime,
           used: Collection[int]) -> list[Candidate]:
    """Items first seen in [since, now], never used in an earlier issue, not removed.

    An upcoming event stays a candidate until it has been in an issue, even if it was added
    before the window (the team often announces events weeks ahead); past events never are.
    """
    chosen = []
    for item in items:
        if item.removed_at is not None or item.id in used:
            continue
        if item.is_event:
            ends = item.event_ends_at or item.event_starts_at
            if ends is not None and ends < now:
                continue
            if item.first_seen_at <= now:
                chosen.append(item)
            continue
        if since <= item.first_seen_at <= now:
            chosen.append(item)
    return chosen


def has_web_link(item: Candidate) -> bool:
    """The email can link the item: an http(s) URL, or an event's http(s) sign-up page.

    Render drops every other scheme (javascript:, data:, ftp:, relative paths), so an item
    without one is left out at compose time, with the reason, instead of silently at render.
    """
    return bool(safe_url(item.url)) or (item.is_event and bool(safe_url(item.signup_url)))


def iso_week_bounds(iso_year: int, iso_week: int) -> tuple[date, date]:
    """Monday and Sunday of an ISO week; raises ValueError for a week the year does not have."""
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    return monday, monday + timedelta(days=6)


def parse_iso_week(text: str) -> tuple[int, int]:
    """``2026-W48`` (or ``2026-48``) -> (2026, 48); a ValueError says what is wrong."""
    cleaned = text.strip().upper().replace("W", "")
    parts = cleaned.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text!r} is not an ISO week; write it as 2026-W48")
    year, week = int(parts[0]), int(parts[1])
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        last = date(year, 12, 28).isocalendar().week
        raise ValueError(f"{year} has ISO weeks 1 to {last}, not {week}") from None
    return year, week
