"""Curated items: a URL read for its OpenGraph data, events, overrides, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import lxml.html
import pytest
from sqlalchemy import select

from newsletter.curate import CuratedInput, add_curated, list_curated, remove_curated
from newsletter.db.schema import items
from newsletter.errors import CurateError, NotFound
from tests.conftest import MINIMAL_CONFIG

CONFIG = MINIMAL_CONFIG.replace("partners: []", """partners:
  - key: business-kolding
    name: Business Kolding
    sources: []
  - key: dima
    name: DIMA
    section: arrangementer
    sources: []
""")

PAGE = """<!doctype html><html lang="da"><head>
<title>Fallback title | Business Kolding</title>
<meta property="og:title" content="Ny robotklynge samler 40 virksomheder i Kolding">
<meta property="og:description" content="Klyngen åbner &amp; inviterer til møde – se programmet.">
<meta property="og:image" content="/media/robot.jpg">
<meta property="og:url" content="https://www.businesskolding.dk/nyheder/robotklynge?utm_source=x">
</head><body><p>Hello</p></body></html>"""

HOSTILE = """<html><head>
<meta property="og:title" content="Angreb &lt;script&gt;alert(1)&lt;/script&gt;">
<meta name="description" content="<img src=x onerror=alert(1)>Tekst">
</head></html>"""

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _row(db, item_id):
    with db.connect() as conn:
        return conn.execute(select(items).where(items.c.id == item_id)).mappings().one()


def test_url_is_read_for_opengraph_metadata(db, make_config, http_server):
    url = http_server.add("/nyhed", PAGE, content_type="text/html; charset=utf-8")
    config = make_config(CONFIG)
    result = add_curated(db, config, CuratedInput(url=url, partner="business-kolding", pin=True, by="anna"), NOW)
    row = _row(db, result.item_id)
    assert row["title"] == "Ny robotklynge samler 40 virksomheder i Kolding"
    assert row["summary_text"] == "Klyngen åbner & inviterer til møde – se programmet."
    assert row["image_url"] == http_server.url("/media/robot.jpg")
    assert row["canonical_url"] == "https://www.businesskolding.dk/nyheder/robotklynge"
    assert row["origin"] == "curated" and row["pinned"] and row["created_by"] == "anna"
    assert row["section"] == "partnere"


def test_flags_override_the_page_and_partner_section_is_used(db, make_config, http_server):
    url = http_server.add("/nyhed", PAGE, content_type="text/html")
    config = make_config(CONFIG)
    result = add_curated(db, config, CuratedInput(url=url, partner="dima", title="Egen titel",
                                                  summary="Eget resumé"), NOW)
    row = _row(db, result.item_id)
    assert (row["title"], row["summary_text"], row["section"]) == ("Egen titel", "Eget resumé", "arrangementer")


def test_hostile_page_content_is_sanitised(db, make_config, http_server):
    url = http_server.add("/ond", HOSTILE, content_type="text/html")
    result = add_curated(db, make_config(CONFIG), CuratedInput(url=url), NOW)
    row = _row(db, result.item_id)
    assert row["title"].startswith("Angreb") and "<script" not in row["title"]
    fragment = lxml.html.fragment_fromstring(row["summary_html"], create_parent="div")
    assert fragment.xpath("//img | //script | //@onerror") == []
    assert row["summary_text"].endswith("Tekst")


def test_event_with_danish_times(db, make_config):
    config = make_config(CONFIG)
    result = add_curated(db, config, CuratedInput(
        title="Industriens Dag 2026", section="arrangementer", signup_url="https://industriensdag.example.dk/tilmeld",
        starts="3. december 2026 kl. 9.00", ends="2026-12-03 16:00", location="Kolding"), NOW)
    row = _row(db, result.item_id)
    assert row["event_starts_at"] == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert row["event_ends_at"] == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert row["event_location"] == "Kolding"
    assert row["url"] == "https://industriensdag.example.dk/tilmeld"


@pytest.mark.parametrize("data, message", [
    (CuratedInput(title="Ingen link"), "give the item a link"),
    (CuratedInput(url="javascript:alert(1)", title="x"), r"not an http\(s\) URL"),
    (CuratedInput(url="https://x.example.dk", title="x", section="nope"), "unknown section 'nope'"),
    (CuratedInput(url="https://x.example.dk", title="x", partner="nope"), "unknown partner 'nope'"),
    (CuratedInput(signup_url="https://x.example.dk", title="x", starts="snart"), "--starts 'snart': not a date"),
    (CuratedInput(signup_url="https://x.example.dk", title="x", starts="2026-12-03 10:00",
                  ends="2026-12-03 09:00"), "ends"),
])
def test_bad_input_is_refused_with_a_clear_message(db, make_config, data, message):
    with pytest.raises(CurateError, match=message):
        add_curated(db, make_config(CONFIG), data, NOW)
    assert list_curated(db) == []


def test_unreadable_page_needs_a_title(db, make_config, http_server):
    url = http_server.add("/borte", "nej", status=404)
    config = make_config(CONFIG)
    with pytest.raises(CurateError, match="could not read"):
        add_curated(db, config, CuratedInput(url=url), NOW)
    result = add_curated(db, config, CuratedInput(url=url, title="Vi skriver selv"), NOW)
    assert result.warnings and "404" in result.warnings[0]
    assert _row(db, result.item_id)["title"] == "Vi skriver selv"


def test_same_url_twice_updates_instead_of_duplicating(db, make_config, http_server):
    url = http_server.add("/nyhed", PAGE, content_type="text/html")
    config = make_config(CONFIG)
    first = add_curated(db, config, CuratedInput(url=url), NOW)
    second = add_curated(db, config, CuratedInput(url=url, pin=True), NOW)
    assert first.item_id == second.item_id and not second.created
    assert len(list_curated(db)) == 1 and list_curated(db)[0].pinned


def test_remove_and_list(db, make_config):
    config = make_config(CONFIG)
    result = add_curated(db, config, CuratedInput(url="https://x.example.dk/a", title="A"), NOW)
    remove_curated(db, result.item_id, NOW)
    assert list_curated(db) == []
    assert [r.id for r in list_curated(db, include_removed=True)] == [result.item_id]
    with pytest.raises(NotFound):
        remove_curated(db, result.item_id, NOW)


def test_cli_curate_commands(cli, tmp_path, http_server, monkeypatch):
    monkeypatch.delenv("USER", raising=False)
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    url = http_server.add("/nyhed", PAGE, content_type="text/html")
    added = cli("curate", "add", url, "--partner", "business-kolding", "--json")
    assert added.exit_code == 0, added.output
    item_id = json.loads(added.output)["item_id"]
    listed = cli("curate", "list", "--json")
    assert [r["id"] for r in json.loads(listed.output)] == [item_id]
    assert json.loads(listed.output)[0]["created_by"]  # who added it, even without $USER
    bad = cli("curate", "add", "--title", "no link")
    assert bad.exit_code == 1 and "give the item a link" in bad.output
    assert cli("curate", "remove", str(item_id)).exit_code == 0
    assert cli("curate", "remove", str(item_id)).exit_code == 1
