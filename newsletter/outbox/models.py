"""Frozen dataclasses of the outbox: what the store hands the worker and what it records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Row states. pending -> leased (claimed, not yet handed to SMTP) -> sending (committed just
# before the SMTP transaction) -> sent. A 'sending' row whose lease expired belonged to a
# process that died between "sending" and "sent": the server may or may not have the message,
# so it becomes 'unknown' and is held for a person (see README ("Never twice, never lost")).
PENDING = "pending"
LEASED = "leased"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"  # temporary errors until max_attempts
BOUNCED = "bounced"  # 5xx for this recipient
SKIPPED = "skipped"  # unsubscribed before the row was sent
UNKNOWN = "unknown"  # fate unknown after a crash: not resent automatically
STATUSES = (PENDING, LEASED, SENDING, SENT, FAILED, BOUNCED, SKIPPED, UNKNOWN)
FINAL = (SENT, FAILED, BOUNCED, SKIPPED)


@dataclass(frozen=True)
class QueuedIssue:
    """The approved issue as frozen in the outbox at queue time."""

    issue_id: int
    newsletter_key: str
    subject: str
    preheader: str
    html: str
    text: str
    web_url: str = ""
    # which placeholders are the template's (issue 8): only "%%name.<token>%%" is filled;
    # "" for an issue queued before the token, whose bare "%%name%%" are filled as before
    placeholder_token: str = ""


@dataclass(frozen=True)
class OutboxItem:
    """One claimed row: everything needed to build and send its message."""

    id: int
    issue_id: int
    subscriber_id: int
    newsletter_key: str
    email: str
    name: str
    unsubscribe_url: str
    preferences_url: str
    message_id: str
    attempts: int


@dataclass(frozen=True)
class NewRow:
    """A row to queue."""

    subscriber_id: int
    email: str
    name: str
    unsubscribe_url: str
    preferences_url: str
    message_id: str


@dataclass(frozen=True)
class Change:
    """One state change of one row, recorded by ``OutboxStore.record`` (many per transaction).

    kind: sending (guarded: only from 'leased' by the same owner), sent, retry, failed,
    bounced, unknown (the final reply after DATA never came), release, requeue (a 'failed' row back to pending: the server refused the issue).
    """

    kind: str
    row_id: int
    error: str = ""
    response: str = ""
    send_after: datetime | None = None


@dataclass(frozen=True)
class StatusCount:
    issue_id: int
    status: str
    count: int


@dataclass(frozen=True)
class RecentError:
    row_id: int
    issue_id: int
    email: str
    status: str
    attempts: int
    error: str
    updated_at: datetime


@dataclass(frozen=True)
class DeliveryRecord:
    """What the outbox holds about one person for one issue (GDPR art. 15 export)."""

    issue_id: int
    newsletter_key: str
    subject: str
    email: str
    status: str
    queued_at: datetime
    sent_at: datetime | None
    message_id: str
    attempts: int
    last_error: str | None
