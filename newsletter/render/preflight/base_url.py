"""BASE_URL must be the public https address before real mail goes out (issue 8).

Every email carries links built from BASE_URL: the web version, the one-click unsubscribe link
(also the List-Unsubscribe header, RFC 8058) and the preferences link. With BASE_URL unset
(the default is http://127.0.0.1:8000), on a private address or on plain http, each of them
is broken or insecure for every subscriber, and the unsubscribe links are frozen into the
outbox when the issue is queued. So ``queue`` and ``send`` refuse to start over SMTP; the file
transport (tests, the demo) is never stopped, and ``render`` shows the problem as a warning.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from newsletter.config import Config
from newsletter.errors import ConfigError
from newsletter.render.preflight import Finding
from newsletter.render.preflight.texts import part, text

DEFAULT = "http://127.0.0.1:8000"  # what config.load_settings uses when BASE_URL is not set
REAL_MAIL = ("smtp", "smtps")
PRIVATE_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".lan", ".home.arpa", ".test",
                    ".invalid", ".example")


def diagnose(base_url: str) -> dict[str, Any] | None:
    """What is wrong with ``base_url`` as the address subscribers' links point at, as a text
    (``texts.part``) of its own; None if nothing."""
    if not base_url or base_url == DEFAULT:
        return part("base_url.unset", default=DEFAULT)
    try:
        parts = urlsplit(base_url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return part("base_url.not_url", url=base_url)
    if parts.scheme != "https":
        return part("base_url.plain", url=base_url, scheme=parts.scheme or "text")
    if not host:
        return part("base_url.no_host", url=base_url)
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host == "localhost" or "." not in host or host.endswith(PRIVATE_SUFFIXES):
            return part("base_url.private_host", url=base_url, host=host)
        return None
    if not address.is_global:
        return part(_kind(address), url=base_url)
    return None


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "base_url.loopback"
    if address.is_link_local:
        return "base_url.link_local"
    if address.is_unspecified:
        return "base_url.unspecified"
    return "base_url.private"


def problem(base_url: str) -> str:
    """``diagnose`` in English ("" if nothing is wrong)."""
    found = diagnose(base_url)
    return text(found["code"], found["params"], "en") if found else ""


def advice(base_url: str) -> str:
    found = diagnose(base_url)
    return text("base_url.public", {"problem": found}, "en") if found else ""


def is_real_mail(smtp_url: str) -> bool:
    return urlsplit(smtp_url).scheme in REAL_MAIL


def require_public(config: Config, action: str = "send") -> None:
    """Raise ``ConfigError`` when real mail (an smtp:// SMTP_URL) would go out with a BASE_URL
    that subscribers cannot reach; the file transport is never stopped."""
    settings = config.settings
    if is_real_mail(settings.smtp_url) and problem(settings.base_url):
        raise ConfigError("environment", "BASE_URL", f"refusing to {action} real mail: {advice(settings.base_url)}")


def check(config: Config) -> list[Finding]:
    """The same rule as a preflight warning, so the team sees it at render time; the hard stop
    is ``require_public`` at queue and send (a render on a laptop is fine)."""
    found = diagnose(config.settings.base_url)
    return [Finding("base_url", "warning", "base_url.public", {"problem": found})] if found else []
