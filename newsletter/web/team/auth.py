"""Log in, log out, and choose a password from a one-time link (``newsletter users add/reset``)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsletter import accounts
from newsletter.errors import AccountError
from newsletter.web.team.base import LOGIN, Team, TeamRequest, client_ip


def safe_next(value: str) -> str:
    """Only a path of the workspace: never another site (``//evil.example``, ``/\\evil``)."""
    if value.startswith("/team") and not value.startswith("//") and "\\" not in value and "\n" not in value:
        return value
    return "/team/"


def routes(team: Team) -> list[Route]:
    config, db = team.config, team.db

    async def login_form(req: TeamRequest) -> Response:
        if req.user is not None:
            return RedirectResponse(safe_next(req.request.query_params.get("next", "")), status_code=303)
        return team.page(req, "team/login.html", next=safe_next(req.request.query_params.get("next", "")),
                         error="", name="")

    async def login_post(req: TeamRequest) -> Response:
        name, password = req.field("name").strip(), req.field("password")
        target = safe_next(req.field("next"))
        try:
            _, token = await req.run(accounts.login, db, config, name, password, client_ip(req.request))
        except accounts.LoginThrottled:
            error = req.lang and team_text(req, "For mange forsøg. Vent {minutes} minutter og prøv igen.",
                                           minutes=config.data.team.login_window_minutes)
            return team.page(req, "team/login.html", status=429, next=target, error=error, name=name)
        except AccountError:
            return team.page(req, "team/login.html", status=401, next=target, name=name,
                             error=team_text(req, "Forkert brugernavn eller adgangskode."))
        response = RedirectResponse(target, status_code=303)
        team.start_session(response, token)
        return response

    async def logout(req: TeamRequest) -> Response:
        token = team.session_token(req.request)
        if token:
            await req.run(accounts.logout, db, token)
        response = team.done(req, LOGIN, team_text(req, "Du er logget ud."))
        team.end_session(response)
        return response

    async def password_form(req: TeamRequest) -> Response:
        token = str(req.path_params["token"])
        try:
            user = await req.run(accounts.user_for_link, db, token)
        except AccountError:
            return team.page(req, "team/message.html", status=410, title=team_text(req, "Vælg din adgangskode"),
                             body=team_text(req, "Linket er brugt eller for gammelt. Bed en administrator om et nyt."))
        return team.page(req, "team/password.html", account=user, error="",
                         min_length=config.data.team.password_min_length)

    async def password_post(req: TeamRequest) -> Response:
        token = str(req.path_params["token"])
        password, again = req.field("password"), req.field("password2")
        try:
            user = await req.run(accounts.user_for_link, db, token)
            if password != again:
                raise AccountError(team_text(req, "De to adgangskoder er ikke ens."))
            await req.run(accounts.set_password, db, config, token, password)
        except AccountError as e:
            gone = "link" in str(e) and "used" in str(e)
            if gone:
                return team.page(req, "team/message.html", status=410, title=team_text(req, "Vælg din adgangskode"),
                                 body=team_text(req, "Linket er brugt eller for gammelt. Bed en administrator om et nyt."))
            return team.page(req, "team/password.html", status=400, account=user, error=str(e),
                             min_length=config.data.team.password_min_length)
        return team.done(req, LOGIN, team_text(req, "Adgangskoden er gemt. Log ind."))

    return [
        team.route("/team/login", login_form, permission=None),
        team.route("/team/login", login_post, permission=None, methods=["POST"]),
        team.route("/team/logout", logout, methods=["POST"]),
        team.route("/team/password/{token}", password_form, permission=None),
        team.route("/team/password/{token}", password_post, permission=None, methods=["POST"]),
    ]


def team_text(req: TeamRequest, text: str, **values: object) -> str:
    from newsletter.web.team.texts import t

    return t(req.lang, text, **values)
