"""The unattended week (issue 11): DST weekends, downtime, one scheduler per database, a job
that raises, reminders and holds, status, health and `newsletter run`. Frozen clocks: every
time is passed in; nothing sleeps."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from newsletter import review, schedule
from newsletter.compose import week_issue
from newsletter.db import schedule as q
from newsletter.db.issues import add_item
from newsletter.db.schema import job_runs
from newsletter.db.types import utcnow
from newsletter.overview import planned_send
from newsletter.render import render_issue
from tests.conftest import MINIMAL_CONFIG, REPO

CPH = ZoneInfo("Europe/Copenhagen")


def _config(make_config, reviewers="[redaktion@example.dk]", extra=""):
    return make_config(MINIMAL_CONFIG + f"""schedule:
  timezone: Europe/Copenhagen
  collect: "0 3 * * *"
  send: "0 3 * * *"
  deadlines: "0 3 * * *"
  social: "0 3 * * *"
  reviewers: {reviewers}
{extra}""")


@pytest.fixture
def env(make_config, monkeypatch):
    """The scheduler's jobs read DATABASE_URL etc. from the environment, as in production."""
    def apply(config):
        for key, value in (("DATABASE_URL", config.settings.database_url), ("SMTP_URL", config.settings.smtp_url),
                           ("SECRET_KEY", config.settings.secret_key), ("BASE_URL", config.settings.base_url),
                           ("NEWSLETTER_VAR_DIR", str(config.settings.var_dir))):
            monkeypatch.setenv(key, value)
        return config
    return apply


def _messages(config) -> list:
    folder = Path(config.settings.smtp_url.removeprefix("file://"))
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.glob("*.eml"))]


# --- DST: never skipped, never doubled ---------------------------------------------------------

def _fires(trigger, start: datetime, end: datetime) -> list[datetime]:
    out, previous = [], None
    when = trigger.get_next_fire_time(None, start)
    while when is not None and when < end:
        out.append(when)
        previous = when
        when = trigger.get_next_fire_time(previous, when)
    return out


DST_WEEKENDS = [(datetime(2026, 3, 16, tzinfo=CPH), datetime(2026, 4, 13, tzinfo=CPH)),    # 29 March
                (datetime(2026, 10, 12, tzinfo=CPH), datetime(2026, 11, 9, tzinfo=CPH))]   # 25 October


@pytest.mark.parametrize("expr", ["0 9 * * tue", "30 2 * * sun", "0 2 * * 0", "15 3 * * sun"])
@pytest.mark.parametrize("start, end", DST_WEEKENDS)
def test_weekly_jobs_fire_once_a_week_across_dst(expr, start, end):
    fires = _fires(schedule.cron_trigger(expr, "Europe/Copenhagen", "feeds.yaml"), start, end)
    weeks = Counter(f.astimezone(CPH).isocalendar()[:2] for f in fires)
    assert len(weeks) == 4 and set(weeks.values()) == {1}, fires


@pytest.mark.parametrize("expr", ["30 2 * * *", "0 6,12,18 * * *"])
@pytest.mark.parametrize("start, end", DST_WEEKENDS)
def test_daily_jobs_fire_once_per_time_across_dst(expr, start, end):
    fires = _fires(schedule.cron_trigger(expr, "Europe/Copenhagen", "feeds.yaml"), start, end)
    per_day = Counter(f.astimezone(CPH).date() for f in fires)
    assert len(per_day) == (end - start).days and len(set(per_day.values())) == 1, per_day


def test_plain_apscheduler_would_fire_twice_at_the_autumn_change():
    """Why DstSafeCronTrigger exists: without it the repeated 02:30 fires twice."""
    start, end = datetime(2026, 10, 24, tzinfo=CPH), datetime(2026, 10, 26, tzinfo=CPH)
    plain = _fires(CronTrigger.from_crontab("30 2 * * *", timezone="Europe/Copenhagen"), start, end)
    safe = _fires(schedule.cron_trigger("30 2 * * *", "Europe/Copenhagen", "x"), start, end)
    assert len(plain) == 3 and len(safe) == 2


