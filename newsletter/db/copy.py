"""`newsletter db copy --to URL`: move everything to another database (issue 11), e.g. from
the embedded SQLite file to PostgreSQL when the team grows.

Every table of the schema is copied in foreign-key order with its ids, in one transaction on
the target (a failure leaves it as it was: empty). PostgreSQL sequences are then set past
the highest id, so new rows continue the numbering. Finally the row count of every table is
compared on both sides. The target must be an empty database (it is migrated first).
The APScheduler job table is not copied: the scheduler writes its jobs again on start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from newsletter.db import Database
from newsletter.db.schema import metadata
from newsletter.errors import StorageError

BATCH = 1000


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int

    @property
    def verified(self) -> bool:
        return self.source_rows == self.target_rows


def _count(conn: object, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)  # type: ignore[attr-defined]


def copy_database(source: Database, target: Database,
                  progress: Callable[[str, int], None] | None = None) -> list[TableCopy]:
    """Copy every table from ``source`` into the empty, migrated ``target``; verify the counts."""
    tables = list(metadata.sorted_tables)
    with target.connect() as conn:
        filled = [t.name for t in tables if _count(conn, t)]
    if filled:
        raise StorageError(f"the target database {target.where} already has data (in {', '.join(filled[:5])}); "
                           "copy only into a new, empty database")
    copied: list[TableCopy] = []
    with source.connect() as read, target.begin() as write:
        for table in tables:
            order = list(table.primary_key.columns) or list(table.columns)
            result = read.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
            done = 0
            for batch in result.partitions(BATCH):
                rows = [dict(row._mapping) for row in batch]
                try:
                    write.execute(insert(table), rows)
                except SQLAlchemyError as e:
                    raise StorageError(f"could not copy table {table.name} (rows {done + 1}-{done + len(rows)}): "
                                       f"{str(getattr(e, 'orig', e)).splitlines()[0]}; nothing was copied") from e
                done += len(rows)
                if progress:
                    progress(table.name, done)
        if target.is_postgres:
            for table in tables:
                column = table.autoincrement_column
                if column is not None:
                    write.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) FROM {table.name}"))
        for table in tables:
            copied.append(TableCopy(table.name, _count(read, table), _count(write, table)))
        wrong = [c for c in copied if not c.verified]
        if wrong:  # raising here rolls the target back
            raise StorageError("row counts differ after the copy: " + ", ".join(
                f"{c.table} {c.source_rows} -> {c.target_rows}" for c in wrong) + "; nothing was copied")
    return copied
