"""Events (issue 12): the event model every stage shares, the rules of time, and the `.ics` writer.

An item is an event when it has a start, however it arrived (an iCalendar feed, schema.org
``Event`` JSON-LD on a page, the event selectors of an html source, or the team's curate
command). ``EventInfo`` is what collect and curate store; compose decides with
``next_occurrence`` against the issue's planned send time (``send_moment``); render and the
web app show an ``Event`` and write it as iCalendar (``to_ics``) or as "add to calendar" links.

Times are aware datetimes in UTC everywhere; they are shown in Europe/Copenhagen. An all-day
event starts at local midnight and ends at local midnight of the day after its last day (the
iCalendar convention: DTEND of a DATE is exclusive).

This module imports nothing from the stages, so models, collect, compose, render and web can
all use it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from newsletter.models import Candidate

CPH = ZoneInfo("Europe/Copenhagen")
TZID = "Europe/Copenhagen"
MAX_OCCURRENCES = 60  # of a recurring event, stored per item (about a year of a weekly event)
LOCATION_CHARS = 200


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime
    ends_at: datetime | None = None


@dataclass(frozen=True)
class EventInfo:
    """What makes an item an event, as collect and curate store it (aware UTC datetimes).

    ``occurrences`` lists the dates of a recurring event inside the collect window (the first
    one is ``starts_at``/``ends_at``); empty for a one-off event.
    """

    starts_at: datetime
    ends_at: datetime | None = None
    all_day: bool = False
    location: str | None = None
    signup_url: str | None = None
    uid: str | None = None
    occurrences: tuple[Occurrence, ...] = ()
    cancelled: bool = False  # the calendar says STATUS:CANCELLED: never shown, a stored one is removed


@dataclass(frozen=True)
class Event:
    """One event as a reader sees it: one date (the next one of a recurring event)."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool = False
    location: str = ""
    url: str = ""
    description: str = ""
    signup_url: str = ""
    recurring: bool = False


# --- time rules (pure) -----------------------------------------------------------------------

def effective_end(starts_at: datetime, ends_at: datetime | None, all_day: bool = False) -> datetime:
    """When an event is over: its end, the end of its day when it is all-day, else its start."""
    if ends_at is not None and ends_at >= starts_at:
        return ends_at
    if all_day:
        local = starts_at.astimezone(CPH).date() + timedelta(days=1)
        return datetime.combine(local, time(0), CPH).astimezone(UTC)
    return starts_at


def occurrences_of(starts_at: datetime, ends_at: datetime | None,
                   occurrences: Sequence[Occurrence] = ()) -> tuple[Occurrence, ...]:
    return tuple(occurrences) or (Occurrence(starts_at, ends_at),)


def next_occurrence(starts_at: datetime | None, ends_at: datetime | None, all_day: bool,
                    occurrences: Sequence[Occurrence], after: datetime) -> Occurrence | None:
    """The first date of the event that is not over at ``after``; None when all are past."""
    if starts_at is None:
        return None
    for when in sorted(occurrences_of(starts_at, ends_at, occurrences), key=lambda o: o.starts_at):
        if effective_end(when.starts_at, when.ends_at, all_day) > after:
            return when
    return None


def candidate_occurrence(item: Candidate, after: datetime) -> Occurrence | None:
    return next_occurrence(item.event_starts_at, item.event_ends_at, item.event_all_day,
                           item.event_occurrences, after)


def send_moment(issue_date: date, send_day: str) -> datetime:
    """The planned send time of an issue: its date at the clock of ``send_day`` ("thu 08:00"),
    Danish time, in UTC. Events are judged against this, not the moment of drafting (issue 8);
    the deadlines and the workspace use it too. The config has checked ``send_day``."""
    hour, minute = send_day.split()[1].replace(".", ":").split(":")
    return datetime.combine(issue_date, time(int(hour), int(minute)), CPH).astimezone(UTC)


# --- one Event from what is stored -----------------------------------------------------------

def make_uid(item_id: int, stored_uid: str | None, host: str, occurrence: datetime | None = None) -> str:
    """Stable per event: the partner's own UID when the event came from a calendar, else the
    item; one date of a recurring event gets the date appended (RFC 5545 3.8.4.7)."""
    base = stored_uid or f"item-{item_id}@{host or 'newsletter'}"
    if occurrence is None:
        return base
    return f"{base}-{occurrence.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def event_of(item: Candidate, after: datetime, host: str, *, title: str | None = None,
             description: str | None = None) -> Event | None:
    """The reader's view of an item at ``after``: its next date; None when it is over."""
    when = candidate_occurrence(item, after)
    if when is None:
        return None
    recurring = len(item.event_occurrences) > 1
    return Event(
        uid=make_uid(item.id, item.event_uid, host, when.starts_at if recurring else None),
        title=title if title is not None else item.title,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        all_day=item.event_all_day,
        location=item.event_location or "",
        url=item.url,
        description=description if description is not None else item.summary_text,
        signup_url=item.signup_url or "",
        recurring=recurring,
    )


# --- how a date and a time read in Danish ----------------------------------------------------

def clock(value: datetime, language: str = "da") -> str:
    """``9.00`` (da, Retskrivningsordbogen) / ``9:00`` (en), local time."""
    local = value.astimezone(CPH)
    return f"{local.hour}{'.' if language == 'da' else ':'}{local.minute:02d}"


