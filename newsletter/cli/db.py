"""``newsletter db ...``: schema migrations."""

from __future__ import annotations

import click

from newsletter.cli.app import App, main, pass_app
from newsletter.db import current_revision, head_revision, open_db, upgrade


@main.group("db")
def db_group() -> None:
    """Database schema: upgrade and status."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Apply all migrations (also done automatically on first use)."""
    db = open_db(app.config.settings.database_url, migrate=False)
    upgrade(db)
    click.echo(f"Database at revision {current_revision(db)} ({db.engine.url.render_as_string()})")
    db.dispose()


@db_group.command("status")
@pass_app
def db_status(app: App) -> None:
    """Show the current and the latest schema revision."""
    db = open_db(app.config.settings.database_url, migrate=False)
    click.echo(f"current: {current_revision(db) or '(empty)'}  head: {head_revision()}")
    db.dispose()
