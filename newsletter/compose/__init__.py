"""compose: build (or refresh) the draft issue of a newsletter for an ISO week.

``compose()`` reads as the phases: window -> select -> cluster -> rank -> store. The decisions
are pure functions in ``select``, ``cluster`` and ``rank``; this module does the I/O.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from newsletter.compose.cluster import cluster
from newsletter.compose.rank import Limits, rank
from newsletter.compose.select import (
    ENDED_BEFORE_SEND,
    ended_before_send,
    parse_iso_week,
    select,
    window_start,
)
from newsletter.config import WEEKDAYS, Config, NewsletterConfig
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.db.types import utcnow
from newsletter.errors import ComposeError, ConfigError, EmptyWeek, IssueStateError
from newsletter.events import send_moment
from newsletter.models import Candidate, Issue, Placement

__all__ = ["compose", "current_iso_week", "draft", "parse_iso_week", "default_texts"]

CPH = ZoneInfo("Europe/Copenhagen")


def current_iso_week(now: datetime | None = None) -> tuple[int, int]:
    local = (now or utcnow()).astimezone(CPH)
    year, week, _ = local.isocalendar()
    return year, week


def issue_date(newsletter: NewsletterConfig, iso_year: int, iso_week: int) -> date:
    """The day the issue goes out: the weekday of ``send_day`` in that ISO week."""
    weekday = WEEKDAYS.index(newsletter.send_day.split()[0]) + 1  # the config checked it
    return date.fromisocalendar(iso_year, iso_week, weekday)


_TEXTS = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def default_texts(config: Config, newsletter: NewsletterConfig, iso_year: int, iso_week: int,
                  when: date) -> tuple[str, str, str]:
    """Subject, preheader and intro from the config's templates ("... · uge {{ week }}")."""
    context = {"week": iso_week, "year": iso_year, "newsletter": newsletter.name,
               "brand": config.brand.name, "date": when.isoformat()}
    result = []
    for key in ("subject", "preheader", "intro"):
        source = getattr(newsletter, key)
        try:
            result.append(" ".join(_TEXTS.from_string(source).render(context).split()))
        except TemplateError as e:
            raise ConfigError(str(config.path), f"newsletters[{newsletter.key}].{key}",
                              f"{e}; available: {', '.join(context)}") from e
    return result[0], result[1], result[2]


def limits_for(config: Config, newsletter: NewsletterConfig) -> Limits:
    sections = config.sections_of(newsletter)
    return Limits(
        sections=sections,
        section_max={s.key: s.max_items for s in config.sections},
        events_section=newsletter.events_section if newsletter.events_section in sections else None,
        max_per_partner=newsletter.max_per_partner,
        max_items=newsletter.max_items,
        partner_section={p.key: p.section for p in config.partners if p.section},
    )


def _apply_empty_week(candidates: list[Candidate], newsletter: NewsletterConfig,
                      since: datetime) -> list[Candidate]:
    if any(c.origin != "curated" for c in candidates):
        return candidates
    curated = [c for c in candidates if c.origin == "curated"]
    when = since.astimezone(CPH).strftime("%Y-%m-%d %H:%M") + " (Danish time)"
    if newsletter.empty_week == "curated_only" and curated:
        return curated
    if newsletter.empty_week == "curated_only":
        raise EmptyWeek(f"{newsletter.key}: no new items from partners and no curated items since "
                        f"{when}; no issue was made. Run collect, or add items with curate.")
    alternative = (f", or set empty_week: curated_only to send the {len(curated)} curated item(s) alone"
                   if curated else "")
    raise EmptyWeek(f"{newsletter.key}: no new items from partners since {when}; no issue was made "
                    f"(empty_week: skip). Run collect first{alternative}.")


def ended_placements(stored: list[Candidate], newsletter: NewsletterConfig, *, now: datetime,
                     send_at: datetime, used: set[int]) -> list[Placement]:
    """Events over before the send time, kept in the draft as left out with the reason."""
    return [Placement(item.id, newsletter.events_section, 1000 + n, included=False,
                      reason=ENDED_BEFORE_SEND)
            for n, item in enumerate(ended_before_send(stored, now=now, send_at=send_at, used=used))]