def test_cron_weekday_numbers_mean_what_cron_means():
    trigger = schedule.cron_trigger("0 7 * * 1", "Europe/Copenhagen", "x")  # Monday in cron
    first = trigger.get_next_fire_time(None, datetime(2026, 11, 25, tzinfo=CPH))
    assert first.astimezone(CPH).strftime("%A %H:%M") == "Monday 07:00"


# --- downtime: a missed weekly run is made once -------------------------------------------------

def test_a_weekly_run_missed_while_down_runs_once_on_start(make_config, env, db):
    config = env(_config(make_config, reviewers="[]"))
    first = schedule.build_scheduler(config, BackgroundScheduler)
    first.start(paused=True)
    first.shutdown(wait=True)
    due = utcnow() - timedelta(days=2)  # the Tuesday draft fell due while the machine was off
    _set_stored_next_run(config, "draft-0", due)

    second = schedule.build_scheduler(config, BackgroundScheduler)  # the restart
    done = threading.Event()
    seen: list[str] = []

    def listen(event):
        seen.append(event.job_id)
        if event.job_id == "draft-0":
            done.set()

    second.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    second.start()
    try:
        assert done.wait(60), "the missed draft never ran"
        upcoming = second.get_job("draft-0").next_run_time
    finally:
        second.shutdown(wait=True)
    assert seen.count("draft-0") == 1
    assert upcoming > utcnow()  # and the next one is next week's, not another catch-up
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(job_runs).where(job_runs.c.job == "draft")) == 1


def test_an_unchanged_restart_keeps_the_stored_next_run_and_a_changed_cron_replaces_it(make_config, env):
    config = env(_config(make_config))
    first = schedule.build_scheduler(config, BackgroundScheduler)
    first.start(paused=True)
    first.shutdown(wait=True)
    due = utcnow() - timedelta(hours=5)
    _set_stored_next_run(config, "collect-0", due)
    again = schedule.build_scheduler(config, BackgroundScheduler)
    assert again.get_jobs()[0].id == "collect-0" and again.get_jobs()[0].next_run_time == due  # pending, kept
    changed = env(make_config((config.path.read_text()).replace('collect: "0 3 * * *"', 'collect: "0 4 * * *"')))
    third = schedule.build_scheduler(changed, BackgroundScheduler)
    assert not hasattr(third.get_jobs()[0], "next_run_time")  # a new schedule: computed from now on start


def _set_stored_next_run(config, job_id, when):
    """What a scheduler that went down before `when` leaves in the job store."""
    store = schedule._jobstore(config)
    store.start(BackgroundScheduler(timezone="Europe/Copenhagen"), "default")
    try:
        job = store.lookup_job(job_id)
        job._modify(next_run_time=when)
        store.update_job(job)
    finally:
        store.shutdown()


# --- one scheduler per database -------------------------------------------------------------------

