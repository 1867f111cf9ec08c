"""X (Twitter): the weighted length as twitter-text v3 counts it (issue 10).

twitter-text's v3 configuration: at most 280, text NFC-normalised first; code points in
U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 weigh 1 and every other code
point 2 (CJK, emoji, most non-Latin scripts); an emoji sequence (ZWJ family, skin tone, flag,
keycap) weighs 2 as a whole; every link weighs 23 whatever its length (t.co wraps it).
Checked against twitter-text's conformance cases in tests/data/twitter-text/.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import regex

from newsletter.social.text import find_urls
from newsletter.social.text import shorten as _shorten

NAME = "x"
LABEL = "X"
LIMIT = 280
URL_LENGTH = 23
EMOJI_WEIGHT = 2

_HEAVY = regex.compile(r"[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
# emoji live at U+00A9 and up (mostly U+203C and up); keycaps end in U+20E3: a stdlib pre-scan
# finds the few places worth asking the Unicode properties about
_MAYBE_EMOJI = re.compile(r"[\u00a9\u00ae\u203c-\U0010ffff]")
_KEYCAP = re.compile(r"[#*0-9](?=\ufe0f?\u20e3)")
_EMOJI_START = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]|[#*0-9](?=\ufe0f?\u20e3)")
_CLUSTER = regex.compile(r"\X")
_EMOJI_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}")
_INVALID = regex.compile(r"[\ufffe\ufeff\uffff]")


@dataclass(frozen=True)
class Count:
    weighted_length: int
    valid: bool
    permillage: int


def _plain(segment: str) -> int:
    return len(segment) + len(_HEAVY.findall(segment))


def _emoji_spans(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    position = 0
    candidates = [m.start() for m in _MAYBE_EMOJI.finditer(text)]
    if "\u20e3" in text:
        candidates = sorted(candidates + [m.start() for m in _KEYCAP.finditer(text)])
    for start in candidates:
        if start < position or any(a <= start < b for a, b in taken) or not _EMOJI_START.match(text, start):
            continue
        cluster = _CLUSTER.match(text, start)
        if cluster is None:
            continue
        chars = cluster.group()
        # a text-style symbol on its own (©, ☺ without U+FE0F) is weighed per code point
        if len(chars) > 1 or _EMOJI_PRESENTATION.match(chars):
            spans.append((start, cluster.end()))
            position = cluster.end()
    return spans


def parse(text: str) -> Count:
    """Weighted length, validity (1-280, no U+FFFE/U+FEFF/U+FFFF) and permillage of 280."""
    text = unicodedata.normalize("NFC", text)
    urls = [(u.start, u.end) for u in find_urls(text)]
    pieces = sorted([(a, b, URL_LENGTH) for a, b in urls]
                    + [(a, b, EMOJI_WEIGHT) for a, b in _emoji_spans(text, urls)])
    weighted = 0
    position = 0
    for start, end, weight in pieces:
        weighted += _plain(text[position:start]) + weight
        position = end
    weighted += _plain(text[position:])
    valid = 0 < weighted <= LIMIT and not _INVALID.search(text) and bool(text)
    return Count(weighted, valid, weighted * 1000 // LIMIT)


def count(text: str) -> int:
    return parse(text).weighted_length


def shorten(text: str, limit: int = LIMIT) -> str:
    return _shorten(text, limit, count)


def format_text(text: str) -> str:
    """What is posted: the text as written (X shows links as t.co itself)."""
    return text
