"""The sending page (progress, errors in plain words, live JSON) and the sources page (health,
fetch now, items per week) through the real app, a real database, the real send path (file
transport) and a real local HTTP server for the feed (issue 9 §5-6)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.schema import subscribers
from newsletter.outbox import run
from newsletter.subscribers import manage
from tests.team.conftest import CONFIG, Clients, csrf_of
from tests.team.test_workspace import draft, post


def test_sending_page_follows_a_delivery(clients: Clients, db: Database, team_config: Config) -> None:
    issue_id = draft(db, team_config)
    for n in range(3):
        manage.add(db, team_config, f"laeser{n}@firma.dk", ["ugebrev"], consent_source="test", added_by="test")
    with db.begin() as conn:  # an address stored before addresses were checked at the door
        conn.execute(update(subscribers).where(subscribers.c.email == "laeser1@firma.dk")
                     .values(email="laeser1@firma.dk\r\nBcc: spy@evil.example"))
    anne = clients.as_user("anne")
    empty = anne.get(f"/team/issues/{issue_id}/sending")
    assert "ikke sat i kø" in empty.text
    preview = anne.get(f"/team/issues/{issue_id}/preview")
    post(anne, f"/team/issues/{issue_id}/approve", preview.text)
    post(anne, f"/team/issues/{issue_id}/send-now", preview.text)
    queued = anne.get(f"/team/issues/{issue_id}/sending")
    assert " af <span data-field=\"total\">3</span> modtagere" in queued.text  # "send now" has started
    run.send_due(db, team_config, run.SendOptions(workers=1, rate_per_second=0, wait=True))
    deadline = time.monotonic() + 20  # "send now" sends in the background too: follow it as the page does
    while not anne.get(f"/team/issues/{issue_id}/sending.json").json()["finished"] and time.monotonic() < deadline:
        time.sleep(0.2)
    page = anne.get(f"/team/issues/{issue_id}/sending")
    assert "2</span> af <span data-field=\"total\">3</span>" in page.text and "Afsendelsen er færdig" in page.text
    assert "laeser1@firma.dk" in page.text and "kan ikke stå i en mail" in page.text  # what happened, plainly
    live = anne.get(f"/team/issues/{issue_id}/sending.json").json()
    assert live["counts"]["sent"] == 2 and live["counts"]["failed"] == 1 and live["finished"] is True
    assert live["errors"][0]["email"].startswith("laeser1@firma.dk") and live["errors"][0]["plain"]
    english = anne.get(f"/team/issues/{issue_id}/sending?lang=en")
    assert "recipients have the letter" in english.text and "Sending is finished" in english.text
    anonymous = clients.anonymous().get(f"/team/issues/{issue_id}/sending.json", headers={"Accept": "application/json"})
    assert anonymous.status_code == 401


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>DIMA</title><link>https://dima.example.dk/</link>
{items}</channel></rss>"""


def _feed(n: int) -> str:
    when = (datetime.now(UTC) - timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    items = "".join(f"<item><title>Kursus {i} i lean og automatisering</title>"
                    f"<link>https://dima.example.dk/kursus-{i}</link><guid>k{i}</guid>"
                    f"<pubDate>{when}</pubDate><description>Et kursus for ledere.</description></item>"
                    for i in range(n))
    return FEED.format(items=items)


def test_sources_page_fetches_one_source_and_counts_its_week(db: Database, make_config, http_server) -> None:  # type: ignore[no-untyped-def]
    url = http_server.add("/dima.xml", _feed(3), content_type="application/rss+xml")
    config = make_config(CONFIG.format(four_eyes="false").replace(
        "    name: DIMA\n", f"    name: DIMA\n    sources:\n      - kind: feed\n        url: {url}\n"))
    from newsletter.web import create_app
    from tests.team.conftest import make_user

    make_user(db, config, "erik", "editor")
    make_user(db, config, "ada", "admin")
    own = Clients(create_app(config, db=db))
    try:
        erik = own.as_user("erik")
        page = erik.get("/team/sources")
        assert page.status_code == 200 and "dima" in page.text and "Hent nu" not in page.text
        refused = erik.post("/team/sources/dima/fetch", data={"csrf": csrf_of(page.text)})
        assert refused.status_code == 403
        ada = own.as_user("ada")
        page = ada.get("/team/sources")
        assert "Hent nu" in page.text and "aldrig" in page.text
        fetched = ada.post("/team/sources/dima/fetch", data={"csrf": csrf_of(page.text)})
        assert "dima er hentet: 3 nye." in fetched.text
        assert "DIMA: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 nye pr. uge" in fetched.text  # the chart's label
        missing = ada.post("/team/sources/nope/fetch", data={"csrf": csrf_of(fetched.text)})
        assert "nope" in missing.text
        no_csrf = ada.post("/team/sources/dima/fetch", data={})
        assert no_csrf.status_code == 403
    finally:
        for c in own.open:
            c.close()
