"""The sources' health and activity, as the team reads them (issue 9 §6): one row per source
with its health (``collect.health``), and new items per partner per ISO week over the last
weeks. Shared by ``newsletter sources`` and the workspace's sources page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from newsletter.collect.health import source_health
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import items as iq
from newsletter.db.sources import source_states, sync_sources
from newsletter.db.types import utcnow

PEOPLE_TZ = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class SourceRow:
    key: str
    partner_key: str
    partner_name: str
    kind: str
    url: str
    enabled: bool
    status: str  # ok, new, failing, stale, gone, waiting, disabled
    reason: str
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    http_status: int | None
    consecutive_failures: int
    new_items_last_run: int
    last_new_item_at: datetime | None
    items_last_30_days: int
    retry_after: datetime | None
    error: str | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PartnerActivity:
    partner_key: str
    partner_name: str
    counts: tuple[int, ...]  # new items per ISO week, oldest first; the last is this week

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Activity:
    weeks: tuple[tuple[int, int], ...]  # (ISO year, ISO week), oldest first
    partners: tuple[PartnerActivity, ...]  # most active first

    @property
    def peak(self) -> int:
        return max((c for p in self.partners for c in p.counts), default=0)


def source_rows(db: Database, config: Config, now: datetime | None = None) -> list[SourceRow]:
    """Every configured source with its health, in the order of feeds.yaml."""
    now = now or utcnow()
    with db.begin() as conn:
        sync_sources(conn, config.sources(), now)
        states = source_states(conn, now)
    names = {p.key: p.name for p in config.partners}
    rows = []
    for state in states:
        health = source_health(state, now, config.collect.stale_after_days)
        rows.append(SourceRow(
            key=state.key, partner_key=state.partner_key,
            partner_name=names.get(state.partner_key, state.partner_key), kind=state.kind, url=state.url,
            enabled=state.enabled, status=health.status, reason=health.reason,
            last_fetch_at=state.last_fetch_at, last_success_at=state.last_success_at,
            http_status=state.last_status, consecutive_failures=state.consecutive_failures,
            new_items_last_run=state.new_items_last_run, last_new_item_at=state.last_new_item_at,
            items_last_30_days=state.items_last_30_days, retry_after=state.retry_after,
            error=state.last_error, warnings=tuple(state.last_warnings)))
    return rows


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def activity(db: Database, config: Config, weeks: int = 12, now: datetime | None = None) -> Activity:
    """New items per partner per ISO week (Danish time) over the last ``weeks`` weeks."""
    now = now or utcnow()
    this_monday = _monday(now.astimezone(PEOPLE_TZ).date())
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    since = datetime.combine(mondays[0], datetime.min.time(), PEOPLE_TZ)
    with db.connect() as conn:
        seen = iq.first_seen_by_partner(conn, since)
    index = {monday: i for i, monday in enumerate(mondays)}
    counts: dict[str, list[int]] = {p.key: [0] * weeks for p in config.partners}
    for partner, when in seen:
        slot = index.get(_monday(when.astimezone(PEOPLE_TZ).date()))
        if slot is not None:
            counts.setdefault(partner, [0] * weeks)[slot] += 1
    names = {p.key: p.name for p in config.partners}
    partners = [PartnerActivity(key, names.get(key, key), tuple(c)) for key, c in counts.items()]
    partners.sort(key=lambda p: (-p.total, p.partner_name))
    labels = tuple((m.isocalendar()[0], m.isocalendar()[1]) for m in mondays)
    return Activity(labels, tuple(partners))
