"""``newsletter demo``: the whole path on the bundled demo configuration, with no network.

It never touches the deployment's database or mail server: everything goes under --dir
(default ``var/demo``), whatever DATABASE_URL and SMTP_URL say.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from newsletter.cli.app import App, json_option, main, pass_app, print_json, print_table
from newsletter.collect import collect
from newsletter.config import Config, load_config
from newsletter.db import Database, open_db
from newsletter.db.sources import source_states
from newsletter.db.types import utcnow

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "demo" / "feeds.yaml"


def demo_config(base: Config | None, folder: Path) -> Config:
    """The demo feeds.yaml with settings that keep everything inside ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = load_config(DEMO_CONFIG)
    settings = replace(
        config.settings,
        database_url=f"sqlite:///{(folder / 'newsletter.db').resolve()}",
        smtp_url=(folder / "outbox").resolve().as_uri(),
        var_dir=folder,
    )
    return replace(config, settings=settings)


def run_collect(db: Database, config: Config) -> dict[str, object]:
    report = collect(db, config)
    with db.connect() as conn:
        states = source_states(conn, utcnow())
    return {
        "new_items": report.new_items,
        "sources": len(report.sources),
        "failed": report.failed,
        "items_per_source": {s.key: s.items_last_30_days for s in states},
    }


@main.command("demo")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("var/demo"),
              show_default=True, help="Where the demo keeps its database, outbox and rendered files.")
@json_option
@pass_app
def demo(app: App, folder: Path, as_json: bool) -> None:
    """Run the whole pipeline on the bundled sample sources (no network needed)."""
    config = demo_config(None, folder)
    db = open_db(config.settings.database_url)
    try:
        collected = run_collect(db, config)
    finally:
        db.dispose()
    if as_json:
        print_json({"folder": folder, "collect": collected})
        return
    click.echo(f"Collected {collected['new_items']} new items from {collected['sources']} sample sources "
               f"({collected['failed']} failed) into {config.settings.database_url}")
    print_table("Items per source (last 30 days)", ["source", "items"],
                [[key, count] for key, count in collected["items_per_source"].items()])  # type: ignore[union-attr]
    click.echo(f"\nSee `newsletter --config {DEMO_CONFIG} sources` with "
               f"DATABASE_URL={config.settings.database_url} for the health of each source.")
