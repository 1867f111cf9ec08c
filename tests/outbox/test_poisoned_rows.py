"""Issue 8, §3: one bad subscriber never stops a send run.

Poisoned rows go straight into the subscribers table (no sign-up validation, as a row stored
by an older version or by hand would be), in the middle of the list. ``newsletter send`` runs
over a real aiosmtpd server: every other subscriber gets exactly one message, each poisoned
row is 'failed' with a reason a person can act on, and ``newsletter outbox`` shows them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from newsletter.db import Database
from newsletter.db import outbox as q
from newsletter.db import subscribers as subs
from newsletter.db.types import utcnow
from tests.outbox.conftest import SinkHandler, SMTPServer
from tests.outbox.pipeline import approved_issue

POISON = [
    ("ole@firma.dk", "=?utf-8?q?=0A?="),  # an encoded word that decodes to a line break
    ("ole@firma.dk\r\nBcc: spy@evil.example", "Ole"),  # would add a header
    ("søren@firma.dk", "Søren"),  # non-ASCII local part: not a header address without SMTPUTF8
    ("an na@firma.dk", "Anna"),  # a space
    ("mette@firma.dk", "=?utf-8?b?TWV0dGUNCkJjYzogc3B5QGV2aWwuZXhhbXBsZQ==?="),  # "Mette\r\nBcc: spy@..."
]


def _people(db: Database) -> tuple[list[str], list[str]]:
    now = utcnow()
    good, bad = [], []
    with db.begin() as conn:
        for i in range(12):
            if i % 2 == 1 and i // 2 < len(POISON):
                email, name = POISON[i // 2]
                bad.append(email)
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

    assert result.exit_code == 0, result.output
    assert f"failed {len(bad)}" in result.output
    assert again.exit_code == 0 and "Sent 0" in again.output
    assert delivered == {email: 1 for email in good}
    with db.connect() as conn:
        statuses = q.statuses_by_email(conn, issue_id)
    assert {e: statuses[e] for e in bad} == {e: "failed" for e in bad}

    shown = json.loads(cli("outbox", "--json").output)
    errors = {e["email"]: e for e in shown["errors"]}
    assert set(errors) == set(bad)
    for email in bad:
        assert errors[email]["status"] == "failed"
        assert "header" in errors[email]["error"] or "could not be built" in errors[email]["error"]
    assert "To: header" in errors["søren@firma.dk"]["error"]
    assert "could not be built" in errors["ole@firma.dk"]["error"]
    table = cli("outbox").output
    assert "failed" in table and "søren@firma.dk" in table
