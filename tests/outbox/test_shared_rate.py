"""send.rate_per_hour is one budget for every send process on the database (issue 11):
two `newsletter send` processes side by side send no more than the limit together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, timedelta
from pathlib import Path

from newsletter.db import Database, sendrate
from newsletter.db.types import utcnow
from tests.conftest import MINIMAL_CONFIG
from tests.outbox.conftest import SinkHandler, SMTPServer, add_subscribers, fill_outbox

CONFIG = MINIMAL_CONFIG + """\
send:
  workers: 2
  batch_size: 5
  rate_per_hour: 12
"""


def _send(tmp_path: Path, db_url: str, smtp_url: str) -> subprocess.Popen[bytes]:
    config = tmp_path / "feeds.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": db_url, "SMTP_URL": smtp_url, "NEWSLETTER_CONFIG": str(config),
           "SECRET_KEY": "test", "BASE_URL": "https://nyhedsbrev.example.dk"}
    return subprocess.Popen([sys.executable, "-c", "from newsletter.cli import run; run()", "send", "--json"],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_send_processes_share_the_hourly_limit(db: Database, db_url: str, tmp_path: Path):
    fill_outbox(db, add_subscribers(db, 40))
    with SMTPServer(SinkHandler()) as server:
        smtp_url = f"smtp://127.0.0.1:{server.port}"
        procs = [_send(tmp_path, db_url, smtp_url) for _ in range(2)]
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
            reports.append(json.loads(out))
        assert sum(r["sent"] for r in reports) == 12
        assert len(server.handler.deliveries) == 12
        assert any(r["stopped"] == "hourly limit" for r in reports)
        third = _send(tmp_path, db_url, smtp_url)
        out, _ = third.communicate(timeout=120)
        assert json.loads(out)["sent"] == 0 and len(server.handler.deliveries) == 12


def test_reservations_never_exceed_the_limit_under_contention(db: Database):
    granted: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        while True:
            with db.begin() as conn:
                got = sendrate.reserve(conn, utcnow(), 7, 50)
            if not got:
                return
            with lock:
                granted.append(got)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 50
    with db.begin() as conn:
        sendrate.give_back(conn, utcnow(), 5)  # (the test's reservations all fall in this minute or the last)
        assert sendrate.taken_last_hour(conn, utcnow()) == 45


def test_the_upgrade_counts_what_was_sent_in_the_hour_before_it(db: Database):
    """A send process restarted into the version with the shared budget must not get a second
    full hour: migration 0014 fills the count from the outbox's last hour."""
    from alembic import command
    from sqlalchemy import text

    from newsletter.db import alembic_config, upgrade

    fill_outbox(db, add_subscribers(db, 9))
    now = utcnow()
    with db.begin() as conn:
        ids = conn.execute(text("SELECT id FROM outbox ORDER BY id")).scalars().all()
        for row_id, minutes_ago in zip(ids, (5, 5, 12, 40, 59, 61, 180), strict=False):  # two left pending
            conn.execute(text("UPDATE outbox SET status = 'sent', sent_at = :at WHERE id = :id"),
                         {"at": now - timedelta(minutes=minutes_ago), "id": row_id})
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013")
    upgrade(db)
    with db.connect() as conn:
        assert sendrate.taken_last_hour(conn, utcnow()) == 5  # 5, 5, 12, 40 and 59 minutes ago


def test_unused_slots_go_back_to_the_minute_they_were_taken_in(db: Database):
    """Two send processes: A takes a block, B takes one five minutes later, A stops having used
    5 of its 20. An hour after A's block, B's 20 are still counted: the limit holds."""
    from datetime import datetime

    from sqlalchemy import select

    from newsletter.db.schema import send_counts
    from newsletter.outbox.store import DbSendBudget

    start = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    clock = {"now": start}
    a, b = (DbSendBudget(db, 40, lambda: clock["now"]) for _ in range(2))
    assert a.reserve(20) == 20
    clock["now"] = start + timedelta(minutes=5)
    assert b.reserve(20) == 20
    clock["now"] = start + timedelta(minutes=6)
    a.give_back(15)  # A sent 5
    with db.connect() as conn:
        assert sendrate.taken_last_hour(conn, clock["now"]) == 25
        # an hour after A's block only B's 20 are in the window, so 20 are left, not 35
        assert sendrate.taken_last_hour(conn, start + timedelta(minutes=61)) == 20
    with db.begin() as conn:
        assert sendrate.reserve(conn, start + timedelta(minutes=61), 40, 40) == 20
    with db.begin() as conn:  # more than was taken never makes a count negative
        sendrate.give_back(conn, start, 99)
        minute = conn.execute(select(send_counts.c.sent).where(send_counts.c.minute == start)).scalar_one()
        assert minute == 0
