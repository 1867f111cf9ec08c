"""Pure decisions of compose: select, cluster, rank (no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsletter.compose.cluster import cluster, same_story
from newsletter.compose.rank import Limits, rank
from newsletter.compose.select import parse_iso_week, select, window_start
from newsletter.models import Candidate

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PRESS = ("Kolding Kommune og Business Kolding lancerer et nyt program for digital omstilling i små og "
         "mellemstore produktionsvirksomheder. Programmet tilbyder sparring, workshops og "
         "medfinansiering til konkrete projekter med automatisering og robotter.")


def cand(id: int, title: str = "", text: str = "", *, partner: str = "bk", hours: float = 24,
         **extra) -> Candidate:
    when = NOW - timedelta(hours=hours)
    values = dict(id=id, origin="feed", partner_key=partner, section="partnere",
                  url=f"https://example.dk/{partner}/{id}", canonical_url=f"https://example.dk/{partner}/{id}",
                  title=title or f"Historie {id}", summary_text=text, published_at=when, first_seen_at=when)
    values.update(extra)
    return Candidate(**values)


def test_rewritten_headline_of_the_same_press_release_clusters():
    a = cand(1, "Nyt program skal løfte digitaliseringen i produktionen", PRESS, partner="bk")
    b = cand(2, "Små virksomheder får hjælp til robotter", "Nyhed: " + PRESS.replace("et nyt", "nu et nyt")
             + " Kontakt os for at høre mere.", partner="billund")
    assert same_story(a, b)
    groups = cluster([a, b])
    assert len(groups) == 1
    assert groups[0].lead.id == 1 and [o.id for o in groups[0].others] == [2]


def test_two_different_stories_from_one_partner_do_not_cluster():
    a = cand(1, "Ny havneudvidelse giver plads til 400 job",
             "Udvidelsen af Fredericia Havn åbner for nye virksomheder inden for energi og logistik, og "
             "kommunen forventer op mod 400 nye arbejdspladser over de næste fem år.")
    b = cand(2, "Ny klynge for grøn energi samler 40 virksomheder",
             "Fredericia får en ny klynge for grøn energi, hvor 40 virksomheder deler viden om brint, "
             "Power-to-X og elektrificering af industrien i de kommende år.")
    assert not same_story(a, b)
    assert len(cluster([a, b])) == 2


def test_same_canonical_url_clusters_and_curated_item_leads():
    a = cand(1, "Industriens Dag", "kort", partner="bk", hours=48)
    b = cand(2, "Industriens Dag 2026 i Kolding", "", partner=None, origin="curated",
             canonical_url=a.canonical_url)
    (group,) = cluster([a, b])
    assert group.lead.id == 2


def test_near_identical_titles_without_text_cluster():
    a = cand(1, "Virksomheder i Vejle får adgang til ny robotpulje")
    b = cand(2, "Virksomheder i Vejle får adgang til ny robotpulje", partner="vejle")
    assert same_story(a, b)


def test_select_window_used_removed_and_past_events():
    since = window_start(NOW, None, 7)
    assert since == NOW - timedelta(days=7)
    items = [
        cand(1, hours=24),
        cand(2, hours=24 * 8),  # before the window
        cand(3, hours=2),  # used in an earlier issue
        cand(4, hours=5, removed_at=NOW),
        cand(5, hours=24 * 20, event_starts_at=NOW + timedelta(days=9)),  # upcoming, added weeks ago
        cand(6, hours=24, event_starts_at=NOW - timedelta(days=1)),  # past event
    ]
    chosen = select(items, since=since, now=NOW, used={3})
    assert [c.id for c in chosen] == [1, 5]


def test_window_starts_at_the_last_sent_issue():
    sent = NOW - timedelta(days=3)
    assert window_start(NOW, sent, 7) == sent


LIMITS = Limits(sections=("partnere", "arrangementer", "kompetencer"),
                section_max={"partnere": 4, "arrangementer": 3, "kompetencer": 2},
                events_section="arrangementer", max_per_partner=2, max_items=20,
                partner_section={"dima": "kompetencer"})


def test_rank_pinned_then_curated_then_newest():
    items = [cand(1, hours=30, partner="a"), cand(2, hours=1, partner="b"),
             cand(3, hours=50, partner="c", origin="curated"), cand(4, hours=60, partner="d", pinned=True)]
    placements = rank(cluster(items), LIMITS)
    order = [p.item_id for p in sorted(placements, key=lambda p: p.position) if p.section == "partnere"]
    assert order == [4, 3, 2, 1]


def test_partner_cap_keeps_a_prolific_partner_from_filling_the_issue():
    topics = ["havn", "robotter", "brint", "lærlinge", "eksport", "design"]
    items = [cand(i, f"Nyt om {topics[i - 1]}", partner="prolific", hours=i) for i in range(1, 7)] + [cand(10, partner="other", hours=30)]
    placements = {p.item_id: p for p in rank(cluster(items), LIMITS)}
    included = [i for i, p in placements.items() if p.included]
    assert sorted(included) == [1, 2, 10]  # the partner's two newest, and the other partner
    assert placements[5].reason == "partner cap"


def test_section_cap_and_sections_from_source_partner_and_events():
    items = [cand(i, partner=f"p{i}", hours=i) for i in range(1, 7)]
    items += [cand(20, partner="dima", section=None),
              cand(21, partner="bk", event_starts_at=NOW + timedelta(days=10)),
              cand(22, partner="bk2", event_starts_at=NOW + timedelta(days=2))]
    placements = {p.item_id: p for p in rank(cluster(items), LIMITS)}
    assert placements[20].section == "kompetencer"
    assert [p.included for i, p in sorted(placements.items()) if i <= 6] == [True] * 4 + [False] * 2
    assert placements[6].reason == "section cap"
    events = sorted((p for p in placements.values() if p.section == "arrangementer"), key=lambda p: p.position)
    assert [p.item_id for p in events] == [22, 21]  # by date


def test_pinned_items_ignore_caps():
    items = [cand(i, partner="prolific", hours=i, pinned=True) for i in range(1, 5)]
    assert all(p.included for p in rank(cluster(items), LIMITS))


def _busy_week_with_one_story_from_three_partners():
    """Partner "bf" already has two newer stories (the cap is 2); the robot story's earliest
    version is bf's, so bf would show it, but bk and mec carry it too."""
    robot = "Trekantområdet får et testcenter for robotter og automatisering, hvor små og mellemstore " \
            "virksomheder kan afprøve cobots og maskinsyn, før de investerer i egen produktion."
    return [cand(1, "Nyt robotcenter i Trekantområdet", robot, partner="bf", hours=50),
            cand(2, "Testcenter for robotter åbner", "Nyhed: " + robot, partner="bk", hours=40),
            cand(3, "Robotter kan nu testes lokalt", robot + " Kontakt os.", partner="mec", hours=45),
            cand(4, "Havnen udvider", partner="bf", hours=2), cand(5, "Energiklynge", partner="bf", hours=3)]


