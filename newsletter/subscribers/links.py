"""Per-recipient links for every email: one-click unsubscribe (also the List-Unsubscribe URL,
RFC 8058) and preferences. The outbox calls ``personal_links`` once per recipient, at queue
time, and stores the URLs with the row; each names the subscriber's id and ``link_key``
(issue 8), so the stored URLs stay valid until the person is erased, and never act on anyone
else."""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.config import Settings
from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.errors import NotFound
from newsletter.subscribers.tokens import make_token


@dataclass(frozen=True)
class PersonalLinks:
    unsubscribe_url: str
    preferences_url: str


def unsubscribe_url(settings: Settings, subscriber_id: int, newsletter_key: str, link_key: str) -> str:
    token = make_token(settings.secret_key, "unsubscribe", subscriber_id, newsletter_key, link_key)
    return f"{settings.base_url}/u/{token}"


def preferences_url(settings: Settings, subscriber_id: int, link_key: str) -> str:
    return f"{settings.base_url}/p/{make_token(settings.secret_key, 'preferences', subscriber_id, '', link_key)}"


def confirm_url(settings: Settings, subscriber_id: int, nonce: str) -> str:
    return f"{settings.base_url}/confirm/{make_token(settings.secret_key, 'confirm', subscriber_id, nonce)}"


def personal_links(settings: Settings, subscriber_id: int, newsletter_key: str, link_key: str) -> PersonalLinks:
    """The links of one recipient; ``link_key`` is ``Recipient.link_key``."""
    return PersonalLinks(
        unsubscribe_url=unsubscribe_url(settings, subscriber_id, newsletter_key, link_key),
        preferences_url=preferences_url(settings, subscriber_id, link_key),
    )


def links_for(db: Database, settings: Settings, email_or_id: str | int, newsletter_key: str) -> PersonalLinks:
    """The personal links of a stored subscriber (by normalised address or id): for the team
    and for tests."""
    with db.connect() as conn:
        sub = (q.get_subscriber(conn, email_or_id) if isinstance(email_or_id, int)
               else q.find_subscriber(conn, email_or_id))
    if sub is None:
        raise NotFound(f"no subscriber {email_or_id}")
    return personal_links(settings, sub.id, newsletter_key, sub.link_key)
