"""Issue 9, the rest: changing a user's role (``newsletter users role`` and the users page),
the last active admin kept, and the workspace's own 404 and 403 pages (Danish, English with
``?lang=en``, JSON for a JSON request)."""

from __future__ import annotations

from typing import Any

from newsletter import accounts
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.issues import audit_entries
from tests.team.conftest import Clients, csrf_of, make_user


def role_entries(db: Database, name: str) -> list[dict[str, Any]]:
    user = accounts.find(db, name)
    with db.connect() as conn:
        return [e for e in audit_entries(conn, "user", user.id) if e["action"] == "user-role"]


# --- the command line ----------------------------------------------------------------------------

def test_users_role_changes_the_role_and_audits_who_did_it(cli, db: Database, team_config: Config) -> None:  # type: ignore[no-untyped-def]
    make_user(db, team_config, "mette", "editor")
    result = cli("users", "role", "mette@trekantomraadet.dk", "approver")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "User mette is approver (was editor)."
    assert accounts.find(db, "mette").role == "approver"
    [entry] = role_entries(db, "mette")
    assert entry["actor"].startswith("cli") and entry["detail"] == {"name": "mette", "from": "editor", "to": "approver"}
    again = cli("users", "role", "mette", "approver")
    assert again.output.strip() == "User mette is already approver." and len(role_entries(db, "mette")) == 1


def test_users_role_refuses_an_unknown_role_in_one_line(cli, db: Database, team_config: Config) -> None:  # type: ignore[no-untyped-def]
    make_user(db, team_config, "mette", "editor")
    result = cli("users", "role", "mette", "boss")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: unknown role 'boss'; choose one of editor, approver, admin"]
    assert accounts.find(db, "mette").role == "editor"
    missing = cli("users", "role", "nobody", "admin")
    assert missing.exit_code == 1 and missing.output.startswith("Error: no user 'nobody'")


def test_the_last_active_admin_keeps_the_role(cli, db: Database, team_config: Config) -> None:  # type: ignore[no-untyped-def]
    make_user(db, team_config, "ada", "admin")
    make_user(db, team_config, "bo", "admin")
    accounts.set_disabled(db, "bo", True)  # a disabled admin does not count
    for args in (("role", "ada", "editor"), ("disable", "ada")):
        refused = cli("users", *args)
        assert refused.exit_code == 1 and "ada is the last active admin" in refused.output, refused.output
    assert accounts.find(db, "ada").role == "admin" and not accounts.find(db, "ada").disabled
    assert cli("users", "enable", "bo").output.strip() == "User bo is enabled."
    assert cli("users", "role", "ada", "editor").exit_code == 0  # bo is an admin who can log in
    refused = cli("users", "role", "bo", "approver")
    assert refused.exit_code == 1 and "bo is the last active admin" in refused.output
    assert [u.role for u in accounts.list_users(db)] == ["editor", "admin"]


def test_disable_and_enable_share_one_path(cli, db: Database, team_config: Config) -> None:  # type: ignore[no-untyped-def]
    make_user(db, team_config, "mette", "editor")
    assert cli("users", "disable", "mette").output.strip() == "User mette is disabled."
    assert accounts.find(db, "mette").disabled
    assert cli("users", "enable", "mette").output.strip() == "User mette is enabled."
    user = accounts.find(db, "mette")
    with db.connect() as conn:
        actions = [e["action"] for e in audit_entries(conn, "user", user.id)]
    assert not user.disabled and actions == ["user-add", "user-disable", "user-enable"]


# --- the users page --------------------------------------------------------------------------------

def test_an_admin_changes_a_role_on_the_users_page(clients: Clients, db: Database) -> None:
    admin = clients.as_user("ada")
    page = admin.get("/team/users")
    assert 'action="/team/users/role"' in page.text and 'id="role-' in page.text
    answer = admin.post("/team/users/role", data={"csrf": csrf_of(page.text), "user": "erik", "role": "approver"})
    assert answer.status_code == 200 and "erik er nu godkender." in answer.text
    assert accounts.find(db, "erik").role == "approver"
    [entry] = role_entries(db, "erik")
    assert entry["actor"] == "ada" and entry["detail"]["to"] == "approver"


def test_the_users_page_keeps_the_last_admin_and_says_so_in_danish(clients: Clients, db: Database) -> None:
    admin = clients.as_user("ada")
    token = csrf_of(admin.get("/team/users").text)
    answer = admin.post("/team/users/role", data={"csrf": token, "user": "ada", "role": "editor"})
    assert "ada er den sidste aktive administrator." in answer.text
    assert accounts.find(db, "ada").role == "admin"
    bad = admin.post("/team/users/role", data={"csrf": token, "user": "erik", "role": "boss"})
    assert "«boss» er ikke en rolle." in bad.text and accounts.find(db, "erik").role == "editor"


