"""overview: the week at a glance (issue 9 §2), read from the stages' own tables.

``week_overview`` gives, per newsletter, this week's issue with its state and what still needs
doing, the sources that need attention and the last issues with their delivery counts;
``issue_state`` gives one issue's state as the team reads it (draft, approved, scheduled,
sending, sent). Pure reading: nothing here changes anything. Used by the workspace's start
and issue pages; the decisions (``todo``) are plain functions over frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from newsletter.collect.health import source_health
from newsletter.compose import current_iso_week, issue_date
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as iq
from newsletter.db import outbox as oq
from newsletter.db import social as social_q
from newsletter.db import sources as sq
from newsletter.db.types import utcnow
from newsletter.models import Issue

OPEN_ROWS = ("pending", "leased", "sending")


@dataclass(frozen=True)
class IssueState:
    issue: Issue
    state: str  # draft, approved, scheduled, sending, sent
    send_after: datetime | None = None  # when queued rows go out
    counts: dict[str, int] = field(default_factory=dict)  # outbox rows per status
    rendered_at: datetime | None = None
    render_current: bool = False  # rendered after the last change
    errors: int = 0
    warnings: int = 0
    planned: datetime | None = None  # the newsletter's usual send time this week (send_day)
    social: dict[str, int] = field(default_factory=dict)  # the issue's social posts per status

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class NewsletterWeek:
    key: str
    name: str
    iso_year: int
    iso_week: int
    current: IssueState | None
    todo: tuple[tuple[str, dict[str, int]], ...]  # Danish sentences with their numbers, most urgent first


@dataclass(frozen=True)
class SourceAttention:
    key: str
    partner_key: str
    status: str  # failing, stale, gone
    reason: str


@dataclass(frozen=True)
class Overview:
    weeks: tuple[NewsletterWeek, ...]
    sources: tuple[SourceAttention, ...]
    recent: tuple[IssueState, ...]


def planned_send(config: Config, issue: Issue) -> datetime:
    """The newsletter's send_day time ("thu 08:00") on the issue's date, Danish time."""
    from newsletter.events import send_moment

    return send_moment(issue.issue_date, config.newsletter(issue.newsletter_key).send_day)


def issue_state(db: Database, config: Config, issue_id: int, now: datetime | None = None) -> IssueState:
    now = now or utcnow()
    with db.connect() as conn:
        issue = iq.get_issue(conn, issue_id)
        if issue is None:
            from newsletter.errors import NotFound

            raise NotFound(f"issue {issue_id} does not exist (see `newsletter issues`)")
        return _state(conn, config, issue, now)


def _state(conn: Connection, config: Config, issue: Issue, now: datetime) -> IssueState:
    render = iq.latest_render(conn, issue.id)
    counts = {c.status: c.count for c in oq.counts(conn, issue.id)}
    send_after = oq.issue_send_after(conn, issue.id)
    state = issue.status
    if issue.status == "queued":
        open_rows = sum(counts.get(s, 0) for s in OPEN_ROWS)
        state = "scheduled" if send_after and send_after > now and open_rows else "sending"
    findings = render["preflight"] if render else []
    return IssueState(
        issue=issue, state=state, send_after=send_after, counts=counts,
        rendered_at=render["created_at"] if render else None,
        render_current=bool(render and render["created_at"] >= issue.updated_at) or issue.status != "draft",
        errors=sum(1 for f in findings if f.get("level") == "error"),
        warnings=sum(1 for f in findings if f.get("level") == "warning"),
        planned=planned_send(config, issue), social=social_q.counts_by_status(conn, issue.id))


def todo(state: IssueState | None, now: datetime) -> tuple[tuple[str, dict[str, int]], ...]:
    """What the team still has to do for this week's issue, most urgent first: Danish sentences
    (the workspace's texts translate them) and the numbers that go in them."""
    if state is None:
        return (("Ugens udgave er ikke lavet endnu: lav kladden.", {}),)
    items: list[tuple[str, dict[str, int]]] = []
    if state.state == "draft":
        if not state.render_current:
            items.append(("Se forhåndsvisningen (ændret siden sidst).", {}))
        if state.errors:
            items.append(("{n} fejl i tjekket før afsendelse skal rettes.", {"n": state.errors}))
        if state.warnings:
            items.append(("{n} advarsler i tjekket før afsendelse.", {"n": state.warnings}))
        items.append(("Ikke godkendt endnu.", {}))
    elif state.state == "approved":
        items.append(("Godkendt: planlæg afsendelsen eller send nu.", {}))
    elif state.state == "sending":
        failed = state.counts.get("failed", 0) + state.counts.get("bounced", 0)
        if failed:
            items.append(("{n} modtagere kunne ikke få mailen.", {"n": failed}))
    if state.planned and state.state in ("draft", "approved") and state.planned < now:
        items.insert(0, ("Den planlagte afsendelse er overskredet.", {}))
    trouble = state.social.get("failed", 0) + state.social.get("unknown", 0)
    if trouble:
        items.append(("{n} opslag til de sociale medier blev ikke udgivet og skal ses på.", {"n": trouble}))
    if state.social.get("draft"):
        items.append(("{n} opslag til de sociale medier venter på godkendelse.", {"n": state.social["draft"]}))
    return tuple(items)


def week_overview(db: Database, config: Config, now: datetime | None = None, recent: int = 6) -> Overview:
    now = now or utcnow()
    year, week = current_iso_week(now)
    weeks: list[NewsletterWeek] = []
    with db.connect() as conn:
        for newsletter in config.newsletters:
            issue = iq.find_issue(conn, newsletter.key, year, week)
            state = _state(conn, config, issue, now) if issue else None
            weeks.append(NewsletterWeek(newsletter.key, newsletter.name, year, week, state, todo(state, now)))
        recent_states = [_state(conn, config, i, now) for i in _recent(iq.list_issues(conn), recent)]
        attention = sources_needing_attention(conn, config, now)
    return Overview(tuple(weeks), tuple(attention), tuple(recent_states))


def sources_needing_attention(conn: Connection, config: Config, now: datetime) -> list[SourceAttention]:
    """The failing, stale and gone sources: the start page, the reviewers' mail and `status`."""
    return [SourceAttention(s.key, s.partner_key, h.status, h.reason)
            for s in sq.source_states(conn, now)
            if (h := source_health(s, now, config.collect.stale_after_days)).status in ("failing", "stale", "gone")]


def _recent(issues: Sequence[Issue], n: int) -> list[Issue]:
    return list(issues[:n])


def planned_default(config: Config, issue: Issue, now: datetime | None = None) -> datetime:
    """The time offered when scheduling: the usual send time, or in an hour if that has passed."""
    now = now or utcnow()
    planned = planned_send(config, issue)
    return planned if planned > now else (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


__all__ = ["IssueState", "NewsletterWeek", "Overview", "SourceAttention", "issue_date", "issue_state",
           "planned_default", "planned_send", "sources_needing_attention", "todo", "week_overview"]
