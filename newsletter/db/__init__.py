"""Storage: the only place that talks SQL. ``open_db(url)`` gives a migrated ``Database``.

Per-domain query modules (``sources``, ``items``, ...) take a ``Connection``; callers
open one transaction per unit of work with ``db.begin()``.

Alembic is imported only when the schema has to change: ``open_db`` compares the stored
revision with the head revision read from the migration files themselves (issue 11, fast
start-up), and only a database that is behind runs the migrations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from newsletter.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
SUPPORTED = "sqlite:///path/to/file.db or postgresql://user@host/dbname"


class Database:
    def __init__(self, engine: Engine, created: bool = False) -> None:
        self.engine = engine
        #: True when open_db made this database (it had no tables): the caller may say so.
        self.created = created

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def where(self) -> str:
        """The database as a person recognises it: the file, or the URL without a password."""
        url = self.engine.url
        if self.is_sqlite and url.database:
            return str(Path(url.database))
        return url.render_as_string(hide_password=True)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def parse_database_url(url: str) -> URL:
    """The URL, or a StorageError that says what DATABASE_URL may be."""
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StorageError(f"DATABASE_URL {url!r} is not a database URL; use {SUPPORTED}") from e
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(f"DATABASE_URL {parsed.render_as_string(hide_password=True)!r}: "
                           f"{parsed.get_backend_name()!r} is not supported; use {SUPPORTED}")
    return parsed


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory databases and other backends)."""
    parsed = parse_database_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_db_engine(url: str) -> Engine:
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ImportError as e:  # the driver is an optional extra
        raise StorageError(f"DATABASE_URL is PostgreSQL but its driver is missing ({e}); "
                           "install it with `pip install -e '.[postgres]'`") from e


def alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    try:
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as e:
        raise StorageError(f"could not migrate the database {db.where}: {e}") from e


def current_revisions(db: Database) -> frozenset[str]:
    """The revisions stored in ``alembic_version``; empty for a database without our tables."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return frozenset()
        return frozenset(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


def current_revision(db: Database) -> str | None:
    revisions = sorted(current_revisions(db))
    return revisions[0] if len(revisions) == 1 else (", ".join(revisions) or None)


_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(.+)$", re.MULTILINE)


def head_revisions() -> frozenset[str]:
    """The heads of the migration files, read as text (no alembic import): revisions that no
    other file names as its down_revision. A file we cannot read this way falls back to alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            from alembic.script import ScriptDirectory

            return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
        revisions.add(revision.group(1))
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return frozenset(revisions - parents)


def head_revision() -> str | None:
    heads = sorted(head_revisions())
    return ", ".join(heads) or None


def open_db(url: str, migrate: bool = True, must_exist: bool = False) -> Database:
    """Open the database at ``url`` and bring its schema up to date.

    ``must_exist`` is for commands that only read: a database without our tables (a
    mistyped DATABASE_URL) is an error, not a new empty database.
    """
    path = sqlite_path(url)
    if must_exist and path is not None and not path.exists():
        raise StorageError(f"there is no database at {path} (DATABASE_URL={url}); check DATABASE_URL. "
                           "A new database is made by the first command that writes, or by `newsletter db upgrade`")
    try:
        db = Database(create_db_engine(url))
        if migrate:
            current = current_revisions(db)
            if not current and must_exist:
                db.dispose()
                raise StorageError(f"the database {db.where} has no newsletter tables; check DATABASE_URL. "
                                   "A new database is made by the first command that writes, or by "
                                   "`newsletter db upgrade`")
            if current != head_revisions():
                upgrade(db)
                db.created = not current
    except SQLAlchemyError as e:
        raise StorageError(f"could not open the database {url!r}: {e} (check DATABASE_URL)") from e
    return db
