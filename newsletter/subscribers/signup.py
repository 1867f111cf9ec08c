"""The public flows (issue 4): subscribe with double opt-in, confirm, one-click unsubscribe,
preferences. Called by the web app; each is one unit of work over the database.

Consent records say when, from where (web, preferences page, unsubscribe link), the IP of web
sign-ups and the exact consent text shown (markedsføringsloven §10; GDPR art. 7(1): the
controller must be able to show that the person consented).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.db.types import utcnow
from newsletter.errors import (
    BadToken,
    DeliveryError,
    InvalidAddress,
    SubscriberError,
    TemporaryDeliveryError,
)
from newsletter.subscribers import mail
from newsletter.subscribers.addresses import address_hash
from newsletter.subscribers.common import check_newsletter, clean_language
from newsletter.subscribers.consent import consent_text
from newsletter.subscribers.links import confirm_url, preferences_url
from newsletter.subscribers.tokens import Token, belongs_to, read_token
from newsletter.subscribers.validate import Person, check_address, check_person, check_text

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class SignupForm:
    email: str
    name: str = ""
    organisation: str = ""
    newsletters: tuple[str, ...] = ()
    language: str = "da"


@dataclass(frozen=True)
class OutgoingMail:
    """A transactional mail decided inside a unit of work and sent after it, by ``deliver``
    (the web app hands it to a background sender, so no answer waits for SMTP and a new and a
    known address cost the same). ``reserved_at`` is what ``confirm_sent_at`` was set to: a
    send that fails gives that slot back."""

    kind: str  # confirm, preferences
    subscriber_id: int
    email: str
    language: str
    reserved_at: datetime
    nonce: str = ""  # confirm: the sign-up request's nonce
    newsletters: tuple[str, ...] = ()  # confirm: what that request asked for
    link_key: str = ""  # preferences


@dataclass(frozen=True)
class SignupOutcome:
    """What happened; the web page shows the same text whatever it is, so the answer does not
    reveal whether an address is on the list. Tests and logs use it."""

    action: str  # requested, resend_too_soon, already_active
    subscriber_id: int
    mail: OutgoingMail | None = None


class LinkUsed(BadToken):
    """A confirm link whose request is gone: already used, or the subscriber was erased."""

    status = 410


def _retrying(unit: Callable[[], T]) -> T:
    """Run one unit of work again when a concurrent request inserted the same row first
    (a double-click on "Tilmeld mig": both find no subscriber, one INSERT wins). The second
    run sees the winner's row and answers as for one request."""
    for attempt in range(3):
        try:
            return unit()
        except IntegrityError as e:
            if attempt == 2 or not q.is_unique_violation(e):
                raise
    raise AssertionError("unreachable")


def subscribe(db: Database, config: Config, form: SignupForm, ip: str | None,
              now: datetime | None = None) -> SignupOutcome:
    """Record a web sign-up as pending, as one request that its confirmation link confirms
    exactly, and decide the confirmation mail (at most one per ``resend_after_minutes``).
    Raises InvalidAddress, InvalidDetail or SubscriberError for bad input; sends nothing:
    the caller passes ``outcome.mail`` to ``deliver``."""
    now = now or utcnow()
    person = check_person(form.email, form.name, form.organisation)
    keys = [k for k in dict.fromkeys(form.newsletters)]
    if not keys:
        raise SubscriberError("choose at least one newsletter")
    for key in keys:
        check_newsletter(config, key)
    language = clean_language(form.language)
    return _retrying(lambda: _subscribe(db, config, person, keys, language, ip, now))


def subscribe_quietly(db: Database, config: Config, form: SignupForm, ip: str | None,
                      now: datetime | None = None) -> OutgoingMail | None:
    """``subscribe`` for the background worker: the mail to send, or None; bad input (the
    page checked it already) is logged, not raised."""
    try:
        return subscribe(db, config, form, ip, now).mail
    except SubscriberError as e:
        log.warning("sign-up not recorded: %s", e)
        return None


def _subscribe(db: Database, config: Config, person: Person, keys: list[str], language: str,
               ip: str | None, now: datetime) -> SignupOutcome:
    settings = config.data.subscribers
    text = consent_text(settings.consent_version, language, config.brand)
    address = person.address
    with db.begin() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None:
            sid = q.insert_subscriber(conn, email=address.email, email_display=address.display,
                                      name=person.name, organisation=person.organisation,
                                      language=language, now=now)
            sub = q.get_subscriber(conn, sid)
            assert sub is not None
        # The stored details are not touched: the form can carry anyone's address, so what it
        # says is kept with the request and applied when the owner of the inbox confirms.
        existing = {s.newsletter_key: s for s in q.subscriptions_of(conn, sub.id)}
        wanted = []
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
            wanted.append(key)
        if not wanted:
            return SignupOutcome("already_active", sub.id)
        if _too_soon(config, sub, now):
            return SignupOutcome("resend_too_soon", sub.id)
        mail_ = _request(conn, config, sub, tuple(wanted), address.display, person.name,
                         person.organisation, language, now)
    return SignupOutcome("requested", sub.id, mail_)


