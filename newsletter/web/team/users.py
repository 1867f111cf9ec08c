"""Users (admin): the team's accounts, as ``newsletter users ...`` does them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from newsletter import accounts
from newsletter.errors import NewsletterError
from newsletter.web.team.base import Team, TeamRequest
from newsletter.web.team.texts import t


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db

    async def users_page(req: TeamRequest) -> Response:
        found = await req.run(accounts.list_users, db)
        return team.page(req, "team/users.html", users=found, roles=accounts.ROLES, link=None)

    async def add(req: TeamRequest) -> Response:
        try:
            link = await req.run(accounts.add_user, db, config, req.field("name"), req.field("email"),
                                 req.field("role", "editor"))
        except NewsletterError as e:
            return team.failed(req, "/team/users", e)
        found = await req.run(accounts.list_users, db)
        # the one-time link is shown once, on this answer (not in a redirect or a cookie)
        return team.page(req, "team/users.html", users=found, roles=accounts.ROLES, link=link)

    async def reset(req: TeamRequest) -> Response:
        try:
            link = await req.run(accounts.reset, db, config, req.field("user"))
        except NewsletterError as e:
            return team.failed(req, "/team/users", e)
        found = await req.run(accounts.list_users, db)
        return team.page(req, "team/users.html", users=found, roles=accounts.ROLES, link=link)

    async def disable(req: TeamRequest) -> Response:
        enable = req.field("enable") == "1"
        try:
            if req.field("user").lower() == req.me.name.lower() and not enable:
                raise accounts.AccountError("you cannot disable yourself")
            user = await req.run(accounts.set_disabled, db, req.field("user"), not enable)
        except NewsletterError as e:
            return team.failed(req, "/team/users", e)
        return team.done(req, "/team/users", t(req.lang, "{name} er opdateret.", name=user.name))

    return [
        team.route("/team/users", users_page, permission="admin"),
        team.route("/team/users/add", add, permission="admin", methods=["POST"]),
        team.route("/team/users/reset", reset, permission="admin", methods=["POST"]),
        team.route("/team/users/disable", disable, permission="admin", methods=["POST"]),
    ]
