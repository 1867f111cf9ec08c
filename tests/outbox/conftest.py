"""Outbox fixtures: real aiosmtpd servers on 127.0.0.1 (a recording sink and a faulty one),
and an outbox filled with our own test data (real subscriber rows, a frozen issue)."""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from newsletter.db import Database
from newsletter.db import subscribers as subs
from newsletter.db.types import utcnow
from newsletter.outbox.models import NewRow, QueuedIssue
from newsletter.outbox.queue import message_id, queue_rows
from tests.conftest import free_port

HTML = (
    "<!doctype html><html><body><h1>Nyt fra Danmarks Produktionscentrum · uge 48</h1>\n"
    + "<p>Kære %%name%%, her er ugens nyheder fra Trekantområdet: æøå ÆØÅ – "
    + "Industriens Dag i Fredericia, nye uddannelser på SDU og IBA i Kolding. " * 20
    + "</p>\n"
    + '<p><a href="%%web_url%%">Se nyhedsbrevet i din browser</a></p>\n'
    + '<p><a href="%%unsubscribe_url%%">Afmeld</a> · <a href="%%preferences_url%%">Indstillinger</a></p>\n'
    + "<p>Sendt til %%email%%</p></body></html>"
)
TEXT = (
    "Kære %%name%%\n\nUgens nyheder fra Trekantområdet, uge 48.\n"
    ".En linje der starter med punktum\n\n"
    "Afmeld: %%unsubscribe_url%%\nIndstillinger: %%preferences_url%%\n"
)


@dataclass
class Delivery:
    rcpt: str
    data: bytes


@dataclass
class SinkHandler:
    """Accepts everything and records each message per recipient."""

    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.deliveries.append(Delivery(rcpt, envelope.original_content))
        return "250 OK queued"

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(d.rcpt for d in self.deliveries)


@dataclass
class FaultyHandler(SinkHandler):
    """A flaky server, deterministic per (recipient, attempt): 421/451 at MAIL or DATA, drops
    the connection after the message but before the 250, slow answers, and 550 for the
    addresses in ``reject``."""

    seed: int = 1
    reject: frozenset[str] = frozenset()
    fault_rate: float = 0.3
    attempts: Counter[str] = field(default_factory=Counter)

    def _roll(self, rcpt: str) -> float:
        return random.Random(f"{self.seed}:{rcpt}:{self.attempts[rcpt]}").random()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.reject:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            self.attempts[rcpt] += 1
            roll = self._roll(rcpt)
        step = self.fault_rate / 4
        if roll < step:
            return "451 4.3.0 temporary local problem"
        if roll < 2 * step:
            server.transport.close()  # gone before the 250: the client must not count it as sent
            return "421 closing"
        if roll < 3 * step:
            await asyncio.sleep(0.05)
            return "421 4.7.0 too busy, closing"
        if roll < 4 * step:
            await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class PipeliningFaultyHandler(FaultyHandler):
    """The flaky server, advertising PIPELINING (RFC 2920) so the client sends MAIL, RCPT and
    DATA in one write; also answers 451 at RCPT for the addresses in ``defer``."""

    defer: frozenset[str] = frozenset()

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,  # noqa: N802
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.defer:
            with self.lock:
                self.attempts[address] += 1
            return "451 4.7.1 greylisted, try again"
        return await super().handle_RCPT(server, session, envelope, address, options)


class SMTPServer:
    def __init__(self, handler: SinkHandler, **kwargs: Any) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SMTPServer]:
    with SMTPServer(SinkHandler()) as server:
        yield server


def add_subscribers(db: Database, n: int, newsletter_key: str = "ugebrev", domain: str = "modtager.dk") -> list[tuple[int, str]]:
    """Real subscriber + active subscription rows (the subscribers area's tables)."""
    now = utcnow()
    out = []
    with db.begin() as conn:
        for i in range(n):
            email = f"person{i:05d}@{domain}"
            sid = subs.insert_subscriber(conn, email=email, email_display=email, name=f"Person Æblebø {i}",
                                         organisation="", language="da", now=now)
            subs.insert_subscription(conn, sid, newsletter_key, "active", now)
            out.append((sid, email))
    return out


def fill_outbox(db: Database, people: list[tuple[int, str]], issue_id: int = 1,
                newsletter_key: str = "ugebrev") -> QueuedIssue:
    issue = QueuedIssue(issue_id, newsletter_key, "Nyt fra Danmarks Produktionscentrum · uge 48 – æøå",
                        "Ugens nyheder", HTML, TEXT, f"https://nyhedsbrev.example.dk/arkiv/{issue_id}")
    rows = [NewRow(sid, email, f"Person Æblebø {sid}", f"https://nyhedsbrev.example.dk/u/tok{sid}?x=1&y=2",
                   f"https://nyhedsbrev.example.dk/p/pref{sid}", message_id("example.dk"))
            for sid, email in people]
    queue_rows(db, issue, rows, utcnow(), utcnow())
    return issue
