"""The subscribers page (admin, issue 9 §6) through the real app: search, one person's record,
CSV import with its per-row report, export, and GDPR erasure with a typed confirmation. A person
is named by id in every URL, never by address (access logs, history, Referer)."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from urllib.parse import unquote, urljoin, urlsplit

from sqlalchemy import select

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.schema import audit_log, outbox
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
        for url in ("/team/subscribers", "/team/subscribers/export", "/team/subscribers/1",
                    "/team/subscribers/1/erase"):
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
    found = search(admin, page.text, "holm")
    assert "Karen.Holm@Example.dk" in found.text and "jens@dima.dk" not in found.text and "1 fundet" in found.text
    by_address = search(admin, page.text, "karen.holm@example.dk")  # typed into the form, not into a URL
    assert "1 fundet" in by_address.text and str(by_address.url).endswith("/team/subscribers")
    by_org = search(admin, page.text, "business")
    assert "Karen.Holm@Example.dk" in by_org.text
    wildcard = search(admin, page.text, "%")
    assert "Ingen abonnenter passer" in wildcard.text  # % is a character, not a wildcard
    karen = manage.show(db, "karen.holm@example.dk")
    assert f'href="/team/subscribers/{karen.id}">Karen.Holm@Example.dk</a>' in found.text
    record = admin.get(f"/team/subscribers/{karen.id}")
    assert record.status_code == 200
    assert "Karen Holm · Business Kolding" in record.text and "aktiv" in record.text
    assert "papirblanket, Industriens Dag 2026" in record.text and "redaktionen" in record.text
    assert "kl. " in record.text and "Personen har ikke fået nogen udgaver endnu." in record.text
    missing = admin.get("/team/subscribers/999999")
    assert missing.url.path == "/team/subscribers" and "Det lykkedes ikke" in missing.text
    # the old address-in-the-URL pages are gone, and a search in the query string finds nothing
    assert admin.get("/team/subscribers/show", params={"email": "karen.holm@example.dk"}).status_code == 404
    assert "1 fundet" not in admin.get("/team/subscribers", params={"q": "holm"}).text


def search(client, page: str, words: str):  # type: ignore[no-untyped-def]
    return client.post("/team/subscribers", data={"csrf": csrf_of(page), "q": words})


def test_a_search_without_csrf_is_refused(clients: Clients, db: Database, team_config: Config) -> None:
    add_people(db, team_config)
    answer = clients.as_user("ada").post("/team/subscribers", data={"q": "holm"})
    assert answer.status_code == 403 and "Karen.Holm" not in answer.text


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
    jens = manage.show(db, "jens@dima.dk").id
    confirm = admin.get(f"/team/subscribers/{jens}/erase")
    assert confirm.status_code == 200 and "Skriv adressen jens@dima.dk for at bekræfte" in confirm.text
    assert f'action="/team/subscribers/{jens}/erase"' in confirm.text
    wrong = admin.post(f"/team/subscribers/{jens}/erase", data={"csrf": csrf_of(confirm.text), "confirm": "jens@dima"})
    assert wrong.status_code == 400 and "Adressen passer ikke" in wrong.text
    assert manage.show(db, "jens@dima.dk").name == "Jens Dahl"  # still there
    # the typed address must be this person's: Karen's address does not erase Jens
    karen = manage.show(db, "karen.holm@example.dk").id
    other = admin.post(f"/team/subscribers/{jens}/erase", data={"csrf": csrf_of(confirm.text),
                                                                "confirm": "karen.holm@example.dk"})
    assert other.status_code == 400 and manage.show(db, "karen.holm@example.dk").id == karen
    done = admin.post(f"/team/subscribers/{jens}/erase", data={"csrf": csrf_of(confirm.text),
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


ADDRESS_IN_URL = re.compile(r"@|%40", re.I)


def test_no_team_page_link_or_redirect_carries_an_address(clients: Clients, db: Database,
                                                          team_config: Config) -> None:
    """Every link, form target and redirect the admin can reach from the start page, with people
    and an issue in the database, is checked for an address (``@`` or ``%40``) in its URL."""
    from newsletter.compose import week_issue
    from tests.team.conftest import add_items

    add_people(db, team_config)
    add_items(db)
    week_issue(db, team_config, "ugebrev")
    admin = clients.as_user("ada")
    seen: set[str] = set()
    todo = ["/team/", "/team/subscribers"]
    carrying: list[str] = []
    while todo and len(seen) < 150:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        answer = admin.get(url, follow_redirects=False)
        if answer.is_redirect:
            target = answer.headers["location"]
            if ADDRESS_IN_URL.search(unquote(target)) or ADDRESS_IN_URL.search(target):
                carrying.append(f"{url} -> {target}")
            todo.append(urljoin(url, target))
            continue
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        for found in re.findall(r'(?:href|action|src)="([^"]*)"', answer.text):
            target = unescape(found)
            parts = urlsplit(urljoin("https://nyhedsbrev.example.dk" + url, target))
            if parts.netloc != "nyhedsbrev.example.dk" or target.startswith("mailto:"):
                continue
            if ADDRESS_IN_URL.search(parts.path + "?" + parts.query):
                carrying.append(f"{url}: {target}")
            if parts.path.startswith("/team/") and not parts.path.endswith(("/logout", "/export")):
                todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen) > 15 and any(re.fullmatch(r"/team/subscribers/\d+(/erase)?", u) for u in seen)
    assert carrying == []
    # the redirects of the person's actions: an unknown id, and a finished erasure
    page = admin.get("/team/subscribers")
    jens = manage.show(db, "jens@dima.dk").id
    for answer in (admin.get("/team/subscribers/999999", follow_redirects=False),
                   admin.post(f"/team/subscribers/{jens}/erase", follow_redirects=False,
                              data={"csrf": csrf_of(page.text), "confirm": "jens@dima.dk"})):
        assert answer.status_code == 303 and answer.headers["location"] == "/team/subscribers"


def test_a_record_says_each_delivery_in_danish(clients: Clients, db: Database, team_config: Config) -> None:
    """The record's deliveries show the outbox status as the team reads it, not the stored word."""
    from tests.outbox.conftest import fill_outbox

    add_people(db, team_config)
    karen = manage.show(db, "karen.holm@example.dk")
    fill_outbox(db, [(karen.id, "karen.holm@example.dk")])
    with db.begin() as conn:
        conn.execute(outbox.update().values(status="bounced"))
    page = clients.as_user("ada").get(f"/team/subscribers/{karen.id}").text
    deliveries = page.split("Udsendelser", 1)[1]
    assert '<span class="badge error">afvist af modtageren</span>' in deliveries
    assert ">bounced<" not in deliveries
    english = clients.as_user("ada").get(f"/team/subscribers/{karen.id}?lang=en").text
    assert '<span class="badge error">bounced</span>' in english.split("Deliveries", 1)[1]