def time_range(event: Event, language: str = "da") -> str:
    """``kl. 9.00–16.00``, ``kl. 9.00`` or "" for an all-day event or a date without a time."""
    if event.all_day:
        return ""
    start = event.starts_at.astimezone(CPH)
    if (start.hour, start.minute) == (0, 0) and event.ends_at is None:
        return ""
    prefix = "kl.\u00a0" if language == "da" else ""  # "kl." never ends a line
    text = prefix + clock(event.starts_at, language)
    if event.ends_at is not None and event.ends_at > event.starts_at:
        end = event.ends_at.astimezone(CPH)
        if end.date() == start.date():
            text += "–" + clock(event.ends_at, language)
    return text


def last_day(event: Event) -> date:
    """The last calendar day of the event (an all-day DTEND is exclusive)."""
    start = event.starts_at.astimezone(CPH).date()
    if event.ends_at is None or event.ends_at <= event.starts_at:
        return start
    end = event.ends_at.astimezone(CPH)
    day = end.date()
    if (event.all_day or (end.hour, end.minute) == (0, 0)) and day > start:
        day -= timedelta(days=1)
    return max(day, start)


# --- iCalendar (RFC 5545) --------------------------------------------------------------------

def _utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def to_ics(events: Iterable[Event], *, name: str = "", now: datetime | None = None,
           url: str = "") -> bytes:
    """An iCalendar document with one VEVENT per event, times in Europe/Copenhagen with its
    VTIMEZONE, so a calendar shows the Danish time whatever the reader's own zone."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Trekantomraadet Danmark//Nyhedsbrev//DA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    if url:
        cal.add("url", url)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    timed = False
    for event in events:
        vevent = icalendar.Event()
        vevent.add("uid", event.uid)
        vevent.add("dtstamp", stamp)
        vevent.add("summary", event.title)
        if event.all_day:
            first = event.starts_at.astimezone(CPH).date()
            vevent.add("dtstart", first)
            vevent.add("dtend", last_day(event) + timedelta(days=1))
        else:
            timed = True
            vevent.add("dtstart", event.starts_at.astimezone(CPH))
            end = event.ends_at if event.ends_at and event.ends_at > event.starts_at else event.starts_at
            vevent.add("dtend", end.astimezone(CPH))
        if event.location:
            vevent.add("location", event.location)
        if event.url:
            vevent.add("url", event.url)
        description = event.description
        if event.signup_url and event.signup_url != event.url:
            description = (description + "\n\n" if description else "") + f"Tilmelding: {event.signup_url}"
        if description:
            vevent.add("description", description)
        cal.add_component(vevent)
    if timed:
        cal.add_missing_timezones()
    return bytes(cal.to_ical())


def parse_ics_events(body: bytes) -> list[dict[str, Any]]:
    """Read back what ``to_ics`` wrote (tests and the team's own checks): one dict per VEVENT."""
    import icalendar

    cal = icalendar.Calendar.from_ical(body)
    found = []
    for component in cal.walk("VEVENT"):
        found.append({key.lower(): component.decoded(key) for key in component if key != "DTSTAMP"})
    return found


# --- "Tilføj til kalender" links -------------------------------------------------------------

def _all_day_range(event: Event) -> tuple[date, date]:
    first = event.starts_at.astimezone(CPH).date()
    return first, last_day(event) + timedelta(days=1)


def _details(event: Event, limit: int = 200) -> str:
    # short: two of these links per event count against Gmail's ~102 KB clip; the link says the rest
    text = event.description if len(event.description) <= limit else event.description[:limit - 1].rstrip() + "…"
    link = event.signup_url or event.url
    return f"{text}\n\n{link}".strip() if link else text


def google_calendar_url(event: Event) -> str:
    """Google Calendar's template link (calendar.google.com/calendar/render?action=TEMPLATE)."""
    if event.all_day:
        first, after = _all_day_range(event)
        dates = f"{first:%Y%m%d}/{after:%Y%m%d}"
    else:
        end = event.ends_at if event.ends_at and event.ends_at > event.starts_at else event.starts_at
        dates = f"{_utc_stamp(event.starts_at)}/{_utc_stamp(end)}"
    query = {"action": "TEMPLATE", "text": event.title, "dates": dates, "ctz": TZID,
             "details": _details(event), "location": event.location}
    return "https://calendar.google.com/calendar/render?" + urlencode(
        {k: v for k, v in query.items() if v}, quote_via=quote)


def outlook_calendar_url(event: Event) -> str:
    """Outlook.com's compose deep link (outlook.live.com/calendar/0/action/compose)."""
    if event.all_day:
        first, after = _all_day_range(event)
        start, end, all_day = first.isoformat(), after.isoformat(), "true"
    else:
        finish = event.ends_at if event.ends_at and event.ends_at > event.starts_at else event.starts_at
        start = event.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = finish.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        all_day = "false"
    query = {"path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
             "startdt": start, "enddt": end, "allday": all_day, "body": _details(event),
             "location": event.location}
    return "https://outlook.live.com/calendar/0/action/compose?" + urlencode(
        {k: v for k, v in query.items() if v}, quote_via=quote)


# --- signed .ics links (the web app serves them) --------------------------------------------

def ics_token(secret_key: str, item_id: int) -> str:
    """A short HMAC of the item id: only links we wrote open an item's .ics, so a draft's
    items cannot be listed by counting ids."""
    digest = hmac.new(secret_key.encode(), f"event-ics:{item_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def ics_path(secret_key: str, item_id: int) -> str:
    return f"/arrangementer/{item_id}-{ics_token(secret_key, item_id)}.ics"


def check_ics_name(secret_key: str, name: str) -> int | None:
    """The item id of ``12-<token>.ics`` when the token is ours, else None."""
    stem = name.removesuffix(".ics")
    number, _, token = stem.partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    item_id = int(number)
    return item_id if hmac.compare_digest(token, ics_token(secret_key, item_id)) else None


def host_of(base_url: str) -> str:
    return urlsplit(base_url).hostname or "newsletter"
