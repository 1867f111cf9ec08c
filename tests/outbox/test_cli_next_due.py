"""`newsletter send` with nothing due says when the next message is due, in Danish time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update

from newsletter.db.schema import outbox
from tests.conftest import MINIMAL_CONFIG
from tests.outbox.conftest import add_subscribers, fill_outbox


def test_send_with_nothing_due_names_the_next_due_time(cli, db, tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    assert "Nothing is queued." in cli("send").output
    fill_outbox(db, add_subscribers(db, 2))
    due = datetime(2030, 1, 2, 7, 0, tzinfo=ZoneInfo("UTC"))
    with db.begin() as conn:
        conn.execute(update(outbox).values(send_after=due))
    result = cli("send")
    assert result.exit_code == 0, result.output
    assert "Sent 0" in result.output
    assert "next message is due 2030-01-02 08:00" in result.output  # 07:00 UTC is 08:00 in Copenhagen
