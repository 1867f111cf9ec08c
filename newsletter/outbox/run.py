"""Wiring of the outbox for the CLI, the demo and the scheduler: one call per command.

    queue_issue(db, config, issue_id, at=None)       approved issue -> outbox rows
    send_due(db, config, ...)                        drain due rows (the ``send`` command)
    test_send(config, db, issue_id, to)              the real message, "[TEST]", to reviewers
    outbox_status(db)                                counts per issue and status, last errors

The demo (``newsletter demo``) calls ``queue_issue`` then ``send_due`` with the file transport.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from newsletter import review
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import outbox as q
from newsletter.db.types import utcnow
from newsletter.errors import ApprovalBlocked, ConfigError, IssueStateError
from newsletter.models import Issue
from newsletter.outbox.message import (
    Identity,
    MessageTemplate,
    PersonalValues,
    identity_from_config,
    list_id_for,
)
from newsletter.outbox.models import NewRow, QueuedIssue, RecentError, StatusCount
from newsletter.outbox.queue import QueueReport, message_id, queue_rows
from newsletter.outbox.store import DbOutboxStore
from newsletter.outbox.worker import SendReport, Worker, WorkerOptions
from newsletter.render.preflight.base_url import require_public
from newsletter.transports import Transport, open_transport

QUEUEABLE = ("approved", "queued")


def identity_for(config: Config) -> Identity:
    return identity_from_config(config, os.environ.get("DKIM_KEY_PATH", ""))


def _domain(config: Config) -> str:
    return config.data.send.message_id_domain or config.brand.sender_email.rpartition("@")[2] or "localhost"


def queue_issue(db: Database, config: Config, issue_id: int, at: datetime | None = None,
                now: datetime | None = None, by: str = "queue") -> QueueReport:
    """Queue an approved issue for every active subscriber whose sections match.

    Queued already: with ``at`` its pending rows move to that time (reschedule), without it
    nothing changes. Refused when the render that would go out has preflight errors that the
    approval did not override with a reason (issue 8 §8), so neither the CLI, the workspace nor
    the scheduler sends an issue that failed its checks."""
    from newsletter.subscribers import personal_links, recipients

    issue, placed = review.get(db, issue_id)
    if issue.status not in QUEUEABLE:
        raise IssueStateError(f"issue {issue_id} is {issue.status}; only an approved issue can be queued "
                              f"(newsletter approve {issue_id} --by NAME)")
    # The rows keep unsubscribe links built from BASE_URL: refuse real mail with one that
    # subscribers cannot reach, whoever queues (CLI, workspace, scheduler).
    require_public(config, "queue")
    now = now or utcnow()
    if issue.status == "queued":
        if at is None:
            with db.connect() as conn:
                first = q.issue_send_after(conn, issue_id) or now
            return QueueReport(issue_id, 0, True, first)
        report = queue_rows(db, _queued_copy(db, issue_id), (), at, now, move=True)
        review.note(db, issue_id, by, "reschedule", {"at": at.isoformat()})
        return report
    frozen = _frozen(db, config, issue)
    _check_gate(db, issue_id)
    sections = sorted({p.section for p in placed if p.included}) or None
    domain = _domain(config)
    settings = config.settings

    def rows() -> Iterator[NewRow]:
        for r in recipients(db, issue.newsletter_key, sections):
            links = personal_links(settings, r.subscriber_id, issue.newsletter_key, r.link_key)
            yield NewRow(r.subscriber_id, r.email, r.name, links.unsubscribe_url, links.preferences_url,
                         message_id(domain))

    with db.connect() as conn:
        resume = q.get_issue(conn, issue_id) is not None  # cancelled after some rows went out
    report = queue_rows(db, frozen, rows(), at or now, now, resume=resume)
    review.mark_queued(db, issue_id, by)
    review.note(db, issue_id, by, "schedule", {"at": (at or now).isoformat(), "recipients": report.added})
    return report


def _queued_copy(db: Database, issue_id: int) -> QueuedIssue:
    with db.connect() as conn:
        frozen = q.get_issue(conn, issue_id)
    if frozen is None:
        raise IssueStateError(f"issue {issue_id} is marked queued but has no outbox copy; "
                              f"run newsletter unqueue {issue_id} and queue it again")
    return frozen


def _check_gate(db: Database, issue_id: int) -> None:
    from newsletter.db import issues as iq

    with db.connect() as conn:
        render = iq.latest_render(conn, issue_id)
    errors = [f["message"] for f in (render or {}).get("preflight", []) if f.get("level") == "error"]
    overridden, _ = review.approval_override(db, issue_id)
    if errors and not overridden:
        raise ApprovalBlocked(f"issue {issue_id} has {len(errors)} preflight error(s) that its approval did "
                              f"not override (first: {errors[0]}); fix them, render, and approve again")


@dataclass(frozen=True)
class UnqueueReport:
    issue_id: int
    withdrawn: int  # rows that will not go out
    in_flight: int  # rows a worker holds right now: they still go out
    already_sent: int


def unqueue(db: Database, issue_id: int, by: str = "unqueue") -> UnqueueReport:
    """Cancel a queued (or scheduled) issue: rows not yet sent are withdrawn and the issue is
    approved again, ready to be queued at another time (``newsletter unqueue N``)."""
    issue, _ = review.get(db, issue_id)
    if issue.status != "queued":
        raise IssueStateError(f"issue {issue_id} is {issue.status}; only a queued issue can be cancelled")
    with db.begin() as conn:
        withdrawn = q.withdraw_pending(conn, issue_id)
        busy = q.in_flight(conn, issue_id)
        sent = sum(c.count for c in q.counts(conn, issue_id) if c.status == "sent")
        q.drop_frozen(conn, issue_id)
    review.mark_unqueued(db, issue_id, by)
    review.note(db, issue_id, by, "unqueue", {"withdrawn": withdrawn, "in_flight": busy, "sent": sent})
    return UnqueueReport(issue_id, withdrawn, busy, sent)


def _frozen(db: Database, config: Config, issue: Issue) -> QueuedIssue:
    """The issue as it goes out (and is frozen in the outbox when queued)."""
    from newsletter.render import rendered_for_send
    from newsletter.render.context import web_url

    rendered = rendered_for_send(db, config, issue.id)
    return QueuedIssue(issue.id, issue.newsletter_key, rendered.subject, rendered.preheader,
                       rendered.html, rendered.text, web_url(config, issue), rendered.placeholder_token)


def template_factory(config: Config, identity: Identity | None = None) -> Callable[[QueuedIssue], MessageTemplate]:
    identity = identity or identity_for(config)

    def build(issue: QueuedIssue) -> MessageTemplate:
        name = _newsletter_name(config, issue.newsletter_key)
        return MessageTemplate.build(issue, replace(identity, list_id=list_id_for(identity, issue.newsletter_key, name)),
                                     web_url=issue.web_url)

    return build


def _newsletter_name(config: Config, key: str) -> str:
    try:
        return config.newsletter(key).name
    except ConfigError:
        return key


@dataclass(frozen=True)
class SendOptions:
    workers: int | None = None
    rate_per_second: float | None = None
    wait: bool = False


def worker_options(config: Config, options: SendOptions) -> WorkerOptions:
    send = config.data.send
    rate = send.rate_per_second if options.rate_per_second is None else options.rate_per_second
    workers = options.workers or send.workers
    batch = send.batch_size
    if rate > 0:
        # Never lease more than can be sent in half a lease at this pace.
        batch = max(1, min(batch, int(rate * send.lease_seconds / 2)))
    return WorkerOptions(workers=workers, batch_size=batch, max_attempts=send.max_attempts,
                         backoff_seconds=send.backoff_seconds, backoff_max_seconds=send.backoff_max_seconds,
                         rate_per_second=rate, rate_per_hour=send.rate_per_hour, wait=options.wait,
                         stop_after_content_refusals=send.stop_after_content_refusals)


def send_due(db: Database, config: Config, options: SendOptions = SendOptions(),
             stop: threading.Event | None = None, on_progress: Callable[[SendReport], None] | None = None,
             transport: Transport | None = None) -> SendReport:
    """Drain due rows over ``SMTP_URL`` (the file transport by default). Refused over SMTP
    while BASE_URL is not the public https address (issue 8 §8)."""
    if transport is None:
        require_public(config, "send")
    wopts = worker_options(config, options)
    identity = identity_for(config)
    own_transport = transport is None
    send = config.data.send
    transport = transport or open_transport(config.settings.smtp_url, pool_size=wopts.workers,
                                            timeout=send.smtp_timeout, data_timeout=send.smtp_data_timeout)
    # A 'sending' row is held for as long as its final reply may take, so another process's
    # recover() never calls a live transaction 'unknown' (its 250 could then not be recorded).
    store = DbOutboxStore(db, lease_seconds=send.lease_seconds, bounce_threshold=send.bounce_threshold,
                          sending_lease_seconds=send.lease_seconds + send.smtp_data_timeout)
    try:
        worker = Worker(store, transport, identity.from_email, template_factory(config, identity), wopts,
                        stop=stop, on_progress=on_progress)
        report = worker.run()
    finally:
        if own_transport:
            transport.close()
    _mark_finished_issues(db)
    return report


def _mark_finished_issues(db: Database) -> None:
    """An issue whose every row has reached a final state is 'sent' (compose's window moves on)."""
    with db.connect() as conn:
        counts = q.counts(conn)
    open_issues = {c.issue_id for c in counts if c.status in ("pending", "leased", "sending", "unknown")}
    for issue_id in sorted({c.issue_id for c in counts} - open_issues):
        try:
            issue, _ = review.get(db, issue_id)
        except Exception:  # noqa: BLE001 - an outbox row for an issue that is gone: nothing to mark
            continue
        if issue.status == "queued":
            review.mark_sent(db, issue_id)


def test_send(db: Database, config: Config, issue_id: int, to: list[str],
              transport: Transport | None = None) -> list[str]:
    """Send the real message, subject marked [TEST], to reviewers; any status. Returns replies."""
    from newsletter.render import example_values

    issue, _ = review.get(db, issue_id)
    frozen = _frozen(db, config, issue)
    identity = identity_for(config)
    identity = replace(identity, list_id=list_id_for(identity, issue.newsletter_key,
                                                     _newsletter_name(config, issue.newsletter_key)))
    template = MessageTemplate.build(frozen, identity, web_url=frozen.web_url, subject_prefix="[TEST] ")
    examples = example_values(config)
    own = transport is None
    transport = transport or open_transport(config.settings.smtp_url, timeout=config.data.send.smtp_timeout,
                                            data_timeout=config.data.send.smtp_data_timeout)
    replies = []
    try:
        for address in to:
            person = PersonalValues(address, "", message_id(_domain(config)),
                                    examples["unsubscribe_url"], examples["preferences_url"])
            replies.append(transport.send(template.render(person, utcnow()), identity.from_email, [address]))
    finally:
        if own:
            transport.close()
    return replies


@dataclass(frozen=True)
class OutboxStatus:
    counts: list[StatusCount]
    errors: list[RecentError]


def next_due_at(db: Database) -> datetime | None:
    """When the earliest pending row is due (None: nothing is queued)."""
    with db.connect() as conn:
        return q.next_due(conn)


def outbox_status(db: Database, issue_id: int | None = None, errors: int = 10) -> OutboxStatus:
    with db.connect() as conn:
        return OutboxStatus(q.counts(conn, issue_id), q.recent_errors(conn, errors, issue_id))


@dataclass(frozen=True)
class IssueProgress:
    """How far one issue's sending has come (the workspace's sending page, issue 9 §5)."""

    issue_id: int
    counts: dict[str, int]  # every status of STATUSES, 0 when none
    errors: list[RecentError]
    next_due: datetime | None  # when the next waiting row (a retry, or a scheduled start) is due

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def waiting(self) -> int:
        return sum(self.counts[s] for s in ("pending", "leased", "sending"))

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.waiting == 0


def issue_progress(db: Database, issue_id: int, errors: int = 10) -> IssueProgress:
    from newsletter.outbox.models import STATUSES

    with db.connect() as conn:
        counts = {s: 0 for s in STATUSES}
        for c in q.counts(conn, issue_id):
            counts[c.status] = c.count
        return IssueProgress(issue_id, counts, q.recent_errors(conn, errors, issue_id),
                             q.next_due_by_issue(conn).get(issue_id))


def requeue(db: Database, issue_id: int, status: str) -> int:
    with db.begin() as conn:
        return q.requeue(conn, issue_id, status, utcnow())


def resolve_unknown(db: Database, issue_id: int) -> int:
    with db.begin() as conn:
        return q.resolve_unknown(conn, issue_id, utcnow())


__all__ = ["Issue", "OutboxStatus", "QueueReport", "SendOptions", "SendReport", "outbox_status", "queue_issue",
           "requeue", "resolve_unknown", "send_due", "template_factory", "test_send", "unqueue", "UnqueueReport"]
