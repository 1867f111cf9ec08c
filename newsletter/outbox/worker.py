"""The send worker: drains due outbox rows over several connections at a steady pace.

It sees two interfaces only: an ``OutboxStore`` (claim, record, release) and a ``Transport``
(send, close). The rule that keeps a message from going out twice:

    1. commit 'sending' for the row (guarded: only from 'leased', only by our lease)
    2. hand the message to the server
    3. commit 'sent' (in the same transaction as the next row's 'sending')

A crash before 1 leaves the row 'leased': it returns to the queue when the lease expires. A
crash between 1 and 3 leaves it 'sending': its fate is unknown and ``recover`` marks it
'unknown' for a person to decide (README ("Never twice, never lost") says why we do not resend those). Each
connection has at most one row in that window, so a crash leaves at most ``workers`` of them.

The same holds without a crash (issue 8): a dropped connection or a missing reply after the
final "." of DATA is 'unknown', not a retry (``DeliveryUnknownError``); an error while building
one recipient's message fails that row, with the reason, and the run goes on.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from newsletter.db.types import utcnow
from newsletter.errors import (
    ContentRefusedError,
    DeliveryError,
    DeliveryUnknownError,
    NewsletterError,
    UnsendableError,
)
from newsletter.outbox.message import MessageTemplate, PersonalValues
from newsletter.outbox.models import BOUNCED, FAILED, UNKNOWN, Change, OutboxItem, QueuedIssue
from newsletter.outbox.policy import (
    RateLimiter,
    RefusalStreak,
    decide,
    is_connect_failure,
    refusal_key,
)
from newsletter.outbox.store import OutboxStore
from newsletter.transports import Transport


@dataclass(frozen=True)
class WorkerOptions:
    workers: int = 4
    batch_size: int = 100
    max_attempts: int = 6
    backoff_seconds: float = 60.0
    backoff_max_seconds: float = 3600.0
    rate_per_second: float = 0.0
    rate_per_hour: int = 0
    wait: bool = False  # keep running until no row is pending (waits for retries that are due later)
    max_connect_failures: int = 5  # in a row: the server is down, stop instead of burning attempts
    stop_after_content_refusals: int = 5  # the same 5xx after DATA for this many recipients in a row; 0 = never
    # this many messages in a row without a final reply (or with an unexpected error): the
    # server or the transport is broken; stop, so the rest stay pending instead of 'unknown'
    stop_after_unknown: int = 5
    seed: int | None = None


@dataclass
class SendReport:
    started_at: datetime = field(default_factory=utcnow)
    due_at_start: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    bounced: int = 0
    unknown: int = 0  # the final reply after DATA never came (or an unexpected error): held for a person
    lost_leases: int = 0
    unknown_found: int = 0
    released: int = 0
    stopped: str = ""  # "", "signal", "hourly limit", "error"
    error: str = ""
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.bounced + self.unknown


class Worker:
    def __init__(self, store: OutboxStore, transport: Transport, sender: str,
                 template_for: Callable[[QueuedIssue], MessageTemplate],
                 options: WorkerOptions = WorkerOptions(), stop: threading.Event | None = None,
                 on_progress: Callable[[SendReport], None] | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.transport = transport
        self.sender = sender
        self.template_for = template_for
        self.options = options
        self.stop = stop or threading.Event()
        self.on_progress = on_progress
        self.clock = clock
        self.report = SendReport()
        self._items: queue.Queue[OutboxItem] = queue.Queue()
        self._claiming_over = threading.Event()
        self._lock = threading.Lock()
        self._busy = 0
        self._connect_failures = 0
        self._unknown_streak = 0
        self._templates: dict[int, MessageTemplate] = {}
        self._rng = random.Random(options.seed)
        self._rate = RateLimiter(options.rate_per_second)
        self._refusals = RefusalStreak(options.stop_after_content_refusals)
        self._crash: BaseException | None = None

    # --- the run ------------------------------------------------------------------------

    def run(self) -> SendReport:
        started = time.monotonic()
        self.report.unknown_found = self.store.recover()
        if self.options.rate_per_hour:
            shared = getattr(self.store, "shared_budget", None)  # issue 11: one budget for every process
            self._rate = RateLimiter(self.options.rate_per_second, self.options.rate_per_hour,
                                     self.store.sent_last_hour(),
                                     shared=shared(self.options.rate_per_hour) if shared else None)
        self.report.due_at_start = self.store.due()
        threads = [threading.Thread(target=self._sender, name=f"send-{n}", daemon=True)
                   for n in range(self.options.workers)]
        for thread in threads:
            thread.start()
        try:
            self._feed()
        finally:
            self._claiming_over.set()
            for thread in threads:
                thread.join()
            self.report.released += self.store.release()
            self._rate.close()
            self.store.close()
            if self.stop.is_set() and not self.report.stopped:
                self.report.stopped = "signal"
            self.report.seconds = time.monotonic() - started
            self._progress()
        if self._crash is not None:
            raise self._crash
        return self.report

    def _feed(self) -> None:
        last_progress = 0.0
        while not self.stop.is_set():
            if time.monotonic() - last_progress > 0.2:
                self._progress()
                last_progress = time.monotonic()
            if self._items.qsize() >= self.options.workers:
                self.stop.wait(0.01)
                continue
            batch = self.store.claim(self.options.batch_size)
            for item in batch:
                self._items.put(item)
            if batch:
                continue
            with self._lock:
                idle = self._busy == 0 and self._items.empty()
            if not idle:
                self.stop.wait(0.02)
                continue
            if not self.options.wait:
                return
            next_due = self.store.next_due()
            if next_due is None:
                return
            self.stop.wait(min(1.0, max(0.01, (next_due - self.clock()).total_seconds())))

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(replace(self.report))

    def _halt(self, reason: str, error: str = "") -> None:
        with self._lock:
            if not self.report.stopped:
                self.report.stopped = reason
                self.report.error = error
        self.stop.set()

    # --- one connection's loop ------------------------------------------------------------

    def _sender(self) -> None:
        done: list[Change] = []
        try:
            while not self.stop.is_set():
                try:
                    item = self._items.get(timeout=0.05)
                except queue.Empty:
                    done = self._flush(done)
                    if self._claiming_over.is_set():
                        return
                    continue
                with self._lock:
                    self._busy += 1
                try:
                    done = self._one(item, done)
                finally:
                    with self._lock:
                        self._busy -= 1
        except BaseException as e:  # noqa: BLE001 - re-raised by run() after the leases are released
            self._crash = e
            self._halt("error", f"{type(e).__name__}: {e}")
        finally:
            self._flush(done)

    def _flush(self, done: list[Change]) -> list[Change]:
        if done:
            self.store.record(done)
        return []

    def _one(self, item: OutboxItem, done: list[Change]) -> list[Change]:
        if self.stop.is_set():
            return done  # still 'leased': released at the end of the run
        if not self._rate.acquire():
            self._halt("hourly limit")
            return done
        # 'sending' is committed together with the previous row's 'sent' (one commit per message).
        lost = self.store.record([*done, Change("sending", item.id)])
        if item.id in lost:
            with self._lock:
                self.report.lost_leases += 1
            return []
        try:
            template = self._template(item.issue_id)
        except BaseException:
            # The issue itself cannot be built (every row of it would fail): hand the row back.
            self.store.record([Change("release", item.id, error="the run stopped with an error")])
            raise
        try:
            message = template.render(_personal(item), self.clock())
        except UnsendableError as e:
            self._failed(item, e)
            return []
        except Exception as e:  # noqa: BLE001 - one recipient's message; nothing went to the server
            self._failed(item, UnsendableError(item.email, f"the message could not be built: {type(e).__name__}: {e}"))
            return []
        try:
            reply = self.transport.send(message, self.sender, [item.email])
        except DeliveryError as e:
            self._failed(item, e)
            return []
        except Exception as e:  # noqa: BLE001 - not classified by the transport: the server may have it
            self._failed(item, DeliveryUnknownError(item.email, f"unexpected error while sending, the server may or "
                                                                f"may not have the message: {type(e).__name__}: {e}"))
            return []
        # KeyboardInterrupt and the like, mid-transaction, pass through: the row stays 'sending'
        # and a later run marks it 'unknown' (recover), as after a kill.
        with self._lock:
            self.report.sent += 1
            self._connect_failures = 0
            self._unknown_streak = 0
            self._refusals.delivered()
        sent = [Change("sent", item.id, response=reply)]
        if self._items.empty() or self._rate.wait_ahead() > 0.05:
            return self._flush(sent)
        return sent

    def _failed(self, item: OutboxItem, error: DeliveryError) -> None:
        outcome = decide(error, item.attempts + 1, self.options.max_attempts, self.clock(),
                         self.options.backoff_seconds, self.options.backoff_max_seconds, self._rng)
        self.store.record([Change(outcome.kind, item.id, error=str(error), send_after=outcome.send_after)])
        with self._lock:
            if outcome.kind == "retry":
                self.report.retried += 1
            elif outcome.kind == FAILED:
                self.report.failed += 1
            elif outcome.kind == BOUNCED:
                self.report.bounced += 1
            elif outcome.kind == UNKNOWN:
                self.report.unknown += 1
            if outcome.kind == UNKNOWN:
                self._unknown_streak += 1
            limit = self.options.stop_after_unknown
            no_reply = bool(limit) and outcome.kind == UNKNOWN and self._unknown_streak >= limit
            if is_connect_failure(error):
                self._connect_failures += 1
                too_many = self._connect_failures >= self.options.max_connect_failures
            else:
                too_many = False
        if isinstance(error, ContentRefusedError) and outcome.kind == FAILED:
            self._content_refused(item, error)
        if outcome.stop_run:
            self._halt("error", str(error))
        elif no_reply:
            self._halt("error", f"{error} ({self.options.stop_after_unknown} messages in a row have an unknown fate; "
                                "they are held as 'unknown' (see `newsletter outbox`), the rest stay queued)")
        elif too_many:
            self._halt("error", f"{error} ({self.options.max_connect_failures} connection attempts in a row failed; "
                                "the rows stay queued)")

    def _content_refused(self, item: OutboxItem, error: ContentRefusedError) -> None:
        """The same refusal for N recipients in a row means the server refuses the issue, not
        the people: stop, and put those rows back in the queue instead of failing them all."""
        key = refusal_key(error)
        with self._lock:
            was_tripped = self._refusals.tripped
            back = self._refusals.refused(key, item.id, item.email)
        if not back:
            return
        if not was_tripped:  # this refusal tripped it: stop the other connections first
            self._halt("error", f"the server refused the message itself ({key}) for {len(back)} different "
                                f"recipients in a row, last: {error.reply[:200]!r}. This is about the issue's "
                                "content or our sending reputation, not the addresses; the rows stay queued. Check "
                                "the content (links, spam score) or ask the mail provider")
        self.store.record([Change("requeue", row_id, error=str(error)) for row_id in back])
        with self._lock:
            self.report.failed -= len(back)
            self.report.released += len(back)

    def _template(self, issue_id: int) -> MessageTemplate:
        with self._lock:
            template = self._templates.get(issue_id)
        if template is None:
            template = self.template_for(self.store.issue(issue_id))
            with self._lock:
                self._templates[issue_id] = template
        return template


def _personal(item: OutboxItem) -> PersonalValues:
    return PersonalValues(email=item.email, name=item.name, message_id=item.message_id,
                          unsubscribe_url=item.unsubscribe_url, preferences_url=item.preferences_url)


__all__ = ["NewsletterError", "SendReport", "Worker", "WorkerOptions"]
