"""What subscribers read is right (issue 8 §9): the web version works from the first message
out, the sign-up confirmation and the pages use one word for unsubscribe and name nobody twice."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from newsletter.config import Config
from newsletter.db import Database
from newsletter.outbox import run
from newsletter.transports import open_transport
from tests.outbox.conftest import PipeliningFaultyHandler, add_subscribers
from tests.outbox.conftest import SMTPServer as OutboxSMTP
from tests.subscribers.conftest import CONFIG, SMTPServer, body_of
from tests.subscribers.test_archive import make_issue
from tests.subscribers.test_web import subscribe


def test_the_web_version_works_from_the_first_message_not_after_the_last_retry(client_for, config: Config,
                                                                               db: Database):
    client = client_for(config)
    issue_id = make_issue(db, config, 48, "Uge 48: Robotter i Kolding", "Robotprogram i Kolding", send=False)
    people = add_subscribers(db, 3)
    run.queue_issue(db, config, issue_id)
    page = "/arkiv/ugebrev/2026-uge-48.html"
    assert client.get(page).status_code == 404  # queued, nothing out yet: not public

    # one recipient is greylisted (451): the run sends two, the third waits for its retry,
    # so the issue is not "sent" yet; the two who have the email can open its web version
    deferred = people[0][1]
    with OutboxSMTP(PipeliningFaultyHandler(fault_rate=0.0, defer=frozenset({deferred}))) as sink:
        transport = open_transport(sink.url)
        report = run.send_due(db, config, transport=transport)
        transport.close()
    assert (report.sent, report.retried) == (2, 1)
    assert run.outbox_status(db, issue_id).counts  # rows still open: the run is not finished
    web = client.get(page)
    assert web.status_code == 200 and "Robotprogram i Kolding" in web.text
    assert page in client.get("/arkiv/ugebrev/").text
    assert "2026-uge-48" in client.get("/arkiv/ugebrev/feed.atom").text


def test_confirmation_mail_names_the_sender_once(client_for, make_config, db: Database, smtp_server: SMTPServer):
    # the brand is the organisation and the newsletter is named after it: every "fra X" once
    text = (CONFIG.format(per_ip=20)
            .replace("name: Danmarks Produktionscentrum", "name: Trekantområdet Danmark")
            .replace("postal_address: Vejlevej 1, 7000 Fredericia",
                     "postal_address: Trekantområdet Danmark, Vejlevej 1, 7000 Fredericia")
            .replace("name: Ugebrevet", "name: Nyt fra Trekantområdet Danmark"))
    config = make_config(text)
    config = replace(config, settings=replace(config.settings, smtp_url=smtp_server.url))
    client = client_for(config)
    assert subscribe(client, "ny@firma.dk").status_code == 200
    body = body_of(smtp_server.messages[0][2])
    assert "Tak for din tilmelding til Nyt fra Trekantområdet Danmark." in body
    assert "Trekantområdet Danmark fra Trekantområdet Danmark" not in body
    signature = body.split("Venlig hilsen", 1)[1]
    assert signature.count("Trekantområdet Danmark") == 1, signature
    assert "Vejlevej 1, 7000 Fredericia" in signature


def test_confirmation_mail_keeps_the_brand_when_the_newsletter_does_not_name_it(client_for, smtp_config: Config,
                                                                                smtp_server: SMTPServer):
    assert subscribe(client_for(smtp_config), "ny@firma.dk").status_code == 200
    body = body_of(smtp_server.messages[0][2])
    assert "Tak for din tilmelding til Ugebrevet fra Danmarks Produktionscentrum." in body


def _danish_words(html: str) -> str:
    import lxml.html

    return " ".join(lxml.html.document_fromstring(html).text_content().split()).casefold()


def test_one_word_for_unsubscribe_across_pages_and_emails(client_for, config: Config, db: Database):
    import lxml.html  # noqa: F401 - used by _danish_words

    client: Any = client_for(config)
    issue_id = make_issue(db, config, 47, "Uge 47", "Robotter", send=True)
    from newsletter.db import issues as q

    with db.connect() as conn:
        stored = q.latest_render(conn, issue_id)
    texts = [_danish_words(client.get("/").text), _danish_words(stored["html"]), stored["text"].casefold(),
             _danish_words(client.get("/eksempel/afmeld").text)]
    for text in texts:
        assert "frameld" not in text and "udmeld" not in text
    assert "afmelde dig" in texts[0] and "afmeld nyhedsbrevet" in texts[1] and "afmeld nyhedsbrevet" in texts[2]
