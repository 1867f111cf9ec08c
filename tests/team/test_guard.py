"""Every team route is guarded: the test walks the app's route table, so a route added later
cannot be forgotten (issue 9 §1)."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Route

from newsletter.web.team import PUBLIC
from tests.team.conftest import Clients, csrf_of


def team_routes(app: Any) -> list[tuple[str, str, Any]]:
    found = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/team"):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    found.append((method, route.path, route.endpoint))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_team_route_is_built_by_the_guard(clients: Clients) -> None:
    app = clients.anonymous().app
    routes = team_routes(app)
    assert len(routes) >= 8
    for method, path, endpoint in routes:
        assert hasattr(endpoint, "team_permission"), f"{method} {path} was not built with team.route"
        if endpoint.team_permission is None:
            assert path in PUBLIC, f"{method} {path} is open without a session"


def test_no_session_means_login_or_401(clients: Clients) -> None:
    client = clients.anonymous()
    token = csrf_of(client.get("/team/login").text)
    for method, path, endpoint in team_routes(client.app):
        if endpoint.team_permission is None:
            continue
        url = concrete(path)
        answer = client.request(method, url, data={"csrf": token} if method == "POST" else None,
                                follow_redirects=False)
        assert answer.status_code == 303, (method, path, answer.status_code)
        assert answer.headers["location"].startswith("/team/login?next="), (method, path)
        as_json = client.request(method, url, headers={"Accept": "application/json"},
                                 data={"csrf": token} if method == "POST" else None, follow_redirects=False)
        assert as_json.status_code == 401, (method, path)


def test_a_role_that_may_not_gets_403(clients: Clients) -> None:
    editor = clients.as_user("erik")
    token = csrf_of(editor.get("/team/").text)
    checked = 0
    for method, path, endpoint in team_routes(editor.app):
        if endpoint.team_permission in ("approve", "admin"):
            answer = editor.request(method, concrete(path), data={"csrf": token} if method == "POST" else None,
                                    follow_redirects=False)
            assert answer.status_code == 403, (method, path, answer.status_code)
            checked += 1
    assert checked >= 3
    approver = clients.as_user("anne")
    assert approver.get("/team/users").status_code == 403
    assert clients.as_user("ada").get("/team/users").status_code == 200


def test_a_post_without_csrf_or_from_another_site_is_refused(clients: Clients) -> None:
    admin = clients.as_user("ada")
    page = admin.get("/team/users")
    no_token = admin.post("/team/users/add", data={"name": "mallory", "email": "m@example.dk", "role": "admin"},
                          follow_redirects=False)
    assert no_token.status_code == 403
    foreign = admin.post("/team/users/add", data={"csrf": csrf_of(page.text), "name": "mallory",
                                                  "email": "m@example.dk", "role": "admin"},
                         headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert foreign.status_code == 403
    assert "mallory" not in admin.get("/team/users").text
    ok = admin.post("/team/users/add", data={"csrf": csrf_of(page.text), "name": "mette",
                                             "email": "mette@trekantomraadet.dk", "role": "editor"})
    assert ok.status_code == 200 and "/team/password/" in ok.text