def _too_soon(config: Config, sub: q.SubscriberRow, now: datetime) -> bool:
    minutes = config.data.subscribers.resend_after_minutes
    return sub.confirm_sent_at is not None and now - sub.confirm_sent_at < timedelta(minutes=minutes)


def _request(conn: Connection, config: Config, sub: q.SubscriberRow, keys: tuple[str, ...], display: str,
             name: str, organisation: str, language: str, now: datetime) -> OutgoingMail:
    """Store one sign-up request and reserve its confirmation mail."""
    hours = config.data.subscribers.confirm_link_hours
    q.delete_signup_requests(conn, sub.id, before=now - timedelta(hours=hours))  # their links expired
    nonce = secrets.token_hex(16)
    q.insert_signup_request(conn, subscriber_id=sub.id, nonce=nonce, newsletters=keys, email_display=display,
                            name=name, organisation=organisation, language=language, now=now)
    q.mark_confirmation_sent(conn, sub.id, now)
    return OutgoingMail("confirm", sub.id, sub.email, language, now, nonce=nonce, newsletters=keys)


def message_for(config: Config, outgoing: OutgoingMail) -> EmailMessage:
    settings = config.settings
    if outgoing.kind == "confirm":
        names = [n.name for n in config.newsletters if n.key in outgoing.newsletters]
        url = confirm_url(settings, outgoing.subscriber_id, outgoing.nonce)
        return mail.confirmation_message(config, outgoing.email, url, names, outgoing.language)
    url = preferences_url(settings, outgoing.subscriber_id, outgoing.link_key)
    return mail.preferences_message(config, outgoing.email, url, outgoing.language)


def deliver(db: Database, config: Config, outgoing: OutgoingMail, final: bool = True) -> DeliveryError | None:
    """Send one reserved mail now; returns None, or the error. A send that failed for good
    (``final``, or a permanent error) is logged and gives the reserved slot back, so the
    person can ask again at once."""
    try:
        mail.send(config, message_for(config, outgoing), outgoing.email)
    except DeliveryError as e:
        if final or not isinstance(e, TemporaryDeliveryError):
            log.warning("%s mail to subscriber %s failed: %s", outgoing.kind, outgoing.subscriber_id, e)
            give_back(db, outgoing)
        return e
    return None


def give_back(db: Database, outgoing: OutgoingMail) -> None:
    """Free the resend slot a mail reserved (unless a newer mail took it)."""
    with db.begin() as conn:
        q.mark_confirmation_sent(conn, outgoing.subscriber_id, None, only_if=outgoing.reserved_at)


def resend_confirmation(db: Database, config: Config, email: str, now: datetime | None = None) -> OutgoingMail | None:
    """"Send me a new link": a fresh link for the person's latest sign-up request (the same
    newsletters, never more), at most once per ``resend_after_minutes``. None when there is
    nothing to send (the page says the same either way)."""
    now = now or utcnow()
    try:
        address = check_address(email)
    except InvalidAddress:
        return None
    with db.begin() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None or _too_soon(config, sub, now):
            return None
        last = q.latest_signup_request(conn, sub.id)
        pending = {s.newsletter_key for s in q.subscriptions_of(conn, sub.id) if s.status == "pending"}
        keys = tuple(k for k in (last.newsletters if last else ()) if k in pending)
        if last is None or not keys:
            return None
        return _request(conn, config, sub, keys, last.email_display, last.name, last.organisation,
                        last.language, now)


@dataclass(frozen=True)
class Confirmed:
    subscriber_id: int
    language: str
    newsletters: tuple[str, ...] = field(default_factory=tuple)
    link_key: str = ""


def check_confirm_token(config: Config, token: str) -> Token:
    return read_token(config.settings.secret_key, "confirm", token,
                      max_age=config.data.subscribers.confirm_link_hours * 3600)


def confirm_language(db: Database, config: Config, token: str) -> str:
    """Check a confirm link without using it (the page with the button); raise if it cannot work."""
    parsed = check_confirm_token(config, token)
    with db.connect() as conn:
        request = q.find_signup_request(conn, parsed.subscriber_id, parsed.extra)
    if request is None:
        raise LinkUsed("this confirmation link has already been used or replaced")
    return request.language


