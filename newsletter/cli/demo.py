"""``newsletter demo``: the whole path on the bundled demo configuration, with no network.

collect the sample sources -> add a curated event -> draft the week's issue -> render it ->
approve as "demo" -> add sample subscribers -> queue -> send to a local folder.

It never touches the deployment's database or mail server: everything goes under --dir
(default ``var/demo``), whatever DATABASE_URL and SMTP_URL say. Running it again is safe:
nothing is collected, queued or sent twice.
"""

from __future__ import annotations

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
    config = load_config(DEMO_CONFIG, settings=settings)
    # our picture copies linked as files, so the preview shows them without `newsletter serve`
    media = config.data.media.model_copy(update={"base_url": (folder / "media").resolve().as_uri()})
    return replace(config, data=config.data.model_copy(update={"media": media}))


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
        issue = week_issue(db, config, config.newsletters[0].key, now)
        report.issue_id, report.issue_label = issue.id, issue.label
        if issue.status == "draft":
            result = render_issue(db, config, issue.id)
            out = folder / f"issue-{issue.iso_year}-W{issue.iso_week:02d}"
            report.files = write_outputs(config, result, out)
            report.preflight = [f"{f.level}: {f.message}" for f in result.preflight if f.level != "info"]
            review.approve(db, issue.id, by="demo")
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
    finally:
        db.dispose()
    return report


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
    files in DIR/outbox.
    """
    report = run_demo(folder)
    if as_json:
        report_dict = _as_json(report)
        report_dict["files"] = [str(p) for p in report.files]
        print_json(report_dict)
        return
    click.echo(f"1. Collected {report.collected} new items from {report.sources} sample sources "
               f"({report.failed_sources} failed).")
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
    click.echo(f"\nLook around: newsletter --config {DEMO_CONFIG} issue show {report.issue_id}  "
               f"(with DATABASE_URL=sqlite:///{(folder / 'newsletter.db').resolve()})")
