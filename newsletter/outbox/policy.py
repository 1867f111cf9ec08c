"""Pure decisions of the send worker: what an error means for a row, how long to wait before
a retry, and the pace. No database, no network; tested on their own."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from newsletter.errors import (
    ConnectFailedError,
    ContentRefusedError,
    DeliveryError,
    DeliveryUnknownError,
    PermanentDeliveryError,
    RecipientRefusedError,
    ServerRefusedError,
)
from newsletter.outbox.models import BOUNCED, FAILED, UNKNOWN


@dataclass(frozen=True)
class Outcome:
    """What to do with a row after a failed attempt."""

    kind: str  # "retry", FAILED, BOUNCED, UNKNOWN, "release" (hand back untried and stop the run)
    send_after: datetime | None = None
    stop_run: bool = False


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, then a random 50-100 %
    of it, so rows that failed together do not all come back in the same second."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * (0.5 + 0.5 * rng.random())


def decide(error: DeliveryError, attempts: int, max_attempts: int, now: datetime,
           base: float, cap: float, rng: random.Random) -> Outcome:
    """``attempts`` counts the attempt that just failed."""
    if isinstance(error, ServerRefusedError):
        return Outcome("release", stop_run=True)
    if isinstance(error, DeliveryUnknownError):
        # Never a retry: the server had the whole message and may have delivered it (issue 8, §5).
        return Outcome(UNKNOWN)
    if isinstance(error, RecipientRefusedError):
        return Outcome(BOUNCED)
    if isinstance(error, ContentRefusedError):
        return Outcome(BOUNCED if blames_address(error.reply) else FAILED)
    if isinstance(error, PermanentDeliveryError):
        return Outcome(FAILED)
    if attempts >= max_attempts:
        return Outcome(FAILED)
    delay = backoff_seconds(attempts, base, cap, rng)
    return Outcome("retry", send_after=now + timedelta(seconds=delay))


_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


def enhanced_status(reply: str) -> str:
    """The RFC 3463 enhanced status code at the start of a reply ("5.7.1"), or ""."""
    found = _ENHANCED.match(reply)
    return ".".join(found.groups()) if found else ""


def blames_address(reply: str) -> bool:
    """Does a 5xx after DATA say the *address* is bad? Only when the server says so with an
    enhanced status code: 5.1.x (no such mailbox, bad address: servers that check recipients
    only after DATA) or 5.2.1 (mailbox disabled). Anything else (5.7.x policy/spam, 5.6.x
    content, 5.3.4 too big, 5.2.2 mailbox full, or no enhanced code at all) is about the
    message or a passing state of the mailbox, and must not unsubscribe a reader."""
    code = enhanced_status(reply)
    return code.startswith("5.1.") or code == "5.2.1"


def refusal_key(error: ContentRefusedError) -> str:
    """What makes two content refusals 'the same': the reply code and enhanced status, not the
    free text (which often carries a queue id or the recipient)."""
    return f"{error.code} {enhanced_status(error.reply)}".strip()


class RefusalStreak:
    """Counts the same content refusal for different recipients in a row. A server that
    refuses the issue itself (spam filter, 554 content rejected) would otherwise fail every
    row one by one; after ``limit`` in a row the run stops and the rows go back to the queue.
    Any delivery, or a different refusal, starts the count again. 0 = never stop."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.key = ""
        self.rows: dict[int, str] = {}  # row id -> recipient
        self.tripped = False

    def delivered(self) -> None:
        if not self.tripped:
            self.key, self.rows = "", {}

    def refused(self, key: str, row_id: int, recipient: str) -> list[int]:
        """Note a content refusal; returns the rows to hand back (empty until the streak trips;
        after that, every further refusal of the same kind)."""
        if not self.limit:
            return []
        if self.tripped:
            return [row_id] if key == self.key else []
        if key != self.key:
            self.key, self.rows = key, {}
        if recipient not in self.rows.values():
            self.rows[row_id] = recipient
        if len(self.rows) < self.limit:
            return []
        self.tripped = True
        return list(self.rows)


def is_connect_failure(error: DeliveryError) -> bool:
    return isinstance(error, ConnectFailedError)


class SharedBudget(Protocol):
    """The hourly budget every send process shares (the database's ``send_counts``, issue 11)."""

    def reserve(self, wanted: int) -> int: ...

    def give_back(self, unused: int) -> None: ...


class RateLimiter:
    """Paces sends to ``per_second`` (0 = no limit) across threads, and stops at ``per_hour``
    (0 = no limit) counted from ``already_this_hour`` sends found in the outbox at start.

    With ``shared``, the hourly budget is the one all send processes share: slots are taken
    from it ``block`` at a time, and ``close`` gives back the ones not used."""

    def __init__(self, per_second: float, per_hour: int = 0, already_this_hour: int = 0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 shared: SharedBudget | None = None, block: int = 20) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.per_hour = per_hour
        self.used = already_this_hour
        self.shared = shared
        self.block = max(1, min(block, per_hour or block))
        self._left = 0
        self._clock = clock
        self._sleep = sleep
        self._next = clock()
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        """Wait for the next slot; False when the hourly budget is spent."""
        with self._lock:
            if self.shared is not None and self.per_hour:
                if self._left == 0:
                    self._left = self.shared.reserve(self.block)
                    if self._left == 0:
                        return False
                self._left -= 1
            elif self.per_hour and self.used >= self.per_hour:
                return False
            self.used += 1
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
            wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return True

    def close(self) -> None:
        """Give the shared budget back the slots this run took but did not use."""
        with self._lock:
            left, self._left = self._left, 0
        if self.shared is not None and left:
            self.shared.give_back(left)

    def wait_ahead(self) -> float:
        with self._lock:
            return max(0.0, self._next - self._clock())
