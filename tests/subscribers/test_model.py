"""Addresses, tokens, consent texts, recipients and GDPR, against a real database."""

from __future__ import annotations

import time

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.errors import BadToken, ExpiredToken, InvalidAddress, NotFound, Suppressed
from newsletter.subscribers import gdpr, links_for, manage, recipients, signup
from newsletter.subscribers.addresses import address_hash, normalise
from newsletter.subscribers.consent import TEXTS, consent_text
from newsletter.subscribers.tokens import make_token, read_token
from newsletter.web.texts import DA, EN


@pytest.mark.parametrize(("typed", "email"), [
    ("Hans.Hansen@Firma.DK", "hans.hansen@firma.dk"),
    ("  info@firma.dk\n", "info@firma.dk"),
    ("anna+nyhedsbrev@firma.dk", "anna+nyhedsbrev@firma.dk"),
    ("post@æøå.dk", "post@xn--5cab8c.dk"),
    ("POST@ÆØÅ.DK", "post@xn--5cab8c.dk"),
])
def test_addresses_are_normalised_and_kept_as_typed(typed: str, email: str):
    address = normalise(typed)
    assert address.email == email
    assert address.display == typed.strip()


@pytest.mark.parametrize(("typed", "code"), [
    ("", "empty"),
    ("a" * 290 + "@firma.dk", "too_long"),
    ("hans@firma.dk\r\nBcc: victim@example.com", "syntax"),
    ("hans@firma.dk\nSubject: hi", "syntax"),
    ("hans@firma", "syntax"),
    ("<script>@firma.dk", "syntax"),
    ("søren@firma.dk", "unicode_local"),
])
def test_bad_addresses_say_why(typed: str, code: str):
    with pytest.raises(InvalidAddress) as info:
        normalise(typed)
    assert info.value.code == code


def test_tokens_are_bound_to_purpose_and_secret_and_expire():
    token = make_token("k" * 40, "unsubscribe", 7, "ugebrev", "key7")
    parsed = read_token("k" * 40, "unsubscribe", token)
    assert (parsed.subscriber_id, parsed.extra, parsed.link_key) == (7, "ugebrev", "key7")
    with pytest.raises(BadToken):
        read_token("k" * 40, "preferences", token)  # another purpose
    with pytest.raises(BadToken):
        read_token("x" * 40, "unsubscribe", token)  # another key
    with pytest.raises(BadToken):
        read_token("k" * 40, "unsubscribe", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    old = make_token("k" * 40, "confirm", 7, "n", now=time.time() - 4 * 86400)
    with pytest.raises(ExpiredToken):
        read_token("k" * 40, "confirm", old, max_age=72 * 3600)


def test_consent_texts_mention_withdrawal_in_both_languages(config: Config):
    for version in TEXTS:
        assert "trække dit samtykke tilbage" in consent_text(version, "da", config.brand)
        assert "withdraw your consent" in consent_text(version, "en", config.brand)
    assert set(DA) == set(EN)


def test_recipients_filter_by_newsletter_status_and_section(db: Database, config: Config):
    manage.add(db, config, "alle@firma.dk", ["ugebrev"], "messe", "tester")
    manage.add(db, config, "events@firma.dk", ["ugebrev"], "messe", "tester", sections=["arrangementer"])
    manage.add(db, config, "edu@firma.dk", ["ugebrev"], "messe", "tester", sections=["uddannelse"])
    manage.add(db, config, "gone@firma.dk", ["ugebrev"], "messe", "tester")
    manage.remove(db, config, "gone@firma.dk", "tester")
    manage.add(db, config, "investor@firma.dk", ["invest"], "messe", "tester")
    emails = lambda it: [r.email for r in it]  # noqa: E731
    assert emails(recipients(db, "ugebrev")) == ["alle@firma.dk", "events@firma.dk", "edu@firma.dk"]
    assert emails(recipients(db, "ugebrev", ["arrangementer"])) == ["alle@firma.dk", "events@firma.dk"]
    assert emails(recipients(db, "ugebrev", ["arrangementer", "uddannelse"])) == [
        "alle@firma.dk", "events@firma.dk", "edu@firma.dk"]
    assert emails(recipients(db, "invest")) == ["investor@firma.dk"]


def test_personal_links_point_at_the_app_and_unsubscribe_works(db: Database, config: Config):
    view = manage.add(db, config, "a@firma.dk", ["ugebrev", "invest"], "messe", "tester")
    links = links_for(db, config.settings, view.id, "ugebrev")
    assert links.unsubscribe_url.startswith(config.settings.base_url + "/u/")
    assert links.preferences_url.startswith(config.settings.base_url + "/p/")
    token = links.unsubscribe_url.rsplit("/", 1)[1]
    assert signup.unsubscribe(db, config, token, "test") == "ugebrev"
    assert manage.show(db, "a@firma.dk").subscriptions == {"ugebrev": "unsubscribed", "invest": "active"}
    _, _, consents = manage.details(db, "a@firma.dk")
    assert [c.action for c in consents if c.newsletter_key == "ugebrev"] == ["given", "withdrawn"]


def test_forget_leaves_only_a_hash_and_blocks_adding_back(db: Database, config: Config):
    manage.add(db, config, "Person@Firma.dk", ["ugebrev"], "messe", "tester", name="Per")
    export = gdpr.gdpr_export(db, "person@firma.dk")
    assert export["subscriber"]["name"] == "Per"
    assert export["consent_records"][0]["consent_text"] == "messe"
    assert gdpr.forget(db, "PERSON@firma.dk") is True
    with pytest.raises(NotFound, match="erased earlier"):
        gdpr.gdpr_export(db, "person@firma.dk")
    with pytest.raises(Suppressed):
        manage.add(db, config, "person@firma.dk", ["ugebrev"], "gammel liste", "tester")
    with db.connect() as conn:
        dump = "\n".join(str(row) for table in ("subscribers", "subscriptions", "consent_records", "suppressions")
                         for row in conn.exec_driver_sql(f"SELECT * FROM {table}"))
    assert "person@firma.dk" not in dump.lower() and "Per" not in dump
    assert address_hash("person@firma.dk") in dump
