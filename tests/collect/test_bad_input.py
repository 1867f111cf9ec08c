"""Hostile and broken sources: each gets a clear recorded error (or is neutralised), and the
good source in the same run is still collected."""

from __future__ import annotations

import gzip
import html.parser
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from newsletter.collect import collect
from newsletter.collect.clean import SUMMARY_TAGS
from newsletter.models import CollectReport
from tests.collect.helpers import (
    RSS_TYPE,
    S,
    feed_of,
    later,
    log_rows,
    rss,
    rss_item,
    source_row,
    stored_items,
)


def run_beside_good(db, http_server, sources_config, bad: S, now: datetime | None = None,
                    **collect_cfg) -> CollectReport:
    """Collect ``bad`` together with a good source, and check the good one got through."""
    if "/good.xml" not in http_server.routes:
        http_server.add("/good.xml", feed_of(2, "good"), content_type=RSS_TYPE)
    config = sources_config(S("good", http_server.url("/good.xml")), bad, **collect_cfg)
    report = collect(db, config, now=now)
    good = next(s for s in report.sources if s.key == "good")
    assert good.outcome in ("ok", "not_modified"), good
    assert len(stored_items(db, "good")) == 2
    return report


def bad_report(report: CollectReport, key: str = "bad"):
    return next(s for s in report.sources if s.key == key)


def assert_recorded(db, report, problem: str, status: int | None = None, key: str = "bad") -> str:
    """The error is in the report, in the sources table and in the fetch log."""
    entry = bad_report(report, key)
    assert entry.outcome == "error", entry
    assert problem in entry.error
    row = source_row(db, key)
    assert row.last_error == entry.error
    assert row.consecutive_failures >= 1
    assert row.last_status == status
    assert log_rows(db, key)[-1].outcome == "error"
    assert log_rows(db, key)[-1].error == entry.error
    return entry.error


# --- documents that are not what they claim ----------------------------------------------------

def test_malformed_xml_is_a_recorded_parse_error(db, http_server, sources_config):
    url = http_server.add("/bad.xml", b'<?xml version="1.0"?>\n<rss version="2.0"><chan<<<&&&>>> \x00\x01',
                          content_type=RSS_TYPE)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    error = assert_recorded(db, report, url, status=200)
    assert stored_items(db, "bad") == []
    assert error


def test_html_page_instead_of_feed_names_the_page_and_its_feeds(db, http_server, sources_config):
    page = b"""<!doctype html><html><head><title>Nyheder</title>
    <link rel="alternate" type="application/rss+xml" title="Nyheder" href="/nyheder/feed/">
    </head><body><h1>Nyheder</h1></body></html>"""
    url = http_server.add("/nyheder", page, content_type="text/html; charset=utf-8")
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    error = assert_recorded(db, report, url, status=200)
    assert http_server.url("/nyheder/feed/") in error


# --- servers that misbehave -------------------------------------------------------------------

def test_server_that_never_answers_hits_the_deadline(db, http_server, sources_config):
    url = http_server.add("/hang.xml", b"", delay=4)
    started = time.monotonic()
    report = run_beside_good(db, http_server, sources_config, S("bad", url), deadline=1, read_timeout=10)
    assert time.monotonic() - started < 3.5  # the deadline, not the server, ended the wait
    assert_recorded(db, report, "no answer within 1 s (deadline)")


def test_read_timeout_is_reported(db, http_server, sources_config):
    url = http_server.add("/slow.xml", b"", delay=2)
    report = run_beside_good(db, http_server, sources_config, S("bad", url), deadline=5, read_timeout=0.5)
    assert_recorded(db, report, "read timeout")


def test_50_mb_body_with_content_length_is_refused(db, http_server, sources_config):
    url = http_server.add("/big.xml", b"<" * 50_000_000, content_type=RSS_TYPE)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert_recorded(db, report, "response larger than 10 MB cap", status=200)