def compose(db: Database, config: Config, newsletter_key: str | None = None,
            iso_week: str | tuple[int, int] | None = None, now: datetime | None = None) -> Issue:
    """Create the draft issue for the week, or refresh it while it is still a draft."""
    newsletter = config.newsletter(newsletter_key)
    now = now or utcnow()
    if isinstance(iso_week, str):
        try:
            year, week = parse_iso_week(iso_week)
        except ValueError as e:
            raise ComposeError(str(e)) from e
    else:
        year, week = iso_week or current_iso_week(now)

    with db.begin() as conn:
        existing = q.find_issue(conn, newsletter.key, year, week)
        if existing is not None and existing.status != "draft":
            hint = (" Edit it (newsletter issue edit) to send it back to draft first."
                    if existing.status == "approved" else " Items for next time go into next week's issue.")
            raise IssueStateError(
                f"issue {existing.id} ({newsletter.key} {existing.label}) is {existing.status}; "
                f"only a draft is refreshed.{hint}")
        since = window_start(now, q.last_sent_at(conn, newsletter.key), newsletter.window_days)
        used = q.used_item_ids(conn, newsletter.key, except_issue=existing.id if existing else None)
        when = issue_date(newsletter, year, week)
        send_at = send_moment(when, newsletter.send_day)  # events are judged then (issue 8)
        stored = q.candidate_items(conn, since - timedelta(seconds=1), now)
        candidates = select(stored, since=since, now=now, used=used, send_at=send_at,
                            ahead=timedelta(weeks=newsletter.events_weeks_ahead))
        candidates = _apply_empty_week(candidates, newsletter, since)
        placements = rank(cluster(candidates), limits_for(config, newsletter))
        placements += ended_placements(stored, newsletter, now=now, send_at=send_at, used=used)
        if existing is None:
            subject, preheader, intro = default_texts(config, newsletter, year, week, when)
            issue_id = q.insert_issue(conn, newsletter_key=newsletter.key, iso_year=year,
                                      iso_week=week, issue_date=when, subject=subject,
                                      preheader=preheader, intro=intro, window_start=since,
                                      window_end=now)
            action = "create"
        else:
            issue_id = existing.id
            q.update_issue(conn, issue_id, window_start=since, window_end=now)
            action = "refresh"
        q.replace_placements(conn, issue_id, placements)
        included = sum(1 for p in placements if p.included)
        q.audit(conn, "compose", action, "issue", issue_id,
                {"items": included, "candidates": len(candidates), "week": f"{year}-W{week:02d}"})
        issue = q.get_issue(conn, issue_id)
    assert issue is not None
    return issue


def draft(db: Database, config: Config, newsletter_key: str | None = None,
          iso_week: str | tuple[int, int] | None = None, now: datetime | None = None) -> Issue:
    """compose, then make the included items' pictures ours (issue 10: fetched once, resized,
    stored; social cards drawn). The one path of the CLI's `draft`, the workspace, the scheduler
    and the demo."""
    from newsletter.media import prepare_issue

    issue = compose(db, config, newsletter_key, iso_week, now)
    prepare_issue(db, config, issue.id)
    return issue


def week_issue(db: Database, config: Config, newsletter_key: str | None = None,
               now: datetime | None = None) -> Issue:
    """This week's issue: composed (or refreshed) while it is a draft; once approved, queued
    or sent it is returned as it is, so a repeated call never disturbs what a person decided."""
    newsletter = config.newsletter(newsletter_key)
    year, week = current_iso_week(now)
    with db.connect() as conn:
        existing = q.find_issue(conn, newsletter.key, year, week)
    if existing is not None and existing.status != "draft":
        return existing
    return draft(db, config, newsletter.key, (year, week), now=now)
