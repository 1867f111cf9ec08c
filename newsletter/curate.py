"""curate: items the team adds by hand (issue 2, part 3).

Paste a URL and the page's OpenGraph / Twitter-card / <title> / meta description and lead
image fill the item; flags override what the page says. Events (Industriens Dag is the
model) carry a start, an end, a place and a sign-up link. Curated items go through the same
cleaning as collected ones, so hostile page content is sanitised the same way.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, replace
from datetime import datetime

from newsletter.collect.clean import Rejected, canonical_url, clean_entry, safe_http_url
from newsletter.collect.fetch import Fetched, Fetcher
from newsletter.collect.pagemeta import entry_from_meta, read_page_meta
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import curated as curated_db
from newsletter.db.types import utcnow
from newsletter.errors import CurateError, FetchError, NotFound
from newsletter.models import Entry


@dataclass(frozen=True)
class CuratedInput:
    """What the team member typed. Everything but one link is optional."""

    url: str | None = None
    section: str | None = None
    partner: str | None = None
    pin: bool = False
    title: str | None = None
    summary: str | None = None
    image: str | None = None
    starts: str | None = None
    ends: str | None = None
    location: str | None = None
    signup_url: str | None = None
    by: str | None = None


@dataclass(frozen=True)
class CuratedResult:
    item_id: int
    title: str
    url: str
    created: bool  # False: the URL was already stored and that item was updated
    warnings: tuple[str, ...] = ()


def add_curated(db: Database, config: Config, data: CuratedInput, now: datetime | None = None) -> CuratedResult:
    now = now or utcnow()
    _check_references(config, data)
    link = safe_http_url(data.url, None) if data.url else None
    signup = safe_http_url(data.signup_url, None) if data.signup_url else None
    if data.url and not link:
        raise CurateError(f"the URL you gave, {data.url!r}, is not an http(s) URL "
                          "(write the whole address, https://...)")
    if data.signup_url and not signup:
        raise CurateError(f"sign-up link {data.signup_url!r} is not an http(s) URL")
    if not link and not signup:
        raise CurateError("give the item a link: a URL to read, or --signup-url for an event")
    starts, ends = _event_times(data, now)
    warnings: list[str] = []
    entry = Entry(guid=None, url=link or signup)
    if link:
        entry, warning = _read_page(config, link, data)
        if warning:
            warnings.append(warning)
    entry = _override(entry, data)
    if not entry.title:
        raise CurateError(f"could not find a title for {link or signup}; give one with --title")
    try:
        item = clean_entry(entry, link or signup or "", now, config.collect.summary_chars)
    except Rejected as e:
        raise CurateError(f"cannot use this item: {e.reason}") from e
    section = data.section or _partner_section(config, data.partner) or config.data.default_section \
        or config.sections[0].key
    fields = curated_db.CuratedFields(
        partner_key=data.partner, section=section, pinned=data.pin, created_by=data.by,
        event_starts_at=starts, event_ends_at=ends, event_location=data.location, signup_url=signup,
    )
    with db.begin() as conn:
        existing = curated_db.find_by_canonical_url(conn, canonical_url(item.url))
        if existing is not None:
            curated_db.adopt(conn, existing, item, fields)
            return CuratedResult(existing, item.title, item.url, created=False, warnings=tuple(warnings))
        item_id = curated_db.insert_curated(conn, item, fields, now)
    return CuratedResult(item_id, item.title, item.url, created=True, warnings=tuple(warnings))


@dataclass(frozen=True)
class Unfurled:
    """What a page says about itself (OpenGraph, Twitter card, <title>), before it is added."""

    url: str
    title: str
    summary: str
    image_url: str | None


def unfurl(config: Config, url: str, now: datetime | None = None) -> Unfurled:
    """Read a page's metadata for the team to check and edit before adding it (nothing stored)."""
    link = safe_http_url(url.strip(), None)
    if not link:
        raise CurateError(f"{url!r} is not an http(s) URL")
    entry, _ = _read_page(config, link, CuratedInput(url=link))
    try:
        item = clean_entry(entry, link, now or utcnow(), config.collect.summary_chars)
    except Rejected as e:
        raise CurateError(f"cannot use this page: {e.reason}") from e
    return Unfurled(item.url, item.title, item.summary_text, item.image_url)


