"""``newsletter db ...``: schema migrations."""

from __future__ import annotations

import click

from newsletter.cli.app import App, json_option, main, pass_app, print_json


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


@db_group.command("copy")
@click.option("--to", "target_url", required=True, metavar="URL",
              help="The new, empty database, e.g. postgresql://newsletter@db.internal/newsletter.")
@json_option
@pass_app
def db_copy(app: App, target_url: str, as_json: bool) -> None:
    """Copy everything from DATABASE_URL to another database (all tables, ids kept, counts verified).

    The usual move: from the embedded SQLite file to PostgreSQL. Stop the scheduler, the web
    app and the send workers first, copy, then set DATABASE_URL to the new database.
    """
    from newsletter.db import open_db
    from newsletter.db.copy import copy_database

    source = app.read_db
    target = open_db(target_url)  # made and migrated if new
    try:
        if target.where == source.where:
            raise click.UsageError("--to is the database DATABASE_URL already points at")
        copied = copy_database(source, target)
    finally:
        target.dispose()
    if as_json:
        print_json([{"table": c.table, "source_rows": c.source_rows, "target_rows": c.target_rows} for c in copied])
        return
    for c in copied:
        click.echo(f"  {c.table:24} {c.target_rows:>9} rows")
    click.echo(f"Copied {sum(c.target_rows for c in copied)} rows in {len(copied)} tables from {source.where} to "
               f"{target.where}; every table's row count verified. Now set DATABASE_URL to the new database.")