def test_50_mb_streamed_body_without_length_stops_at_the_cap(db, http_server, sources_config):
    sent = []

    def stream(request):
        request.send_response(200)
        request.send_header("Content-Type", RSS_TYPE)
        request.send_header("Connection", "close")
        request.end_headers()
        chunk = b"x" * 1_000_000
        try:
            for _ in range(50):
                request.wfile.write(chunk)
                sent.append(len(chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        request.close_connection = True

    url = http_server.add("/stream.xml", handler=stream)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert_recorded(db, report, "response larger than 10 MB cap", status=200)
    assert bad_report(report).bytes == 0


def test_gzip_bomb_stops_at_the_cap_after_decompression(db, http_server, sources_config):
    # 1 GB of zeros as 1024 gzip members of 1 MB each: about 1 MB on the wire, made in ms
    member = gzip.compress(b"\0" * 1_000_000, compresslevel=9)
    bomb = member * 1000
    assert len(bomb) < 2_000_000
    url = http_server.add("/bomb.xml", bomb, content_type=RSS_TYPE, headers={"Content-Encoding": "gzip"})
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert_recorded(db, report, "response larger than 10 MB cap", status=200)


def test_redirect_loop_is_named(db, http_server, sources_config):
    http_server.add("/loop-a", status=302, headers={"Location": "/loop-b"})
    http_server.add("/loop-b", status=301, headers={"Location": "/loop-a"})
    report = run_beside_good(db, http_server, sources_config, S("bad", http_server.url("/loop-a")))
    error = assert_recorded(db, report, "more than 5 redirects (redirect loop?)")
    assert "/loop-b" in error


def test_permanent_redirect_works_and_warns_to_update_the_url(db, http_server, sources_config):
    target = http_server.add("/new.xml", feed_of(1, "moved"), content_type=RSS_TYPE)
    http_server.add("/old.xml", status=301, headers={"Location": "/new.xml"})
    report = run_beside_good(db, http_server, sources_config, S("moved", http_server.url("/old.xml")))
    moved = bad_report(report, "moved")
    assert moved.outcome == "ok" and moved.new_items == 1
    assert any(target in w and "feeds.yaml" in w for w in moved.warnings)


@pytest.mark.parametrize(("status", "problem"), [
    (404, "HTTP 404 Not Found from {url} (check the URL in feeds.yaml"),
    (500, "HTTP 500 Internal Server Error from {url}"),
    (403, "HTTP 403 Forbidden from {url}"),
])
def test_http_errors_are_recorded_and_retried_next_run(db, http_server, sources_config, status, problem):
    url = http_server.add("/bad.xml", b"nope", status=status)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert_recorded(db, report, problem.format(url=url), status=status)
    again = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert bad_report(again).outcome == "error"
    assert source_row(db, "bad").consecutive_failures == 2
    assert len(http_server.requests_to("/bad.xml")) == 2


def test_410_marks_the_source_gone_and_it_is_not_fetched_again(db, http_server, sources_config):
    url = http_server.add("/gone.xml", b"", status=410)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert_recorded(db, report, "HTTP 410 Gone", status=410)
    assert source_row(db, "bad").gone is True

    again = run_beside_good(db, http_server, sources_config, S("bad", url))
    skipped = bad_report(again)
    assert skipped.outcome == "skipped" and "gone" in skipped.error and "feeds.yaml" in skipped.error
    assert len(http_server.requests_to("/gone.xml")) == 1
    assert not again.all_failed

    # a new URL in feeds.yaml brings it back
    new_url = http_server.add("/found.xml", feed_of(1, "back"), content_type=RSS_TYPE)
    back = run_beside_good(db, http_server, sources_config, S("bad", new_url))
    assert (bad_report(back).outcome, source_row(db, "bad").gone) == ("ok", False)


@pytest.mark.parametrize("retry_after", ["3600", "HTTP-DATE"])
def test_429_with_retry_after_is_skipped_until_then(db, http_server, sources_config, retry_after):
    if retry_after == "HTTP-DATE":
        retry_after = (datetime.now(UTC) + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    url = http_server.add("/busy.xml", b"slow down", status=429, headers={"Retry-After": retry_after})
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert_recorded(db, report, "asks us to wait until", status=429)
    waiting_until = source_row(db, "bad").retry_after
    assert timedelta(minutes=55) < waiting_until - datetime.now(UTC) <= timedelta(hours=1)

    soon = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert bad_report(soon).outcome == "skipped" and "waiting" in bad_report(soon).error
    assert len(http_server.requests_to("/busy.xml")) == 1
    assert log_rows(db, "bad")[-1].outcome == "skipped"

    http_server.add("/busy.xml", feed_of(1, "busy"), content_type=RSS_TYPE)
    after = run_beside_good(db, http_server, sources_config, S("bad", url), now=later(2))
    assert bad_report(after).outcome == "ok"
    assert source_row(db, "bad").retry_after is None


def test_unreachable_host_names_the_host(db, http_server, sources_config):
    report = run_beside_good(db, http_server, sources_config, S("bad", "http://127.0.0.1:9/feed.xml"))
    assert_recorded(db, report, "127.0.0.1 refused the connection")


# --- content that is hostile ------------------------------------------------------------------

@pytest.mark.parametrize(("declared", "actual"), [("utf-8", "windows-1252"), ("windows-1252", "utf-8")])
def test_wrong_declared_encoding_keeps_the_item(db, http_server, sources_config, declared, actual):
    body = (f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel><title>T</title>'
            '<item><title>Grøn omstilling på Fænø</title><link>https://example.dk/faeno</link>'
            '<description>Æbler, øl og ål</description></item></channel></rss>').encode(actual)
    url = http_server.add("/enc.xml", body, content_type=f"application/rss+xml; charset={declared}")
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert bad_report(report).outcome == "ok", bad_report(report)
    (item,) = stored_items(db, "bad")
    assert item.title == "Grøn omstilling på Fænø"
    assert item.summary_text == "Æbler, øl og ål"


def test_billion_laughs_and_external_entities_do_nothing(db, http_server, sources_config, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-DO-NOT-LEAK", encoding="utf-8")
    lols = "".join(f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" * 1}' + (f"&lol{i - 1};" * 9) + '">'
                   for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{lols}'
            f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
            '<rss version="2.0"><channel><title>x</title>'
            '<item><title>Laughs &lol9;</title><link>https://example.dk/lol</link>'
            '<description>Leak: &xxe;</description></item></channel></rss>').encode()
    url = http_server.add("/lol.xml", body, content_type=RSS_TYPE)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    bad = bad_report(report)
    rows = stored_items(db, "bad")
    for row in rows:
        text = " ".join(str(v) for v in (row.title, row.summary_html, row.summary_text))
        assert "TOPSECRET" not in text
        assert text.count("lol") < 50
    assert bad.outcome in ("ok", "error")
    assert all("TOPSECRET" not in (w or "") for w in (*bad.warnings, bad.error))


def test_scripts_event_handlers_javascript_links_and_css_expressions_never_reach_the_store(
        db, http_server, sources_config):
    items = (
        rss_item(1, description='<p>Hej<script>alert(1)</script></p><img src="x" onerror="alert(2)">')
        + rss_item(2, link="javascript:alert(3)", guid="js-link")
        + rss_item(3, description='<a href="javascript:alert(4)">klik</a>'
                                  '<p style="width: expression(alert(5))">css</p>'
                                  '<div style="background:url(javascript:alert(6))">bg</div>')
        + rss_item(4, description='<iframe src="https://evil.example/"></iframe><svg onload="alert(7)"/>'
                                  '<a href="data:text/html,<script>alert(8)</script>">d</a>')
    )
    url = http_server.add("/xss.xml", rss(items), content_type=RSS_TYPE)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert bad_report(report).outcome == "ok"
    rows = stored_items(db, "bad")
    assert {r.title for r in rows} >= {"Nyhed nummer 1", "Nyhed nummer 3", "Nyhed nummer 4"}
    for row in rows:
        stored = " ".join(str(v) for v in row._mapping.values()).lower()
        for bad in ("<script", "onerror", "onload", "javascript:", "expression(", "<iframe", "data:text"):
            assert bad not in stored, (bad, row)
        assert row.url.startswith("https://")
    assert any("not an http(s) url" in w.lower() or "script" in w.lower()
               for w in bad_report(report).warnings)


def test_missing_titles_and_links(db, http_server, sources_config):
    items = (
        "<item><link>https://example.dk/untitled</link><description>Kun et resumé her, ingen titel."
        "</description></item>"
        "<item><title>Ingen link</title><guid isPermaLink=\"false\">abc-1</guid></item>"
        "<item><description></description></item>"
        + rss_item(9)
    )
    url = http_server.add("/holes.xml", rss(items), content_type=RSS_TYPE)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    bad = bad_report(report)
    assert bad.outcome == "ok"
    titles = {r.title for r in stored_items(db, "bad")}
    assert "Nyhed nummer 9" in titles
    assert any(t.startswith("Kun et resumé") for t in titles)
    assert bad.warnings  # the unusable entries are counted, not silently dropped
    assert bad.seen_items == len(titles)


def test_dates_in_the_future_become_the_collect_time(db, http_server, sources_config):
    future = datetime.now(UTC) + timedelta(days=400)
    url = http_server.add("/future.xml", rss(rss_item(1, date=future)), content_type=RSS_TYPE)
    before = datetime.now(UTC)
    run_beside_good(db, http_server, sources_config, S("bad", url))
    (item,) = stored_items(db, "bad")
    assert before - timedelta(seconds=5) <= item.published_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert item.date_is_estimated is True
    assert item.published_at == item.first_seen_at


def test_items_without_a_date_get_first_seen_at(db, http_server, sources_config):
    body = rss("<item><title>Udateret</title><link>https://example.dk/udateret</link></item>")
    url = http_server.add("/nodate.xml", body, content_type=RSS_TYPE)
    run_beside_good(db, http_server, sources_config, S("bad", url))
    (item,) = stored_items(db, "bad")
    assert item.date_is_estimated is True and item.published_at == item.first_seen_at


def test_many_sources_failing_in_different_ways_in_one_run(db, http_server, sources_config):
    """One run with everything wrong at once: each bad source has its own error."""
    http_server.add("/good.xml", feed_of(2, "good"), content_type=RSS_TYPE)
    config = sources_config(
        S("good", http_server.url("/good.xml")),
        S("e404", http_server.url("/missing")),
        S("e500", http_server.add("/e500", b"", status=500)),
        S("hang", http_server.add("/hang", b"", delay=3)),
        S("html", http_server.add("/page", b"<html><body>hej</body></html>", content_type="text/html")),
        deadline=1)
    report = collect(db, config)
    outcome = {s.key: (s.outcome, s.status) for s in report.sources}
    assert outcome == {"good": ("ok", 200), "e404": ("error", 404), "e500": ("error", 500),
                       "hang": ("error", None), "html": ("error", 200)}
    assert len(stored_items(db, "good")) == 2
    assert not report.all_failed


# feedparser's own sanitiser is off (kinds/feed.py): everything below must be stopped by
# clean.py's nh3 allow-list alone, in every way a feed can carry it.
HOSTILE_DESCRIPTIONS = [
    # CDATA
    '<![CDATA[<p>Hej<script>alert(1)</script></p>]]>',
    '<![CDATA[<img src="https://img.example.dk/a.jpg" onerror="alert(2)"><p onclick="alert(3)">t</p>]]>',
    '<![CDATA[<a href="javascript:alert(4)">k</a><a href="JaVaScRiPt:alert(5)">k</a>]]>',
    '<![CDATA[<a href="jav&#x09;ascript:alert(6)">k</a><a href="&#106;avascript:alert(7)">k</a>]]>',
    '<![CDATA[<a href=" &#14; javascript:alert(8)">k</a><a href="vbscript:msgbox(9)">k</a>]]>',
    '<![CDATA[<form action="https://evil.example/"><input name="pw"><button formaction="javascript:alert(10)">'
    'ok</button></form>]]>',
    '<![CDATA[<svg><script>alert(11)</script><a xlink:href="javascript:alert(12)">s</a></svg>'
    '<math><mtext><img src=x onerror=alert(13)></mtext></math>]]>',
    '<![CDATA[<meta http-equiv="refresh" content="0;url=javascript:alert(14)"><base href="javascript:/">'
    '<link rel="stylesheet" href="javascript:alert(15)"><style>*{x:expression(alert(16))}</style>]]>',
    '<![CDATA[<iframe srcdoc="<script>alert(17)</script>"></iframe><object data="javascript:alert(18)">'
    '</object><embed src="javascript:alert(19)">]]>',
    '<![CDATA[<div style="background:url(javascript:alert(20))">bg</div><p style="x:expression(alert(21))">c</p>]]>',
    '<![CDATA[<scr<script>ipt>alert(22)</scr</script>ipt><<script>script>alert(23)<</script>/script>]]>',
    '<![CDATA[<!--<script>alert(24)</script>--><!--[if IE]><script>alert(25)</script><![endif]-->t]]>',
    # entity-escaped HTML (how most RSS 2.0 feeds carry markup)
    '&lt;p&gt;Hej&lt;script&gt;alert(26)&lt;/script&gt;&lt;/p&gt;',
    '&lt;img src=x onerror=&quot;alert(27)&quot;&gt;&lt;a href=&quot;javascript:alert(28)&quot;&gt;k&lt;/a&gt;',
    '&lt;a href=&quot;jav&amp;#x09;ascript:alert(29)&quot;&gt;k&lt;/a&gt;',
    '&lt;a href=&quot;data:text/html;base64,PHNjcmlwdD5hbGVydCgzMCk8L3NjcmlwdD4=&quot;&gt;d&lt;/a&gt;',
    '&lt;svg onload=alert(31)&gt;&lt;/svg&gt;&lt;body onload=alert(32)&gt;t',
]
HOSTILE_MARKERS = ("<script", "</script", "onerror", "onclick", "onload", "javascript:", "vbscript:",
                   "data:text", "expression(", "<iframe", "<object", "<embed", "<form", "<input",
                   "<button", "formaction", "<svg", "<math", "<meta", "<base", "<link", "<style",
                   "srcdoc", "style=", "xlink:href")


class _Markup(html.parser.HTMLParser):
    """Every tag and attribute of an HTML fragment, for checking it against the allow-list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_only_allowed_markup(fragment: str) -> None:
    parser = _Markup()
    parser.feed(fragment)
    for tag, attrs in parser.tags:
        assert tag in SUMMARY_TAGS, (tag, fragment)
        for name, value in attrs:
            assert name in {"href", "title", "rel"} and tag == "a", (tag, name, fragment)
            if name == "href":
                assert urlsplit(value or "").scheme in ("http", "https", "mailto"), (value, fragment)


def assert_nothing_hostile_stored(rows) -> None:
    for row in rows:
        assert_only_allowed_markup(row.summary_html)
        html_fields = " ".join(str(v) for v in (row.summary_html, row.url, row.canonical_url,
                                                 row.image_url, row.guid)).lower()
        for marker in HOSTILE_MARKERS:
            assert marker not in html_fields, (marker, row)
        # plain-text fields are escaped when shown; still, no tag survives into them
        for text in (row.title, row.summary_text, row.image_alt or "", row.author or ""):
            assert "<script" not in text.lower() and "<img" not in text.lower(), (text, row)
        assert urlsplit(row.url).scheme == "https"
        assert urlsplit(row.image_url or "https://x").scheme in ("http", "https"), row.image_url


def test_hostile_rss_descriptions_in_cdata_and_escaped_form_are_neutralised(db, http_server, sources_config):
    items = "".join(
        f"<item><title>Nyhed {n}</title><link>https://example.dk/h/{n}</link>"
        f"<guid>https://example.dk/h/{n}</guid><description>{desc}</description></item>"
        for n, desc in enumerate(HOSTILE_DESCRIPTIONS))
    items += ("<item><title>&lt;img src=x onerror=alert(40)&gt;Titel &lt;script&gt;alert(41)&lt;/script&gt;"
              "</title><link>https://example.dk/h/title</link>"
              "<author>&lt;script&gt;alert(42)&lt;/script&gt;Mette</author>"
              '<media:content xmlns:media="http://search.yahoo.com/mrss/" url="javascript:alert(43)" medium="image"/>'
              "<description><![CDATA[<!-- <img src='https://tracker.example/pixel.gif'> -->"
              "<script>document.write('<img src=\"https://tracker.example/s.gif\">')</script>"
              '<img src="https://img.example.dk/rigtig.jpg" alt="Rigtigt billede">Tekst]]></description></item>')
    url = http_server.add("/hostile.xml", rss(items), content_type=RSS_TYPE)
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert bad_report(report).outcome == "ok", bad_report(report)
    rows = stored_items(db, "bad")
    assert len(rows) == len(HOSTILE_DESCRIPTIONS) + 1  # neutralised, not dropped
    assert_nothing_hostile_stored(rows)
    titled = next(r for r in rows if r.url.endswith("/h/title"))
    assert titled.title == "Titel"
    assert titled.author == "Mette"
    # the lead image is the visible one, not one inside a comment or a script
    assert (titled.image_url, titled.image_alt) == ("https://img.example.dk/rigtig.jpg", "Rigtigt billede")


def test_hostile_atom_xhtml_content_and_xml_base_links(db, http_server, sources_config):
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://billund-erhverv.dk/">
  <title>Billund Erhverv</title><id>tag:billund,2026</id><updated>2026-11-20T10:00:00Z</updated>
  <entry xml:base="/nyheder/2026/">
    <title type="html">&lt;b onmouseover="alert(1)"&gt;Ny&lt;/b&gt; klynge</title>
    <link href="klynge.html"/><id>tag:billund,2026:1</id><updated>2026-11-20T10:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Se <a href="program.html">programmet</a>
      <img src="klynge.jpg" alt="Klyngen"/></p><script>alert(2)</script>
      <a href="javascript:alert(3)">x</a><p onclick="alert(4)">klik</p></div></content>
  </entry>
  <entry>
    <title>Anden nyhed</title><link href="/nyheder/anden"/><id>tag:billund,2026:2</id>
    <updated>2026-11-19T10:00:00Z</updated>
    <summary type="html">&lt;a href="om-os/"&gt;Om os&lt;/a&gt;&lt;iframe src="https://evil.example/"&gt;&lt;/iframe&gt;</summary>
  </entry>
</feed>"""
    url = http_server.add("/hostile.atom", body, content_type="application/atom+xml")
    report = run_beside_good(db, http_server, sources_config, S("bad", url))
    assert bad_report(report).outcome == "ok", bad_report(report)
    rows = {r.title: r for r in stored_items(db, "bad")}
    assert_nothing_hostile_stored(rows.values())
    first = rows["Ny klynge"]
    # relative links and the image resolve against the entry's xml:base, as before
    assert first.url == "https://billund-erhverv.dk/nyheder/2026/klynge.html"
    assert 'href="https://billund-erhverv.dk/nyheder/2026/program.html"' in first.summary_html
    assert first.image_url == "https://billund-erhverv.dk/nyheder/2026/klynge.jpg"
    assert 'href="https://billund-erhverv.dk/om-os/"' in rows["Anden nyhed"].summary_html