def add_to_issue(db: Database, config: Config, issue_id: int, data: CuratedInput) -> CuratedResult:
    """Add a curated item and take it into a draft issue at once (the workspace's "add")."""
    from newsletter import review
    from newsletter.compose import compose

    issue, _ = review.get(db, issue_id)
    if issue.status != "draft":
        raise CurateError(f"issue {issue_id} is {issue.status}; items are added to a draft")
    result = add_curated(db, config, data)
    compose(db, config, issue.newsletter_key, (issue.iso_year, issue.iso_week))
    review.note(db, issue_id, data.by or "curate", "curate", {"item": result.item_id, "title": result.title})
    return result


def list_curated(db: Database, include_removed: bool = False) -> list[curated_db.CuratedRow]:
    with db.connect() as conn:
        return curated_db.list_curated(conn, include_removed)


def remove_curated(db: Database, item_id: int, now: datetime | None = None) -> None:
    with db.begin() as conn:
        if not curated_db.remove(conn, item_id, now or utcnow()):
            raise NotFound(f"no curated item with id {item_id} (see `newsletter curate list`)")


def _check_references(config: Config, data: CuratedInput) -> None:
    if data.section and config.section(data.section) is None:
        known = ", ".join(s.key for s in config.sections)
        raise CurateError(f"unknown section {data.section!r}; known sections: {known}")
    if data.partner and config.partner(data.partner) is None:
        known = ", ".join(p.key for p in config.partners)
        raise CurateError(f"unknown partner {data.partner!r}; known partners: {known}")


def _partner_section(config: Config, partner_key: str | None) -> str | None:
    partner = config.partner(partner_key) if partner_key else None
    return partner.section if partner else None


def _event_times(data: CuratedInput, now: datetime) -> tuple[datetime | None, datetime | None]:
    starts = _parse_when(data.starts, "--starts", now) if data.starts else None
    ends = _parse_when(data.ends, "--ends", now) if data.ends else None
    if ends and not starts:
        raise CurateError("--ends needs --starts")
    if starts and ends and ends < starts:
        raise CurateError(f"the event ends ({data.ends}) before it starts ({data.starts})")
    return starts, ends


def _parse_when(text: str, flag: str, now: datetime) -> datetime:
    from newsletter.errors import InvalidTime
    from newsletter.when import parse_user_time  # strict: "kl. 25.00" is refused (issue 11)

    try:
        return parse_user_time(text, flag, now)
    except InvalidTime as e:
        raise CurateError(str(e)) from e


def _read_page(config: Config, url: str, data: CuratedInput) -> tuple[Entry, str | None]:
    """The page's metadata as an entry; a page we cannot read is fine when a title was given."""
    try:
        fetched = asyncio.run(_fetch(config, url))
    except FetchError as e:
        if data.title:
            return Entry(guid=url, url=url), f"could not read the page ({e.problem}); used your text"
        # the URL was typed by a person (CLI or web) and is an article: not feeds.yaml, not "the feed"
        problem = e.problem.split(" (check the URL in feeds.yaml")[0].removesuffix(".")
        raise CurateError(f"could not read the page at {url} (the URL you gave): {problem}. "
                          "Check the URL in a browser, or give --title and --summary yourself") from e
    meta = read_page_meta(fetched.body, fetched.url, fetched.headers)
    return entry_from_meta(meta, fetched.url), None


async def _fetch(config: Config, url: str) -> Fetched:
    async with Fetcher(config.collect) as fetcher:
        return await fetcher.fetch("curate", url)


def _override(entry: Entry, data: CuratedInput) -> Entry:
    summary_html = f"<p>{html.escape(data.summary, quote=False)}</p>" if data.summary else entry.summary_html
    return replace(
        entry,
        title=data.title or entry.title,
        summary_html=summary_html,
        content_html=None if data.summary else entry.content_html,
        image_url=data.image or entry.image_url,
        image_alt=(data.title or entry.title) if data.image else entry.image_alt,
    )
