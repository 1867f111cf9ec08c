"""iCalendar feeds (RFC 5545), as municipal and partner calendars publish them (issue 12).

Parsed with ``icalendar``; recurring series (RRULE/RDATE, with EXDATE and RECURRENCE-ID
exceptions) are expanded with ``recurring-ical-events`` over the collect window, one series at
a time and at most ``MAX_OCCURRENCES`` dates each, so one ``FREQ=SECONDLY`` rule cannot eat the
run. Google Calendar exports write times in UTC and name the calendar's zone only in
``X-WR-TIMEZONE``; ``x-wr-timezone`` turns that into standard iCalendar first. Floating times
(no zone at all) are read as Danish time.

One item per event (per UID): a recurring event is one item that carries its dates; compose
shows its next one. Events come soonest first, so ``max_items`` keeps the nearest ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any

from newsletter.collect.markup import header_charset
from newsletter.config import Selectors
from newsletter.errors import ParseError
from newsletter.events import CPH, MAX_OCCURRENCES, EventInfo, Occurrence
from newsletter.models import Entry, Parsed

PAST = timedelta(days=1)  # an event that ended in the last day is still read (and then judged)
AHEAD = timedelta(days=400)  # beyond this no issue will show it; the next collect reads it
TOO_OFTEN = {"SECONDLY", "MINUTELY"}  # no partner event repeats like that; expanding it is costly
_LINK = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)


class IcalKind:
    name = "ical"

    def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        selectors: Selectors | None = None,
        *,
        now: datetime | None = None,
    ) -> Parsed:
        return parse_calendar(body, headers, url, now or datetime.now(UTC))


def decode(body: bytes, headers: Mapping[str, str], url: str) -> tuple[str, list[str]]:
    """RFC 5545 says UTF-8; older exports are often Windows-1252. Returns (text, warnings)."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    declared = header_charset(headers)  # a codec Python knows, or None
    if declared:
        try:
            return body.decode(declared), []
        except UnicodeDecodeError:
            pass
    return body.decode("cp1252", errors="replace"), [
        "the calendar is not UTF-8 as RFC 5545 requires; read it as Windows-1252 (check æ, ø, å)"]


def parse_calendar(body: bytes, headers: Mapping[str, str], url: str, now: datetime) -> Parsed:
    import icalendar
    import x_wr_timezone

    if not body.strip():
        raise ParseError(url, "the response was empty; check the URL in a browser")
    text, warnings = decode(body, headers, url)
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        hint = " (it looks like an HTML page)" if "<html" in text[:2048].lower() else ""
        raise ParseError(url, f"not an iCalendar file: it does not start with BEGIN:VCALENDAR{hint}")
    try:
        calendar = icalendar.Calendar.from_ical(text)
        if calendar.get("X-WR-TIMEZONE"):
            calendar = x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise ParseError(url, f"not a readable iCalendar file: {e}") from e
    site = _calendar_url(calendar, url)
    series: dict[str, list[Any]] = {}
    skipped = cancelled = 0
    for component in calendar.walk("VEVENT"):
        if component.get("DTSTART") is None:
            skipped += 1
            continue
        uid = str(component.get("UID") or "") or _made_uid(component)
        series.setdefault(uid, []).append(component)
    start, end = now - PAST, now + AHEAD
    entries: list[tuple[datetime, Entry]] = []
    broken = 0
    for uid, components in series.items():
        try:
            dated = _occurrences(calendar, components, start, end)
        except Exception:  # noqa: BLE001 - one bad series (a rule we cannot expand) is skipped
            broken += 1
            continue
        live = [(c, o) for c, o in dated if str(c.get("STATUS") or "").upper() != "CANCELLED"]
        if dated and not live:
            # the whole event is cancelled: collect removes it if an earlier run stored it
            cancelled += 1
            entries.append((dated[0][1].starts_at, _entry(uid, dated[:1], site, cancelled=True)))
            continue
        if not live:
            continue
        entries.append((live[0][1].starts_at, _entry(uid, live, site)))
    entries.sort(key=lambda pair: pair[0])
    result = _unique_links([e for _, e in entries])
    if skipped:
        warnings.append(f"{skipped} event{'s' if skipped != 1 else ''} without DTSTART skipped")
    if broken:
        warnings.append(f"{broken} recurring event{'s' if broken != 1 else ''} with a rule that "
                        "cannot be read skipped")
    if not series and not skipped:
        warnings.append("the calendar has no events")
    name = calendar.get("X-WR-CALNAME") or calendar.get("NAME")
    return Parsed(entries=tuple(result), title=str(name) if name else None, warnings=tuple(warnings))


# --- one series ----------------------------------------------------------------------------

