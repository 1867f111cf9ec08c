"""`newsletter db copy --to URL`: everything moves, ids and sequences kept, counts verified (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select

from newsletter.cli import main
from newsletter.db import open_db
from newsletter.db.schema import items, metadata, subscribers
from newsletter.db.types import utcnow
from tests.conftest import TEST_DATABASE_URL
from tests.databases import postgres_schema


@pytest.fixture
def filled(cli, tmp_path) -> str:
    """A SQLite database with a week of data in it: the demo's, which fills most tables."""
    folder = tmp_path / "demo"
    assert cli("demo", "--dir", str(folder)).exit_code == 0
    return f"sqlite:///{folder / 'newsletter.db'}"


@pytest.fixture
def postgres_url():
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    with postgres_schema(TEST_DATABASE_URL) as url:
        yield url


def _counts(url: str) -> dict[str, int]:
    db = open_db(url)
    try:
        with db.connect() as conn:
            return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}
    finally:
        db.dispose()


def _copy(source: str, target: str, monkeypatch) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", source)
    result = CliRunner().invoke(main, ["db", "copy", "--to", target])
    return result.exit_code, result.output


def _check_copy(source: str, target: str, monkeypatch) -> None:
    code, output = _copy(source, target, monkeypatch)
    assert code == 0, output
    assert "every table's row count verified" in output
    before, after = _counts(source), _counts(target)
    assert after == before and before["items"] > 30 and before["outbox"] == 4 and before["subscribers"] == 4
    src, dst = open_db(source), open_db(target)
    try:
        with src.connect() as a, dst.connect() as b:
            for table in (items, subscribers):
                order = table.c.id
                assert list(a.execute(select(table).order_by(order))) == list(b.execute(select(table).order_by(order)))
        with dst.begin() as conn:  # the numbering goes on after the copied ids
            new_id = conn.execute(insert(subscribers).values(
                email="ny@example.dk", email_display="ny@example.dk", name="", organisation="", language="da",
                created_at=utcnow(), updated_at=utcnow())).inserted_primary_key[0]
            assert new_id == before["subscribers"] + 1
    finally:
        src.dispose()
        dst.dispose()
    again_code, again = _copy(source, target, monkeypatch)
    assert again_code == 1 and "already has data" in again  # never into a database in use


def test_copy_sqlite_to_postgresql(filled, postgres_url, monkeypatch):
    _check_copy(filled, postgres_url, monkeypatch)


def test_copy_sqlite_to_a_new_sqlite_file(filled, tmp_path: Path, monkeypatch):
    _check_copy(filled, f"sqlite:///{tmp_path / 'kopi.db'}", monkeypatch)


def test_copy_json_lists_every_table(filled, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", filled)
    result = CliRunner().invoke(main, ["db", "copy", "--to", f"sqlite:///{tmp_path / 'k.db'}", "--json"])
    tables = {row["table"]: row for row in json.loads(result.output)}
    assert set(tables) == {t.name for t in metadata.sorted_tables}
    assert all(r["source_rows"] == r["target_rows"] for r in tables.values())
