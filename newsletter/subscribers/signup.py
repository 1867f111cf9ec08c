"""The public flows (issue 4): subscribe with double opt-in, confirm, one-click unsubscribe,
preferences. Called by the web app; each is one unit of work over the database.

Consent records say when, from where (web, preferences page, unsubscribe link), the IP of web
sign-ups and the exact consent text shown (markedsføringsloven §10; GDPR art. 7(1): the
controller must be able to show that the person consented).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.db.types import utcnow
from newsletter.errors import BadToken, DeliveryError, SubscriberError
from newsletter.subscribers import mail
from newsletter.subscribers.addresses import address_hash, normalise
from newsletter.subscribers.common import (
    check_newsletter,
    clean_language,
    clean_text,
)
from newsletter.subscribers.consent import consent_text
from newsletter.subscribers.links import confirm_url, preferences_url
from newsletter.subscribers.tokens import read_token

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignupForm:
    email: str
    name: str = ""
    organisation: str = ""
    newsletters: tuple[str, ...] = ()
    language: str = "da"


@dataclass(frozen=True)
class SignupOutcome:
    """What happened; the web page shows the same text whatever it is, so the answer does not
    reveal whether an address is on the list. Tests and logs use it."""

    action: str  # sent, resend_too_soon, already_active
    subscriber_id: int
    mail_error: str | None = None


class LinkUsed(BadToken):
    """A confirm link whose nonce is gone: already used, or the subscriber was erased."""

    status = 410


def subscribe(db: Database, config: Config, form: SignupForm, ip: str | None,
              now: datetime | None = None) -> SignupOutcome:
    """Record a web sign-up as pending and send the confirmation (at most once per
    ``resend_after_minutes``). Raises InvalidAddress or SubscriberError for bad input."""
    now = now or utcnow()
    address = normalise(form.email)
    keys = [k for k in dict.fromkeys(form.newsletters)]
    if not keys:
        raise SubscriberError("choose at least one newsletter")
    for key in keys:
        check_newsletter(config, key)
    language = clean_language(form.language)
    settings = config.data.subscribers
    text = consent_text(settings.consent_version, language, config.brand)
    with db.begin() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None:
            sid = q.insert_subscriber(conn, email=address.email, email_display=address.display,
                                      name=clean_text(form.name), organisation=clean_text(form.organisation),
                                      language=language, now=now)
            sub = q.get_subscriber(conn, sid)
            assert sub is not None
        existing = {s.newsletter_key: s for s in q.subscriptions_of(conn, sub.id)}
        if not any(s.status == "active" for s in existing.values()):
            # nobody confirmed these details yet, so the latest form may replace them
            q.update_subscriber(conn, sub.id, now, email_display=address.display, language=language,
                                name=clean_text(form.name), organisation=clean_text(form.organisation))
        pending = []
        for key in keys:
            current = existing.get(key)
            if current is not None and current.status == "active":
                continue
            if current is None:
                sub_id = q.insert_subscription(conn, sub.id, key, "pending", now)
            else:
                sub_id = current.id
                if current.status != "pending":
                    q.set_status(conn, sub_id, "pending", now)
            q.add_consent(conn, sub_id, action="given", source="web", detail="sign-up form", now=now,
                          ip=ip, version=settings.consent_version, text=text)
            pending.append(key)
        if not pending:
            return SignupOutcome("already_active", sub.id)
        nonce = sub.confirm_nonce or secrets.token_hex(16)
        if nonce != sub.confirm_nonce:
            q.update_subscriber(conn, sub.id, now, confirm_nonce=nonce)
        too_soon = (sub.confirm_sent_at is not None
                    and now - sub.confirm_sent_at < timedelta(minutes=settings.resend_after_minutes))
        all_pending = [s.newsletter_key for s in q.subscriptions_of(conn, sub.id) if s.status == "pending"]
    if too_soon:
        return SignupOutcome("resend_too_soon", sub.id)
    return _send_confirmation(db, config, sub.id, address.email, nonce, all_pending, language, now)


def _send_confirmation(db: Database, config: Config, subscriber_id: int, email: str, nonce: str,
                       keys: Sequence[str], language: str, now: datetime) -> SignupOutcome:
    names = [check_newsletter(config, k).name for k in keys]
    message = mail.confirmation_message(config, email, confirm_url(config.settings, subscriber_id, nonce),
                                        names, language)
    try:
        mail.send(config, message, email)
    except DeliveryError as e:
        # the pending row stays and confirm_sent_at stays empty, so the next try sends again
        log.warning("confirmation mail to subscriber %s failed: %s", subscriber_id, e)
        return SignupOutcome("sent", subscriber_id, mail_error=str(e))
    with db.begin() as conn:
        q.update_subscriber(conn, subscriber_id, now, confirm_sent_at=now)
    return SignupOutcome("sent", subscriber_id)


def resend_confirmation(db: Database, config: Config, email: str, now: datetime | None = None) -> SignupOutcome | None:
    """"Send me a new link": only for an address with pending subscriptions, at most once per
    ``resend_after_minutes``. Returns None when there is nothing to send (the page says the same)."""
    now = now or utcnow()
    address = normalise(email)
    with db.begin() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None:
            return None
        keys = [s.newsletter_key for s in q.subscriptions_of(conn, sub.id) if s.status == "pending"]
        if not keys:
            return None
        if sub.confirm_sent_at and now - sub.confirm_sent_at < timedelta(
                minutes=config.data.subscribers.resend_after_minutes):
            return SignupOutcome("resend_too_soon", sub.id)
        nonce = sub.confirm_nonce or secrets.token_hex(16)
        q.update_subscriber(conn, sub.id, now, confirm_nonce=nonce)
    return _send_confirmation(db, config, sub.id, address.email, nonce, keys, sub.language, now)


@dataclass(frozen=True)
class Confirmed:
    subscriber_id: int
    language: str
    newsletters: tuple[str, ...] = field(default_factory=tuple)


def check_confirm_token(config: Config, token: str) -> tuple[int, str]:
    return read_token(config.settings.secret_key, "confirm", token,
                      max_age=config.data.subscribers.confirm_link_hours * 3600)


def confirm_language(db: Database, config: Config, token: str) -> str:
    """Check a confirm link without using it (the page with the button); raise if it cannot work."""
    subscriber_id, nonce = check_confirm_token(config, token)
    with db.connect() as conn:
        sub = q.get_subscriber(conn, subscriber_id)
    if sub is None or sub.confirm_nonce is None or not secrets.compare_digest(sub.confirm_nonce, nonce):
        raise LinkUsed("this confirmation link has already been used or replaced")
    return sub.language


def send_preferences_link(db: Database, config: Config, email: str, now: datetime | None = None) -> bool:
    """"Send me a new link" for an expired preferences link; only to a stored address, at most
    once per ``resend_after_minutes``. Returns whether a mail went out (the page says the same)."""
    now = now or utcnow()
    address = normalise(email)
    with db.begin() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None or (sub.confirm_sent_at and now - sub.confirm_sent_at < timedelta(
                minutes=config.data.subscribers.resend_after_minutes)):
            return False
        q.update_subscriber(conn, sub.id, now, confirm_sent_at=now)
    message = mail.preferences_message(config, address.email, preferences_url(config.settings, sub.id), sub.language)
    try:
        mail.send(config, message, address.email)
    except DeliveryError as e:
        log.warning("preferences link to subscriber %s failed: %s", sub.id, e)
        return False
    return True


def confirm(db: Database, config: Config, token: str, ip: str | None, now: datetime | None = None) -> Confirmed:
    """Activate every pending subscription of the token's subscriber. The link works once."""
    now = now or utcnow()
    subscriber_id, nonce = check_confirm_token(config, token)
    with db.begin() as conn:
        sub = q.get_subscriber(conn, subscriber_id)
        if sub is None or sub.confirm_nonce is None or not secrets.compare_digest(sub.confirm_nonce, nonce):
            raise LinkUsed("this confirmation link has already been used or replaced")
        activated = []
        for subscription in q.subscriptions_of(conn, sub.id):
            if subscription.status == "pending":
                q.set_status(conn, subscription.id, "active", now)
                q.add_consent(conn, subscription.id, action="confirmed", source="web",
                              detail="double opt-in link", now=now, ip=ip)
                activated.append(subscription.newsletter_key)
        q.update_subscriber(conn, sub.id, now, confirm_nonce=None)
        # the person asked to come back themselves (the address was erased earlier)
        q.unsuppress(conn, address_hash(sub.email))
    return Confirmed(sub.id, sub.language, tuple(activated))


