"""Issue 8, §3: one bad subscriber never stops a send run.

Poisoned rows go straight into the subscribers table (no sign-up validation, as a row stored
by an older version or by hand would be), in the middle of the list. ``newsletter send`` runs
over a real aiosmtpd server: every other subscriber gets exactly one message, each poisoned
row is 'failed' with a reason a person can act on, and ``newsletter outbox`` shows them.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from typing import Any

import pytest

from newsletter.db import Database
from newsletter.db import outbox as q
from newsletter.db import subscribers as subs
from newsletter.db.types import utcnow
from tests.outbox.conftest import SinkHandler, SMTPServer
from tests.outbox.pipeline import approved_issue

POISON = [  # addresses that cannot be a header: the row fails with the reason
    ("ole@firma.dk\r\nBcc: spy@evil.example", "Ole"),  # would add a header
    ("søren@firma.dk", "Søren"),  # non-ASCII local part: not a header address without SMTPUTF8
    ("an na@firma.dk", "Anna"),  # a space
]
ODD_NAMES = [  # names that made message.py raise or rewrite the To: header: now plain text
    ("ole@firma.dk", "=?utf-8?q?=0A?="),  # an encoded word that decodes to a line break
    ("mette@firma.dk", "=?utf-8?b?TWV0dGUNCkJjYzogc3B5QGV2aWwuZXhhbXBsZQ==?="),  # "Mette\r\nBcc: spy@..."
    ("lars@firma.dk", "=?utf-8?b?QmNjOiBzcHlAZXZpbC5leGFtcGxl?="),  # "Bcc: spy@evil.example"
    ("nul@firma.dk", "Ni\x00els"),  # a NUL may not be in a message
]


def _odd_names(db: Database) -> list[tuple[str, str]]:
    """PostgreSQL cannot store a NUL in text at all, so there such a name never reaches a send."""
    return [(e, n) for e, n in ODD_NAMES if db.engine.dialect.name != "postgresql" or "\x00" not in n]


def _people(db: Database) -> tuple[list[str], list[str]]:
    now = utcnow()
    good, bad = [], []
    odd = iter(_odd_names(db))
    poison = iter(POISON)
    with db.begin() as conn:
        for i in range(14):
            if i % 2 == 1 and (row := next(poison, None)):
                email, name = row
                bad.append(email)
            elif i % 2 == 1 and (row := next(odd, None)):
                email, name = row
                good.append(email)
            else:
                email, name = f"person{i:02d}@modtager.dk", f"Person Æblebø {i}"
                good.append(email)
            sid = subs.insert_subscriber(conn, email=email, email_display=email, name=name,
                                         organisation="", language="da", now=now)
            subs.insert_subscription(conn, sid, "ugebrev", "active", now)
    return good, bad


def test_poisoned_rows_fail_alone_and_the_run_goes_on(db: Database, make_config: Any, http_server: Any, cli: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    config, issue_id = approved_issue(db, make_config, http_server)
    good, bad = _people(db)
    assert cli("queue", str(issue_id)).exit_code == 0
    with SMTPServer(SinkHandler()) as server:
        monkeypatch.setenv("SMTP_URL", server.url)
        result = cli("send")
        again = cli("send")  # the failed rows do not come back to the front
        delivered = server.handler.counts()
        raw = {d.rcpt: d.data for d in server.handler.deliveries}
    messages = {rcpt: message_from_bytes(data, policy=policy.default) for rcpt, data in raw.items()}

    assert result.exit_code == 0, result.output
    assert f"failed {len(bad)}" in result.output
    assert again.exit_code == 0 and "Sent 0" in again.output
    assert delivered == {email: 1 for email in good}
    with db.connect() as conn:
        statuses = q.statuses_by_email(conn, issue_id)
    assert {e: statuses[e] for e in bad} == {e: "failed" for e in bad}
    for email, name in _odd_names(db):  # the name is shown as the text it is, the address is theirs alone
        to = messages[email]["To"]
        assert [a.addr_spec for a in to.addresses] == [email]
        # RFC 2047 §6.2: the space between two encoded words is not part of the name (the
        # email package's new parser keeps it; its decode_header does not)
        head = raw[email].split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n ", " ")
        words = next(line for line in head.split("\r\n") if line.startswith("To: "))[4:].rpartition(" <")[0]
        assert str(make_header(decode_header(words))) == " ".join(name.replace("\x00", " ").split()), words
        assert "Bcc" not in messages[email] and b"\x00" not in messages[email].as_bytes()

    shown = json.loads(cli("outbox", "--json").output)
    errors = {e["email"]: e for e in shown["errors"]}
    assert set(errors) == set(bad)
    for email in bad:
        assert errors[email]["status"] == "failed"
        assert "cannot be put in a To: header" in errors[email]["error"]
    table = cli("outbox").output
    assert "failed" in table and "søren@firma.dk" in table


def test_an_unexpected_transport_error_holds_that_row_and_the_run_goes_on(db: Database) -> None:
    """A transport bug (an exception it does not classify) for one recipient: the server may
    have the message, so that row is 'unknown' with the error; the others are sent."""
    from newsletter.outbox.message import MessageTemplate
    from newsletter.outbox.store import DbOutboxStore
    from newsletter.outbox.worker import Worker, WorkerOptions
    from newsletter.transports import open_transport
    from tests.outbox.conftest import add_subscribers, fill_outbox
    from tests.outbox.test_send import IDENTITY

    people = add_subscribers(db, 6)
    fill_outbox(db, people)
    broken = people[2][1]
    with SMTPServer(SinkHandler()) as server:
        real = open_transport(server.url)

        class Buggy:  # the transport seam: a real SMTP transport, with a bug for one recipient
            def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
                if recipients == [broken]:
                    raise RuntimeError("a bug in the transport")
                return real.send(message, sender, recipients)

            def close(self) -> None:
                real.close()

        worker = Worker(DbOutboxStore(db), Buggy(), IDENTITY.from_email,
                        lambda issue: MessageTemplate.build(issue, IDENTITY, web_url=issue.web_url),
                        WorkerOptions(workers=2))
        report = worker.run()
        real.close()
        delivered = server.handler.counts()
    with db.connect() as conn:
        statuses = q.statuses_by_email(conn, 1)
        errors = {e.email: e.error for e in q.recent_errors(conn)}
    assert report.sent == 5 and report.unknown == 1 and not report.stopped
    assert statuses[broken] == "unknown" and "RuntimeError: a bug in the transport" in errors[broken]
    assert delivered == {email: 1 for _, email in people if email != broken}
