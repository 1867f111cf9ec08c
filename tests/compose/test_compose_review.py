"""compose() and review over a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsletter import review
from newsletter.compose import compose
from newsletter.errors import ComposeError, EmptyWeek, IssueStateError, NotFound
from newsletter.render import render_issue
from tests.compose.conftest import NOW, PRESS


def included_titles(db, issue_id):
    _, placed = review.get(db, issue_id)
    return [p.title for p in sorted(placed, key=lambda p: (p.section, p.position)) if p.included]


def test_draft_composes_sections_duplicates_and_default_texts(db, config, item):
    item("Nyt program skal løfte digitaliseringen", text=PRESS, hours_ago=30)
    item("Små virksomheder får hjælp til robotter", partner="billund-erhverv", text="Nyhed: " + PRESS)
    item("Lærepladser i industrien", partner="dima", section=None, hours_ago=3)
    item("Gammel nyhed", hours_ago=24 * 9)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    assert issue.status == "draft" and (issue.iso_year, issue.iso_week) == (2026, 48)
    assert issue.subject == "Nyt fra Danmarks Produktionscentrum · uge 48"
    assert issue.intro.startswith("Her er ugens nyheder")
    _, placed = review.get(db, issue.id)
    shown = {p.title: p for p in placed}
    assert "Gammel nyhed" not in shown
    assert "Små virksomheder får hjælp til robotter" not in shown  # folded into the original
    assert shown["Nyt program skal løfte digitaliseringen"].also_by == ("billund-erhverv",)
    assert shown["Lærepladser i industrien"].section == "kompetencer"


def test_refresh_keeps_edits_and_items_are_never_reused(db, config, item):
    first = item("Første historie", hours_ago=10)
    second = item("Anden historie om noget andet", partner="billund-erhverv", hours_ago=12)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    review.exclude(db, issue.id, first, by="mette")
    review.override(db, issue.id, second, by="mette", title="Bedre titel")
    review.set_texts(db, issue.id, "mette", subject="Egen emnelinje")
    item("Ny historie kom til", partner="business-fredericia", hours_ago=1)
    again = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    assert again.id == issue.id and again.subject == "Egen emnelinje"
    assert included_titles(db, issue.id) == ["Ny historie kom til", "Bedre titel"]

    render_issue(db, config, issue.id)  # approve needs a render after the last change (issue 8 §8)
    review.approve(db, issue.id, "lene")
    review.mark_queued(db, issue.id)
    review.mark_sent(db, issue.id, at=NOW)
    later = NOW + timedelta(days=7)
    item("Næste uges nyhed", hours_ago=-24)  # first seen after the send
    nxt = compose(db, config, "ugebrev", "2026-W49", now=later)
    titles = included_titles(db, nxt.id)
    assert titles == ["Næste uges nyhed"]  # nothing from week 48, not even the excluded item


def test_item_without_http_link_is_excluded_with_reason_and_cannot_be_included(db, config, item):
    bad = item("Nyhed med javascript-link", url="javascript:alert(document.cookie)", hours_ago=2)
    item("Almindelig nyhed", partner="billund-erhverv", hours_ago=3)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    _, placed = review.get(db, issue.id)
    shown = {p.item.id: p for p in placed}
    assert not shown[bad].included and shown[bad].reason == "no http(s) link"
    with pytest.raises(ComposeError, match=f"item {bad} has no http\\(s\\) link"):
        review.include(db, issue.id, bad, by="mette")
    assert included_titles(db, issue.id) == ["Almindelig nyhed"]


def test_empty_week_skips_with_a_clear_message(db, config, item):
    item("Kurateret nyhed", partner=None, origin="curated")
    with pytest.raises(EmptyWeek, match="no new items from partners.*empty_week: curated_only"):
        compose(db, config, "ugebrev", "2026-W48", now=NOW)
    issue = compose(db, config, "investor", "2026-W48", now=NOW)  # empty_week: curated_only
    assert included_titles(db, issue.id) == ["Kurateret nyhed"]


def test_empty_week_without_anything_gives_no_issue(db, config):
    with pytest.raises(EmptyWeek):
        compose(db, config, "investor", "2026-W48", now=NOW)
    with pytest.raises(EmptyWeek) as skipped:
        compose(db, config, "ugebrev", "2026-W48", now=NOW)
    assert "Run collect first." in str(skipped.value) and "curated_only" not in str(skipped.value)
    with pytest.raises(ComposeError, match="2025 has ISO weeks 1 to 52"):
        compose(db, config, "ugebrev", "2025-W53", now=NOW)


def test_approve_records_who_and_when_and_edit_reopens(db, config, item):
    story = item("Historie", hours_ago=2)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    render_issue(db, config, issue.id)
    approved = review.approve(db, issue.id, "lene@trekant.dk")
    assert approved.status == "approved" and approved.approved_by == "lene@trekant.dk"
    assert approved.approved_at is not None
    with pytest.raises(IssueStateError, match="only a draft is refreshed. Edit it"):
        compose(db, config, "ugebrev", "2026-W48", now=NOW)
    review.override(db, issue.id, story, by="mette", summary="Kortere resumé")
    reopened, _ = review.get(db, issue.id)
    assert reopened.status == "draft" and reopened.approved_by is None
    actions = [(e["actor"], e["action"]) for e in review.history(db, issue.id)]
    assert actions == [("compose", "create"), ("lene@trekant.dk", "approve"), ("mette", "reopen"),
                       ("mette", "override")]


def test_sent_issue_cannot_be_edited_and_unknown_things_are_named(db, config, item):
    story = item("Historie", hours_ago=2)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    with pytest.raises(NotFound, match="item 999 is not in issue"):
        review.exclude(db, issue.id, 999, by="x")
    with pytest.raises(NotFound, match="issue 999 does not exist"):
        review.approve(db, 999, "x")
    render_issue(db, config, issue.id)
    review.approve(db, issue.id, "lene")
    review.mark_queued(db, issue.id)
    review.mark_sent(db, issue.id)
    with pytest.raises(IssueStateError, match="is sent"):
        review.exclude(db, issue.id, story, by="x")


def test_move_between_sections_and_positions(db, config, item):
    a = item("A historie om havne", hours_ago=1)
    b = item("B historie om robotter", partner="billund-erhverv", hours_ago=2)
    c = item("C historie om lærlinge", partner="business-fredericia", hours_ago=3)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    review.move(db, issue.id, c, "mette", position=0)
    review.move(db, issue.id, a, "mette", section="kompetencer")
    _, placed = review.get(db, issue.id)
    order = {p.item.id: (p.section, p.position) for p in placed}
    assert order[c] == ("partnere", 0) and order[b] == ("partnere", 1)
    assert order[a] == ("kompetencer", 0)
    compose(db, config, "ugebrev", "2026-W48", now=NOW)  # a refresh keeps the move
    _, placed = review.get(db, issue.id)
    assert {p.item.id: p.section for p in placed}[a] == "kompetencer"


def test_approve_needs_items_and_a_name(db, config, item):
    story = item("Historie", hours_ago=2)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    with pytest.raises(ComposeError, match="--by"):
        review.approve(db, issue.id, " ")
    review.exclude(db, issue.id, story, by="x")
    with pytest.raises(ComposeError, match="no included items"):
        review.approve(db, issue.id, "lene")
