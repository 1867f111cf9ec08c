"""The social posts panel on the issue page (issue 10 §2) through the real app: the posts with
network, planned time, status and the server's count; edit, over-limit refusal, approval."""

from __future__ import annotations

import re

from newsletter.compose import week_issue
from newsletter.config import Config
from newsletter.db import Database
from newsletter.social import stage
from tests.team.conftest import Clients, add_items, csrf_of


def issue_with_posts(db: Database, config: Config) -> int:
    add_items(db)
    issue_id = week_issue(db, config, "ugebrev").id
    stage.draft(db, config, issue_id, by="erik")
    return issue_id


def post_of(db: Database, issue_id: int, network: str) -> stage.PostView:
    return next(v for v in stage.list_posts(db, issue_id=issue_id) if v.post.network == network)


def test_panel_shows_the_posts_and_editors_make_them(clients: Clients, db: Database, team_config: Config) -> None:
    add_items(db)
    issue_id = week_issue(db, team_config, "ugebrev").id
    editor = clients.as_user("erik")
    page = editor.get(f"/team/issues/{issue_id}")
    assert "Sociale opslag" in page.text and "Der er ingen opslag til udgaven endnu." in page.text
    made = editor.post(f"/team/issues/{issue_id}/social/draft", data={"csrf": csrf_of(page.text)})
    assert made.status_code == 200 and "Opslagene er lavet:" in made.text
    posts = stage.list_posts(db, issue_id=issue_id)
    assert posts
    x = next(v for v in posts if v.post.network == "x")
    panel = made.text.split('id="social-h"', 1)[1]
    assert f'id="post-{x.post.id}"' in panel and "kladde" in panel
    assert f"{x.measure.count} af 280 tegn" in panel  # the server's count, beside the text
    assert 'data-network="x"' in panel and "kl. " in panel  # planned time in Danish
    assert "Godkend alle" not in panel and "Godkend opslaget" not in panel  # an editor does not approve


def test_edit_saves_and_shows_the_count(clients: Clients, db: Database, team_config: Config) -> None:
    issue_id = issue_with_posts(db, team_config)
    x = post_of(db, issue_id, "x")
    editor = clients.as_user("erik")
    page = editor.get(f"/team/issues/{issue_id}")
    text = "Grøn omstilling i Trekantområdet: læs mere https://www.example.dk/nyhed-1?utm_source=nyhedsbrev"
    saved = editor.post(f"/team/issues/{issue_id}/social/{x.post.id}/edit", data={"csrf": csrf_of(page.text), "text": text})
    count = stage.get(db, x.post.id).measure.count
    assert count == len("Grøn omstilling i Trekantområdet: læs mere ") + 23  # a link counts 23 on X
    assert saved.status_code == 200 and f"Gemt: {count} af 280 tegn på X." in saved.text
    assert stage.get(db, x.post.id).post.text == text and stage.get(db, x.post.id).post.edited


def test_over_limit_is_refused_with_the_count(clients: Clients, db: Database, team_config: Config) -> None:
    issue_id = issue_with_posts(db, team_config)
    bluesky = post_of(db, issue_id, "bluesky")
    before = bluesky.post.text
    editor = clients.as_user("erik")
    page = editor.get(f"/team/issues/{issue_id}")
    answer = editor.post(f"/team/issues/{issue_id}/social/{bluesky.post.id}/edit",
                         data={"csrf": csrf_of(page.text), "text": "æ" * 301})
    assert answer.status_code == 200
    assert "Teksten er ikke gemt: 301 af 300 tegn er for meget." in answer.text
    assert stage.get(db, bluesky.post.id).post.text == before


def test_approve_records_who(clients: Clients, db: Database, team_config: Config) -> None:
    issue_id = issue_with_posts(db, team_config)
    x = post_of(db, issue_id, "x")
    editor = clients.as_user("erik")
    page = editor.get(f"/team/issues/{issue_id}")
    refused = editor.post(f"/team/issues/{issue_id}/social/{x.post.id}/approve", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403 and stage.get(db, x.post.id).post.status == "draft"
    approver = clients.as_user("anne")
    page = approver.get(f"/team/issues/{issue_id}")
    assert "Godkend opslaget" in page.text and "Godkend alle" in page.text
    approver.post(f"/team/issues/{issue_id + 1}/social/{x.post.id}/approve", data={"csrf": csrf_of(page.text)})
    assert stage.get(db, x.post.id).post.status == "draft"  # approved only through its own issue
    one = approver.post(f"/team/issues/{issue_id}/social/{x.post.id}/approve", data={"csrf": csrf_of(page.text)})
    assert "Opslaget til X er godkendt." in one.text and "godkendt af anne" in one.text
    assert stage.get(db, x.post.id).post.approved_by == "anne"
    rest = approver.post(f"/team/issues/{issue_id}/social/approve", data={"csrf": csrf_of(page.text)})
    n = len(stage.list_posts(db, issue_id=issue_id)) - 1
    assert re.search(rf"\b{n} opslag er godkendt\.", rest.text)
    assert {v.post.approved_by for v in stage.list_posts(db, issue_id=issue_id)} == {"anne"}