def _occurrences(calendar: Any, components: list[Any], start: datetime,
                 end: datetime) -> list[tuple[Any, Occurrence]]:
    """(component, dates) of one UID inside [start, end], at most MAX_OCCURRENCES."""
    recurring = len(components) > 1 or any(
        c.get("RRULE") is not None or c.get("RDATE") is not None for c in components)
    if not recurring:
        component = components[0]
        when = _when(component)
        if when.starts_at < end and (when.ends_at or when.starts_at) > start:
            return [(component, when)]
        return []
    import icalendar
    import recurring_ical_events

    for component in components:
        rule = component.get("RRULE")
        for one in rule if isinstance(rule, list) else [rule] if rule is not None else []:
            if str((one.get("FREQ") or [""])[0]).upper() in TOO_OFTEN:
                raise ValueError("an event that repeats more often than hourly")
    mini = icalendar.Calendar()
    for tz in calendar.walk("VTIMEZONE"):
        mini.add_component(tz)
    for component in components:
        mini.add_component(component)
    found = []
    for occurrence in islice(recurring_ical_events.of(mini).after(start), MAX_OCCURRENCES):
        when = _when(occurrence)
        if when.starts_at >= end:
            break
        found.append((occurrence, when))
    return found


def _when(component: Any) -> Occurrence:
    starts = component.decoded("DTSTART")
    ends = component.decoded("DTEND") if component.get("DTEND") is not None else None
    if ends is None and component.get("DURATION") is not None:
        ends = starts + component.decoded("DURATION")
    if not isinstance(starts, datetime):  # a DATE: an all-day event; DTEND is exclusive
        first = datetime.combine(starts, time(0), CPH)
        last = datetime.combine(ends, time(0), CPH) if isinstance(ends, date) and ends > starts \
            else first + timedelta(days=1)
        return Occurrence(first.astimezone(UTC), last.astimezone(UTC))
    return Occurrence(_aware(starts), _aware(ends) if isinstance(ends, datetime) else None)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:  # floating time: the reader's (Danish) wall clock
        value = value.replace(tzinfo=CPH)
    return value.astimezone(UTC)


def _all_day(component: Any) -> bool:
    return not isinstance(component.decoded("DTSTART"), datetime)


def _text(component: Any, key: str) -> str:
    value = component.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _entry(uid: str, live: list[tuple[Any, Occurrence]], site: str, cancelled: bool = False) -> Entry:
    component, first = live[0]
    description = _text(component, "DESCRIPTION")
    link = _text(component, "URL") or _first_link(description) or ""
    if not link:
        link = f"{site}#event-{hashlib.sha256(uid.encode()).hexdigest()[:12]}"
    stamp = None
    for key in ("LAST-MODIFIED", "DTSTAMP", "CREATED"):
        if component.get(key) is not None:
            value = component.decoded(key)
            if isinstance(value, datetime):
                stamp = _aware(value)
                break
    event = EventInfo(
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        all_day=_all_day(component),
        location=_text(component, "LOCATION") or None,
        uid=uid,
        occurrences=tuple(o for _, o in live) if len(live) > 1 else (),
        cancelled=cancelled,
    )
    return Entry(guid=uid, url=link, title=_text(component, "SUMMARY") or None,
                 summary_html=_as_html(description), published=stamp, event=event)


def _as_html(description: str) -> str | None:
    """DESCRIPTION is plain text (Google's exports put HTML in it): keep tags for the
    sanitiser, turn plain line breaks into <br>."""
    if not description:
        return None
    if "<" in description and ">" in description:
        return description
    escaped = description.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br>")


def _first_link(text: str) -> str | None:
    found = _LINK.search(text or "")
    return found.group(0).rstrip(".,;:") if found else None


def _calendar_url(calendar: Any, url: str) -> str:
    """Where an event without a link of its own points: the calendar's URL (RFC 7986), else
    the home page of the site that publishes it."""
    own = str(calendar.get("URL") or calendar.get("X-ORIGINAL-URL") or "").strip()
    if own.startswith(("http://", "https://")):
        return own.split("#", 1)[0]
    match = re.match(r"(https?://[^/?#]+)", url)
    return (match.group(1) + "/") if match else url


def _made_uid(component: Any) -> str:
    seed = f"{component.get('SUMMARY')}|{component.get('DTSTART').to_ical()!r}"
    return "made-" + hashlib.sha256(seed.encode()).hexdigest()[:16]


def _unique_links(entries: list[Entry]) -> list[Entry]:
    """Several events that share one link (a course page with many dates) stay several items."""
    from dataclasses import replace

    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.url or ""] = counts.get(entry.url or "", 0) + 1
    result = []
    for entry in entries:
        url = entry.url or ""
        if counts[url] > 1 and "#" not in url:
            digest = hashlib.sha256((entry.guid or "").encode()).hexdigest()[:12]
            entry = replace(entry, url=f"{url}#event-{digest}")
        result.append(entry)
    return result
