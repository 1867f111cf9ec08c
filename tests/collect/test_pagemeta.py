"""Page metadata for sitemap pages and pasted URLs."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from newsletter.collect.pagemeta import PageMeta, entry_from_meta, entry_from_page, read_page_meta
from newsletter.models import Entry
from tests.collect.sourcecases import CASES

URL = "https://www.businessvejle.dk/nyheder/testcenter/"


def test_article_case_matches_expected():
    folder = CASES / "pagemeta-article"
    meta = read_page_meta((folder / "page.html").read_bytes(), URL, {"content-type": "text/html"})
    got = asdict(meta) | {"published": meta.published.isoformat() if meta.published else None}
    assert got.pop("events") == ()  # a news article, not an event (issue 12)
    if os.environ.get("UPDATE_EXPECTED"):
        (folder / "expected.json").write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert got == json.loads((folder / "expected.json").read_text("utf-8"))
    assert meta.title == "Nyt testcenter for robotter åbner i 2027"
    assert meta.canonical_url == URL
    assert meta.image_url == "https://www.businessvejle.dk/wp-content/uploads/2026/11/testcenter.jpg"
    assert meta.language == "da"


def test_fallbacks_title_tag_meta_description_and_json_ld():
    page = b"""<html><head><title> Kun  titel </title>
    <meta name="description" content="Beskrivelse fra meta.">
    <script type="application/ld+json">[{"@type": "NewsArticle", "headline": "H",
      "image": [{"url": "https://img.example.dk/a.jpg"}], "datePublished": "2026-11-24"}]</script>
    <script type="application/ld+json">{broken</script></head><body></body></html>"""
    meta = read_page_meta(page, "https://e.dk/a")
    assert meta.title == "H"  # JSON-LD headline before <title>
    assert meta.description == "Beskrivelse fra meta."
    assert meta.image_url == "https://img.example.dk/a.jpg"
    assert meta.published == datetime.fromisoformat("2026-11-24T00:00:00+01:00")
    assert meta.canonical_url is None


def test_title_tag_and_twitter_card():
    page = b"""<html><head><title>Titel</title><meta name="twitter:image" content="https://img.example.dk/t.jpg">
    <meta name="twitter:description" content="Fra twitter"></head></html>"""
    meta = read_page_meta(page, "https://e.dk/a")
    assert (meta.title, meta.description, meta.image_url) == ("Titel", "Fra twitter", "https://img.example.dk/t.jpg")


def test_hostile_values_are_not_used_as_urls():
    page = b"""<html><head><meta property="og:image" content="javascript:alert(1)">
    <link rel="canonical" href="javascript:alert(1)"></head><body><h1>Overskrift</h1></body></html>"""
    meta = read_page_meta(page, "https://e.dk/a")
    assert meta.image_url is None and meta.canonical_url is None
    assert meta.title == "Overskrift"


@pytest.mark.parametrize("body", [b"", b"\x00\x01binary", b"<html", "æøå".encode("latin-1")])
def test_empty_or_broken_pages_give_empty_meta(body: bytes):
    assert isinstance(read_page_meta(body, "https://e.dk/"), PageMeta)


def test_charset_from_meta_tag():
    page = '<html><head><meta charset="iso-8859-1"><title>Rødding Ærø</title></head></html>'.encode("latin-1")
    assert read_page_meta(page, "https://e.dk/").title == "Rødding Ærø"


def test_entry_from_meta_uses_canonical_and_escapes_description():
    meta = PageMeta(title="T", description="a < b & c", canonical_url="https://e.dk/c")
    entry = entry_from_meta(meta, "https://e.dk/c?x=1")
    assert entry.url == "https://e.dk/c" and entry.guid == "https://e.dk/c"
    assert entry.summary_html == "<p>a &lt; b &amp; c</p>"


def test_entry_from_page_keeps_sitemap_values_the_page_lacks():
    sitemap_entry = Entry(url="https://e.dk/p", guid="https://e.dk/p",
                          published=datetime(2026, 11, 23, tzinfo=UTC), needs_page=True)
    entry = entry_from_page(b"<html><head><title>Side</title></head></html>", {}, "https://e.dk/p", sitemap_entry)
    assert entry.title == "Side"
    assert entry.published == datetime(2026, 11, 23, tzinfo=UTC)
    assert entry.needs_page is False
