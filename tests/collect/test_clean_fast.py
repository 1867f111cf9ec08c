"""The fast paths of cleaning give exactly what the general path gives, hostile input included.

Each fast path is checked against the slow, obviously-right way on the hostile fragments of
test_clean.py and on seeded random soup built from the characters that matter.
"""

from __future__ import annotations

import html
import random
import re
from urllib.parse import urljoin, urlsplit

import pytest

from newsletter.collect import clean
from newsletter.collect.clean import (
    clean_summary,
    html_to_text,
    is_script_url,
    safe_http_url,
    sanitize_html,
    sanitized_html_to_text,
)
from tests.collect.test_clean import HOSTILE

BASE = "https://www.businesskolding.dk/feed/"

PIECES = ["<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<i>", "<li>", "<ul>", "</ul>", "<ol>",
          "<blockquote>", "</blockquote>", "<div>", "</div>", "<span>", "<table><tr><td>", "</td>",
          "<script>", "</script>", "<style>", "<!--", "-->", "<a href=\"", "<a title='", "\">",
          "<a href=/x title=\"a>b\" onclick=\"x\">", "</a>", "<img src=\"/i.jpg\" alt=\"x>y\">",
          "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#60;", "&#x3c;b&#x3e;", "&amp;lt;", "&",
          "<", ">", "\"", "'", "=", "/", " ", "\n", "\r\n", "\t", "\u00a0", "\u200b", "\x00", "\x0c",
          "ord", "Æblegrød", "😀", "javascript:", "https://ok.example/?a=1&b=2", "<textarea>", "<title>"]


def soup(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))


FRAGMENTS = HOSTILE + [
    '<p>Hej <strong>Kolding</strong> <a href="/om-os/" title="a &quot;b&quot; > c">os</a></p>',
    '<a href="https://x.dk/?a=1&amp;b=2" title="x>y<z">link</a> efter',
    "<p>3 &lt; 5 &amp;&amp; 7 &gt; 2</p><ul><li>et<li>to</ul>",
    "in<b>vest</b>erer<br>ny linje<blockquote>citat</blockquote>slut",
    "<table><tr><td>celle</td></tr></table>foran",
] + [soup(random.Random(seed)) for seed in range(400)]


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_text_of_sanitised_html_equals_the_general_html_to_text(fragment: str):
    safe = sanitize_html(fragment, BASE)
    assert sanitized_html_to_text(safe) == html_to_text(safe)


def test_tag_stripping_copes_with_gt_inside_attribute_values():
    # nh3 escapes ">" in attribute values today; the stripping does not rely on it
    assert sanitized_html_to_text('<p><a href="/x" title="1 > 0">link</a> og <b>fed</b></p>') == "link og fed"
    safe = sanitize_html('<p><a href="/x" title="1 > 0 &quot;k&quot;">link</a> og <b>fed</b></p>', BASE)
    assert sanitized_html_to_text(safe) == "link og fed"


PLAIN = [
    "Virksomheder i Trekantområdet investerer i robotter.",
    "3 > 2 \"citat\" 'enkelt'", "linje\r\nlinje\rlinje\nslut", "  foran og bagved \t ",
    "hård\u00a0mellemrum\u00a0", "\u00a0 starter med nbsp", "styre\x00tegn\x0c og\u200b usynlige\ufeff",
    "Søndag 😀 — blåbær", "x" * 2000, " ".join(["produktionsvirksomhed"] * 50), "\u2003\u2003",
] + ["".join(random.Random(seed).choice("ab æ>\"'\r\n\t\u00a0\u200b\x01😀") for _ in range(60))
     for seed in range(200)]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_summary_equals_the_general_path(text: str):
    assert "<" not in text and "&" not in text
    safe = sanitize_html(text, BASE)
    full = html_to_text(safe)
    expected = ("", "") if not text.strip() or not full else None
    result = clean_summary(text, BASE, 300)
    if expected is not None:
        assert result == expected
        return
    cut = clean.truncate(full, 300)
    assert result == ((safe, full) if cut == full else (f"<p>{html.escape(cut, quote=False)}</p>", cut))


def _is_script_url_reference(url: str) -> bool:
    squashed = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url)).lower()
    return squashed.startswith(("javascript:", "data:", "vbscript:"))


SCHEMES = ["javascript:", "JaVaScRiPt:", "data:", "vbscript:", "jav&#x09;ascript:", "&#106;avascript:",
           "java\nscript:", "&#x64;ata:", "d&#97;ta:", "javascript&colon;", "https:", "http://x.dk/",
           "/sti", "?q", "#a", "mailto:", "relative/j", "vej.html", "1x"]


@pytest.mark.parametrize("prefix", ["", " ", "\t", "\x01", "\x7f", "&#32;", "\n\n"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_script_url_check_agrees_with_the_full_check(prefix: str, scheme: str):
    url = f"{prefix}{scheme}alert(1)"
    assert is_script_url(url) == _is_script_url_reference(url)


def _safe_http_url_reference(href: str | None, base_url: str | None) -> str | None:
    if not href:
        return None
    # the href is already decoded by its parser; no second unescape (issue 8, §2)
    href = href.strip()
    if not href or _is_script_url_reference(href):
        return None
    href = re.sub(r"[\t\r\n]", "", href).replace(" ", "%20")
    try:
        absolute = urljoin(base_url, href) if base_url else href
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute


HREFS = ["https://x.dk/a", "HTTPS://X.dk/a?", "https://x.dk/a/../b", "https://x.dk/a#", "http://x.dk:8080/a;p?q#f",
         "http://x.dk", "//cdn.x.dk/i.jpg", "/abs/../sti", "rel/sti", "../op", "?q=1", "#frag", "https:rel",
         "http:/enkelt", "https://", "http://[::1]:80/x", "http://[::1/x", "ftp://x.dk/f", "mailto:a@x.dk",
         " https://x.dk/mellem rum ", "https://x.dk/\tfane", "&#104;ttps://x.dk/", "javascript:alert(1)",
         "https://bruger@x.dk/", "https://x.dk/æøå?q=å", ""]
BASES = ["https://www.businesskolding.dk/feed/", "http://127.0.0.2:8000/feed/1.xml", "HTTPS://Upper.dk/x", None, ""]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("href", HREFS)
def test_safe_http_url_agrees_with_urljoin(href: str, base: str | None):
    expected = _safe_http_url_reference(href, base)
    assert safe_http_url(href, base) == expected
    assert safe_http_url(href, base) == expected  # again, from the cache


def test_a_giant_url_is_checked_the_same_way():
    giant = "https://x.dk/" + "a" * 50_000
    assert safe_http_url(giant, BASE) == giant
    assert safe_http_url("/" + "b" * 50_000, BASE) == "https://www.businesskolding.dk/" + "b" * 50_000
    assert safe_http_url(" javascript:" + "c" * 50_000, BASE) is None
