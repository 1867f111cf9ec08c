"""Cleaning: one parsed ``Entry`` becomes a ``CleanItem`` that is safe to store and to show.

Rules (README, "Cleaning rules"): summary HTML reduced to a small allow-list with nh3;
links and images http(s) only and absolute; a plain-text summary cut at a word boundary;
a canonical URL without tracking parameters for deduplication; aware UTC dates, with the
collect time standing in for a missing or future date.
"""

from __future__ import annotations

import hashlib
import html
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import chain
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import nh3

from newsletter.collect.dates import to_utc
from newsletter.collect.markup import images
from newsletter.errors import NewsletterError
from newsletter.models import CleanItem, Entry

TITLE_CHARS = 300
DERIVED_TITLE_WORDS = 12
AUTHOR_CHARS = 200
FUTURE_TOLERANCE = timedelta(days=1)

SUMMARY_TAGS = {"p", "br", "a", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote"}
SUMMARY_ATTRIBUTES = {"a": {"href", "title"}}
# removed together with their content, not just unwrapped
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript",
                     "svg", "math", "form", "select", "textarea", "button", "title", "head"}
LINK_SCHEMES = {"http", "https", "mailto"}

TRACKING_PARAMS = {
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "mc_eid", "mc_cid", "_ga", "_gl", "igshid",
    "yclid", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url", "twclid", "li_fat_id", "wickedid",
    "vero_id", "vero_conv", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "srsltid",
    "spm", "_openstat", "wt_mc", "wt.mc_id", "cmpid", "at_medium", "at_campaign", "trk",
    "trkcampaign", "sc_campaign", "sc_channel", "hsctatracking", "__hstc", "__hssc", "__hsfp",
    "ga_source", "ga_medium", "ga_campaign", "ga_content", "ga_term", "pk_campaign", "pk_kwd",
    "pk_source", "pk_medium", "pk_content", "mtm_campaign", "mtm_source", "mtm_medium",
    "mtm_content", "mtm_keyword", "piwik_campaign", "piwik_kwd", "ncid", "sr_share",
}
TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_")

