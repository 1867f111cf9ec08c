"""media (issue 10): the pictures a subscriber sees are ours.

``prepare_issue`` runs right after compose (``compose.draft``: the CLI's ``draft``, the
workspace, the scheduler's draft job and the demo all go through it) and reads as the phases:
which pictures -> fetch (collect's limits) -> verify + crop/resize (``process``) -> store
(content-addressed, ``store``) -> record (``db.media``) -> draw social cards (``issue_cards``,
``cards``).
Each picture is fetched once; a failure is kept with its reason (``newsletter issue show``
lists it, render's preflight warns) and tried again at a later draft after
``media.retry_minutes``.

Render asks ``index_for`` (a ``MediaIndex``) for URLs and never fetches. ``card_url`` gives
the stable URL of a social card, for the social posts and the web version's og:image.
``media.hotlink: true`` in feeds.yaml keeps the partners' own image URLs (nothing fetched).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from newsletter.collect.fetch import Fetcher
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import media as q
from newsletter.db.media import Outcome, StoredImage
from newsletter.db.types import utcnow
from newsletter.errors import MediaError
from newsletter.media import process
from newsletter.media.fetch import fetchable, get_image
from newsletter.media.index import (
    CARD,
    LOGO,
    MediaIndex,
    Picture,
    card_path,
    card_url,
    empty_index,
    index_for,
    store_for,
)
from newsletter.media.issue_cards import ensure_cards, refresh_cards
from newsletter.media.store import MediaStore

__all__ = ["MediaIndex", "MediaReport", "Picture", "card_path", "card_url", "empty_index", "ensure_cards",
           "index_for", "prepare_issue", "problems", "refresh_cards", "store_for"]

IN_FLIGHT = 4  # pictures fetched at once: bounds memory (a body is up to collect.max_bytes)
DECODING = 2  # pictures decoded and resized at once (CPU-bound; each holds ~10 MB of pixels)
T = TypeVar("T")


@dataclass(frozen=True)
class MediaReport:
    issue_id: int
    fetched: int = 0  # pictures fetched and stored now
    known: int = 0  # already ours from an earlier draft
    failed: tuple[tuple[int, str, str], ...] = ()  # (item id, URL, why) for this issue
    cards: int = 0  # social cards drawn now


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run, also when the caller already runs an event loop (then in a thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(factory())
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = e

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def _process(config: Config, store: MediaStore, kind: str, url: str, body: bytes,
             content_type: str | None) -> Outcome:
    media = config.media
    try:
        if kind == LOGO:
            done = process.logo_picture(url, body, content_type, max_pixels=media.max_pixels)
        else:
            done = process.card_picture(url, body, content_type, max_pixels=media.max_pixels,
                                        min_width=media.min_width, quality=media.jpeg_quality)
    except MediaError as e:
        return Outcome("failed", e.problem, process.media_type(content_type) or None)
    except Exception as e:  # noqa: BLE001 - hostile bytes must never stop a draft
        return Outcome("failed", f"could not read the picture ({type(e).__name__}: {e})")
    small = done.variants[-1]  # 600 px (or the original's width when smaller)
    large = done.variants[0] if len(done.variants) > 1 else None  # 1200 px
    return Outcome(
        "ok", None, done.content_type, done.original_width, done.original_height,
        name_1x=store.put(small.data, small.suffix), width_1x=small.width, height_1x=small.height,
        name_2x=store.put(large.data, large.suffix) if large else None,
        width_2x=large.width if large else None, height_2x=large.height if large else None)


async def _fetch_all(config: Config, store: MediaStore, todo: Sequence[tuple[str, str]],
                     record: Callable[[str, str, Outcome], Awaitable[None]]) -> None:
    slots = asyncio.Semaphore(IN_FLIGHT)
    cpu = asyncio.Semaphore(DECODING)

    async def one(kind: str, url: str) -> None:
        async with slots:
            try:
                got = await get_image(fetcher, config, url)
            except MediaError as e:
                outcome = Outcome("failed", e.problem)
            except Exception as e:  # noqa: BLE001 - an odd URL (httpx.InvalidURL...) must not stop a draft
                outcome = Outcome("failed", f"could not fetch it ({type(e).__name__}: {e})")
            else:
                async with cpu:
                    outcome = await asyncio.to_thread(_process, config, store, kind, url, got.body,
                                                      got.content_type)
                del got
            await record(kind, url, outcome)

    async with Fetcher(config.collect) as fetcher:
        await asyncio.gather(*(one(kind, url) for kind, url in todo))


def _due(image: StoredImage | None, now: datetime, retry_minutes: int) -> bool:
    if image is None:
        return True
    return not image.ok and now - image.fetched_at >= timedelta(minutes=retry_minutes)


def prepare_issue(db: Database, config: Config, issue_id: int, now: datetime | None = None, *,
                  cards: bool = True) -> MediaReport:
    """Fetch, verify, resize and store the pictures of the issue's included items (and the
    brand logo) that are not ours yet, then draw the social cards. Never raises for a
    picture: each failure is recorded with its reason."""
    now = now or utcnow()
    store = store_for(config)
    with db.connect() as conn:
        urls = q.issue_image_urls(conn, issue_id)
        known = q.get_images(conn, urls.values(), CARD)
        logo_url = config.brand.logo_url
        logo = q.get_images(conn, [logo_url], LOGO).get(logo_url) if logo_url else None
    retry = config.media.retry_minutes
    todo: list[tuple[str, str]] = []
    if not config.media.hotlink:
        todo = [(CARD, url) for url in dict.fromkeys(urls.values())
                if fetchable(url) and _due(known.get(url), now, retry)]
    if fetchable(logo_url) and _due(logo, now, retry):
        todo.append((LOGO, logo_url))  # for the cards, also when hot-linking

    fetched = 0

    async def record(kind: str, url: str, outcome: Outcome) -> None:
        nonlocal fetched
        if outcome.status == "ok" and kind == CARD:
            fetched += 1
        with db.begin() as conn:  # one transaction per picture: a crash keeps what was done
            q.record_image(conn, url, kind, outcome, now)

    if todo:
        _run(lambda: _fetch_all(config, store, todo, record))
    drawn = ensure_cards(db, config, issue_id, now) if cards else 0
    with db.connect() as conn:
        after = q.get_images(conn, urls.values(), CARD)
    failed = () if config.media.hotlink else tuple(
        (item_id, url, after[url].error or "") for item_id, url in urls.items()
        if url in after and not after[url].ok)
    return MediaReport(issue_id, fetched=fetched, known=sum(1 for u in set(urls.values()) if u in known and known[u].ok),
                       failed=failed, cards=drawn)


def problems(db: Database, config: Config, issue_id: int) -> list[str]:
    """One line per included item whose picture is left out, saying why (for `issue show`)."""
    if config.media.hotlink:
        return []
    index = index_for(db, config, issue_id)
    with db.connect() as conn:
        urls = q.issue_image_urls(conn, issue_id)
    lines = []
    for item_id, url in urls.items():
        why = index.problem(url)
        if why:
            lines.append(f"item {item_id}: picture left out: {why} ({url[:100]})")
    return lines
