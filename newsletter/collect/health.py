"""Source health and fetch decisions: pure functions of a ``SourceState`` and the time.

Statuses, in the order they are decided:
    disabled  ``enabled: false`` in feeds.yaml
    gone      the server answered 410 Gone; not fetched again until the URL changes
    waiting   the server asked us to wait (429/503 Retry-After); skipped until then
    new       never fetched yet
    failing   the last fetch failed (reason: the recorded error)
    stale     fetched fine, but no new item for ``stale_after_days`` days
    ok        everything else
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from newsletter.models import CollectReport, SourceState

STATUSES = ("new", "ok", "failing", "stale", "gone", "waiting", "disabled")


@dataclass(frozen=True)
class Health:
    status: str
    reason: str

    @property
    def fetchable(self) -> bool:
        return self.status not in ("disabled", "gone", "waiting")


def _ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "less than a minute ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def source_health(state: SourceState, now: datetime, stale_after_days: int) -> Health:
    if not state.enabled:
        return Health("disabled", "switched off in feeds.yaml (enabled: false)")
    if state.gone:
        return Health("gone", "the server answered HTTP 410 Gone (the partner removed this feed); find the "
                              "new address (newsletter sources discover) and change the URL in feeds.yaml")
    if state.retry_after is not None and state.retry_after > now:
        return Health("waiting", f"the server asked us to wait until {_local(state.retry_after)}")
    if state.last_fetch_at is None:
        return Health("new", "not fetched yet; run newsletter collect")
    if state.consecutive_failures > 0:
        runs = state.consecutive_failures
        since = f"failed {runs} run{'s' if runs != 1 else ''} in a row"
        if state.last_success_at is not None:
            since += f", last success {_ago(state.last_success_at, now)}"
        else:
            since += ", never succeeded"
        return Health("failing", f"{state.last_error or 'unknown error'} ({since})")
    quiet_since = state.last_new_item_at or state.created_at
    quiet_days = (now - quiet_since).days
    if quiet_days >= stale_after_days:
        what = (f"no new item for {quiet_days} days" if state.last_new_item_at
                else f"no item at all in the {quiet_days} days since it was added")
        return Health("stale", f"{what}; check that the partner still publishes here "
                               "(the feed may have moved)")
    return Health("ok", "")


def fetch_decision(state: SourceState, now: datetime) -> Health:
    """Whether collect fetches the source now: the health, whose ``fetchable`` says it."""
    return source_health(state, now, stale_after_days=10**6)


def offline_diagnosis(report: CollectReport) -> str | None:
    """When every attempted source failed without ever reaching its server, the likely cause is
    this machine (offline, DNS down), not the partners: say so instead of "check the URLs"."""
    failed = [s for s in report.sources if s.outcome == "error"]
    if not report.all_failed or not all(s.no_connection for s in failed):
        return None
    if len(failed) == 1:
        return ("the only source could not reach its server (the host name did not resolve, or no "
                "connection could be made): either this machine is offline or the host name in "
                "feeds.yaml is wrong.")
    return (f"none of the {len(failed)} sources could reach its server (host names did not resolve, "
            "or no connection could be made). This machine looks offline, or its DNS is not working; "
            "the partners' feeds are probably fine. Check the network, then run newsletter collect again.")
