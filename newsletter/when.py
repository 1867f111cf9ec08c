"""Times people type on the command line (``queue --at``, ``curate add --starts``), read strictly;
and a time as Danish people read it (``danish_time``).

The date reader for feeds (``collect.dates.parse_date``) is lenient on purpose: a feed's odd
clock ("kl. 25.00") still gives its date. A person's typo must not: "3.12.2026 kl. 25.00"
would otherwise be stored as midnight (issue 11). So the clock a person wrote must be a real
time of day and must be the one that was read.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from newsletter.errors import InvalidTime

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
          "oktober", "november", "december")
EXAMPLES = '"2026-12-03 09:00", "3.12.2026 kl. 9.00" or "3. december 2026 kl. 9.00" (Danish time)'
_CLOCK = re.compile(r"(?:^|[\sT])(?:kl\.?\s*|klokken\s*)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*$")


def danish_time(when: datetime) -> str:
    """"torsdag 3. december kl. 8.00" (Danish time), as the team's mails and logs say it."""
    local = when.astimezone(COPENHAGEN)
    return f"{WEEKDAYS[local.weekday()]} {local.day}. {MONTHS[local.month - 1]} kl. {local.hour}.{local.minute:02d}"


def parse_user_time(text: str, flag: str, now: datetime | None = None) -> datetime:
    """``text`` as an aware time, or InvalidTime naming ``flag`` and showing forms that work."""
    from newsletter.collect.dates import parse_date

    when = parse_date(text, now)
    if when is None:
        raise InvalidTime(f"{flag} {text!r}: not a date and time; write e.g. {EXAMPLES}")
    clock = _CLOCK.search(re.sub(r"(?:Z|[+-]\d{2}:?\d{2})$", "", text.strip()))
    if clock is not None:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise InvalidTime(f"{flag} {text!r}: {clock.group(1)}.{clock.group(2)} is not a time of day "
                              "(00.00 to 23.59)")
        if (when.hour, when.minute) != (hour, minute):  # in the zone it was written in
            raise InvalidTime(f"{flag} {text!r}: could not read the time of day; write e.g. {EXAMPLES}")
    elif re.search(r"\bkl\b|\bklokken\b", text):
        raise InvalidTime(f"{flag} {text!r}: could not read the time of day; write e.g. {EXAMPLES}")
    return when


def parse_future_time(text: str, flag: str, now: datetime) -> datetime:
    """As ``parse_user_time``, and refused when it is already past (a send time, a reminder)."""
    when = parse_user_time(text, flag, now)
    if when < now:
        raise InvalidTime(f"{flag} {text!r} is in the past (it is now "
                          f"{now.astimezone(COPENHAGEN):%Y-%m-%d %H:%M} Danish time); give a later time, "
                          f"or leave {flag} out to start now")
    return when
