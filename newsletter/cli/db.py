"""``newsletter db ...``: schema migrations."""

from __future__ import annotations

import click

from newsletter.cli.app import App, main, pass_app


@main.group("db")
def db_group() -> None:
    """Database schema: upgrade and status."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Apply all migrations (also done automatically on first use)."""
    from newsletter.db import current_revision, open_db, upgrade

    db = open_db(app.config.settings.database_url, migrate=False)  # a deploy step: check feeds.yaml too
    upgrade(db)
    click.echo(f"Database at revision {current_revision(db)} ({db.where})")
    db.dispose()


@db_group.command("status")
@pass_app
def db_status(app: App) -> None:
    """Show the current and the latest schema revision."""
    from newsletter.db import current_revision, head_revision, open_db

    db = open_db(app.settings.database_url, migrate=False, must_exist=True)
    click.echo(f"database: {db.where}\ncurrent: {current_revision(db) or '(empty)'}  head: {head_revision()}")
    db.dispose()
