"""The start page: this week's issue per newsletter, what needs doing, sources needing
attention and the last issues with their counts (issue 9 §2)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from newsletter.compose import compose
from newsletter.errors import NewsletterError
from newsletter.overview import week_overview
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.texts import t


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db

    async def week(req: TeamRequest) -> Response:
        overview = await req.run(week_overview, db, config)
        return team.page(req, "team/week.html", overview=overview)

    async def make_draft(req: TeamRequest) -> Response:
        key = req.field("newsletter")
        try:
            issue = await req.run(compose, db, config, key or None)
        except NewsletterError as e:
            return team.failed(req, "/team/", e)
        return team.done(req, f"/team/issues/{issue.id}", t(req.lang, "Kladden er lavet."))

    return [
        team.route("/team/", week),
        team.route("/team/draft", make_draft, methods=["POST"]),
    ]
