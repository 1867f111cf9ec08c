"""The scheduled process: APScheduler 3 with cron triggers in the config's time zone.

Each job is one call to a stage function; the job store is the project database, so the
schedule survives restarts and a missed run (machine asleep at 06:00) is run once on start
within the grace time. A lock makes sure only one scheduler process runs jobs.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.engine import make_url

from newsletter.config import Config, load_config
from newsletter.db import Database, create_db_engine, open_db
from newsletter.errors import ConfigError, NewsletterError

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 3600
ADVISORY_LOCK_ID = 0x4E4C5343  # "NLSC"


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", so a persistent job store can reference it
    cron: str


def job_specs(config: Config) -> list[JobSpec]:
    """The jobs the config asks for: collect, draft the week's issue, drain the outbox."""
    schedule = config.data.schedule
    jobs = [("collect", "run_collect", schedule.collect), ("draft", "run_draft", schedule.draft),
            ("send", "run_send", schedule.send)]
    return [
        JobSpec(id=f"{name}-{index}", func=f"newsletter.schedule:{func}", cron=expr)
        for name, func, exprs in jobs
        for index, expr in enumerate(exprs)
    ]


def cron_trigger(expr: str, timezone: str, where: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expr, timezone=timezone)
    except ValueError as e:
        raise ConfigError(where, "schedule", f"invalid cron expression {expr!r}: {e}") from e


@contextmanager
def _stage(config_path: str, what: str) -> Iterator[tuple[Config, Database]]:
    """Config and database for one job; a NewsletterError is logged, never kills the scheduler."""
    config = load_config(config_path)
    db = open_db(config.settings.database_url)
    try:
        yield config, db
    except NewsletterError as e:
        log.error("%s failed: %s", what, e)
    finally:
        db.dispose()


def run_collect(config_path: str) -> None:
    from newsletter.collect import collect

    with _stage(config_path, "collect") as (config, db):
        report = collect(db, config)
        log.warning("collect: %d new items, %d of %d sources failed",
                    report.new_items, report.failed, report.attempted)


def run_draft(config_path: str) -> list[int]:
    """Compose this week's draft of every newsletter, render it, and send it to the reviewers
    (the real message, marked [TEST]) so they can read it and approve it."""
    from newsletter.compose import week_issue
    from newsletter.outbox.run import test_send
    from newsletter.render import render_issue

    drafted: list[int] = []
    with _stage(config_path, "draft") as (config, db):
        for newsletter in config.newsletters:
            try:
                issue = week_issue(db, config, newsletter.key)
            except NewsletterError as e:  # e.g. an empty week: say so, go on with the next
                log.warning("draft %s: %s", newsletter.key, e)
                continue
            if issue.status != "draft":
                continue  # approved or on its way: the reviewers have done their part
            result = render_issue(db, config, issue.id)
            problems = [f for f in result.preflight if f.level == "error"]
            reviewers = list(config.data.schedule.reviewers)
            if reviewers:
                test_send(db, config, issue.id, reviewers)
            log.warning("draft %s %s: issue %d, %d preflight errors, sent to %d reviewers",
                        newsletter.key, issue.label, issue.id, len(problems), len(reviewers))
            drafted.append(issue.id)
    return drafted


def run_send(config_path: str) -> None:
    """Drain the outbox rows that are due (queued with --at, or retries whose time has come)."""
    from newsletter.outbox.run import send_due
    from newsletter.render.preflight.base_url import require_public

    with _stage(config_path, "send") as (config, db):
        require_public(config, "send")  # logged by _stage; nothing is sent
        report = send_due(db, config)
        if report.sent or report.failed or report.error:
            log.warning("send: %d sent, %d failed%s", report.sent, report.failed,
                        f"; stopped: {report.error}" if report.error else "")


def build_scheduler(config: Config, scheduler_cls: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    timezone = config.data.schedule.timezone
    open_db(config.settings.database_url).dispose()  # migrate before the job store touches it
    jobstore = SQLAlchemyJobStore(engine=create_db_engine(config.settings.database_url),
                                  tablename="apscheduler_jobs")
    scheduler = scheduler_cls(
        jobstores={"default": jobstore},
        timezone=timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )
    for spec in job_specs(config):
        scheduler.add_job(spec.func, trigger=cron_trigger(spec.cron, timezone, str(config.path)),
                          id=spec.id, args=[str(config.path)], replace_existing=True)
    return scheduler


class SingleInstanceLock:
    """Held for the life of the scheduler process: a PostgreSQL advisory lock when the
    database is shared, otherwise an exclusive lock on a file beside the SQLite database."""

    def __init__(self, config: Config) -> None:
        self.url = config.settings.database_url
        self._release: Callable[[], None] | None = None

    def acquire(self) -> bool:
        url = make_url(self.url)
        if url.get_backend_name() == "postgresql":
            engine = create_db_engine(self.url)
            conn = engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID}).scalar()
            if not got:
                conn.close()
                engine.dispose()
                return False

            def release() -> None:
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


def run(config: Config) -> None:
    lock = SingleInstanceLock(config)
    if not lock.acquire():
        raise NewsletterError("another scheduler process is already running for this database; "
                              "stop it first (only one may run jobs)")
    try:
        scheduler = build_scheduler(config)
        for job in scheduler.get_jobs():
            log.warning("scheduled %s: %s", job.id, job.trigger)
        scheduler.start()
    finally:
        lock.release()
