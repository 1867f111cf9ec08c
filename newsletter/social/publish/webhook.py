"""Webhook publisher: POST the post as JSON to a URL (Zapier, Make, Power Automate), signed
(issue 10).

The body is the post's JSON (see docs/social.md). Headers:
``X-Newsletter-Timestamp`` (Unix seconds) and ``X-Newsletter-Signature: sha256=<hex>``, the
HMAC-SHA256 of ``"<timestamp>.<body>"`` with the shared secret from the environment variable
named by ``secret_env``; a receiver recomputes it and rejects old timestamps (replays).
``Idempotency-Key`` stays the same for every try of one post, so a receiver can drop repeats.
Connection errors, timeouts, 429 and 5xx are retried with exponential backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import timedelta

from newsletter.models import SocialPost
from newsletter.social.publish.base import HttpPublisher, Published


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def payload(post: SocialPost) -> dict[str, object]:
    return {
        "id": post.id, "issue_id": post.issue_id, "network": post.network, "subject": post.subject,
        "text": post.text, "link": post.link, "title": post.title, "description": post.description,
        "image_url": post.image_url,
        "planned_at": post.planned_at.isoformat() if post.planned_at else None,
        "approved_by": post.approved_by,
        "approved_at": post.approved_at.isoformat() if post.approved_at else None,
        "idempotency_key": post.publish_key,
    }


class WebhookPublisher(HttpPublisher):
    idempotent_for: timedelta | None = None

    def __init__(self, network: str, url: str, secret: str, *, timeout: float = 20.0, retries: int = 4,
                 backoff: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.network = network
        self.url = url
        self.secret = secret
        super().__init__(timeout=timeout, retries=retries, backoff=backoff, sleep=sleep)

    def publish(self, post: SocialPost) -> Published:
        body = json.dumps(payload(post), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": post.publish_key,
                   "X-Newsletter-Timestamp": stamp,
                   "X-Newsletter-Signature": signature(self.secret, stamp, body)}
        response = self.request("POST", self.url, content=body, headers=headers)
        remote = ""
        try:
            data = response.json()
            if isinstance(data, dict):
                remote = str(data.get("id") or "")
        except ValueError:
            pass
        return Published(remote or f"webhook:{post.publish_key}")
