"""Publishing approved posts to local servers that speak each network's protocol, exactly once
even when the publisher is re-run or killed mid-request (issue 10)."""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from newsletter.config import Config, Settings
from newsletter.db import Database
from newsletter.db.types import utcnow
from newsletter.social import bluesky as bluesky_rules
from newsletter.social import stage
from newsletter.social.linkedin import little_text
from newsletter.social.publish import publish_due, publishers_from_config
from newsletter.social.publish.webhook import WebhookPublisher
from tests.social.conftest import CONFIG, NOW, approve_issue
from tests.social.servers import FakeLinkedIn, FakeMastodon, FakePDS, FakeWebhook

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    monkeypatch.setenv("MASTODON_TOKEN", "masto-secret")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "app-pass-1234")
    monkeypatch.setenv("LINKEDIN_TOKEN", "li-secret")
    monkeypatch.setenv("SOCIAL_WEBHOOK_SECRET", "hook-secret")
    found = {"mastodon": FakeMastodon("masto-secret"), "bluesky": FakePDS("dpc.example.dk", "app-pass-1234"),
             "linkedin": FakeLinkedIn("li-secret"), "x": FakeWebhook("hook-secret")}
    yield found
    for server in found.values():
        server.stop()  # type: ignore[attr-defined]


def _config_text(servers: dict[str, object], timeout: float = 5.0) -> str:
    urls = {name: server.url for name, server in servers.items()}  # type: ignore[attr-defined]
    publishers = f"""\
  publish_lease_seconds: 1
  publishers:
    mastodon: {{kind: mastodon, url: "{urls['mastodon']}", token_env: MASTODON_TOKEN, backoff_seconds: 0, timeout: {timeout}}}
    bluesky: {{kind: bluesky, url: "{urls['bluesky']}", handle: dpc.example.dk, token_env: BLUESKY_APP_PASSWORD, backoff_seconds: 0, timeout: {timeout}}}
    linkedin: {{kind: linkedin, url: "{urls['linkedin']}", organization: "urn:li:organization:4242", token_env: LINKEDIN_TOKEN, api_version: "202511", backoff_seconds: 0, timeout: {timeout}}}
    x: {{kind: webhook, url: "{urls['x']}/hooks/social", secret_env: SOCIAL_WEBHOOK_SECRET, backoff_seconds: 0, timeout: {timeout}}}
"""
    return CONFIG.replace("social:\n", "social:\n" + publishers, 1)


@pytest.fixture
def pub_config(make_config: Callable[[str], Config], servers: dict[str, object]) -> Config:
    return make_config(_config_text(servers), "publish.yaml")  # feeds.yaml is the plain config


def _approve(db: Database, config: Config, issue_id: int, network: str | None = None, first_only: bool = False) -> list[int]:
    approve_issue(db, config, issue_id)  # posts leave only with their issue approved
    stage.draft(db, config, issue_id, now=NOW)
    chosen = [v.post for v in stage.list_posts(db, issue_id=issue_id, network=network)]
    if first_only:
        chosen = chosen[:1]
    for post in chosen:
        stage.approve(db, post.id, "mette")
        stage.reschedule(db, post.id, NOW, "mette")  # due now
    return [p.id for p in chosen]


def _status(db: Database, post_id: int) -> str:
    return stage.get(db, post_id).post.status


