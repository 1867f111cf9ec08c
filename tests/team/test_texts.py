"""Every text of the workspace's templates and pages has its English (``?lang=en``), and a
Danish page shows no English words from a missing translation (issue 9 §7)."""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.web.team import texts

TEAM = Path(texts.__file__).parent
TEMPLATES = TEAM.parent / "templates" / "team"


def danish_texts() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'(?<![\w.])t\("((?:[^"\\]|\\.)*)"', source))
        found |= set(re.findall(r"(?<![\w.])t\('((?:[^'\\]|\\.)*)'", source))
    for path in TEAM.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r't\((?:req\.lang|lang), "((?:[^"\\]|\\.)*)"', source))
        found |= set(re.findall(r'team_text\(req, "((?:[^"\\]|\\.)*)"', source))
    from newsletter.web.team.preview import ADVICE

    return found | set(ADVICE.values()) | set(texts.ACTIONS.values()) | set(texts.REASONS.values())


def test_every_text_has_its_english() -> None:
    found = danish_texts()
    assert len(found) > 150
    # texts cut into two string literals in Python ("... side. " "Spørg ...") are checked whole
    missing = sorted(k for k in found if k not in texts.EN and not any(e.startswith(k) for e in texts.EN))
    assert missing == []


def test_danish_dates_and_times() -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 09:00 in Copenhagen (winter time)
    assert texts.moment(when) == "torsdag 3. december kl. 9.00"
    assert texts.moment(when, "en") == "Thursday 3 December, 9:00"
    assert texts.week(48) == "uge 48" and texts.clock(datetime(2026, 7, 1, 14, 5, tzinfo=UTC)) == "kl. 16.05"
