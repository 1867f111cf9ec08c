"""The posts of a fixed issue, compared with tests/golden/social/posts.json (issue 10).

A change to templates/social/ or the counting rules shows here as a diff a reviewer reads.
Regenerate with ``pytest tests/social/test_golden.py --update-golden`` (the option lives in
tests/compose/conftest.py) or ``UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.social import stage
from newsletter.social.networks import measure
from tests.social.conftest import NOW

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "social" / "posts.json"


def test_posts_match_the_golden_file(db: Database, config: Config, issue_id: int, request: pytest.FixtureRequest):
    report = stage.draft(db, config, issue_id, now=NOW)
    posts = [{"network": p.network, "subject": p.subject, "planned_at": p.planned_at.isoformat() if p.planned_at else None,
              "count": measure(p.network, p.text).count, "text": p.text}
             for p in sorted(report.posts, key=lambda p: (p.network, p.planned_at or NOW, p.subject))]
    current = json.dumps({"shortened": list(report.shortened), "posts": posts}, ensure_ascii=False, indent=2) + "\n"
    update = os.environ.get("UPDATE_GOLDEN") == "1" or request.config.getoption("--update-golden", default=False)
    if update or not GOLDEN.exists():
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(current, encoding="utf-8")
    assert current == GOLDEN.read_text(encoding="utf-8")
