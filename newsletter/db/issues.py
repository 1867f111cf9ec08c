"""Queries of the compose, review and render stages: issues, issue_items, renders, audit_log.

Every function takes a ``Connection``; the caller owns the transaction (one per unit of work).
Rows are turned into ``newsletter.models`` dataclasses here and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from newsletter.db.schema import audit_log, issue_items, issues, items, renders
from newsletter.db.types import inserted_id, utcnow
from newsletter.models import Candidate, Issue, IssueItem, Placement

# --- items as compose sees them -------------------------------------------------------------

_CANDIDATE_COLUMNS = (
    items.c.id, items.c.origin, items.c.partner_key, items.c.section, items.c.url,
    items.c.canonical_url, items.c.title, items.c.summary_text, items.c.published_at,
    items.c.first_seen_at, items.c.image_url, items.c.image_alt, items.c.pinned,
    items.c.event_starts_at, items.c.event_ends_at, items.c.event_location, items.c.signup_url,
    items.c.removed_at,
)


def _candidate(row: Any) -> Candidate:
    m = row._mapping
    return Candidate(**{c.name: m[c.name] for c in _CANDIDATE_COLUMNS})


def candidate_items(conn: Connection, since: datetime, now: datetime) -> list[Candidate]:
    """Items first seen since ``since`` plus every event that has not ended (compose filters)."""
    query = select(*_CANDIDATE_COLUMNS).where(
        items.c.removed_at.is_(None),
        or_(items.c.first_seen_at >= since,
            func.coalesce(items.c.event_ends_at, items.c.event_starts_at) >= now),
    ).order_by(items.c.id)
    return [_candidate(row) for row in conn.execute(query)]


def used_item_ids(conn: Connection, newsletter_key: str, except_issue: int | None = None) -> set[int]:
    """Items shown (or stood in for by a near-duplicate) in another issue of the newsletter."""
    query = (
        select(issue_items.c.item_id)
        .join(issues, issues.c.id == issue_items.c.issue_id)
        .where(issues.c.newsletter_key == newsletter_key,
               or_(issue_items.c.included.is_(True), issue_items.c.duplicate_of.is_not(None)))
    )
    if except_issue is not None:
        query = query.where(issues.c.id != except_issue)
    return set(conn.scalars(query))


def add_item(conn: Connection, *, title: str, url: str, published_at: datetime,
             first_seen_at: datetime | None = None, summary_text: str = "",
             origin: str = "feed", partner_key: str | None = None, section: str | None = None,
             **extra: Any) -> int:
    """Insert an item row (curated items from scripts, test data). Collect has its own path."""
    values = {
        "origin": origin, "partner_key": partner_key, "section": section, "url": url,
        "canonical_url": extra.pop("canonical_url", url), "title": title,
        "summary_text": summary_text, "summary_html": extra.pop("summary_html", ""),
        "published_at": published_at, "first_seen_at": first_seen_at or published_at,
        "date_is_estimated": False, "pinned": extra.pop("pinned", False),
        "content_hash": hashlib.sha256(f"{url}\n{title}\n{summary_text}".encode()).hexdigest(),
        **extra,
    }
    return inserted_id(conn.execute(insert(items).values(**values)))


# --- issues ---------------------------------------------------------------------------------

def _issue(row: Any) -> Issue:
    return Issue(**dict(row._mapping))


def get_issue(conn: Connection, issue_id: int) -> Issue | None:
    row = conn.execute(select(issues).where(issues.c.id == issue_id)).first()
    return _issue(row) if row else None


def find_issue(conn: Connection, newsletter_key: str, iso_year: int, iso_week: int) -> Issue | None:
    row = conn.execute(select(issues).where(
        issues.c.newsletter_key == newsletter_key, issues.c.iso_year == iso_year,
        issues.c.iso_week == iso_week)).first()
    return _issue(row) if row else None


def list_issues(conn: Connection, newsletter_key: str | None = None,
                status: str | None = None) -> list[Issue]:
    query = select(issues).order_by(issues.c.iso_year.desc(), issues.c.iso_week.desc(), issues.c.id.desc())
    if newsletter_key:
        query = query.where(issues.c.newsletter_key == newsletter_key)
    if status:
        query = query.where(issues.c.status == status)
    return [_issue(row) for row in conn.execute(query)]


def last_sent_at(conn: Connection, newsletter_key: str) -> datetime | None:
    return conn.scalar(select(func.max(issues.c.sent_at)).where(
        issues.c.newsletter_key == newsletter_key, issues.c.status == "sent"))


def insert_issue(conn: Connection, *, newsletter_key: str, iso_year: int, iso_week: int,
                 issue_date: date, subject: str, preheader: str, intro: str,
                 window_start: datetime, window_end: datetime) -> int:
    now = utcnow()
    result = conn.execute(insert(issues).values(
        newsletter_key=newsletter_key, iso_year=iso_year, iso_week=iso_week, issue_date=issue_date,
        status="draft", subject=subject, preheader=preheader, intro=intro,
        window_start=window_start, window_end=window_end, created_at=now, updated_at=now))
    return inserted_id(result)


def update_issue(conn: Connection, issue_id: int, **values: Any) -> None:
    conn.execute(update(issues).where(issues.c.id == issue_id).values(updated_at=utcnow(), **values))


# --- issue items ----------------------------------------------------------------------------

def issue_item_rows(conn: Connection, issue_id: int) -> list[dict[str, Any]]:
    """The stored placements of an issue (no item data), for refresh and review."""
    query = select(issue_items).where(issue_items.c.issue_id == issue_id)
    return [dict(row._mapping) for row in conn.execute(query)]


def replace_placements(conn: Connection, issue_id: int, placements: Iterable[Placement]) -> None:
    """Store compose's placements, keeping a reviewer's edits to items that are still there."""
    kept = {row["item_id"]: row for row in issue_item_rows(conn, issue_id)}
    conn.execute(delete(issue_items).where(issue_items.c.issue_id == issue_id))
    rows = []
    for p in placements:
        old = kept.get(p.item_id)
        row = {"issue_id": issue_id, "item_id": p.item_id, "duplicate_of": p.duplicate_of,
               "section": p.section, "position": p.position, "included": p.included,
               "reason": p.reason, "moved": False, "edited": False,
               "title_override": None, "summary_override": None}
        if old is not None and p.duplicate_of is None:
            row["title_override"] = old["title_override"]
            row["summary_override"] = old["summary_override"]
            if old["edited"]:
                row.update(included=old["included"], edited=True, reason=old["reason"])
            if old["moved"]:
                row.update(section=old["section"], position=old["position"], moved=True)
        rows.append(row)
    if rows:
        conn.execute(insert(issue_items), rows)


def update_issue_item(conn: Connection, issue_id: int, item_id: int, **values: Any) -> int:
    result = conn.execute(update(issue_items).where(
        issue_items.c.issue_id == issue_id, issue_items.c.item_id == item_id).values(**values))
    return int(result.rowcount)


def issue_items_full(conn: Connection, issue_id: int) -> list[IssueItem]:
    """Placed items with their item data, in section order as stored; duplicates folded in."""
    query = (
        select(*(c for c in issue_items.c if c.name != "id"), *_CANDIDATE_COLUMNS)
        .join(items, items.c.id == issue_items.c.item_id)
        .where(issue_items.c.issue_id == issue_id)
        .order_by(issue_items.c.section, issue_items.c.position, issue_items.c.item_id)
    )
    rows = [row._mapping for row in conn.execute(query)]
    also: dict[int, list[str]] = {}
    # earliest first: the order must not depend on the ids collect happened to hand out
    for m in sorted(rows, key=lambda m: (m["published_at"], m["item_id"])):
        if m["duplicate_of"] is not None and m["partner_key"]:
            also.setdefault(m["duplicate_of"], []).append(m["partner_key"])
    result = []
    for m in rows:
        if m["duplicate_of"] is not None:
            continue
        candidate = Candidate(**{c.name: m[c.name] for c in _CANDIDATE_COLUMNS})
        own = candidate.partner_key
        partners = tuple(dict.fromkeys(p for p in also.get(candidate.id, []) if p != own))
        result.append(IssueItem(
            item=candidate, section=m["section"], position=m["position"], included=m["included"],
            reason=m["reason"], moved=m["moved"], title_override=m["title_override"],
            summary_override=m["summary_override"], also_by=partners))
    return result


# --- renders --------------------------------------------------------------------------------

def insert_render(conn: Connection, issue_id: int, *, subject: str, preheader: str, html: str,
                  text: str, web_html: str, preflight: list[Mapping[str, Any]],
                  placeholder_token: str = "") -> int:
    result = conn.execute(insert(renders).values(
        issue_id=issue_id, created_at=utcnow(), subject=subject, preheader=preheader, html=html,
        text=text, web_html=web_html, preflight=json.dumps(list(preflight), ensure_ascii=False),
        placeholder_token=placeholder_token or None))
    return inserted_id(result)


def latest_render(conn: Connection, issue_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(renders).where(renders.c.issue_id == issue_id)
                       .order_by(renders.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["preflight"] = json.loads(data["preflight"])
    return data


def prune_renders(conn: Connection, issue_id: int, keep: int = 5) -> None:
    """Renders are large; keep the last few per issue."""
    ids = list(conn.scalars(select(renders.c.id).where(renders.c.issue_id == issue_id)
                            .order_by(renders.c.id.desc()).offset(keep)))
    if ids:
        conn.execute(delete(renders).where(renders.c.id.in_(ids)))


# --- audit log ------------------------------------------------------------------------------

def audit(conn: Connection, actor: str, action: str, object_type: str, object_id: int | None,
          detail: Mapping[str, Any] | None = None) -> None:
    conn.execute(insert(audit_log).values(
        at=utcnow(), actor=actor, action=action, object_type=object_type, object_id=object_id,
        detail=json.dumps(dict(detail or {}), ensure_ascii=False, default=str)))


def audit_entries(conn: Connection, object_type: str, object_id: int) -> list[dict[str, Any]]:
    query = select(audit_log).where(and_(audit_log.c.object_type == object_type,
                                         audit_log.c.object_id == object_id)).order_by(audit_log.c.id)
    entries = []
    for row in conn.execute(query):
        entry = dict(row._mapping)
        entry["detail"] = json.loads(entry["detail"])
        entries.append(entry)
    return entries




# --- the workspace (issue 9) ----------------------------------------------------------------

def set_pinned(conn: Connection, item_id: int, pinned: bool) -> None:
    conn.execute(update(items).where(items.c.id == item_id).values(pinned=pinned))


def new_items_since(conn: Connection, since: datetime, issue_id: int) -> int:
    """Items collected after ``since`` that the issue does not hold yet ("5 new since Tuesday")."""
    placed = select(issue_items.c.item_id).where(issue_items.c.issue_id == issue_id)
    return int(conn.scalar(select(func.count()).select_from(items).where(
        items.c.first_seen_at > since, items.c.removed_at.is_(None), items.c.id.not_in(placed))) or 0)
