"""The workspace's pages through the real app (ASGI client), a real database and the real
stage functions: review item by item, preview, approve with its gates, schedule and cancel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from newsletter import review
from newsletter.compose import week_issue
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import outbox as oq
from newsletter.db.schema import items
from newsletter.subscribers import manage
from tests.team.conftest import Clients, add_items, csrf_of


def draft(db: Database, config: Config) -> int:
    add_items(db)
    return week_issue(db, config, "ugebrev").id


def post(client, url: str, page: str, **data):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf": csrf_of(page), **data})


def test_start_page_shows_the_week_and_what_to_do(clients: Clients, db: Database, team_config: Config) -> None:
    editor = clients.as_user("erik")
    page = editor.get("/team/")
    assert page.status_code == 200 and "Ugens udgave er ikke lavet endnu" in page.text
    empty = post(editor, "/team/draft", page.text, newsletter="ugebrev")
    assert "Det lykkedes ikke" in empty.text and "ingen nye historier fra partnerne" in empty.text  # nothing collected yet
    add_items(db)
    made = post(editor, "/team/draft", page.text, newsletter="ugebrev")
    assert made.status_code == 200 and "Kladden er lavet." in made.text  # followed to the issue page
    assert "Nyhed 1 om grøn omstilling" in made.text
    assert made.headers["content-security-policy"].startswith("default-src 'none'")
    week = editor.get("/team/")
    assert "kladde" in week.text and "Ikke godkendt endnu." in week.text
    assert editor.get("/team/?lang=en").text.count("Not approved yet.") == 1


def test_review_item_by_item(clients: Clients, db: Database, team_config: Config) -> None:
    issue_id = draft(db, team_config)
    editor = clients.as_user("erik")
    page = editor.get(f"/team/issues/{issue_id}")
    assert page.status_code == 200
    _, placed = review.get(db, issue_id)
    shown = [p for p in placed if p.included]
    cut = [p for p in placed if not p.included]
    assert cut and cut[0].reason == "partner cap"
    assert "Skåret fra af loftet" in page.text
    first, second = sorted(shown, key=lambda p: p.position)[:2]
    post(editor, f"/team/issues/{issue_id}/items/{second.item.id}/move", page.text, direction="up")
    post(editor, f"/team/issues/{issue_id}/items/{first.item.id}/exclude", page.text)
    post(editor, f"/team/issues/{issue_id}/items/{cut[0].item.id}/include", page.text)
    post(editor, f"/team/issues/{issue_id}/items/{second.item.id}/edit", page.text,
         title="Ny overskrift fra redaktionen", summary="Kortere resumé.")
    answer = post(editor, f"/team/issues/{issue_id}/texts", page.text, subject="Uge med grøn omstilling",
                  preheader="Forhåndstekst", intro="Hej")
    assert answer.status_code == 200 and "Teksterne er gemt." in answer.text
    _, placed = review.get(db, issue_id)
    by_id = {p.item.id: p for p in placed}
    assert by_id[second.item.id].position == 0 and by_id[second.item.id].title == "Ny overskrift fra redaktionen"
    assert not by_id[first.item.id].included and by_id[cut[0].item.id].included
    assert review.get(db, issue_id)[0].subject == "Uge med grøn omstilling"
    page = editor.get(f"/team/issues/{issue_id}")
    assert 'class="card out"' in page.text  # the excluded item stays, greyed
    actors = {e["actor"] for e in review.history(db, issue_id) if e["action"] != "create"}
    assert actors == {"erik"}
    # an error from the stage comes back as a message on the same page
    bad = post(editor, f"/team/issues/{issue_id}/texts", page.text, subject="x" * 201)
    assert "Det lykkedes ikke: Teksten er 201 tegn; grænsen er 200." in bad.text


def test_approve_gates_and_four_eyes(clients: Clients, db: Database, team_config: Config) -> None:
    issue_id = draft(db, team_config)
    editor, anne, ada = clients.as_user("erik"), clients.as_user("anne"), clients.as_user("ada")
    page = anne.get(f"/team/issues/{issue_id}")
    post(anne, f"/team/issues/{issue_id}/texts", page.text, subject="Anne rettede emnet")
    # not rendered since the edit: the approve function refuses, whoever calls it
    answer = post(anne, f"/team/issues/{issue_id}/approve", page.text)
    assert "Udgaven er ikke set i forhåndsvisningen endnu" in answer.text
    preview = anne.get(f"/team/issues/{issue_id}/preview")  # renders the current draft
    assert preview.status_code == 200 and "/email.html" in preview.text
    assert "Med firøjne-princippet skal en anden godkende" in preview.text
    refused = post(anne, f"/team/issues/{issue_id}/approve", preview.text)
    assert "anne har lavet den seneste ændring" in refused.text and review.get(db, issue_id)[0].status == "draft"
    # the editor may not approve at all
    assert post(editor, f"/team/issues/{issue_id}/approve", preview.text).status_code == 403
    ok = post(ada, f"/team/issues/{issue_id}/approve", ada.get(f"/team/issues/{issue_id}/preview").text)
    assert "Udgaven er godkendt" in ok.text
    issue = review.get(db, issue_id)[0]
    assert issue.status == "approved" and issue.approved_by == "ada"


def test_preflight_errors_need_a_reason(clients: Clients, db: Database, make_config, team_config: Config) -> None:  # type: ignore[no-untyped-def]
    issue_id = draft(db, team_config)
    from tests.team.conftest import CONFIG

    no_cvr = make_config(CONFIG.format(four_eyes="false").replace('  cvr: "12345678"\n', ""))
    from newsletter.web import create_app

    app_clients = Clients(create_app(no_cvr, db=db))
    ada = app_clients.as_user("ada")
    preview = ada.get(f"/team/issues/{issue_id}/preview?lang=da")
    # the issue was rendered with the CVR before; re-render under this config
    post(ada, f"/team/issues/{issue_id}/render", preview.text)
    preview = ada.get(f"/team/issues/{issue_id}/preview")
    assert "brand.cvr er tom i feeds.yaml" in preview.text and "Godkend trods fejl" in preview.text
    assert re.search(r'<button type="button" class="go" disabled>', preview.text)
    refused = post(ada, f"/team/issues/{issue_id}/approve", preview.text)
    assert "Udgaven har 1 fejl i tjekket før afsendelse; de står i forhåndsvisningen." in refused.text
    assert "brand.cvr is empty" not in refused.text  # no English finding inside the Danish message
    ok = post(ada, f"/team/issues/{issue_id}/approve", preview.text, override="CVR kommer i morgen; aftalt med chefen")
    assert "Udgaven er godkendt" in ok.text
    [approval] = [e for e in review.history(db, issue_id) if e["action"] == "approve"]
    assert approval["actor"] == "ada" and approval["detail"]["override"] == "CVR kommer i morgen; aftalt med chefen"
    assert "CVR kommer i morgen" in ada.get(f"/team/issues/{issue_id}").text  # in the history
    for c in app_clients.open:
        c.close()


def test_schedule_reschedule_cancel(clients: Clients, db: Database, team_config: Config) -> None:
    issue_id = draft(db, team_config)
    manage.add(db, team_config, "laeser@firma.dk", ["ugebrev"], consent_source="test", added_by="test")
    ada = clients.as_user("ada")
    preview = ada.get(f"/team/issues/{issue_id}/preview")
    post(ada, f"/team/issues/{issue_id}/approve", preview.text)
    later = datetime.now(UTC) + timedelta(days=2)
    day = later.astimezone().strftime("%Y-%m-%d")
    answer = post(ada, f"/team/issues/{issue_id}/schedule", preview.text, date=day, time="08:00")
    assert "Planlagt til" in answer.text and "kl. 8.00" in answer.text and "for 1 modtagere" in answer.text
    with db.connect() as conn:
        first = oq.issue_send_after(conn, issue_id)
    assert first is not None and first.astimezone().hour in (7, 8)
    moved = post(ada, f"/team/issues/{issue_id}/schedule", preview.text, date=day, time="10:30")
    assert "flyttet til" in moved.text and "kl. 10.30" in moved.text
    cancelled = post(ada, f"/team/issues/{issue_id}/cancel", preview.text)
    assert "1 mails trukket tilbage" in cancelled.text
    assert review.get(db, issue_id)[0].status == "approved"
    with db.connect() as conn:
        assert oq.counts(conn, issue_id) == [] and oq.issue_send_after(conn, issue_id) is None
    again = post(ada, f"/team/issues/{issue_id}/schedule", preview.text, date=day, time="09:00")
    assert "for 1 modtagere" in again.text
    actions = [e["action"] for e in review.history(db, issue_id)]
    assert actions[-7:] == ["queued", "schedule", "reschedule", "approved", "unqueue", "queued", "schedule"]


def test_any_edit_makes_the_render_stale(db: Database, team_config: Config) -> None:
    """An item edit after the render (not only a text edit) means approve must wait for a new render."""
    import pytest

    from newsletter.errors import ApprovalBlocked
    from newsletter.render import render_issue, rendered_for_send

    issue_id = draft(db, team_config)
    _, placed = review.get(db, issue_id)
    render_issue(db, team_config, issue_id)
    review.override(db, issue_id, placed[0].item.id, "erik", title="Ændret efter forhåndsvisningen")
    with pytest.raises(ApprovalBlocked, match="changed after its last render"):
        review.approve(db, issue_id, "anne")
    assert "Ændret efter forhåndsvisningen" in rendered_for_send(db, team_config, issue_id).html
    review.approve(db, issue_id, "anne")


def test_new_items_are_offered_and_events_added(clients: Clients, db: Database, team_config: Config) -> None:
    from zoneinfo import ZoneInfo

    from newsletter.db.issues import add_item

    issue_id = draft(db, team_config)
    later = datetime.now(UTC)  # collected after the draft was made
    with db.begin() as conn:
        for n in (1, 2):
            add_item(conn, title=f"Sen nyhed {n}", url=f"https://www.example.dk/sen-{n}", partner_key="dima",
                     section="partnere", published_at=later, first_seen_at=later)
    editor = clients.as_user("erik")
    page = editor.get(f"/team/issues/{issue_id}")
    assert "2 nye historier siden" in page.text
    refreshed = post(editor, f"/team/issues/{issue_id}/refresh", page.text)
    assert "Kladden er opdateret med de nye historier." in refreshed.text and "Sen nyhed 1" in refreshed.text
    assert "nye historier siden" not in refreshed.text

    added = post(editor, f"/team/issues/{issue_id}/curate", page.text, title="Industriens Dag 2026",
                 summary="Virksomheder og uddannelser mødes.", start_date="2026-12-10", start_time="09:00",
                 end_time="16:00", location="Kolding", signup_url="https://www.example.dk/tilmeld",
                 section="arrangementer")
    assert "«Industriens Dag 2026» er tilføjet." in added.text
    _, placed = review.get(db, issue_id)
    [event] = [p for p in placed if p.item.title == "Industriens Dag 2026"]
    starts = event.item.event_starts_at
    assert event.section == "arrangementer" and event.included and starts is not None
    assert starts.astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%H:%M") == "09:00"
    assert "torsdag 10. december kl. 9.00 · Kolding" in added.text
    assert [e["actor"] for e in review.history(db, issue_id) if e["action"] == "curate"] == ["erik"]


def test_start_page_names_the_sources_that_need_attention(clients: Clients, db: Database, make_config) -> None:  # type: ignore[no-untyped-def]
    from newsletter.db import sources as sq
    from tests.team.conftest import CONFIG

    config = make_config(CONFIG.format(four_eyes="false").replace(
        "    name: DIMA\n", "    name: DIMA\n    sources:\n      - kind: feed\n        url: https://dima.example.dk/rss\n"))
    now = datetime.now(UTC)
    with db.begin() as conn:
        sq.sync_sources(conn, config.sources(), now)
        [state] = sq.source_states(conn, now)
        sq.record_fetch(conn, state.id, sq.FetchOutcome("error", status=500, error="HTTP 500"), now)
    from newsletter.web import create_app

    own = Clients(create_app(config, db=db))
    page = own.as_user("erik").get("/team/")
    assert "fejler" in page.text and state.key in page.text and "HTTP 500 (fejlet 1 gang i træk, aldrig hentet)" in page.text
    for c in own.open:
        c.close()


def test_start_page_says_when_social_posts_wait_or_did_not_go_out(clients: Clients, db: Database,
                                                                  team_config: Config) -> None:
    from newsletter.db import social as social_q
    from newsletter.social import stage

    issue_id = draft(db, team_config)
    editor = clients.as_user("erik")
    assert "opslag til de sociale medier" not in editor.get("/team/").text  # no posts yet
    posts = stage.draft(db, team_config, issue_id, by="erik").posts
    assert len(posts) >= 2
    week = editor.get("/team/").text
    assert f"{len(posts)} opslag til de sociale medier venter på godkendelse." in week
    with db.begin() as conn:  # one refused by its network
        social_q.update_post(conn, posts[0].id, status="failed", last_error="HTTP 403")
    week = editor.get("/team/").text
    assert "1 opslag til de sociale medier blev ikke udgivet og skal ses på." in week
    assert f"{len(posts) - 1} opslag til de sociale medier venter på godkendelse." in week
    assert "1 social media posts did not go out and need a look." in editor.get("/team/?lang=en").text


def test_a_move_to_a_section_the_newsletter_lacks_is_refused_and_the_item_stays(clients: Clients, db: Database,
                                                                                team_config: Config) -> None:
    """A forged (or stale) section in a move form would hide the story from the issue."""
    issue_id = draft(db, team_config)
    editor = clients.as_user("erik")
    page = editor.get(f"/team/issues/{issue_id}")
    _, placed = review.get(db, issue_id)
    story = next(p for p in placed if p.included)
    for extra in ({}, {"position": "0"}):  # the section menu, and a drag
        answer = post(editor, f"/team/issues/{issue_id}/items/{story.item.id}/move", page.text,
                      section="findes-ikke", **extra)
        assert "Det lykkedes ikke" in answer.text and "findes-ikke" in answer.text
    after = {p.item.id: p for p in review.get(db, issue_id)[1]}[story.item.id]
    assert (after.section, after.position, after.included) == (story.section, story.position, True)


def test_cards_show_the_picture_the_email_shows_from_this_app(clients: Clients, db: Database,
                                                              team_config: Config, http_server) -> None:  # type: ignore[no-untyped-def]
    """Our copy at /media/ (shown wherever the team opens the workspace, allowed by the page's
    CSP), never the partner's URL; a picture that could not be used is not shown, as in the email."""
    from tests.media.conftest import jpeg

    good = http_server.add("/foto.jpg", jpeg(1600, 900), content_type="image/jpeg")
    broken = http_server.add("/ikke-et-billede.jpg", b"<html>404</html>", content_type="image/jpeg")
    ids = add_items(db, n=2)
    with db.begin() as conn:
        for item_id, url in zip(ids, (good, broken), strict=True):
            conn.execute(items.update().where(items.c.id == item_id).values(image_url=url))
    issue_id = draft(db, team_config)
    page = clients.as_user("erik").get(f"/team/issues/{issue_id}").text
    shown = re.findall(r'<img class="thumb" src="([^"]+)"', page)
    assert len(shown) == 1 and re.fullmatch(r"/media/[0-9a-f]{32}\.jpg", shown[0]), shown
    served = clients.as_user("erik").get(shown[0])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
