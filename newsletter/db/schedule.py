"""Queries of the scheduler (issue 11): job runs, the heartbeat, notices about an issue.

-- name: start_run / finish_run / last_runs / last_started
-- name: beat / stop_beat / heartbeat
-- name: add_notice (once per issue and kind) / notices_of
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsletter.db.schema import job_runs, schedule_notices, scheduler_heartbeat
from newsletter.db.types import inserted_id

HEARTBEAT_ID = 1


@dataclass(frozen=True)
class JobRun:
    job: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    message: str
    duration_ms: int | None


@dataclass(frozen=True)
class Heartbeat:
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
    stopped_at: datetime | None


def start_run(conn: Connection, job: str, now: datetime, host: str) -> int:
    return inserted_id(conn.execute(insert(job_runs).values(job=job, started_at=now, outcome="running",
                                                             message="", host=host)))


def finish_run(conn: Connection, run_id: int, now: datetime, outcome: str, message: str, duration_ms: int) -> None:
    conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(
        finished_at=now, outcome=outcome, message=message[:2000], duration_ms=duration_ms))


def last_runs(conn: Connection) -> dict[str, JobRun]:
    """The latest run of each job."""
    latest = (select(job_runs.c.job, func.max(job_runs.c.id).label("id")).group_by(job_runs.c.job)).subquery()
    rows = conn.execute(select(job_runs.c.job, job_runs.c.started_at, job_runs.c.finished_at, job_runs.c.outcome,
                               job_runs.c.message, job_runs.c.duration_ms)
                        .join(latest, latest.c.id == job_runs.c.id))
    return {r.job: JobRun(*r) for r in rows}


def beat(conn: Connection, now: datetime, host: str, pid: int, starting: bool = False) -> None:
    values = {"host": host, "pid": pid, "beat_at": now, "stopped_at": None}
    if starting:
        values["started_at"] = now
    if conn.execute(update(scheduler_heartbeat).where(scheduler_heartbeat.c.id == HEARTBEAT_ID)
                    .values(**values)).rowcount == 0:
        conn.execute(insert(scheduler_heartbeat).values(id=HEARTBEAT_ID, **{"started_at": now, **values}))


def stop_beat(conn: Connection, now: datetime) -> None:
    conn.execute(update(scheduler_heartbeat).where(scheduler_heartbeat.c.id == HEARTBEAT_ID)
                 .values(stopped_at=now))


def heartbeat(conn: Connection) -> Heartbeat | None:
    row = conn.execute(select(scheduler_heartbeat.c.host, scheduler_heartbeat.c.pid, scheduler_heartbeat.c.started_at,
                              scheduler_heartbeat.c.beat_at, scheduler_heartbeat.c.stopped_at)
                       .where(scheduler_heartbeat.c.id == HEARTBEAT_ID)).first()
    return Heartbeat(*row) if row else None


def add_notice(conn: Connection, issue_id: int, kind: str, now: datetime, detail: str = "") -> bool:
    """Record that the team was told ``kind`` about the issue; False when it was already."""
    try:
        with conn.begin_nested():
            conn.execute(insert(schedule_notices).values(issue_id=issue_id, kind=kind, at=now, detail=detail))
    except IntegrityError:
        return False
    return True


def notices_of(conn: Connection, issue_id: int) -> dict[str, datetime]:
    rows = conn.execute(select(schedule_notices.c.kind, schedule_notices.c.at)
                        .where(schedule_notices.c.issue_id == issue_id))
    return {kind: at for kind, at in rows}


HEARTBEAT_STALE = timedelta(minutes=5)


def scheduler_health(conn: Connection, now: datetime) -> dict[str, object]:
    """For the health endpoint: the scheduler's last heartbeat and whether it is recent.

    ``healthy`` is None when no scheduler ever ran on this database (a web-only deployment);
    False when it stopped or its last beat is older than HEARTBEAT_STALE.
    """
    found = heartbeat(conn)
    if found is None:
        return {"state": "never started", "healthy": None}
    age = (now - found.beat_at).total_seconds()
    if found.stopped_at is not None:
        state = "stopped"
    else:
        state = "running" if age <= HEARTBEAT_STALE.total_seconds() else "not responding"
    return {"state": state, "healthy": state == "running", "last_heartbeat_at": found.beat_at.isoformat(),
            "heartbeat_age_seconds": int(age)}
