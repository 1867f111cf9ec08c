"""The web app (``newsletter serve``): Starlette, Jinja2 pages, by audience.

    public.py   subscribers: subscribe, confirm, preferences, one-click unsubscribe
    archive.py  the archive of sent issues at /arkiv/ (the emails' "Se webversionen" link)
    events.py   upcoming events at /arrangementer, their .ics files and feed (issue 12)
    team/       the team's workspace at /team/ (issue 9): one module per area

``create_app(config)`` builds it; tests run it in-process or under uvicorn.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from newsletter.config import Config
from newsletter.db import Database, open_db
from newsletter.db.schedule import scheduler_health
from newsletter.db.types import utcnow
from newsletter.errors import NewsletterError
from newsletter.media import web as media_web
from newsletter.web import archive, events, public, team
from newsletter.web.pages import Pages, request_language
from newsletter.web.security import BodyLimit, Csrf, OriginCheck, RateLimiter, SecurityHeaders

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(config: Config, db: Database | None = None) -> Starlette:
    settings = config.settings
    https = settings.base_url.startswith("https://")
    database = db or open_db(settings.database_url)
    csrf = Csrf(settings.secret_key, secure=https)
    pages = Pages(config, csrf)
    limits = config.data.subscribers

    async def health(request: Request) -> Response:
        try:
            with database.connect() as conn:
                conn.execute(text("SELECT 1"))
                scheduler = scheduler_health(conn, utcnow())  # issue 11: a stale heartbeat is unhealthy
        except Exception as e:  # noqa: BLE001 - health reports any failure as 503
            log.warning("health check failed: %s", e)
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        healthy = scheduler["healthy"] is not False
        body: dict[str, object] = {"status": "ok" if healthy else "error", "database": "ok"}
        if scheduler["healthy"] is not None:  # a scheduler runs (or ran) on this database
            body["scheduler"] = scheduler
        return JSONResponse(body, status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"})

    workspace = team.Team(config, database, pages, csrf, OriginCheck(settings.base_url), team.NAV)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if request.url.path.startswith("/team/"):
            return await workspace.error_page(request, status)
        key = "not_found" if status == 404 else "error"
        return pages.render(request, "message.html", request_language(request), status=status,
                            title_key=f"{key}_title", body_key=f"{key}_body")

    async def our_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status", 400)
        if request.url.path.startswith("/team/"):
            return await workspace.error_page(request, status)
        key = "not_found" if status == 404 else "error"
        return pages.render(request, "message.html", request_language(request), status=status,
                            title_key=f"{key}_title", body_key=f"{key}_body")

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return pages.render(request, "message.html", request_language(request), status=500,
                            title_key="error_title", body_key="error_body")

    routes = [
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *public.routes(config, database, pages, csrf,
                       RateLimiter(database, limits.subscribe_per_ip, limits.rate_window_minutes * 60),
                       OriginCheck(settings.base_url)),
        *archive.routes(config, database),
        *team.routes(workspace),
        *media_web.routes(config),  # /media/<name>: our copies of pictures, social cards (issue 10)
        *events.routes(config, database, pages),  # /arrangementer, .ics (issue 12)
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders, https=https), Middleware(BodyLimit, limit_for=public.body_limit)],
        exception_handlers={HTTPException: not_found, NewsletterError: our_error, 500: server_error},
    )
    app.state.db = database
    app.state.config = config
    return app
