"""Helpers for the collect tests: feeds built in the test, a config naming local-server
sources, and functions that read back what collect stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import select

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.schema import fetch_log, items, sources
from tests.conftest import MINIMAL_CONFIG


def rss(items_xml: str, title: str = "Business Kolding: nyheder", encoding: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
            f"<title>{title}</title><link>https://example.dk/</link>"
            f"{items_xml}</channel></rss>").encode(encoding, errors="xmlcharrefreplace")


def rss_item(n: int | str, *, title: str | None = None, link: str | None = None,
             description: str = "Et kort resumé af nyheden.", guid: str | None = None,
             date: datetime | None = None) -> str:
    title = f"Nyhed nummer {n}" if title is None else title
    link = f"https://example.dk/nyheder/{n}" if link is None else link
    guid = link if guid is None else guid
    when = date or datetime(2026, 11, 20, 9, 0, tzinfo=UTC) - timedelta(hours=int(n) if str(n).isdigit() else 0)
    return (f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>"
            f"<description><![CDATA[{description}]]></description>"
            f"<pubDate>{format_datetime(when)}</pubDate></item>")


def feed_of(count: int, prefix: str = "") -> bytes:
    return rss("".join(rss_item(f"{prefix}{i}" if prefix else i,
                                title=f"{prefix}Nyhed nummer {i}",
                                link=f"https://example.dk/{prefix}nyheder/{i}") for i in range(count)))


RSS_TYPE = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True)
class S:
    """One source line for ``sources_config``."""

    key: str
    url: str
    kind: str = "feed"
    enabled: bool = True
    extra: str = ""


@pytest.fixture
def sources_config(make_config: Callable[[str], Config]) -> Callable[..., Config]:
    """A config with one partner per source; ``collect`` keys override the defaults, and the
    test defaults keep a hung server from slowing the suite."""

    def make(*entries: S, **collect: Any) -> Config:
        settings = {"deadline": 3, "connect_timeout": 2, "read_timeout": 2, **collect}
        lines = ["collect:"] + [f"  {k}: {v}" for k, v in settings.items()]
        lines.append("partners:")
        for e in entries:
            lines += [f"  - key: p-{e.key}", f"    name: Partner {e.key}", "    sources:",
                      f"      - key: {e.key}", f"        kind: {e.kind}", f"        url: {e.url}",
                      f"        enabled: {'true' if e.enabled else 'false'}"]
            if e.extra:
                lines += [f"        {line}" for line in e.extra.splitlines()]
        text = MINIMAL_CONFIG.replace("partners: []\n", "") + "\n".join(lines) + "\n"
        return make_config(text)

    return make


def stored_items(db: Database, source_key: str | None = None) -> list[Any]:
    with db.connect() as conn:
        query = select(items, sources.c.key.label("source_key")).join(
            sources, sources.c.id == items.c.source_id).order_by(items.c.id)
        if source_key:
            query = query.where(sources.c.key == source_key)
        return list(conn.execute(query))


def source_row(db: Database, key: str) -> Any:
    with db.connect() as conn:
        return conn.execute(select(sources).where(sources.c.key == key)).one()


def log_rows(db: Database, key: str) -> list[Any]:
    with db.connect() as conn:
        return list(conn.execute(
            select(fetch_log).join(sources, sources.c.id == fetch_log.c.source_id)
            .where(sources.c.key == key).order_by(fetch_log.c.id)))


def later(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)
