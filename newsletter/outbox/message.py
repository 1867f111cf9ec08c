"""The issue's email, built once; each recipient's bytes are the template with values filled in.

``MessageTemplate.build`` makes one ``EmailMessage`` (multipart/alternative, text + HTML, both
quoted-printable, serialised with ``policy.SMTP`` so every line ends in CRLF) and cuts the
serialised bytes at the per-recipient placeholders. ``render`` then joins pre-encoded chunks
with the encoded values and prepends the per-recipient headers; the MIME tree is never built
again, which is what makes sending fast (building + serialising costs ~3.6 ms per message,
filling ~0.1 ms; see README, "Queue and send").

Quoted-printable lines may be at most 76 characters (RFC 2045 §6.7). Each placeholder is
therefore put on an encoded line of its own (soft line breaks around it), so a value of any
length can be encoded and wrapped on its own without touching the chunks around it.
"""

from __future__ import annotations

import binascii
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from urllib.parse import quote

from newsletter.errors import ConfigError, UnsendableError
from newsletter.outbox.models import QueuedIssue
from newsletter.render.placeholders import pattern

_TEXT_MARK = "XNEWSLETTERTEXTBODYX"
_HTML_MARK = "XNEWSLETTERHTMLBODYX"
_SOFT = b"=\r\n"
# RFC 8058: the one-click POST must be covered by the DKIM signature, with List-Unsubscribe.
DKIM_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"list-id", b"list-unsubscribe",
                b"list-unsubscribe-post", b"mime-version", b"content-type", b"feedback-id", b"reply-to")


@dataclass(frozen=True)
class DkimKey:
    selector: str
    domain: str
    private_key: bytes

    @classmethod
    def load(cls, selector: str, domain: str, key_path: str) -> DkimKey:
        if not (selector and domain):
            raise ConfigError("feeds.yaml", "send.dkim_selector", "DKIM_KEY_PATH is set: set send.dkim_selector and send.dkim_domain too")
        try:
            key = Path(key_path).read_bytes()
        except OSError as e:
            raise ConfigError("DKIM_KEY_PATH", "", f"cannot read the DKIM private key {key_path!r}: {e.strerror}") from e
        if b"PRIVATE KEY" not in key:
            raise ConfigError("DKIM_KEY_PATH", "", f"{key_path!r} is not a PEM private key")
        return cls(selector, domain, key)


@dataclass(frozen=True)
class Identity:
    """Who sends, and the list headers (from ``brand`` and ``send`` in feeds.yaml)."""

    from_name: str
    from_email: str
    reply_to: str = ""
    list_id: str = ""  # e.g. "Nyt fra DPC <ugebrev.nyhedsbrev.example.dk>"
    feedback_id: str = ""  # Gmail's Feedback-ID: "issue:newsletter:sender"; {issue} and {newsletter} filled
    unsubscribe_mailto: str = ""
    dkim: DkimKey | None = None


@dataclass(frozen=True)
class PersonalValues:
    """What differs per recipient."""

    email: str
    name: str
    message_id: str
    unsubscribe_url: str
    preferences_url: str


