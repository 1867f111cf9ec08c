"""Per-recipient links for every email: one-click unsubscribe (also the List-Unsubscribe URL,
RFC 8058) and preferences. The outbox calls ``personal_links`` once per recipient."""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.config import Settings
from newsletter.subscribers.tokens import make_token


@dataclass(frozen=True)
class PersonalLinks:
    unsubscribe_url: str
    preferences_url: str


def unsubscribe_url(settings: Settings, subscriber_id: int, newsletter_key: str) -> str:
    return f"{settings.base_url}/u/{make_token(settings.secret_key, 'unsubscribe', subscriber_id, newsletter_key)}"


def preferences_url(settings: Settings, subscriber_id: int) -> str:
    return f"{settings.base_url}/p/{make_token(settings.secret_key, 'preferences', subscriber_id)}"


def confirm_url(settings: Settings, subscriber_id: int, nonce: str) -> str:
    return f"{settings.base_url}/confirm/{make_token(settings.secret_key, 'confirm', subscriber_id, nonce)}"


def personal_links(settings: Settings, subscriber_id: int, newsletter_key: str) -> PersonalLinks:
    return PersonalLinks(
        unsubscribe_url=unsubscribe_url(settings, subscriber_id, newsletter_key),
        preferences_url=preferences_url(settings, subscriber_id),
    )
