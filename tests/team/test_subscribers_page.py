"""The subscribers page (admin, issue 9 §6) through the real app: search, one person's record,
CSV import with its per-row report, export, and GDPR erasure with a typed confirmation."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.schema import audit_log
from newsletter.errors import NotFound
from newsletter.subscribers import manage
from tests.team.conftest import Clients, csrf_of

CSV = ("e-mail;navn;virksomhed\n"
       "mette@example.dk;Mette Østergaard;Vejle Kommune\n"
       "ikke-en-adresse;Forkert Række;\n"
       "soeren@example.dk;Søren Ålund;Fredericia Maskinfabrik\n").encode("windows-1252")


def add_people(db: Database, config: Config) -> None:
    manage.add(db, config, "Karen.Holm@Example.dk", ["ugebrev"], "papirblanket, Industriens Dag 2026", "ada",
               name="Karen Holm", organisation="Business Kolding")
    manage.add(db, config, "jens@dima.dk", ["ugebrev"], "visitkort", "ada", name="Jens Dahl")


def test_editor_and_approver_are_refused(clients: Clients) -> None:
    for name in ("erik", "anne"):
        client = clients.as_user(name)
        for url in ("/team/subscribers", "/team/subscribers/export", "/team/subscribers/show?email=a@b.dk"):
            answer = client.get(url)
            assert answer.status_code == 403 and "Det har du ikke adgang til" in answer.text
        assert "/team/subscribers" not in client.get("/team/").text  # not in their navigation


def test_search_counts_and_record(clients: Clients, db: Database, team_config: Config) -> None:
    add_people(db, team_config)
    admin = clients.as_user("ada")
    page = admin.get("/team/subscribers")
    assert page.status_code == 200 and 'href="/team/subscribers" aria-current="page"' in page.text
    assert "Karen.Holm@Example.dk" in page.text and "jens@dima.dk" in page.text  # the newest, unsearched
    assert '<th scope="row">Nyt fra Danmarks Produktionscentrum</th><td class="num">2</td>' in page.text
    found = admin.get("/team/subscribers", params={"q": "holm"})
    assert "Karen.Holm@Example.dk" in found.text and "jens@dima.dk" not in found.text and "1 fundet" in found.text
    by_org = admin.get("/team/subscribers", params={"q": "business"})
    assert "Karen.Holm@Example.dk" in by_org.text
    wildcard = admin.get("/team/subscribers", params={"q": "%"})
    assert "Ingen abonnenter passer" in wildcard.text  # % is a character, not a wildcard
    record = admin.get("/team/subscribers/show", params={"email": "karen.holm@example.dk"})
    assert record.status_code == 200
    assert "Karen Holm · Business Kolding" in record.text and "aktiv" in record.text
    assert "papirblanket, Industriens Dag 2026" in record.text and "redaktionen" in record.text
    assert "kl. " in record.text and "Personen har ikke fået nogen udgaver endnu." in record.text
    missing = admin.get("/team/subscribers/show", params={"email": "nobody@example.dk"})
    assert "Det lykkedes ikke" in missing.text or "nobody@example.dk" in missing.text


def test_import_reports_the_bad_row_by_line(clients: Clients, db: Database) -> None:
    admin = clients.as_user("ada")
    page = admin.get("/team/subscribers")
    answer = admin.post("/team/subscribers/import", data={
        "csrf": csrf_of(page.text), "newsletter": "ugebrev", "consent_source": "tilmeldingsliste, messe 2026"},
        files={"file": ("messe.csv", CSV, "text/csv")})
    assert answer.status_code == 200 and "Import færdig" in answer.text
    assert "2 af 3 rækker importeret (2 nye, 0 fandtes i forvejen); 1 sprunget over." in answer.text
    row = answer.text.split('class="import-problems"', 1)[1]
    assert '<td class="num">3</td><td>ikke-en-adresse</td>' in row  # the header is line 1
    person = manage.show(db, "soeren@example.dk")
    assert person.name == "Søren Ålund" and person.subscriptions == {"ugebrev": "active"}
    _, _, consents = manage.details(db, "mette@example.dk")
    assert "messe.csv" in consents[0].detail and "ada" in consents[0].detail + consents[0].source


def test_import_refuses_a_post_without_csrf_or_too_large(clients: Clients) -> None:
    admin = clients.as_user("ada")
    no_token = admin.post("/team/subscribers/import", data={"newsletter": "ugebrev", "consent_source": "x"},
                          files={"file": ("a.csv", CSV, "text/csv")})
    assert no_token.status_code == 403
    page = admin.get("/team/subscribers")
    huge = admin.post("/team/subscribers/import", data={"csrf": csrf_of(page.text), "newsletter": "ugebrev",
                                                        "consent_source": "x"},
                      files={"file": ("a.csv", b"e-mail\n" + b"a@example.dk\n" * 800_000, "text/csv")})
    assert huge.status_code == 413
    # every other team form still takes no file
    other = admin.post("/team/users/add", data={"csrf": csrf_of(page.text), "name": "x", "email": "x@example.dk"},
                       files={"file": ("a.csv", CSV, "text/csv")})
    assert other.status_code in (400, 413)


def test_export_downloads_csv(clients: Clients, db: Database, team_config: Config) -> None:
    add_people(db, team_config)
    answer = clients.as_user("ada").get("/team/subscribers/export", params={"newsletter": "ugebrev"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="abonnenter-ugebrev.csv"'
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["email"] for r in rows} == {"karen.holm@example.dk", "jens@dima.dk"}
    assert rows[0]["status"] == "active"


def test_erase_needs_the_typed_address(clients: Clients, db: Database, team_config: Config) -> None:
    add_people(db, team_config)
    admin = clients.as_user("ada")
    confirm = admin.get("/team/subscribers/erase", params={"email": "jens@dima.dk"})
    assert confirm.status_code == 200 and "Skriv adressen jens@dima.dk for at bekræfte" in confirm.text
    wrong = admin.post("/team/subscribers/erase", data={"csrf": csrf_of(confirm.text), "email": "jens@dima.dk",
                                                        "confirm": "jens@dima"})
    assert wrong.status_code == 400 and "Adressen passer ikke" in wrong.text
    assert manage.show(db, "jens@dima.dk").name == "Jens Dahl"  # still there
    done = admin.post("/team/subscribers/erase", data={"csrf": csrf_of(confirm.text), "email": "jens@dima.dk",
                                                       "confirm": " Jens@Dima.dk "})
    assert done.status_code == 200 and "jens@dima.dk er slettet." in done.text
    try:
        manage.show(db, "jens@dima.dk")
        raise AssertionError("the person is still stored")
    except NotFound:
        pass
    assert "jens@dima.dk" not in admin.get("/team/subscribers").text
    with db.connect() as conn:
        entries = conn.execute(select(audit_log).where(audit_log.c.action == "gdpr-erase")).all()
    assert [e.actor for e in entries] == ["ada"]
    assert "jens@dima.dk" not in entries[0].detail and json.loads(entries[0].detail)["was_stored"] is True
