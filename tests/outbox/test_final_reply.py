"""Issue 8, §5: a lost or late reply after the final "." of DATA is an unknown fate, not a retry.

A real local SMTP server (aiosmtpd on 127.0.0.1) that keeps every message it receives, then,
per recipient: drops the connection instead of answering, answers after the client's
``data_timeout``, answers slowly but within it (and after the per-command ``timeout``), or
answers at once. The client is configured with small timeouts. We count copies per recipient
at the server after two runs: duplicates must be 0; the dropped and the late ones are
'unknown' (held for a person), every other row is 'sent'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from newsletter.db import Database
from newsletter.db import outbox as q
from newsletter.outbox.message import MessageTemplate
from newsletter.outbox.store import DbOutboxStore
from newsletter.outbox.worker import Worker, WorkerOptions
from newsletter.transports import open_transport
from tests.outbox.conftest import SinkHandler, SMTPServer, add_subscribers, fill_outbox
from tests.outbox.test_send import IDENTITY

COMMAND_TIMEOUT = 0.4  # per SMTP command
DATA_TIMEOUT = 1.5  # for the reply to the final dot
SLOW_OK = 0.9  # over COMMAND_TIMEOUT, under DATA_TIMEOUT: must be waited for
TOO_LATE = 3.0  # over DATA_TIMEOUT


@dataclass
class AfterDotHandler(SinkHandler):
    """Keeps every message (it *has* it), then answers according to ``fate[rcpt]``:
    "drop" (close the connection, no reply), "late", "slow" or "ok"."""

    fate: dict[str, str] = field(default_factory=dict)
    pipelining: bool = False

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,  # noqa: N802
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        fate = self.fate.get(envelope.rcpt_tos[0], "ok")
        if fate == "drop":
            server.transport.close()
        elif fate == "late":
            await asyncio.sleep(TOO_LATE)
        elif fate == "slow":
            await asyncio.sleep(SLOW_OK)
        return reply


def _worker(db: Database, url: str, **options: Any) -> Worker:
    opts = WorkerOptions(**{"workers": 2, "batch_size": 10, "backoff_seconds": 0.01, "backoff_max_seconds": 0.05,
                            "wait": True, "seed": 5, **options})
    transport = open_transport(url, pool_size=opts.workers, timeout=COMMAND_TIMEOUT, data_timeout=DATA_TIMEOUT)
    store = DbOutboxStore(db, lease_seconds=60, sending_lease_seconds=60 + DATA_TIMEOUT)
    return Worker(store, transport, IDENTITY.from_email,
                  lambda issue: MessageTemplate.build(issue, IDENTITY, web_url=issue.web_url), opts)


def _run(db: Database, url: str, **options: Any) -> Any:
    w = _worker(db, url, **options)
    try:
        return w.run()
    finally:
        w.transport.close()


@pytest.fixture(params=[False, True], ids=["plain", "pipelining"])
def pipelining(request: pytest.FixtureRequest) -> Iterator[bool]:
    yield request.param


def test_no_reply_after_the_final_dot_is_unknown_and_never_sent_twice(db: Database, pipelining: bool) -> None:
    people = add_subscribers(db, 16)
    fates = ("drop", "ok", "late", "slow")
    fate = {email: fates[i % 4] for i, (_, email) in enumerate(people)}
    fill_outbox(db, people)
    handler = AfterDotHandler(fate=fate, pipelining=pipelining)
    with SMTPServer(handler) as server:
        first = _run(db, server.url, stop_after_unknown=0)
        second = _run(db, server.url, stop_after_unknown=0)  # nothing is retried later either
        delivered = handler.counts()
    with db.connect() as conn:
        final = q.statuses_by_email(conn, 1)

    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    assert duplicates == 0
    assert delivered == {email: 1 for _, email in people}  # the server kept every message once
    for _, email in people:
        expected = "unknown" if fate[email] in ("drop", "late") else "sent"
        assert final[email] == expected, (email, fate[email])
    assert first.unknown == 8 and first.retried == 0 and first.sent == 8
    assert second.sent == 0 and second.due_at_start == 0
    with db.connect() as conn:
        errors = {e.email: e.error for e in q.recent_errors(conn, 20, 1)}
    dropped = next(email for email, f in fate.items() if f == "drop")
    assert "no reply" in errors[dropped] and "not sent again" in errors[dropped]


def test_a_server_that_never_answers_the_dot_stops_the_run(db: Database) -> None:
    """Five unknown fates in a row: the server is broken; the rest stay pending, not unknown."""
    people = add_subscribers(db, 30)
    fill_outbox(db, people)
    handler = AfterDotHandler(fate={email: "drop" for _, email in people})
    with SMTPServer(handler) as server:
        report = _run(db, server.url, workers=1)
    with db.connect() as conn:
        final = q.statuses_by_email(conn, 1)
    assert report.stopped == "error" and "5 messages in a row have an unknown fate" in report.error
    assert report.unknown == 5 and list(final.values()).count("unknown") == 5
    assert list(final.values()).count("pending") == 25
    assert max(handler.counts().values()) == 1


def test_a_drop_before_the_final_dot_is_still_retried(db: Database) -> None:
    """The server never got the end of the message: sending it again cannot double it."""

    @dataclass
    class DropAtData(SinkHandler):
        seen: set[str] = field(default_factory=set)

        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                              options: Any) -> str:
            if address not in self.seen:
                self.seen.add(address)
                server.transport.close()
                return "421 closing"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    people = add_subscribers(db, 4)
    fill_outbox(db, people)
    handler = DropAtData()
    with SMTPServer(handler) as server:
        report = _run(db, server.url)
        delivered = handler.counts()
    assert report.retried == 4 and report.unknown == 0
    assert delivered == {email: 1 for _, email in people}
