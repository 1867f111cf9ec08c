"""``newsletter demo``: the whole path on the bundled demo configuration, with no network.

collect the sample sources -> add a curated event -> draft the week's issue -> render it ->
approve as "demo" -> add sample subscribers -> queue -> send to a local folder; and the issue's
social posts, drafted for the team to read (social.txt beside the preview) and approve.

It never touches the deployment's database or mail server: everything goes under --dir
(default ``var/demo``), whatever DATABASE_URL and SMTP_URL say. Running it again is safe:
nothing is collected, queued or sent twice.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from newsletter.cli.app import App, json_option, main, pass_app, print_json, print_table

if TYPE_CHECKING:
    from newsletter.config import Config
    from newsletter.db import Database

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "demo" / "feeds.yaml"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

SAMPLE_SUBSCRIBERS = (
    ("mette.hansen@eksempel.dk", "Mette Hansen", "Hansen Maskinfabrik A/S"),
    ("lars.ostergaard@eksempel.dk", "Lars Østergaard", "Vejle Kommune"),
    ("sofie.baek@eksempel.dk", "Sofie Bæk", "Kolding Robotics ApS"),
    ("jens.aa@eksempel.dk", "Jens Aagaard", "Fredericia Havn"),
)


@dataclass
class DemoReport:
    folder: Path
    collected: int = 0
    sources: int = 0
    failed_sources: int = 0
    issue_id: int | None = None
    issue_label: str = ""
    issue_status: str = ""
    items_included: int = 0
    files: list[Path] = field(default_factory=list)
    preflight: list[str] = field(default_factory=list)
    queued: int = 0
    sent: int = 0
    outbox_folder: Path | None = None
    outbox_counts: dict[str, int] = field(default_factory=dict)
    empty_week: str = ""  # why no issue was made this run (the samples were used earlier)
    login_user: str = ""
    login_password: str = ""  # a fresh random one on every run (the demo's own database only)
    social_posts: dict[str, int] = field(default_factory=dict)  # network label -> posts
    social_file: Path | None = None


def demo_config(folder: Path) -> Config:
    """The demo feeds.yaml with settings that keep everything inside ``folder``."""
    from newsletter.config import load_config, load_settings

    folder.mkdir(parents=True, exist_ok=True)
    base = load_settings(var_dir=folder)
    settings = replace(
        base,
        database_url=f"sqlite:///{(folder / 'newsletter.db').resolve()}",
        smtp_url=(folder / "outbox").resolve().as_uri(),
        var_dir=folder,
    )
    return load_config(DEMO_CONFIG, settings=settings)


def link_copies_locally(config: Config, files: list[Path]) -> None:
    """The preview files on disk link our picture copies beside them (``../media/``), so they
    show without `newsletter serve`; what was stored and sent keeps BASE_URL/media (issue 10)."""
    from newsletter.media import store_for

    store = store_for(config)
    for path in files:
        if path.suffix == ".html":
            relative = Path(os.path.relpath(store.folder.resolve(), path.parent.resolve())).as_posix()
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(f"{store.base_url}/", f"{relative}/"), encoding="utf-8")


def _next_weekday(now: datetime, weekday: int, hour: int) -> datetime:
    local = now.astimezone(COPENHAGEN)
    days = (weekday - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def add_sample_event(db: Database, config: Config, now: datetime) -> None:
    from newsletter.curate import CuratedInput, add_curated

    starts = _next_weekday(now, 3, 9)  # next Thursday 09:00
    add_curated(db, config, CuratedInput(
        title="Industriens Dag i Trekantområdet",
        summary="Virksomheder, uddannelser og kommuner mødes om automatisering, grøn omstilling "
                "og kvalificeret arbejdskraft. Gratis deltagelse, men tilmelding er nødvendig.",
        section="arrangementer", partner="trekantomraadet", pin=True,
        signup_url="https://www.trekantomraadet.dk/industriens-dag/tilmelding",
        starts=starts.strftime("%Y-%m-%d %H:%M"),
        ends=starts.replace(hour=16).strftime("%Y-%m-%d %H:%M"),
        location="Kolding Hallerne", by="demo",
    ), now)


def add_sample_subscribers(db: Database, config: Config) -> None:
    from newsletter.errors import Suppressed
    from newsletter.subscribers import manage

    newsletter = config.newsletters[0].key
    for email, name, organisation in SAMPLE_SUBSCRIBERS:
        try:
            manage.add(db, config, email, [newsletter], consent_source="demo: sample subscriber",
                       added_by="demo", name=name, organisation=organisation)
        except Suppressed:
            continue


def run_demo(folder: Path, now: datetime | None = None) -> DemoReport:
    from newsletter import review
    from newsletter.collect import collect
    from newsletter.compose import week_issue
    from newsletter.db import open_db
    from newsletter.db.types import utcnow
    from newsletter.errors import EmptyWeek
    from newsletter.outbox.run import SendOptions, outbox_status, queue_issue, send_due
    from newsletter.render import render_issue, write_outputs

    config = demo_config(folder)
    report = DemoReport(folder=folder)
    db = open_db(config.settings.database_url)
    try:
        collected = collect(db, config)
        now = now or utcnow()  # after collect: compose takes items first seen up to now
        report.collected, report.sources = collected.new_items, len(collected.sources)
        report.failed_sources = collected.failed
        add_sample_event(db, config, now)
        try:
            issue = week_issue(db, config, config.newsletters[0].key, now)
        except EmptyWeek as e:  # a later week: the samples were all used in an earlier issue
            report.empty_week = str(e)
            return report
        report.issue_id, report.issue_label = issue.id, issue.label
        out = folder / f"issue-{issue.iso_year}-W{issue.iso_week:02d}"
        if issue.status == "draft":
            result = render_issue(db, config, issue.id)
            report.files = write_outputs(config, result, out)
            link_copies_locally(config, report.files)
            report.preflight = [f"{f.level}: {f.message}" for f in result.preflight if f.level != "info"]
            errors = [f for f in result.preflight if f.level == "error"]
            # the demo's sample brand may lack a postal address or CVR: a real approver fixes
            # those; the demo records why it went ahead (issue 8 §8)
            review.approve(db, issue.id, by="demo",
                           override="demo with sample data" if errors else None)
        report.social_posts, report.social_file = draft_social(db, config, issue.id, out)
        add_sample_subscribers(db, config)
        if review.get(db, issue.id)[0].status in ("approved", "queued"):
            report.queued = queue_issue(db, config, issue.id).added
            report.sent = send_due(db, config, SendOptions(wait=True)).sent
        issue, placed = review.get(db, issue.id)
        report.issue_status = issue.status
        report.items_included = sum(1 for p in placed if p.included)
        status = outbox_status(db, issue.id)
        report.outbox_counts = {c.status: c.count for c in status.counts}
        report.outbox_folder = folder / "outbox"
        report.login_user, report.login_password = demo_user(db, config)
    finally:
        db.dispose()
    return report


def draft_social(db: Database, config: Config, issue_id: int, out: Path) -> tuple[dict[str, int], Path]:
    """The issue's social posts as drafts (the team approves them), and ``social.txt`` to read
    them all: network, planned time, count and text."""
    from newsletter.social import stage
    from newsletter.social.export import write_atomic
    from newsletter.social.networks import NETWORKS
    from newsletter.when import danish_time

    posts = stage.draft(db, config, issue_id, by="demo").posts
    status = {"draft": "udkast", "approved": "godkendt", "exported": "eksporteret", "posted": "udgivet"}
    counts: dict[str, int] = {}
    blocks = []
    for post in posts:
        label = NETWORKS[post.network].label
        counts[label] = counts.get(label, 0) + 1
        when = danish_time(post.planned_at) if post.planned_at else "ingen tid planlagt"
        blocks.append(f"== {label} · {post.title or 'Ugens nyhedsbrev'} · {status.get(post.status, post.status)} · {when} · "
                      f"{stage.view(post).measure.describe()} ==\n{post.text}\n")
    path = out / "social.txt"
    write_atomic(path, f"Opslag til de sociale medier fra ugens nyhedsbrev: {len(posts)} i alt. Holdet læser, "
                       "retter og godkender dem i arbejdsrummet; intet udgives uden godkendelse.\n\n"
                       + "\n".join(blocks))
    return counts, path


def demo_user(db: Database, config: Config) -> tuple[str, str]:
    """An admin "demo" for the workspace (issue 9), with a new random password each run."""
    from newsletter import accounts
    from newsletter.errors import NotFound

    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    try:
        link = accounts.reset(db, config, "demo")
    except NotFound:
        link = accounts.add_user(db, config, "demo", "demo@eksempel.dk", "admin")
    accounts.set_password(db, config, link.link.rsplit("/", 1)[1], password)
    return "demo", password


def _as_json(report: DemoReport) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in report.__dict__.items()}


@main.command("demo")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("var/demo"),
              show_default=True, help="Where the demo keeps its database, outbox and rendered files.")
@json_option
@pass_app
def demo(app: App, folder: Path, as_json: bool) -> None:
    """Run the whole pipeline on the bundled sample sources (no network needed).

    Collects the sample partner news, adds a curated event, drafts this week's issue,
    renders it, approves it as "demo", and sends it to four sample subscribers as .eml
    files in DIR/outbox. Creates the workspace user "demo" and prints how to log in.
    """
    report = run_demo(folder)
    if as_json:
        report_dict = _as_json(report)
        report_dict["files"] = [str(p) for p in report.files]
        report_dict["social_file"] = str(report.social_file) if report.social_file else None
        print_json(report_dict)
        return
    click.echo(f"1. Collected {report.collected} new items from {report.sources} sample sources "
               f"({report.failed_sources} failed)." + (" Nothing new since the last run." if not report.collected else ""))
    if report.issue_id is None:
        click.echo("2. No issue this week: the sample news was all used in an earlier issue, and the "
                   "sample sources never change. Nothing was queued or sent.")
        click.echo(f"   ({report.empty_week})")
    else:
        _print_issue(report)
    _print_look_around(folder, report)


def _print_issue(report: DemoReport) -> None:
    click.echo(f"2. Issue {report.issue_id} ({report.issue_label}): {report.items_included} items, "
               f"status {report.issue_status}.")
    if report.files:
        click.echo("3. Rendered, approved as \"demo\". Open the preview (phone and desktop side by side):")
        for path in report.files:
            click.echo(f"     {path.resolve()}")
        for line in report.preflight:
            click.echo(f"     preflight {line}")
    else:
        click.echo("3. This week's issue was already approved and sent by an earlier demo run.")
    click.echo(f"4. Queued {report.queued} messages, sent {report.sent} to {report.outbox_folder}/ (.eml files).")
    print_table("Outbox", ["status", "messages"], [[k, v] for k, v in sorted(report.outbox_counts.items())])
    if report.social_file is not None:
        per_network = ", ".join(f"{label} {n}" for label, n in report.social_posts.items())
        click.echo(f"5. Social posts from the same items: {sum(report.social_posts.values())} ({per_network}), "
                   f"to read in\n     {report.social_file.resolve()}\n   and to approve in the workspace "
                   f"(or: newsletter social approve --issue {report.issue_id}).")


def look_around_environment(folder: Path) -> dict[str, str]:
    """The settings that point the other commands at the demo's database, config and outbox."""
    folder = folder.resolve()
    return {"NEWSLETTER_CONFIG": str(DEMO_CONFIG), "DATABASE_URL": f"sqlite:///{folder / 'newsletter.db'}",
            "SMTP_URL": (folder / "outbox").as_uri(), "NEWSLETTER_VAR_DIR": str(folder)}


def _command_name() -> str:
    """How this shell reaches the command: the venv's script when it is not on PATH."""
    argv0 = Path(sys.argv[0])
    if argv0.name == "newsletter" and argv0.is_file() and shutil.which("newsletter") != str(argv0.resolve()):
        return str(argv0.resolve())
    return "newsletter"


def _print_look_around(folder: Path, report: DemoReport) -> None:
    issue_id = report.issue_id
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in look_around_environment(folder).items())
    name = _command_name()
    click.echo("\nLook around with the demo's data (these settings point the commands at it):")
    click.echo(f"  export {env}")
    show = [f"issue show {issue_id}"] if issue_id is not None else []
    for command in ("issues", *show, "sources", "outbox", "subscribers list"):
        click.echo(f"  {name} {command}")
    if report.login_user:
        click.echo("\nThe team's workspace in the browser: run the first line above, then")
        click.echo(f"  {name} serve")
        click.echo(f"  open http://127.0.0.1:8000/team/ and log in as {report.login_user} with the password "
                   f"{report.login_password}")
