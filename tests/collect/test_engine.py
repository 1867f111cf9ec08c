"""The collect engine end to end: real HTTP server on 127.0.0.1, real database."""

from __future__ import annotations

import gzip
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from newsletter.collect import collect
from newsletter.collect.fetch import parse_retry_after, user_agent
from newsletter.collect.health import source_health
from newsletter.db.sources import source_states, sync_sources
from newsletter.errors import NotFound
from newsletter.models import SourceState
from tests.collect.helpers import (
    RSS_TYPE,
    S,
    feed_of,
    log_rows,
    rss,
    rss_item,
    source_row,
    stored_items,
)


def test_collect_stores_items_and_records_health(db, http_server, sources_config):
    url = http_server.add("/feed.xml", feed_of(5), content_type=RSS_TYPE)
    config = sources_config(S("bk", url))
    report = collect(db, config)

    assert [(s.key, s.outcome, s.status, s.new_items) for s in report.sources] == [("bk", "ok", 200, 5)]
    rows = stored_items(db, "bk")
    assert sorted(r.title for r in rows) == sorted(f"Nyhed nummer {i}" for i in range(5))
    assert {r.partner_key for r in rows} == {"p-bk"}
    assert {r.section for r in rows} == {"partnere"}
    state = source_row(db, "bk")
    assert (state.last_status, state.last_error, state.consecutive_failures, state.new_items_last_run) == (200, None, 0, 5)
    assert state.last_new_item_at is not None
    assert [r.outcome for r in log_rows(db, "bk")] == ["ok"]
    assert http_server.requests_to("/feed.xml")[0].headers["User-Agent"] == user_agent("https://www.trekantomraadet.dk")


def test_second_run_stores_nothing_new(db, http_server, sources_config):
    # no validators from the server: the second run downloads and parses, dedupe keeps it clean
    url = http_server.add("/feed.xml", feed_of(4), content_type=RSS_TYPE)
    config = sources_config(S("bk", url))
    assert collect(db, config).new_items == 4
    second = collect(db, config)
    assert (second.sources[0].outcome, second.sources[0].new_items, second.sources[0].seen_items) == ("ok", 0, 4)
    assert len(stored_items(db)) == 4
    assert source_row(db, "bk").new_items_last_run == 0


def test_per_host_limit_follows_a_redirect_to_another_host(db, http_server, sources_config):
    """per_host 1: a source on 'localhost' that redirects to 127.0.0.1 waits for the 127.0.0.1 slot
    (before, it counted against 'localhost' and the two requests hit 127.0.0.1 together)."""
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def slow_feed(request):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        body = feed_of(1, request.path.rsplit("/", 1)[-1])
        request.send_response(200)
        request.send_header("Content-Type", RSS_TYPE)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    for n in (1, 2, 3):
        http_server.add(f"/slow/s{n}", handler=slow_feed)
    http_server.add("/r/s2", status=301, headers={"Location": http_server.url("/slow/s2")})
    http_server.add("/r/s3", status=302, headers={"Location": http_server.url("/slow/s3")})
    other_host = http_server.base_url.replace("127.0.0.1", "localhost")
    config = sources_config(S("direct", http_server.url("/slow/s1")), S("r2", f"{other_host}/r/s2"),
                            S("r3", f"{other_host}/r/s3"), per_host=1, deadline=10)
    report = collect(db, config)
    assert [s.outcome for s in report.sources] == ["ok", "ok", "ok"], report
    assert most[0] == 1


