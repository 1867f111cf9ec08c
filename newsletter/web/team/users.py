"""Users (admin): the team's accounts, as ``newsletter users ...`` does them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from newsletter import accounts
from newsletter.errors import NewsletterError
from newsletter.web.team import texts
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
                                 req.field("role", "editor"), by=req.me.name)
        except NewsletterError as e:
            return team.failed(req, "/team/users", e)
        found = await req.run(accounts.list_users, db)
        # the one-time link is shown once, on this answer (not in a redirect or a cookie)
        return team.page(req, "team/users.html", users=found, roles=accounts.ROLES, link=link)

    async def reset(req: TeamRequest) -> Response:
        try:
            link = await req.run(accounts.reset, db, config, req.field("user"), by=req.me.name)
        except NewsletterError as e:
            return team.failed(req, "/team/users", e)
        found = await req.run(accounts.list_users, db)
        return team.page(req, "team/users.html", users=found, roles=accounts.ROLES, link=link)

    async def disable(req: TeamRequest) -> Response:
        enable = req.field("enable") == "1"
        try:
            if req.field("user").lower() == req.me.name.lower() and not enable:
                raise accounts.AccountError("you cannot disable yourself")
            user = await req.run(accounts.set_disabled, db, req.field("user"), not enable, by=req.me.name)
        except NewsletterError as e:
            return team.failed(req, "/team/users", e)
        return team.done(req, "/team/users", t(req.lang, "{name} er opdateret.", name=user.name))

    async def role(req: TeamRequest) -> Response:
        try:
            user = await req.run(accounts.set_role, db, req.field("user"), req.field("role"), by=req.me.name)
        except NewsletterError as e:
            return team.failed(req, "/team/users", e)
        message = t(req.lang, "{name} er nu {role}.", name=user.name, role=texts.role(user.role, req.lang))
        # an admin who gave themselves another role can no longer open the users page
        mine = user.id == req.me.id and not accounts.role_allows(user.role, "admin")
        return team.done(req, "/team/" if mine else "/team/users", message)

    return [
        team.route("/team/users", users_page, permission="admin"),
        team.route("/team/users/role", role, permission="admin", methods=["POST"]),
        team.route("/team/users/add", add, permission="admin", methods=["POST"]),
        team.route("/team/users/reset", reset, permission="admin", methods=["POST"]),
        team.route("/team/users/disable", disable, permission="admin", methods=["POST"]),
    ]
