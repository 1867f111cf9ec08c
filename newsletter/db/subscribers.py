"""Queries of the subscribers domain (issue 4): subscribers, subscriptions, sections, consent
records, the suppression list, and the streamed list of recipients for the outbox.

Rows leave this module as the frozen dataclasses below.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Connection,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from newsletter.db.schema import (
    consent_records,
    rate_limit_hits,
    signup_requests,
    subscribers,
    subscription_sections,
    subscriptions,
    suppressions,
)
from newsletter.db.types import inserted_id
from newsletter.models import Recipient

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

STATUSES = ("pending", "active", "unsubscribed", "bounced", "complained")


@dataclass(frozen=True)
class SubscriberRow:
    id: int
    email: str
    email_display: str
    name: str
    organisation: str
    language: str
    confirm_nonce: str | None
    confirm_sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    link_key: str  # every unsubscribe/preferences link names it (issue 8)


@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    subscriber_id: int
    newsletter_key: str
    status: str
    all_sections: bool
    sections: tuple[str, ...]
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None


@dataclass(frozen=True)
class ConsentRow:
    id: int
    subscription_id: int
    newsletter_key: str
    action: str
    at: datetime
    source: str
    detail: str
    ip: str | None
    consent_version: str | None
    consent_text: str | None


@dataclass(frozen=True)
class SignupRequestRow:
    id: int
    subscriber_id: int
    nonce: str
    newsletters: tuple[str, ...]
    email_display: str
    name: str
    organisation: str
    language: str
    created_at: datetime


_SUBSCRIBER_COLUMNS = [subscribers.c[name] for name in SubscriberRow.__dataclass_fields__]


def _subscriber(row: object) -> SubscriberRow:
    return SubscriberRow(**row._mapping)  # type: ignore[attr-defined]


# --- subscribers ---------------------------------------------------------------------------

def get_subscriber(conn: Connection, subscriber_id: int) -> SubscriberRow | None:
    row = conn.execute(select(*_SUBSCRIBER_COLUMNS).where(subscribers.c.id == subscriber_id)).first()
    return _subscriber(row) if row else None


def find_subscriber(conn: Connection, email: str) -> SubscriberRow | None:
    row = conn.execute(select(*_SUBSCRIBER_COLUMNS).where(subscribers.c.email == email)).first()
    return _subscriber(row) if row else None


def insert_subscriber(conn: Connection, *, email: str, email_display: str, name: str,
                      organisation: str, language: str, now: datetime) -> int:
    result = conn.execute(insert(subscribers).values(
        email=email, email_display=email_display, name=name, organisation=organisation,
        language=language, created_at=now, updated_at=now))
    return inserted_id(result)


def is_unique_violation(error: IntegrityError) -> bool:
    """A UNIQUE/primary-key clash (two requests inserting the same address at once), as
    opposed to another integrity problem."""
    text = str(error.orig).lower()
    return "unique" in text or "duplicate key" in text


def update_subscriber(conn: Connection, subscriber_id: int, now: datetime, **values: object) -> None:
    allowed = {"email_display", "name", "organisation", "language", "confirm_nonce", "confirm_sent_at"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(updated_at=now, **values))


def delete_subscriber(conn: Connection, subscriber_id: int) -> None:
    # subscriptions, their sections and consent records go with it (ON DELETE CASCADE)
    conn.execute(delete(subscribers).where(subscribers.c.id == subscriber_id))


def list_subscribers(conn: Connection, newsletter_key: str | None = None, status: str | None = None,
                     limit: int | None = None) -> list[tuple[SubscriberRow, dict[str, str]]]:
    """Subscribers (oldest first) with {newsletter_key: status}, optionally filtered."""
    query = select(*_SUBSCRIBER_COLUMNS).order_by(subscribers.c.id)
    if newsletter_key or status:
        conditions = [subscriptions.c.subscriber_id == subscribers.c.id]
        if newsletter_key:
            conditions.append(subscriptions.c.newsletter_key == newsletter_key)
        if status:
            conditions.append(subscriptions.c.status == status)
        query = query.where(exists().where(and_(*conditions)))
    if limit:
        query = query.limit(limit)
    rows = [_subscriber(r) for r in conn.execute(query)]
    statuses = _statuses(conn, [r.id for r in rows])
    return [(r, statuses.get(r.id, {})) for r in rows]


def iter_subscribers(conn: Connection, batch: int = 1000) -> Iterator[tuple[SubscriberRow, dict[str, str]]]:
    """Every subscriber with {newsletter_key: status}, in id order, a batch at a time."""
    last_id = 0
    while True:
        rows = [_subscriber(r) for r in conn.execute(
            select(*_SUBSCRIBER_COLUMNS).where(subscribers.c.id > last_id).order_by(subscribers.c.id).limit(batch))]
        if not rows:
            return
        statuses = _statuses(conn, [r.id for r in rows])
        for row in rows:
            yield row, statuses.get(row.id, {})
        last_id = rows[-1].id


def _statuses(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    result: dict[int, dict[str, str]] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        for sid, key, status in conn.execute(
                select(subscriptions.c.subscriber_id, subscriptions.c.newsletter_key, subscriptions.c.status)
                .where(subscriptions.c.subscriber_id.in_(chunk))):
            result.setdefault(sid, {})[key] = status
    return result


def count_by_status(conn: Connection, newsletter_key: str) -> dict[str, int]:
    rows = conn.execute(select(subscriptions.c.status, func.count())
                        .where(subscriptions.c.newsletter_key == newsletter_key)
                        .group_by(subscriptions.c.status))
    return {status: int(n) for status, n in rows}


# --- subscriptions -------------------------------------------------------------------------

def subscriptions_of(conn: Connection, subscriber_id: int) -> list[SubscriptionRow]:
    rows = conn.execute(select(subscriptions).where(subscriptions.c.subscriber_id == subscriber_id)
                        .order_by(subscriptions.c.id)).all()
    sections: dict[int, list[str]] = {}
    if rows:
        for sub_id, section in conn.execute(
                select(subscription_sections.c.subscription_id, subscription_sections.c.section)
                .where(subscription_sections.c.subscription_id.in_([r.id for r in rows]))
                .order_by(subscription_sections.c.section)):
            sections.setdefault(sub_id, []).append(section)
    return [SubscriptionRow(id=r.id, subscriber_id=r.subscriber_id, newsletter_key=r.newsletter_key,
                            status=r.status, all_sections=r.all_sections,
                            sections=tuple(sections.get(r.id, [])), created_at=r.created_at,
                            confirmed_at=r.confirmed_at, unsubscribed_at=r.unsubscribed_at)
            for r in rows]


def insert_subscription(conn: Connection, subscriber_id: int, newsletter_key: str, status: str,
                        now: datetime) -> int:
    result = conn.execute(insert(subscriptions).values(
        subscriber_id=subscriber_id, newsletter_key=newsletter_key, status=status, all_sections=True,
        created_at=now, updated_at=now, confirmed_at=now if status == "active" else None))
    return inserted_id(result)


def set_status(conn: Connection, subscription_id: int, status: str, now: datetime) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    values: dict[str, object] = {"status": status, "updated_at": now}
    if status == "active":
        values["confirmed_at"] = now
        values["unsubscribed_at"] = None
    elif status == "unsubscribed":
        values["unsubscribed_at"] = now
    conn.execute(update(subscriptions).where(subscriptions.c.id == subscription_id).values(**values))


def set_sections(conn: Connection, subscription_id: int, sections: Iterable[str] | None, now: datetime) -> None:
    """``None`` means every section, including ones added later."""
    conn.execute(delete(subscription_sections).where(subscription_sections.c.subscription_id == subscription_id))
    chosen = sorted(set(sections)) if sections is not None else []
    if chosen:
        conn.execute(insert(subscription_sections),
                     [{"subscription_id": subscription_id, "section": s} for s in chosen])
    conn.execute(update(subscriptions).where(subscriptions.c.id == subscription_id)
                 .values(all_sections=sections is None, updated_at=now))


# --- sign-up requests (issue 8) ----------------------------------------------------------------

def insert_signup_request(conn: Connection, *, subscriber_id: int, nonce: str, newsletters: Sequence[str],
                          email_display: str, name: str, organisation: str, language: str,
                          now: datetime) -> int:
    result = conn.execute(insert(signup_requests).values(
        subscriber_id=subscriber_id, nonce=nonce, newsletters=list(newsletters), email_display=email_display,
        name=name, organisation=organisation, language=language, created_at=now))
    return inserted_id(result)


def _request(row: object) -> SignupRequestRow:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values["newsletters"] = tuple(values["newsletters"] or ())
    return SignupRequestRow(**values)


def find_signup_request(conn: Connection, subscriber_id: int, nonce: str) -> SignupRequestRow | None:
    row = conn.execute(select(signup_requests).where(signup_requests.c.subscriber_id == subscriber_id,
                                                     signup_requests.c.nonce == nonce)).first()
    return _request(row) if row else None


def latest_signup_request(conn: Connection, subscriber_id: int) -> SignupRequestRow | None:
    row = conn.execute(select(signup_requests).where(signup_requests.c.subscriber_id == subscriber_id)
                       .order_by(signup_requests.c.id.desc()).limit(1)).first()
    return _request(row) if row else None


def delete_signup_requests(conn: Connection, subscriber_id: int, before: datetime | None = None,
                           request_id: int | None = None) -> None:
    """Delete one request (``request_id``), or the subscriber's requests made before ``before``
    (expired links), or all of them."""
    query = delete(signup_requests).where(signup_requests.c.subscriber_id == subscriber_id)
    if request_id is not None:
        query = query.where(signup_requests.c.id == request_id)
    if before is not None:
        query = query.where(signup_requests.c.created_at < before)
    conn.execute(query)


def mark_confirmation_sent(conn: Connection, subscriber_id: int, at: datetime | None,
                           only_if: datetime | None = None) -> bool:
    """Set (or clear, with ``at=None``) when the last confirmation/link mail went out. With
    ``only_if``, only while it still has that value (a failed background send gives the slot
    back, unless a newer request took it). Returns whether a row changed."""
    query = update(subscribers).where(subscribers.c.id == subscriber_id)
    if only_if is not None:
        query = query.where(subscribers.c.confirm_sent_at == only_if)
    return bool(conn.execute(query.values(confirm_sent_at=at)).rowcount)


# --- consent records -----------------------------------------------------------------------

def add_consent(conn: Connection, subscription_id: int, *, action: str, source: str, detail: str,
                now: datetime, ip: str | None = None, version: str | None = None,
                text: str | None = None) -> None:
    conn.execute(insert(consent_records).values(
        subscription_id=subscription_id, action=action, at=now, source=source, detail=detail,
        ip=ip, consent_version=version, consent_text=text))


def consent_records_of(conn: Connection, subscriber_id: int) -> list[ConsentRow]:
    query = (select(consent_records, subscriptions.c.newsletter_key)
             .join(subscriptions, subscriptions.c.id == consent_records.c.subscription_id)
             .where(subscriptions.c.subscriber_id == subscriber_id)
             .order_by(consent_records.c.id))
    return [ConsentRow(id=r.id, subscription_id=r.subscription_id, newsletter_key=r.newsletter_key,
                       action=r.action, at=r.at, source=r.source, detail=r.detail, ip=r.ip,
                       consent_version=r.consent_version, consent_text=r.consent_text)
            for r in conn.execute(query)]


# --- suppression list ----------------------------------------------------------------------

def is_suppressed(conn: Connection, email_hash: str) -> bool:
    return conn.execute(select(suppressions.c.email_hash).where(suppressions.c.email_hash == email_hash)).first() is not None


def suppressed_among(conn: Connection, hashes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        found.update(conn.execute(select(suppressions.c.email_hash)
                                  .where(suppressions.c.email_hash.in_(chunk))).scalars())
    return found


def suppress(conn: Connection, email_hash: str, reason: str, now: datetime) -> None:
    if not is_suppressed(conn, email_hash):
        conn.execute(insert(suppressions).values(email_hash=email_hash, reason=reason, created_at=now))


def unsuppress(conn: Connection, email_hash: str) -> None:
    conn.execute(delete(suppressions).where(suppressions.c.email_hash == email_hash))


# --- bulk (import) -------------------------------------------------------------------------

def existing_by_email(conn: Connection, emails: Sequence[str], newsletter_key: str) -> dict[str, tuple[int, str | None]]:
    """{email: (subscriber_id, status in newsletter_key or None)} for the emails that exist."""
    result: dict[str, tuple[int, str | None]] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start:start + 500]
        query = (select(subscribers.c.email, subscribers.c.id, subscriptions.c.status)
                 .select_from(subscribers.outerjoin(subscriptions, and_(
                     subscriptions.c.subscriber_id == subscribers.c.id,
                     subscriptions.c.newsletter_key == newsletter_key)))
                 .where(subscribers.c.email.in_(chunk)))
        for email, sid, status in conn.execute(query):
            result[email] = (sid, status)
    return result


def lock_for_import(conn: Connection) -> None:
    """Make imports take turns: the second of two imports run at once waits for the first to
    commit, then sees its rows (instead of both inserting the same addresses). Call first in
    the import's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(804004)"))  # any constant: "the import"
    else:
        # SQLite: take the write lock now (the busy timeout makes the second import wait)
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_subscribers_many(conn: Connection, rows: list[dict[str, object]]) -> list[int]:
    if not rows:
        return []
    result = conn.execute(insert(subscribers).returning(subscribers.c.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


def insert_subscriptions_many(conn: Connection, rows: list[dict[str, object]]) -> list[int]:
    if not rows:
        return []
    result = conn.execute(insert(subscriptions).returning(subscriptions.c.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


def insert_consents_many(conn: Connection, rows: list[dict[str, object]]) -> None:
    if rows:
        conn.execute(insert(consent_records), rows)


# --- recipients for the outbox -------------------------------------------------------------

def recipients_query(newsletter_key: str,
                     sections: Sequence[str] | None = None) -> Select[int, str, str, str, str]:
    """Active subscribers of a newsletter; with ``sections``, only those who want at least one
    of them (a subscriber with every section wants all)."""
    query = (select(subscribers.c.id, subscribers.c.email, subscribers.c.name, subscribers.c.language,
                    subscribers.c.link_key)
             .join(subscriptions, subscriptions.c.subscriber_id == subscribers.c.id)
             .where(subscriptions.c.newsletter_key == newsletter_key, subscriptions.c.status == "active")
             .order_by(subscribers.c.id))
    if sections is not None:
        wanted = exists().where(subscription_sections.c.subscription_id == subscriptions.c.id,
                                subscription_sections.c.section.in_(list(sections)))
        query = query.where(or_(subscriptions.c.all_sections.is_(True), wanted))
    return query


def iter_recipients(conn: Connection, newsletter_key: str, sections: Sequence[str] | None = None,
                    batch: int = 2000) -> Iterator[Recipient]:
    result = conn.execution_options(yield_per=batch).execute(recipients_query(newsletter_key, sections))
    for sid, email, name, language, link_key in result:
        yield Recipient(subscriber_id=sid, email=email, name=name, language=language, link_key=link_key)


# --- rate limit (web) -------------------------------------------------------------------------

def record_hit(conn: Connection, key: str, window_start: datetime) -> int:
    """Count one hit of ``key`` in the window; returns the window's hits so far. One upsert
    statement, so concurrent workers never lose a count."""
    statement: postgresql.Insert | sqlite.Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        statement = pg_insert(rate_limit_hits)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        statement = sqlite_insert(rate_limit_hits)
    upsert = statement.values(key=key, window_start=window_start, hits=1).on_conflict_do_update(
        index_elements=[rate_limit_hits.c.key, rate_limit_hits.c.window_start],
        set_={"hits": rate_limit_hits.c.hits + 1},
    ).returning(rate_limit_hits.c.hits)
    return int(conn.execute(upsert).scalar_one())


def hits_in(conn: Connection, key: str, window_start: datetime) -> int:
    return int(conn.scalar(select(rate_limit_hits.c.hits).where(
        rate_limit_hits.c.key == key, rate_limit_hits.c.window_start == window_start)) or 0)


def prune_hits(conn: Connection, before: datetime) -> int:
    return int(conn.execute(delete(rate_limit_hits).where(rate_limit_hits.c.window_start < before)).rowcount)