def send_preferences_link(db: Database, config: Config, email: str, now: datetime | None = None) -> OutgoingMail | None:
    """"Send me a new link" for an expired preferences link; only to a stored address, at most
    once per ``resend_after_minutes``. None when there is nothing to send."""
    now = now or utcnow()
    try:
        address = check_address(email)
    except InvalidAddress:
        return None
    with db.begin() as conn:
        sub = q.find_subscriber(conn, address.email)
        if sub is None or _too_soon(config, sub, now):
            return None
        q.mark_confirmation_sent(conn, sub.id, now)
    return OutgoingMail("preferences", sub.id, sub.email, sub.language, now, link_key=sub.link_key)


def confirm(db: Database, config: Config, token: str, ip: str | None, now: datetime | None = None) -> Confirmed:
    """Activate what the token's sign-up request asked for, and nothing else: the newsletters
    of that request, with the details typed in that form. The link works once."""
    now = now or utcnow()
    parsed = check_confirm_token(config, token)
    with db.begin() as conn:
        sub = q.get_subscriber(conn, parsed.subscriber_id)
        request = q.find_signup_request(conn, parsed.subscriber_id, parsed.extra) if sub else None
        if sub is None or request is None:
            raise LinkUsed("this confirmation link has already been used or replaced")
        activated = []
        for subscription in q.subscriptions_of(conn, sub.id):
            if subscription.newsletter_key in request.newsletters and subscription.status == "pending":
                q.set_status(conn, subscription.id, "active", now)
                q.add_consent(conn, subscription.id, action="confirmed", source="web",
                              detail="double opt-in link", now=now, ip=ip)
                activated.append(subscription.newsletter_key)
        details: dict[str, object] = {"language": request.language}
        if check_address(request.email_display).email == sub.email:
            details["email_display"] = request.email_display
        details.update({k: v for k, v in (("name", request.name), ("organisation", request.organisation)) if v})
        q.update_subscriber(conn, sub.id, now, **details)
        q.delete_signup_requests(conn, sub.id, request_id=request.id)
        # the person asked to come back themselves (the address was erased earlier)
        q.unsuppress(conn, address_hash(sub.email))
    return Confirmed(sub.id, request.language, tuple(activated), sub.link_key)


def _subscriber_of(conn: Connection, token: Token) -> q.SubscriberRow | None:
    """The subscriber a link was made for, or None (erased, or the id is someone else's)."""
    sub = q.get_subscriber(conn, token.subscriber_id)
    if sub is None or not belongs_to(token, sub.link_key, sub.created_at):
        return None
    return sub


def unsubscribe(db: Database, config: Config, token: str, how: str, now: datetime | None = None) -> str | None:
    """Unsubscribe the token's subscriber from the token's newsletter; idempotent. Returns the
    newsletter key, or None if the link's subscriber no longer exists (erased: nothing to do)."""
    now = now or utcnow()
    parsed = read_token(config.settings.secret_key, "unsubscribe", token)
    key = parsed.extra
    with db.begin() as conn:
        sub = _subscriber_of(conn, parsed)
        if sub is None:
            return None
        for subscription in q.subscriptions_of(conn, sub.id):
            if subscription.newsletter_key == key and subscription.status in ("active", "pending"):
                q.set_status(conn, subscription.id, "unsubscribed", now)
                q.add_consent(conn, subscription.id, action="withdrawn", source="unsubscribe", detail=how, now=now)
    return key


def unsubscribe_language(db: Database, config: Config, token: str) -> str:
    parsed = read_token(config.settings.secret_key, "unsubscribe", token)
    with db.connect() as conn:
        sub = _subscriber_of(conn, parsed)
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


def check_preferences_token(config: Config, token: str) -> Token:
    return read_token(config.settings.secret_key, "preferences", token,
                      max_age=config.data.subscribers.preferences_link_days * 86400)


def load_preferences(db: Database, config: Config, token: str) -> Preferences:
    parsed = check_preferences_token(config, token)
    with db.connect() as conn:
        sub = _subscriber_of(conn, parsed)
        if sub is None:
            raise BadToken("this link belongs to a subscriber who no longer exists")
        subs = {s.newsletter_key: s for s in q.subscriptions_of(conn, sub.id)}
    return Preferences(sub, subs)


def save_preferences(db: Database, config: Config, token: str, form: PreferencesForm, ip: str | None,
                     now: datetime | None = None) -> Preferences:
    """Save the preferences form; raises InvalidDetail for a name or organisation we refuse."""
    now = now or utcnow()
    parsed = check_preferences_token(config, token)
    name, organisation = check_text("name", form.name), check_text("organisation", form.organisation)
    language = clean_language(form.language)
    settings = config.data.subscribers
    with db.begin() as conn:
        sub = _subscriber_of(conn, parsed)
        if sub is None:
            raise BadToken("this link belongs to a subscriber who no longer exists")
        q.update_subscriber(conn, sub.id, now, name=name, organisation=organisation, language=language)
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
