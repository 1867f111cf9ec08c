"""The issue page: review item by item (issue 9 §3). Every action is a plain form POST that
calls one function of ``review`` (or ``curate``, ``compose``) and redirects back.

With JavaScript (``static/team.js``) the same forms are sent with ``fetch``; the script follows
the redirect and swaps in the head, the cards, the message and the history from the page it gets back, so
there is no second place where a rule lives. Dragging a card posts the same ``move`` form, with
the section and the position it was dropped at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from newsletter import accounts, review
from newsletter.compose import draft  # compose, then the pictures (issue 10)
from newsletter.curate import CuratedInput, add_to_issue, unfurl
from newsletter.db import issues as iq
from newsletter.errors import CurateError, NewsletterError, NotFound
from newsletter.media.index import MediaIndex, index_for
from newsletter.models import IssueItem
from newsletter.overview import issue_state
from newsletter.render.context import partner_name, section_title
from newsletter.render.env import safe_url
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.social import issue_posts
from newsletter.web.team.texts import t

CAP_REASONS = ("partner cap", "section cap", "issue cap")
# How many characters inbox lists show on a phone (Gmail/Apple Mail, roughly): a hint, not a rule.
SHOWN = {"subject": 45, "preheader": 90}


@dataclass(frozen=True)
class Card:
    placed: IssueItem
    partner: str
    also: list[str]
    first: bool
    last: bool
    picture: str = ""  # what the email shows, as this app serves it ("" when the email has none)

    @property
    def cut(self) -> bool:
        return not self.placed.included and self.placed.reason in CAP_REASONS


def cards_by_section(team: Team, placed: list[IssueItem], sections: tuple[str, ...], lang: str,
                     media: MediaIndex) -> list[dict[str, Any]]:
    out = []
    for key in sections:
        mine = sorted((p for p in placed if p.section == key), key=lambda p: (p.position, p.item.id))
        cards = [Card(p, partner_name(team.config, p.item.partner_key),
                      [partner_name(team.config, k) for k in p.also_by], i == 0, i == len(mine) - 1,
                      media.card_src(safe_url(p.item.image_url), team.config.settings.base_url))
                 for i, p in enumerate(mine)]
        out.append({"key": key, "title": section_title(team.config, key, lang), "cards": cards,
                    "included": sum(1 for c in cards if c.placed.included)})
    return out


def history_rows(db: Any, issue_id: int) -> list[dict[str, Any]]:
    return list(reversed(review.history(db, issue_id)))


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db

    def here(issue_id: int, anchor: str = "") -> str:
        return f"/team/issues/{issue_id}" + (f"#{anchor}" if anchor else "")

    def _new_since(issue_id: int) -> int:
        issue, _ = review.get(db, issue_id)
        with db.connect() as conn:
            return iq.new_items_since(conn, issue.window_end, issue_id)

    async def issue_page(req: TeamRequest, unfurled: Any = None, status: int = 200) -> Response:
        issue_id = req.int_param("issue_id")
        issue, placed = await req.run(review.get, db, issue_id)
        state = await req.run(issue_state, db, config, issue_id)
        sections = config.sections_of(config.newsletter(issue.newsletter_key))
        return team.page(
            req, "team/issue.html", status=status, issue=issue, state=state, shown=SHOWN,
            sections=cards_by_section(team, placed, sections, req.lang,
                                      await req.run(index_for, db, config, issue_id)),
            section_choices=[(k, section_title(config, k, req.lang)) for k in sections],
            new_items=await req.run(_new_since, issue_id), history=await req.run(history_rows, db, issue_id),
            editable=issue.status in ("draft", "approved"), unfurled=unfurled,
            social_posts=await req.run(issue_posts, db, issue_id),
            may_approve_posts=accounts.role_allows(req.me.role, "approve"))

    async def view(req: TeamRequest) -> Response:
        return await issue_page(req)

    def action(fn: Any) -> Any:
        """A POST on the issue: run ``fn(req, issue_id)``, then back to the page (PRG)."""

        async def endpoint(req: TeamRequest) -> Response:
            issue_id = req.int_param("issue_id")
            try:
                message, anchor = await fn(req, issue_id)
            except NotFound:
                raise
            except NewsletterError as e:
                return team.failed(req, here(issue_id), e)
            return team.done(req, here(issue_id, anchor), message)

        return endpoint

    async def texts(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        await req.run(review.set_texts, db, issue_id, req.me.name, subject=req.field("subject"),
                      preheader=req.field("preheader"), intro=req.field("intro").replace("\r\n", "\n"))
        return t(req.lang, "Teksterne er gemt."), "texts"

    def item_id(req: TeamRequest) -> int:
        return req.int_param("item_id")

    async def include(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        await req.run(review.include, db, issue_id, item_id(req), req.me.name)
        return t(req.lang, "Historien er med igen."), f"item-{item_id(req)}"

    async def exclude(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        await req.run(review.exclude, db, issue_id, item_id(req), req.me.name)
        return t(req.lang, "Historien er taget ud. Den står stadig på siden, så du kan tage den med igen."), \
            f"item-{item_id(req)}"

    async def move(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        issue, placed = await req.run(review.get, db, issue_id)
        me = next((p for p in placed if p.item.id == item_id(req)), None)
        if me is None:
            raise NotFound(f"item {item_id(req)} is not in issue {issue_id}")
        section = req.field("section") or me.section
        sections = config.sections_of(config.newsletter(issue.newsletter_key))
        position = req.field("position")
        if position.isdigit():  # a card dragged to a place (in its own or another section)
            await req.run(review.move, db, issue_id, me.item.id, req.me.name,
                          section=section if section != me.section else None, position=int(position),
                          sections=sections)
            return t(req.lang, "Historien er flyttet."), f"item-{me.item.id}"
        if section != me.section:
            await req.run(review.move, db, issue_id, me.item.id, req.me.name, section=section, sections=sections)
            return t(req.lang, "Historien er flyttet til {section}.",
                     section=section_title(config, section, req.lang)), f"item-{me.item.id}"
        siblings = sorted((p for p in placed if p.section == me.section), key=lambda p: (p.position, p.item.id))
        index = [p.item.id for p in siblings].index(me.item.id)
        target = max(0, index - 1) if req.field("direction") == "up" else index + 1
        await req.run(review.move, db, issue_id, me.item.id, req.me.name, position=target)
        return t(req.lang, "Rækkefølgen er gemt."), f"item-{me.item.id}"

    async def edit(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        await req.run(review.override, db, issue_id, item_id(req), req.me.name,
                      title=req.field("title"), summary=req.field("summary"))
        return t(req.lang, "Historien er rettet."), f"item-{item_id(req)}"

    async def pin(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        pinned = req.field("pinned", "1") == "1"
        await req.run(review.pin, db, issue_id, item_id(req), req.me.name, pinned)
        return t(req.lang, "Historien er fastgjort øverst." if pinned else "Historien er ikke længere fastgjort."), \
            f"item-{item_id(req)}"

    async def refresh(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        issue, _ = await req.run(review.get, db, issue_id)
        await req.run(draft, db, config, issue.newsletter_key, (issue.iso_year, issue.iso_week))
        return t(req.lang, "Kladden er opdateret med de nye historier."), ""

    async def curate_add(req: TeamRequest, issue_id: int) -> tuple[str, str]:
        data = CuratedInput(
            url=req.field("url").strip() or None, section=req.field("section") or None,
            title=req.field("title").strip() or None, summary=req.field("summary").strip() or None,
            starts=_when(req.field("start_date"), req.field("start_time")) or None,
            ends=_when(req.field("start_date"), req.field("end_time")) if req.field("end_time") else None,
            location=req.field("location").strip() or None, signup_url=req.field("signup_url").strip() or None,
            pin=req.field("pin") == "1", by=req.me.name)
        result = await req.run(add_to_issue, db, config, issue_id, data)
        return t(req.lang, "«{title}» er tilføjet.", title=result.title), f"item-{result.item_id}"

    async def curate_preview(req: TeamRequest) -> Response:
        """Step one of adding a link: read the page and show its title and summary to edit."""
        try:
            found = await req.run(unfurl, config, req.field("url"))
        except CurateError as e:
            return team.failed(req, here(req.int_param("issue_id"), "add"), e)
        return await issue_page(req, unfurled=found)

    base = "/team/issues/{issue_id:int}"
    item = base + "/items/{item_id:int}"
    return [
        team.route(base, view),
        team.route(base + "/texts", action(texts), methods=["POST"]),
        team.route(base + "/refresh", action(refresh), methods=["POST"]),
        team.route(base + "/curate", action(curate_add), methods=["POST"]),
        team.route(base + "/unfurl", curate_preview, methods=["POST"]),
        team.route(item + "/include", action(include), methods=["POST"]),
        team.route(item + "/exclude", action(exclude), methods=["POST"]),
        team.route(item + "/move", action(move), methods=["POST"]),
        team.route(item + "/edit", action(edit), methods=["POST"]),
        team.route(item + "/pin", action(pin), methods=["POST"]),
    ]


def _when(day: str, clock: str) -> str:
    """A date field and a time field as curate reads them ("2026-12-03 09:00", Danish time)."""
    day, clock = day.strip(), clock.strip()
    if not day:
        return ""
    return f"{day} {clock}" if clock else day
