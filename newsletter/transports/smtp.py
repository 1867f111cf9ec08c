"""SMTP transport over smtplib: STARTTLS or implicit TLS, login, errors classified.

One connection, opened on first send and reused; re-opened when the server drops it.
"""

from __future__ import annotations

import smtplib
import ssl
from urllib.parse import SplitResult, parse_qs, unquote

from newsletter.errors import PermanentDeliveryError, TemporaryDeliveryError


class SMTPTransport:
    def __init__(self, url: SplitResult, timeout: float = 30.0) -> None:
        self.implicit_tls = url.scheme == "smtps"
        self.host = url.hostname or "localhost"
        self.port = url.port or (465 if self.implicit_tls else 25)
        self.username = unquote(url.username) if url.username else None
        self.password = unquote(url.password) if url.password else None
        query = parse_qs(url.query)
        self.starttls = query.get("starttls", ["auto"])[0]
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        try:
            if self.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                conn.ehlo()
                if self.starttls != "no" and conn.has_extn("starttls"):
                    conn.starttls(context=context)
                    conn.ehlo()
            if self.username:
                conn.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as e:
            raise PermanentDeliveryError(f"{self.host}:{self.port}", f"login refused ({e.smtp_code}); check SMTP_URL") from e
        except (OSError, smtplib.SMTPException) as e:
            raise TemporaryDeliveryError(f"{self.host}:{self.port}", f"cannot connect: {e}") from e
        return conn

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.sendmail(sender, recipients, message)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            error_cls = PermanentDeliveryError if code >= 500 else TemporaryDeliveryError
            raise error_cls(", ".join(recipients), f"{code} {text.decode(errors='replace')}") from e
        except smtplib.SMTPResponseException as e:
            self._drop()
            error_cls = PermanentDeliveryError if e.smtp_code >= 500 else TemporaryDeliveryError
            raise error_cls(", ".join(recipients), f"{e.smtp_code} {e.smtp_error.decode(errors='replace')}") from e
        except (OSError, smtplib.SMTPException) as e:
            self._drop()
            raise TemporaryDeliveryError(", ".join(recipients), f"connection failed: {e}") from e
        if refused:
            raise PermanentDeliveryError(", ".join(refused), "recipient refused")
        return "250 OK"

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail in any way
                pass
            self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None
