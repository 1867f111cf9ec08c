"""The public pages through the real app (ASGI client) with a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.subscribers import links_for, manage, recipients
from newsletter.subscribers.tokens import make_token
from tests.subscribers.conftest import CONFIG, SMTPServer, body_of, csrf_of, link_in, settle


def subscribe(client: Any, email: str, **extra: Any) -> Any:
    lang = extra.pop("lang", "da")
    page = client.get(f"/?lang={lang}")
    data = {"csrf": csrf_of(page.text), "lang": lang, "email": email, "newsletter": ["ugebrev"], "consent": "yes", **extra}
    response = client.post("/", data=data)
    settle()  # the app records the sign-up in the background
    return response


def confirm(client: Any, url: str) -> Any:
    path = url.split("example.dk", 1)[1]
    page = client.get(path)
    if page.status_code != 200:
        return page
    return client.post(path, data={"csrf": csrf_of(page.text)})


def test_subscribe_confirm_over_real_smtp(client_for, smtp_config: Config, smtp_server: SMTPServer, db: Database):
    client = client_for(smtp_config)
    page = client.get("/")
    assert page.status_code == 200 and 'lang="da"' in page.text
    assert "trække dit samtykke tilbage" in page.text
    response = subscribe(client, "Ny.Laeser@ÆØÅ.dk", name="Ny Læser", organisation="Firma A/S")
    assert response.status_code == 200 and "Tjek din indbakke" in response.text
    assert manage.show(db, "ny.laeser@æøå.dk").email_display == "Ny.Laeser@ÆØÅ.dk"
    mail_from, rcpts, message = smtp_server.messages[0]
    assert (mail_from, rcpts) == ("nyhedsbrev@example.dk", ["ny.laeser@xn--5cab8c.dk"])
    assert message["Subject"].startswith("Bekræft din tilmelding")
    assert "Ny Læser" not in message.as_string()  # nothing the stranger typed goes in the mail
    assert [r.email for r in recipients(db, "ugebrev")] == []  # pending until confirmed
    done = confirm(client, link_in(message, "/confirm/"))
    assert done.status_code == 200 and "du er nu tilmeldt" in done.text
    assert len(list(recipients(db, "ugebrev"))) == 1
    # a replayed link gets a clear page with a way to ask for a new one
    again = confirm(client, link_in(message, "/confirm/"))
    assert again.status_code == 410 and "allerede brugt" in again.text and "Send mig et nyt link" in again.text


def test_ascii_subscriber_and_consent_record(client_for, smtp_config: Config, smtp_server: SMTPServer, db: Database):
    client = client_for(smtp_config)
    subscribe(client, "Anna+News@Firma.DK", lang="en")
    subscribe(client, "anna+news@firma.dk")  # upper/lower case: one subscriber, not two
    views = manage.list_subscribers(db)
    # an unconfirmed form never rewrites what is stored (issue 8: anyone can type the address)
    assert [(v.email, v.email_display) for v in views] == [("anna+news@firma.dk", "Anna+News@Firma.DK")]
    assert len(smtp_server.messages) == 1  # the resend limit held back the second mail
    assert smtp_server.messages[0][2]["Subject"].startswith("Please confirm")
    _, _, consents = manage.details(db, "anna+news@firma.dk")
    assert consents[0].source == "web" and consents[0].ip == "testclient"
    assert consents[0].consent_version == "2026-1" and "withdraw your consent" in consents[0].consent_text


@pytest.mark.parametrize("email", [
    "victim@firma.dk\r\nBcc: everyone@example.com",
    "victim@firma.dk%0d%0aBcc:x@y.dk",
    "a" * 300 + "@firma.dk",
    "ikke en adresse",
])
def test_bad_addresses_get_a_form_error_and_no_mail(client_for, smtp_config: Config, smtp_server: SMTPServer,
                                                   db: Database, email: str):
    response = subscribe(client_for(smtp_config), email)
    assert response.status_code == 400 and 'aria-invalid="true"' in response.text
    assert smtp_server.messages == [] and manage.list_subscribers(db) == []


def test_names_with_html_are_escaped_everywhere(client_for, smtp_config: Config, smtp_server: SMTPServer, db: Database):
    client = client_for(smtp_config)
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    subscribe(client, "evil@firma.dk", name=evil, organisation=evil)
    confirm(client, link_in(smtp_server.messages[0][2], "/confirm/"))
    view = manage.show(db, "evil@firma.dk")
    assert view.name == evil  # stored as typed
    page = client.get(links_for(db, smtp_config.settings, view.id, "ugebrev").preferences_url.split(".dk", 1)[1])
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<img src=x" not in page.text
    bad = client.post("/", data={"csrf": csrf_of(client.get("/").text), "email": evil, "name": evil,
                                 "newsletter": ["ugebrev"], "consent": "yes"})
    assert bad.status_code == 400 and "<script>alert" not in bad.text


def test_no_csrf_token_no_subscription(client_for, smtp_config: Config, smtp_server: SMTPServer, db: Database):
    client = client_for(smtp_config)
    response = client.post("/", data={"email": "a@firma.dk", "newsletter": ["ugebrev"], "consent": "yes"})
    assert response.status_code == 403 and "Siden er udløbet" in response.text
    client.cookies.set("nl_csrf", "forged")
    forged = client.post("/", data={"csrf": "forged", "email": "a@firma.dk", "newsletter": ["ugebrev"], "consent": "yes"})
    assert forged.status_code == 403
    assert manage.list_subscribers(db) == [] and smtp_server.messages == []


def test_consent_and_newsletter_are_required(client_for, smtp_config: Config, smtp_server: SMTPServer):
    client = client_for(smtp_config)
    response = subscribe(client, "a@firma.dk", consent="", newsletter=[])
    assert response.status_code == 400
    assert "Sæt kryds ved samtykket" in response.text and "Vælg mindst ét nyhedsbrev" in response.text
    assert 'value="a@firma.dk"' in response.text  # what they typed is kept


def test_honeypot_and_the_answer_does_not_reveal_membership(client_for, smtp_config: Config,
                                                           smtp_server: SMTPServer, db: Database):
    client = client_for(smtp_config)
    manage.add(db, smtp_config, "member@firma.dk", ["ugebrev"], "messe", "tester")
    bot = subscribe(client, "bot@firma.dk", website="http://spam.example")
    member = subscribe(client, "member@firma.dk")
    stranger = subscribe(client, "stranger@firma.dk")
    strip = lambda r, e: r.text.replace(e, "EMAIL").replace(csrf_of(r.text) if 'name="csrf"' in r.text else "", "")  # noqa: E731
    assert bot.status_code == member.status_code == stranger.status_code == 200
    assert strip(member, "member@firma.dk") == strip(stranger, "stranger@firma.dk") == strip(bot, "bot@firma.dk")
    assert [rcpts for _, rcpts, _ in smtp_server.messages] == [["stranger@firma.dk"]]


def test_flood_from_one_ip_is_limited(client_for, make_config, smtp_server: SMTPServer, db: Database):
    config = make_config(CONFIG.format(per_ip=3))
    config = replace(config, settings=replace(config.settings, smtp_url=smtp_server.url))
    client = client_for(config)
    statuses = [subscribe(client, f"flood{i}@firma.dk").status_code for i in range(8)]
    assert statuses == [200, 200, 200, 429, 429, 429, 429, 429]
    assert len(smtp_server.messages) == 3


def test_expired_and_forged_confirm_links(client_for, smtp_config: Config, smtp_server: SMTPServer, db: Database):
    client = client_for(smtp_config)
    subscribe(client, "late@firma.dk")
    sid = manage.show(db, "late@firma.dk").id
    expired = make_token(smtp_config.settings.secret_key, "confirm", sid, "nonce", now=time.time() - 4 * 86400)
    page = client.get(f"/confirm/{expired}")
    assert page.status_code == 410 and "Linket er udløbet" in page.text and 'action="/confirm/new' in page.text
    token_field = csrf_of(page.text)
    forged = make_token("another-secret-key-of-an-attacker-000", "confirm", sid, "nonce")
    for token in (forged, "garbage", "x" * 5000, expired[:-3] + "abc"):
        page = client.get(f"/confirm/{token}")
        assert page.status_code in (400, 410) and "Traceback" not in page.text
    assert client.get(f"/confirm/{forged}").status_code == 400
    # ask for a new link: the resend limit applies (one mail already went out a moment ago)
    resend = client.post("/confirm/new", data={"csrf": token_field, "email": "late@firma.dk"})
    assert resend.status_code == 200 and len(smtp_server.messages) == 1


def test_one_click_unsubscribe_rfc8058(client_for, config: Config, db: Database):
    client = client_for(config)
    view = manage.add(db, config, "reader@firma.dk", ["ugebrev", "invest"], "messe", "tester")
    url = links_for(db, config.settings, view.id, "ugebrev").unsubscribe_url
    path = url.split(".dk", 1)[1]
    page = client.get(path)  # a link scanner: must not unsubscribe
    assert page.status_code == 200 and "Ja, afmeld mig" in page.text
    assert manage.show(db, "reader@firma.dk").subscriptions["ugebrev"] == "active"
    # the mail provider's POST: no cookie, no CSRF token, no page
    client.cookies.clear()
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "<html" not in response.text
    assert manage.show(db, "reader@firma.dk").subscriptions == {"ugebrev": "unsubscribed", "invest": "active"}
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # idempotent
    assert client.post(path[:-4] + "AAAA", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert client.post(path, data={"confirm": "yes"}).status_code == 403  # a page POST needs CSRF


def test_unsubscribe_button_and_english(client_for, config: Config, db: Database):
    client = client_for(config)
    view = manage.add(db, config, "en@firma.dk", ["invest"], "messe", "tester", language="en")
    path = links_for(db, config.settings, view.id, "invest").unsubscribe_url.split(".dk", 1)[1]
    page = client.get(path)
    assert 'lang="en"' in page.text and "Yes, unsubscribe me" in page.text
    done = client.post(path, data={"csrf": csrf_of(page.text), "confirm": "yes", "lang": "en"})
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert manage.show(db, "en@firma.dk").subscriptions == {"invest": "unsubscribed"}


def test_preferences_sections_language_and_unsubscribe_all(client_for, config: Config, db: Database):
    client = client_for(config)
    view = manage.add(db, config, "p@firma.dk", ["ugebrev"], "messe", "tester", name="Per")
    path = links_for(db, config.settings, view.id, "ugebrev").preferences_url.split(".dk", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "Dine indstillinger" in page.text and 'value="Per"' in page.text
    saved = client.post(path, data={"csrf": csrf_of(page.text), "name": "Per Hansen", "organisation": "",
                                    "language": "en", "nl_ugebrev": "on", "sec_ugebrev": ["arrangementer"],
                                    "nl_invest": "on", "action": "save"})
    assert saved.status_code == 200 and "Your choices have been saved" in saved.text
    assert [r.email for r in recipients(db, "ugebrev", ["partnere"])] == []
    assert [r.email for r in recipients(db, "ugebrev", ["arrangementer"])] == ["p@firma.dk"]
    assert [r.language for r in recipients(db, "invest")] == ["en"]
    _, _, consents = manage.details(db, "p@firma.dk")
    assert [(c.newsletter_key, c.source) for c in consents][-1] == ("invest", "preferences")
    none = client.post(path, data={"csrf": csrf_of(page.text), "language": "da", "nl_ugebrev": "on", "action": "save"})
    assert none.status_code == 400 and "Vælg mindst ét emne for Ugebrevet" in none.text
    gone = client.post(path, data={"csrf": csrf_of(page.text), "action": "unsubscribe_all"})
    assert gone.status_code == 200
    assert manage.show(db, "p@firma.dk").subscriptions == {"ugebrev": "unsubscribed", "invest": "unsubscribed"}


def test_expired_preferences_link_offers_a_new_one(client_for, smtp_config: Config, smtp_server: SMTPServer,
                                                   db: Database):
    client = client_for(smtp_config)
    view = manage.add(db, smtp_config, "old@firma.dk", ["ugebrev"], "messe", "tester")
    old = make_token(smtp_config.settings.secret_key, "preferences", view.id, now=time.time() - 400 * 86400)
    page = client.get(f"/p/{old}")
    assert page.status_code == 410 and 'action="/p/new' in page.text
    client.post("/p/new", data={"csrf": csrf_of(page.text), "email": "OLD@firma.dk"})
    client.post("/p/new", data={"csrf": csrf_of(page.text), "email": "nobody@firma.dk"})
    assert [rcpts for _, rcpts, _ in smtp_server.messages] == [["old@firma.dk"]]
    fresh = link_in(smtp_server.messages[0][2], "/p/")
    assert client.get(fresh.split(".dk", 1)[1]).status_code == 200
    assert "/p/" in body_of(smtp_server.messages[0][2])


def test_security_headers_health_and_error_pages(client_for, config: Config):
    client = client_for(config)
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "'unsafe-inline'" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["referrer-policy"] == "same-origin"
    assert "<script" not in page.text and " style=" not in page.text
    assert "nl_csrf" in page.headers["set-cookie"] and "HttpOnly" in page.headers["set-cookie"]
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    missing = client.get("/findes-ikke")
    assert missing.status_code == 404 and "Siden findes ikke" in missing.text
    assert client.get("/u/%00%0d%0a").status_code == 400


def test_rate_limit_is_shared_by_workers_and_pruned(client_for, make_config, smtp_server: SMTPServer, db: Database):
    from newsletter.db import subscribers as q
    from newsletter.web.security import RateLimiter

    config = make_config(CONFIG.format(per_ip=3))
    config = replace(config, settings=replace(config.settings, smtp_url=smtp_server.url))
    # two apps over one database: two uvicorn workers, or two servers
    first, second = client_for(config), client_for(config)
    statuses = [subscribe(c, f"w{i}@firma.dk").status_code for i, c in enumerate([first, second, first, second])]
    assert statuses == [200, 200, 200, 429] and len(smtp_server.messages) == 3
    # a new-link request from the same IP counts against the same limit
    page = first.get("/")
    assert first.post("/confirm/new", data={"csrf": csrf_of(page.text), "email": "w0@firma.dk"}).status_code == 429

    limiter = RateLimiter(db, limit=2, window=600)
    old = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert limiter.allow("192.0.2.7", now=old) and limiter.allow("192.0.2.7", now=old)
    assert not limiter.allow("192.0.2.7", now=old + timedelta(minutes=1))
    # the next window still remembers most of the last one (no double burst at the boundary)
    assert not limiter.allow("192.0.2.7", now=old + timedelta(minutes=11))
    assert limiter.allow("192.0.2.7", now=old + timedelta(minutes=25))
    with db.connect() as conn:  # rows two windows old are gone
        assert q.hits_in(conn, "192.0.2.7", datetime(2026, 1, 5, 9, 0, tzinfo=UTC)) == 0


def test_sliding_window_decision():
    from newsletter.web.security import within_limit

    assert within_limit(hits=3, previous=0, elapsed=0.0, limit=3)
    assert not within_limit(hits=4, previous=0, elapsed=0.9, limit=3)
    assert not within_limit(hits=1, previous=3, elapsed=0.1, limit=3)  # 1 + 2.7
    assert within_limit(hits=1, previous=3, elapsed=0.7, limit=3)      # 1 + 0.9


def test_posts_from_another_site_are_refused(client_for, smtp_config: Config, smtp_server: SMTPServer, db: Database):
    client = client_for(smtp_config)
    token = csrf_of(client.get("/").text)
    form = {"csrf": token, "email": "x@firma.dk", "newsletter": ["ugebrev"], "consent": "yes"}
    # a valid token and cookie, but the form was posted from another site's page
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Origin": "", "Referer": "https://evil.example/side"}, {"Origin": ""}):
        refused = client.post("/", data=form, headers=headers)
        assert refused.status_code == 403 and "Siden er udløbet" in refused.text, headers
    assert manage.list_subscribers(db) == [] and smtp_server.messages == []
    # a browser that sends no Origin but a Referer from our own page is fine
    ok = client.post("/", data=form, headers={"Origin": "", "Referer": "https://nyhedsbrev.example.dk/?lang=da"})
    assert ok.status_code == 200 and len(smtp_server.messages) == 1

    view = manage.add(db, smtp_config, "oc@firma.dk", ["ugebrev"], "messe", "tester")
    path = links_for(db, smtp_config.settings, view.id, "ugebrev").unsubscribe_url.split(".dk", 1)[1]
    page = client.get(path)
    assert client.post(path, data={"csrf": csrf_of(page.text), "confirm": "yes"},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert manage.show(db, "oc@firma.dk").subscriptions == {"ugebrev": "active"}
    # RFC 8058: the mail provider's server posts with neither header, and that must work
    client.cookies.clear()
    one_click = client.post(path, data={"List-Unsubscribe": "One-Click"}, headers={"Origin": ""})
    assert one_click.status_code == 200
    assert manage.show(db, "oc@firma.dk").subscriptions == {"ugebrev": "unsubscribed"}
