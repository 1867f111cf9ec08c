"""Posts from an issue: one per included item and network, plus one for the issue itself
("Ugens nyhedsbrev"), from the team's templates ``templates/social/<network>.j2`` (issue 10).

The templates are plain text, rendered in Jinja's sandbox (the team edits them) with the
variables listed in templates/README.md. A post that is too long for its network keeps its
title, partner, link and hashtags, and its summary is cut at a word with "…"; if that is not
enough the hashtags go one by one, then the title is cut. Links get
``utm_source=<network>&utm_medium=social&utm_campaign=<issue>``.

Pure apart from reading the templates: no database, no network.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from newsletter.config import Config
from newsletter.errors import SocialError
from newsletter.media import card_url
from newsletter.models import Issue, IssueItem, SocialDraft
from newsletter.render.context import campaign, partner_name, section_title, web_url
from newsletter.render.env import (
    CPH,
    REPO_TEMPLATES,
    date_weekday,
    names,
    plain,
    safe_url,
    template_dirs,
    with_utm,
)
from newsletter.social import schedule
from newsletter.social.networks import network as rules_of
from newsletter.social.text import camel_hashtag, shorten

ISSUE_SUBJECT = "issue"
MAX_TEMPLATE_BYTES = 20_000


@dataclass(frozen=True)
class Composed:
    drafts: tuple[SocialDraft, ...]
    shortened: tuple[str, ...] = ()  # "x item:12" for posts that had to be cut
    skipped: tuple[str, ...] = ()    # "linkedin item:40 (max_posts 4)"


def when_da(value: datetime) -> str:
    """``tirsdag 8. december kl. 9.00`` (Danish style: no leading zero, a dot in the time)."""
    local = value.astimezone(CPH)
    day = date_weekday(local)
    if (local.hour, local.minute) == (0, 0):
        return day
    return f"{day} kl. {local.hour}.{local.minute:02d}"


@functools.lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    loader = ChoiceLoader([
        FileSystemLoader([str(d) for d in dirs]),
        PrefixLoader({"default": FileSystemLoader(str(REPO_TEMPLATES))}, delimiter=":"),
    ])
    env = ImmutableSandboxedEnvironment(loader=loader, undefined=StrictUndefined, autoescape=False,
                                        trim_blocks=True, lstrip_blocks=True)
    env.filters.update({"when_da": when_da, "names": names, "plain": plain})
    return env


def _template(config: Config, network: str) -> Callable[[dict[str, Any]], str]:
    name = f"social/{network}.j2"
    env = _environment(template_dirs(config))
    try:
        source, filename, _ = env.loader.get_source(env, name) if env.loader else ("", None, None)
        if len(source.encode("utf-8")) > MAX_TEMPLATE_BYTES:
            raise SocialError(f"{filename}: the template is over {MAX_TEMPLATE_BYTES} bytes")
        template = env.get_template(name)
    except TemplateError as e:
        raise SocialError(f"templates/{name}: {e}") from e

    def render(context: dict[str, Any]) -> str:
        try:
            return tidy(template.render(context))
        except TemplateError as e:
            raise SocialError(f"templates/{name}: {e}") from e

    return render


def tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, no blank start or end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def hashtags_for(config: Config, network: str, partner: str | None, section: str | None) -> list[str]:
    """The partner's, then the section's, then the always-on tags, CamelCase, no repeats, capped."""
    tags = config.data.social.hashtags
    phrases = [*tags.partners.get(partner or "", ()), *tags.sections.get(section or "", ()), *tags.always]
    result: list[str] = []
    for phrase in phrases:
        tag = camel_hashtag(phrase)
        if tag and tag.lower() not in (t.lower() for t in result):
            result.append(tag)
    return result[:config.data.social.max_hashtags[network]]


def _fit(network: str, render: Callable[[dict[str, Any]], str], context: dict[str, Any]) -> tuple[str, bool]:
    """Render the post within its network's limit; True when something had to be cut."""
    rules = rules_of(network)
    text = render(context)
    if rules.count(text) <= rules.limit:
        return text, False
    ctx = dict(context)
    while True:  # cut the summary; if even "…" alone is too long, drop hashtags from the end
        summary = shorten(context["summary"], rules.limit, rules.count,
                          lambda value: render({**ctx, "summary": value}))
        if summary or not ctx["hashtags"]:
            break
        ctx["hashtags"] = ctx["hashtags"][:-1]
    ctx["summary"] = summary
    text = render(ctx)
    if rules.count(text) > rules.limit:
        title = shorten(ctx["title"], rules.limit, rules.count, lambda value: render({**ctx, "title": value}))
        text = render({**ctx, "title": title})
    if rules.count(text) > rules.limit:
        text = shorten(text, rules.limit, rules.count)
    return text, True


