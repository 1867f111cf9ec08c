"""Pure text rules shared by the networks: links, hashtags, mentions, grapheme clusters, and
shortening at a word boundary (issue 10).

Links are found the way twitter-text finds them, since X, Mastodon (which runs twitter-text's
extractor) and the team's own eye should agree on what a link is:

- with ``http://`` or ``https://``: any host of valid labels (Unicode allowed, at most 63
  characters each once IDNA-encoded) and a letter TLD, then an optional port, path, query and
  fragment;
- without a scheme: ASCII labels and a TLD from ``TLDS``; a bare ``name.cc`` (one label, a
  country TLD, no path) is not a link, except ``.co`` and ``.tv`` (twitter-text's rule);
- a link may not start right after a letter, a digit, ``@``, ``$`` or ``#``, so a link glued
  to a word (``abchttps://x.dk``) is not one, while one after punctuation (``mere:https://x.dk``)
  is; trailing punctuation (``.`` ``,`` ``)`` ...) is not part of it.

Nothing here does I/O; every function takes and returns plain values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

# Country-code TLDs (the ASCII ones twitter-text lists) and the generic TLDs that partners and
# readers actually use. A scheme-less link with another TLD is counted as plain text.
CC_TLDS = frozenset(["ac", "ad", "ae", "af", "ag", "ai", "al", "am", "an", "ao", "aq", "ar", "as", "at", "au", "aw", "ax", "az", "ba", "bb", "bd", "be", "bf", "bg", "bh", "bi", "bj", "bl", "bm", "bn", "bo", "bq", "br", "bs", "bt", "bv", "bw", "by", "bz", "ca", "cc", "cd", "cf", "cg", "ch", "ci", "ck", "cl", "cm", "cn", "co", "cr", "cu", "cv", "cw", "cx", "cy", "cz", "de", "dj", "dk", "dm", "do", "dz", "ec", "ee", "eg", "eh", "er", "es", "et", "eu", "fi", "fj", "fk", "fm", "fo", "fr", "ga", "gb", "gd", "ge", "gf", "gg", "gh", "gi", "gl", "gm", "gn", "gp", "gq", "gr", "gs", "gt", "gu", "gw", "gy", "hk", "hm", "hn", "hr", "ht", "hu", "id", "ie", "il", "im", "in", "io", "iq", "ir", "is", "it", "je", "jm", "jo", "jp", "ke", "kg", "kh", "ki", "km", "kn", "kp", "kr", "kw", "ky", "kz", "la", "lb", "lc", "li", "lk", "lr", "ls", "lt", "lu", "lv", "ly", "ma", "mc", "md", "me", "mf", "mg", "mh", "mk", "ml", "mm", "mn", "mo", "mp", "mq", "mr", "ms", "mt", "mu", "mv", "mw", "mx", "my", "mz", "na", "nc", "ne", "nf", "ng", "ni", "nl", "no", "np", "nr", "nu", "nz", "om", "pa", "pe", "pf", "pg", "ph", "pk", "pl", "pm", "pn", "pr", "ps", "pt", "pw", "py", "qa", "re", "ro", "rs", "ru", "rw", "sa", "sb", "sc", "sd", "se", "sg", "sh", "si", "sj", "sk", "sl", "sm", "sn", "so", "sr", "ss", "st", "su", "sv", "sx", "sy", "sz", "tc", "td", "tf", "tg", "th", "tj", "tk", "tl", "tm", "tn", "to", "tp", "tr", "tt", "tv", "tw", "tz", "ua", "ug", "uk", "um", "us", "uy", "uz", "va", "vc", "ve", "vg", "vi", "vn", "vu", "wf", "ws", "ye", "yt", "za", "zm", "zw"])
GENERIC_TLDS = frozenset(["com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "name", "pro", "mobi", "app", "dev", "aero", "asia", "cat", "coop", "jobs", "museum", "tel", "travel", "xxx", "online", "site", "store", "shop", "blog", "news", "tech", "cloud", "digital", "media", "agency", "academy", "center", "company", "consulting", "energy", "engineering", "events", "expert", "group", "international", "jobs", "link", "live", "network", "one", "page", "partners", "plus", "solutions", "studio", "systems", "team", "technology", "today", "tools", "web", "website", "work", "works", "world", "xyz", "berlin", "hamburg", "koeln", "amsterdam", "london", "paris", "wien", "nyc"])
TLDS = CC_TLDS | GENERIC_TLDS
_SPECIAL_SHORT = frozenset({"co", "tv"})
_TCO = regex.compile(r"https?://t\.co/[a-z0-9]+", regex.IGNORECASE)

_GRAPHEME = regex.compile(r"\X")
# a character that may join a cluster (or CR, which joins a following LF); text without one
# has as many grapheme clusters as code points, which is most Danish text
_JOINS = regex.compile(r"[^\p{Grapheme_Cluster_Break=Other}\n]")
_NOT_BEFORE = r"(?<![A-Za-z0-9@\uff20$#\uff03])"
# Labels are matched possessively (``*+``: no backtracking inside a word, which made scanning
# ordinary text slow) and checked afterwards: no leading or trailing hyphen, at most 63.
_LABEL_U = r"[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}_-]*+"
_LABEL_A = r"[a-z0-9\p{Latin}][a-z0-9_\p{Latin}\p{M}-]*+"
# path, query and fragment: printable ASCII but quotes, <>, \\ ^ ` {}, plus Latin and Cyrillic
_PATH_CHAR = r"[!#-;=?-\[\]_a-z|~\p{Latin}\p{Cyrillic}\p{M}]"  # ?-[ is ?, @ and A-Z
_PORT_PATH = r"(?::[0-9]{1,5})?(?:[/?#]" + _PATH_CHAR + r"*)?"
# no IGNORECASE here: with Unicode property classes it made the match several times slower
_WITH_SCHEME = regex.compile(
    _NOT_BEFORE + r"(?P<url>[hH][tT][tT][pP][sS]?://(?P<host>(?:" + _LABEL_U
    + r"\.)+(?:[xX][nN]--[a-zA-Z0-9-]+|\p{L}{2,}))" + _PORT_PATH + r")")
_WITHOUT_SCHEME = regex.compile(
    _NOT_BEFORE + r"(?<![-_./])(?P<url>(?P<host>(?:" + _LABEL_A + r"\.)+(?P<tld>[a-z]{2,}))"
    + r"(?![a-z0-9@+-])(?P<rest>" + _PORT_PATH + r"))", regex.IGNORECASE)
# Fast pre-scans (stdlib re): where a scheme starts, and where a dot is followed by two
# letters. The full patterns run only at those places; scanning every position of ordinary
# text with them cost ~25x more.
_SCHEME_AT = re.compile(r"https?://", re.IGNORECASE)
# words that may hold a scheme-less host: ASCII, Latin letters (U+00C0-U+024F, U+1E00-U+1EFF),
# combining marks, dots, hyphens; a superset of the host pattern, so no link is missed
_HOST_CHARS = r"A-Za-z0-9_.\-\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f"
_HOST_WORD = re.compile(rf"(?<![{_HOST_CHARS}])[{_HOST_CHARS}]*\.[A-Za-z]{{2}}")
# a link does not end in these (they end the sentence around it)
_TRAILING = ".,;:!?'\"»”’…)]}*"
HASHTAG = regex.compile(r"(?<![\p{L}\p{N}_&])[#\uff03](?P<tag>[\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*)")
MENTION = regex.compile(r"(?<![\p{L}\p{N}_@])@(?P<user>[A-Za-z0-9_]{1,30})(?:@(?P<domain>[\w.-]+\.[a-z]{2,}))?",
                        regex.IGNORECASE)
ELLIPSIS = "…"


@dataclass(frozen=True)
class Span:
    """A link, hashtag or mention: ``text[start:end]`` in code points."""

    start: int
    end: int
    kind: str  # "url", "hashtag", "mention"
    value: str


def graphemes(text: str) -> list[str]:
    """User-perceived characters (extended grapheme clusters, UAX #29)."""
    return _GRAPHEME.findall(text)


def grapheme_count(text: str) -> int:
    if not _JOINS.search(text):
        return len(text)
    return len(_GRAPHEME.findall(text))


def grapheme_bounds(text: str) -> list[int]:
    """Every index where a grapheme cluster starts, plus ``len(text)``."""
    bounds = [m.start() for m in _GRAPHEME.finditer(text)]
    bounds.append(len(text))
    return bounds


def _label_ok(label: str) -> bool:
    if len(label) > 63 or label.endswith(("-", "_")):
        return False
    if label.isascii():
        return True
    try:
        return len("xn--" + label.encode("punycode").decode("ascii")) <= 63
    except UnicodeError:
        return False


def _trim(url: str) -> str:
    """Drop sentence punctuation at the end of a link, keeping balanced parentheses; a t.co
    link ends after its code (twitter-text's rule: ``t.co/abc's`` is ``t.co/abc``)."""
    tco = _TCO.match(url)
    if tco:
        return tco.group()
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _scheme_less(text: str) -> Iterator[regex.Match[str]]:
    """Matches of the scheme-less pattern, tried only at the start of words with a dot."""
    for word in _HOST_WORD.finditer(text):
        m = _WITHOUT_SCHEME.match(text, word.start())
        if m is not None:
            yield m


def find_urls(text: str, with_scheme_only: bool = False) -> list[Span]:
    """The links in ``text``, in order, never overlapping."""
    spans: list[Span] = []
    taken_until = -1
    for at in _SCHEME_AT.finditer(text):
        m = _WITH_SCHEME.match(text, at.start())
        if m is None:
            continue
        labels = m.group("host").split(".")
        # underscores are allowed in subdomains, not in the domain or the TLD
        if not all(_label_ok(label) for label in labels) or "_" in "".join(labels[-2:]):
            continue
        url = _trim(m.group("url"))
        spans.append(Span(m.start("url"), m.start("url") + len(url), "url", url))
    if not with_scheme_only:
        covered = [(s.start, s.end) for s in spans]
        for m in _scheme_less(text):
            start = m.start("url")
            if any(a <= start < b for a, b in covered):
                continue
            tld = m.group("tld").lower()
            labels = m.group("host").split(".")
            if (tld not in TLDS or "_" in labels[-2]
                    or not all(_label_ok(label) for label in labels)):
                continue
            url = _trim(m.group("url"))
            has_path = len(url) > len(m.group("host"))
            if (len(labels) == 2 and tld in CC_TLDS and tld not in _SPECIAL_SHORT and not has_path):
                continue
            spans.append(Span(start, start + len(url), "url", url))
        spans.sort(key=lambda s: s.start)
    result = []
    for span in spans:
        if span.start >= taken_until:
            result.append(span)
            taken_until = span.end
    return result


def entities(text: str) -> list[Span]:
    """Links, hashtags and mentions; a hashtag or mention inside a link is part of the link."""
    urls = find_urls(text)
    inside = [(u.start, u.end) for u in urls]
    found = list(urls)
    for pattern, kind, group in ((HASHTAG, "hashtag", "tag"), (MENTION, "mention", "user")):
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in inside):
                continue
            found.append(Span(m.start(), m.end(), kind, m.group(group)))
    found.sort(key=lambda s: s.start)
    return found


