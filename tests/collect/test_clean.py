"""Cleaning entries: hostile HTML, links, canonical URLs, titles, summaries, dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from newsletter.collect.clean import (
    Rejected,
    canonical_url,
    clean_entry,
    content_hash,
    sanitize_html,
    strip_tracking,
    truncate,
)
from newsletter.errors import NewsletterError
from newsletter.models import Entry

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BASE = "https://www.businesskolding.dk/feed/"


def clean(**fields) -> object:
    fields.setdefault("url", "https://www.businesskolding.dk/nyheder/a/")
    fields.setdefault("title", "Nyhed")
    return clean_entry(Entry(**fields), BASE, NOW)


# --- hostile HTML -----------------------------------------------------------------------------

HOSTILE = [
    '<script>alert(1)</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">a</a>',
    '<a href="jav&#x09;ascript:alert(1)">a</a>',
    '<a href="jav\tascript:alert(1)">a</a>',
    '<a href=" JaVaScRiPt:alert(1)">a</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">a</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a</a>',
    '<a href="vbscript:msgbox(1)">a</a>',
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<svg onload="alert(1)"><circle r="5"></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<form action="https://evil.example/"><input name="pw"><button>OK</button></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<style>body{display:none}</style>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<body onload="alert(1)">x',
    '<a href="https://ok.example/" onclick="alert(1)" onmouseover="alert(2)">ok</a>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<p>unclosed <b>bold <i>italic <a href="https://ok.example/">link',
    '<<script>script>alert(1)<</script>/script>',
    '<img src="data:image/png;base64,AAAA">',
    '<base href="javascript:alert(1)//">',
]


@pytest.mark.parametrize("fragment", HOSTILE)
def test_hostile_summary_html_is_neutralised(fragment: str):
    item = clean(summary_html=fragment)
    lowered = item.summary_html.lower()
    for bad in ("<script", "javascript", "vbscript", "data:", "onerror", "onload", "onclick",
                "onmouseover", "expression(", "<iframe", "<form", "<input", "<svg", "<style",
                "<object", "<embed", "<meta", "style=", "<img", "<base", "<math"):
        assert bad not in lowered, (bad, item.summary_html)


def test_allowed_markup_survives_and_links_get_noopener():
    item = clean(summary_html='<p>Hej <strong>Kolding</strong> <em>og</em> <a href="/om-os/" title="Om">os</a></p>'
                              '<ul><li>et</li></ul><blockquote>citat</blockquote>')
    assert item.summary_html == (
        '<p>Hej <strong>Kolding</strong> <em>og</em> '
        '<a href="https://www.businesskolding.dk/om-os/" title="Om" rel="noopener">os</a></p>'
        '<ul><li>et</li></ul><blockquote>citat</blockquote>'
    )
    assert item.summary_text == "Hej Kolding og os et citat"


def test_unclosed_tags_are_closed():
    html = sanitize_html('<p>unclosed <b>bold <i>italic', BASE)
    assert html == "<p>unclosed <b>bold <i>italic</i></b></p>"


def test_script_content_does_not_reach_the_text():
    item = clean(summary_html="<p>Før</p><script>var secret = 1;</script><style>p{}</style><p>efter</p>")
    assert item.summary_text == "Før efter"


def test_long_summary_is_cut_at_a_word_boundary_and_becomes_one_paragraph():
    words = " ".join(["produktionsvirksomhed"] * 2000)
    item = clean(summary_html=f"<p><b>{words}</b></p>")
    assert len(item.summary_text) <= 300
    assert item.summary_text.endswith("produktionsvirksomhed…")
    assert item.summary_html == f"<p>{item.summary_text}</p>"


def test_20000_characters_without_spaces():
    item = clean(summary_html="x" * 20_000, title="y" * 20_000)
    assert len(item.summary_text) == 300 and item.summary_text.endswith("…")
    assert len(item.title) == 300


def test_emoji_and_danish_letters_survive():
    item = clean(title="Årets 🚀 iværksætter i Fåborg &amp; Ærø", summary_html="<p>Søndag 😀 — blåbær</p>")
    assert item.title == "Årets 🚀 iværksætter i Fåborg & Ærø"
    assert item.summary_text == "Søndag 😀 — blåbær"


def test_decomposed_letters_are_normalised():
    item = clean(title="A\u030arhus")  # "Å" as A + combining ring
    assert item.title == "Århus"


def test_summary_falls_back_to_content():
    item = clean(summary_html=None, content_html="<p>Fra content</p>")
    assert item.summary_text == "Fra content"


# --- titles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("<b>Fed</b> titel", "Fed titel"),
    ("Fredericia &amp; Middelfart", "Fredericia & Middelfart"),
    ("Dobbelt &amp;amp; escaped", "Dobbelt & escaped"),
    ("  mange \n\t  mellemrum  ", "mange mellemrum"),
    ("&lt;i&gt;kursiv&lt;/i&gt; titel", "kursiv titel"),
    ("3 < 5 og 7 > 2", "3 < 5 og 7 > 2"),
    ("<script>alert(1)</script>Titel", "Titel"),
])
def test_title_is_plain_text(raw: str, expected: str):
    assert clean(title=raw).title == expected


def test_missing_title_comes_from_the_summary():
    item = clean(title=None, summary_html="<p>Vejle Kommune og BusinessVejle åbner et nyt erhvervshus "
                                          "for iværksættere på havnen i december</p>")
    assert item.title == "Vejle Kommune og BusinessVejle åbner et nyt erhvervshus for iværksættere på havnen…"


def test_no_title_and_no_summary_is_rejected():
    with pytest.raises(Rejected, match="neither a title nor a summary"):
        clean(title=" <b> </b> ", summary_html="<script>x</script>")


def test_rejected_is_a_newsletter_error():
    assert issubclass(Rejected, NewsletterError)


# --- links ------------------------------------------------------------------------------------

@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "jav&#x09;ascript:alert(1)", "  javascript:alert(1)", "JAVASCRIPT:x",
    "data:text/html,<script>alert(1)</script>", "java\nscript:alert(1)",
])
def test_script_links_are_rejected(link: str):
    with pytest.raises(Rejected, match="script or data URL"):
        clean(url=link)


def test_relative_link_resolves_against_the_base():
    assert clean(url="/nyheder/b/").url == "https://www.businesskolding.dk/nyheder/b/"


def test_missing_link_uses_an_http_guid():
    item = clean(url=None, guid="https://www.businesskolding.dk/?p=12")
    assert item.url == "https://www.businesskolding.dk/?p=12"


@pytest.mark.parametrize("guid", [None, "tag:businesskolding.dk,2026:12", "urn:uuid:1234"])
def test_missing_link_without_http_guid_is_rejected(guid):
    with pytest.raises(Rejected):
        clean(url=None, guid=guid)


def test_non_http_link_is_rejected():
    with pytest.raises(Rejected, match="not an http"):
        clean(url="ftp://example.dk/x")


def test_guid_defaults_to_the_canonical_url():
    item = clean(url="https://WWW.Example.DK/a?utm_source=x&id=2#top", guid=None)
    assert item.guid == "https://www.example.dk/a?id=2"
    assert item.url == "https://WWW.Example.DK/a?id=2#top"


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://Example.DK:443/a/?b=1&utm_source=nl&a=2#frag", "https://example.dk/a/?b=1&a=2"),
    ("http://example.dk:80", "http://example.dk/"),
    ("http://example.dk:8080/x", "http://example.dk:8080/x"),
    ("https://example.dk/x?fbclid=1&gclid=2&dclid=3&msclkid=4&mc_eid=5&mc_cid=6&_ga=7&_gl=8",
     "https://example.dk/x"),
    ("https://example.dk/x?igshid=1&yclid=2&_hsenc=3&_hsmi=4&mkt_tok=5&ref_src=6&UTM_Campaign=7",
     "https://example.dk/x"),
    ("https://example.dk/x?id=5&page=2&id=6", "https://example.dk/x?id=5&page=2&id=6"),
    ("https://example.dk/søg?q=æøå", "https://example.dk/søg?q=æøå"),
    ("https://example.dk/x?ref=forside", "https://example.dk/x?ref=forside"),
])
def test_canonical_url(url: str, expected: str):
    assert canonical_url(url) == expected


def test_strip_tracking_keeps_everything_else():
    assert strip_tracking("https://Ex.dk/A?utm_medium=e&x=1#f") == "https://Ex.dk/A?x=1#f"


# --- images -----------------------------------------------------------------------------------

def test_image_is_resolved_and_http_only():
    assert clean(image_url="/billeder/a.jpg").image_url == "https://www.businesskolding.dk/billeder/a.jpg"
    assert clean(image_url="javascript:alert(1)").image_url is None
    assert clean(image_url="data:image/png;base64,AAAA").image_url is None


def test_image_falls_back_to_the_first_img_in_the_content():
    item = clean(content_html='<p><img src="data:x"><img src="/b.jpg" alt="Havnen &amp; byen"></p>')
    assert item.image_url == "https://www.businesskolding.dk/b.jpg"
    assert item.image_alt == "Havnen & byen"


# --- dates ------------------------------------------------------------------------------------

def test_dates_become_utc():
    local = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    item = clean(published=local)
    assert item.published_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert item.published_at.tzinfo == UTC
    assert item.date_is_estimated is False


def test_missing_date_is_now_and_estimated():
    item = clean(published=None)
    assert item.published_at == NOW and item.date_is_estimated


def test_far_future_date_is_now_and_estimated():
    item = clean(published=NOW + timedelta(days=3))
    assert item.published_at == NOW and item.date_is_estimated
    soon = clean(published=NOW + timedelta(hours=20))
    assert soon.published_at == NOW + timedelta(hours=20) and not soon.date_is_estimated


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        clean_entry(Entry(url="https://e.dk/", title="t"), BASE, datetime(2026, 11, 25))


# --- hash, truncate ---------------------------------------------------------------------------

def test_content_hash_ignores_case_and_whitespace_but_not_words():
    assert content_hash("Ny  Fabrik", "i Vejen") == content_hash("ny fabrik", " i  vejen ")
    assert content_hash("Ny fabrik", "i Vejen") != content_hash("Ny fabrik", "i Vejle")
    assert clean(title="A", summary_html="<p>b</p>").content_hash == content_hash("A", "b")


@pytest.mark.parametrize("text, limit, expected", [
    ("kort", 10, "kort"),
    ("en to tre fire fem", 10, "en to tre…"),
    ("ord, og mere tekst", 6, "ord…"),
])
def test_truncate(text: str, limit: int, expected: str):
    assert truncate(text, limit) == expected


def test_lone_surrogates_become_replacement_characters():
    # json.loads('"\\ud800"') gives a lone surrogate; UTF-8 cannot encode it.
    entry = Entry(guid="x", url="https://example.dk/a", title="Robot \ud800 dag",
                  summary_html="<p>Tekst \udfff her</p>")
    item = clean_entry(entry, "https://example.dk/", datetime(2026, 11, 25, tzinfo=UTC))
    assert item.title == "Robot \ufffd dag"
    assert "\ufffd" in item.summary_text
    item.summary_html.encode("utf-8")
