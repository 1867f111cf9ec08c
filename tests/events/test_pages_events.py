"""Events on pages that are not sitemaps (issue 12): an html source's item pages read for
JSON-LD (``selectors.event_pages``), and a curated page whose Event fills date, place and
sign-up; the team's own flags win."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from newsletter.collect import collect
from newsletter.curate import CuratedInput, add_curated
from newsletter.db.schema import items
from tests.conftest import MINIMAL_CONFIG
from tests.events.conftest import COLLECT_AT, DATA

LIST = """<html><body><ul>
<li class="e"><a href="/arr/industriens-dag">Industriens Dag</a></li>
<li class="e"><a href="/arr/uden">Et arrangement uden data</a></li>
</ul></body></html>"""


def rows(db):
    with db.connect() as conn:
        return {r.url.rsplit("/", 1)[-1]: r for r in conn.execute(select(items))}


def test_html_source_reads_each_item_page_for_its_event(db, http_server, make_config):
    base = http_server.base_url
    http_server.add("/arr/", LIST, content_type="text/html; charset=utf-8")
    http_server.add("/arr/industriens-dag", (DATA / "jsonld-one-event.html").read_bytes(), content_type="text/html")
    http_server.add("/arr/uden", "<html><head><title>Et arrangement uden data</title></head></html>",
                    content_type="text/html")
    config = make_config(MINIMAL_CONFIG.replace("partners: []\n", "") + f"""partners:
  - key: billund-erhverv
    name: Billund Erhverv
    sources:
      - key: be-arr
        kind: html
        url: {base}/arr/
        selectors:
          item: li.e
          title: a
          event_pages: true
""")
    report = collect(db, config, now=COLLECT_AT)
    assert report.sources[0].outcome == "ok", report.sources[0].error
    stored = rows(db)
    # the canonical link of the JSON-LD page is /arrangementer/industriens-dag
    dag = stored["industriens-dag"]
    assert dag.event_starts_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert dag.event_location.startswith("Lalandia Billund")
    assert dag.signup_url.endswith("/arrangementer/industriens-dag/tilmelding")
    assert stored["uden"].event_starts_at is None
    assert len(http_server.requests_to("/arr/industriens-dag")) == 1


def test_curated_page_with_an_event_and_the_teams_flags_win(db, http_server, make_config):
    config = make_config()
    url = http_server.add("/side", (DATA / "jsonld-one-event.html").read_bytes(), content_type="text/html")
    result = add_curated(db, config, CuratedInput(url=url), COLLECT_AT)
    with db.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == result.item_id)).one()
    assert row.origin == "curated" and row.title == "Industriens Dag 2026"
    assert (row.event_starts_at, row.event_ends_at) == (datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
                                                        datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    assert row.event_location == "Lalandia Billund, Ellehammers Allé 5, 7190 Billund"
    assert row.signup_url.endswith("/arrangementer/industriens-dag/tilmelding")
    assert row.event_all_day is False
    # a date the team types is an all-day event that lasts the whole day
    other = http_server.add("/side2", "<html><head><title>Julemøde</title></head></html>", content_type="text/html")
    typed = add_curated(db, config, CuratedInput(url=other, starts="2026-12-17", location="Kolding"), COLLECT_AT)
    with db.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == typed.item_id)).one()
    assert row.event_all_day is True and row.event_location == "Kolding"
    assert row.event_ends_at == datetime(2026, 12, 17, 23, 0, tzinfo=UTC)
