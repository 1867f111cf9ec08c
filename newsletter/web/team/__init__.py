"""The team's workspace at ``/team/`` (issue 9): one module per area, templates in
``web/templates/team/``.

How to add an area (e.g. ``sending``, ``sources``, ``subscribers``)
-------------------------------------------------------------------
1. Write ``web/team/<area>.py`` with a function ``routes(team: Team) -> list[Route]`` that
   builds every route with ``team.route(path, endpoint, permission=..., methods=...)``, never
   with Starlette's ``Route`` directly: ``team.route`` is the guard. It answers 303 to the login
   page (401 for a JSON request) without a session, 403 when the user's role lacks
   ``permission`` ("edit", "approve" or "admin", see ``accounts.PERMISSIONS``), and for a POST
   checks the Origin and the CSRF token before the endpoint runs.
2. An endpoint is ``async def page(req: TeamRequest) -> Response``. ``req.user`` is the logged
   in ``User``, ``req.form`` the parsed POST form, ``req.lang`` "da" or "en". It parses the
   form, calls ONE stage function (the one the CLI calls; blocking calls through
   ``await req.run(fn, ...)``) and answers with ``team.page(req, "team/<area>.html", ...)``
   or, after a POST, ``team.done(req, url, message)`` (POST-redirect-GET with a flash message;
   a ``NewsletterError`` from the stage becomes an error flash on the same redirect via
   ``team.failed``). No rule lives only in the web layer.
3. The template extends ``team/base.html`` and fills ``{% block content %}``; its texts go
   through ``t("Dansk tekst")`` and get their English in ``web/team/texts.py``. Every form
   includes ``{% include "team/_csrf.html" %}``.
4. Add the module's name to ``AREAS`` below and, if the page belongs in the top navigation,
   an entry in ``NAV``. ``tests/team/test_guard.py`` walks the app's route table: a route under
   ``/team/`` that was not built by ``team.route`` (or is not in ``PUBLIC``) fails the test.

The issue page includes ``team/_social.html`` when it exists (the social posts of an issue).

Areas: ``auth`` (login, logout, set password), ``week`` (start page), ``issue`` (review item by
item), ``preview`` (rendered email, preflight, test send), ``plan`` (approve, schedule, send,
cancel), ``sending`` (delivery progress), ``sources`` (health, fetch now, activity chart),
``users`` (admin).
"""

from __future__ import annotations

from importlib import import_module

from starlette.routing import BaseRoute

from newsletter.web.team.base import PUBLIC, Team, TeamRequest

AREAS = ("auth", "week", "issue", "preview", "plan", "sending", "sources", "users", "subscribers", "social")
# (path, Danish label, permission): the top navigation of every team page
NAV = [
    ("/team/", "Ugen", "edit"),
    ("/team/sources", "Kilder", "edit"),
    ("/team/users", "Brugere", "admin"),
    ("/team/subscribers", "Abonnenter", "admin"),
]

__all__ = ["AREAS", "NAV", "PUBLIC", "Team", "TeamRequest", "routes"]


def routes(team: Team) -> list[BaseRoute]:
    """Every area's routes, built on one ``Team(config, db, pages, csrf, origins, NAV)``; the app
    keeps the same ``Team`` for its error pages under ``/team/`` (403, 404 in the workspace's look)."""
    found: list[BaseRoute] = []
    for area in AREAS:
        found.extend(import_module(f"newsletter.web.team.{area}").routes(team))
    return found
