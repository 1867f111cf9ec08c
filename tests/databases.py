"""A fresh, private PostgreSQL schema for one test or bench run, dropped afterwards.

A plain module (no pytest) so that tests/conftest.py, single tests and bench/ scripts share it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def postgres_schema(server_url: str, prefix: str = "t") -> Iterator[str]:
    """Create a new schema on the server at ``server_url`` (a postgresql:// URL) and yield a
    database URL whose search_path is that schema; the schema and all in it go at the end."""
    base = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