def unsubscribe(db: Database, config: Config, token: str, how: str, now: datetime | None = None) -> str | None:
    """Unsubscribe the token's subscriber from the token's newsletter; idempotent. Returns the
    newsletter key, or None if the subscriber no longer exists (erased: nothing to do)."""
    now = now or utcnow()
    subscriber_id, key = read_token(config.settings.secret_key, "unsubscribe", token)
    with db.begin() as conn:
        if q.get_subscriber(conn, subscriber_id) is None:
            return None
        for subscription in q.subscriptions_of(conn, subscriber_id):
            if subscription.newsletter_key == key and subscription.status in ("active", "pending"):
                q.set_status(conn, subscription.id, "unsubscribed", now)
                q.add_consent(conn, subscription.id, action="withdrawn", source="unsubscribe", detail=how, now=now)
    return key


def unsubscribe_language(db: Database, config: Config, token: str) -> str:
    subscriber_id, _key = read_token(config.settings.secret_key, "unsubscribe", token)
    with db.connect() as conn:
        sub = q.get_subscriber(conn, subscriber_id)
    return sub.language if sub else "da"


# --- preferences -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Preferences:
    subscriber: q.SubscriberRow
    subscriptions: dict[str, q.SubscriptionRow]


@dataclass(frozen=True)
class PreferencesForm:
    name: str
    organisation: str
    language: str
    # newsletter key -> chosen sections (None: all); a key missing means "not subscribed"
    newsletters: dict[str, tuple[str, ...] | None]
    unsubscribe_all: bool = False


