"""Email addresses: validate and normalise (the identity), keep the address as typed (display)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from newsletter.errors import InvalidAddress

MAX_LENGTH = 254  # RFC 5321 path limit minus the angle brackets


@dataclass(frozen=True)
class Address:
    email: str  # lower case, punycode domain: what we compare, store as identity and send to
    display: str  # as the person typed it (trimmed)


def normalise(raw: str) -> Address:
    """Validate ``raw`` and return its normalised form; raise InvalidAddress saying why."""
    typed = (raw or "").strip()
    if not typed:
        raise InvalidAddress(typed, "the address is empty", "empty")
    if len(typed) > MAX_LENGTH:
        raise InvalidAddress(typed[:40] + "...", f"the address is longer than {MAX_LENGTH} characters", "too_long")
    if any(ch in typed for ch in "\r\n\t\0") or any(ord(ch) < 32 for ch in typed):
        raise InvalidAddress(typed, "the address contains a line break or control character", "syntax")
    try:
        # No SMTPUTF8: our transports speak plain SMTP, so the part before @ must be ASCII.
        # IDN domains (æøå.dk) are fine: they become punycode.
        valid = validate_email(typed, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as e:
        code = "unicode_local" if "before the @-sign" in str(e) and "international" in str(e).lower() else "syntax"
        raise InvalidAddress(typed, str(e), code) from e
    email = f"{valid.local_part}@{valid.ascii_domain}".lower()
    if len(email) > MAX_LENGTH:
        raise InvalidAddress(typed[:40] + "...", f"the address is longer than {MAX_LENGTH} characters", "too_long")
    return Address(email=email, display=typed)


def address_hash(email: str) -> str:
    """The suppression-list key of a normalised address."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()
