"""Hardened parsing of fetched HTML and XML bytes, shared by the source kinds, discovery and
page metadata. Fetched content is hostile: no entity expansion, no network, no huge trees.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterator, Mapping
from html.entities import html5
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)

# Sitemaps and other plain XML: entities are never expanded, no DTD or network access, and
# libxml2's default limits on tree depth and text size stay on (huge_tree=False).
def xml_parser() -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=True, remove_pis=True,
    )


def lower_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    match = _HEADER_CHARSET.search(lower_headers(headers).get("content-type", ""))
    return _known_codec(match.group(1)) if match else None


def _known_codec(name: str | bytes) -> str | None:
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def html_encoding(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """The charset of an HTML document: BOM, then HTTP header, then <meta>, then UTF-8."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    from_header = header_charset(headers)
    if from_header:
        return from_header
    match = _META_CHARSET.search(body[:4096])
    if match and (codec := _known_codec(match.group(1))):
        return codec
    return "utf-8"


def parse_html(body: bytes, headers: Mapping[str, str] | None = None) -> lxml.html.HtmlElement:
    """Parse HTML bytes into an lxml tree (decoding first, so a missing charset means UTF-8)."""
    text = body.decode(html_encoding(body, headers), errors="replace")
    text = text.lstrip("\ufeff")
    if not text.strip():
        return lxml.html.fromstring("<html><body></body></html>")
    # lxml refuses str input that carries an XML encoding declaration
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.fromstring("<html><body></body></html>")


def document_base(root: lxml.html.HtmlElement, page_url: str) -> str:
    """The URL relative links resolve against: <base href> if present, else the page URL."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(page_url, href)
    return page_url


def resolve(base: str, href: str | None) -> str | None:
    """Resolve href against base; None for empty or whitespace-only values."""
    if href is None:
        return None
    href = href.strip()
    if not href:
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def is_http_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def text_of(element: lxml.html.HtmlElement | None) -> str:
    """The visible text of an element with whitespace folded."""
    if element is None:
        return ""
    return " ".join(element.text_content().split())


def looks_like_html(body: bytes, headers: Mapping[str, str] | None = None) -> bool:
    content_type = lower_headers(headers).get("content-type", "").lower()
    if "html" in content_type and "xhtml" not in content_type:
        return True
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# an <img> written inside a comment, a script or a style is not shown by a browser
_HIDDEN = re.compile(r"<!--.*?(?:-->|$)|<(script|style|template|textarea|title)\b.*?(?:</\1\s*>|$)",
                     re.IGNORECASE | re.DOTALL)
_ATTR = r"""\b{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"""


def images(fragment: str) -> Iterator[tuple[str, str | None]]:
    """(src, alt) of each <img> with a src in an HTML fragment, entities decoded."""
    for tag in _IMG_TAG.finditer(_HIDDEN.sub(" ", fragment)):
        src = _attribute(tag.group(0), "src") or _attribute(tag.group(0), "data-src")
        if src and src.strip():
            yield src.strip(), _attribute(tag.group(0), "alt")


def first_image(fragment: str) -> tuple[str, str | None] | None:
    return next(images(fragment), None)


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(_ATTR.format(name=re.escape(name)), tag, re.IGNORECASE)
    if not match:
        return None
    return unescape_attribute(next(g for g in match.groups() if g is not None))


_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


def unescape_attribute(value: str) -> str:
    """An attribute value decoded the way a browser decodes it (WHATWG HTML, "named character
    reference state"): like ``html.unescape``, except that a reference without its ";" that is
    followed by "=" or a letter or digit stays as written, so "?id=1&region=syd" keeps
    "&region" and "&amp=1" keeps "&amp" (``html.unescape`` makes them "®ion" and "&=1";
    issue 8, §2). libxml2's HTML parser, which the html kind uses, agrees (a test checks it)."""
    if "&" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref[0] == "#":
            return html.unescape(match.group(0))
        if ref in html5:
            return html5[ref]
        for end in range(min(len(ref), 32), 1, -1):
            legacy = ref[:end]
            if legacy in html5 and not legacy.endswith(";"):  # the names allowed without ";"
                after = ref[end:end + 1]
                if after == "=" or (after.isascii() and after.isalnum()):
                    return match.group(0)
                return html5[legacy] + ref[end:]
        return match.group(0)

    return _CHARREF.sub(one, value)