_DEFAULT_PORTS = {"http": "80", "https": "443"}
# browsers drop ASCII tab/newline inside URLs and trim C0 controls and spaces around them,
# so "jav&#x09;ascript:" and " javascript:" still run script: compare without them
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")
_BLOCK_END = re.compile(r"</?(?:p|br|li|ul|ol|blockquote|div|h[1-6]|tr|td|th|table|section|article|header|footer)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# In nh3's output a literal "<" only ever opens a tag: text escapes "<" and ">", attribute
# values are always double-quoted with '"' escaped (a ">" inside them is skipped even if a
# future nh3 stops escaping it), comments are stripped, and the only elements left are
# SUMMARY_TAGS, of which only <a> has attributes. tests/collect/test_clean_fast.py checks it.
_SAFE_BLOCK = re.compile(r"</?(?:p|br|ul|ol|li|blockquote)>")
_SAFE_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
# a URL starting with one of these cannot start with javascript:/data:/vbscript: after
# unescaping (which changes nothing before the first "&") and dropping noise characters
_SAFE_URL_START = frozenset(string.ascii_letters + string.digits + "/?#.") - set("jdvJDV")


class Rejected(NewsletterError):
    """An entry that cannot become an item; collect counts it and goes on."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


_SURROGATE = re.compile("[\ud800-\udfff]")
_TEXT_FIELDS = ("guid", "url", "title", "summary_html", "content_html", "image_url", "image_alt", "author")


def _without_surrogates(entry: Entry) -> Entry:
    """Lone surrogates (an escaped JSON feed can carry "\\ud800") cannot be encoded as UTF-8:
    the sanitiser and the database would fail on them, taking the whole source down."""
    changes: dict[str, Any] = {name: _SURROGATE.sub("\ufffd", value) for name in _TEXT_FIELDS
                               if isinstance(value := getattr(entry, name), str) and _SURROGATE.search(value)}
    return replace(entry, **changes) if changes else entry


def clean_entry(entry: Entry, base_url: str, now: datetime, summary_chars: int = 300) -> CleanItem:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    entry = _without_surrogates(entry)
    url = _item_url(entry, base_url)
    summary_html, summary_text = clean_summary(entry.summary_html or entry.content_html, base_url, summary_chars)
    title = clean_title(entry.title) or derive_title(summary_text)
    if not title:
        raise Rejected(f"{url}: the entry has neither a title nor a summary")
    canonical = canonical_url(url)
    image_url, image_alt = lead_image(entry, base_url)
    published, estimated = clean_published(entry.published, now)
    guid = _plain_line(entry.guid or "", 1000) or canonical
    return CleanItem(
        guid=guid,
        url=strip_tracking(url),
        canonical_url=canonical,
        title=title,
        summary_html=summary_html,
        summary_text=summary_text,
        image_url=image_url,
        image_alt=image_alt,
        author=_plain_line(entry.author or "", AUTHOR_CHARS) or None,
        published_at=published,
        date_is_estimated=estimated,
        content_hash=content_hash(title, summary_text),
    )


# --- links -----------------------------------------------------------------------------------

def _item_url(entry: Entry, base_url: str) -> str:
    link = (entry.url or "").strip()
    if link:
        if is_script_url(link):
            raise Rejected(f"the link of {_label(entry)} uses a script or data URL")
        resolved = safe_http_url(link, base_url)
        if resolved:
            return resolved
    guid = (entry.guid or "").strip()
    if guid and not is_script_url(guid):
        resolved = safe_http_url(guid, None)
        if resolved:
            return resolved
    if link:
        raise Rejected(f"the link {link[:200]!r} of {_label(entry)} is not an http(s) URL")
    raise Rejected(f"{_label(entry)} has no link, and its guid is not an http(s) URL")


def _label(entry: Entry) -> str:
    title = _plain_line(entry.title or "", 80)
    return f"entry {title!r}" if title else "an untitled entry"


def is_script_url(url: str) -> bool:
    """Would a browser run it? Decoded once more than needed on purpose: refusing
    "jav&#x09;ascript:" costs nothing, and the URL itself is never changed here."""
    if url[:1] in _SAFE_URL_START:
        return False
    squashed = _URL_NOISE.sub("", html.unescape(url)).lower()
    return squashed.startswith(("javascript:", "data:", "vbscript:"))


def safe_http_url(href: str | None, base_url: str | None) -> str | None:
    """href made absolute against base_url if it is (or becomes) an http(s) URL, else None."""
    if not href:
        return None
    if len(href) > _CACHED_URL_CHARS:  # hostile giants stay out of the cache (bounded memory)
        return _safe_http_url.__wrapped__(href, base_url)
    return _safe_http_url(href, base_url)


_CACHED_URL_CHARS = 2000


# pure, and a feed repeats the same relative links and images in every item
@lru_cache(maxsize=2048)
def _safe_http_url(href: str, base_url: str | None) -> str | None:
    # ``href`` is already decoded: feedparser, the XML and HTML parsers, JSON and nh3 decode
    # entities once, as a browser does. Unescaping again turned "?id=1&region=syd" into
    # "?id=1®ion=syd" and "&lt=2" into "<" (issue 8, §2): the link stays as the partner wrote it.
    href = href.strip()
    if not href or is_script_url(href):
        return None
    # stray tabs and newlines inside a URL are dropped by browsers; do the same
    href = re.sub(r"[\t\r\n]", "", href).replace(" ", "%20")
    try:
        parts = urlsplit(href)
        if parts.netloc and parts.scheme in ("http", "https"):
            # already absolute: what urljoin would return, without parsing the base again
            if base_url and parts.scheme == _scheme(base_url):
                absolute = urlunsplit(parts)
                parts = urlsplit(absolute)
            else:
                absolute = href
        else:
            absolute = urljoin(base_url, href) if base_url else href
            parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute


@lru_cache(maxsize=256)
def _scheme(base_url: str) -> str:
    return urlsplit(base_url).scheme


def lead_image(entry: Entry, base_url: str) -> tuple[str | None, str | None]:
    """The entry's image, else the first <img> in its content or summary; http(s) only."""
    candidates: Iterable[tuple[str | None, str | None]] = chain(
        [(entry.image_url, entry.image_alt)],
        *(images(fragment) for fragment in (entry.content_html, entry.summary_html) if fragment))
    for src, alt in candidates:  # lazily: the entry's own image usually settles it
        url = safe_http_url(src, base_url)
        if url:
            return url, (_plain_line(alt or "", TITLE_CHARS) or None)
    return None, None


def strip_tracking(url: str) -> str:
    """The URL without tracking parameters; everything else exactly as given."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=_filtered_query(parts.query)))


def canonical_url(url: str) -> str:
    """The URL used to recognise the same story: lower-case scheme and host, no default port,
    no fragment, no tracking parameters, other parameters kept in their order."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port if _has_port(parts.netloc) else None
    netloc = host if port is None or str(port) == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, _filtered_query(parts.query), ""))


