"""The gates before real mail (issue 8 §8): BASE_URL must be public https before `queue` and
`send` over SMTP (aiosmtpd on 127.0.0.1); the example links of preview and test-send lead to
real pages; preflight link checks know the issue's own web version and an offline machine."""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from newsletter import review
from newsletter.render import render_issue, write_outputs
from newsletter.render.preflight import run_checks
from newsletter.render.preflight.base_url import problem
from newsletter.web import create_app
from tests.outbox.conftest import SinkHandler, SMTPServer, add_subscribers

BAD_BASE_URLS = {
    None: "BASE_URL is not set",
    "http://127.0.0.1:8000": "BASE_URL is not set",
    "http://nyhedsbrev.trekantomraadet.dk": "plain http, not https",
    "https://10.20.30.40": "private or reserved address",
    "https://127.0.0.2:8443": "loopback address",
    "https://[::1]": "loopback address",
    "https://localhost": "not on the internet",
    "https://nyhedsbrev.internal": "not on the internet",
}


@pytest.fixture
def sink():
    with SMTPServer(SinkHandler()) as server:
        yield server


def _approved(db, config, issue_id):
    render_issue(db, config, issue_id)
    review.approve(db, issue_id, "mette")
    return issue_id


@pytest.mark.parametrize("base_url", list(BAD_BASE_URLS), ids=lambda u: str(u))
def test_queue_over_smtp_refuses_without_a_public_https_base_url(cli, db, config, weekly, sink, monkeypatch,
                                                                 base_url):
    add_subscribers(db, 3)
    _approved(db, config, weekly)
    monkeypatch.setenv("SMTP_URL", sink.url)
    if base_url is None:
        monkeypatch.delenv("BASE_URL")
    else:
        monkeypatch.setenv("BASE_URL", base_url)
    result = cli("queue", str(weekly))
    assert result.exit_code == 1
    assert "refusing to queue real mail" in result.output and BAD_BASE_URLS[base_url] in result.output
    assert "Set BASE_URL in the environment (or .env) to the public https address" in result.output
    assert sink.handler.deliveries == []


def test_send_over_smtp_refuses_rows_queued_earlier_when_base_url_is_not_public(cli, db, config, weekly, sink,
                                                                               monkeypatch):
    add_subscribers(db, 3)
    _approved(db, config, weekly)
    monkeypatch.setenv("SMTP_URL", sink.url)
    assert cli("queue", str(weekly)).exit_code == 0  # BASE_URL is https://nyhedsbrev.example.dk here
    monkeypatch.setenv("BASE_URL", "http://192.168.1.20:8000")
    refused = cli("send")
    assert refused.exit_code == 1 and "refusing to send real mail" in refused.output
    assert sink.handler.deliveries == []
    monkeypatch.setenv("BASE_URL", "https://nyhedsbrev.example.dk")
    assert cli("send").exit_code == 0
    assert len(sink.handler.deliveries) == 3


def test_the_file_transport_is_not_stopped_but_render_warns(cli, db, config, weekly, monkeypatch, tmp_path):
    add_subscribers(db, 2)
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:8000")
    rendered = cli("render", str(weekly), "--offline", "--out", str(tmp_path / "out"))
    assert "warning base_url: BASE_URL is not set" in rendered.output
    review.approve(db, weekly, "mette")
    assert cli("queue", str(weekly)).exit_code == 0
    assert cli("send").exit_code == 0


def test_public_https_base_urls_pass():
    for url in ("https://nyhedsbrev.trekantomraadet.dk", "https://www.trekantomraadet.dk/nyhedsbrev",
                "https://93.184.216.34"):
        assert problem(url) == "", url


def _links(message_bytes: bytes) -> dict[str, str]:
    message = email.message_from_bytes(message_bytes, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    return {text: href for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', html)}


def test_test_send_and_preview_links_lead_to_pages_that_say_it_was_a_test(cli, db, config, weekly, sink,
                                                                          monkeypatch, tmp_path):
    monkeypatch.setenv("SMTP_URL", sink.url)
    assert cli("test-send", str(weekly), "--to", "mette@trekantomraadet.dk").exit_code == 0
    [delivery] = sink.handler.deliveries
    links = _links(delivery.data)
    unsubscribe, preferences = links["Afmeld nyhedsbrevet"], links["Skift dine indstillinger"]
    preview = (write_outputs(config, render_issue(db, config, weekly), tmp_path / "out")[0]).read_text()
    assert unsubscribe in preview and preferences in preview  # the preview uses the same example links

    from starlette.testclient import TestClient

    client = TestClient(create_app(config, db=db), base_url="https://nyhedsbrev.example.dk")
    for url, says in ((unsubscribe, "Her afmelder linket ingen"), (preferences, "Her ændrer linket ingenting")):
        assert url.startswith("https://nyhedsbrev.example.dk/")
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Dette er en testudgave" in page.text and says in page.text
    # a mail client's RFC 8058 one-click POST to the header's link acts on nobody either
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_link_check_skips_the_issues_own_web_version_and_says_offline_once(db, config, weekly):
    # every link points at hosts that cannot be reached (.invalid never resolves, RFC 6761),
    # like a machine without network: one finding, not one raw error per link
    html = render_issue(db, config, weekly).rendered.html
    offline = re.sub(r'https://(?!nyhedsbrev\.example\.dk)[a-z0-9.-]+', "https://offline.invalid", html)
    findings = [f for f in run_checks(offline, check_links=True, timeout=2) if f.check == "link"]
    assert len(findings) == 1 and findings[0].level == "warning"
    assert findings[0].message.startswith("link check skipped: offline")


def test_link_check_reports_broken_links_but_not_the_unpublished_web_version(http_server, db, config, weekly):
    web = "https://nyhedsbrev.example.dk/arkiv/ugebrev/2026-uge-48.html"
    ok, gone = http_server.add("/ok", "fine"), http_server.url("/gone")
    html = (f'<html><body><a href="{web}">Se webversionen</a><a href="{ok}">ok</a>'
            f'<a href="{gone}">gone</a></body></html>')
    findings = [f for f in run_checks(html, check_links=True, timeout=5, web_url=web) if f.check == "link"]
    assert [f.message for f in findings] == [f"{gone}: HTTP 404"]
    assert not http_server.requests_to("/arkiv/ugebrev/2026-uge-48.html")
