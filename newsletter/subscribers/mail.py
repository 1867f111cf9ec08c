"""Transactional mail of the subscribers stage: the double opt-in confirmation.

The message carries nothing the sign-up form let a stranger type (no name, no organisation):
the form can be filled in with anyone's address, so the mail must not become a way to send
someone else words of the stranger's choosing. Headers are built with ``email.headerregistry``
from validated parts, so no CR/LF can reach them.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from newsletter.config import Config
from newsletter.db.types import utcnow
from newsletter.transports import open_transport

SUBJECT = {
    "da": "Bekræft din tilmelding til nyhedsbrevet fra {brand}",
    "en": "Please confirm your subscription to the {brand} newsletter",
}

BODY = {
    "da": """\
Hej

Tak for din tilmelding til {newsletters}{from_brand}.

Klik på linket herunder for at bekræfte, at du vil have nyhedsbrevet:

{url}

Linket virker i {hours} timer. Har du ikke selv bedt om at blive tilmeldt,
kan du bare slette denne mail. Så hører du ikke mere fra os.

Venlig hilsen
{brand}
{footer}""",
    "en": """\
Hello

Thank you for subscribing to {newsletters}{from_brand}.

Please click the link below to confirm that you want to receive the newsletter:

{url}

The link works for {hours} hours. If you did not ask to subscribe,
simply delete this email and you will not hear from us again.

Kind regards
{brand}
{footer}""",
}


def _address(display_name: str, addr_spec: str) -> Address:
    # Address() refuses CR/LF in either part; display names are single-line config values.
    return Address(display_name=" ".join(display_name.split()), addr_spec=addr_spec)


def confirmation_message(config: Config, to_email: str, url: str, newsletter_names: list[str],
                         language: str) -> EmailMessage:
    lang = language if language in BODY else "da"
    brand = config.brand
    and_word = " og " if lang == "da" else " and "
    names = and_word.join(newsletter_names) if len(newsletter_names) < 3 else \
        ", ".join(newsletter_names[:-1]) + and_word + newsletter_names[-1]
    footer = _footer(config)
    message = _base(config, to_email, SUBJECT[lang].format(brand=brand.name))
    # "Nyt fra Danmarks Produktionscentrum fra Danmarks Produktionscentrum" says it twice (issue 8)
    named = any(brand.name.casefold() in n.casefold() for n in newsletter_names)
    from_brand = "" if named else (f" fra {brand.name}" if lang == "da" else f" from {brand.name}")
    message.set_content(BODY[lang].format(
        newsletters=names, brand=brand.name, from_brand=from_brand, url=url,
        hours=config.data.subscribers.confirm_link_hours, footer=footer), cte="quoted-printable")
    message["Content-Language"] = lang  # after set_content, which clears Content-* headers
    return message


PREFERENCES_SUBJECT = {
    "da": "Dit link til indstillingerne for nyhedsbrevet fra {brand}",
    "en": "Your link to the {brand} newsletter settings",
}

PREFERENCES_BODY = {
    "da": """\
Hej

Her er dit nye link til indstillingerne for nyhedsbrevet. Her kan du vælge
nyhedsbreve, emner og sprog eller afmelde dig:

{url}

Har du ikke selv bedt om linket, kan du bare slette denne mail.

Venlig hilsen
{brand}
{footer}""",
    "en": """\
Hello

Here is your new link to the newsletter settings. You can choose newsletters,
topics and language there, or unsubscribe:

{url}

If you did not ask for this link, simply delete this email.

Kind regards
{brand}
{footer}""",
}


def preferences_message(config: Config, to_email: str, url: str, language: str) -> EmailMessage:
    lang = language if language in PREFERENCES_BODY else "da"
    message = _base(config, to_email, PREFERENCES_SUBJECT[lang].format(brand=config.brand.name))
    message.set_content(PREFERENCES_BODY[lang].format(url=url, brand=config.brand.name, footer=_footer(config)),
                        cte="quoted-printable")
    message["Content-Language"] = lang
    return message


def _footer(config: Config) -> str:
    """The lines under the signature (the brand name): the organisation unless it is the brand,
    the postal address without the organisation repeated at its start, the CVR number."""
    brand = config.brand
    organisation = brand.organisation.strip()
    postal = brand.postal_address.strip()
    if organisation and postal.casefold().startswith(organisation.casefold()):
        postal = postal[len(organisation):].lstrip(" ,·-–")
    if organisation.casefold() == brand.name.strip().casefold():
        organisation = ""
    return "\n".join(x for x in (organisation, postal, f"CVR {brand.cvr}" if brand.cvr else "") if x)


def _base(config: Config, to_email: str, subject: str) -> EmailMessage:
    brand = config.brand
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(brand.sender_name, brand.sender_email)
    message["To"] = _address("", to_email)
    if brand.reply_to:
        message["Reply-To"] = _address("", brand.reply_to)
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=brand.sender_email.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
    return message


def send(config: Config, message: EmailMessage, to_email: str) -> str:
    """Send one transactional message through SMTP_URL; raises DeliveryError subclasses."""
    transport = open_transport(config.settings.smtp_url)
    try:
        return transport.send(message.as_bytes(), config.brand.sender_email, [to_email])
    finally:
        transport.close()
