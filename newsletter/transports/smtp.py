"""SMTP transport over smtplib: a pool of connections, reused across messages, errors classified.

``send`` may be called from several threads at once; each call borrows one connection from
the pool (at most ``pool_size`` are open) and gives it back after the transaction. A pooled
connection the server closed while idle is noticed at MAIL FROM, before anything of the
message went out, and the message is retried once on a fresh connection.

What an error means (the worker acts on the class):

    cannot connect / 4xx greeting          ConnectFailedError       retry later
    5xx greeting, login refused, 5xx MAIL  ServerRefusedError       stop the run; rows stay pending
    4xx anywhere in the transaction        TemporaryDeliveryError   retry later
    connection dropped before the final .  TemporaryDeliveryError   retry later (the server has no
                                                                    complete message)
    dropped / no reply after the final .   DeliveryUnknownError     'unknown', never retried: the
                                                                    server may have delivered it
    5xx at RCPT                            RecipientRefusedError    a hard bounce
    5xx after DATA                         ContentRefusedError      this message will not go; the worker
                                                                    decides if the address is at fault

The reply to the final "." is awaited for ``data_timeout`` seconds (default 600: RFC 5321
§4.5.3.2.6 gives the server 10 minutes), every other command for ``timeout`` (30). Until the
issue 8 fix a drop or a slow reply there was retried, and 28 of 32 recipients got two copies.
"""

from __future__ import annotations

import queue
import re
import smtplib
import ssl
import threading
from urllib.parse import SplitResult, parse_qs, unquote

from newsletter.errors import (
    ConnectFailedError,
    ContentRefusedError,
    DeliveryUnknownError,
    PermanentDeliveryError,
    RecipientRefusedError,
    ServerRefusedError,
    TemporaryDeliveryError,
)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)


# smtplib's mail()/rcpt() re-parse each address with email.utils (~50 µs a message) and its
# data() runs two regexes over the whole body (~150 µs for 38 KiB); our addresses are already
# validated and our messages come CRLF-terminated (the Transport contract), so the same
# commands are sent here directly and the body is dot-stuffed with one bytes.replace.
_SAFE_ADDRESS = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")  # printable ASCII without space, <, >
_BARE_EOL = re.compile(rb"\r\n|\n|\r")


def _command(conn: smtplib.SMTP, line: bytes) -> tuple[int, bytes]:
    conn.send(line + b"\r\n")
    return conn.getreply()


def _accepted(code: int, reply: bytes, who: str) -> str:
    """The reply after the message data: the answer to record, or the error it means."""
    if code >= 500:
        raise ContentRefusedError(who, code, _text(reply))
    if code >= 400:
        raise TemporaryDeliveryError(who, f"message deferred: {code} {_text(reply)}")
    return f"{code} {_text(reply)}"