def camel_hashtag(phrase: str) -> str:
    """``"danmarks produktionscenter"`` -> ``#DanmarksProduktionscenter`` (readable, and read out
    word by word by screen readers); a word's own capitals stay (``SDU``). Empty if nothing is left."""
    words = regex.findall(r"[\p{L}\p{M}\p{N}]+", phrase.lstrip("#"))
    tag = "".join(w[:1].upper() + w[1:] for w in words)
    if not tag or tag.isdigit():
        return ""
    return "#" + tag


def cut_points(text: str) -> list[int]:
    """Where ``text`` may be cut: before whitespace, outside every link, hashtag and mention.

    Falls back to grapheme boundaries (still outside entities) for text without spaces.
    """
    blocked = [(s.start, s.end) for s in entities(text)]

    def free(i: int) -> bool:
        return not any(a < i < b for a, b in blocked)

    points = [i for i, ch in enumerate(text) if ch.isspace() and i > 0 and not text[i - 1].isspace() and free(i)]
    if not points:
        points = [i for i in grapheme_bounds(text)[1:-1] if free(i)]
    return points


def _with_ellipsis(text: str, at: int) -> str:
    head = text[:at].rstrip()
    stripped = head.rstrip(" ,.;:–-")
    return (stripped or head) + ELLIPSIS


def shorten(text: str, limit: int, count: Callable[[str], int],
            wrap: Callable[[str], str] | None = None) -> str:
    """``text`` cut at a word boundary with "…" so that ``count(wrap(result)) <= limit``.

    ``wrap`` puts the shortened part back into its post (title, link and hashtags stay whole);
    without it the text itself is measured. Text that fits is returned unchanged, so a post at
    exactly the limit is left alone and one over is shortened. Returns "" when even the
    shortest cut does not fit.
    """
    outer = wrap or (lambda s: s)
    if count(outer(text)) <= limit:
        return text
    points = cut_points(text)
    low, high, best = 0, len(points) - 1, ""
    while low <= high:  # counts grow with the cut point: binary search for the last that fits
        mid = (low + high) // 2
        candidate = _with_ellipsis(text, points[mid])
        if count(outer(candidate)) <= limit:
            best, low = candidate, mid + 1
        else:
            high = mid - 1
    return best


def utf8_offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """Code-point indices -> UTF-8 byte offsets (what Bluesky facets use)."""
    begin = len(text[:start].encode("utf-8"))
    return begin, begin + len(text[start:end].encode("utf-8"))
