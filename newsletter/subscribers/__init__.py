"""Subscribers (issue 4): consent, double opt-in, one-click unsubscribe, preferences, import,
GDPR export and erasure.

What other stages use:
    recipients(db, newsletter_key, sections=None)  active subscribers, streamed (the outbox)
    personal_links(settings, subscriber_id, newsletter_key, link_key)  unsubscribe + preferences URLs
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from newsletter.db import Database
from newsletter.db.subscribers import iter_recipients
from newsletter.models import Recipient
from newsletter.subscribers.links import PersonalLinks, links_for, personal_links

__all__ = ["PersonalLinks", "links_for", "personal_links", "recipients"]


def recipients(db: Database, newsletter_key: str, sections: Sequence[str] | None = None) -> Iterator[Recipient]:
    """Active subscribers of ``newsletter_key`` in id order; with ``sections``, only those who
    want at least one of them. Streams rows in batches; the connection closes when the
    iterator is exhausted or closed."""
    with db.connect() as conn:
        yield from iter_recipients(conn, newsletter_key, sections)
