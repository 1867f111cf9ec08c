"""Danish date forms, read in Europe/Copenhagen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from newsletter.collect.dates import parse_date, to_utc

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # onsdag 25. november 2026, 13:00 i København


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


@pytest.mark.parametrize("text, expected", [
    ("24. november 2026", local(2026, 11, 24)),
    ("24. nov. 2026", local(2026, 11, 24)),
    ("24 nov 2026", local(2026, 11, 24)),
    ("24. NOVEMBER 2026", local(2026, 11, 24)),
    ("24.11.2026", local(2026, 11, 24)),
    ("24/11/2026", local(2026, 11, 24)),
    ("24-11-2026", local(2026, 11, 24)),
    ("24.11.26", local(2026, 11, 24)),
    ("2026-11-24", local(2026, 11, 24)),
    ("mandag d. 23. november 2026", local(2026, 11, 23)),
    ("mandag den 23. november 2026", local(2026, 11, 23)),
    ("Publiceret: 23. nov 2026 af Mette", local(2026, 11, 23)),
    ("24. november 2026 kl. 10.30", local(2026, 11, 24, 10, 30)),
    ("24.11.2026 kl. 08:05", local(2026, 11, 24, 8, 5)),
    ("1. maj 2026", local(2026, 5, 1)),
    ("3. okt. 2026", local(2026, 10, 3)),
    ("7. marts 2026", local(2026, 3, 7)),
    ("November 24, 2026", local(2026, 11, 24)),
    ("2026-11-24T10:00", local(2026, 11, 24, 10, 0)),
])
def test_local_forms(text: str, expected: datetime):
    found = parse_date(text, NOW)
    assert found == expected
    assert found is not None and found.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text, expected", [
    ("2026-11-24T10:00:00+01:00", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    ("2026-11-24T09:00:00Z", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    ("2026-11-24T09:00:00.123+0000", datetime(2026, 11, 24, 9, 0, 0, 123000, tzinfo=UTC)),
    ("Tue, 24 Nov 2026 10:00:00 +0100", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    ("tir, 24 nov 2026 10:00:00 +0100", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    ("søn, 3 maj 2026 10:00:00 +0200", datetime(2026, 5, 3, 8, 0, tzinfo=UTC)),
])
def test_forms_with_an_offset(text: str, expected: datetime):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("i dag", local(2026, 11, 25)),
    ("I dag kl. 09:15", local(2026, 11, 25, 9, 15)),
    ("i går", local(2026, 11, 24)),
    ("igår", local(2026, 11, 24)),
    ("i forgårs", local(2026, 11, 23)),
    ("for 3 dage siden", local(2026, 11, 22, 13, 0)),
    ("for en uge siden", local(2026, 11, 18, 13, 0)),
    ("for 2 timer siden", local(2026, 11, 25, 11, 0)),
    ("for 1 time siden", local(2026, 11, 25, 12, 0)),
    ("for 5 minutter siden", local(2026, 11, 25, 12, 55)),
    ("23. november", local(2026, 11, 23)),
    ("28. december", local(2025, 12, 28)),  # a list shows the past: last year's December
])
def test_relative_forms_need_now(text: str, expected: datetime):
    assert parse_date(text, NOW) == expected
    assert parse_date(text) is None


def test_relative_day_near_midnight_uses_copenhagen_date():
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # already 25 November in Copenhagen
    assert parse_date("i dag", late) == local(2026, 11, 25)


def test_summer_time_offset():
    assert parse_date("24. juni 2026 kl. 10.00").utcoffset().total_seconds() == 7200


@pytest.mark.parametrize("text", [None, "", "   ", "snart", "31.02.2026", "32. november 2026",
                                  "2026-13-01", "kl. 10.30", "uge 48", "99/99/9999"])
def test_no_date(text):
    assert parse_date(text, NOW) is None


def test_to_utc_reads_naive_as_copenhagen():
    assert to_utc(datetime(2026, 11, 24, 10, 0)) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert to_utc(datetime(2026, 7, 1, 10, 0)) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
