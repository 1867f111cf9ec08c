"""Shared CLI plumbing: the root group, the lazily built app context, output helpers.

Start-up matters here (issue 11): this module imports only click and the standard library.
Config (pydantic), the database (SQLAlchemy, and Alembic only when a migration is due) and
rich are loaded the first time a command asks for them.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from newsletter.errors import NewsletterError

if TYPE_CHECKING:
    from rich.console import Console

    from newsletter.config import Config
    from newsletter.db import Database
    from newsletter.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
JSON_META = "newsletter.json"


class App:
    """Config and database, built once per command, on first use."""

    def __init__(self, config_path: str | None, verbose: bool, as_json: bool = False) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self.as_json = as_json
        self._settings: Settings | None = None
        self._config: Config | None = None
        self._db: Database | None = None

    @property
    def settings(self) -> Settings:
        """The environment's settings alone: enough for commands that only read the database."""
        if self._settings is None:
            if self._config is not None:
                self._settings = self._config.settings
            else:
                from newsletter.settings import load_settings

                self._settings = load_settings()
        return self._settings

    @property
    def config(self) -> Config:
        if self._config is None:
            from newsletter.config import load_config

            self._config = load_config(self.config_path, settings=self._settings)
            self._settings = self._config.settings
        return self._config

    @property
    def db(self) -> Database:
        """The database for a command that writes: made (and said so) when it does not exist."""
        if self._db is None:
            from newsletter.db import open_db

            self._db = open_db(self.settings.database_url)
            if self._db.created and not self.as_json:
                click.echo(f"Created a new database at {self._db.where} (from DATABASE_URL).", err=True)
        return self._db

    @property
    def read_db(self) -> Database:
        """The database for a command that only reads: a missing one is an error, never made
        empty (a mistyped DATABASE_URL would otherwise show "no issues" from a new file)."""
        if self._db is None:
            from newsletter.db import open_db

            self._db = open_db(self.settings.database_url, must_exist=True)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def hoist_global_options(args: Sequence[str]) -> tuple[list[str], bool]:
    """``--config PATH``, ``-v`` and ``--json`` may stand anywhere on the line (issue 11).

    ``--config``/``-v`` move to the front, where the root group reads them; ``--json`` is taken
    out and remembered, and every command's ``--json`` option reads it. After ``--`` nothing moves.
    """
    front: list[str] = []
    rest: list[str] = []
    as_json = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "--json":
            as_json = True
        elif arg in ("-v", "--verbose") or arg.startswith("--config="):
            front.append(arg)
        elif arg == "--config" and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest, as_json


def summary(command: click.Command) -> str:
    """A command's one-line description for a list: its first paragraph, whole.

    Click's own short help stops at the first full stop and cuts at the width ("GDPR art."),
    so lists of commands use this instead (issue 11: help texts complete).
    """
    if command.short_help:
        return command.short_help
    text = (command.help or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in text.splitlines() if line.strip() != "\b")


class CompleteHelpGroup(click.Group):
    """A group whose command list shows each command's whole first paragraph, wrapped."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


CompleteHelpGroup.group_class = CompleteHelpGroup


class ErrorHandlingGroup(CompleteHelpGroup):
    """The root group: global options anywhere on the line, and one handler for errors.

    NewsletterError (and a file or database error a user can cause with a typo) becomes a
    one-line ``Error: ...`` and exit status 1; ``-v`` shows the traceback instead.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args, as_json = hoist_global_options(args)
            ctx.meta[JSON_META] = as_json
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (NewsletterError, OSError) as e:
            self._fail(ctx, e, _describe_os_error(e) if isinstance(e, OSError) else str(e))
        except Exception as e:
            sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
            if sqlalchemy_exc is None or not isinstance(e, sqlalchemy_exc.SQLAlchemyError):
                raise
            orig = getattr(e, "orig", None)
            self._fail(ctx, e, f"database error: {str(orig or e).splitlines()[0]} (check DATABASE_URL; "
                               "-v shows the details)")

    def _fail(self, ctx: click.Context, error: Exception, message: str) -> None:
        app = ctx.find_object(App)
        if app is not None and app.verbose:
            raise error
        click.echo(f"Error: {message}", err=True)
        ctx.exit(1)


