"""media (issue 10): the pictures a subscriber sees are ours.

``prepare_issue`` runs right after compose (``compose.draft``: the CLI's ``draft``, the
scheduler's draft job and the demo all go through it) and reads as the phases:
which pictures -> fetch (collect's limits) -> verify + crop/resize (``process``) -> store
(content-addressed, ``store``) -> record (``db.media``) -> draw social cards (``cards``).
Each picture is fetched once; a failure is kept with its reason (``newsletter issue show``
lists it, render's preflight warns) and tried again at a later draft after
``media.retry_minutes``.

Render asks ``index_for`` (a ``MediaIndex``) for URLs and never fetches. ``card_url`` gives
the stable URL of a social card, for the social posts and the web version's og:image.
``media.hotlink: true`` in feeds.yaml keeps the partners' own image URLs (nothing fetched).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import babel.dates

from newsletter.collect.fetch import Fetcher
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as issue_q
from newsletter.db import media as q
from newsletter.db.media import Outcome, StoredImage
from newsletter.db.types import utcnow
from newsletter.errors import MediaError, NotFound
from newsletter.media import process
from newsletter.media.cards import CardSpec, draw_card
from newsletter.media.fetch import fetchable, get_image
from newsletter.media.store import MediaStore, card_name

__all__ = ["MediaIndex", "MediaReport", "Picture", "card_path", "card_url", "ensure_cards", "index_for",
           "prepare_issue", "problems", "refresh_cards", "store_for"]

CARD = "card"
LOGO = "logo"
IN_FLIGHT = 4  # pictures fetched at once: bounds memory (a body is up to collect.max_bytes)
DECODING = 2  # pictures decoded and resized at once (CPU-bound; each holds ~10 MB of pixels)
T = TypeVar("T")


def store_for(config: Config) -> MediaStore:
    """The folder and base URL of our copies, from ``media.folder`` / ``media.base_url``."""
    media = config.media
    if media.folder:
        folder = Path(media.folder)
        folder = folder if folder.is_absolute() else config.path.parent / folder
    else:
        folder = config.settings.var_dir / "media"
    return MediaStore(folder=folder, base_url=media.base_url or f"{config.settings.base_url}/media")


def card_url(config: Config, issue_id: int, item_id: int | None = None) -> str:
    """The social card of an issue (``item_id`` None) or of one of its items: a stable URL,
    ``<media base>/card-<issue>-<item|issue>.png``. The file exists once ``prepare_issue`` (at
    draft time) or ``ensure_cards`` (call it before posting: it redraws cards whose title
    changed since) has drawn it."""
    return store_for(config).url(card_name(issue_id, item_id))


def card_path(config: Config, issue_id: int, item_id: int | None = None) -> Path:
    """The file behind ``card_url``, for a publisher that uploads the image itself."""
    return store_for(config).path(card_name(issue_id, item_id))


@dataclass(frozen=True)
class Picture:
    """What the email and web version show for one item's picture."""

    src: str  # the email's src: the 1200 px copy (sharp on 2x screens at 552 px)
    srcset: str  # "<600 px> 600w, <1200 px> 1200w" for the web version ("" when hot-linking)
    width: int | None
    height: int | None


@dataclass(frozen=True)
class MediaIndex:
    """What render may ask: our copy of a source picture, or nothing. Built by ``index_for``."""

    store: MediaStore
    hotlink: bool
    images: dict[str, StoredImage]
    logo: StoredImage | None = None

    def picture(self, source_url: str | None) -> Picture | None:
        if not source_url:
            return None
        if self.hotlink:
            return Picture(source_url, "", None, None)
        image = self.images.get(source_url)
        if image is None or not image.ok or image.name_1x is None:
            return None
        if not image.name_2x:  # a small original: one file
            return Picture(self.store.url(image.name_1x), "", image.width_1x, image.height_1x)
        srcset = (f"{self.store.url(image.name_1x)} {image.width_1x}w, "
                  f"{self.store.url(image.name_2x)} {image.width_2x}w")
        return Picture(self.store.url(image.name_2x), srcset, image.width_2x, image.height_2x)

    def logo_url(self, configured: str) -> str:
        """Our copy of the brand logo when we have one, else the configured URL (the brand's own)."""
        if self.hotlink or self.logo is None or not self.logo.ok or not self.logo.name_1x:
            return configured
        return self.store.url(self.logo.name_1x)

    def problem(self, source_url: str | None) -> str | None:
        """Why an item's picture is left out (None: it is shown, or there is none)."""
        if not source_url or self.hotlink:
            return None
        if not fetchable(source_url):
            return "not an http(s) picture URL (left out as unsafe)"
        image = self.images.get(source_url)
        if image is None:
            return "not fetched yet (run `newsletter media fetch ISSUE`)"
        return None if image.ok else image.error or "could not be used"


