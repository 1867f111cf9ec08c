"""The web app's background sender of transactional mail (issue 8 §6).

A sign-up page answers before any SMTP work: the unit of work decides the mail
(``signup.OutgoingMail``) and hands it here, and one thread per app sends it. So a new address
(a confirmation goes out) and a known one (nothing to send) take the same time, and a mail
server that is down or slow changes nothing in the answer. A temporary failure is tried again
after ``RETRY_AFTER`` seconds, a few times; a mail that still fails gives its resend slot back
(``signup.deliver``), so the person can ask again at once. Mail in the queue is lost if the
process stops; the person then asks for a new link, as when a mail goes astray.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
import weakref
from dataclasses import dataclass, field

from newsletter.config import Config
from newsletter.db import Database
from newsletter.errors import TemporaryDeliveryError
from newsletter.subscribers.signup import OutgoingMail, deliver, give_back

log = logging.getLogger(__name__)

RETRY_AFTER = (5.0, 30.0)  # seconds before the 2nd and 3rd try of a temporary failure
MAX_QUEUED = 1000

_senders: weakref.WeakSet[Sender] = weakref.WeakSet()


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
        self._queue: queue.Queue[OutgoingMail] = queue.Queue(MAX_QUEUED)
        self._later: list[_Due] = []
        self._order = itertools.count()
        self._busy = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        _senders.add(self)

    def submit(self, outgoing: OutgoingMail | None) -> None:
        """Queue a mail (None: nothing to send). Never blocks and never raises: when the queue
        is full the mail is dropped with a warning and its slot given back."""
        if outgoing is None:
            return
        self._ensure_thread()
        with self._idle:
            self._busy += 1
        try:
            self._queue.put_nowait(outgoing)
        except queue.Full:
            log.warning("mail queue full; dropping the %s mail to subscriber %s", outgoing.kind,
                        outgoing.subscriber_id)
            self._give_back(outgoing)
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

    # --- the thread ----------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="newsletter-mail", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            wait = max(0.0, self._later[0].at - time.monotonic()) if self._later else None
            try:
                due = _Due(0.0, next(self._order), self._queue.get(timeout=wait))
            except queue.Empty:
                due = heapq.heappop(self._later)
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
            self._busy -= 1
            if not self._busy:
                self._idle.notify_all()


def drain_all(timeout: float = 30.0) -> bool:
    """Wait for every sender in this process (tests: before looking at the SMTP sink)."""
    return all(sender.drain(timeout) for sender in list(_senders))
