"""Issue 8 §4: ids are never reused, and an old link never acts on someone else (SQLite and
PostgreSQL), including links made before migration 0008."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from newsletter.config import Config
from newsletter.db import Database, create_db_engine, upgrade
from newsletter.subscribers import gdpr, links_for, manage, signup
from newsletter.subscribers.tokens import make_token
from tests.subscribers.conftest import csrf_of


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_the_next_sign_up_after_forget_gets_a_new_id_and_old_links_do_nothing(client_for, config: Config,
                                                                              db: Database):
    client = client_for(config)
    old = manage.add(db, config, "gammel@firma.dk", ["ugebrev"], "messe", "tester", name="Gammel")
    links = links_for(db, config.settings, old.id, "ugebrev")
    assert gdpr.forget(db, "gammel@firma.dk")
    new = manage.add(db, config, "ny@firma.dk", ["ugebrev"], "messe", "tester", name="Ny Person")
    assert new.id != old.id  # AUTOINCREMENT on SQLite; a sequence on PostgreSQL
    # the erased person's links, from an old email, reach no one
    client.cookies.clear()
    one_click = client.post(path_of(links.unsubscribe_url), data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    prefs = client.get(path_of(links.preferences_url))
    assert prefs.status_code == 400 and "Ny Person" not in prefs.text and "ny@firma.dk" not in prefs.text
    assert manage.show(db, "ny@firma.dk").subscriptions == {"ugebrev": "active"}


def test_a_link_names_its_row_not_only_its_id(client_for, config: Config, db: Database):
    """Even if a row got an erased person's id (forced here by hand), their links stay dead."""
    client = client_for(config)
    old = manage.add(db, config, "foerst@firma.dk", ["ugebrev"], "messe", "tester")
    links = links_for(db, config.settings, old.id, "ugebrev")
    gdpr.forget(db, "foerst@firma.dk")
    with db.begin() as conn:
        conn.execute(text("INSERT INTO subscribers (id, email, email_display, name, organisation, language, "
                          "created_at, updated_at, link_key) VALUES (:id, 'efter@firma.dk', 'efter@firma.dk', "
                          "'Efter', '', 'da', :now, :now, 'another-key')"),
                     {"id": old.id, "now": datetime.now(UTC).replace(tzinfo=None)})
        conn.execute(text("INSERT INTO subscriptions (subscriber_id, newsletter_key, status, all_sections, "
                          "created_at, updated_at) VALUES (:id, 'ugebrev', 'active', true, :now, :now)"),
                     {"id": old.id, "now": datetime.now(UTC).replace(tzinfo=None)})
    client.cookies.clear()
    assert client.post(path_of(links.unsubscribe_url), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert manage.show(db, "efter@firma.dk").subscriptions == {"ugebrev": "active"}
    assert client.get(path_of(links.preferences_url)).status_code == 400
    # the new person's own links work
    own = links_for(db, config.settings, old.id, "ugebrev")
    assert client.get(path_of(own.preferences_url)).status_code == 200
    assert client.post(path_of(own.unsubscribe_url), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert manage.show(db, "efter@firma.dk").subscriptions == {"ugebrev": "unsubscribed"}


def test_links_made_before_the_migration(config: Config, db: Database):
    """Old two-part tokens (no key) keep working for the row they were made for, and only for
    a row that existed when they were signed."""
    secret = config.settings.secret_key
    view = manage.add(db, config, "gammelt-link@firma.dk", ["ugebrev"], "messe", "tester")
    issued_after = time.time() + 1
    old_style = make_token(secret, "unsubscribe", view.id, "ugebrev", now=issued_after)
    assert signup.unsubscribe(db, config, old_style, "test") == "ugebrev"
    assert manage.show(db, "gammelt-link@firma.dk").subscriptions == {"ugebrev": "unsubscribed"}
    # an old token signed before this row existed belongs to whoever had the id then
    other = manage.add(db, config, "andet@firma.dk", ["ugebrev"], "messe", "tester")
    before = make_token(secret, "unsubscribe", other.id, "ugebrev", now=time.time() - 3600)
    assert signup.unsubscribe(db, config, before, "test") is None
    assert manage.show(db, "andet@firma.dk").subscriptions == {"ugebrev": "active"}
    prefs_before = make_token(secret, "preferences", other.id, now=time.time() - 3600)
    with pytest.raises(signup.BadToken):
        signup.load_preferences(db, config, prefs_before)


def test_migration_0008_on_a_database_with_people(tmp_path, config: Config):
    """Rows, their subscriptions and consent records survive the rebuild; ids are not reused
    after it; a confirmation link sent before it confirms what was pending then."""
    db = Database(create_db_engine(f"sqlite:///{tmp_path / 'old.db'}"))
    upgrade(db, "0006")
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.begin() as conn:
        for sid, email, status, nonce in ((1, "a@firma.dk", "active", None), (2, "b@firma.dk", "active", None),
                                          (3, "c@firma.dk", "pending", "n0nce")):
            conn.execute(text("INSERT INTO subscribers (id, email, email_display, name, organisation, language, "
                              "confirm_nonce, created_at, updated_at) VALUES (:id, :e, :e, '', '', 'da', :n, :t, :t)"),
                         {"id": sid, "e": email, "n": nonce, "t": now})
            conn.execute(text("INSERT INTO subscriptions (subscriber_id, newsletter_key, status, all_sections, "
                              "created_at, updated_at) VALUES (:id, 'ugebrev', :s, 1, :t, :t)"),
                         {"id": sid, "s": status, "t": now})
            conn.execute(text("INSERT INTO consent_records (subscription_id, action, at, source, detail) "
                              "VALUES (:id, 'given', :t, 'web', '')"), {"id": sid, "t": now})
    pending_link = make_token(config.settings.secret_key, "confirm", 3, "n0nce")
    upgrade(db)
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM subscriptions")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM consent_records")).scalar() == 3
        keys = conn.execute(text("SELECT link_key FROM subscribers")).scalars().all()
        assert len(set(keys)) == 3 and all(len(k) == 16 for k in keys)
    assert signup.confirm(db, config, pending_link, ip=None).newsletters == ("ugebrev",)
    assert manage.show(db, "c@firma.dk").subscriptions == {"ugebrev": "active"}
    gdpr.forget(db, "c@firma.dk")
    assert manage.add(db, config, "d@firma.dk", ["ugebrev"], "messe", "tester").id == 4
    db.dispose()


def test_confirmed_page_link_and_outbox_links_carry_the_key(client_for, smtp_config: Config, smtp_server,
                                                           db: Database):
    """The links stored with outbox rows (queue time) are the ones that work."""
    from newsletter.subscribers import personal_links, recipients

    client = client_for(smtp_config)
    page = client.get("/")
    client.post("/", data={"csrf": csrf_of(page.text), "email": "k@firma.dk", "newsletter": ["ugebrev"],
                           "consent": "yes"})
    confirm = [m for _, _, m in smtp_server.messages][0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    path = path_of(next(w for w in confirm.split() if "/confirm/" in w))
    done = client.post(path, data={"csrf": csrf_of(client.get(path).text)})
    assert done.status_code == 200
    [recipient] = recipients(db, "ugebrev")
    links = personal_links(smtp_config.settings, recipient.subscriber_id, "ugebrev", recipient.link_key)
    assert path_of(links.preferences_url).split(".")[0] in done.text  # same payload as the confirmed page's
    assert client.get(path_of(links.preferences_url)).status_code == 200
