"""Signed tokens for the links in our emails, bound to one subscriber and one purpose.

    confirm      double opt-in; expires (subscribers.confirm_link_hours) and works once
                 (it carries the nonce of one sign-up request, deleted when used)
    unsubscribe  one newsletter; never expires: an unsubscribe link in an old email must work
    preferences  expires after subscribers.preferences_link_days; the page offers a new link

The purpose is the itsdangerous salt, so a token for one purpose is refused for another.

A token names its row, not only its id (issue 8): unsubscribe and preferences tokens carry the
subscriber's random ``link_key`` (``[id, extra, link_key]``), so a link keeps acting only on
the person it was made for, even if an id were ever handed out again. Tokens made before
migration 0008 have no key (``[id, extra]``); ``belongs_to`` accepts them only for a row that
already existed when the token was signed (itsdangerous stamps the signing time).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from newsletter.errors import BadToken, ExpiredToken

PURPOSES = ("confirm", "unsubscribe", "preferences")


@dataclass(frozen=True)
class Token:
    subscriber_id: int
    extra: str  # newsletter key (unsubscribe), request nonce (confirm), "" (preferences)
    link_key: str | None  # None: a token made before link keys existed (migration 0008)
    issued_at: datetime


class _Signer(TimestampSigner):
    """A TimestampSigner whose clock can be set, so tests can make an expired token."""

    def __init__(self, *args: Any, now: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now if self._now is not None else time.time())


def _serializer(secret: str, purpose: str, now: float | None = None) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    if not secret:
        raise ValueError("SECRET_KEY is empty")
    return URLSafeTimedSerializer(secret, salt=f"newsletter.{purpose}", signer=_Signer,
                                  signer_kwargs={"now": now})


def make_token(secret: str, purpose: str, subscriber_id: int, extra: str = "", link_key: str | None = None,
               now: float | None = None) -> str:
    """A signed token. Unsubscribe and preferences tokens need the subscriber's ``link_key``;
    ``link_key=None`` makes the old two-part form (kept for confirm tokens and for tests of
    links issued before migration 0008)."""
    if purpose != "confirm" and link_key == "":
        raise ValueError(f"a {purpose} link needs the subscriber's link key")
    value: list[object] = [subscriber_id, extra] if link_key is None else [subscriber_id, extra, link_key]
    return _serializer(secret, purpose, now).dumps(value)


def read_token(secret: str, purpose: str, token: str, max_age: int | None = None) -> Token:
    """The token's content; raise BadToken or ExpiredToken."""
    try:
        value, signed_at = _serializer(secret, purpose).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired as e:
        raise ExpiredToken(f"the {purpose} link has expired") from e
    except BadSignature as e:
        raise BadToken(f"the {purpose} link is not valid") from e
    if (not isinstance(value, list) or len(value) not in (2, 3) or not isinstance(value[0], int)
            or isinstance(value[0], bool) or not all(isinstance(v, str) for v in value[1:])):
        raise BadToken(f"the {purpose} link is not valid")
    issued = signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)
    return Token(value[0], value[1], value[2] if len(value) == 3 else None, issued)


def belongs_to(token: Token, link_key: str, created_at: datetime) -> bool:
    """Whether ``token`` was made for the row with this key and creation time: its key matches,
    or (an old token without a key) the row already existed when the token was signed. A link
    signed before a row existed cannot be that row's link, whoever has the id now."""
    if token.link_key is not None:
        return secrets.compare_digest(token.link_key, link_key)
    # the token's time is whole seconds; a row made in the same second counts as existing
    return created_at.replace(microsecond=0) <= token.issued_at
