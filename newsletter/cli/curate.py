"""``newsletter curate ...``: items the team adds by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from newsletter.cli.app import (
    App,
    json_option,
    lazy_module,
    login_name,
    main,
    pass_app,
    print_json,
    print_table,
    shorten,
)

if TYPE_CHECKING:
    from newsletter import curate
else:  # loaded when a command runs (issue 11: fast start-up)
    curate = lazy_module("newsletter.curate")

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@main.group("curate")
def curate_group() -> None:
    """Add, list and remove hand-curated items (news and events)."""


@curate_group.command("add")
@click.argument("url", required=False)
@click.option("--section", help="Section key from feeds.yaml (default: the partner's, else the default).")
@click.option("--partner", help="Partner key from feeds.yaml.")
@click.option("--pin", is_flag=True, help="Put the item at the top of its section.")
@click.option("--title", help="Title (overrides the page's).")
@click.option("--summary", help="Summary text (overrides the page's description).")
@click.option("--image", help="Image URL (overrides the page's image).")
@click.option("--starts", help='Event start, Danish time: "2026-12-03 09:00" or "3. december 2026 kl. 9.00".')
@click.option("--ends", help="Event end, same forms as --starts.")
@click.option("--location", help="Where the event takes place.")
@click.option("--signup-url", help="Sign-up link for an event.")
@click.option("--by", "by", envvar="USER", help="Who adds it (default: $USER).")
@json_option
@pass_app
def curate_add(app: App, url: str | None, as_json: bool, **options: object) -> None:
    """Add a news item or event by URL, or write it yourself.

    \b
    newsletter curate add https://www.businesskolding.dk/nyheder/ny-robotklynge --pin
    newsletter curate add https://industriensdag.dk --section arrangementer \\
        --starts "2026-12-03 09:00" --ends "2026-12-03 16:00" --location "Kolding" \\
        --signup-url https://industriensdag.dk/tilmelding
    """
    options["by"] = options.get("by") or login_name()
    data = curate.CuratedInput(url=url, **options)  # type: ignore[arg-type]
    result = curate.add_curated(app.db, app.config, data)
    if as_json:
        print_json(result)
        return
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    verb = "Added" if result.created else "Already collected; updated"
    click.echo(f"{verb} item {result.item_id}: {result.title}\n  {result.url}")


@curate_group.command("list")
@click.option("--all", "include_removed", is_flag=True, help="Include removed items.")
@json_option
@pass_app
def curate_list(app: App, include_removed: bool, as_json: bool) -> None:
    """List curated items, newest first."""
    rows = curate.list_curated(app.read_db, include_removed)
    if as_json:
        print_json(rows)
        return
    print_table("Curated items", ["id", "title", "section", "partner", "pin", "event", "by", "removed"], [
        [r.id, shorten(r.title, 60), r.section, r.partner_key, "yes" if r.pinned else "",
         r.event_starts_at.astimezone(COPENHAGEN).strftime("%d.%m.%Y %H:%M") if r.event_starts_at else "",
         r.created_by, "removed" if r.removed_at else ""]
        for r in rows
    ])


@curate_group.command("remove")
@click.argument("item_id", type=int)
@pass_app
def curate_remove(app: App, item_id: int) -> None:
    """Remove a curated item (it is kept, marked removed, and never used)."""
    curate.remove_curated(app.db, item_id)
    click.echo(f"Removed curated item {item_id}")
