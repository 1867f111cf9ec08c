"""The guard and page plumbing every team area uses (see ``web/team/__init__.py``).

``Team.route`` wraps an endpoint so that it runs only for a logged-in user whose role allows
it, and a POST only when its Origin and CSRF token are ours. ``Team.page`` renders a template
that extends ``team/base.html``; ``Team.done`` / ``Team.failed`` redirect after a POST with a
one-time message in a signed cookie (POST-redirect-GET).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from newsletter import accounts
from newsletter.config import Config
from newsletter.db import Database
from newsletter.errors import NewsletterError
from newsletter.models import User
from newsletter.web.pages import Pages
from newsletter.web.security import Csrf, OriginCheck
from newsletter.web.team import texts

T = TypeVar("T")
SESSION_COOKIE = "nl_team"
FLASH_COOKIE = "nl_team_flash"
LANG_COOKIE = "nl_team_lang"
LOGIN = "/team/login"
# Team paths a visitor without a session may open: the login and the set-password link.
PUBLIC = ("/team/login", "/team/password/{token}")
# Team pages may run our own script and frame our own preview; nothing else changes.
TEAM_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' https: data:; "
            "frame-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")
MAX_FORM_FIELDS = 200
MAX_BODY = 256 * 1024  # the largest team form (an intro and twenty addresses) is a few KB

Endpoint = Callable[["TeamRequest"], Awaitable[Response]]
# What a refused or missing team page says (Danish keys, English in texts.py), by status or kind.
REFUSALS = {
    "403": ("Det har du ikke adgang til", "Din rolle giver ikke adgang til denne side. Spørg en administrator."),
    "expired": ("Formularen er udløbet", "Gå tilbage, genindlæs siden og prøv igen."),
    "404": ("Siden findes ikke", "Adressen er forkert, eller det, der lå her, er slettet."),
    "413": ("Formularen er for stor", "Gør teksten kortere, eller send færre ting ad gangen."),
    "other": ("Det lykkedes ikke", "Gå tilbage, og prøv igen. Sker det igen, så sig det til en administrator."),
}


@dataclass
class TeamRequest:
    """What an endpoint gets: the request, the user (None only on PUBLIC routes), the form."""

    request: Request
    user: User | None
    lang: str
    form: FormData | None = None
    path_params: dict[str, Any] = field(default_factory=dict)

    @property
    def me(self) -> User:
        assert self.user is not None, "only PUBLIC routes run without a user"
        return self.user

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default

    def int_param(self, name: str) -> int:
        return int(self.path_params[name])

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a (blocking) stage function off the event loop."""
        return await run_in_threadpool(fn, *args, **kwargs)