def _dot_stuffed(message: bytes) -> bytes:
    """The DATA payload: CRLF line ends, a dot doubled at the start of a line (RFC 5321
    §4.5.2), and the terminating <CRLF>.<CRLF>."""
    if message.count(b"\r") != message.count(b"\n"):  # Transport's contract is CRLF; repair plain LF
        message = _BARE_EOL.sub(b"\r\n", message)
    stuffed = message.replace(b"\r\n.", b"\r\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


class _Stale(Exception):
    """The pooled connection was closed by the server before this transaction sent anything."""


class SMTPTransport:
    def __init__(self, url: SplitResult, timeout: float = 30.0, pool_size: int | None = None,
                 data_timeout: float = 600.0) -> None:
        self.implicit_tls = url.scheme == "smtps"
        self.host = url.hostname or "localhost"
        self.port = url.port or (465 if self.implicit_tls else 25)
        self.username = unquote(url.username) if url.username else None
        self.password = unquote(url.password) if url.password else None
        query = parse_qs(url.query)
        self.starttls = query.get("starttls", ["auto"])[0]
        self.timeout = float(query.get("timeout", [timeout])[0])
        self.data_timeout = float(query.get("data_timeout", [data_timeout])[0])
        self.pool_size = max(1, pool_size or int(query.get("pool", ["1"])[0]))
        self._idle: queue.LifoQueue[smtplib.SMTP] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.pool_size)
        self._lock = threading.Lock()
        self._open: set[smtplib.SMTP] = set()
        self.connections_opened = 0
        self.pipelined = 0  # transactions sent with PIPELINING (not locked: a statistic)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        try:
            if self.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            conn.ehlo()
            if not self.implicit_tls and self.starttls != "no" and conn.has_extn("starttls"):
                conn.starttls(context=context)
                conn.ehlo()
            if self.username:
                conn.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as e:
            raise ServerRefusedError(self.server, f"login refused: {e.smtp_code} {_text(e.smtp_error)} (check the user and password in SMTP_URL)") from e
        except smtplib.SMTPConnectError as e:
            if e.smtp_code >= 500:
                raise ServerRefusedError(self.server, f"the server refuses connections: {e.smtp_code} {_text(e.smtp_error)}") from e
            raise ConnectFailedError(self.server, f"the server is busy: {e.smtp_code} {_text(e.smtp_error)}") from e
        except smtplib.SMTPResponseException as e:
            if e.smtp_code >= 500:
                raise ServerRefusedError(self.server, f"the server refused the session: {e.smtp_code} {_text(e.smtp_error)} (check SMTP_URL)") from e
            raise ConnectFailedError(self.server, f"{e.smtp_code} {_text(e.smtp_error)}") from e
        except (OSError, smtplib.SMTPException) as e:
            raise ConnectFailedError(self.server, f"cannot connect: {e} (is the SMTP server at SMTP_URL running?)") from e
        with self._lock:
            self._open.add(conn)
            self.connections_opened += 1
        return conn

    def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        with self._slots:
            try:
                conn = self._idle.get_nowait()
                reused = True
            except queue.Empty:
                conn = self._connect()
                reused = False
            try:
                try:
                    reply = self._transaction(conn, message, sender, recipients)
                except _Stale:
                    if not reused:
                        raise
                    self._drop(conn)
                    conn = self._connect()
                    reply = self._transaction(conn, message, sender, recipients)
            except _Stale:
                self._drop(conn)
                raise TemporaryDeliveryError(", ".join(recipients), "the server closed the connection at once") from None
            except (TemporaryDeliveryError, ServerRefusedError, DeliveryUnknownError):  # ConnectFailedError included
                self._drop(conn)
                raise
            except PermanentDeliveryError:
                self._idle.put(conn)
                raise
            self._idle.put(conn)
            return reply

    def _transaction(self, conn: smtplib.SMTP, message: bytes, sender: str, recipients: list[str]) -> str:
        who = ", ".join(recipients)
        for address in (sender, *recipients):
            if not _SAFE_ADDRESS.fullmatch(address):
                raise PermanentDeliveryError(who, f"{address!r} cannot be sent over SMTP (spaces, <>, control or "
                                                  "non-ASCII characters); correct the address")
        mail = b"MAIL FROM:<%s>" % sender.encode("ascii")
        if len(recipients) == 1 and conn.does_esmtp and conn.has_extn("pipelining"):
            self.pipelined += 1
            return self._pipelined(conn, message, mail, sender, recipients[0])
        try:
            code, reply = _command(conn, mail)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as e:
            raise _Stale() from e
        except (OSError, smtplib.SMTPException) as e:
            raise TemporaryDeliveryError(who, f"connection failed: {e}") from e
        self._check_mail(code, reply, sender, who)
        try:
            refused = {}
            for rcpt in recipients:
                code, reply = _command(conn, b"RCPT TO:<%s>" % rcpt.encode("ascii"))
                if code not in (250, 251):
                    refused[rcpt] = (code, _text(reply))
            if len(refused) == len(recipients):
                conn.rset()
                code, reply = next(iter(refused.values()))
                if code >= 500:
                    raise RecipientRefusedError(who, f"{code} {reply}")
                raise TemporaryDeliveryError(who, f"RCPT TO: {code} {reply}")
            code, reply = _command(conn, b"DATA")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            conn.send(_dot_stuffed(message))
        except smtplib.SMTPDataError as e:  # the DATA command itself was refused
            if e.smtp_code >= 500:
                raise PermanentDeliveryError(who, f"DATA: {e.smtp_code} {_text(e.smtp_error)}") from e
            raise TemporaryDeliveryError(who, f"DATA: {e.smtp_code} {_text(e.smtp_error)}") from e
        except (OSError, smtplib.SMTPException) as e:
            raise TemporaryDeliveryError(who, f"connection lost during the message: {e}") from e
        code, reply = self._final_reply(conn, who)
        answer = _accepted(code, reply, who)
        if refused:
            answer += "; refused: " + ", ".join(f"{r} ({c} {t})" for r, (c, t) in refused.items())
        return answer

    def _pipelined(self, conn: smtplib.SMTP, message: bytes, mail: bytes, sender: str, rcpt: str) -> str:
        """MAIL, RCPT and DATA in one write (RFC 2920), then their three replies: two round
        trips fewer per message. The errors mean what they mean in ``_transaction``."""
        try:
            conn.send(b"%s\r\nRCPT TO:<%s>\r\nDATA\r\n" % (mail, rcpt.encode("ascii")))
            mail_code, mail_reply = conn.getreply()
        except (smtplib.SMTPServerDisconnected, ConnectionError) as e:
            raise _Stale() from e  # nothing of the message went out
        except (OSError, smtplib.SMTPException) as e:
            raise TemporaryDeliveryError(rcpt, f"connection failed: {e}") from e
        self._check_mail(mail_code, mail_reply, sender, rcpt)
        try:
            rcpt_code, rcpt_reply = conn.getreply()
            data_code, data_reply = conn.getreply()
            if rcpt_code not in (250, 251):
                if data_code == 354:  # a server that takes DATA with no recipient: end it empty
                    conn.send(b".\r\n")
                    conn.getreply()
                conn.rset()
                if rcpt_code >= 500:
                    raise RecipientRefusedError(rcpt, f"{rcpt_code} {_text(rcpt_reply)}")
                raise TemporaryDeliveryError(rcpt, f"RCPT TO: {rcpt_code} {_text(rcpt_reply)}")
            if data_code != 354:
                conn.rset()
                if data_code >= 500:
                    raise PermanentDeliveryError(rcpt, f"DATA: {data_code} {_text(data_reply)}")
                raise TemporaryDeliveryError(rcpt, f"DATA: {data_code} {_text(data_reply)}")
            conn.send(_dot_stuffed(message))
        except (OSError, smtplib.SMTPException) as e:
            raise TemporaryDeliveryError(rcpt, f"connection lost during the message: {e}") from e
        code, reply = self._final_reply(conn, rcpt)
        return _accepted(code, reply, rcpt)

    def _final_reply(self, conn: smtplib.SMTP, who: str) -> tuple[int, bytes]:
        """The reply to the final "." of DATA, waited for ``data_timeout``. The server has the
        whole message now: a drop or no reply in time means it may or may not deliver it, so this
        is never a retry (a retry is how readers got two copies)."""
        if conn.sock is not None:
            conn.sock.settimeout(self.data_timeout)
        try:
            return conn.getreply()
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryUnknownError(who, f"no reply from {self.server} after the whole message was sent "
                                            f"(waited up to {self.data_timeout:g} s: {e}); the server may have "
                                            "delivered it, so it is not sent again (see `newsletter outbox`)") from e
        finally:
            if conn.sock is not None:
                conn.sock.settimeout(self.timeout)

    def _check_mail(self, code: int, reply: bytes, sender: str, who: str) -> None:
        """The reply to MAIL FROM: a 5xx refuses the sender for every message, so it stops the run."""
        if code >= 500:
            raise ServerRefusedError(self.server, f"the sender {sender} was refused: {code} {_text(reply)} "
                                                  "(check brand.sender_email)")
        if code >= 400:
            raise TemporaryDeliveryError(who, f"MAIL FROM: {code} {_text(reply)}")

    def _drop(self, conn: smtplib.SMTP) -> None:
        with self._lock:
            self._open.discard(conn)
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail in any way
            pass

    def close(self) -> None:
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                break
            with self._lock:
                self._open.discard(conn)
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
        with self._lock:
            leftover, self._open = self._open, set()
        for conn in leftover:
            conn.close()
