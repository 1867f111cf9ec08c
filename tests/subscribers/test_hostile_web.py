"""Issue 8 §6: the public web app under hostile input, through a real uvicorn server on
127.0.0.1 and a real SMTP server (aiosmtpd): capped bodies, sign-ups that reveal nothing,
double clicks, strangers and pending sign-ups, scheme-relative paths."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.subscribers import manage, recipients
from tests.subscribers.conftest import (
    CONFIG,
    LiveApp,
    SMTPServer,
    csrf_of,
    free_port,
    link_in,
    settle,
)


def form_of(client: Any, **fields: Any) -> dict[str, Any]:
    page = client.get("/")
    assert page.status_code == 200
    return {"csrf": csrf_of(page.text), "lang": "da", "newsletter": ["ugebrev"], "consent": "yes", **fields}


def strip(text: str, *values: str) -> str:
    for value in values:
        text = text.replace(value, "VALUE")
    return text.replace(csrf_of(text), "CSRF") if 'name="csrf"' in text else text


def raw_request(base: str, head: bytes, body_chunks: list[bytes] = (), pause: float = 0.0) -> bytes:  # type: ignore[assignment]
    """Send a request by hand (to control Content-Length and chunking); return the answer."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass  # the server answered and closed while we were still sending: that is the point
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
    return answer


def test_request_bodies_are_capped_before_they_are_read(live_app, config: Config, db: Database):
    app: LiveApp = live_app(config)
    host = urlsplit(app.base).netloc.encode()
    # a declared 100 MB form: refused from the headers alone, without the body being sent
    declared = raw_request(app.base, b"POST / HTTP/1.1\r\nHost: " + host + b"\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n"
                           b"Content-Length: 104857600\r\n\r\n")
    assert declared.startswith(b"HTTP/1.1 413"), declared[:200]
    # chunked, no Content-Length: counted as it arrives and cut off at the cap
    chunk = b"email=" + b"a" * 4090
    chunked = raw_request(app.base, b"POST /p/x HTTP/1.1\r\nHost: " + host + b"\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n",
                          [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 50 + [b"0\r\n\r\n"])
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:200]
    assert b"Formularen er for stor" in chunked
    # an ordinary form still works, and a body just under the cap is read
    client = app.client()
    ok = client.post("/", data=form_of(client, email="ok@firma.dk", name="x" * 150))
    assert ok.status_code == 200
    settle()
    assert manage.list_subscribers(db)[0].email == "ok@firma.dk"


def test_sign_up_takes_the_same_time_for_a_new_and_a_known_address(live_app, make_config, smtp_server: SMTPServer,
                                                                 db: Database):
    # a slow mail server (0.3 s per message) makes any SMTP work in the request obvious
    smtp_server.sink.delay = 0.3
    config = make_config(CONFIG.format(per_ip=1000))
    config = replace(config, settings=replace(config.settings, smtp_url=smtp_server.url))
    for i in range(12):
        manage.add(db, config, f"known{i}@firma.dk", ["ugebrev"], "messe", "tester")
    app = live_app(config)
    client = app.client()
    timings: dict[str, list[float]] = {"new": [], "known": []}
    for i in range(12):  # interleaved, so drift hits both alike; the first pair warms up
        for kind in ("new", "known"):
            data = form_of(client, email=f"{kind}{i}@firma.dk")
            start = time.perf_counter()
            response = client.post("/", data=data)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200 and "Tjek din indbakke" in response.text
            if i:
                timings[kind].append(elapsed)
    new, known = statistics.median(timings["new"]), statistics.median(timings["known"])
    print(f"median sign-up: new {new * 1000:.1f} ms, known {known * 1000:.1f} ms, ratio {new / known:.2f}")
    assert max(new / known, known / new) < 1.5
    # and the mails did go out, to the new addresses only
    assert sorted(r[0] for _, r, _ in smtp_server.messages) == sorted(f"new{i}@firma.dk" for i in range(12))


def test_mail_server_down_gives_the_same_answer(live_app, config: Config, db: Database):
    down = replace(config, settings=replace(config.settings, smtp_url=f"smtp://127.0.0.1:{free_port()}?starttls=no"))
    manage.add(db, down, "member@firma.dk", ["ugebrev"], "messe", "tester")
    client = live_app(down).client()
    new = client.post("/", data=form_of(client, email="new@firma.dk"))
    known = client.post("/", data=form_of(client, email="member@firma.dk"))
    assert new.status_code == known.status_code == 200
    assert strip(new.text, "new@firma.dk") == strip(known.text, "member@firma.dk")


def test_double_click_sign_up_answers_as_for_one(live_app, smtp_config: Config, smtp_server: SMTPServer,
                                                db: Database):
    app = live_app(smtp_config)
    statuses: list[int] = []
    for round_ in range(4):
        clients = [app.client() for _ in range(2)]
        forms = [form_of(c, email=f"dobbelt{round_}@firma.dk") for c in clients]
        barrier = threading.Barrier(2)

        def post(c: Any, f: dict[str, Any], barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            statuses.append(c.post("/", data=f).status_code)

        threads = [threading.Thread(target=post, args=(c, f)) for c, f in zip(clients, forms, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert statuses == [200] * 8
    settle()
    assert sorted(v.email for v in manage.list_subscribers(db)) == [f"dobbelt{i}@firma.dk" for i in range(4)]
    # one confirmation per person: the second click found the first one's request
    assert sorted(r[0] for _, r, _ in smtp_server.messages) == [f"dobbelt{i}@firma.dk" for i in range(4)]


def test_a_stranger_cannot_add_to_or_rename_a_pending_sign_up(live_app, make_config, smtp_server: SMTPServer,
                                                             db: Database):
    config = make_config(CONFIG.format(per_ip=50).replace("resend_after_minutes: 10", "resend_after_minutes: 0"))
    config = replace(config, settings=replace(config.settings, smtp_url=smtp_server.url))
    app = live_app(config)
    anna, stranger = app.client(), app.client()
    anna.post("/", data=form_of(anna, email="Anna@Firma.dk", name="Anna Hansen", newsletter=["ugebrev"]))
    stranger.post("/", data=form_of(stranger, email="anna@firma.dk", name="Fremmed", organisation="Spam ApS",
                                    newsletter=["invest"]))
    settle()
    view = manage.show(db, "anna@firma.dk")
    assert (view.name, view.organisation, view.email_display) == ("Anna Hansen", "", "Anna@Firma.dk")
    first, second = (m for _, _, m in smtp_server.messages)
    # Anna's own link confirms what Anna asked for, and only that
    path = urlsplit(link_in(first, "/confirm/")).path
    page = anna.get(path)
    done = anna.post(path, data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "du er nu tilmeldt" in done.text
    view = manage.show(db, "anna@firma.dk")
    assert view.subscriptions == {"ugebrev": "active", "invest": "pending"}
    assert (view.name, view.organisation) == ("Anna Hansen", "")
    assert [r.email for r in recipients(db, "invest")] == []
    # the stranger's request is its own mail, naming what it would confirm
    assert "Investor Digest" in second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Ugebrevet" not in second.get_body(("plain",)).get_content()  # type: ignore[union-attr]


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x", "///evil.example/x"])
def test_404_language_link_stays_on_our_site(live_app, config: Config, path: str):
    app = live_app(config)
    host = urlsplit(app.base).netloc.encode()
    answer = raw_request(app.base, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host +
                         b"\r\nConnection: close\r\n\r\n").decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 404")
    assert 'href="/evil.example/x?lang=en"' in answer
    assert 'href="//' not in answer and 'href="/\\' not in answer