def check_preferences_token(config: Config, token: str) -> int:
    subscriber_id, _ = read_token(config.settings.secret_key, "preferences", token,
                                  max_age=config.data.subscribers.preferences_link_days * 86400)
    return subscriber_id


def load_preferences(db: Database, config: Config, token: str) -> Preferences:
    subscriber_id = check_preferences_token(config, token)
    with db.connect() as conn:
        sub = q.get_subscriber(conn, subscriber_id)
        if sub is None:
            raise BadToken("this link belongs to a subscriber who no longer exists")
        subs = {s.newsletter_key: s for s in q.subscriptions_of(conn, sub.id)}
    return Preferences(sub, subs)


def save_preferences(db: Database, config: Config, token: str, form: PreferencesForm, ip: str | None,
                     now: datetime | None = None) -> Preferences:
    now = now or utcnow()
    subscriber_id = check_preferences_token(config, token)
    language = clean_language(form.language)
    settings = config.data.subscribers
    with db.begin() as conn:
        sub = q.get_subscriber(conn, subscriber_id)
        if sub is None:
            raise BadToken("this link belongs to a subscriber who no longer exists")
        q.update_subscriber(conn, sub.id, now, name=clean_text(form.name),
                            organisation=clean_text(form.organisation), language=language)
        existing = {s.newsletter_key: s for s in q.subscriptions_of(conn, sub.id)}
        wanted = {} if form.unsubscribe_all else form.newsletters
        for newsletter in config.newsletters:
            current = existing.get(newsletter.key)
            if newsletter.key in wanted:
                allowed = config.sections_of(newsletter)
                chosen = wanted[newsletter.key]
                sections = None if chosen is None or set(allowed) <= set(chosen) else \
                    [s for s in chosen if s in allowed]
                if current is None:
                    sub_id = q.insert_subscription(conn, sub.id, newsletter.key, "active", now)
                elif current.status != "active":
                    sub_id = current.id
                    q.set_status(conn, sub_id, "active", now)
                else:
                    sub_id = current.id
                if current is None or current.status != "active":
                    # the signed link proves the inbox; ticking the box with the text shown is the consent
                    q.add_consent(conn, sub_id, action="given", source="preferences",
                                  detail="preferences page", now=now, ip=ip,
                                  version=settings.consent_version,
                                  text=consent_text(settings.consent_version, language, config.brand))
                q.set_sections(conn, sub_id, sections, now)
            elif current is not None and current.status in ("active", "pending"):
                q.set_status(conn, current.id, "unsubscribed", now)
                q.add_consent(conn, current.id, action="withdrawn", source="preferences",
                              detail="unsubscribe from all" if form.unsubscribe_all else "preferences page",
                              now=now, ip=ip)
    return load_preferences(db, config, token)