def test_each_publisher_speaks_its_networks_protocol(db, pub_config, issue_id, servers):
    ids = _approve(db, pub_config, issue_id)
    report = publish_due(db, pub_config)
    assert sorted(report.posted) == sorted(p for p in ids if stage.get(db, p).post.network != "facebook")
    posts = {v.post.id: v.post for v in stage.list_posts(db, issue_id=issue_id)}

    mastodon: FakeMastodon = servers["mastodon"]  # type: ignore[assignment]
    sent = mastodon.posts_to("/api/v1/statuses")
    m_posts = [p for p in posts.values() if p.network == "mastodon"]
    assert len(sent) == len(m_posts) == len(mastodon.statuses)
    for request in sent:
        assert request.headers["authorization"] == "Bearer masto-secret"
        post = next(p for p in m_posts if p.publish_key == request.headers["idempotency-key"])
        assert request.json() == {"status": post.text, "visibility": "public", "language": "da"}
        assert post.status == "posted" and post.remote_url and post.remote_url.startswith(mastodon.url)

    pds: FakePDS = servers["bluesky"]  # type: ignore[assignment]
    b_posts = [p for p in posts.values() if p.network == "bluesky"]
    assert len(pds.records) == len(b_posts)
    session = pds.posts_to("/xrpc/com.atproto.server.createSession")[0].json()
    assert session == {"identifier": "dpc.example.dk", "password": "app-pass-1234"}
    for request in pds.posts_to("/xrpc/com.atproto.repo.createRecord"):
        body = request.json()
        record = body["record"]
        post = next(p for p in b_posts if bluesky_rules.rich(p.text).text == record["text"])
        assert body["repo"] == pds.did and body["collection"] == "app.bsky.feed.post"
        assert record["$type"] == "app.bsky.feed.post" and record["langs"] == ["da"]
        assert record["createdAt"].endswith("Z")
        external = record["embed"]["external"]
        assert record["embed"]["$type"] == "app.bsky.embed.external"
        assert (external["uri"], external["title"], external["description"]) == (post.link, post.title,
                                                                                 post.description)
        assert external["thumb"]["ref"]["$link"] in pds.blobs  # the post's card, uploaded first
        data = record["text"].encode("utf-8")
        links = [f for f in record["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"]
        assert [f["features"][0]["uri"] for f in links] == [post.link]
        shown = data[links[0]["index"]["byteStart"]:links[0]["index"]["byteEnd"]].decode("utf-8")
        assert shown == bluesky_rules.short_link(post.link)
        assert post.remote_id == f"at://{pds.did}/app.bsky.feed.post/{body['rkey']}"

    linkedin: FakeLinkedIn = servers["linkedin"]  # type: ignore[assignment]
    l_posts = [p for p in posts.values() if p.network == "linkedin"]
    assert len(linkedin.posts) == len(l_posts)
    request = linkedin.posts_to("/rest/posts")[0]
    assert request.headers["linkedin-version"] == "202511"
    assert request.headers["x-restli-protocol-version"] == "2.0.0"
    body = request.json()
    post = next(p for p in l_posts if little_text(p.text) == body["commentary"])
    assert body["author"] == "urn:li:organization:4242" and body["visibility"] == "PUBLIC"
    assert body["content"]["article"]["source"] == post.link
    # the card goes up first through the Images API and is the article's picture
    thumbnail = body["content"]["article"]["thumbnail"]
    assert linkedin.images[thumbnail] == publishers_from_config(pub_config)["linkedin"].card(post)  # type: ignore[attr-defined]
    assert linkedin.images[thumbnail].startswith(b"\x89PNG")
    assert post.remote_url and post.remote_url.startswith("https://www.linkedin.com/feed/update/urn:li:share:")

    hook: FakeWebhook = servers["x"]  # type: ignore[assignment]
    x_posts = [p for p in posts.values() if p.network == "x"]
    assert len(hook.received) == len(x_posts)  # every signature checked by the receiver
    assert {r["text"] for r in hook.received} == {p.text for p in x_posts}
    assert all(r["approved_by"] == "mette" and r["idempotency_key"] for r in hook.received)
    facebook = [p for p in posts.values() if p.network == "facebook"]
    assert all(p.status == "approved" for p in facebook)  # no publisher configured: left for export


def test_running_publish_again_posts_nothing_twice(db, pub_config, issue_id, servers, cli):
    _approve(db, pub_config, issue_id)
    publish_due(db, pub_config)
    before = {name: len(s.seen) for name, s in servers.items()}  # type: ignore[attr-defined]
    result = cli("--config", str(pub_config.path), "social", "publish")
    assert result.exit_code == 0, result.output
    assert "Posted 0" in result.output
    assert {name: len(s.seen) for name, s in servers.items()} == before  # type: ignore[attr-defined]


def test_unapproved_posts_are_never_published(db, pub_config, issue_id, servers):
    stage.draft(db, pub_config, issue_id, now=NOW)
    views = stage.list_posts(db, issue_id=issue_id)
    for view in views:
        stage.reschedule(db, view.post.id, NOW, "mette")
    stage.approve(db, views[0].post.id, "mette")  # approved post, but its issue is still a draft
    report = publish_due(db, pub_config)
    assert not report.posted
    approve_issue(db, pub_config, issue_id)
    report = publish_due(db, pub_config)
    assert report.posted == [views[0].post.id]  # only the approved one, once its issue is approved
    assert sum(len(s.seen) for s in servers.values()) >= 1  # type: ignore[attr-defined]


def test_the_webhook_retries_with_backoff_and_signs_every_try(db, pub_config, issue_id, servers):
    hook: FakeWebhook = servers["x"]  # type: ignore[assignment]
    hook.fail_next = [503, 500]
    (post_id,) = _approve(db, pub_config, issue_id, network="x", first_only=True)
    waits: list[float] = []
    publisher = WebhookPublisher("x", hook.url + "/hooks/social", "hook-secret", retries=4, backoff=1.5,
                                 sleep=waits.append)
    report = publish_due(db, pub_config, publishers={"x": publisher})
    assert report.posted == [post_id]
    tries = hook.posts_to("/hooks/social")
    assert len(tries) == 3 and len(hook.received) == 1
    assert len({t.headers["idempotency-key"] for t in tries}) == 1
    assert waits == [1.5, 3.0]


def test_a_refused_post_is_failed_with_the_networks_answer(db, pub_config, issue_id, servers):
    mastodon: FakeMastodon = servers["mastodon"]  # type: ignore[assignment]
    mastodon.fail_next = [403]
    (post_id,) = _approve(db, pub_config, issue_id, network="mastodon", first_only=True)
    report = publish_due(db, pub_config)
    assert report.failed == [post_id]
    post = stage.get(db, post_id).post
    assert post.status == "failed" and "HTTP 403" in (post.last_error or "")


def test_a_linkedin_card_that_is_refused_leaves_the_post_without_a_picture(db, pub_config, issue_id, servers):
    linkedin: FakeLinkedIn = servers["linkedin"]  # type: ignore[assignment]
    linkedin.refuse_images = True
    (post_id,) = _approve(db, pub_config, issue_id, network="linkedin", first_only=True)
    report = publish_due(db, pub_config)
    assert report.posted == [post_id]
    [body] = linkedin.posts
    assert "thumbnail" not in body["content"]["article"] and body["content"]["article"]["source"]


def test_a_linkedin_card_upload_that_fails_for_now_tries_the_whole_post_again_later(db, pub_config, issue_id,
                                                                                    servers):
    """Nothing was posted while the picture could not go up: the post is approved again (not
    'unknown'), and the next run posts it once, with its picture."""
    linkedin: FakeLinkedIn = servers["linkedin"]  # type: ignore[assignment]
    linkedin.images_down = True
    (post_id,) = _approve(db, pub_config, issue_id, network="linkedin", first_only=True)
    first = publish_due(db, pub_config)
    assert first.retry_later == [post_id] and not linkedin.posts
    assert _status(db, post_id) == "approved" and "picture could not be uploaded" in first.errors[post_id]
    linkedin.images_down = False
    assert publish_due(db, pub_config).posted == [post_id]
    [body] = linkedin.posts
    assert linkedin.images[body["content"]["article"]["thumbnail"]]


def test_a_linkedin_post_whose_answer_is_lost_is_held_not_resent(db, make_config, issue_id, servers, cli):
    config = make_config(_config_text(servers, timeout=0.5), "publish-fast.yaml")
    linkedin: FakeLinkedIn = servers["linkedin"]  # type: ignore[assignment]
    linkedin.holding = True
    (post_id,) = _approve(db, config, issue_id, network="linkedin", first_only=True)
    report = publish_due(db, config)
    assert report.unknown == [post_id]
    linkedin.hold.set()
    publish_due(db, config)
    assert len(linkedin.posts) == 1 and _status(db, post_id) == "unknown"
    result = cli("--config", str(config.path), "social", "resolve", str(post_id), "--posted", "--by", "mette")
    assert result.exit_code == 0 and "posted" in result.output
    publish_due(db, config)
    assert len(linkedin.posts) == 1


def _publish_in_a_process(config: Config, settings: Settings) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "NEWSLETTER_VAR_DIR": str(settings.var_dir),
           "SECRET_KEY": settings.secret_key, "BASE_URL": settings.base_url}
    return subprocess.Popen([sys.executable, "-c", "from newsletter.cli import run; run()",
                             "--config", str(config.path), "social", "publish"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
@pytest.mark.parametrize(("network", "outcome"), [("linkedin", "unknown"), ("mastodon", "posted"),
                                                   ("bluesky", "posted")])
def test_a_publisher_killed_mid_request_never_posts_twice(db, pub_config, issue_id, servers, settings,
                                                          network, outcome):
    server = servers[network]
    server.holding = True  # type: ignore[attr-defined]
    (post_id,) = _approve(db, pub_config, issue_id, network=network, first_only=True)
    process = _publish_in_a_process(pub_config, settings)
    try:
        if not server.held.wait(timeout=60):  # type: ignore[attr-defined]
            process.kill()
            pytest.fail(process.communicate()[0].decode())
        os.kill(process.pid, signal.SIGKILL)  # the post has arrived; its answer has not
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    server.holding = False  # type: ignore[attr-defined]
    server.hold.set()  # type: ignore[attr-defined]
    assert _status(db, post_id) == "publishing"
    time.sleep(1.2)  # past publish_lease_seconds: the next run may look at it
    publishers = publishers_from_config(pub_config)
    publish_due(db, pub_config, publishers=publishers)
    publish_due(db, pub_config, publishers=publishers)
    post = stage.get(db, post_id).post
    assert post.status == outcome
    made = {"linkedin": lambda s: len(s.posts), "mastodon": lambda s: len(s.statuses),
            "bluesky": lambda s: len(s.records)}[network](server)
    assert made == 1
    if network == "mastodon":
        keys = [r.headers["idempotency-key"] for r in server.posts_to("/api/v1/statuses")]  # type: ignore[attr-defined]
        assert len(keys) == 2 and len(set(keys)) == 1  # retried with the same key, answered with the same status
        assert post.remote_id == next(iter(server.statuses))  # type: ignore[attr-defined]
    if network == "linkedin":
        assert "check the page" in (post.last_error or "")


def test_missing_token_names_the_variable(make_config, servers, monkeypatch, db):
    monkeypatch.delenv("LINKEDIN_TOKEN")
    config = make_config(_config_text(servers), "publish.yaml")
    from newsletter.errors import ConfigError

    with pytest.raises(ConfigError, match="LINKEDIN_TOKEN"):
        publishers_from_config(config)
    assert timedelta(seconds=config.data.social.publish_lease_seconds) == timedelta(seconds=1)


def test_mastodons_key_is_trusted_only_within_its_hour(db, pub_config, issue_id, servers):
    from newsletter.db import social as q
    from newsletter.social.publish import recover

    first, second = _approve(db, pub_config, issue_id, network="mastodon")[:2]
    publishers = publishers_from_config(pub_config)
    with db.begin() as conn:
        assert q.claim(conn, first, NOW) and q.claim(conn, second, NOW)
    retried, unknown = recover(db, publishers, NOW + timedelta(minutes=20), timedelta(minutes=10))
    assert retried == [first, second] and not unknown
    with db.begin() as conn:  # tried again later: the window still counts from the first try
        assert q.claim(conn, first, NOW + timedelta(minutes=55))
    retried, unknown = recover(db, publishers, NOW + timedelta(minutes=70), timedelta(minutes=10))
    assert unknown == [first] and not retried
    assert _status(db, first) == "unknown" and _status(db, second) == "approved"
    for publisher in publishers.values():
        publisher.close()


def test_the_bluesky_card_is_the_posts_branded_image(db, pub_config, issue_id, servers):
    from newsletter.media.index import card_path

    (post_id,) = _approve(db, pub_config, issue_id, network="bluesky", first_only=True)
    assert publish_due(db, pub_config).posted == [post_id]
    pds: FakePDS = servers["bluesky"]  # type: ignore[assignment]
    post = stage.get(db, post_id).post
    (link, sent), = pds.blobs.items()
    assert sent == card_path(pub_config, issue_id, post.item_id).read_bytes()
    record = pds.posts_to("/xrpc/com.atproto.repo.createRecord")[0].json()["record"]
    assert record["embed"]["external"]["thumb"] == {"$type": "blob", "ref": {"$link": link},
                                                     "mimeType": "image/png", "size": len(sent)}


# --- the scheduler's social job (issue 11 §1: posts go out at their planned times) -----------

def _mails(config: Config) -> list[email.message.EmailMessage]:
    folder = Path(config.settings.smtp_url.removeprefix("file://"))
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(folder.glob("*.eml"))]


def test_the_scheduled_job_publishes_due_posts_once_and_tells_the_team_what_failed(
        db, make_config, issue_id, servers, cli):
    config = make_config(_config_text(servers) + "schedule:\n  reviewers: [redaktion@example.dk]\n", "job.yaml")
    mastodon: FakeMastodon = servers["mastodon"]  # type: ignore[assignment]
    mastodon.fail_next = [403]  # the first Mastodon post is refused
    ids = _approve(db, config, issue_id)
    later = _approve_one_later(db, ids)

    first = cli("--config", str(config.path), "run", "social")
    assert first.exit_code == 0, first.output
    published = [p for p in ids if stage.get(db, p).post.network != "facebook" and p != later]
    assert "social: ok in" in first.output and f"{len(published) - 1} posted, 0 to try again, 1 failed" in first.output
    statuses = {p: stage.get(db, p).post.status for p in ids}
    refused = [p for p, s in statuses.items() if s == "failed"]
    assert len(refused) == 1 and stage.get(db, refused[0]).post.network == "mastodon"
    assert statuses[later] == "approved"  # planned tomorrow: not yet
    assert sum(1 for s in statuses.values() if s == "posted") == len(published) - 1

    [mail] = _mails(config)  # the reviewers hear of the refused post, once
    assert mail["To"] == "redaktion@example.dk"
    assert mail["Subject"] == "Sociale medier: 1 opslag skal ses på"
    body = mail.get_content()
    assert f"Opslag {refused[0]} (Mastodon" in body and "HTTP 403" in body
    assert f"https://nyhedsbrev.example.dk/team/issues/{issue_id}" in body

    status = json.loads(cli("--config", str(config.path), "status", "--json").output)["social"]
    assert status["approved_waiting"] == 1 + sum(1 for p in ids if stage.get(db, p).post.network == "facebook")
    assert [(p["id"], p["status"]) for p in status["need_a_person"]] == [(refused[0], "failed")]
    shown = cli("--config", str(config.path), "status").output
    assert "1 post needs a person" in shown
    assert f"  {refused[0]} mastodon failed: " in shown and "refused the post: HTTP 403" in shown

    seen = {name: len(s.seen) for name, s in servers.items()}  # type: ignore[attr-defined]
    again = cli("--config", str(config.path), "run", "social")
    assert "0 posted, 0 to try again, 0 failed, 0 unknown" in again.output
    assert {name: len(s.seen) for name, s in servers.items()} == seen  # type: ignore[attr-defined]
    assert len(_mails(config)) == 1


def _approve_one_later(db: Database, ids: list[int]) -> int:
    """Move one approved LinkedIn post to tomorrow (the job runs on the real clock); the job
    must leave it until then."""
    later = next(p for p in ids if stage.get(db, p).post.network == "linkedin")
    stage.reschedule(db, later, utcnow() + timedelta(days=1), "mette")
    return later


def test_without_publishers_the_job_says_posts_wait_for_export(db, config, issue_id, cli):
    _ = issue_id
    result = cli("--config", str(config.path), "run", "social")
    assert result.exit_code == 0, result.output
    assert "no publishers configured (social.publishers): approved posts wait for export" in result.output
