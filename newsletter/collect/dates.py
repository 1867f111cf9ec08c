"""Reading dates as Danish partner sites write them. Pure functions, no I/O.

Local dates and times are read in Europe/Copenhagen; every result is an aware datetime.
Relative forms ("i går", "for 3 dage siden") need ``now``; without it they give None.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

MONTHS: dict[str, int] = {
    "januar": 1, "jan": 1, "january": 1,
    "februar": 2, "feb": 2, "february": 2,
    "marts": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "maj": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

# RFC 822 dates with Danish names ("man, 23 nov 2026 10:00:00 +0100") -> English for email.utils
_RFC822_DA = {
    "man": "Mon", "tir": "Tue", "ons": "Wed", "tor": "Thu", "fre": "Fri", "lør": "Sat", "søn": "Sun",
    "maj": "May", "okt": "Oct",
}

_TIME = r"(?:\s*(?:,|kl\.?|klokken|at|-)?\s*(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?)?"
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ](?P<rest>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?))?", re.IGNORECASE)
_NUMERIC = re.compile(r"(?<![\d.])(?P<d>\d{1,2})\s*[./-]\s*(?P<m>\d{1,2})\s*[./-]\s*(?P<y>\d{4}|\d{2})(?![\d])" + _TIME)
_NAMED = re.compile(
    r"(?<![\w])(?P<d>\d{1,2})\.?\s*(?P<month>" + _MONTH_ALT + r")\.?(?:\s*,?\s*(?P<y>\d{4}))?(?![\w])" + _TIME,
    re.IGNORECASE,
)
# "November 24, 2026" (English sites of partners such as Invest in Denmark)
_NAMED_EN = re.compile(
    r"(?<![\w])(?P<month>" + _MONTH_ALT + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?![\w])" + _TIME,
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"for\s+(?P<n>\d+|en|et|ét|én)\s+(?P<unit>sekund(?:er)?|minut(?:ter)?|time(?:r)?|dag(?:e)?|uge(?:r)?|måned(?:er)?|år)\s+siden",
    re.IGNORECASE,
)
_DAY_WORDS = re.compile(r"\b(?P<word>i\s+dag|i\s+går|i\s+forgårs|igår|idag)\b" + _TIME, re.IGNORECASE)
_UNIT_SECONDS = {"sekund": 1, "minut": 60, "time": 3600, "dag": 86400, "uge": 7 * 86400}


def parse_date(text: str | None, now: datetime | None = None) -> datetime | None:
    """The first date in ``text`` as an aware datetime, or None when there is none.

    Accepted: ISO 8601 ("2026-11-24", "2026-11-24T10:00:00+01:00"), RFC 822 (also with Danish
    day and month names), "24. november 2026", "24. nov. 2026", "mandag d. 23. november 2026",
    "24.11.2026", "24/11/2026", "24-11-26", each optionally followed by "kl. 10.30", and the
    relative forms "i dag", "i går", "i forgårs", "for 3 dage siden", "for en uge siden".
    A date without a year takes the year that puts it closest before ``now``.
    """
    if not text:
        return None
    text = " ".join(str(text).replace("\xa0", " ").split())
    if not text:
        return None
    for reader in (_read_iso, _read_rfc822, _read_numeric, _read_named, _read_named_en):
        found = reader(text, now)
        if found is not None:
            return found
    return _read_relative(text, now)


def to_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken as Copenhagen local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=COPENHAGEN)
    return value.astimezone(UTC)


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=COPENHAGEN)
    except ValueError:
        return None


def _clock(match: re.Match[str]) -> tuple[int, int, int]:
    if match.group("hour") is None:
        return 0, 0, 0
    return int(match.group("hour")), int(match.group("minute")), int(match.group("second") or 0)


def _read_iso(text: str, now: datetime | None) -> datetime | None:
    match = _ISO.search(text)
    if not match:
        return None
    year, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
    rest = match.group("rest")
    if not rest:
        return _local(year, month, day)
    candidate = f"{year:04d}-{month:02d}-{day:02d}T{rest.replace(' ', '').replace(',', '.')}"
    candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", candidate)
    if re.match(r".*T\d:", candidate):
        candidate = candidate.replace("T", "T0", 1)
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        return _local(year, month, day)
    return value if value.tzinfo else value.replace(tzinfo=COPENHAGEN)


def _read_rfc822(text: str, now: datetime | None) -> datetime | None:
    if not re.search(r"\d{1,2}:\d{2}", text) or not re.search(r"\d{4}", text):
        return None
    translated = re.sub(
        r"\b(" + "|".join(_RFC822_DA) + r")\b",
        lambda m: _RFC822_DA[m.group(1).lower()],
        text,
        flags=re.IGNORECASE,
    )
    try:
        value = email.utils.parsedate_to_datetime(translated)
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    # "-0000" means "time zone unknown" in RFC 5322; parsedate gives naive then
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _read_numeric(text: str, now: datetime | None) -> datetime | None:
    for match in _NUMERIC.finditer(text):
        found = _local(_full_year(match.group("y")), int(match.group("m")), int(match.group("d")), *_clock(match))
        if found is not None:
            return found
    return None


def _read_named(text: str, now: datetime | None) -> datetime | None:
    for match in _NAMED.finditer(text):
        month = MONTHS[match.group("month").lower()]
        day = int(match.group("d"))
        clock = _clock(match)
        if match.group("y"):
            found = _local(int(match.group("y")), month, day, *clock)
        else:
            found = _without_year(month, day, clock, now)
        if found is not None:
            return found
    return None


def _read_named_en(text: str, now: datetime | None) -> datetime | None:
    for match in _NAMED_EN.finditer(text):
        found = _local(int(match.group("y")), MONTHS[match.group("month").lower()], int(match.group("d")), *_clock(match))
        if found is not None:
            return found
    return None


def _without_year(month: int, day: int, clock: tuple[int, int, int], now: datetime | None) -> datetime | None:
    if now is None:
        return None
    local_now = now.astimezone(COPENHAGEN)
    found = _local(local_now.year, month, day, *clock)
    # a news list shows recent dates: "28. december" read in January is last year's
    if found is not None and found > local_now + timedelta(days=31):
        found = _local(local_now.year - 1, month, day, *clock)
    return found


def _read_relative(text: str, now: datetime | None) -> datetime | None:
    if now is None:
        return None
    local_now = now.astimezone(COPENHAGEN)
    words = _DAY_WORDS.search(text)
    if words:
        word = words.group("word").lower().replace(" ", "")
        days_back = {"idag": 0, "igår": 1, "iforgårs": 2}[word]
        day = (local_now - timedelta(days=days_back)).date()
        hour, minute, second = _clock(words)
        return _local(day.year, day.month, day.day, hour, minute, second)
    match = _RELATIVE.search(text)
    if not match:
        return None
    raw = match.group("n").lower()
    count = 1 if raw in ("en", "et", "ét", "én") else int(raw)
    unit = match.group("unit").lower()
    if unit.startswith("måned"):
        return local_now - timedelta(days=30 * count)
    if unit == "år":
        return local_now - timedelta(days=365 * count)
    stem = next(s for s in _UNIT_SECONDS if unit.startswith(s))
    return local_now - timedelta(seconds=_UNIT_SECONDS[stem] * count)