def _describe_os_error(e: OSError) -> str:
    what = e.strerror or str(e)
    if e.filename is None:
        return what
    return f"{e.filename}: {what}" + (" (a folder on the way is missing or is a file)"
                                     if isinstance(e, FileNotFoundError | NotADirectoryError) else "")


@click.group(cls=ErrorHandlingGroup)
@click.option("--config", "config_path", envvar="NEWSLETTER_CONFIG", default="feeds.yaml",
              show_default=True, help="Path to feeds.yaml (or set NEWSLETTER_CONFIG). Allowed anywhere on the line.")
@click.option("-v", "--verbose", is_flag=True, help="Show debug logging and full tracebacks.")
@click.version_option(package_name="newsletter")
@click.pass_context
def main(ctx: click.Context, config_path: str, verbose: bool) -> None:
    """Newsletter and PR automation for Danmarks Produktionscentrum.

    --config, -v and --json may be given anywhere on the line. Settings such as
    DATABASE_URL and SMTP_URL come from the environment or a .env file.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    app = App(config_path, verbose, bool(ctx.meta.get(JSON_META)))
    ctx.obj = app
    ctx.call_on_close(app.close)


def pass_app(f: F) -> F:
    @click.pass_obj
    @functools.wraps(f)
    def wrapper(app: App, *args: Any, **kwargs: Any) -> Any:
        return f(app, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def login_name(fallback: str = "cli") -> str:
    """Who runs the command, for the audit log: the login name, else ``fallback``."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - a container's uid with no passwd entry and no $USER
        return fallback


def author_option(help_text: str) -> Callable[[F], F]:
    """``--by NAME``, the person recorded in the audit log; the login name by default."""
    return click.option("--by", default=login_name, show_default="login name", help=help_text)


PEOPLE_TIMEZONE = ZoneInfo("Europe/Copenhagen")


def local_time(value: datetime | None, empty: str = "") -> str:
    """A stored (UTC) time as the team reads it: Danish local time, to the minute."""
    if value is None:
        return empty
    return value.astimezone(PEOPLE_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def _json_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    return value or bool(ctx.meta.get(JSON_META))


json_option = click.option("--json", "as_json", is_flag=True, callback=_json_flag,
                           help="Print machine-readable JSON.")


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
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut is always shown with "…"."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def print_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    """A table that fits the terminal, or 80 columns in a pipe or a log. Cells wrap at word
    boundaries; a word too long for its column (an address) is cut with "…", never silently."""
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold" if column in FOLD_COLUMNS else "ellipsis")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console().print(table)


#: columns whose long words wrap onto the next line instead of ending in "…" (so an
#: address or URL stays whole, if on two lines)
FOLD_COLUMNS = frozenset({"email", "to", "url", "address"})


class lazy_module:  # noqa: N801 - used like the module it stands for
    """A module imported on first attribute access: ``manage = lazy_module("newsletter.subscribers.manage")``.

    For CLI modules, so that defining a command does not load its stage (see the pattern in
    ``newsletter/cli/__init__.py``). Pair it with the real import under ``TYPE_CHECKING`` so
    mypy still sees the module's types.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if self._module is None:
            import importlib

            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


def check_output_file(path: Path, option: str) -> None:
    """Before any work: a file we are asked to write can be written (its folder exists)."""
    folder = path.parent
    if path.is_dir():
        raise NewsletterError(f"{option} {path}: that is a folder; give a file name, e.g. {path / 'export.csv'}")
    if not folder.is_dir():
        raise NewsletterError(f"{option} {path}: the folder {folder} does not exist" +
                              (" (it is a file)" if folder.exists() else "; create it first"))


def check_output_folder(path: Path, option: str) -> None:
    """Before any work: a folder we are asked to write into is a folder, or can be made."""
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                raise NewsletterError(f"{option} {path}: {part} is a file, not a folder")
            return
