"""The pure event rules (issue 12): reading calendars, times in Danish, the send-time window,
one event from two partners, and the .ics writer read back with icalendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from newsletter import events
from newsletter.collect.kinds.ical import parse_calendar
from newsletter.compose.cluster import cluster
from newsletter.compose.select import ended_before_send, select
from newsletter.errors import ParseError
from newsletter.events import CPH, Event, Occurrence
from newsletter.models import Candidate
from tests.events.conftest import COLLECT_AT, DATA, DRAFT_AT, SEND_AT


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


def read(name: str, url: str = "https://cal.example.dk/kalender.ics"):  # type: ignore[no-untyped-def]
    return parse_calendar((DATA / name).read_bytes(), {}, url, COLLECT_AT)


def by_title(parsed):  # type: ignore[no-untyped-def]
    return {e.title: e for e in parsed.entries}


def test_time_zones_utc_other_zones_floating_and_summer_time():
    found = by_title(read("timezones.ics"))
    assert found["UTC-tid: kl. 9 i Danmark"].event.starts_at == local(2026, 12, 7, 9, 0)
    assert found["Webinar fra New York"].event.starts_at == local(2026, 12, 8, 15, 0)
    assert found["Flydende tid læses som dansk tid"].event.starts_at == local(2026, 12, 9, 13, 0)
    assert found["Sommertid"].event.starts_at == local(2027, 6, 10, 9, 0)
    assert found["Outlook-eksport med Windows-zonenavn"].event.starts_at == local(2026, 12, 11, 9, 0)


def test_all_day_events_end_at_midnight_after_their_last_day():
    found = by_title(read("all-day.ics"))
    one = found["Industriens Dag"].event
    assert one.all_day and (one.starts_at, one.ends_at) == (local(2026, 12, 10, 0, 0), local(2026, 12, 11, 0, 0))
    assert found["Messe over tre dage"].event.ends_at == local(2026, 12, 17, 0, 0)
    assert found["Uden slutdato"].event.ends_at == local(2026, 12, 19, 0, 0)


def test_google_export_uses_x_wr_timezone_across_the_dst_change():
    parsed = read("google-export.ics")
    assert parsed.title == "DIMA kurser"
    entry = parsed.entries[0]
    assert entry.url == "https://www.dima.dk/kurser/robot"  # the link in its HTML description
    clocks = {o.starts_at.astimezone(CPH).strftime("%H:%M") for o in entry.event.occurrences}
    assert clocks == {"09:00"}  # winter and summer time alike
    assert entry.event.occurrences[-1].starts_at == local(2027, 4, 15, 9, 0)
    # without the quirk handled the April dates would be 10:00: the test data really has it
    raw = (DATA / "google-export.ics").read_bytes().replace(b"X-WR-TIMEZONE:Europe/Copenhagen\r\n", b"")
    naive = parse_calendar(raw, {}, "https://x.dk/k.ics", COLLECT_AT).entries[0].event
    assert naive.occurrences[-1].starts_at.astimezone(CPH).hour == 10


def test_recurring_exceptions_and_a_flood_rule_refused():
    parsed = read("recurring.ics")
    assert [e.title for e in parsed.entries] == ["Morgenmøde for iværksættere"]
    dates = [o.starts_at.astimezone(CPH).strftime("%d/%m %H:%M") for o in parsed.entries[0].event.occurrences]
    assert dates == ["01/12 08:30", "16/12 09:00", "29/12 08:30", "05/01 08:30", "12/01 08:30", "19/01 08:30"]
    assert parsed.warnings == ("1 recurring event with a rule that cannot be read skipped",)


def test_not_a_calendar_and_empty_body_are_parse_errors():
    with pytest.raises(ParseError, match="not an iCalendar file"):
        read("not-a-calendar.ics")
    with pytest.raises(ParseError, match="empty"):
        parse_calendar(b"  ", {}, "https://x.dk/k.ics", COLLECT_AT)


def test_a_calendar_far_in_the_past_gives_no_entries_and_events_come_soonest_first():
    parsed = read("partner-calendar.ics")
    starts = [e.event.starts_at for e in parsed.entries]
    assert starts == sorted(starts) and "Netværksmøde i november" not in by_title(parsed)


# --- Danish times and the send time ---------------------------------------------------------

def event(start: datetime, end: datetime | None = None, all_day: bool = False) -> Event:
    return Event(uid="u", title="Industriens Dag", starts_at=start.astimezone(UTC),
                 ends_at=end.astimezone(UTC) if end else None, all_day=all_day, location="Kolding")


def test_danish_clock_and_ranges():
    assert events.time_range(event(local(2026, 12, 3, 9, 0), local(2026, 12, 3, 16, 0))) == "kl.\u00a09.00–16.00"
    assert events.time_range(event(local(2026, 12, 3, 8, 30))) == "kl.\u00a08.30"
    assert events.time_range(event(local(2026, 12, 3, 9, 0), local(2026, 12, 3, 16, 0)), "en") == "9:00–16:00"
    assert events.time_range(event(local(2026, 12, 3, 0, 0), local(2026, 12, 4, 0, 0), all_day=True)) == ""


def test_send_moment_is_the_issue_date_at_the_send_clock():
    assert events.send_moment(date(2026, 12, 10), "thu 08:00") == SEND_AT
    assert events.send_moment(date(2026, 7, 2), "thu 7.30") == datetime(2026, 7, 2, 5, 30, tzinfo=UTC)


def candidate(n: int, title: str, start: datetime, end: datetime | None = None, *, partner: str = "a",
              occurrences: tuple[Occurrence, ...] = (), text: str = "") -> Candidate:
    return Candidate(id=n, origin="feed", partner_key=partner, section="arrangementer",
                     url=f"https://{partner}.dk/{n}", canonical_url=f"https://{partner}.dk/{n}", title=title,
                     summary_text=text, published_at=COLLECT_AT, first_seen_at=COLLECT_AT,
                     event_starts_at=start.astimezone(UTC), event_ends_at=end.astimezone(UTC) if end else None,
                     event_occurrences=occurrences)


def test_select_judges_at_the_send_time_and_waits_with_far_events():
    early = candidate(1, "3. december", local(2026, 12, 3, 9, 0), local(2026, 12, 3, 16, 0))
    on_time = candidate(2, "10. december", local(2026, 12, 10, 9, 0))
    far = candidate(3, "Til foråret", local(2027, 3, 1, 9, 0))
    weekly = candidate(4, "Ugentligt", local(2026, 12, 2, 9, 0), occurrences=tuple(
        Occurrence((local(2026, 12, 2, 9, 0) + timedelta(weeks=w)).astimezone(UTC)) for w in range(4)))
    chosen = select([early, on_time, far, weekly], since=DRAFT_AT - timedelta(days=7), now=DRAFT_AT,
                    used=set(), send_at=SEND_AT, ahead=timedelta(weeks=8))
    assert [c.id for c in chosen] == [2, 4]
    pinned = select([replace(far, pinned=True)], since=DRAFT_AT, now=DRAFT_AT, used=set(), send_at=SEND_AT,
                    ahead=timedelta(weeks=8))
    assert [c.id for c in pinned] == [3]  # the team pinned it: shown now
    assert chosen[1].event_starts_at == local(2026, 12, 16, 9, 0)  # the weekly event's next date
    # drafting on the send day itself changes nothing; without a send time the draft moment rules
    assert [c.id for c in select([early], since=DRAFT_AT, now=DRAFT_AT, used=set())] == [1]
    assert [c.id for c in ended_before_send([early, on_time, far], now=DRAFT_AT, send_at=SEND_AT, used=set())] == [1]


def test_one_event_from_two_partners_is_one_event_two_dates_are_two():
    a = candidate(1, "Eksportmorgen: nye markeder i Tyskland", local(2026, 12, 11, 9, 0), partner="kolding")
    b = candidate(2, "Eksportmorgen – nye markeder i Tyskland", local(2026, 12, 11, 9, 0), partner="fredericia")
    c = candidate(3, "Eksportmorgen: nye markeder i Tyskland", local(2026, 12, 18, 9, 0), partner="kolding")
    text = "Morgenmøde for iværksættere med oplæg, kaffe og netværk i Iværksætterhuset i Vejle hver måned."
    d = candidate(4, "Morgenmøde", local(2027, 1, 5, 8, 30), text=text)
    e = candidate(5, "Morgenmøde", local(2027, 2, 2, 8, 30), text=text)
    groups = cluster([a, b, c, d, e])
    assert [(g.lead.id, [o.id for o in g.others]) for g in groups] == [(1, [2]), (3, []), (4, []), (5, [])]


# --- the .ics writer and the calendar links ------------------------------------------------

def test_ics_round_trip_timed_and_all_day():
    timed = event(local(2026, 12, 10, 9, 0), local(2026, 12, 10, 16, 0))
    all_day = Event(uid="messe@x", title="Messe", starts_at=local(2026, 12, 14, 0, 0).astimezone(UTC),
                    ends_at=local(2026, 12, 17, 0, 0).astimezone(UTC), all_day=True,
                    url="https://x.dk/messe", description="Tre dage; æøå", signup_url="https://x.dk/tilmeld")
    cal = icalendar.Calendar.from_ical(events.to_ics([timed, all_day], name="Arrangementer"))
    first, second = cal.walk("VEVENT")
    assert first.decoded("DTSTART") == local(2026, 12, 10, 9, 0) and str(first.decoded("DTSTART").tzinfo) == "Europe/Copenhagen"
    assert first.decoded("DTEND") == local(2026, 12, 10, 16, 0) and str(first["LOCATION"]) == "Kolding"
    assert (second.decoded("DTSTART"), second.decoded("DTEND")) == (date(2026, 12, 14), date(2026, 12, 17))
    assert str(second["DESCRIPTION"]) == "Tre dage; æøå\n\nTilmelding: https://x.dk/tilmeld"
    assert str(cal["X-WR-CALNAME"]) == "Arrangementer"
    assert len(cal.walk("VTIMEZONE")) == 1


def test_google_and_outlook_links():
    timed = event(local(2026, 12, 10, 9, 0), local(2026, 12, 10, 16, 0))
    google = parse_qs(urlsplit(events.google_calendar_url(timed)).query)
    assert google["action"] == ["TEMPLATE"] and google["text"] == ["Industriens Dag"]
    assert google["dates"] == ["20261210T080000Z/20261210T150000Z"] and google["location"] == ["Kolding"]
    outlook = urlsplit(events.outlook_calendar_url(timed))
    assert outlook.netloc == "outlook.live.com"
    query = parse_qs(outlook.query)
    assert query["startdt"] == ["2026-12-10T08:00:00Z"] and query["enddt"] == ["2026-12-10T15:00:00Z"]
    assert query["subject"] == ["Industriens Dag"] and query["allday"] == ["false"]
    day = event(local(2026, 12, 14, 0, 0), local(2026, 12, 17, 0, 0), all_day=True)
    assert parse_qs(urlsplit(events.google_calendar_url(day)).query)["dates"] == ["20261214/20261217"]
    assert parse_qs(urlsplit(events.outlook_calendar_url(day)).query)["allday"] == ["true"]


def test_ics_names_are_signed():
    name = events.ics_path("hemmelig", 42).rsplit("/", 1)[1]
    assert events.check_ics_name("hemmelig", name) == 42
    assert events.check_ics_name("en-anden-nøgle", name) is None
    assert events.check_ics_name("hemmelig", "43-" + name.split("-", 1)[1]) is None


def test_discovery_knows_calendars():
    from newsletter.collect.discover import find_feeds, kind_for_document

    page = b'<html><head><link rel="alternate" type="text/calendar" title="Arrangementer" href="/kalender.ics"></head></html>'
    [found] = find_feeds(page, "https://www.dima.dk/")
    assert (found.url, found.kind) == ("https://www.dima.dk/kalender.ics", "ical")
    assert kind_for_document((DATA / "google-export.ics").read_bytes()) == "ical"
