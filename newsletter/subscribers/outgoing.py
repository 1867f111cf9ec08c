"""The web app's background worker for sign-ups and their mail (issue 8 §6).

A sign-up page checks the form, hands the work here and answers: the same steps for every
address. One thread per app then records the sign-up (``signup.subscribe``, a unit of work
that decides the mail, ``signup.OutgoingMail``) and sends the mail. So a new address (rows
written, a confirmation sent) and a known one (nothing to do) take the same time to answer,
a mail server that is down or slow changes nothing in the answer, and two clicks on one form
are two turns of one thread, not a race. A temporary failure is tried again
after ``RETRY_AFTER`` seconds, a few times; a mail that still fails gives its resend slot back
(``signup.deliver``), so the person can ask again at once. Work in the queue is lost if the
process stops; the person then signs up or asks for a new link again, as when a mail goes
astray.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from newsletter.config import Config
from newsletter.db import Database
from newsletter.errors import TemporaryDeliveryError
from newsletter.subscribers.signup import OutgoingMail, deliver, give_back

log = logging.getLogger(__name__)

RETRY_AFTER = (5.0, 30.0)  # seconds before the 2nd and 3rd try of a temporary failure
MAX_QUEUED = 1000

_senders: weakref.WeakSet[Sender] = weakref.WeakSet()

# A unit of work run in the background; what it returns (if anything) is sent.
Job = Callable[[], OutgoingMail | None]


@dataclass(order=True)
class _Due:
    at: float
    order: int
    outgoing: OutgoingMail = field(compare=False)
    attempt: int = field(compare=False, default=0)


class Sender:
    def __init__(self, db: Database, config: Config, retry_after: tuple[float, ...] = RETRY_AFTER) -> None:
        self.db = db
        self.config = config
        self.retry_after = retry_after
        self._queue: queue.Queue[OutgoingMail | Job] = queue.Queue(MAX_QUEUED)
        self._later: list[_Due] = []
        self._order = itertools.count()
        self._busy = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._stopped = False
        _senders.add(self)

    def expect(self) -> None:
        """Announce one ``submit(..., expected=True)`` still to come (the web app submits after
        the answer is sent, and ``drain`` must not return in between)."""
        with self._idle:
            self._busy += 1

    def submit(self, work: OutgoingMail | Job | None, expected: bool = False) -> None:
        """Queue a mail, or a job that may return one (None: nothing to do). Never blocks and
        never raises: when the queue is full the work is dropped with a warning."""
        if work is None or self._stopped:
            if expected:
                self._done()
            return
        self._ensure_thread()
        if not expected:
            with self._idle:
                self._busy += 1
        try:
            self._queue.put_nowait(work)
        except queue.Full:
            log.warning("background queue full (%d); dropping %r", MAX_QUEUED, work)
            if isinstance(work, OutgoingMail):
                self._give_back(work)
            self._done()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued mail was sent or gave up (retries included). For tests and
        shutdown; returns False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self) -> None:
        """Stop the thread after the work in hand; queued work and retries are dropped."""
        self._stopped = True
        with self._idle:
            self._busy = 0
            self._idle.notify_all()
        try:
            self._queue.put_nowait(lambda: None)  # wake the thread so it sees the flag
        except queue.Full:
            pass

    # --- the thread ----------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="newsletter-mail", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stopped:
            wait = max(0.0, self._later[0].at - time.monotonic()) if self._later else None
            try:
                work = self._queue.get(timeout=wait)
            except queue.Empty:
                due = heapq.heappop(self._later)
            else:
                if self._stopped:
                    return
                try:
                    outgoing = work if isinstance(work, OutgoingMail) else work()
                except Exception:  # noqa: BLE001 - the thread must outlive any one job
                    log.exception("background sign-up work failed")
                    outgoing = None
                if outgoing is None:
                    self._done()
                    continue
                due = _Due(0.0, next(self._order), outgoing)
            try:
                self._send(due)
            except Exception:  # noqa: BLE001 - the thread must outlive any one mail
                log.exception("sending the %s mail to subscriber %s failed", due.outgoing.kind,
                              due.outgoing.subscriber_id)
                self._done()

    def _send(self, due: _Due) -> None:
        final = due.attempt >= len(self.retry_after)
        error = deliver(self.db, self.config, due.outgoing, final=final)
        if isinstance(error, TemporaryDeliveryError) and not final:
            log.info("%s mail to subscriber %s: %s; trying again in %.0f s", due.outgoing.kind,
                     due.outgoing.subscriber_id, error, self.retry_after[due.attempt])
            heapq.heappush(self._later, _Due(time.monotonic() + self.retry_after[due.attempt],
                                             next(self._order), due.outgoing, due.attempt + 1))
            return
        self._done()

    def _give_back(self, outgoing: OutgoingMail) -> None:
        try:
            give_back(self.db, outgoing)
        except Exception:  # noqa: BLE001 - logged; the slot frees itself after resend_after_minutes
            log.exception("could not free the resend slot of subscriber %s", outgoing.subscriber_id)

    def _done(self) -> None:
        with self._idle:
            self._busy = max(0, self._busy - 1)
            if not self._busy:
                self._idle.notify_all()


def drain_all(timeout: float = 30.0) -> bool:
    """Wait for every sender in this process (tests: before looking at the SMTP sink)."""
    return all(sender.drain(timeout) for sender in list(_senders))


def stop_all() -> None:
    """Stop every sender in this process (tests, between apps)."""
    for sender in list(_senders):
        sender.stop()
        _senders.discard(sender)