def _qp(data: str) -> bytes:
    """Quoted-printable with CRLF line ends (binascii is C; ~0.4 ms for 60 KB)."""
    encoded = binascii.b2a_qp(data.encode("utf-8"), quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _close_line(encoded: bytes) -> bytes:
    """End ``encoded`` with a soft line break, keeping the last line within 76 characters."""
    if not encoded or encoded.endswith(b"\r\n"):
        return encoded
    # ``sep`` not ``head``: a chunk that starts with a line break ("\nSkift ...") has an empty
    # head, and dropping the break would glue the next line onto the value before it.
    head, sep, last = encoded.rpartition(b"\r\n")
    prefix = head + sep
    if len(last) <= 75:
        return prefix + last + _SOFT
    cut = 72
    while b"=" in last[cut - 2:cut]:  # never split an =XX escape
        cut -= 1
    return prefix + last[:cut] + _SOFT + last[cut:] + _SOFT


def _body_pieces(body: str, token: str) -> list[bytes | str]:
    """Encoded literal chunks (bytes) and placeholder names (str), in order. Only the
    placeholders of the render's ``token`` are cut out; any other ``%%...%%`` is content."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    parts = pattern(token).split(body)
    pieces: list[bytes | str] = []
    for index, part in enumerate(parts):
        if index % 2:
            pieces.append(part)
        elif part:
            encoded = _qp(part)
            pieces.append(_close_line(encoded) if index < len(parts) - 1 else encoded)
    return pieces


# Quoted-printable leaves these as they are (printable ASCII but "=", spaces only inside), so a
# short value made of them (most addresses and URLs without a query) is its own encoding.
_QP_VERBATIM = re.compile(r"[!-<>-~](?:[ !-<>-~]*[!-<>-~])?")


def _value(text: str) -> bytes:
    if not text:
        return b""
    if len(text) <= 75 and text != "." and _QP_VERBATIM.fullmatch(text):
        return text.encode("ascii") + _SOFT
    return _close_line(_qp(text))


def _one_line(value: str) -> str:
    return " ".join(value.split())


class MessageTemplate:
    """One issue's message, ready to be filled per recipient. Build once per issue and run."""

    def __init__(self, head: bytes, middle: bytes, tail: bytes, text: list[bytes | str],
                 html_: list[bytes | str], identity: Identity, web_url: str,
                 list_unsubscribe_mailto: str) -> None:
        self._head = head
        self._middle = middle
        self._tail = tail
        self._text = text
        self._html = html_
        self.identity = identity
        self.web_url = web_url
        self._mailto = list_unsubscribe_mailto
        self._web_text = _value(web_url)
        self._web_html = _value(html.escape(web_url, quote=True))
        self._last_date: tuple[datetime | None, str] = (None, "")
        self._signer: Callable[[bytes], bytes] | None = _dkim_signer(identity.dkim) if identity.dkim else None

    @classmethod
    def build(cls, issue: QueuedIssue, identity: Identity, web_url: str = "",
              subject_prefix: str = "") -> MessageTemplate:
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = Address(identity.from_name, addr_spec=identity.from_email)
        if identity.reply_to:
            msg["Reply-To"] = identity.reply_to
        msg["Subject"] = _one_line(subject_prefix + issue.subject)
        if identity.list_id:
            msg["List-Id"] = identity.list_id
        # RFC 8058 one-click: the https URL in List-Unsubscribe takes a POST with this body.
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if identity.feedback_id:
            msg["Feedback-ID"] = identity.feedback_id.format(issue=issue.issue_id, newsletter=issue.newsletter_key)
        msg.set_content(_TEXT_MARK, cte="quoted-printable")
        msg.add_alternative(_HTML_MARK, subtype="html", cte="quoted-printable")
        serialised = msg.as_bytes(policy=policy.SMTP)
        head, rest = serialised.split(_TEXT_MARK.encode() + b"\r\n", 1)
        middle, tail = rest.split(_HTML_MARK.encode() + b"\r\n", 1)
        mailto = ""
        if identity.unsubscribe_mailto:
            subject = quote(f"afmeld {issue.newsletter_key}")
            mailto = f"mailto:{identity.unsubscribe_mailto}?subject={subject}"
        token = issue.placeholder_token
        return cls(head, middle, tail, _body_pieces(issue.text, token), _body_pieces(issue.html, token),
                   identity, web_url, mailto)

    def render(self, person: PersonalValues, now: datetime) -> bytes:
        """The full message for one recipient: CRLF line ends, lines under 998 bytes.

        Raises ``UnsendableError`` when this recipient's values cannot go into a message (an
        address that cannot be a header, a name the email package refuses): the worker fails
        that one row and goes on (issue 8, §3)."""
        if not _HEADER_ADDRESS.fullmatch(person.email):
            raise UnsendableError(person.email[:320] or "(empty)",
                                  f"the address {person.email[:120]!r} cannot be put in a To: header (spaces, "
                                  "line breaks, <>, quotes or non-ASCII characters); correct or remove it")
        try:
            return self._render(person, now)
        except UnsendableError:
            raise
        except (ValueError, TypeError, UnicodeError, IndexError) as e:
            raise UnsendableError(person.email, f"the message could not be built for this recipient "
                                                f"(name {person.name[:80]!r}): {type(e).__name__}: {e}") from e

    def _render(self, person: PersonalValues, now: datetime) -> bytes:
        text_values = {
            "unsubscribe_url": person.unsubscribe_url,
            "preferences_url": person.preferences_url,
            "name": _one_line(person.name),
            "email": person.email,
        }
        out = [self._headers(person, now), self._head]
        out += _fill(self._text, self._encoded(text_values, escape=False))
        out.append(self._middle)
        out += _fill(self._html, self._encoded(text_values, escape=True))
        out.append(self._tail)
        message = b"".join(out)
        if self._signer is not None:
            message = self._signer(message) + message
        return message

    def _encoded(self, values: dict[str, str], escape: bool) -> dict[str, bytes]:
        """Each placeholder's encoded value; web_url is the same for everyone, encoded once."""
        encoded = {name: _value(html.escape(raw, quote=True) if escape else raw) for name, raw in values.items()}
        encoded["web_url"] = self._web_html if escape else self._web_text
        return encoded

    def _headers(self, person: PersonalValues, now: datetime) -> bytes:
        # A header is ASCII: percent-encode anything else a URL might carry (RFC 3986).
        unsubscribe = f"<{quote(_one_line(person.unsubscribe_url), safe=_URL_SAFE)}>"
        if self._mailto:
            unsubscribe += f",\r\n <{self._mailto}>"
        return (f"To: {_address(person.name, person.email)}\r\n"
                f"Date: {self._date(now)}\r\n"
                f"Message-ID: {person.message_id}\r\n"
                f"List-Unsubscribe: {unsubscribe}\r\n").encode("ascii")

    def _date(self, now: datetime) -> str:
        """RFC 5322 date, formatted once per second (one tuple swap: safe across threads)."""
        second = now.replace(microsecond=0)
        cached = self._last_date
        if cached[0] != second:
            cached = self._last_date = (second, format_datetime(second))
        return cached[1]


def _fill(pieces: list[bytes | str], encoded: Mapping[str, bytes]) -> list[bytes]:
    return [piece if isinstance(piece, bytes) else encoded.get(piece, b"") for piece in pieces]


_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
# What may stand as the address in To: (and after MAIL FROM/RCPT TO): printable ASCII, an
# atom-ish local part and a host name. No space, CR/LF, "<>", quotes, "," or ";": any of those
# would let the value end the header or add a recipient (header injection).
_HEADER_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_ASCII_ATOM = re.compile(r"^[A-Za-z0-9 .'_-]*$")


def _address(name: str, email: str) -> str:
    name = _one_line(name)[:120]
    if not name:
        return email
    if _ASCII_ATOM.match(name):
        return formataddr((name, email))
    # Non-ASCII names (æøå) need RFC 2047 encoded words; let the email package fold them.
    header = policy.SMTP.header_factory("To", str(Address(name, addr_spec=email)))
    return header.fold(policy=policy.SMTP).removeprefix("To: ").rstrip("\r\n")


def _dkim_signer(key: DkimKey) -> Callable[[bytes], bytes]:
    import dkim

    def sign(message: bytes) -> bytes:
        return dkim.sign(message, key.selector.encode(), key.domain.encode(), key.private_key,
                         include_headers=list(DKIM_HEADERS), linesep=b"\r\n",
                         canonicalize=(b"relaxed", b"relaxed"))

    return sign


def identity_from_config(config: object, dkim_key_path: str = "") -> Identity:
    """Build the sender identity from a loaded ``Config`` (brand + send) and DKIM_KEY_PATH."""
    brand = config.brand  # type: ignore[attr-defined]
    send = config.data.send  # type: ignore[attr-defined]
    domain = brand.sender_email.rpartition("@")[2]
    dkim_key = DkimKey.load(send.dkim_selector, send.dkim_domain or domain, dkim_key_path) if dkim_key_path else None
    return Identity(
        from_name=brand.sender_name,
        from_email=brand.sender_email,
        reply_to=brand.reply_to,
        list_id=send.list_id,
        feedback_id=send.feedback_id or "{issue}:{newsletter}:dpc",
        unsubscribe_mailto=send.unsubscribe_mailto,
        dkim=dkim_key,
    )


def list_id_for(identity: Identity, newsletter_key: str, newsletter_name: str) -> str:
    """RFC 2919 List-Id: the configured one, or '"Name" <key.sender-domain>'."""
    if identity.list_id:
        return identity.list_id
    domain = identity.from_email.rpartition("@")[2] or "localhost"
    return f"{newsletter_name} <{newsletter_key}.{domain}>"
