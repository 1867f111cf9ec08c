"""Storage for media (issue 10): what became of each source image, and the social cards drawn.

``media_images`` has one row per (source URL, kind): "card" for an item's lead picture, "logo"
for the brand logo. ``media_cards`` remembers the input hash of each card drawn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsletter.db.schema import issue_items, items, media_cards, media_images


@dataclass(frozen=True)
class Outcome:
    """What processing one source image gave, to be recorded."""

    status: str
    error: str | None = None
    content_type: str | None = None
    original_width: int | None = None
    original_height: int | None = None
    name_1x: str | None = None
    width_1x: int | None = None
    height_1x: int | None = None
    name_2x: str | None = None
    width_2x: int | None = None
    height_2x: int | None = None


@dataclass(frozen=True, kw_only=True)
class StoredImage(Outcome):
    """A source image and the outcome recorded for it: our copy (``status`` "ok"), or why there
    is none ("failed")."""

    source_url: str
    kind: str
    attempts: int
    fetched_at: datetime

    @property
    def ok(self) -> bool:
        return self.status == "ok" and bool(self.name_1x)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


_FIELDS = tuple(f for f in StoredImage.__dataclass_fields__)


def _image(row: object) -> StoredImage:
    m = row._mapping  # type: ignore[attr-defined]
    return StoredImage(**{f: m[f] for f in _FIELDS})


def get_images(conn: Connection, urls: Iterable[str], kind: str) -> dict[str, StoredImage]:
    """-- name: get_images. The records for these source URLs (missing ones: never tried)."""
    hashes = sorted({url_hash(u) for u in urls})
    found: dict[str, StoredImage] = {}
    for start in range(0, len(hashes), 500):
        query = select(*(media_images.c[f] for f in _FIELDS)).where(
            media_images.c.kind == kind, media_images.c.url_hash.in_(hashes[start:start + 500]))
        for row in conn.execute(query):
            image = _image(row)
            found[image.source_url] = image
    return found


def record_image(conn: Connection, url: str, kind: str, outcome: Outcome, at: datetime) -> None:
    """-- name: record_image. Insert or replace the record of one attempt."""
    key = url_hash(url)
    values = {**{f: getattr(outcome, f) for f in Outcome.__dataclass_fields__}, "fetched_at": at}
    existing = conn.execute(select(media_images.c.id).where(
        media_images.c.url_hash == key, media_images.c.kind == kind)).first()
    if existing is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(media_images).values(url_hash=key, kind=kind, source_url=url,
                                                         attempts=1, **values))
            return
        except IntegrityError:  # another draft (scheduler and a person at once) recorded it first
            pass
    conn.execute(update(media_images).where(media_images.c.url_hash == key, media_images.c.kind == kind)
                 .values(attempts=media_images.c.attempts + 1, **values))


def issue_image_urls(conn: Connection, issue_id: int) -> dict[int, str]:
    """-- name: issue_image_urls. item id -> lead image URL, for the issue's included items."""
    query = (select(items.c.id, items.c.image_url)
             .join(issue_items, issue_items.c.item_id == items.c.id)
             .where(issue_items.c.issue_id == issue_id, issue_items.c.included.is_(True),
                    issue_items.c.duplicate_of.is_(None), items.c.image_url.is_not(None))
             .order_by(items.c.id))
    return {row.id: row.image_url for row in conn.execute(query) if row.image_url}


def card_hashes(conn: Connection, issue_id: int) -> dict[int, str]:
    """-- name: card_hashes. item id (0: the issue's own card) -> input hash of the card drawn."""
    query = select(media_cards.c.item_id, media_cards.c.input_hash).where(media_cards.c.issue_id == issue_id)
    return {row.item_id: row.input_hash for row in conn.execute(query)}


def record_card(conn: Connection, issue_id: int, item_id: int, input_hash: str, name: str,
                at: datetime) -> None:
    """-- name: record_card."""
    where = and_(media_cards.c.issue_id == issue_id, media_cards.c.item_id == item_id)
    values = {"input_hash": input_hash, "name": name, "drawn_at": at}
    if conn.execute(update(media_cards).where(where).values(**values)).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(media_cards).values(issue_id=issue_id, item_id=item_id, **values))
    except IntegrityError:  # drawn at the same moment by another process: same input, keep theirs
        conn.execute(update(media_cards).where(where).values(**values))
