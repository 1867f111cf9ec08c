"""What we store about a person must be able to go in a mail header (issue 8 §3).

One check for every way a person enters: the public sign-up and preferences pages, the team's
``subscribers add`` and the CSV import. A name, organisation or address is refused, with a
reason, when it holds a control character or a line break, an RFC 2047 encoded word
(``=?utf-8?q?=0A?=``: mail programs, and Python's email package, decode it, so it can smuggle
a line break into the To: header), a lone surrogate (it cannot be encoded at all), or is
longer than the column. Nothing is silently cut or rewritten, so what was stored is what was
typed; surrounding whitespace is trimmed and runs of spaces become one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from newsletter.errors import InvalidAddress, InvalidDetail
from newsletter.subscribers.addresses import Address, normalise

MAX_TEXT = 200  # subscribers.name and .organisation are String(200)

# An RFC 2047 encoded word, loosely: "=?" charset "?" B or Q "?" text "?=". Loose on purpose;
# no one's name contains "=?...?=".
ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?]*\?=")
# Bidirectional overrides and isolates reorder what a reader sees (a spoofing trick).
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


@dataclass(frozen=True)
class Person:
    address: Address
    name: str
    organisation: str


def header_problem(value: str) -> tuple[str, str] | None:
    """(code, reason) if ``value`` cannot be part of a mail header, else None."""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc" or category in ("Zl", "Zp"):
            return "control", "it contains a line break or control character"
        if category == "Cs":
            return "control", "it contains a broken character (a lone surrogate)"
        if ch in _BIDI:
            return "control", "it contains a text-direction control character"
    if ENCODED_WORD.search(value) or ("=?" in value and "?=" in value):
        return "encoded", "it contains an encoded mail header word (=?...?=)"
    return None


def check_text(field: str, value: str | None, limit: int = MAX_TEXT) -> str:
    """One line of typed text (name, organisation), trimmed; raise InvalidDetail saying why."""
    raw = value or ""
    problem = header_problem(raw.strip())
    if problem is not None:
        code, reason = problem
        raise InvalidDetail(field, _preview(raw), f"{field} refused: {reason}", code)
    text = " ".join(raw.split())
    if len(text) > limit:
        raise InvalidDetail(field, _preview(text), f"{field} refused: longer than {limit} characters "
                                                   f"({len(text):,})", "too_long")
    return text


def check_address(value: str | None) -> Address:
    """``normalise`` plus the header rules above (an encoded word is valid atext in an
    address, yet Python's email package decodes it)."""
    raw = (value or "").strip()
    problem = header_problem(raw)
    if problem is not None:
        code, reason = problem
        raise InvalidAddress(_preview(raw), f"the address is refused: {reason}",
                             "syntax" if code == "control" else "encoded")
    return normalise(raw)


def check_person(email: str | None, name: str | None = "", organisation: str | None = "") -> Person:
    """The one validation of everything a person is stored with; raises InvalidAddress for
    the address first, then InvalidDetail for the name, then the organisation."""
    address = check_address(email)
    return Person(address, check_text("name", name), check_text("organisation", organisation))


def _preview(value: str) -> str:
    """A printable, short form of a refused value for a one-line message."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
                    for ch in value[:60])
    return shown + ("..." if len(value) > 60 else "")
