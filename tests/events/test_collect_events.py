"""Issue 12 end to end: partners' calendars and event pages on a local server -> collect ->
the W50 draft -> the rendered email. Events are judged at the planned send time (issue 8 §9)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import lxml.html
from sqlalchemy import select

from newsletter import review
from newsletter.collect import collect
from newsletter.compose.select import ENDED_BEFORE_SEND
from newsletter.db.schema import items
from newsletter.render import render_issue
from tests.collect.helpers import log_rows
from tests.events.conftest import COLLECT_AT, DATA, ICS, conditional


def placed_by_title(db, issue_id):
    _, placed = review.get(db, issue_id)
    return {p.title: p for p in placed}


def stored_event(db, title):
    with db.connect() as conn:
        return conn.execute(select(items).where(items.c.title == title)).one()


def test_calendars_and_event_pages_become_dated_events_in_the_database(db, w50):
    kolding = stored_event(db, "Eksportmorgen: nye markeder i Tyskland")
    assert kolding.event_starts_at == datetime(2026, 12, 11, 8, 0, tzinfo=UTC)
    assert kolding.event_ends_at == datetime(2026, 12, 11, 11, 0, tzinfo=UTC)
    assert kolding.event_location == "Business Kolding, Kolding Åpark 1"
    assert kolding.event_uid == "20261211-eksport@businesskolding.dk"
    assert kolding.summary_text == "Erfaringer fra tre produktionsvirksomheder & et oplæg fra Eksportrådet. Gratis morgenmad."
    # JSON-LD: place with its address, the offer's URL as the sign-up link
    dag = stored_event(db, "Industriens Dag 2026")
    assert dag.event_location == "Lalandia Billund, Ellehammers Allé 5, 7190 Billund"
    assert dag.signup_url.endswith("/arrangementer/industriens-dag/tilmelding")
    assert dag.event_starts_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    # one page with several events: one item each; the cancelled one is never read
    lean = stored_event(db, "Kursus: Lean i praksis")
    assert lean.event_all_day and lean.event_location == "Online"
    assert stored_event(db, "Generationsskifte i familieejede virksomheder").url == \
        "https://www.udviklingvejen.dk/arrangementer/generationsskifte"
    with db.connect() as conn:
        titles = set(conn.scalars(select(items.c.title)))
    assert not any("Aflyst" in t for t in titles)
    # invalid JSON-LD, and an Event without startDate: the page is still an item, not an event
    with db.connect() as conn:
        page = conn.execute(select(items).where(items.c.url.like("%/netvaerk"))).one()
    assert page.event_starts_at is None
    assert page.title == "Netværksmøde for ledere · Middelfart Erhvervscenter"  # not the dateless Event's name
    # html selectors: "kl. 13.00-16.30" gives both times; an end that is only "18.30" takes the day
    havn = stored_event(db, "Havnedag for erhvervslivet")
    assert (havn.event_starts_at, havn.event_ends_at) == (datetime(2026, 12, 17, 12, 0, tzinfo=UTC),
                                                         datetime(2026, 12, 17, 15, 30, tzinfo=UTC))
    assert havn.event_location == "Fredericia Havn, Vesthavnen"
    kur = stored_event(db, "Nytårskur 2027")
    assert kur.event_ends_at == datetime(2027, 1, 7, 17, 30, tzinfo=UTC)
    # a recurring event is one item with its dates: EXDATE gone, the moved date moved, cancelled gone
    meeting = stored_event(db, "Morgenmøde for iværksættere")
    dates = [o.starts_at.strftime("%m-%d %H:%M") for o in meeting.event_occurrences]
    assert dates == ["12-01 07:30", "12-16 08:00", "12-29 07:30", "01-05 07:30", "01-12 07:30", "01-19 07:30"]


def test_the_w50_draft_judges_events_at_the_send_time_not_the_drafting_moment(db, w50):
    placed = placed_by_title(db, w50)
    # 3 December: still ahead when the draft is made on 1 December, over by 10 December
    assert placed["Virksomhedsdag i Kolding"].included is False
    assert placed["Virksomhedsdag i Kolding"].reason == ENDED_BEFORE_SEND
    # 07:00-08:00 on the send day: over at the 08:00 send
    assert placed["Tidlig kaffe med borgmesteren"].reason == ENDED_BEFORE_SEND
    assert placed["Generationsskifte i familieejede virksomheder"].reason == ENDED_BEFORE_SEND
    # past before the draft: not even listed; more than 8 weeks ahead: waits for a later issue
    assert "Netværksmøde i november" not in placed and "Oktobermøde" not in placed
    assert "Jobmesse for produktionsfag" not in placed
    events = [p for p in placed.values() if p.included and p.section == "arrangementer"]
    assert {p.title for p in events} == {
        "Industriens Dag 2026", "Robotprogrammering for operatører", "Eksportmorgen: nye markeder i Tyskland",
        "Kursus: Lean i praksis", "Morgenmøde for iværksættere", "Havnedag for erhvervslivet", "Nytårskur 2027"}
    # the same event from two partners is one event
    assert placed["Eksportmorgen: nye markeder i Tyskland"].also_by == ("business-fredericia",)
    # events by (next) date: the two on 10 December, then 11 December, ..., 7 January last
    order = [p.title for p in sorted(events, key=lambda p: p.position)]
    assert set(order[:2]) == {"Industriens Dag 2026", "Robotprogrammering for operatører"}
    assert order[2:] == ["Eksportmorgen: nye markeder i Tyskland", "Kursus: Lean i praksis",
                         "Morgenmøde for iværksættere", "Havnedag for erhvervslivet", "Nytårskur 2027"]


def test_the_email_shows_event_cards_with_date_time_place_and_calendar_links(db, network, w50):
    rendered = render_issue(db, network.config, w50).rendered
    doc = lxml.html.fromstring(rendered.html)
    body = " ".join(doc.text_content().split())
    assert "torsdag 10. december · kl. 9.00–16.00 · Lalandia Billund, Ellehammers Allé 5, 7190 Billund" in body
    # the recurring meeting shows its next date after the send time (15th moved to the 16th)
    assert "onsdag 16. december · kl. 9.00–10.30 · Iværksætterhuset, Vejle" in body
    # Google's UTC times read in X-WR-TIMEZONE: 09:00 Danish time
    assert "torsdag 10. december · kl. 9.00–12.30 · DIMA, Fredericia" in body
    assert "tirsdag 15. december–onsdag 16. december · Online" in body  # all-day, two days
    assert "Business Kolding · Også omtalt af Business Fredericia" in body
    assert "Virksomhedsdag" not in body and "Tidlig kaffe" not in body
    signup = [a.get("href") for a in doc.iter("a") if "Tilmeld dig" in a.text_content()]
    assert any("/arrangementer/industriens-dag/tilmelding" in href for href in signup)
    ics = [a.get("href") for a in doc.iter("a") if a.text_content() == "Kalenderfil"]
    google = [a.get("href") for a in doc.iter("a") if a.text_content() == "Google"]
    outlook = [a.get("href") for a in doc.iter("a") if a.text_content() == "Outlook.com"]
    assert len(ics) == len(google) == len(outlook) == 7
    assert all(h.startswith("https://nyhedsbrev.example.dk/arrangementer/") and h.endswith(".ics") for h in ics)
    dag = next(parse_qs(urlsplit(h).query) for h in google if "Industriens" in h)
    assert dag["dates"] == ["20261210T080000Z/20261210T150000Z"] and dag["ctz"] == ["Europe/Copenhagen"]
    assert dag["location"] == ["Lalandia Billund, Ellehammers Allé 5, 7190 Billund"]
    assert "kl.\u00a09.00–16.00" in rendered.text and "Tilføj til kalender: https://nyhedsbrev.example.dk/arrangementer/" in rendered.text


def test_a_calendar_is_fetched_with_a_conditional_get_and_moved_or_cancelled_events_follow(db, network, http_server, w50):
    later = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    report = collect(db, network.config, only=["bk-kalender"], now=later)
    assert report.sources[0].outcome == "not_modified"
    assert http_server.requests_to("/kolding/kalender.ics")[-1].headers.get("If-None-Match") == '"v1"'
    moved = (DATA / "partner-calendar.ics").read_bytes().replace(
        b"DTSTART;TZID=Europe/Copenhagen:20261211T090000", b"DTSTART;TZID=Europe/Copenhagen:20261212T100000").replace(
        b"DTEND;TZID=Europe/Copenhagen:20261211T120000", b"DTEND;TZID=Europe/Copenhagen:20261212T130000")
    http_server.add("/kolding/kalender.ics", handler=conditional(moved, '"v2"'))
    report = collect(db, network.config, only=["bk-kalender"], now=datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    assert report.sources[0].outcome == "ok" and report.sources[0].new_items == 0
    assert stored_event(db, "Eksportmorgen: nye markeder i Tyskland").event_starts_at == \
        datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
    # the partner cancels it: removed, so no issue shows it again
    cancelled = moved.replace(b"SUMMARY:Eksportmorgen", b"STATUS:CANCELLED\r\nSUMMARY:Eksportmorgen")
    http_server.add("/kolding/kalender.ics", handler=conditional(cancelled, '"v3"'))
    collect(db, network.config, only=["bk-kalender"], now=datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    assert stored_event(db, "Eksportmorgen: nye markeder i Tyskland").removed_at is not None


def test_broken_calendars_fail_alone_with_a_clear_reason(db, http_server, make_config):
    base = http_server.base_url
    http_server.add("/html.ics", (DATA / "not-a-calendar.ics").read_bytes(), content_type="text/html")
    http_server.add("/latin.ics", (DATA / "windows-1252.ics").read_bytes(), content_type="text/calendar")
    http_server.add("/missing.ics", (DATA / "missing-dtstart.ics").read_bytes(), content_type=ICS)
    event = ("BEGIN:VEVENT\r\nUID:{n}@huge\r\nDTSTAMP:20261120T090000Z\r\n"
             "DTSTART:20261210T080000Z\r\nSUMMARY:Arrangement nummer {n}\r\nEND:VEVENT\r\n")
    huge = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(event.format(n=n) for n in range(3000)) + "END:VCALENDAR\r\n"
    assert len(huge) > 200_000
    http_server.add("/huge.ics", huge, content_type=ICS)
    sources = "".join(f"      - key: {key}\n        kind: ical\n        url: {base}/{key}.ics\n"
                      for key in ("html", "latin", "missing", "huge"))
    config = make_config("collect:\n  max_bytes: 200000\n  deadline: 5\nsections:\n  - key: arrangementer\n"
                         "    title: Arrangementer\nnewsletters:\n  - key: ugebrev\n    name: Ugebrev\n"
                         f"partners:\n  - key: p\n    name: Partner\n    sources:\n{sources}")
    report = {s.key: s for s in collect(db, config, now=COLLECT_AT).sources}
    assert report["html"].outcome == "error" and "not an iCalendar file" in report["html"].error
    assert "HTML page" in report["html"].error
    assert report["huge"].outcome == "error" and "larger than" in report["huge"].error
    assert report["latin"].outcome == "ok" and any("Windows-1252" in w for w in report["latin"].warnings)
    assert stored_event(db, "Møde om grøn omstilling på Åbenrå-vej").event_location == "Haderslev Erhvervsråd"
    assert report["missing"].new_items == 1 and "1 event without DTSTART skipped" in report["missing"].warnings
    assert log_rows(db, "missing")[-1].warnings == ["1 event without DTSTART skipped"]


def test_an_event_a_reviewer_includes_after_it_is_over_is_left_out_with_a_warning(db, network, w50):
    placed = placed_by_title(db, w50)
    early = placed["Virksomhedsdag i Kolding"]
    review.include(db, w50, early.item.id, "mette")
    result = render_issue(db, network.config, w50)
    assert "Virksomhedsdag" not in result.rendered.html and "Virksomhedsdag" not in result.rendered.text
    assert any(f.message.startswith(f"item {early.item.id} is included but is an event that is over by "
                                    "the planned send time") for f in result.preflight)


def test_a_calendar_that_declares_its_charset_is_read_in_it_without_a_warning():
    """A Latin-1 calendar served as text/calendar; charset=ISO-8859-1: æøå come out right and
    the team is not told to check them (only an undeclared non-UTF-8 file gets that warning)."""
    from newsletter.collect.kinds.ical import decode

    body = "BEGIN:VCALENDAR\r\nSUMMARY:Møde på Åbenrå-vej\r\nEND:VCALENDAR\r\n".encode("latin-1")
    text, warnings = decode(body, {"Content-Type": "text/calendar; charset=ISO-8859-1"}, "https://p.dk/k.ics")
    assert "Møde på Åbenrå-vej" in text and warnings == []
    _, undeclared = decode(body, {"Content-Type": "text/calendar"}, "https://p.dk/k.ics")
    assert undeclared and "Windows-1252" in undeclared[0]