def test_an_admin_who_steps_down_lands_on_the_start_page(clients: Clients, db: Database, team_config: Config) -> None:
    make_user(db, team_config, "bo", "admin")
    admin = clients.as_user("ada")
    token = csrf_of(admin.get("/team/users").text)
    answer = admin.post("/team/users/role", data={"csrf": token, "user": "ada", "role": "approver"},
                        follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/team/"
    assert admin.get("/team/users").status_code == 403  # the new role counts from the next request


def test_only_an_admin_may_change_roles(clients: Clients, db: Database) -> None:
    for name in ("erik", "anne"):
        client = clients.as_user(name)
        token = csrf_of(client.get("/team/").text)
        answer = client.post("/team/users/role", data={"csrf": token, "user": name, "role": "admin"})
        assert answer.status_code == 403 and "Det har du ikke adgang til" in answer.text
        assert accounts.find(db, name).role != "admin"
    anonymous = clients.anonymous()
    answer = anonymous.post("/team/users/role", data={"user": "erik", "role": "admin"}, follow_redirects=False)
    assert answer.status_code == 303 and "/team/login" in answer.headers["location"]
    admin = clients.as_user("ada")
    forged = admin.post("/team/users/role", data={"user": "erik", "role": "admin"})  # no CSRF token
    assert forged.status_code == 403 and "Formularen er udløbet" in forged.text
    assert accounts.find(db, "erik").role == "editor"


# --- the workspace's error pages ---------------------------------------------------------------

def test_a_missing_team_page_is_a_workspace_page_in_danish_and_english(clients: Clients) -> None:
    editor = clients.as_user("erik")
    for path in ("/team/findes-ikke", "/team/issues/999"):
        answer = editor.get(path)
        assert answer.status_code == 404, path
        assert "Siden findes ikke" in answer.text and "Fejl 404" in answer.text
        assert 'href="/team/"' in answer.text and "Tilbage til ugen" in answer.text
        assert "/static/team.css" in answer.text and "Log ud" in answer.text  # the workspace's own frame
    english = editor.get("/team/findes-ikke?lang=en")
    assert english.status_code == 404 and "Page not found" in english.text and "Back to this week" in english.text
    assert '<html lang="en">' in english.text
    anonymous = clients.anonymous().get("/team/findes-ikke")
    assert anonymous.status_code == 404 and "Til forsiden" in anonymous.text and "Log ud" not in anonymous.text


def test_a_refused_team_page_is_a_workspace_page(clients: Clients) -> None:
    editor = clients.as_user("erik")
    answer = editor.get("/team/users")
    assert answer.status_code == 403 and "Det har du ikke adgang til" in answer.text and "Fejl 403" in answer.text
    assert 'href="/team/"' in answer.text
    english = editor.get("/team/users?lang=en")
    assert "You do not have access to this" in english.text and "Error 403" in english.text


def test_a_json_request_gets_json(clients: Clients) -> None:
    editor = clients.as_user("erik")
    json_only = {"Accept": "application/json"}
    for path, status in (("/team/findes-ikke", 404), ("/team/issues/999", 404), ("/team/users", 403)):
        answer = editor.get(path, headers=json_only)
        assert answer.status_code == status and answer.headers["content-type"].startswith("application/json"), path
        assert answer.json()["status"] == status and answer.json()["error"]
    assert clients.anonymous().get("/team/", headers=json_only).status_code == 401


def test_the_public_pages_keep_their_own_404(clients: Clients) -> None:
    answer = clients.anonymous().get("/findes-ikke")
    assert answer.status_code == 404 and "/static/team.css" not in answer.text



def test_two_admins_stepping_down_at_once_leave_one_admin(db: Database, team_config: Config) -> None:
    """PostgreSQL: the admins' rows are locked while they are counted, so a second demotion
    waits for the first and then sees one admin left. Here the first (ada's) is held open in a
    transaction while bo's runs; without the lock bo's count would still see ada and both would
    step down. (SQLite lets one writer at a time, so the race cannot arise there.)"""
    import threading

    import pytest

    from newsletter.db import users as q
    from newsletter.db.types import utcnow

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    make_user(db, team_config, "ada", "admin")
    make_user(db, team_config, "bo", "admin")
    ada = accounts.find(db, "ada")
    outcome: list[str] = []

    def bo_steps_down() -> None:
        try:
            accounts.set_role(db, "bo", "editor", by="bo")
            outcome.append("done")
        except accounts.AccountError as e:
            outcome.append(str(e))

    other = threading.Thread(target=bo_steps_down)
    with db.begin() as conn:  # what set_role does for ada, held open while bo's call starts
        assert sorted(q.active_admins(conn)) == sorted([ada.id, accounts.find(db, "bo").id])
        q.update_user(conn, ada.id, utcnow(), role="editor")
        other.start()
        other.join(2)  # bo's call waits on ada's row (or has not got there yet)
    other.join(30)
    assert outcome and outcome[0].startswith("bo is the last active admin"), outcome
    assert [u.name for u in accounts.list_users(db) if u.role == "admin"] == ["bo"]
