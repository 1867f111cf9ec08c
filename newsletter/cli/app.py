"""Shared CLI plumbing: the root group, the lazily built app context, output helpers."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from newsletter.config import Config, load_config
from newsletter.db import Database, open_db
from newsletter.errors import NewsletterError

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """Config and database, built once per command, on first use."""

    def __init__(self, config_path: str | None, verbose: bool) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self._config: Config | None = None
        self._db: Database | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_db(self.config.settings.database_url)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


class ErrorHandlingGroup(click.Group):
    """Maps NewsletterError to a one-line message and exit status 1 (traceback under -v)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsletterError as e:
            app = ctx.find_object(App)
            if app is not None and app.verbose:
                raise
            click.echo(f"Error: {e}", err=True)
            ctx.exit(1)


@click.group(cls=ErrorHandlingGroup)
@click.option("--config", "config_path", envvar="NEWSLETTER_CONFIG", default="feeds.yaml",
              show_default=True, help="Path to feeds.yaml (or set NEWSLETTER_CONFIG).")
@click.option("-v", "--verbose", is_flag=True, help="Show debug logging and full tracebacks.")
@click.version_option(package_name="newsletter")
@click.pass_context
def main(ctx: click.Context, config_path: str, verbose: bool) -> None:
    """Newsletter and PR automation for Danmarks Produktionscentrum."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    app = App(config_path, verbose)
    ctx.obj = app
    ctx.call_on_close(app.close)


def pass_app(f: F) -> F:
    @click.pass_obj
    @functools.wraps(f)
    def wrapper(app: App, *args: Any, **kwargs: Any) -> Any:
        return f(app, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


PEOPLE_TIMEZONE = ZoneInfo("Europe/Copenhagen")


def local_time(value: datetime | None, empty: str = "") -> str:
    """A stored (UTC) time as the team reads it: Danish local time, to the minute."""
    if value is None:
        return empty
    return value.astimezone(PEOPLE_TIMEZONE).strftime("%Y-%m-%d %H:%M")


json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def print_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console().print(table)