def _ordered(config: Config, issue: Issue, placed: Sequence[IssueItem]) -> list[IssueItem]:
    """The issue's order, except that events come first (soonest first): a post about an event
    is no use after it has started, and the slots fill in order."""
    order = {key: i for i, key in enumerate(config.sections_of(config.newsletter(issue.newsletter_key)))}
    included = [p for p in placed if p.included]
    far = datetime.max.replace(tzinfo=CPH)
    return sorted(included, key=lambda p: (p.item.event_starts_at or far, order.get(p.section, len(order)),
                                           p.position, p.item.id))


def _plan(config: Config, issue: Issue, network: str, count: int, now: datetime | None) -> list[datetime]:
    rules = config.data.social.schedule
    return schedule.plan(issue.issue_date, count, rules.slots[network], weekends=rules.weekends,
                         timezone=rules.timezone, start_days_after=rules.start_days_after, not_before=now)


def compose_posts(config: Config, issue: Issue, placed: Sequence[IssueItem],
                  now: datetime | None = None) -> Composed:
    """Every network's posts for ``issue``, planned by ``social.schedule``."""
    social = config.data.social
    newsletter = config.newsletter(issue.newsletter_key)
    items = _ordered(config, issue, placed)
    label = campaign(issue)
    base = {"week": issue.iso_week, "year": issue.iso_year, "issue_label": issue.label,
            "newsletter": newsletter.name, "brand": config.brand.name,
            "subject": plain(issue.subject), "intro": plain(issue.intro)}
    drafts: list[SocialDraft] = []
    shortened: list[str] = []
    skipped: list[str] = []
    for network in social.networks:
        render = _template(config, network)
        rules = rules_of(network)
        posts: list[tuple[str, int | None, dict[str, Any], str]] = []
        if social.issue_post:
            link = with_utm(web_url(config, issue), network, label, medium="social")
            context: dict[str, Any] = {**base, "kind": "issue", "network": network, "network_label": rules.label,
                       "title": "Ugens nyhedsbrev", "summary": plain(issue.intro),
                       "partner": config.brand.name, "section": "", "link": link,
                       "hashtags": hashtags_for(config, network, None, None),
                       "titles": [plain(p.title) for p in items[:5]], "event": None, "also_by": [],
                       "starts_at": None}
            posts.append((ISSUE_SUBJECT, None, context, card_url(config, issue.id)))  # our card (issue 10)
        cap = social.max_posts[network]
        for index, placed_item in enumerate(items):
            subject = f"item:{placed_item.item.id}"
            if cap and index >= cap:
                skipped.append(f"{network} {subject} (max_posts {cap})")
                continue
            item = placed_item.item
            url = safe_url(item.url)
            if not url:
                skipped.append(f"{network} {subject} (no http(s) link)")
                continue
            event = None
            if item.event_starts_at is not None:
                event = {"when": when_da(item.event_starts_at), "location": plain(item.event_location or "")}
            context = {**base, "kind": "item", "network": network, "network_label": rules.label,
                       "title": plain(placed_item.title), "summary": plain(placed_item.summary),
                       "partner": partner_name(config, item.partner_key),
                       "section": section_title(config, placed_item.section, newsletter.language),
                       "link": with_utm(url, network, label, medium="social"),
                       "hashtags": hashtags_for(config, network, item.partner_key, placed_item.section),
                       "titles": [], "event": event, "starts_at": item.event_starts_at,
                       "also_by": [partner_name(config, k) for k in placed_item.also_by]}
            posts.append((subject, item.id, context, card_url(config, issue.id, item.id)))  # never the partner's
        planned = _plan(config, issue, network, len(posts), now)
        late = {i for i, post in enumerate(posts)
                if post[2]["starts_at"] is not None and i < len(planned) and planned[i] >= post[2]["starts_at"]}
        if late:  # a post about an event is no use once it has started: leave it out, re-plan the rest
            skipped.extend(f"{network} {posts[i][0]} (the event starts before its slot)" for i in sorted(late))
            posts = [post for i, post in enumerate(posts) if i not in late]
            planned = _plan(config, issue, network, len(posts), now)
        for position, (subject, item_id, values, image) in enumerate(posts):
            at = planned[position] if position < len(planned) else None
            text, cut = _fit(network, render, values)
            if cut:
                shortened.append(f"{network} {subject}")
            drafts.append(SocialDraft(
                network=network, subject=subject, item_id=item_id, text=text, link=values["link"],
                title=values["title"], description=values["summary"][:300], image_url=image,
                planned_at=at))
    return Composed(tuple(drafts), tuple(shortened), tuple(skipped))
