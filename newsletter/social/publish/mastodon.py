"""Mastodon publisher: ``POST /api/v1/statuses`` with an ``Idempotency-Key`` (issue 10).

Mastodon answers a repeat of the same key (kept about an hour) with the status it already
made, so a retry after a lost answer makes no second post. The access token (scope
``write:statuses``) comes from the environment variable named by ``token_env``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from newsletter.models import SocialPost
from newsletter.social.publish.base import HttpPublisher, Published, json_of


class MastodonPublisher(HttpPublisher):
    network = "mastodon"
    # Mastodon keeps idempotency keys for an hour; leave a margin
    idempotent_for: timedelta | None = timedelta(minutes=50)

    def __init__(self, instance: str, token: str, *, language: str = "da", timeout: float = 20.0,
                 retries: int = 4, backoff: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = instance.rstrip("/") + "/api/v1/statuses"
        self.language = language
        super().__init__(timeout=timeout, retries=retries, backoff=backoff, sleep=sleep,
                         headers={"Authorization": f"Bearer {token}"})

    def publish(self, post: SocialPost) -> Published:
        response = self.request("POST", self.url, headers={"Idempotency-Key": post.publish_key},
                        json={"status": post.text, "visibility": "public", "language": self.language})
        data = json_of(self.network, response)
        return Published(str(data.get("id", "")), str(data.get("url") or data.get("uri") or ""))
