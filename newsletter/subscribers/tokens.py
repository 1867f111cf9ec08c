"""Signed tokens for the links in our emails, bound to one subscriber and one purpose.

    confirm      double opt-in; expires (subscribers.confirm_link_hours) and works once
                 (it carries the subscriber's confirm nonce, cleared when used)
    unsubscribe  one newsletter; never expires: an unsubscribe link in an old email must work
    preferences  expires after subscribers.preferences_link_days; the page offers a new link

The purpose is the itsdangerous salt, so a token for one purpose is refused for another.
"""

from __future__ import annotations

import time
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from newsletter.errors import BadToken, ExpiredToken

PURPOSES = ("confirm", "unsubscribe", "preferences")


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


def make_token(secret: str, purpose: str, subscriber_id: int, extra: str = "", now: float | None = None) -> str:
    return _serializer(secret, purpose, now).dumps([subscriber_id, extra])


def read_token(secret: str, purpose: str, token: str, max_age: int | None = None) -> tuple[int, str]:
    """Return (subscriber_id, extra); raise BadToken or ExpiredToken."""
    try:
        value = _serializer(secret, purpose).loads(token, max_age=max_age)
    except SignatureExpired as e:
        raise ExpiredToken(f"the {purpose} link has expired") from e
    except BadSignature as e:
        raise BadToken(f"the {purpose} link is not valid") from e
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise BadToken(f"the {purpose} link is not valid")
    return value[0], value[1]