def test_two_schedulers_on_one_postgresql_database_run_jobs_once(make_config, env, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL): the SQLite lock has its own test")
    config = env(_config(make_config))
    lock = schedule.SingleInstanceLock(config)
    assert lock.acquire()
    try:
        assert not schedule.SingleInstanceLock(config).acquire()
        proc = subprocess.run([sys.executable, str(REPO / "scheduler.py"), "--config", str(config.path)],
                              env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1 and "another scheduler process is already running" in proc.stderr
    finally:
        lock.release()
    again = schedule.SingleInstanceLock(config)
    assert again.acquire()
    again.release()


# --- a job that raises ---------------------------------------------------------------------------

def test_a_job_that_raises_is_logged_and_the_next_still_runs(make_config, env, db, monkeypatch, caplog):
    config = env(_config(make_config))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in collect")

    monkeypatch.setattr("newsletter.collect.collect", broken)
    with caplog.at_level(logging.INFO, logger="newsletter.schedule"):
        assert schedule.run_collect(str(config.path)) is None
        schedule.run_send(str(config.path))
    failed = [r for r in caplog.records if "collect: failed with an unexpected error" in r.getMessage()]
    assert failed and failed[0].exc_info is not None  # the traceback is in the log
    assert any(r.getMessage().startswith("send: done in") for r in caplog.records)
    with db.connect() as conn:
        runs = q.last_runs(conn)
    assert runs["collect"].outcome == "error" and "a bug in collect" in runs["collect"].message
    assert runs["send"].outcome == "ok"


# --- the week's deadlines --------------------------------------------------------------------------

@pytest.fixture
def week(make_config, env, db):
    config = env(_config(make_config, extra="  remind_before_hours: 24\n"))
    with db.begin() as conn:
        add_item(conn, title="Robotter i Vejle", url="https://example.dk/r", summary_text="Tekst.",
                 published_at=utcnow() - timedelta(hours=2), partner_key="bv", section="partnere")
    issue = week_issue(db, config, "ugebrev")
    planned = planned_send(config, issue)
    return config, issue, planned


def test_reminder_then_held_when_nobody_approves(week, db):
    config, issue, planned = week
    assert schedule.run_deadlines(str(config.path), now=planned - timedelta(hours=25)) == []
    [said] = schedule.run_deadlines(str(config.path), now=planned - timedelta(hours=23))
    assert "reminder sent" in said
    assert schedule.run_deadlines(str(config.path), now=planned - timedelta(hours=22)) == []  # once
    [reminder] = _messages(config)
    assert str(reminder["Subject"]).startswith("Påmindelse") and "ikke godkendt endnu" in reminder.get_content()
    assert str(reminder["Subject"]).startswith("Påmindelse") and f"/team/issues/{issue.id}" in reminder.get_content()

    [said] = schedule.run_deadlines(str(config.path), now=planned + timedelta(minutes=1))
    assert "held" in said
    subjects = [str(m["Subject"]) for m in _messages(config)]
    assert len(subjects) == 2, subjects
    [held] = [m for m in _messages(config) if str(m["Subject"]).startswith("Ikke sendt")]
    assert str(held["Subject"]).startswith("Ikke sendt") and "ikke var godkendt" in held.get_content()
    assert review.get(db, issue.id)[0].status == "draft"  # held: never sent

    render_issue(db, config, issue.id, check_links=False)  # approve takes only a rendered issue
    review.approve(db, issue.id, by="lene", override="test brand without postal address")  # too late: the team queues it by hand if they want
    assert schedule.run_deadlines(str(config.path), now=planned + timedelta(minutes=20)) == []
    assert review.get(db, issue.id)[0].status == "approved"


def test_an_approved_issue_is_queued_at_its_planned_send(week, db):
    from newsletter.subscribers import manage

    config, issue, planned = week
    manage.add(db, config, "modtager@example.dk", ["ugebrev"], consent_source="test", added_by="test")
    render_issue(db, config, issue.id, check_links=False)  # approve takes only a rendered issue
    review.approve(db, issue.id, by="lene", override="test brand without postal address")
    assert schedule.run_deadlines(str(config.path), now=planned - timedelta(hours=1)) == []  # no reminder
    [said] = schedule.run_deadlines(str(config.path), now=planned + timedelta(minutes=3))
    assert "queued for 1 subscribers" in said
    assert review.get(db, issue.id)[0].status == "queued"
    assert _messages(config) == []  # the send job delivers it, not this one


def test_no_reviewers_is_said_at_start_and_in_status(make_config, env, db, cli, caplog):
    config = env(_config(make_config, reviewers="[]"))
    with caplog.at_level(logging.WARNING, logger="newsletter.schedule"):
        schedule.run_draft(str(config.path))
    result = cli("--config", str(config.path), "status")
    assert result.exit_code == 0, result.output
    assert "Reviewers: NONE configured" in result.output
    assert "Scheduler: has never run" in result.output


# --- status, health, run -----------------------------------------------------------------------------

def test_status_shows_jobs_week_and_heartbeat(make_config, env, db, cli):
    config = env(_config(make_config))
    schedule.run_send(str(config.path))
    with db.begin() as conn:
        q.beat(conn, utcnow() - timedelta(seconds=30), "server-1", 4242, starting=True)
    data = json.loads(cli("--config", str(config.path), "status", "--json").output)
    assert data["scheduler"]["state"] == "running" and data["scheduler"]["host"] == "server-1"
    jobs = {j["id"]: j for j in data["jobs"]}
    assert set(jobs) == {"collect-0", "draft-0", "deadlines-0", "send-0", "social-0"}
    assert jobs["send-0"]["last_outcome"] == "ok" and jobs["collect-0"]["last_outcome"] is None
    nxt = datetime.fromisoformat(jobs["collect-0"]["next_run_at"]).astimezone(CPH)
    assert (nxt.hour, nxt.minute) == (3, 0)
    assert data["this_week"][0]["status"] == "no issue yet"
    text = cli("--config", str(config.path), "status").output
    assert "Scheduler: running on server-1 (pid 4242)" in text and "send-0" in text and "never run" in text


def test_health_endpoint_reports_a_stale_scheduler(make_config, db):
    from starlette.testclient import TestClient

    from newsletter.web import create_app

    config = _config(make_config)
    client = TestClient(create_app(config, db=db), base_url="https://nyhedsbrev.example.dk")
    assert client.get("/healthz").status_code == 200  # no scheduler ever ran here
    with db.begin() as conn:
        q.beat(conn, utcnow() - timedelta(seconds=20), "server-1", 1, starting=True)
    fresh = client.get("/healthz")
    assert fresh.status_code == 200 and fresh.json()["scheduler"]["state"] == "running"
    with db.begin() as conn:
        q.beat(conn, utcnow() - timedelta(minutes=7), "server-1", 1)
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.json()["scheduler"]["state"] == "not responding"


def test_run_does_what_is_due_and_then_nothing(make_config, env, db, cli):
    config = env(_config(make_config, reviewers="[]"))
    first = cli("--config", str(config.path), "run")
    assert first.exit_code == 0, first.output
    assert "collect: ok" in first.output and "draft: ok" in first.output and "send: ok" in first.output
    assert "social: ok" in first.output and "approved posts wait for export" in first.output
    second = cli("--config", str(config.path), "run")
    assert "Nothing is due" in second.output
    one = cli("--config", str(config.path), "run", "send", "--json")
    assert [r["job"] for r in json.loads(one.output)] == ["send"]


def test_last_fire_is_the_latest_due_time():
    from newsletter.config import load_config

    config = load_config(REPO / "newsletter" / "demo" / "feeds.yaml")
    [draft] = [s for s in schedule.job_specs(config) if s.job == "draft"]
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # Thursday
    assert schedule.last_fire(draft, config, now).astimezone(CPH) == datetime(2026, 12, 1, 9, 0, tzinfo=CPH)


def test_scheduler_py_starts_logs_its_plan_beats_and_stops_on_sigterm(make_config, env, db):
    """`python scheduler.py` as the docs say: INFO lines with the next runs in plain words, a
    heartbeat that status and /healthz read, and a clean stop on SIGTERM."""
    import select as selectmod
    import signal as signalmod

    config = env(_config(make_config, reviewers="[]"))
    proc = subprocess.Popen([sys.executable, str(REPO / "scheduler.py"), "--config", str(config.path)],
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    # a thread reads the log: select() on the pipe would miss lines already in the file's buffer
    arriving: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stderr:
            arriving.put(line)
        arriving.put("")  # the end: the process closed its log

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while not any("no reviewers configured" in line for line in lines):  # the last start-up line
            try:
                line = arriving.get(timeout=60)
            except queue.Empty:
                raise AssertionError(f"no start-up log: {lines}") from None
            assert line, f"scheduler exited: {lines}"
            lines.append(line)
        with db.connect() as conn:
            beat = None
            for _ in range(600):  # the first beat is written right after the plan is logged
                beat = q.heartbeat(conn)
                if beat is not None:
                    break
                selectmod.select([], [], [], 0.05)
        assert beat is not None and beat.pid == proc.pid
        proc.send_signal(signalmod.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines.extend(iter(arriving.get_nowait, ""))
    log = "".join(lines)
    assert proc.returncode == 0, log
    assert "draft-0 (0 9 * * tue): next tirsdag" in log
    assert "no reviewers configured" in log
    assert "cron[" not in log  # plain words, not the trigger's repr
    assert "scheduler stopped" in log
    with db.connect() as conn:
        assert q.heartbeat(conn).stopped_at is not None
