"""The web app's events (issue 12): one event's .ics parsed back and compared with the event,
the /arrangementer.ics feed and the HTML list, which show only what went out in a sent issue."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta

import icalendar
import lxml.html
import pytest

from newsletter import events, review
from newsletter.db import issues as q
from newsletter.render import render_issue
from newsletter.web import create_app
from tests.events.conftest import SEND_AT

CPH = events.CPH


@pytest.fixture
def client(db, network):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():  # starlette's notice about its httpx-based client
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(create_app(network.config, db=db), base_url="https://nyhedsbrev.example.dk") as c:
        yield c


def item_id(db, title: str) -> int:
    with db.connect() as conn:
        return next(c.id for c in q.candidate_items(conn, datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC))
                    if c.title == title)


def send(db, config, issue_id: int) -> None:
    render_issue(db, config, issue_id)
    review.approve(db, issue_id, "mette")
    review.mark_queued(db, issue_id)
    review.mark_sent(db, issue_id, at=SEND_AT)


def test_one_events_ics_is_the_event_with_the_copenhagen_timezone(db, network, w50, client):
    secret = network.config.settings.secret_key
    dag = item_id(db, "Industriens Dag 2026")
    response = client.get(events.ics_path(secret, dag))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    vevents = cal.walk("VEVENT")
    assert len(vevents) == 1
    event = vevents[0]
    assert str(event["SUMMARY"]) == "Industriens Dag 2026"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert str(start.tzinfo) == "Europe/Copenhagen" and start == datetime(2026, 12, 10, 9, 0, tzinfo=CPH)
    assert end == datetime(2026, 12, 10, 16, 0, tzinfo=CPH)
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    assert str(event["LOCATION"]) == "Lalandia Billund, Ellehammers Allé 5, 7190 Billund"
    assert str(event["URL"]).endswith("/arrangementer/industriens-dag")
    assert "Årets samling af industrien" in str(event["DESCRIPTION"])
    assert "/arrangementer/industriens-dag/tilmelding" in str(event["DESCRIPTION"])
    # the UID is stable: a second download (later) is the same event for the calendar
    again = icalendar.Calendar.from_ical(client.get(events.ics_path(secret, dag)).content)
    assert str(again.walk("VEVENT")[0]["UID"]) == str(event["UID"]) == f"item-{dag}@nyhedsbrev.example.dk"


def test_calendar_uid_all_day_and_recurring_dates(db, network, w50, client):
    secret = network.config.settings.secret_key
    kolding = icalendar.Calendar.from_ical(client.get(events.ics_path(secret, item_id(db, "Eksportmorgen: nye markeder i Tyskland"))).content)
    assert str(kolding.walk("VEVENT")[0]["UID"]) == "20261211-eksport@businesskolding.dk"
    lean = icalendar.Calendar.from_ical(client.get(events.ics_path(secret, item_id(db, "Kursus: Lean i praksis"))).content)
    one = lean.walk("VEVENT")[0]
    assert (one.decoded("DTSTART"), one.decoded("DTEND")) == (date(2026, 12, 15), date(2026, 12, 17))
    # a recurring event: one VEVENT, its next date when the file is opened, a UID per date
    meeting = icalendar.Calendar.from_ical(client.get(events.ics_path(secret, item_id(db, "Morgenmøde for iværksættere"))).content)
    vevent = meeting.walk("VEVENT")[0]
    assert "RRULE" not in vevent and vevent.decoded("DTSTART").tzinfo is not None
    assert str(vevent["UID"]).startswith("morgenmoede@test-")


def test_an_ics_link_needs_our_signature(db, network, w50, client):
    dag = item_id(db, "Industriens Dag 2026")
    assert client.get(f"/arrangementer/{dag}-{'0' * 20}.ics").status_code == 404
    assert client.get(f"/arrangementer/{dag + 1}-{events.ics_token(network.config.settings.secret_key, dag)}.ics").status_code == 404
    assert client.get("/arrangementer/../../etc/passwd").status_code == 404


def test_feed_and_page_list_only_upcoming_events_of_sent_issues(db, network, w50, client):
    # nothing sent yet: the public calendar is empty (a draft is not approved)
    empty = icalendar.Calendar.from_ical(client.get("/arrangementer.ics").content)
    assert empty.walk("VEVENT") == []
    assert "Der er ingen kommende arrangementer" in client.get("/arrangementer").text
    send(db, network.config, w50)
    feed = icalendar.Calendar.from_ical(client.get("/arrangementer.ics").content)
    titles = {str(e["SUMMARY"]) for e in feed.walk("VEVENT")}
    now = datetime.now(UTC)
    _, placed = review.get(db, w50)
    shown = {p.title: p.item for p in placed if p.included and p.item.is_event}
    # upcoming at the real clock: the ones whose next date is not over
    expected = {t for t, c in shown.items() if events.candidate_occurrence(c, now) is not None}
    assert titles == expected
    assert "Virksomhedsdag i Kolding" not in titles  # left out of the issue (over by the send time)
    html = client.get("/arrangementer").text
    doc = lxml.html.fromstring(html)
    cards = doc.cssselect("li.event-card")
    assert len(cards) == len(expected)
    assert doc.cssselect("h1")[0].text_content() == "Arrangementer"
    assert client.get("/arrangementer?lang=en").text.count("Add to calendar") == len(expected)


def test_the_page_shows_date_badge_time_place_and_links(db, network, w50, client, monkeypatch):
    send(db, network.config, w50)
    # look at the list as it was on the send day
    frozen = SEND_AT - timedelta(hours=1)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return frozen.astimezone(tz) if tz else frozen.replace(tzinfo=None)

    monkeypatch.setattr("newsletter.web.events.datetime", Clock)
    doc = lxml.html.fromstring(client.get("/arrangementer").text)
    first = doc.cssselect("li.event-card")[0]
    text = " ".join(first.text_content().split())
    assert first.cssselect(".event-badge b")[0].text == "10"
    assert first.cssselect(".event-badge span")[0].text == "dec"
    assert "torsdag 10. december · kl. 9.00" in text
    cards = {" ".join(c.cssselect("h2")[0].text_content().split()): " ".join(c.text_content().split())
             for c in doc.cssselect("li.event-card")}
    dag = cards["Industriens Dag 2026"]
    assert "kl. 9.00–16.00" in dag and "Lalandia Billund" in dag and "Tilmeld dig" in dag
    assert "Fra UdviklingVejen" in dag and "Tilføj til kalender: Kalenderfil · Google · Outlook.com" in dag
    assert doc.cssselect(".event-feed a")[0].get("href") == "webcal://nyhedsbrev.example.dk/arrangementer.ics"
