"""The scheduled process: APScheduler 3 with cron triggers in the config's time zone.

Each job is one call to a stage function, recorded in ``job_runs`` (what `newsletter status`
shows) and logged at INFO with its duration and outcome. A job that raises is logged and the
scheduler goes on. The job store is the project database: a restart keeps the stored next run
of an unchanged job, so a run missed while the machine was down is made once on start (any
delay; runs are coalesced). One scheduler process runs jobs (a lock); it beats a heartbeat
every minute, which the health endpoint checks.

The jobs (issue 11, the unattended week):
  collect    fetch the partners' news
  draft      this week's draft, rendered; the reviewers get a "draft ready" mail (team link,
             preflight, sources that need attention) and the [TEST] copy
  deadlines  against each newsletter's planned send (send_day): a reminder while the issue is
             not approved, then at the planned time: approved -> queued, not approved -> held
             and the team told
  send       deliver the outbox rows that are due; the archive is rebuilt after an issue is out
  social     publish the approved social posts whose planned time has come, on the networks
             with a publisher (social.publishers); a post that fails or whose fate is unknown
             is told to the reviewers, once
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text

from newsletter import overview
from newsletter.config import Config, load_config
from newsletter.db import Database, create_db_engine, open_db, parse_database_url
from newsletter.db import schedule as q
from newsletter.db import social as social_q
from newsletter.db.types import utcnow
from newsletter.errors import ConfigError, NewsletterError

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 60
HEARTBEAT_STALE = q.HEARTBEAT_STALE  # the health endpoint's limit: a few missed beats
JOBS = (("collect", "run_collect"), ("draft", "run_draft"), ("deadlines", "run_deadlines"), ("send", "run_send"),
        ("social", "run_social"))
HOST = socket.gethostname()


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", so a persistent job store can reference it
    cron: str

    @property
    def job(self) -> str:
        return self.id.rsplit("-", 1)[0]


def job_specs(config: Config) -> list[JobSpec]:
    """The jobs the config asks for, one per cron expression."""
    schedule = config.data.schedule
    return [
        JobSpec(id=f"{name}-{index}", func=f"newsletter.schedule:{func}", cron=expr)
        for name, func in JOBS
        for index, expr in enumerate(getattr(schedule, name))
    ]


class DstSafeCronTrigger(CronTrigger):
    """A cron trigger that never fires twice at the same wall-clock time.

    When summer time ends (last Sunday of October) 02:00-02:59 happens twice, and APScheduler
    3 fires a job at 02:30 in both (LIBRARY-NOTES, APScheduler pitfall 7). The repeat is
    skipped here. In spring the missing hour's run comes at 03:xx, once: never skipped.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        upcoming: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        if upcoming is not None and previous_fire_time is not None:
            before = previous_fire_time.astimezone(self.timezone)
            if upcoming.replace(tzinfo=None) == before.replace(tzinfo=None):
                upcoming = super().get_next_fire_time(upcoming, upcoming)
        return upcoming


_WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _cron_weekdays(expr: str) -> str:
    """Weekday numbers as cron means them (0 and 7 Sunday, 1 Monday): APScheduler 3 reads 0 as
    Monday (pitfall 8), so numbers are written as names before it sees them."""
    fields = expr.split()
    if len(fields) == 5 and "/" not in fields[4]:
        import re

        fields[4] = re.sub(r"\b([0-7])\b", lambda m: _WEEKDAY_NAMES[int(m.group(1))], fields[4])
    return " ".join(fields)


def cron_trigger(expr: str, timezone: str, where: str) -> DstSafeCronTrigger:
    try:
        return DstSafeCronTrigger.from_crontab(_cron_weekdays(expr), timezone=timezone)
    except ValueError as e:
        raise ConfigError(where, "schedule", f"invalid cron expression {expr!r}: {e}") from e


