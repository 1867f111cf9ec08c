"""The compose commands end to end: draft, issues, issue show/edit, render, approve, archive build."""

from __future__ import annotations

import json
from datetime import timedelta

import lxml.html

from newsletter import review
from newsletter.db.issues import add_item
from newsletter.db.types import utcnow
from tests.compose.conftest import CONFIG, PRESS


def seed(db) -> dict[str, int]:
    now = utcnow()
    ids = {}
    with db.begin() as conn:
        for key, title, partner, text, hours in [
            ("bk", "Nyt program for digital omstilling", "business-kolding", PRESS, 5),
            ("be", "Robotter til små virksomheder", "billund-erhverv", "Nyhed: " + PRESS, 3),
            ("bf", "Havneudvidelse giver 400 job", "business-fredericia", "Fredericia Havn vokser.", 2),
        ]:
            ids[key] = add_item(conn, title=title, url=f"https://example.dk/{key}", summary_text=text,
                                published_at=now - timedelta(hours=hours), partner_key=partner,
                                section="partnere")
    return ids


def test_draft_show_edit_render_approve_archive(cli, db, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    ids = seed(db)

    result = cli("draft", "--newsletter", "ugebrev", "--week", "2026-W53")
    assert result.exit_code == 0, result.output
    assert "Issue 1: ugebrev 2026-W53 (draft), 2 items included" in result.output

    result = cli("issues")
    assert "2026-W53" in result.output and "draft" in result.output

    result = cli("issue", "show", "1", "--json")
    shown = json.loads(result.output)
    # the story two partners carry comes before the newer single-partner story
    assert [i["title"] for i in shown["items"]] == ["Nyt program for digital omstilling", "Havneudvidelse giver 400 job"]
    assert shown["items"][0]["also"] == ["Billund Erhverv"]

    result = cli("issue", "edit", "1", "--subject", "Uge 53: robotter og havne", "--exclude", str(ids["bf"]),
                 "--title", str(ids["bk"]), "Robotprogram i Kolding", "--move", str(ids["bk"]), "kompetencer:1",
                 "--by", "mette")
    assert result.exit_code == 0, result.output
    result = cli("issue", "show", "1")
    assert "Uge 53: robotter og havne" in result.output and "Robotprogram i Kolding" in result.output
    assert "no (reviewer)" in result.output

    result = cli("issue", "edit", "1", "--move", str(ids["bk"]), "nowhere")
    assert result.exit_code == 1 and "unknown section 'nowhere'" in result.output
    # a bad option anywhere means nothing of the command is saved
    result = cli("issue", "edit", "1", "--subject", "Halvt gemt", "--include", str(ids["bf"]), "--exclude", "999")
    assert result.exit_code == 1 and "item 999 is not in issue 1" in result.output
    result = cli("issue", "show", "1")
    assert "Halvt gemt" not in result.output and "no (reviewer)" in result.output

    out = tmp_path / "render"
    result = cli("render", "1", "--offline", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "info    size: HTML is" in result.output and "Preflight: 0 error(s)." in result.output
    doc = lxml.html.document_fromstring((out / "email.html").read_bytes())
    assert doc.findtext(".//title") == "Uge 53: robotter og havne"
    assert "Robotprogram i Kolding" in doc.text_content()
    assert (out / "email.txt").read_text().startswith("Nyt fra Danmarks Produktionscentrum")

    result = cli("approve", "1", "--by", "lene")
    assert result.exit_code == 0 and "approved by lene" in result.output
    result = cli("approve", "1", "--by", "lene")
    assert result.exit_code == 1 and "only a draft can be approved" in result.output

    review.mark_queued(db, 1)
    review.mark_sent(db, 1)
    result = cli("archive", "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    page = tmp_path / "site" / "ugebrev" / "2026-uge-53.html"
    assert "Robotprogram i Kolding" in page.read_text()
    index = lxml.html.document_fromstring((tmp_path / "site" / "index.html").read_bytes())
    assert [a.get("href") for a in index.iter("a") if a.get("href", "").endswith(".html")] == ["ugebrev/2026-uge-53.html"]
    feed = (tmp_path / "site" / "ugebrev" / "feed.atom").read_text()
    assert "<title>Uge 53: robotter og havne</title>" in feed
    assert "https://nyhedsbrev.example.dk/arkiv/ugebrev/2026-uge-53.html" in feed


def test_empty_week_and_bad_week_exit_1(cli, db, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    result = cli("draft", "--week", "2026-W48")
    assert result.exit_code == 1 and "no new items from partners" in result.output
    result = cli("draft", "--week", "2025-W53")
    assert result.exit_code == 1 and "2025 has ISO weeks 1 to 52" in result.output
    result = cli("render", "42", "--offline")
    assert result.exit_code == 1 and "issue 42 does not exist" in result.output
