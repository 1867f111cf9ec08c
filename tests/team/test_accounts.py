"""Accounts (issue 9 §1): the CLI's one-time link, Argon2 passwords with a minimum length and a
common-password list, login limits per account and per IP, cookie flags, idle timeout, disable."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from newsletter import accounts
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.types import utcnow
from newsletter.errors import AccountError
from tests.team.conftest import PASSWORD, Clients, csrf_of


def test_users_add_prints_a_one_time_link_that_sets_the_password(cli, db: Database, team_config: Config) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "add", "mette", "Mette@Trekantomraadet.dk", "--role", "approver")
    assert result.exit_code == 0, result.output
    link = next(line for line in result.output.splitlines() if "/team/password/" in line)
    token = link.rsplit("/", 1)[1]
    listed = cli("users", "list", "--json")
    assert '"role": "approver"' in listed.output and '"has_password": false' in listed.output
    for weak, why in [("kort", "at least 12"), ("adgangskode123", "too common"), ("aaaaaaaaaaaaaaaa", "too common"),
                      ("mette@trekantomraadet.dk", "your name")]:
        with pytest.raises(AccountError, match=why):
            accounts.set_password(db, team_config, token, weak)
    accounts.set_password(db, team_config, token, PASSWORD)
    with pytest.raises(AccountError, match="used or is too old"):
        accounts.set_password(db, team_config, token, PASSWORD + "!")
    from newsletter.db.schema import users

    with db.connect() as conn:
        stored = conn.execute(users.select()).first()._mapping["password_hash"]  # type: ignore[union-attr]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert cli("users", "add", "mette2", "mette@trekantomraadet.dk").exit_code == 1  # one address, one user
    assert cli("users", "add", "x", "x@example.dk", "--role", "boss").exit_code == 2  # click refuses the choice


def test_login_sets_a_safe_cookie_and_is_limited(clients: Clients, db: Database, team_config: Config) -> None:
    client = clients.anonymous()
    page = client.get("/team/login")
    ok = client.post("/team/login", data={"csrf": csrf_of(page.text), "name": "anne", "password": PASSWORD},
                     follow_redirects=False)
    cookie = ok.headers["set-cookie"]
    assert "nl_team=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" in cookie  # BASE_URL is https
    # five wrong passwords for one account: the sixth try is refused even with the right one
    attacker = clients.anonymous()
    token = csrf_of(attacker.get("/team/login").text)
    for _ in range(team_config.data.team.login_failures_per_account):
        wrong = attacker.post("/team/login", data={"csrf": token, "name": "erik", "password": "forkert forkert"})
        assert wrong.status_code == 401 and "Forkert brugernavn eller adgangskode." in wrong.text
    blocked = attacker.post("/team/login", data={"csrf": token, "name": "erik", "password": PASSWORD})
    assert blocked.status_code == 429 and "For mange forsøg" in blocked.text
    # per IP: many names from one address
    with pytest.raises(accounts.LoginThrottled):
        for i in range(team_config.data.team.login_failures_per_ip + 1):
            try:
                accounts.login(db, team_config, f"ukendt{i}", "forkert", "10.0.0.9")
            except accounts.LoginThrottled:
                raise
            except AccountError:
                pass


def test_idle_sessions_end_and_disable_logs_out(clients: Clients, db: Database, team_config: Config) -> None:
    _, token = accounts.login(db, team_config, "anne", PASSWORD, "127.0.0.1")
    idle = team_config.data.team.session_idle_minutes
    assert accounts.session_user(db, team_config, token) is not None
    assert accounts.session_user(db, team_config, token, now=utcnow() + timedelta(minutes=idle + 1)) is None
    assert accounts.session_user(db, team_config, token) is None  # gone for good, not just for a moment
    client = clients.as_user("erik")
    assert client.get("/team/").status_code == 200
    accounts.set_disabled(db, "erik")
    assert client.get("/team/", follow_redirects=False).status_code == 303
    with pytest.raises(AccountError):
        accounts.login(db, team_config, "erik", PASSWORD, "127.0.0.2")
    # logout ends the session on the server, not only in the browser
    anne = clients.as_user("anne")
    cookie = anne.cookies.get("nl_team")
    anne.post("/team/logout", data={"csrf": csrf_of(anne.get("/team/").text)})
    stranger = clients.anonymous()
    stranger.cookies.set("nl_team", cookie, domain="nyhedsbrev.example.dk", path="/team")
    assert stranger.get("/team/", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_workspace(clients: Clients) -> None:
    client = clients.anonymous()
    page = client.get("/team/login?next=//evil.example/x")
    answer = client.post("/team/login", data={"csrf": csrf_of(page.text), "name": "anne", "password": PASSWORD,
                                              "next": "//evil.example/x"}, follow_redirects=False)
    assert answer.headers["location"] == "/team/"


def test_four_eyes_rule_is_pure() -> None:
    assert accounts.four_eyes_problem("Anne", "anne") is not None
    assert accounts.four_eyes_problem("anne", "erik") is None
    assert accounts.four_eyes_problem("anne", None) is None
    assert accounts.role_allows("admin", "approve") and not accounts.role_allows("editor", "approve")


def test_cli_approve_follows_the_four_eyes_rule(cli, db: Database, team_config: Config) -> None:  # type: ignore[no-untyped-def]
    from newsletter import review
    from newsletter.compose import week_issue
    from newsletter.render import render_issue
    from tests.team.conftest import add_items

    add_items(db)
    issue = week_issue(db, team_config, "ugebrev")
    review.set_texts(db, issue.id, "lene", subject="Lenes emne")
    render_issue(db, team_config, issue.id)
    assert replace(team_config).data.team.four_eyes
    refused = cli("approve", str(issue.id), "--by", "lene")
    assert refused.exit_code == 1 and "four-eyes" in refused.output
    assert cli("approve", str(issue.id), "--by", "mads").exit_code == 0
