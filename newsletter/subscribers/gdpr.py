"""GDPR requests: everything stored about one person (art. 15/20), and erasure (art. 17)
that leaves only a hash of the address on the suppression list, so no later import can add
the person back."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.db.issues import audit
from newsletter.db.outbox import deliveries_of
from newsletter.db.outbox import erase_subscriber as erase_outbox_rows
from newsletter.db.types import utcnow
from newsletter.errors import NotFound
from newsletter.subscribers.addresses import address_hash, normalise


def gdpr_export(db: Database, email: str) -> dict[str, Any]:
    address = normalise(email)
    with db.connect() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None:
            suppressed = q.is_suppressed(conn, address_hash(address.email))
            raise NotFound(f"no subscriber {address.email}"
                           + (" (erased earlier; only a hash is kept on the suppression list)" if suppressed else ""))
        subscriptions = q.subscriptions_of(conn, sub.id)
        consents = q.consent_records_of(conn, sub.id)
        deliveries = deliveries_of(conn, sub.id)  # the outbox: which issues went to them, and when
        requests = q.signup_requests_of(conn, sub.id)  # unconfirmed sign-ups: what each form said
    person = asdict(sub)
    person.pop("confirm_nonce")
    person.pop("link_key")  # a secret of the links, not something about the person
    return {
        "exported_at": utcnow().isoformat(),
        "subscriber": person,
        "subscriptions": [asdict(s) for s in subscriptions],
        "consent_records": [asdict(c) for c in consents],
        "signup_requests": [{k: v for k, v in asdict(r).items() if k != "nonce"} for r in requests],
        "outbox": [asdict(d) for d in deliveries],
    }


def forget(db: Database, email: str, now: datetime | None = None, by: str | None = None) -> bool:
    """Erase the person and suppress the address. Returns False if they were not stored
    (the address is suppressed either way). With ``by``, the audit log records who erased
    whom, by the hash the suppression list keeps (never the address)."""
    now = now or utcnow()
    address = normalise(email)
    with db.begin() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is not None:
            # Outbox rows hold the address too (a delivery log without a foreign key).
            erase_outbox_rows(conn, sub.id)
            q.delete_subscriber(conn, sub.id)
        q.suppress(conn, address_hash(address.email), "erased", now)
        if by is not None:
            audit(conn, by, "gdpr-erase", "subscriber", sub.id if sub is not None else None,
                  {"address_hash": address_hash(address.email), "was_stored": sub is not None})
    return sub is not None
