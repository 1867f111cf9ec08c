"""Frozen dataclasses that cross stage boundaries. Raw feedparser dicts, httpx responses and
SQL rows never leave the module that produced them; these do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Entry:
    """One entry as a source kind parsed it, before cleaning. Every field may be missing."""

    guid: str | None = None
    url: str | None = None
    title: str | None = None
    summary_html: str | None = None
    content_html: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    published: datetime | None = None
    author: str | None = None
    # sitemap entries carry only a URL and a date; collect reads the page for the rest
    needs_page: bool = False


@dataclass(frozen=True)
class Parsed:
    """What a source kind made of one fetched document."""

    entries: tuple[Entry, ...]
    title: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CleanItem:
    """An item ready to store: sanitised, canonical URL, aware UTC dates."""

    guid: str
    url: str
    canonical_url: str
    title: str
    summary_html: str
    summary_text: str
    image_url: str | None
    image_alt: str | None
    author: str | None
    published_at: datetime
    date_is_estimated: bool
    content_hash: str


@dataclass(frozen=True)
class SourceState:
    """A source's stored fetch state and health, as read from the database."""

    id: int
    key: str
    partner_key: str
    kind: str
    url: str
    section: str
    enabled: bool
    etag: str | None
    last_modified: str | None
    retry_after: datetime | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str | None
    consecutive_failures: int
    gone: bool
    new_items_last_run: int
    last_new_item_at: datetime | None
    created_at: datetime
    items_last_30_days: int = 0
    last_warnings: tuple[str, ...] = ()  # warnings of the last run that fetched it


@dataclass(frozen=True)
class SourceReport:
    """The outcome of collecting one source in one run."""

    key: str
    outcome: str  # ok, not_modified, error, skipped
    status: int | None = None
    new_items: int = 0
    seen_items: int = 0
    error: str | None = None
    bytes: int = 0
    duration_ms: int = 0
    warnings: tuple[str, ...] = ()
    no_connection: bool = False  # the server was never reached (DNS, no route, connect timeout)
    queued_ms: int = 0  # waiting for a per-host connection slot; not part of the deadline (issue 8)


@dataclass(frozen=True)
class CollectReport:
    started_at: datetime
    finished_at: datetime
    sources: tuple[SourceReport, ...] = field(default_factory=tuple)

    @property
    def new_items(self) -> int:
        return sum(s.new_items for s in self.sources)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.sources if s.outcome == "error")

    @property
    def attempted(self) -> int:
        return sum(1 for s in self.sources if s.outcome != "skipped")

    @property
    def all_failed(self) -> bool:
        return self.attempted > 0 and self.failed == self.attempted


# --- contracts between render, subscribers and the outbox ----------------------------------

@dataclass(frozen=True)
class Rendered:
    """An issue rendered once. ``html`` and ``text`` hold per-recipient placeholders
    (see ``newsletter.render.placeholders``) that the send step fills in."""

    issue_id: int
    newsletter_key: str
    subject: str
    preheader: str
    html: str
    text: str
    web_html: str = ""
    # the render's placeholder token ("" for a render made before issue 8: bare placeholders)
    placeholder_token: str = ""


@dataclass(frozen=True)
class Recipient:
    """One subscriber as the outbox sees them."""

    subscriber_id: int
    email: str
    name: str = ""
    language: str = "da"
    link_key: str = ""  # the subscriber's key, named by their personal links (issue 8)


# --- compose, review and render (issue 3) ---------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """An item as compose sees it: what selection, clustering and ranking decide on."""

    id: int
    origin: str  # "feed" or "curated"
    partner_key: str | None
    section: str | None
    url: str
    canonical_url: str
    title: str
    summary_text: str
    published_at: datetime
    first_seen_at: datetime
    image_url: str | None = None
    image_alt: str | None = None
    pinned: bool = False
    event_starts_at: datetime | None = None
    event_ends_at: datetime | None = None
    event_location: str | None = None
    signup_url: str | None = None
    removed_at: datetime | None = None

    @property
    def is_event(self) -> bool:
        return self.event_starts_at is not None


@dataclass(frozen=True)
class Placement:
    """Compose's decision for one item of an issue. ``duplicate_of`` names the item shown instead."""

    item_id: int
    section: str
    position: int
    included: bool = True
    reason: str = ""  # "partner cap", "section cap", "issue cap", "duplicate"
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Issue:
    id: int
    newsletter_key: str
    iso_year: int
    iso_week: int
    issue_date: date
    status: str  # draft, approved, queued, sent
    subject: str
    preheader: str
    intro: str
    window_start: datetime
    window_end: datetime
    created_at: datetime
    updated_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    sent_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"{self.iso_year}-W{self.iso_week:02d}"


@dataclass(frozen=True)
class IssueItem:
    """One item placed in an issue, with the reviewer's overrides and its near-duplicates."""

    item: Candidate
    section: str
    position: int
    included: bool
    reason: str = ""
    moved: bool = False
    title_override: str | None = None
    summary_override: str | None = None
    also_by: tuple[str, ...] = ()  # partner keys of near-duplicates

    @property
    def title(self) -> str:
        return self.title_override if self.title_override is not None else self.item.title

    @property
    def summary(self) -> str:
        return self.summary_override if self.summary_override is not None else self.item.summary_text


# --- the team's accounts (issue 9) ----------------------------------------------------------

@dataclass(frozen=True)
class User:
    """A member of the communications team. ``role``: editor, approver or admin."""

    id: int
    name: str
    email: str
    role: str
    disabled: bool
    has_password: bool
    created_at: datetime
    last_login_at: datetime | None = None
