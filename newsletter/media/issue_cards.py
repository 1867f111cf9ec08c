"""The social cards of an issue (issue 10): what each shows (``card_specs``), and drawing the
ones that are missing or changed (``ensure_cards``; ``refresh_cards`` for render). The
drawing itself is ``cards.draw_card``."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import babel.dates

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as issue_q
from newsletter.db import media as q
from newsletter.db.types import utcnow
from newsletter.errors import NotFound
from newsletter.media.cards import CardSpec, draw_card
from newsletter.media.index import index_for, store_for
from newsletter.media.store import MediaStore, card_name
from newsletter.models import IssueItem

_WORDS = {
    "da": {"issue": "Ugens nyhedsbrev", "week": "Uge"},
    "en": {"issue": "This week's newsletter", "week": "Week"},
}


def _partner_name(config: Config, key: str | None) -> str:
    partner = config.partner(key) if key else None
    return partner.name if partner else (key or config.brand.name)


def _event_line(placed: IssueItem, language: str) -> str:
    """An event's card says when and where: "torsdag 3. december kl. 9.00 · Kolding Hallerne"."""
    starts = placed.item.event_starts_at
    if starts is None:
        return ""
    pattern = "EEEE d. MMMM 'kl.' H.mm" if language == "da" else "EEEE d MMMM, HH:mm"
    when = babel.dates.format_datetime(starts, pattern, tzinfo=ZoneInfo("Europe/Copenhagen"),
                                       locale="da_DK" if language == "da" else "en_GB")
    place = " ".join((placed.item.event_location or "").split())
    return f"{when} · {place}" if place else when


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
                                 kicker=_partner_name(config, p.item.partner_key),
                                 footer=_event_line(p, newsletter.language) or footer,
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
