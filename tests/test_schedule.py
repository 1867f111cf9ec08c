"""scheduler.py: cron jobs in Europe/Copenhagen, a persistent job store, one process only."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, update

from newsletter.db.schema import items
from newsletter.db.schema import outbox as outbox_table
from newsletter.db.types import utcnow
from newsletter.errors import ApprovalBlocked
from newsletter.schedule import SingleInstanceLock, build_scheduler, job_specs, run_collect
from tests.conftest import MINIMAL_CONFIG, REPO

CPH = ZoneInfo("Europe/Copenhagen")
RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><title>Nyt lager i Vejle</title><link>https://example.dk/lager</link>
<pubDate>Tue, 24 Nov 2026 09:00:00 +0100</pubDate></item></channel></rss>"""


def _config(make_config, url="https://example.invalid/feed", cron='"0 6,12,18 * * mon-fri"'):
    return make_config(MINIMAL_CONFIG.replace("partners: []", f"""partners:
  - key: bv
    name: BusinessVejle
    sources:
      - kind: feed
        url: {url}
schedule:
  timezone: Europe/Copenhagen
  collect: {cron}
"""))


def test_collect_job_fires_on_copenhagen_time(make_config):
    config = _config(make_config)
    scheduler = build_scheduler(config, BackgroundScheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"collect-0", "draft-0", "deadlines-0", "send-0", "social-0"}
    job = jobs["collect-0"]
    # Wednesday 25 November 2026, 12:30 in Copenhagen: the next run is 18:00 the same day.
    now = datetime(2026, 11, 25, 12, 30, tzinfo=CPH)
    assert job.trigger.get_next_fire_time(None, now) == datetime(2026, 11, 25, 18, 0, tzinfo=CPH)
    # Friday 18:30 -> Monday 06:00 (no weekend runs); summer time is handled by the zone.
    friday = datetime(2026, 11, 27, 18, 30, tzinfo=CPH)
    assert job.trigger.get_next_fire_time(None, friday) == datetime(2026, 11, 30, 6, 0, tzinfo=CPH)
    summer = datetime(2026, 6, 1, 7, 0, tzinfo=CPH)
    assert job.trigger.get_next_fire_time(None, summer).utcoffset().total_seconds() == 7200


def test_jobs_persist_in_the_database(make_config):
    config = _config(make_config)
    first = build_scheduler(config, BackgroundScheduler)
    first.start(paused=True)
    first.shutdown(wait=False)
    store = SQLAlchemyJobStore(url=config.settings.database_url, tablename="apscheduler_jobs")
    second = BackgroundScheduler(jobstores={"default": store})
    second.start(paused=True)
    try:
        assert sorted(job.id for job in second.get_jobs()) == ["collect-0", "deadlines-0", "draft-0", "send-0", "social-0"]
    finally:
        second.shutdown(wait=False)


def test_several_cron_times_give_several_jobs(make_config):
    config = _config(make_config, cron='["0 6 * * *", "30 12 * * *"]')
    crons = [spec.cron for spec in job_specs(config) if spec.id.startswith("collect-")]
    assert crons == ["0 6 * * *", "30 12 * * *"]


def test_collect_job_collects(make_config, http_server, db):
    url = http_server.add("/feed", RSS, content_type="application/rss+xml")
    config = _config(make_config, url=url)
    os.environ["DATABASE_URL"] = config.settings.database_url
    try:
        run_collect(str(config.path))
    finally:
        del os.environ["DATABASE_URL"]
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(items)).scalar() == 1


def test_only_one_scheduler_may_run(make_config, tmp_path):
    config = _config(make_config)
    lock = SingleInstanceLock(config)
    assert lock.acquire()
    try:
        assert not SingleInstanceLock(config).acquire()
        env = {**os.environ, "DATABASE_URL": config.settings.database_url, "PYTHONPATH": str(REPO)}
        proc = subprocess.run([sys.executable, str(REPO / "scheduler.py"), "--config", str(config.path)],
                              env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1
        assert "another scheduler process is already running" in proc.stderr
    finally:
        lock.release()
    again = SingleInstanceLock(config)
    assert again.acquire()
    again.release()


def test_weekly_jobs_draft_for_reviewers_and_send_when_due(make_config, http_server, db, monkeypatch):
    """The scheduled week: collect, draft + [TEST] mail to the reviewers, then (after a person
    approved and queued it) the send job delivers what is due, and only that."""
    from newsletter import review
    from newsletter.outbox.run import queue_issue
    from newsletter.schedule import run_draft, run_send
    from newsletter.subscribers import manage

    url = http_server.add("/feed", RSS, content_type="application/rss+xml")
    config = _config(make_config, url=url, cron='"0 6 * * *"\n  reviewers: [redaktion@example.dk]')
    monkeypatch.setenv("DATABASE_URL", config.settings.database_url)
    monkeypatch.setenv("SMTP_URL", config.settings.smtp_url)
    monkeypatch.setenv("SECRET_KEY", config.settings.secret_key)
    outbox = Path(config.settings.smtp_url.removeprefix("file://"))

    run_collect(str(config.path))
    [issue_id] = run_draft(str(config.path))
    notice, copy = sorted(_messages(outbox), key=lambda m: str(m["Subject"]).startswith("[TEST]"))
    assert str(copy["To"]) == "redaktion@example.dk" and copy["Subject"].startswith("[TEST]")
    assert str(notice["Subject"]).startswith("Udkast klar") and f"/team/issues/{issue_id}" in notice.get_content()
    assert review.get(db, issue_id)[0].status == "draft"  # telling reviewers approves nothing
    assert run_draft(str(config.path)) == [issue_id]  # refreshing the same week's draft

    manage.add(db, config, "modtager@example.dk", ["ugebrev"], consent_source="test", added_by="test")
    # the test config has no postal address: a preflight error that blocks approval (issue 8 §8)
    with pytest.raises(ApprovalBlocked, match="preflight error"):
        review.approve(db, issue_id, by="lene")
    review.approve(db, issue_id, by="lene", override="test config without a postal address")
    queue_issue(db, config, issue_id, at=utcnow() + timedelta(hours=1))
    run_send(str(config.path))
    assert [_to(m) for m in _messages(outbox)].count("modtager@example.dk") == 0  # not due yet
    with db.begin() as conn:
        conn.execute(update(outbox_table).values(send_after=utcnow() - timedelta(minutes=1)))
    run_send(str(config.path))
    assert [_to(m) for m in _messages(outbox)].count("modtager@example.dk") == 1
    assert run_draft(str(config.path)) == []  # the week's issue is out: no new draft


def _messages(folder: Path) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.glob("*.eml"))]


def _to(message) -> str:
    return message["To"].addresses[0].addr_spec
