"""``newsletter status`` and ``newsletter run``: the unattended week at a glance, and by hand (issue 11)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from newsletter.cli.app import App, json_option, local_time, main, pass_app, print_json

if TYPE_CHECKING:
    from newsletter.config import Config
    from newsletter.db import Database

JOB_NAMES = ("collect", "draft", "deadlines", "send", "social")


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} s ago"
    if seconds < 5400:
        return f"{int(seconds // 60)} min ago"
    return f"{seconds / 3600:.1f} h ago"


def gather_status(db: Database, config: Config, now: datetime) -> dict[str, Any]:
    """Everything `newsletter status` shows, as plain data (the --json output)."""
    from newsletter import schedule
    from newsletter.compose import current_iso_week
    from newsletter.db import schedule as q
    from newsletter.db.issues import find_issue
    from newsletter.overview import planned_send

    with db.connect() as conn:
        beat = q.heartbeat(conn)
        runs = q.last_runs(conn)
    if beat is None:
        scheduler: dict[str, Any] = {"state": "never started", "healthy": False}
    else:
        age = (now - beat.beat_at).total_seconds()
        state = "stopped" if beat.stopped_at else ("running" if age <= schedule.HEARTBEAT_STALE.total_seconds()
                                                   else "not responding")
        scheduler = {"state": state, "healthy": state == "running", "host": beat.host, "pid": beat.pid,
                     "started_at": beat.started_at, "last_heartbeat_at": beat.beat_at,
                     "heartbeat_age_seconds": int(age), "stopped_at": beat.stopped_at}
    jobs = []
    for spec, upcoming in schedule.next_runs(config, now):
        last = runs.get(spec.job)
        jobs.append({"id": spec.id, "job": spec.job, "cron": spec.cron, "next_run_at": upcoming,
                     "last_started_at": last.started_at if last else None,
                     "last_outcome": last.outcome if last else None,
                     "last_duration_ms": last.duration_ms if last else None,
                     "last_message": last.message if last else ""})
    year, week = current_iso_week(now)
    issues = []
    for newsletter in config.newsletters:
        with db.connect() as conn:
            issue = find_issue(conn, newsletter.key, year, week)
            told = q.notices_of(conn, issue.id) if issue else {}
        planned = planned_send(config, issue) if issue else None
        issues.append({"newsletter": newsletter.key, "week": f"{year}-W{week:02d}",
                       "issue_id": issue.id if issue else None, "status": issue.status if issue else "no issue yet",
                       "planned_send_at": planned, "approved_by": issue.approved_by if issue else None,
                       "approved_at": issue.approved_at if issue else None, "notices": told})
    attention = [{"source": key, "problem": why} for key, why in schedule.sources_needing_attention(db, config, now)]
    reviewers = list(config.data.schedule.reviewers)
    return {"now": now, "scheduler": scheduler, "reviewers": reviewers, "jobs": jobs, "this_week": issues,
            "sources_needing_attention": attention, "social": _social_status(db, config)}


def _social_status(db: Database, config: Config) -> dict[str, Any]:
    """Approved posts still to go out (and when the next is planned), and the posts that need a
    person: refused by the network, or of unknown fate."""
    from newsletter.db import social as sq

    with db.connect() as conn:
        waiting = sq.list_posts(conn, status=["approved"])
        trouble = sq.list_posts(conn, status=["failed", "unknown"])
    planned = [p.planned_at for p in waiting if p.planned_at is not None]
    return {"publishers": sorted(config.data.social.publishers), "approved_waiting": len(waiting),
            "next_planned_at": min(planned, default=None),
            "need_a_person": [{"id": p.id, "network": p.network, "status": p.status, "error": p.last_error or ""}
                              for p in trouble]}


@main.command("status")
@json_option
@pass_app
def status_cmd(app: App, as_json: bool) -> None:
    """The scheduler at a glance: is it running, each job's next run (Danish time) and last
    outcome, this week's issue of each newsletter, the sources that need attention, and the
    social posts waiting or needing a person."""
    from newsletter.db.types import utcnow

    data = gather_status(app.read_db, app.config, utcnow())
    if as_json:
        print_json(data)
        return
    s = data["scheduler"]
    if s["state"] == "running":
        click.echo(f"Scheduler: running on {s['host']} (pid {s['pid']}), last heartbeat "
                   f"{_ago(s['heartbeat_age_seconds'])}.")
    elif s["state"] == "never started":
        click.echo("Scheduler: has never run on this database. Start it: python scheduler.py (see docs/scheduler.md).")
    else:
        click.echo(f"Scheduler: {s['state'].upper()}: last heartbeat {local_time(s['last_heartbeat_at'])} "
                   f"({_ago(s['heartbeat_age_seconds'])}) from {s['host']}. Nothing is collected, drafted or sent "
                   "until it runs again.")
    if data["reviewers"]:
        click.echo(f"Reviewers: {', '.join(data['reviewers'])}.")
    else:
        click.echo("Reviewers: NONE configured (schedule.reviewers in feeds.yaml): drafts, reminders and held "
                   "issues are told to nobody.")
    click.echo("\nJobs (Danish time):")
    width = max((len(j["id"]) for j in data["jobs"]), default=0)
    for j in data["jobs"]:
        last = "never run"
        if j["last_started_at"] is not None:
            took = f" in {j['last_duration_ms'] / 1000:.1f} s" if j["last_duration_ms"] is not None else ""
            last = f"last {local_time(j['last_started_at'])} {j['last_outcome']}{took}" + (
                f": {j['last_message']}" if j["last_message"] else "")
        click.echo(f"  {j['id']:{width}}  next {local_time(j['next_run_at'], 'never')}  ({j['cron']})  {last}")
    click.echo("\nThis week:")
    for i in data["this_week"]:
        line = f"  {i['newsletter']} {i['week']}: "
        if i["issue_id"] is None:
            line += "no issue yet (the draft job makes it)"
        else:
            line += f"issue {i['issue_id']}, {i['status']}, planned send {local_time(i['planned_send_at'])}"
            if i["approved_at"]:
                line += f", approved by {i['approved_by']} {local_time(i['approved_at'])}"
            elif i["status"] == "draft":
                line += ", NOT approved yet"
            if i["notices"]:
                line += "; told the team: " + ", ".join(f"{k} {local_time(v)}" for k, v in i["notices"].items())
        click.echo(line)
    click.echo()
    attention = data["sources_needing_attention"]
    if attention:
        click.echo(f"{len(attention)} sources need attention (newsletter sources shows what to check):")
        for a in attention:
            click.echo(f"  {a['source']}: {a['problem']}")
    else:
        click.echo("No source needs attention.")
    _echo_social(data["social"])


def _echo_social(social: dict[str, Any]) -> None:
    how = (f"published by the social job ({', '.join(social['publishers'])})" if social["publishers"]
           else "no publishers: export them (newsletter social export)")
    line = f"Social posts: {social['approved_waiting']} approved, waiting; {how}"
    if social["next_planned_at"] is not None:
        line += f"; next planned {local_time(social['next_planned_at'])}"
    click.echo(line + ".")
    if social["need_a_person"]:
        n = len(social["need_a_person"])
        click.echo(f"{n} {'post needs' if n == 1 else 'posts need'} a person (newsletter social show ID):")
        for p in social["need_a_person"]:
            click.echo(f"  {p['id']} {p['network']} {p['status']}: {p['error']}")


@main.command("run")
@click.argument("jobs", nargs=-1, type=click.Choice(JOB_NAMES))
@json_option
@pass_app
def run_cmd(app: App, jobs: tuple[str, ...], as_json: bool) -> None:
    """Do by hand what the scheduler would do now: each job that fell due since its last run
    (or only the JOBS named: collect, draft, deadlines, send, social), in that order."""
    from newsletter import schedule
    from newsletter.db import schedule as q
    from newsletter.db.types import utcnow

    config, db = app.config, app.db
    now = utcnow()
    with db.connect() as conn:
        runs = q.last_runs(conn)
    chosen = list(jobs) or [name for name in JOB_NAMES if _due(schedule, config, name, runs, now)]
    results: list[dict[str, Any]] = []
    for name in JOB_NAMES:
        if name not in chosen:
            continue
        getattr(schedule, f"run_{name}")(str(config.path))
        with db.connect() as conn:
            last = q.last_runs(conn).get(name)
        results.append({"job": name, "outcome": last.outcome if last else "not run",
                        "message": last.message if last else "", "duration_ms": last.duration_ms if last else None})
    if as_json:
        print_json(results)
    elif not results:
        click.echo("Nothing is due: every job has run since its last scheduled time (`newsletter status`).")
    for r in results if not as_json else []:
        took = f" in {r['duration_ms'] / 1000:.1f} s" if r["duration_ms"] is not None else ""
        click.echo(f"{r['job']}: {r['outcome']}{took}" + (f": {r['message']}" if r["message"] else ""))
    if any(r["outcome"] != "ok" for r in results):
        click.get_current_context().exit(1)


def _due(schedule: Any, config: Config, name: str, runs: dict[str, Any], now: datetime) -> bool:
    fires = [schedule.last_fire(spec, config, now) for spec in schedule.job_specs(config) if spec.job == name]
    latest = max((f for f in fires if f is not None), default=None)
    if latest is None:
        return False
    last = runs.get(name)
    return last is None or last.started_at < latest
