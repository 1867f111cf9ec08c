"""Publishing approved posts when they are due, exactly once (issue 10).

``publish_due`` is the outbox's discipline for posts: a post is marked ``publishing`` (with the
time) in its own transaction before its publisher is called, and ``posted`` (with the
network's id and URL) right after. A run that dies in between leaves it ``publishing``; the
next run finds it once ``social.publish_lease_seconds`` have passed and

- retries it when its publisher cannot make a second copy (Mastodon's Idempotency-Key within
  the hour, Bluesky's fixed record key), or
- marks it ``unknown`` otherwise (LinkedIn, webhook): a person checks the page and runs
  ``newsletter social resolve ID --posted`` or ``--retry``. It is never sent again on its own.

Publishers are registered by ``kind`` in feeds.yaml (``social.publishers``); tokens and secrets
come from the environment variables the config names.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsletter.config import Config, SocialPublisherConfig
from newsletter.db import Database
from newsletter.db import issues as iq
from newsletter.db import social as q
from newsletter.db.types import utcnow
from newsletter.errors import ConfigError, PublishError, TemporaryPublishError
from newsletter.models import SocialPost
from newsletter.social.publish.base import MaybeSent, Published, Publisher
from newsletter.social.publish.bluesky import BlueskyPublisher
from newsletter.social.publish.linkedin import LinkedInPublisher
from newsletter.social.publish.mastodon import MastodonPublisher
from newsletter.social.publish.webhook import WebhookPublisher

ACTOR = "publish"


@dataclass
class PublishReport:
    posted: list[int] = field(default_factory=list)
    retry_later: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


def _secret(config: Config, network: str, name: str, what: str) -> str:
    value = os.environ.get(name, "") if name else ""
    if not value:
        raise ConfigError(str(config.path), f"social.publishers.{network}",
                          f"set the environment variable {name or '(name it in ' + what + ')'} ({what})")
    return value


def make_publisher(config: Config, network: str, settings: SocialPublisherConfig) -> Publisher:
    """The publisher a ``social.publishers`` entry describes."""
    common = {"timeout": settings.timeout, "retries": settings.retries, "backoff": settings.backoff_seconds}
    if settings.kind == "webhook":
        secret = _secret(config, network, settings.secret_env, "secret_env: the webhook's shared secret")
        return WebhookPublisher(network, settings.url, secret, **common)  # type: ignore[arg-type]
    if settings.kind != network:
        raise ConfigError(str(config.path), f"social.publishers.{network}.kind",
                          f"a {settings.kind} publisher cannot post to {network}; use kind: webhook or {network}")
    token = _secret(config, network, settings.token_env, "token_env: the access token or app password")
    if settings.kind == "mastodon":
        return MastodonPublisher(settings.url, token, **common)  # type: ignore[arg-type]
    if settings.kind == "bluesky":
        if not settings.handle:
            raise ConfigError(str(config.path), f"social.publishers.{network}.handle", "give the account's handle")
        return BlueskyPublisher(settings.url, settings.handle, token, card=card_reader(config),
                                **common)  # type: ignore[arg-type]
    if not settings.organization:
        raise ConfigError(str(config.path), f"social.publishers.{network}.organization",
                          "give the page as urn:li:organization:<id>")
    return LinkedInPublisher(settings.url, token, settings.organization, settings.api_version,
                             card=card_reader(config), **common)  # type: ignore[arg-type]


def card_reader(config: Config) -> Callable[[SocialPost], bytes | None]:
    """The bytes of a post's social card when its ``image_url`` is one media drew."""
    def read(post: SocialPost) -> bytes | None:
        from newsletter.media.index import card_path, card_url

        if not post.image_url or post.image_url != card_url(config, post.issue_id, post.item_id):
            return None
        path = card_path(config, post.issue_id, post.item_id)
        return path.read_bytes() if path.is_file() else None

    return read


def publishers_from_config(config: Config) -> dict[str, Publisher]:
    return {network: make_publisher(config, network, settings)
            for network, settings in config.data.social.publishers.items()}