def empty_index(config: Config) -> MediaIndex:
    return MediaIndex(store_for(config), config.media.hotlink, {})


def index_for(db: Database, config: Config, issue_id: int) -> MediaIndex:
    """Our copies of the issue's pictures and of the logo (one query each; no fetching)."""
    with db.connect() as conn:
        urls = q.issue_image_urls(conn, issue_id)
        images = q.get_images(conn, urls.values(), CARD)
        logo = q.get_images(conn, [config.brand.logo_url], LOGO).get(config.brand.logo_url) \
            if config.brand.logo_url else None
    return MediaIndex(store_for(config), config.media.hotlink, images, logo)


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


# --- social cards ------------------------------------------------------------------------

_WORDS = {
    "da": {"issue": "Ugens nyhedsbrev", "week": "Uge"},
    "en": {"issue": "This week's newsletter", "week": "Week"},
}


def _partner_name(config: Config, key: str | None) -> str:
    partner = config.partner(key) if key else None
    return partner.name if partner else (key or config.brand.name)


def card_specs(db: Database, config: Config, issue_id: int) -> dict[int, CardSpec]:
    """What each card of the issue shows: item id -> spec; 0 is the issue's own card."""
    with db.connect() as conn:
        issue = issue_q.get_issue(conn, issue_id)
        if issue is None:
            raise NotFound(f"issue {issue_id} does not exist (see `newsletter issues`)")
        placed = issue_q.issue_items_full(conn, issue_id)
    index = index_for(db, config, issue_id)
    store = index.store
    newsletter = config.newsletter(issue.newsletter_key)
    words = _WORDS.get(newsletter.language, _WORDS["da"])
    brand = config.brand
    colours = brand.colors
    logo = _read(store, index.logo.name_1x) if index.logo and index.logo.ok and index.logo.name_1x else None
    footer = f"{words['week']} {issue.iso_week} · {newsletter.name}"
    shown = [p for p in placed if p.included and p.section in config.sections_of(newsletter)]
    shown.sort(key=lambda p: (config.sections_of(newsletter).index(p.section), p.position))

    def picture_of(url: str | None) -> bytes | None:
        if config.media.hotlink or not url:
            return None
        image = index.images.get(url)
        name = image and image.ok and (image.name_2x or image.name_1x)
        return _read(store, name) if name else None

    base = {"primary": colours.primary, "accent": colours.accent, "text": colours.text,
            "brand_name": brand.name, "logo": logo}
    specs = {p.item.id: CardSpec(title=" ".join(p.title.split()) or newsletter.name,
                                 kicker=_partner_name(config, p.item.partner_key), footer=footer,
                                 picture=picture_of(p.item.image_url), **base)  # type: ignore[arg-type]
             for p in shown}
    when = babel.dates.format_date(issue.issue_date, "d. MMMM y" if newsletter.language == "da" else "d MMMM y",
                                   locale="da_DK" if newsletter.language == "da" else "en_GB")
    lead = next((s.picture for s in specs.values() if s.picture), None)
    specs[0] = CardSpec(title=newsletter.name, kicker=words["issue"],
                        footer=f"{words['week']} {issue.iso_week} · {when}", picture=lead,
                        **base)  # type: ignore[arg-type]
    return specs


def _read(store: MediaStore, name: str) -> bytes | None:
    try:
        return store.read(name)
    except (OSError, ValueError):
        return None


def _spec_hash(spec: CardSpec) -> str:
    digest = hashlib.sha256()
    for value in (spec.title, spec.kicker, spec.footer, spec.primary, spec.accent, spec.text,
                  spec.brand_name, spec.logo or b"", spec.picture or b"", b"layout-1"):
        digest.update(value if isinstance(value, bytes) else value.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def refresh_cards(db: Database, config: Config, issue_id: int) -> int:
    """Redraw the cards of an issue that has them (it went through draft) whose title, partner
    or picture changed since; an issue without cards is left alone. Called by render_issue,
    so the cards a post or og:image links match what was approved."""
    with db.connect() as conn:
        if not q.card_hashes(conn, issue_id):
            return 0
    return ensure_cards(db, config, issue_id)


def ensure_cards(db: Database, config: Config, issue_id: int, now: datetime | None = None) -> int:
    """Draw the issue's social cards that are missing or out of date; returns how many were drawn."""
    now = now or utcnow()
    store = store_for(config)
    specs = card_specs(db, config, issue_id)
    with db.connect() as conn:
        drawn = q.card_hashes(conn, issue_id)
    count = 0
    for item_id, spec in specs.items():
        digest = _spec_hash(spec)
        name = card_name(issue_id, item_id or None)
        if drawn.get(item_id) == digest and store.path(name).exists():
            continue
        store.put_named(name, draw_card(spec))
        with db.begin() as conn:
            q.record_card(conn, issue_id, item_id, digest, name, now)
        count += 1
    return count
