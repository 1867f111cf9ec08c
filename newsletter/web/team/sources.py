"""Sources: the health table of ``newsletter sources``, a button to fetch one source now, and
new items per partner per week over the last 12 weeks as a small server-drawn chart
(issue 9 §6)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from newsletter import accounts
from newsletter.collect import collect
from newsletter.errors import NewsletterError, NotFound
from newsletter.sources_report import activity, source_rows
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.texts import t

WEEKS = 12


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db

    async def sources_page(req: TeamRequest) -> Response:
        rows = await req.run(source_rows, db, config)
        chart = await req.run(activity, db, config, WEEKS)
        return team.page(req, "team/sources.html", rows=rows, chart=chart,
                         attention=sum(1 for r in rows if r.status in ("failing", "stale", "gone")),
                         switched_off=sum(1 for r in rows if not r.enabled),
                         user_can_admin=accounts.role_allows(req.me.role, "admin"))

    async def fetch_now(req: TeamRequest) -> Response:
        key = req.path_params["key"]
        try:
            if key not in {s.key for s in config.sources()}:
                raise NotFound(f"no source {key!r} in feeds.yaml")
            report = await req.run(collect, db, config, only=[key])
        except NewsletterError as e:
            return team.failed(req, "/team/sources", e)
        source = report.sources[0] if report.sources else None
        if source is not None and source.outcome == "error":
            return team.done(req, "/team/sources", t(req.lang, "{key} svarede ikke: {error}", key=key,
                                                     error=source.error or ""), kind="error")
        return team.done(req, "/team/sources", t(req.lang, "{key} er hentet: {n} nye.", key=key,
                                                 n=report.new_items))

    return [
        team.route("/team/sources", sources_page),
        team.route("/team/sources/{key}/fetch", fetch_now, permission="admin", methods=["POST"]),
    ]
