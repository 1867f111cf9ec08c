"""Pure decisions (no DB, no network), the message template's encoding, and queue rules."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from newsletter.db import Database
from newsletter.db import issues as iq
from newsletter.db import outbox as q
from newsletter.errors import (
    ConnectFailedError,
    ContentRefusedError,
    IssueStateError,
    PermanentDeliveryError,
    RecipientRefusedError,
    ServerRefusedError,
    TemporaryDeliveryError,
)
from newsletter.outbox.message import Identity, MessageTemplate, PersonalValues
from newsletter.outbox.models import QueuedIssue
from newsletter.outbox.policy import (
    RateLimiter,
    RefusalStreak,
    backoff_seconds,
    decide,
    refusal_key,
)
from newsletter.outbox.queue import queue_rows
from newsletter.outbox.run import queue_issue
from tests.outbox.conftest import add_subscribers, fill_outbox

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    delays = [backoff_seconds(n, 60, 3600, rng) for n in range(1, 10)]
    assert 30 <= delays[0] <= 60 and 60 <= delays[1] <= 120 and 120 <= delays[2] <= 240
    assert all(d <= 3600 for d in delays) and delays[-1] >= 1800
    assert len({round(backoff_seconds(3, 60, 3600, rng), 3) for _ in range(20)}) > 10


@pytest.mark.parametrize(("error", "attempts", "kind", "stop"), [
    (TemporaryDeliveryError("a@x.dk", "451"), 1, "retry", False),
    (TemporaryDeliveryError("a@x.dk", "451"), 6, "failed", False),
    (ConnectFailedError("host", "refused"), 2, "retry", False),
    (RecipientRefusedError("a@x.dk", "550"), 1, "bounced", False),
    (PermanentDeliveryError("a@x.dk", "554 content"), 1, "failed", False),
    (ServerRefusedError("host", "535 auth"), 1, "release", True),
])
def test_decide(error: Exception, attempts: int, kind: str, stop: bool) -> None:
    outcome = decide(error, attempts, 6, NOW, 60, 3600, random.Random(0))  # type: ignore[arg-type]
    assert (outcome.kind, outcome.stop_run) == (kind, stop)
    if kind == "retry":
        assert outcome.send_after is not None and outcome.send_after > NOW


def test_rate_limiter_paces_and_stops_at_the_hourly_budget() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        clock[0] += s

    limiter = RateLimiter(per_second=10, per_hour=25, already_this_hour=20, clock=lambda: clock[0], sleep=sleep)
    assert all(limiter.acquire() for _ in range(5))
    assert not limiter.acquire()
    assert clock[0] == pytest.approx(0.4)  # 5 sends at 10/s: 4 waits of 0.1 s


def test_long_values_keep_quoted_printable_lines_short() -> None:
    issue = QueuedIssue(1, "ugebrev", "Uge 48", "", "<a href=\"%%unsubscribe_url%%\">x</a>" * 3, "%%name%%\n")
    template = MessageTemplate.build(issue, Identity("DPC", "nyhedsbrev@example.dk"))
    url = "https://nyhedsbrev.example.dk/u/" + "Æ=x " * 100
    raw = template.render(PersonalValues("a@x.dk", "Åse " * 60, "<1@x>", url, "p"), NOW)
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg.get_body(("html",)).get_content().count(url) == 3
    assert msg["List-Unsubscribe"].startswith("<https://nyhedsbrev.example.dk/u/%C3%86=x%20")
    assert msg.get_body(("plain",)).get_content().strip() == ("Åse " * 60).strip()


def test_only_an_approved_issue_can_be_queued(db: Database, make_config) -> None:  # type: ignore[no-untyped-def]
    config = make_config()
    with db.begin() as conn:
        issue_id = iq.insert_issue(conn, newsletter_key="ugebrev", iso_year=2026, iso_week=48,
                                   issue_date=date(2026, 11, 26), subject="Uge 48", preheader="", intro="",
                                   window_start=NOW - timedelta(days=7), window_end=NOW)
    with pytest.raises(IssueStateError, match="only an approved issue can be queued"):
        queue_issue(db, config, issue_id)
    with db.connect() as conn:
        assert q.counts(conn) == []


def test_queueing_twice_adds_nothing(db: Database) -> None:
    people = add_subscribers(db, 5)
    fill_outbox(db, people)
    fill_outbox(db, people + add_subscribers(db, 2, domain="nye.dk"))
    with db.connect() as conn:
        assert sum(c.count for c in q.counts(conn)) == 5


def test_second_queue_reports_when_the_rows_really_go_out(db: Database) -> None:
    issue = QueuedIssue(1, "ugebrev", "Uge 48", "", "<p>x</p>", "x\n")
    first_at = NOW + timedelta(days=2)
    queue_rows(db, issue, [], first_at, NOW)
    again = queue_rows(db, issue, [], NOW + timedelta(days=5), NOW)
    assert again.already_queued and again.send_after == first_at


@pytest.mark.parametrize("text", [
    "Afmeld: %%unsubscribe_url%%\nSkift: %%preferences_url%%\nSe mere\n",
    "%%name%%\n\n%%email%%\nslut",
])
def test_line_breaks_after_placeholders_survive(text: str) -> None:
    issue = QueuedIssue(1, "ugebrev", "Uge 48", "", "<p>x</p>", text)
    template = MessageTemplate.build(issue, Identity("DPC", "nyhedsbrev@example.dk"))
    person = PersonalValues("a@x.dk", "Åse Øbro", "<1@x>", "https://x.dk/u/tok", "https://x.dk/p/pref")
    msg = message_from_bytes(template.render(person, NOW), policy=policy.default)
    expected = (text.replace("%%unsubscribe_url%%", person.unsubscribe_url)
                .replace("%%preferences_url%%", person.preferences_url)
                .replace("%%name%%", person.name).replace("%%email%%", person.email))
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize(("reply", "bounce"), [
    ("5.1.1 <a@x.dk>: Recipient address rejected: User unknown", True),
    ("5.2.1 mailbox disabled", True),
    ("5.7.1 Message rejected as spam", False),
    ("5.6.0 content rejected", False),
    ("5.2.2 mailbox full", False),
    ("Message rejected", False),  # no enhanced code: we cannot tell, so not the reader's fault
])
def test_refusal_after_data_bounces_only_when_the_server_blames_the_address(reply: str, bounce: bool) -> None:
    outcome = decide(ContentRefusedError("a@x.dk", 550, reply), 1, 6, NOW, 60, 3600, random.Random(1))
    assert outcome.kind == ("bounced" if bounce else "failed") and not outcome.stop_run


def test_refusal_streak_trips_on_the_same_refusal_for_different_recipients() -> None:
    streak = RefusalStreak(3)
    spam = refusal_key(ContentRefusedError("a", 554, "5.7.1 spam (id 1)"))
    assert spam == refusal_key(ContentRefusedError("b", 554, "5.7.1 spam (id 2) for <b>"))
    assert streak.refused(spam, 1, "a@x.dk") == []
    assert streak.refused(spam, 2, "a@x.dk") == [], "the same person twice is not two recipients"
    assert streak.refused(spam, 3, "b@x.dk") == []
    streak.delivered()
    assert streak.refused(spam, 4, "c@x.dk") == [] and streak.refused("552 5.3.4", 5, "d@x.dk") == []
    assert streak.refused(spam, 6, "e@x.dk") == [] and streak.refused(spam, 7, "f@x.dk") == []
    assert streak.refused(spam, 8, "g@x.dk") == [6, 7, 8]
    assert streak.refused(spam, 9, "h@x.dk") == [9], "in flight when it tripped: back to the queue too"
    assert streak.refused("552 5.3.4", 10, "i@x.dk") == []
    assert RefusalStreak(0).refused(spam, 1, "a@x.dk") == []
