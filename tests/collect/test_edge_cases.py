"""Collect edge cases from the audit (issue 8 §10), each through a real collect against a
server on 127.0.0.1: undeclared gzip, the deadline and per-host queueing, empty feeds."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from newsletter.collect import collect
from tests.collect.helpers import RSS_TYPE, S, feed_of, rss, stored_items

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def test_gzip_body_without_content_encoding_is_detected_and_inflated(db, http_server, sources_config):
    # a misconfigured server serving feed.xml.gz as the feed, without Content-Encoding
    url = http_server.add("/feed.xml", gzip.compress(feed_of(3)), content_type=RSS_TYPE)
    report = collect(db, sources_config(S("bk", url)))
    assert (report.sources[0].outcome, report.sources[0].new_items) == ("ok", 3), report.sources[0].error
    assert sorted(r.title for r in stored_items(db, "bk")) == [f"Nyhed nummer {i}" for i in range(3)]


def test_undeclared_gzip_bomb_stops_at_the_size_cap(db, http_server, sources_config):
    bomb = gzip.compress(b"<rss>" + b" " * 5_000_000)
    url = http_server.add("/bomb.xml", bomb, content_type=RSS_TYPE)
    report = collect(db, sources_config(S("bomb", url), max_bytes=100_000))
    source = report.sources[0]
    assert source.outcome == "error"
    assert "larger than 0.1 MB cap" in (source.error or "")


def test_fast_feeds_queued_behind_a_stalled_one_on_the_same_host_are_fetched(db, http_server, sources_config):
    # per_host 1: the stalled feed holds the only slot on 127.0.0.1 until its deadline ends;
    # the fast feeds wait for the slot, and that wait is not counted against their deadline
    stalled = http_server.add("/stalled.xml", feed_of(1), content_type=RSS_TYPE, delay=4)
    fast = [http_server.add(f"/fast{i}.xml", feed_of(2, prefix=f"f{i}-"), content_type=RSS_TYPE) for i in range(2)]
    config = sources_config(S("stalled", stalled), *(S(f"fast{i}", u) for i, u in enumerate(fast)),
                            per_host=1, deadline=1.5)
    report = {s.key: s for s in collect(db, config).sources}
    assert report["stalled"].outcome == "error" and "deadline" in (report["stalled"].error or "")
    for key in ("fast0", "fast1"):
        assert (report[key].outcome, report[key].new_items) == ("ok", 2), report[key].error
        # the time in the queue is reported apart from the fetch itself
        assert 0 < report[key].queued_ms <= report[key].duration_ms


@pytest.mark.parametrize("content_type", [RSS_TYPE, "text/plain; charset=utf-8"])
def test_a_valid_feed_without_entries_says_so(db, http_server, sources_config, content_type):
    url = http_server.add("/empty.xml", rss(""), content_type=content_type)
    source = collect(db, sources_config(S("empty", url))).sources[0]
    assert source.outcome == "ok", source.error
    assert source.new_items == 0
    assert any(w.startswith("the feed has no entries") for w in source.warnings), source.warnings
    assert not any("not a readable" in w for w in source.warnings)


def test_an_empty_atom_feed_says_so(db, http_server, sources_config):
    body = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            b"<title>Billund Erhverv</title><id>urn:billund</id><updated>2026-11-20T09:00:00Z</updated></feed>")
    url = http_server.add("/atom.xml", body, content_type="application/atom+xml")
    source = collect(db, sources_config(S("atom", url))).sources[0]
    assert source.outcome == "ok"
    assert source.warnings == ("the feed has no entries (it is a valid Atom 1.0 feed; the partner has not "
                               "published anything in it)",)


def test_html_dates_are_read_against_the_runs_clock(db, http_server, sources_config):
    # "i går" and a date without a year mean the day before, and the year, of the run that read
    # them: collect's clock (given here), not the wall clock of the worker that parses the page
    page = ("<html><body>"
            "<article><h2><a href='/a'>Robotter i Kolding</a></h2><span class=d>i går</span></article>"
            "<article><h2><a href='/b'>Nyt kursus hos DIMA</a></h2><span class=d>3. marts</span></article>"
            "</body></html>")
    url = http_server.add("/nyheder", page, content_type="text/html; charset=utf-8")
    selectors = "selectors:\n  item: article\n  title: h2\n  date: .d"
    now = datetime(2025, 3, 10, 11, 0, tzinfo=UTC)
    report = collect(db, sources_config(S("bk", url, kind="html", extra=selectors)), now=now)
    assert report.sources[0].outcome == "ok", report.sources[0].error
    published = {r.title: r.published_at.replace(tzinfo=UTC).astimezone(COPENHAGEN).date()
                 for r in stored_items(db, "bk")}
    assert published == {"Robotter i Kolding": date(2025, 3, 9), "Nyt kursus hos DIMA": date(2025, 3, 3)}