def test_conditional_get_304_stores_nothing_and_does_not_parse(db, http_server, sources_config):
    etag = '"v1"'
    modified = "Fri, 20 Nov 2026 08:00:00 GMT"
    body = feed_of(3)

    def handler(request):
        if request.headers.get("If-None-Match") == etag:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.end_headers()
            return
        request.send_response(200)
        for name, value in (("Content-Type", RSS_TYPE), ("ETag", etag), ("Last-Modified", modified),
                            ("Content-Length", str(len(body)))):
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    url = http_server.add("/feed.xml", handler=handler)
    config = sources_config(S("bk", url))
    assert collect(db, config).new_items == 3
    assert (source_row(db, "bk").etag, source_row(db, "bk").last_modified) == (etag, modified)

    second = collect(db, config)
    sent = http_server.requests_to("/feed.xml")[-1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (etag, modified)
    assert (second.sources[0].outcome, second.sources[0].status, second.sources[0].new_items) == ("not_modified", 304, 0)
    # a 304 is not parsed: no entries were seen
    assert second.sources[0].seen_items == 0
    assert len(stored_items(db)) == 3
    assert [r.outcome for r in log_rows(db, "bk")] == ["ok", "not_modified"]
    assert source_row(db, "bk").etag == etag


def test_gzip_response_is_decoded(db, http_server, sources_config):
    url = http_server.add("/feed.xml", gzip.compress(feed_of(2)), content_type=RSS_TYPE,
                          headers={"Content-Encoding": "gzip"})
    report = collect(db, sources_config(S("bk", url)))
    assert report.sources[0].new_items == 2
    assert report.sources[0].bytes < len(feed_of(2))


def test_same_story_via_two_sources_is_stored_once(db, http_server, sources_config):
    one = rss(rss_item(1, title="Fælles pressemeddelelse", link="https://example.dk/story?utm_source=rss&id=7"))
    two = rss(rss_item(1, title="Fælles pressemeddelelse (BF)",
                       link="https://example.dk/story?id=7&utm_campaign=x&fbclid=abc",
                       guid="bf-123", description="Samme historie, anden tekst."))
    config = sources_config(S("bk", http_server.add("/a.xml", one, content_type=RSS_TYPE)),
                            S("bf", http_server.add("/b.xml", two, content_type=RSS_TYPE)))
    report = collect(db, config)
    assert report.new_items == 1
    rows = stored_items(db)
    assert len(rows) == 1 and "utm_" not in rows[0].canonical_url


def test_duplicates_within_one_feed_are_stored_once(db, http_server, sources_config):
    body = rss(rss_item(1, guid="same") + rss_item(2, guid="same") + rss_item(3) + rss_item(3))
    report = collect(db, sources_config(S("bk", http_server.add("/f.xml", body, content_type=RSS_TYPE))))
    assert report.sources[0].outcome == "ok"
    assert sorted(r.title for r in stored_items(db)) == ["Nyhed nummer 1", "Nyhed nummer 3"]


def test_only_collects_the_named_sources(db, http_server, sources_config):
    config = sources_config(S("a", http_server.add("/a.xml", feed_of(1, "a"), content_type=RSS_TYPE)),
                            S("b", http_server.add("/b.xml", feed_of(1, "b"), content_type=RSS_TYPE)))
    report = collect(db, config, only=["b"])
    assert [s.key for s in report.sources] == ["b"]
    assert http_server.requests_to("/a.xml") == []
    with pytest.raises(NotFound, match="no source 'zz'.*known sources: a, b"):
        collect(db, config, only=["zz"])


def test_disabled_source_is_reported_and_not_fetched(db, http_server, sources_config):
    url = http_server.add("/a.xml", feed_of(1), content_type=RSS_TYPE)
    report = collect(db, sources_config(S("a", url, enabled=False)))
    assert report.sources[0].outcome == "skipped" and "disabled" in report.sources[0].error
    assert http_server.requests_to("/a.xml") == []
    assert not report.all_failed


def test_file_url_is_read_without_http_and_unchanged_file_is_not_parsed_again(db, tmp_path, sources_config):
    path = tmp_path / "local.xml"
    path.write_bytes(feed_of(2))
    config = sources_config(S("local", path.as_uri()))
    assert collect(db, config).new_items == 2
    second = collect(db, config).sources[0]
    assert (second.outcome, second.new_items) == ("not_modified", 0)


def test_sync_marks_removed_sources_and_url_change_resets_caching(db, http_server, sources_config):
    url = http_server.add("/a.xml", feed_of(1), content_type=RSS_TYPE, headers={"ETag": '"x"'})
    collect(db, sources_config(S("a", url), S("b", http_server.add("/b.xml", feed_of(1, "b"), content_type=RSS_TYPE))))
    assert source_row(db, "a").etag == '"x"'
    moved = http_server.add("/a2.xml", feed_of(1), content_type=RSS_TYPE)
    collect(db, sources_config(S("a", moved)))
    assert source_row(db, "b").in_config is False
    assert source_row(db, "a").url == moved
    assert source_row(db, "a").etag is None
    assert http_server.requests_to("/a2.xml")[0].headers.get("If-None-Match") is None


def test_progress_callback_sees_every_source(db, http_server, sources_config):
    config = sources_config(S("a", http_server.add("/a.xml", feed_of(1, "a"), content_type=RSS_TYPE)),
                            S("b", http_server.url("/missing.xml")))
    seen = []
    collect(db, config, progress=lambda key, report: seen.append((key, report.outcome)))
    assert sorted(seen) == [("a", "ok"), ("b", "error")]


# --- health: a pure function ----------------------------------------------------------------

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def state(**changes) -> SourceState:
    base = dict(id=1, key="bk", partner_key="bk", kind="feed", url="https://x.dk/feed", section="s",
                enabled=True, etag=None, last_modified=None, retry_after=None,
                last_fetch_at=NOW - timedelta(hours=1), last_success_at=NOW - timedelta(hours=1),
                last_status=200, last_error=None, consecutive_failures=0, gone=False,
                new_items_last_run=0, last_new_item_at=NOW - timedelta(days=2),
                created_at=NOW - timedelta(days=100))
    return SourceState(**{**base, **changes})


@pytest.mark.parametrize(("changes", "status", "reason_part"), [
    ({}, "ok", ""),
    ({"enabled": False}, "disabled", "enabled: false"),
    ({"gone": True}, "gone", "410"),
    ({"retry_after": NOW + timedelta(hours=1)}, "waiting", "wait until"),
    ({"retry_after": NOW - timedelta(hours=1)}, "ok", ""),
    ({"last_fetch_at": None, "last_success_at": None}, "new", "not fetched yet"),
    ({"consecutive_failures": 3, "last_error": "HTTP 404 Not Found from x", "last_status": 404},
     "failing", "HTTP 404 Not Found from x (failed 3 runs in a row, last success"),
    ({"last_new_item_at": NOW - timedelta(days=30)}, "stale", "no new item for 30 days"),
    ({"last_new_item_at": None, "created_at": NOW - timedelta(days=22)}, "stale", "no item at all in the 22 days since it was added"),
    ({"last_new_item_at": None, "created_at": NOW - timedelta(days=3)}, "ok", ""),
])
def test_source_health(changes, status, reason_part):
    health = source_health(state(**changes), NOW, stale_after_days=21)
    assert health.status == status
    assert reason_part in health.reason


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120", NOW) == NOW + timedelta(seconds=120)
    assert parse_retry_after("Mon, 23 Nov 2026 14:00:00 GMT", NOW) == datetime(2026, 11, 23, 14, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 10:00:00 GMT", NOW) == NOW  # in the past: now
    assert parse_retry_after("99999999", NOW) == NOW + timedelta(days=7)  # capped
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_source_states_count_items_of_the_last_30_days(db, http_server, sources_config):
    config = sources_config(S("bk", http_server.add("/f.xml", feed_of(3), content_type=RSS_TYPE)))
    collect(db, config)
    now = datetime.now(UTC)
    with db.begin() as conn:
        sync_sources(conn, config.sources(), now)
        (only,) = source_states(conn, now)
    assert only.items_last_30_days == 3
    with db.begin() as conn:
        (later_state,) = source_states(conn, now + timedelta(days=31))
    assert later_state.items_last_30_days == 0


# --- the CLI ------------------------------------------------------------------------------

def test_cli_collect_json_shape_and_exit_status(cli, http_server, sources_config):
    good = http_server.add("/a.xml", feed_of(2), content_type=RSS_TYPE)
    sources_config(S("a", good), S("b", http_server.url("/nope.xml")))
    result = cli("collect", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"started_at", "finished_at", "attempted", "failed", "new_items", "sources"}
    assert (data["attempted"], data["failed"], data["new_items"]) == (2, 1, 2)
    by_key = {s["key"]: s for s in data["sources"]}
    assert set(by_key["a"]) >= {"key", "outcome", "status", "new_items", "error", "warnings", "bytes", "duration_ms"}
    assert by_key["b"]["outcome"] == "error" and "HTTP 404 Not Found" in by_key["b"]["error"]

    human = cli("collect")
    assert human.exit_code == 0
    assert "HTTP 404 Not Found" in human.output and "a" in human.output


def test_cli_collect_exits_non_zero_only_when_every_source_failed(cli, http_server, sources_config):
    sources_config(S("a", http_server.url("/nope.xml")), S("b", http_server.url("/nope2.xml")))
    result = cli("collect", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["all_failed"] is True


def test_cli_collect_on_an_offline_machine_says_so_instead_of_blaming_the_partners(cli, http_server,
                                                                                   sources_config):
    # .invalid never resolves (RFC 2606): what every host looks like from a machine without network
    sources_config(S("a", "https://feeds.partner-a.invalid/rss"), S("b", "https://partner-b.invalid/feed/"),
                   S("slukket", "https://slukket.invalid/feed/", enabled=False))
    result = cli("collect")
    assert result.exit_code == 1
    assert "not found (DNS)" in result.output and "this machine is online" in result.output
    assert "This machine looks offline" in result.output and "feeds are probably fine" in result.output
    assert "1 source switched off in feeds.yaml" in result.output and "slukket.invalid" not in result.output
    assert json.loads(cli("collect", "--json").stdout)["offline"] is True

    # one partner reachable: the unresolvable host is that partner's problem, and the run is fine
    sources_config(S("a", "https://feeds.partner-a.invalid/rss"),
                   S("good", http_server.add("/ok.xml", feed_of(1), content_type=RSS_TYPE)))
    result = cli("collect")
    assert result.exit_code == 0 and "offline" not in result.output
    data = json.loads(cli("collect", "--json").stdout)
    assert (data["offline"], data["all_failed"]) == (False, False)


def test_cli_collect_invalid_config_exits_non_zero(cli, make_config, tmp_path):
    (tmp_path / "feeds.yaml").write_text("sections: [}\n", encoding="utf-8")
    result = cli("collect")
    assert result.exit_code == 1
    assert "feeds.yaml" in result.output


def test_cli_sources_table_and_json(cli, http_server, sources_config):
    sources_config(S("a", http_server.add("/a.xml", feed_of(2), content_type=RSS_TYPE)),
                   S("b", http_server.url("/nope.xml")))
    cli("collect")
    data = json.loads(cli("sources", "--json").stdout)
    by_key = {s["key"]: s for s in data}
    assert (by_key["a"]["status"], by_key["a"]["items_last_30_days"], by_key["a"]["http_status"]) == ("ok", 2, 200)
    assert by_key["b"]["status"] == "failing"
    assert "HTTP 404 Not Found" in by_key["b"]["reason"] and "feeds.yaml" in by_key["b"]["reason"]
    table = cli("sources")
    assert table.exit_code == 0 and "failing" in table.output


def test_cli_sources_shows_the_warnings_of_the_last_run_until_they_are_fixed(cli, db, http_server,
                                                                              sources_config):
    http_server.add("/new.xml", feed_of(2, "m"), content_type=RSS_TYPE)
    http_server.add("/old.xml", status=301, headers={"Location": "/new.xml"})
    holes = rss(rss_item(1) + "<item><title>Uden link</title></item>" * 3)
    http_server.add("/holes.xml", holes, content_type=RSS_TYPE)
    sources_config(S("moved", http_server.url("/old.xml")), S("holes", http_server.url("/holes.xml")))
    assert cli("collect").exit_code == 0

    by_key = {s["key"]: s for s in json.loads(cli("sources", "--json").stdout)}
    assert by_key["moved"]["warnings"] == [
        f"moved permanently to {http_server.url('/new.xml')}; update the URL in feeds.yaml"]
    (skipped,) = by_key["holes"]["warnings"]
    assert skipped.startswith("3 entries skipped:") and "no link" in skipped
    table = cli("sources").output
    assert "warning: moved permanently to" in table and "3 entries skipped" in table
    assert "2 had warnings in their last run" in table
    assert log_rows(db, "moved")[-1].warnings == by_key["moved"]["warnings"]  # the history keeps them too

    # the team fixes feeds.yaml: the next run replaces the old warnings
    sources_config(S("moved", http_server.url("/new.xml")), S("holes", http_server.url("/holes.xml")))
    assert cli("collect").exit_code == 0
    by_key = {s["key"]: s for s in json.loads(cli("sources", "--json").stdout)}
    assert by_key["moved"]["warnings"] == []
    assert by_key["holes"]["warnings"] == [skipped]  # still broken at the partner: still shown


def test_parsing_in_worker_processes_stores_the_same_and_reports_parse_errors(db, http_server, sources_config):
    config = sources_config(
        S("a", http_server.add("/a.xml", feed_of(3, "a"), content_type=RSS_TYPE)),
        S("b", http_server.add("/b.xml", feed_of(2, "b"), content_type=RSS_TYPE)),
        S("broken", http_server.add("/broken.xml", b"<rss><chan<<&&", content_type=RSS_TYPE)),
        parse_processes=2)
    report = collect(db, config)
    outcome = {s.key: (s.outcome, s.new_items) for s in report.sources}
    assert outcome == {"a": ("ok", 3), "b": ("ok", 2), "broken": ("error", 0)}
    broken = next(s for s in report.sources if s.key == "broken")
    assert http_server.url("/broken.xml") in broken.error and broken.status == 200


def _page(title: str) -> bytes:
    return (f'<!doctype html><html lang="da"><head><title>{title} | Partner</title>'
            f'<meta property="og:title" content="{title}">'
            '<meta property="og:description" content="Beskrivelse af siden med æøå.">'
            '<meta property="article:published_time" content="2026-11-20T09:00:00+01:00">'
            "</head><body><p>Tekst</p></body></html>").encode()


def test_sitemap_pages_are_read_a_few_per_run_and_never_twice(db, http_server, sources_config):
    urls = [http_server.add(f"/nyheder/{n}", _page(f"Side {n}"), content_type="text/html; charset=utf-8")
            for n in range(3)]
    missing = http_server.url("/nyheder/slettet")
    sitemap = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               + "".join(f"<url><loc>{u}</loc><lastmod>2026-11-2{i}</lastmod></url>"
                         for i, u in enumerate([missing, *urls]))
               + "</urlset>").encode()
    url = http_server.add("/sitemap.xml", sitemap, content_type="application/xml")
    config = sources_config(S("map", url, kind="sitemap"), sitemap_pages_per_run=2)

    first = collect(db, config).sources[0]
    assert (first.outcome, first.new_items) == ("ok", 2)
    assert any("left for the next run" in w for w in first.warnings)

    second = collect(db, config).sources[0]
    assert second.outcome == "ok"
    assert any("page skipped" in w and "404" in w for w in second.warnings)  # one dead page, not the source
    third = collect(db, config).sources[0]
    assert third.outcome == "ok"
    titles = sorted(r.title for r in stored_items(db, "map"))
    assert titles == ["Side 0", "Side 1", "Side 2"]
    for path in ("/nyheder/0", "/nyheder/1", "/nyheder/2"):
        assert len(http_server.requests_to(path)) == 1


def test_cli_sources_discover(cli, http_server, make_config):
    make_config()
    http_server.add("/", b'<html><head><link rel="alternate" type="application/rss+xml" title="Nyheder"'
                         b' href="/nyheder/feed/"></head></html>', content_type="text/html")
    result = cli("sources", "discover", http_server.url("/"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["feeds"] == [{"url": http_server.url("/nyheder/feed/"), "kind": "feed", "title": "Nyheder",
                              "found_by": "advertised in the page"}]

    # no advertised feed: the usual paths are tried
    http_server.add("/site", b"<html><head><title>Ingen feed</title></head></html>", content_type="text/html")
    http_server.add("/site/feed/", feed_of(1), content_type=RSS_TYPE)
    data = json.loads(cli("sources", "discover", http_server.url("/site"), "--json").stdout)
    assert [(f["url"], f["found_by"]) for f in data["feeds"]] == [(http_server.url("/site/feed/"), "usual path")]

    human = cli("sources", "discover", http_server.url("/site/feed/"))
    assert "kind: feed" in human.output and http_server.url("/site/feed/") in human.output

    # a news page that answers 404 still has a site behind it: the usual paths are tried
    http_server.add("/gammel/feed/", feed_of(1), content_type=RSS_TYPE)
    moved = cli("sources", "discover", http_server.url("/gammel"))
    assert moved.exit_code == 0, moved.output
    assert "HTTP 404 Not Found" in moved.output and http_server.url("/gammel/feed/") in moved.output
    dead = cli("sources", "discover", http_server.url("/nowhere"))
    assert dead.exit_code == 0 and "No feed found" in dead.output and "HTTP 404 Not Found" in dead.output

    # typed without a scheme: https first, then http (the local server speaks only http)
    bare = json.loads(cli("sources", "discover", http_server.url("/site").split("://")[1], "--json").stdout)
    assert (bare["url"], bare["feeds"][0]["url"]) == (http_server.url("/site"), http_server.url("/site/feed/"))

    refused = cli("sources", "discover", "http://127.0.0.1:9/")
    assert refused.exit_code == 1 and "refused the connection" in refused.output


def test_collect_can_be_called_from_inside_an_event_loop(db, http_server, sources_config):
    import asyncio

    config = sources_config(S("a", http_server.add("/a.xml", feed_of(1), content_type=RSS_TYPE)))

    async def web_handler():
        return collect(db, config)

    assert asyncio.run(web_handler()).new_items == 1
