"""Mail transports, chosen by the scheme of ``SMTP_URL``.

    smtp://user:pass@host:587   SMTP with STARTTLS when offered (``?starttls=no`` to skip,
                                ``?pool=4`` connections used side by side, ``?timeout=30``
                                per command, ``?data_timeout=600`` for the reply after DATA)
    smtps://user:pass@host:465  SMTP over TLS
    file:///path/to/folder      one .eml file per message (the embedded default, tests, demo)

Every transport implements ``Transport`` and is safe to call from several threads at once
(the outbox worker does; ``pool_size`` says how many connections it may use). Errors come
out classified: see ``newsletter.transports.smtp`` for what each class means.
To add a transport, write a module with a class taking the
parsed URL and register its scheme in ``SCHEMES``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol
from urllib.parse import SplitResult, urlsplit

from newsletter.errors import ConfigError


class Transport(Protocol):
    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        """Deliver one serialised message (CRLF line ends); return the server's answer.

        Raises TemporaryDeliveryError (retry later), PermanentDeliveryError (do not retry) or
        DeliveryUnknownError (the whole message went out and no reply came: do not retry).
        """
        ...

    def close(self) -> None: ...


SCHEMES = {
    "smtp": "newsletter.transports.smtp:SMTPTransport",
    "smtps": "newsletter.transports.smtp:SMTPTransport",
    "file": "newsletter.transports.file:FileTransport",
}


def open_transport(url: str, *, pool_size: int | None = None, timeout: float | None = None,
                   data_timeout: float | None = None) -> Transport:
    parts: SplitResult = urlsplit(url)
    target = SCHEMES.get(parts.scheme)
    if target is None:
        raise ConfigError("SMTP_URL", "", f"unsupported scheme {parts.scheme!r}; use one of {', '.join(SCHEMES)}")
    module_name, class_name = target.split(":")
    cls = getattr(import_module(module_name), class_name)
    options: dict[str, float | int] = {}
    if pool_size is not None:
        options["pool_size"] = pool_size
    if timeout is not None:
        options["timeout"] = timeout
    if data_timeout is not None:
        options["data_timeout"] = data_timeout
    return cls(parts, **options)  # type: ignore[no-any-return]