def test_capped_representative_is_replaced_by_a_member_from_a_partner_with_room():
    limits = Limits(sections=("partnere",), section_max={"partnere": 10}, events_section=None,
                    max_per_partner=1, max_items=20)
    placements = {p.item_id: p for p in rank(cluster(_busy_week_with_one_story_from_three_partners()), limits)}
    # bf's slot goes to the robot story (it ranks first); then its own two news items hit the cap
    assert placements[1].included and placements[1].duplicate_of is None
    assert [placements[i].reason for i in (4, 5)] == ["partner cap", "partner cap"]
    pinned = [cand(9, "Fastgjort fra bf", partner="bf", hours=1, pinned=True)]
    placements = {p.item_id: p for p in rank(cluster(pinned + _busy_week_with_one_story_from_three_partners()),
                                             limits)}
    # bf is full with the pinned item: mec (the next earliest) shows the robot story, the rest fold in
    assert placements[3].included and placements[3].duplicate_of is None
    assert placements[1].duplicate_of == 3 and placements[2].duplicate_of == 3
    assert not placements[1].included and placements[1].reason == "duplicate"


def test_story_from_several_partners_ranks_before_newer_single_partner_stories():
    items = _busy_week_with_one_story_from_three_partners() + [cand(6, "Kort nyt", partner="x", hours=1)]
    placements = rank(cluster(items), LIMITS)
    shown = [p.item_id for p in sorted(placements, key=lambda p: p.position)
             if p.section == "partnere" and p.duplicate_of is None]
    assert shown[0] == 1  # 3 partners, oldest, still first
    assert shown[1:3] == [6, 4]  # then newest first
    # tiers still win: a pinned or curated single-partner item comes before the shared story
    curated = cand(7, "Fra teamet", partner=None, origin="curated", hours=100)
    order = [p.item_id for p in sorted(rank(cluster([*items, curated]), LIMITS), key=lambda p: p.position)
             if p.section == "partnere" and p.duplicate_of is None]
    assert order[:2] == [7, 1]


def test_item_without_an_http_link_is_left_out_with_the_reason_and_a_duplicate_stands_in():
    a = cand(1, "Nyhed med javascript-link", PRESS, partner="bk", url="javascript:alert(1)", hours=30)
    b = cand(2, "Samme nyhed", "Nyhed: " + PRESS, partner="be", hours=20)
    c = cand(3, "Kun et ftp-link", partner="bf", url="ftp://example.dk/x")
    event = cand(4, "Arrangement uden side", partner="bf", url="", signup_url="https://example.dk/tilmeld",
                 event_starts_at=NOW + timedelta(days=3))
    placements = {p.item_id: p for p in rank(cluster([a, b, c, event]), LIMITS)}
    assert placements[2].included and placements[1].duplicate_of == 2
    assert not placements[3].included and placements[3].reason == "no http(s) link"
    assert placements[4].included  # an event can be linked by its sign-up page


def test_iso_weeks_2026_has_53():
    assert parse_iso_week("2026-W53") == (2026, 53)
    assert parse_iso_week("2026-48") == (2026, 48)
    with pytest.raises(ValueError, match="2025 has ISO weeks 1 to 52"):
        parse_iso_week("2025-W53")
    with pytest.raises(ValueError, match="2026-W48"):
        parse_iso_week("uge 48")