def next_runs(config: Config, now: datetime) -> list[tuple[JobSpec, datetime | None]]:
    timezone = config.data.schedule.timezone
    return [(spec, cron_trigger(spec.cron, timezone, str(config.path)).get_next_fire_time(None, now))
            for spec in job_specs(config)]


def last_fire(spec: JobSpec, config: Config, now: datetime) -> datetime | None:
    """The latest time the job was due at or before ``now`` (looking back up to eight days)."""
    trigger = cron_trigger(spec.cron, config.data.schedule.timezone, str(config.path))
    when = trigger.get_next_fire_time(None, now - timedelta(days=8))
    latest = None
    while when is not None and when <= now:
        latest = when
        when = trigger.get_next_fire_time(when, when)
    return latest


# --- running one job --------------------------------------------------------------------------

@dataclass
class JobResult:
    message: str = ""


def _job(name: str, default: Any = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A scheduled job: ``body(config, db, result, ...)`` gets the config and database, and its
    run is recorded and logged. Any exception is logged (a NewsletterError as one line,
    anything else with its traceback) and never escapes, so the scheduler goes on with the
    next job; the job then returns ``default``."""

    def wrap(body: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(body)
        def job(config_path: str, *args: Any, **kwargs: Any) -> Any:
            started, clock = utcnow(), time.monotonic()
            log.info("%s: started", name)
            try:
                config = load_config(config_path)
                db = open_db(config.settings.database_url)
            except NewsletterError as e:
                log.error("%s: failed before it started: %s", name, e)
                return default
            result = JobResult()
            outcome, value = "ok", default
            try:
                with db.begin() as conn:
                    run_id = q.start_run(conn, name, started, HOST)
                try:
                    value = body(config, db, result, *args, **kwargs)
                except NewsletterError as e:
                    outcome, result.message = "error", str(e)
                    log.error("%s: failed: %s", name, e)
                except Exception as e:  # noqa: BLE001 - a bug in one job must not stop the others
                    outcome, result.message = "error", f"{type(e).__name__}: {e}"
                    log.exception("%s: failed with an unexpected error", name)
                ms = int((time.monotonic() - clock) * 1000)
                with db.begin() as conn:
                    q.finish_run(conn, run_id, utcnow(), outcome, result.message, ms)
                if outcome == "ok":
                    log.info("%s: done in %.1f s: %s", name, ms / 1000, result.message or "ok")
                else:
                    log.info("%s: failed after %.1f s", name, ms / 1000)
            except Exception:  # noqa: BLE001 - the database itself failed: log, go on
                log.exception("%s: could not record the run", name)
            finally:
                db.dispose()
            return value

        return job

    return wrap


@_job("collect")
def run_collect(config: Config, db: Database, result: JobResult) -> None:
    from newsletter.collect import collect

    report = collect(db, config)
    result.message = f"{report.new_items} new items, {report.failed} of {report.attempted} sources failed"


def sources_needing_attention(db: Database, config: Config, now: datetime | None = None) -> list[tuple[str, str]]:
    """(source key, what to check) for failing, gone and stale sources."""
    with db.connect() as conn:
        found = overview.sources_needing_attention(conn, config, now or utcnow())
    return [(s.key, f"{s.status}: {s.reason}") for s in found]


@_job("draft", default=[])
def run_draft(config: Config, db: Database, result: JobResult) -> list[int]:
    """Compose this week's draft of every newsletter, render it, and tell the reviewers: a
    "draft ready" mail with the workspace link, then the real message marked [TEST]."""
    from newsletter import notices, review
    from newsletter.compose import week_issue
    from newsletter.outbox.run import test_send
    from newsletter.render import render_issue

    drafted: list[int] = []
    reviewers = list(config.data.schedule.reviewers)
    said = []
    for newsletter in config.newsletters:
        try:
            issue = week_issue(db, config, newsletter.key)
        except NewsletterError as e:  # e.g. an empty week: say so, go on with the next
            log.warning("draft %s: %s", newsletter.key, e)
            said.append(f"{newsletter.key}: {e}")
            continue
        if issue.status != "draft":
            said.append(f"{newsletter.key} {issue.label}: already {issue.status}")
            continue  # approved or on its way: the reviewers have done their part
        rendered = render_issue(db, config, issue.id)
        errors = sum(1 for f in rendered.preflight if f.level == "error")
        if reviewers:
            included = sum(1 for p in review.get(db, issue.id)[1] if p.included)
            notice = notices.draft_ready(config, issue, included, rendered.preflight,
                                         sources_needing_attention(db, config), overview.planned_send(config, issue))
            notices.send_notice(config, reviewers, notice)
            test_send(db, config, issue.id, reviewers)
            told = f"told {len(reviewers)} reviewers"
        else:
            told = "NO reviewers configured (schedule.reviewers): nobody was told"
            log.warning("draft %s %s: no reviewers are configured (schedule.reviewers in feeds.yaml); "
                        "nobody was told the draft is ready", newsletter.key, issue.label)
        said.append(f"{newsletter.key} {issue.label}: issue {issue.id}, {errors} preflight errors, {told}")
        drafted.append(issue.id)
    result.message = "; ".join(said)
    return drafted


@_job("deadlines", default=[])
def run_deadlines(config: Config, db: Database, result: JobResult, now: datetime | None = None) -> list[str]:
    """The week's deadlines for every newsletter's current issue; each notice goes once."""
    done = check_deadlines(db, config, now or utcnow())
    result.message = "; ".join(done) or "nothing due"
    return done


def check_deadlines(db: Database, config: Config, now: datetime) -> list[str]:
    from newsletter import notices
    from newsletter.compose import current_iso_week
    from newsletter.db.issues import find_issue
    from newsletter.outbox.run import queue_issue

    schedule = config.data.schedule
    done = []
    year, week = current_iso_week(now)
    for newsletter in config.newsletters:
        with db.connect() as conn:
            issue = find_issue(conn, newsletter.key, year, week)
        if issue is None or issue.status in ("queued", "sent"):
            continue
        planned = overview.planned_send(config, issue)
        with db.connect() as conn:
            told = q.notices_of(conn, issue.id)
        if now >= planned:
            if issue.status == "approved" and schedule.queue_approved and "held" not in told:
                report = queue_issue(db, config, issue.id, at=planned, now=now)
                with db.begin() as conn:
                    q.add_notice(conn, issue.id, "queued", now, f"{report.added} rows")
                done.append(f"{newsletter.key} {issue.label}: approved, queued for {report.added} subscribers")
                log.info("deadlines: issue %d queued at its planned send", issue.id)
            elif issue.status == "draft":
                with db.begin() as conn:
                    first = q.add_notice(conn, issue.id, "held", now)
                if first:
                    log.warning("deadlines: issue %d (%s %s) was not approved by its planned send %s: held, "
                                "not sent", issue.id, newsletter.key, issue.label, notices.danish_time(planned))
                    _tell(config, notices.held(config, issue, planned))
                    done.append(f"{newsletter.key} {issue.label}: not approved by {notices.danish_time(planned)}: held")
        elif issue.status == "draft" and schedule.remind_before_hours \
                and now >= planned - timedelta(hours=schedule.remind_before_hours):
            with db.begin() as conn:
                first = q.add_notice(conn, issue.id, "reminder", now)
            if first:
                _tell(config, notices.reminder(config, issue, planned))
                done.append(f"{newsletter.key} {issue.label}: not approved yet, reminder sent")
    return done


def _tell(config: Config, notice: Any) -> None:
    from newsletter import notices

    reviewers = list(config.data.schedule.reviewers)
    if not reviewers:
        log.warning("no reviewers configured (schedule.reviewers): nobody was told: %s", notice.subject)
        return
    notices.send_notice(config, reviewers, notice)


@_job("send")
def run_send(config: Config, db: Database, result: JobResult) -> None:
    """Drain the outbox rows that are due (queued with --at, or retries whose time has come);
    when an issue has gone out, rebuild the public archive."""
    from newsletter.db.issues import list_issues
    from newsletter.outbox.run import send_due
    from newsletter.render.archive import build_archive
    with db.connect() as conn:  # send_due refuses real mail with a private BASE_URL: a failed job
        before = {i.id for i in list_issues(conn, None, "sent")}
    report = send_due(db, config)
    with db.connect() as conn:
        finished = {i.id for i in list_issues(conn, None, "sent")} - before
    result.message = f"{report.sent} sent, {report.failed} failed" + (
        f"; stopped: {report.error}" if report.error else "")
    if finished:
        folder = config.settings.var_dir / "archive"
        written = build_archive(db, config, folder)
        result.message += f"; issue {', '.join(map(str, sorted(finished)))} out, archive rebuilt ({len(written)} files)"
    if report.error:
        raise NewsletterError(result.message)


@_job("social")
def run_social(config: Config, db: Database, result: JobResult) -> None:
    """Publish the approved posts that are due (``newsletter social publish`` on the clock).
    Without publishers the approved posts wait for ``newsletter social export``."""
    from newsletter import notices
    from newsletter.social.publish import publish_due

    if not config.data.social.publishers:
        result.message = "no publishers configured (social.publishers): approved posts wait for export"
        return
    report = publish_due(db, config)
    result.message = (f"{len(report.posted)} posted, {len(report.retry_later)} to try again, "
                      f"{len(report.failed)} failed, {len(report.unknown)} unknown")
    if report.failed or report.unknown:
        with db.connect() as conn:
            failed = social_q.list_posts(conn, ids=report.failed)
            unknown = social_q.list_posts(conn, ids=report.unknown)
        log.warning("social: posts that need a person: %s",
                    ", ".join(str(p.id) for p in failed + unknown))
        _tell(config, notices.social_trouble(config, failed, unknown))


# --- the scheduler ------------------------------------------------------------------------------

def _stored_jobs(config: Config) -> dict[str, Any]:
    """The jobs in the store as the last scheduler left them (id -> job), read from the store
    itself: a scheduler started even paused may process a due job, which would lose it."""
    store = _jobstore(config)
    store.start(BackgroundScheduler(timezone=config.data.schedule.timezone), "default")
    try:
        return {job.id: job for job in store.get_all_jobs()}
    finally:
        store.shutdown()


def _jobstore(config: Config) -> SQLAlchemyJobStore:
    return SQLAlchemyJobStore(engine=create_db_engine(config.settings.database_url), tablename="apscheduler_jobs")


def build_scheduler(config: Config, scheduler_cls: type[BaseScheduler] = BackgroundScheduler) -> BaseScheduler:
    """The scheduler with the config's jobs. A stored job whose schedule did not change keeps
    its stored next run, so a run that fell due while no scheduler ran is made (once) on start;
    re-adding it would silently move it to the next cron time (APScheduler pitfall 3)."""
    timezone = config.data.schedule.timezone
    open_db(config.settings.database_url).dispose()  # migrate before the job store touches it
    stored = _stored_jobs(config)
    scheduler = scheduler_cls(
        jobstores={"default": _jobstore(config)},
        timezone=timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for spec in job_specs(config):
        trigger = cron_trigger(spec.cron, timezone, str(config.path))
        old = stored.get(spec.id)
        keep = (old is not None and str(old.trigger) == str(trigger) and type(old.trigger) is type(trigger)
                and old.func_ref == spec.func and list(old.args) == [str(config.path)]
                and old.misfire_grace_time is None and old.next_run_time is not None)
        extra = {"next_run_time": old.next_run_time} if keep and old is not None else {}
        scheduler.add_job(spec.func, trigger=trigger, id=spec.id, args=[str(config.path)], replace_existing=True,
                          misfire_grace_time=None, coalesce=True, max_instances=1, **extra)
    for job_id in set(stored) - {spec.id for spec in job_specs(config)}:
        scheduler.add_job("newsletter.schedule:_removed", id=job_id, replace_existing=True)  # replaced, then removed
        scheduler.remove_job(job_id)
    return scheduler


def _removed() -> None:  # pragma: no cover - never runs: a placeholder for a job being removed
    pass


def _advisory_key(conn: Any) -> int:
    """One lock per database *and schema*: two deployments (or two test schemas) on one
    PostgreSQL server never block each other."""
    schema = conn.execute(text("SELECT current_database() || '.' || current_schema()")).scalar()
    return int.from_bytes(hashlib.sha256(f"newsletter-scheduler:{schema}".encode()).digest()[:8], "big", signed=True)


class SingleInstanceLock:
    """Held for the life of the scheduler process: a PostgreSQL advisory lock when the
    database is shared, otherwise an exclusive lock on a file beside the SQLite database."""

    def __init__(self, config: Config) -> None:
        self.url = config.settings.database_url
        self._release: Callable[[], None] | None = None

    def acquire(self) -> bool:
        url = parse_database_url(self.url)
        if url.get_backend_name() == "postgresql":
            engine = create_db_engine(self.url)
            conn = engine.connect()
            key = _advisory_key(conn)
            got = conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": key}).scalar()
            conn.commit()
            if not got:
                conn.close()
                engine.dispose()
                return False

            def release() -> None:
                # unlocked explicitly: a closed session lets go of the lock only once its server
                # process has ended, a moment later, and a quick restart would find it still held
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": key})
                    conn.commit()
                finally:
                    conn.close()
                    engine.dispose()

            self._release = release
            return True
        db_path = Path(url.database or "newsletter.db")
        lock_path = db_path.with_name(db_path.name + ".scheduler.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "w")  # noqa: SIM115 - held open for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.write(str(os.getpid()))
        handle.flush()
        self._release = handle.close
        return True

    def release(self) -> None:
        if self._release is not None:
            self._release()
            self._release = None


def describe_next_runs(config: Config, now: datetime) -> list[str]:
    """"collect-0 (0 6,12,18 * * *): next tirsdag 1. december kl. 12.00" for the start-up log."""
    from newsletter.when import danish_time

    return [f"{spec.id} ({spec.cron}): next {danish_time(when) if when else 'never'}"
            for spec, when in next_runs(config, now)]


def _beat(config: Config, starting: bool = False) -> None:
    try:
        db = open_db(config.settings.database_url)
        try:
            with db.begin() as conn:
                q.beat(conn, utcnow(), HOST, os.getpid(), starting=starting)
        finally:
            db.dispose()
    except Exception as e:  # noqa: BLE001 - a missed beat shows in the health check; never stop for it
        log.warning("heartbeat not recorded: %s", e)


def run(config: Config, stop: threading.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or ``stop``): the jobs, and a heartbeat every minute."""
    lock = SingleInstanceLock(config)
    if not lock.acquire():
        raise NewsletterError("another scheduler process is already running for this database; "
                              "stop it first (only one may run jobs)")
    stop = stop or threading.Event()
    try:
        scheduler = build_scheduler(config)
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        log.info("scheduler started (pid %d on %s, times in %s)", os.getpid(), HOST, config.data.schedule.timezone)
        for line in describe_next_runs(config, utcnow()):
            log.info("  %s", line)
        if not config.data.schedule.reviewers:
            log.warning("no reviewers configured (schedule.reviewers in feeds.yaml): drafts, reminders and "
                        "held issues are told to nobody")
        _beat(config, starting=True)
        scheduler.start()
        while not stop.wait(HEARTBEAT_SECONDS):
            _beat(config)
        log.info("stopping: waiting for running jobs to finish")
        scheduler.shutdown(wait=True)
        db = open_db(config.settings.database_url)
        try:
            with db.begin() as conn:
                q.stop_beat(conn, utcnow())
        finally:
            db.dispose()
        log.info("scheduler stopped")
    finally:
        lock.release()