def _has_port(netloc: str) -> bool:
    return bool(re.search(r":\d+$", netloc.rsplit("@", 1)[-1]))


def _filtered_query(query: str) -> str:
    if not query:
        return ""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote(pair.split("=", 1)[0]).strip().lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append(pair)
    return "&".join(kept)


# --- text ------------------------------------------------------------------------------------

def clean_summary(raw_html: str | None, base_url: str, summary_chars: int = 300) -> tuple[str, str]:
    """(safe HTML, plain text) of a summary. Long summaries are cut, and their HTML becomes the
    cut text in one paragraph, so no half-open tags or half an article reach the email."""
    if not raw_html or not raw_html.strip():
        return "", ""
    if "<" in raw_html or "&" in raw_html:
        safe = sanitize_html(raw_html, base_url)
        full_text = sanitized_html_to_text(safe)
    else:
        safe, full_text = _plain_summary(raw_html)
    if not full_text:
        return "", ""
    text = truncate(full_text, summary_chars)
    if text != full_text:
        return f"<p>{html.escape(text, quote=False)}</p>", text
    return safe, text


def sanitize_html(raw_html: str, base_url: str) -> str:
    """HTML reduced to the summary allow-list; links absolute, http(s)/mailto only, rel=noopener."""

    def check_attribute(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href" and is_script_url(value):
            return None
        return value

    cleaned = nh3.clean(
        _CONTROL.sub("", raw_html),
        tags=SUMMARY_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=SUMMARY_ATTRIBUTES,
        attribute_filter=check_attribute,
        url_schemes=LINK_SCHEMES,
        # safe_http_url refuses script URLs itself, after unescaping
        url_relative=lambda url: safe_http_url(url, base_url),
        link_rel="noopener",
        strip_comments=True,
    )
    return cleaned.strip()


def _plain_summary(raw: str) -> tuple[str, str]:
    """(safe HTML, text) of a summary without "<" or "&": exactly what sanitize_html and
    html_to_text make of it (no markup to parse), without running nh3 twice."""
    raw = _CONTROL.sub("", raw)
    raw.encode("utf-8")  # a lone surrogate fails here as it would inside nh3
    safe = raw.replace("\r\n", "\n").replace("\r", "\n").replace(">", "&gt;").replace("\u00a0", "&nbsp;")
    return safe.strip(), _fold(raw)


def sanitized_html_to_text(safe: str) -> str:
    """html_to_text for the output of sanitize_html only: there every "<" opens an allowed tag
    (see _SAFE_TAG), nothing hidden is left, so removing the tags is enough."""
    return _fold(html.unescape(_SAFE_TAG.sub("", _SAFE_BLOCK.sub(" ", safe))))


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment: tags removed, entities decoded, whitespace folded."""
    spaced = _BLOCK_END.sub(" ", fragment)
    stripped = nh3.clean(spaced, tags=set(), clean_content_tags=DROP_WITH_CONTENT)
    return _fold(html.unescape(stripped))


def clean_title(raw: str | None) -> str:
    if not raw:
        return ""
    # titles arrive as HTML from feedparser, sometimes double-escaped by the source
    text = html.unescape(raw)
    if "<" in text:
        text = html_to_text(text)
    if "&" in text and re.search(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", text, re.IGNORECASE):
        text = html.unescape(text)
    return truncate(_fold(text), TITLE_CHARS)


def derive_title(summary_text: str) -> str:
    words = summary_text.split()
    if not words:
        return ""
    title = " ".join(words[:DERIVED_TITLE_WORDS]).rstrip("…")
    if len(words) > DERIVED_TITLE_WORDS or summary_text.endswith("…"):
        title = title.rstrip(" ,.;:-–") + "…"
    return truncate(title, 120)


def truncate(text: str, limit: int) -> str:
    """text cut to at most ``limit`` characters at a word boundary, ending with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—(") + "…"


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return " ".join(text.split())


def _plain_line(text: str, limit: int) -> str:
    return truncate(_fold(html_to_text(text) if "<" in text else html.unescape(text)), limit)


def content_hash(title: str, summary_text: str) -> str:
    normalised = f"{_fold(title).casefold()}\n{_fold(summary_text).casefold()}"
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# --- dates -----------------------------------------------------------------------------------

def clean_published(published: datetime | None, now: datetime) -> tuple[datetime, bool]:
    """(UTC date, estimated?): a missing date, or one more than a day ahead, becomes now."""
    now_utc = now.astimezone(UTC)
    if published is None:
        return now_utc, True
    value = to_utc(published)
    if value > now_utc + FUTURE_TOLERANCE:
        return now_utc, True
    return value, False