async def _body_within(request: Request, limit: int) -> bool:
    """Read the body up to ``limit`` bytes (never more into memory); False when it is larger.
    The body read is kept on the request, where ``request.form()`` finds it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return False
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return False
        chunks.append(chunk)
    request._body = b"".join(chunks)  # Starlette's stream() and form() read a body kept here
    return True


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class Team:
    """Shared by the areas: config, database, the guard, rendering, flash messages."""

    def __init__(self, config: Config, db: Database, pages: Pages, csrf: Csrf, origins: OriginCheck,
                 nav: Sequence[tuple[str, str, str]]) -> None:
        self.config = config
        self.db = db
        self.pages = pages
        self.csrf = csrf
        self.origins = origins
        self.nav = list(nav)
        self.https = config.settings.base_url.startswith("https://")
        self.flash_signer = URLSafeSerializer(config.settings.secret_key, salt="newsletter.team.flash")
        self.session_signer = URLSafeSerializer(config.settings.secret_key, salt="newsletter.team.session")

    # --- the guard --------------------------------------------------------------------------

    def route(self, path: str, endpoint: Endpoint, *, permission: str | None = "edit",
              methods: Sequence[str] = ("GET",), name: str | None = None, max_body: int = MAX_BODY,
              max_files: int = 0) -> Route:
        """A guarded route. ``permission=None`` only for the paths in ``PUBLIC``. A route that
        takes an upload says so with ``max_files`` and a larger ``max_body``; every other form
        stays at 256 KB without files. The Origin and CSRF checks are the same either way."""
        if permission is None and path not in PUBLIC:
            raise ValueError(f"{path} has no permission but is not in PUBLIC")
        if permission is not None and permission not in accounts.PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")

        async def guarded(request: Request) -> Response:
            lang = self.language(request)
            user = await run_in_threadpool(self.current_user, request)
            if permission is not None:
                if user is None:
                    if wants_json(request):
                        return JSONResponse({"error": "login required"}, status_code=401)
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"{LOGIN}?next={quote(target)}", status_code=303)
                if not accounts.role_allows(user.role, permission):
                    return self.refusal(TeamRequest(request, user, lang), 403)
            form = None
            if request.method == "POST":
                if not await _body_within(request, max_body):
                    return self.refusal(TeamRequest(request, user, lang), 413)
                form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=max_files)
                if not self.origins.allowed(request) or not self.csrf.check(request, str(form.get("csrf") or "")):
                    return self.refusal(TeamRequest(request, user, lang), 403, "expired")
            return await endpoint(TeamRequest(request, user, lang, form, dict(request.path_params)))

        guarded.team_permission = permission  # type: ignore[attr-defined]  # read by the route-table test
        return Route(path, guarded, methods=list(methods), name=name)

    def current_user(self, request: Request) -> User | None:
        token = self.session_token(request)
        return accounts.session_user(self.db, self.config, token) if token else None

    def session_token(self, request: Request) -> str | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            return str(self.session_signer.loads(cookie))
        except BadSignature:
            return None

    def start_session(self, response: Response, token: str) -> None:
        response.set_cookie(SESSION_COOKIE, self.session_signer.dumps(token), httponly=True, samesite="lax",
                            secure=self.https, path="/team")

    def end_session(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/team", httponly=True, samesite="lax", secure=self.https)

    # --- language ---------------------------------------------------------------------------

    def language(self, request: Request) -> str:
        asked = request.query_params.get("lang")
        if asked in texts.LANGUAGES:
            return asked
        saved = request.cookies.get(LANG_COOKIE)
        return saved if saved in texts.LANGUAGES else "da"

    # --- responses --------------------------------------------------------------------------

    def page(self, req: TeamRequest, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        request, lang = req.request, req.lang

        def t(text: str, **values: object) -> str:
            return texts.t(lang, text, **values)

        flash = self._read_flash(request)
        nav = [(path, t(label)) for path, label, permission in self.nav
               if req.user is not None and accounts.role_allows(req.user.role, permission)]
        html = self.pages.env.get_template(template).render(
            t=t, lang=lang, brand=self.config.brand, csrf=self.csrf.token(request), user=req.user,
            path=request.url.path, nav=nav, flash=flash, texts=texts, **context)
        response = HTMLResponse(html, status_code=status)
        self.secure(response)
        self.csrf.set_cookie(request, response)
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/team")
        if request.query_params.get("lang") in texts.LANGUAGES:
            response.set_cookie(LANG_COOKIE, request.query_params["lang"], samesite="lax",
                                secure=self.https, path="/team", max_age=365 * 86400)
        return response

    async def error_page(self, request: Request, status: int) -> Response:
        """The answer to a team path that failed outside an endpoint's own handling (the app's
        exception handlers call this for ``/team/``): a page of the workspace, or JSON."""
        user = await run_in_threadpool(self.current_user, request)
        return self.refusal(TeamRequest(request, user, self.language(request)), status)

    def refusal(self, req: TeamRequest, status: int, kind: str = "") -> Response:
        """403, 404, 413 and the like as a workspace page in the user's language with a way back
        to the start page; a JSON request gets ``{"error": ...}`` with the same status."""
        title, body = REFUSALS.get(kind or str(status), REFUSALS["other"])
        if wants_json(req.request):
            response: Response = JSONResponse({"error": texts.t("en", title), "status": status}, status_code=status)
            self.secure(response)
            return response
        return self.page(req, "team/message.html", status=status, title=texts.t(req.lang, title),
                         body=texts.t(req.lang, body), code=status)

    def secure(self, response: Response) -> None:
        response.headers["content-security-policy"] = TEAM_CSP
        response.headers["cache-control"] = "no-store"

    def done(self, req: TeamRequest, url: str, message: str = "", kind: str = "ok") -> Response:
        """Redirect after a POST (303), with a one-time message shown on the next page."""
        response = RedirectResponse(url, status_code=303)
        if message:
            response.set_cookie(FLASH_COOKIE, self.flash_signer.dumps({"kind": kind, "text": message}),
                                httponly=True, samesite="lax", secure=self.https, path="/team")
        return response

    def failed(self, req: TeamRequest, url: str, error: NewsletterError) -> Response:
        return self.done(req, url, texts.error_text(req.lang, error), kind="error")

    def _read_flash(self, request: Request) -> dict[str, str] | None:
        cookie = request.cookies.get(FLASH_COOKIE)
        if not cookie:
            return None
        try:
            data = self.flash_signer.loads(cookie)
        except BadSignature:
            return None
        return {"kind": str(data.get("kind", "ok")), "text": str(data.get("text", ""))}


def as_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
