"""The team's subscriber commands: add, list, show, remove, export (CSV)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.db.outbox import deliveries_of
from newsletter.db.types import utcnow
from newsletter.errors import NotFound, Suppressed
from newsletter.outbox.models import DeliveryRecord
from newsletter.subscribers.addresses import address_hash, normalise
from newsletter.subscribers.common import check_newsletter, clean_language, spreadsheet_safe
from newsletter.subscribers.validate import check_person


@dataclass(frozen=True)
class SubscriberView:
    id: int
    email: str
    email_display: str
    name: str
    organisation: str
    language: str
    created_at: datetime
    subscriptions: dict[str, str]  # newsletter key -> status


def _view(row: q.SubscriberRow, statuses: dict[str, str]) -> SubscriberView:
    return SubscriberView(row.id, row.email, row.email_display, row.name, row.organisation,
                          row.language, row.created_at, statuses)


def add(db: Database, config: Config, email: str, newsletters: Sequence[str], consent_source: str,
        added_by: str, name: str = "", organisation: str = "", language: str = "da",
        sections: Sequence[str] | None = None, now: datetime | None = None) -> SubscriberView:
    """Add (or re-activate) a subscriber by hand, with the team member and where consent came from.
    Raises InvalidAddress or InvalidDetail for what cannot be stored (``validate.check_person``)."""
    now = now or utcnow()
    person = check_person(email, name, organisation)
    address = person.address
    keys = list(dict.fromkeys(newsletters)) or [config.newsletters[0].key]
    for key in keys:
        newsletter = check_newsletter(config, key)
        unknown = set(sections or ()) - set(config.sections_of(newsletter))
        if unknown:
            raise NotFound(f"newsletter {key!r} has no section {', '.join(sorted(unknown))}")
    with db.begin() as conn:
        if q.is_suppressed(conn, address_hash(address.email)):
            raise Suppressed(f"{address.email} was erased on request and may not be added back "
                             "(they can subscribe again themselves on the web page)")
        sub = q.find_subscriber(conn, address.email)
        if sub is None:
            sid = q.insert_subscriber(conn, email=address.email, email_display=address.display,
                                      name=person.name, organisation=person.organisation,
                                      language=clean_language(language), now=now)
        else:
            sid = sub.id
            # an existing name is never overwritten by a re-add (issue 11); only a blank is filled
            updates = {k: v for k, v in (("name", person.name), ("organisation", person.organisation))
                       if v and not getattr(sub, k)}
            if updates:
                q.update_subscriber(conn, sid, now, **updates)
        existing = {s.newsletter_key: s for s in q.subscriptions_of(conn, sid)}
        for key in keys:
            current = existing.get(key)
            if current is None:
                sub_id = q.insert_subscription(conn, sid, key, "active", now)
            else:
                sub_id = current.id
                if current.status == "active":  # keep the new consent's source on record too
                    q.add_consent(conn, sub_id, action="given", source="team", detail=f"added by {added_by}",
                                  now=now, text=consent_source)
                    continue
                q.set_status(conn, sub_id, "active", now)
            q.set_sections(conn, sub_id, list(sections) if sections else None, now)
            q.add_consent(conn, sub_id, action="given", source="team", detail=f"added by {added_by}",
                          now=now, text=consent_source)
    return show(db, address.email)


def show(db: Database, email: str) -> SubscriberView:
    address = normalise(email)
    with db.connect() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None:
            raise NotFound(f"no subscriber {address.email}")
        statuses = {s.newsletter_key: s.status for s in q.subscriptions_of(conn, sub.id)}
    return _view(sub, statuses)


def address_of(db: Database, subscriber_id: int) -> str:
    """The address of subscriber ``subscriber_id``: the team's pages name a person by id, so an
    address never stands in a URL (access logs, browser history, Referer)."""
    with db.connect() as conn:
        sub = q.get_subscriber(conn, subscriber_id)
    if sub is None:
        raise NotFound(f"no subscriber with id {subscriber_id}")
    return sub.email


def details(db: Database, email: str) -> tuple[SubscriberView, list[q.SubscriptionRow], list[q.ConsentRow]]:
    view = show(db, email)
    with db.connect() as conn:
        return view, q.subscriptions_of(conn, view.id), q.consent_records_of(conn, view.id)


def list_subscribers(db: Database, newsletter_key: str | None = None, status: str | None = None,
                     limit: int | None = None) -> list[SubscriberView]:
    with db.connect() as conn:
        return [_view(row, st) for row, st in q.list_subscribers(conn, newsletter_key, status, limit)]


def remove(db: Database, config: Config, email: str, removed_by: str, newsletters: Sequence[str] = (),
           now: datetime | None = None) -> SubscriberView:
    """Unsubscribe (from the given newsletters, or all), keeping the record of the withdrawal."""
    now = now or utcnow()
    for key in newsletters:
        check_newsletter(config, key)
    view = show(db, email)
    with db.begin() as conn:
        for subscription in q.subscriptions_of(conn, view.id):
            if newsletters and subscription.newsletter_key not in newsletters:
                continue
            if subscription.status in ("active", "pending"):
                q.set_status(conn, subscription.id, "unsubscribed", now)
                q.add_consent(conn, subscription.id, action="withdrawn", source="team",
                              detail=f"removed by {removed_by}", now=now)
    return show(db, view.email)


# The import reads every column back (issue 8 §7). The erased come last, as their
# suppression-list hash only (status "erased"), so a round trip keeps them out too.
EXPORT_COLUMNS = ["email", "email_as_typed", "name", "organisation", "language", "newsletter",
                  "status", "created_at", "email_hash"]


def export_csv(db: Database, out: io.TextIOBase | None = None, path: Path | None = None,
               newsletter_key: str | None = None) -> int:
    """One row per subscription (utf-8 with BOM so Excel reads æøå). Written atomically to
    ``path``, or to ``out``. Returns the number of rows."""
    if path is not None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
                count = _write_csv(db, f, newsletter_key)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return count
    assert out is not None
    return _write_csv(db, out, newsletter_key)


def _write_csv(db: Database, out: io.TextIOBase, newsletter_key: str | None) -> int:
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    with db.connect() as conn:
        for row, statuses in q.iter_subscribers(conn):
            for key, status in sorted(statuses.items()):
                if newsletter_key and key != newsletter_key:
                    continue
                # The address is a cell too: the public form accepts "=cmd@x.dk" (valid atext).
                writer.writerow([spreadsheet_safe(row.email), spreadsheet_safe(row.email_display), spreadsheet_safe(row.name),
                                 spreadsheet_safe(row.organisation), row.language, key, status,
                                 row.created_at.isoformat(), ""])
                count += 1
        if newsletter_key is None:
            for email_hash, created_at in q.iter_suppressions(conn):
                writer.writerow(["", "", "", "", "", "", "erased", created_at.isoformat(), email_hash])
                count += 1
    return count



# --- the team's subscribers page (issue 9 §6) ------------------------------------------------

@dataclass(frozen=True)
class SubscriberRecord:
    """One person as the subscribers page shows them: subscriptions, consent history, deliveries."""

    view: SubscriberView
    subscriptions: tuple[q.SubscriptionRow, ...]
    consents: tuple[q.ConsentRow, ...]
    deliveries: tuple[DeliveryRecord, ...]


def search(db: Database, words: str = "", limit: int = 50) -> list[SubscriberView]:
    """Subscribers whose address, name or organisation contains ``words``; the newest when empty."""
    words = words.strip()
    with db.connect() as conn:
        return [_view(row, st) for row, st in q.search_subscribers(conn, words, limit)]


def counts(db: Database, config: Config) -> dict[str, dict[str, int]]:
    """{newsletter key: {status: subscriptions}} for every configured newsletter."""
    with db.connect() as conn:
        return {n.key: q.count_by_status(conn, n.key) for n in config.newsletters}


def record(db: Database, email: str) -> SubscriberRecord:
    view, subscriptions, consents = details(db, email)
    with db.connect() as conn:
        deliveries = deliveries_of(conn, view.id)
    return SubscriberRecord(view, tuple(subscriptions), tuple(consents), tuple(deliveries))