def may_repeat(publisher: Publisher | None, post: SocialPost, now: datetime) -> bool:
    """Whether sending ``post`` again cannot make a second copy: its publisher has an
    idempotency window and the first attempt is still inside it."""
    window = publisher.idempotent_for if publisher is not None else None
    first = post.first_attempt_at or post.publish_started_at or now
    return window is not None and now - first < window


def recover(db: Database, publishers: Mapping[str, Publisher], now: datetime, lease: timedelta) -> tuple[list[int], list[int]]:
    """Posts a dead run left 'publishing': back to approved when a repeat is harmless, else 'unknown'."""
    retried: list[int] = []
    unknown: list[int] = []
    with db.begin() as conn:
        for post in q.stale_publishing(conn, now - lease):
            if may_repeat(publishers.get(post.network), post, now):
                if q.transition(conn, post.id, ["publishing"], "approved",
                                last_error="the last run stopped mid-request; trying again with the same key"):
                    retried.append(post.id)
                    iq.audit(conn, ACTOR, "publish_retry", "social_post", post.id, {})
            elif q.transition(conn, post.id, ["publishing"], "unknown",
                              last_error="the run stopped mid-request: check the page, then "
                                         f"`newsletter social resolve {post.id} --posted` or `--retry`"):
                unknown.append(post.id)
                iq.audit(conn, ACTOR, "publish_unknown", "social_post", post.id, {})
    return retried, unknown


def publish_due(db: Database, config: Config, *, publishers: Mapping[str, Publisher] | None = None,
                now: datetime | None = None, limit: int = 100) -> PublishReport:
    """Publish every approved post whose planned time has come, on the networks with a publisher."""
    now = now or utcnow()
    owned = publishers is None
    active = dict(publishers) if publishers is not None else publishers_from_config(config)
    report = PublishReport()
    lease = timedelta(seconds=config.data.social.publish_lease_seconds)
    try:
        retried, report.unknown = recover(db, active, now, lease)
        report.recovered = retried
        with db.connect() as conn:
            due = q.due_posts(conn, now, active)[:limit]
        for post in due:
            if not post.approved:  # never without a recorded approval
                continue
            with db.begin() as conn:
                if not q.claim(conn, post.id, utcnow()):
                    continue  # another run took it
                claimed = q.get_post(conn, post.id)
            assert claimed is not None
            _publish_one(db, active[post.network], claimed, report)
    finally:
        if owned:
            for publisher in active.values():
                publisher.close()
    return report


def _publish_one(db: Database, publisher: Publisher, post: SocialPost, report: PublishReport) -> None:
    try:
        result: Published = publisher.publish(post)
    except MaybeSent as e:
        target = "approved" if may_repeat(publisher, post, utcnow()) else "unknown"
        with db.begin() as conn:
            q.transition(conn, post.id, ["publishing"], target, last_error=e.problem)
            iq.audit(conn, ACTOR, "publish_" + ("retry" if target == "approved" else "unknown"),
                     "social_post", post.id, {"error": e.problem})
        (report.retry_later if target == "approved" else report.unknown).append(post.id)
        report.errors[post.id] = e.problem
        return
    except TemporaryPublishError as e:  # surely not received: try again on the next run
        with db.begin() as conn:
            q.transition(conn, post.id, ["publishing"], "approved", last_error=e.problem)
        report.retry_later.append(post.id)
        report.errors[post.id] = e.problem
        return
    except PublishError as e:
        with db.begin() as conn:
            q.transition(conn, post.id, ["publishing"], "failed", last_error=e.problem)
            iq.audit(conn, ACTOR, "publish_failed", "social_post", post.id, {"error": e.problem})
        report.failed.append(post.id)
        report.errors[post.id] = e.problem
        return
    with db.begin() as conn:
        q.transition(conn, post.id, ["publishing"], "posted", posted_at=utcnow(),
                     remote_id=result.remote_id, remote_url=result.url or None, last_error=None)
        iq.audit(conn, ACTOR, "posted", "social_post", post.id, {"remote_id": result.remote_id})
    report.posted.append(post.id)


__all__ = ["PublishReport", "Publisher", "make_publisher", "may_repeat", "publish_due", "publishers_from_config",
           "recover"]
