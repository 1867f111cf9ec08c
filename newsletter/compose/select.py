"""Which items may go into an issue (pure): the window, items used before, past events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from newsletter.events import candidate_occurrence
from newsletter.models import Candidate
from newsletter.render.env import safe_url

ENDED_BEFORE_SEND = "ends before the send time"


def window_start(now: datetime, last_sent_at: datetime | None, window_days: int) -> datetime:
    """Since the last sent issue of the newsletter, or the last ``window_days`` days."""
    return last_sent_at if last_sent_at is not None else now - timedelta(days=window_days)


def select(items: Sequence[Candidate], *, since: datetime, now: datetime,
           used: Collection[int], send_at: datetime | None = None,
           ahead: timedelta | None = None) -> list[Candidate]:
    """Items first seen in [since, now], never used in an earlier issue, not removed.

    An upcoming event stays a candidate until it has been in an issue, even if it was added
    before the window (the team often announces events weeks ahead). Events are judged at the
    issue's planned send time ``send_at`` (issue 8: a W50 issue sent on 10 December does not
    list an event on 3 December), not at the moment of drafting: one that is over by then is
    never chosen, one that starts more than ``ahead`` after it waits for a later issue (unless
    the team pinned it), and a recurring event stands for its next date.
    """
    judge = max(send_at or now, now)
    chosen = []
    for item in items:
        if item.removed_at is not None or item.id in used:
            continue
        if item.is_event:
            when = candidate_occurrence(item, judge)
            if when is None or item.first_seen_at > now:
                continue
            if ahead is not None and when.starts_at > judge + ahead and not item.pinned:
                continue  # waits for a later issue; a pinned event is the team's choice now
            chosen.append(replace(item, event_starts_at=when.starts_at, event_ends_at=when.ends_at))
            continue
        if since <= item.first_seen_at <= now:
            chosen.append(item)
    return chosen


def ended_before_send(items: Sequence[Candidate], *, now: datetime, send_at: datetime,
                      used: Collection[int]) -> list[Candidate]:
    """Events still on when the draft is made but over by the planned send time: compose keeps
    them in the draft as left out, with ``ENDED_BEFORE_SEND`` as the reason, so the team sees
    why a partner's event is missing."""
    if send_at <= now:
        return []
    return [item for item in items
            if item.is_event and item.removed_at is None and item.id not in used
            and item.first_seen_at <= now
            and candidate_occurrence(item, now) is not None
            and candidate_occurrence(item, send_at) is None]


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
