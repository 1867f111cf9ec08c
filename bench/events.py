"""Benchmark (issue 12): read a 1,000-event iCalendar feed, against a plain icalendar parse.

    .venv/bin/python bench/events.py [--events 1000] [--recurring 0.2] [--repeat 5]

Builds a calendar the way partner calendars look: one-off events with their own VTIMEZONE,
a share of weekly series (each with an EXDATE and a moved date), over the next year. Then,
in this process and on the same bytes:
  (a) baseline: ``icalendar.Calendar.from_ical`` and a walk over the VEVENTs (no expansion);
  (b) the ical kind: decode, parse, expand the series over the collect window, build entries;
  (c) (b) plus cleaning every entry into an item (what collect does before storing).
Prints the best of ``--repeat`` runs per phase in CPU time of this process (the machine is
shared, so wall time swings with other load; wall time is printed beside it), the ratios to
(a) and the dates read.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import icalendar  # noqa: E402

from newsletter.collect import _clean_all  # noqa: E402
from newsletter.collect.kinds.ical import parse_calendar  # noqa: E402

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:Europe/Copenhagen\r
BEGIN:STANDARD\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
END:VTIMEZONE\r
"""


def calendar(count: int, recurring_share: float) -> bytes:
    lines = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//events//DA\r\n", VTIMEZONE]
    every = max(1, round(1 / recurring_share)) if recurring_share > 0 else 0
    for n in range(count):
        start = datetime(2026, 12, 2, 9, 0) + timedelta(hours=7 * n)
        stamp = f"{start:%Y%m%dT%H%M%S}"
        end = f"{start + timedelta(hours=2):%Y%m%dT%H%M%S}"
        lines.append(f"BEGIN:VEVENT\r\nUID:bench-{n}@example.dk\r\nDTSTAMP:20261120T090000Z\r\n"
                     f"DTSTART;TZID=Europe/Copenhagen:{stamp}\r\nDTEND;TZID=Europe/Copenhagen:{end}\r\n"
                     f"SUMMARY:Arrangement nummer {n} om automatisering og grøn omstilling\r\n"
                     f"LOCATION:Kolding Åpark {n}\\, 6000 Kolding\r\n"
                     f"URL:https://www.example.dk/arrangementer/{n}\r\n"
                     "DESCRIPTION:Oplæg\\, netværk og kaffe. Tilmelding på hjemmesiden.\r\n")
        if every and n % every == 0:
            skip = f"{start + timedelta(weeks=2):%Y%m%dT%H%M%S}"
            lines.append(f"RRULE:FREQ=WEEKLY;COUNT=26\r\nEXDATE;TZID=Europe/Copenhagen:{skip}\r\n")
        lines.append("END:VEVENT\r\n")
        if every and n % every == 0:
            moved = start + timedelta(weeks=3)
            lines.append(f"BEGIN:VEVENT\r\nUID:bench-{n}@example.dk\r\nDTSTAMP:20261120T090000Z\r\n"
                         f"RECURRENCE-ID;TZID=Europe/Copenhagen:{moved:%Y%m%dT%H%M%S}\r\n"
                         f"DTSTART;TZID=Europe/Copenhagen:{moved + timedelta(days=1):%Y%m%dT%H%M%S}\r\n"
                         f"DTEND;TZID=Europe/Copenhagen:{moved + timedelta(days=1, hours=2):%Y%m%dT%H%M%S}\r\n"
                         f"SUMMARY:Arrangement nummer {n} (flyttet)\r\nEND:VEVENT\r\n")
    lines.append("END:VCALENDAR\r\n")
    return "".join(lines).encode("utf-8")


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the fastest run."""
    runs = []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        runs.append((time.process_time() - cpu, time.perf_counter() - wall))
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--recurring", type=float, default=0.2, help="share of events that are weekly series")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    body = calendar(args.events, args.recurring)

    def baseline() -> int:
        return len(icalendar.Calendar.from_ical(body).walk("VEVENT"))

    def kind() -> int:
        return len(parse_calendar(body, {}, "https://www.example.dk/kalender.ics", NOW).entries)

    def with_cleaning() -> int:
        parsed = parse_calendar(body, {}, "https://www.example.dk/kalender.ics", NOW)
        items, _ = _clean_all(list(parsed.entries), "https://www.example.dk/kalender.ics", NOW, 300)
        return len(items)

    kind()  # imports and first-use caches out of the measurement
    parsed = parse_calendar(body, {}, "https://www.example.dk/kalender.ics", NOW)
    occurrences = sum(max(1, len(e.event.occurrences)) for e in parsed.entries if e.event)
    (a, aw), (b, bw), (c, cw) = (best(baseline, args.repeat), best(kind, args.repeat),
                                 best(with_cleaning, args.repeat))
    print(f"calendar: {args.events} VEVENTs ({len(body) / 1024:.0f} KiB), "
          f"{sum(1 for e in parsed.entries if e.event and e.event.occurrences)} weekly series, "
          f"{len(parsed.entries)} items, {occurrences} dates in the window")
    print(f"(a) icalendar parse, no expansion : {a * 1000:7.0f} ms CPU ({aw * 1000:.0f} ms wall)")
    print(f"(b) ical kind (parse + expand)    : {b * 1000:7.0f} ms CPU ({bw * 1000:.0f} ms wall)  {b / a:4.1f}x (a)")
    print(f"(c) (b) + cleaning every item     : {c * 1000:7.0f} ms CPU ({cw * 1000:.0f} ms wall)  {c / a:4.1f}x (a)")
    print(f"per event: {b / args.events * 1e6:.0f} µs (b), {c / args.events * 1e6:.0f} µs (c)")


if __name__ == "__main__":
    main()
