"""BASE_URL must be the public https address before real mail goes out (issue 8).

Every email carries links built from BASE_URL: the web version, the one-click unsubscribe link
(also the List-Unsubscribe header, RFC 8058) and the preferences link. With BASE_URL unset
(the default is http://127.0.0.1:8000), on a private address or on plain http, each of them
is broken or insecure for every subscriber, and the unsubscribe links are frozen into the
outbox when the issue is queued. So ``queue`` and ``send`` refuse to start over SMTP; the file
transport (tests, the demo) and ``render`` only get a warning.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from newsletter.config import Config
from newsletter.errors import ConfigError
from newsletter.render.preflight import Finding

DEFAULT = "http://127.0.0.1:8000"  # what config.load_settings uses when BASE_URL is not set
REAL_MAIL = ("smtp", "smtps")
PRIVATE_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".lan", ".home.arpa", ".test",
                    ".invalid", ".example")


def problem(base_url: str) -> str:
    """What is wrong with ``base_url`` as the address subscribers' links point at ("" if nothing)."""
    if not base_url or base_url == DEFAULT:
        return f"BASE_URL is not set (the default {DEFAULT} only works on this machine)"
    try:
        parts = urlsplit(base_url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return f"BASE_URL {base_url!r} is not a URL"
    if parts.scheme != "https":
        return f"BASE_URL {base_url} is plain {parts.scheme or 'text'}, not https"
    if not host:
        return f"BASE_URL {base_url!r} has no host name"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host == "localhost" or "." not in host or host.endswith(PRIVATE_SUFFIXES):
            return f"BASE_URL {base_url} names a host ({host}) that is not on the internet"
        return ""
    if not address.is_global:
        return f"BASE_URL {base_url} points at a {_kind(address)} address, not a public one"
    return ""


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    return "private or reserved"


def advice(base_url: str) -> str:
    return (f"{problem(base_url)}. Every email links the web version, the unsubscribe and the preferences "
            "page from it. Set BASE_URL in the environment (or .env) to the public https address the web "
            "app (`newsletter serve`) is reached at, e.g. BASE_URL=https://nyhedsbrev.trekantomraadet.dk")


def is_real_mail(smtp_url: str) -> bool:
    return urlsplit(smtp_url).scheme in REAL_MAIL


def require_public(config: Config, action: str = "send") -> None:
    """Raise ``ConfigError`` when real mail (an smtp:// SMTP_URL) would go out with a BASE_URL
    that subscribers cannot reach; the file transport is never stopped."""
    settings = config.settings
    if is_real_mail(settings.smtp_url) and problem(settings.base_url):
        raise ConfigError("environment", "BASE_URL", f"refusing to {action} real mail: {advice(settings.base_url)}")


def check(config: Config) -> list[Finding]:
    """The same rule as a preflight finding: an error when SMTP_URL is real mail, else a warning."""
    found = problem(config.settings.base_url)
    if not found:
        return []
    level = "error" if is_real_mail(config.settings.smtp_url) else "warning"
    return [Finding("base_url", level, advice(config.settings.base_url))]
