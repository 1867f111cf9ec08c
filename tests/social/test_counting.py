"""The per-network counting rules (issue 10): X against twitter-text's published conformance
cases, and the Danish, emoji and link cases our posts actually contain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from newsletter.social import bluesky, linkedin, mastodon, x
from newsletter.social.networks import NETWORKS, measure
from newsletter.social.text import camel_hashtag, entities, find_urls, graphemes

DATA = Path(__file__).resolve().parent.parent / "data" / "twitter-text"


def _cases(name: str, *sections: str) -> list[Any]:
    tests = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["tests"]
    return [pytest.param(case, id=f"{section}: {case['description'][:70]}")
            for section in sections for case in tests[section]]


@pytest.mark.parametrize("case", _cases("validate.yml", "WeightedTweetsWithDiscountedEmojiCounterTest",
                                        "WeightedTweetsCounterTest", "UnicodeDirectionalMarkerCounterTest"))
def test_x_weighted_length_matches_twitter_text(case: dict[str, Any]):
    result = x.parse(case["text"])
    expected = case["expected"]
    assert (result.weighted_length, result.valid, result.permillage) == (
        expected["weightedLength"], expected["valid"], expected["permillage"])


@pytest.mark.parametrize("case", _cases("extract.yml", "urls"))
def test_links_are_found_as_twitter_text_finds_them(case: dict[str, Any]):
    assert [s.value for s in find_urls(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", _cases("extract.yml", "urls_with_indices"))
def test_links_glued_to_text_have_twitter_texts_indices(case: dict[str, Any]):
    found = [{"url": s.value, "indices": [s.start, s.end]} for s in find_urls(case["text"])]
    assert found == case["expected"]


def test_the_conformance_data_carries_its_licence_and_provenance():
    assert "Apache License" in (DATA / "LICENSE").read_text(encoding="utf-8")
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "twitter/twitter-text" in readme and "validate.yml" in readme


@pytest.mark.parametrize(("text", "weighted"), [
    ("Læs mere på https://www.businesskolding.dk/nyheder/æblegrød-og-øl?id=7", 12 + 23),
    ("Læs mere:https://kolding.dk/x.", 9 + 23 + 1),      # glued after a colon, period outside
    ("abchttps://kolding.dk/x", 23),                     # after a letter: not a link at all
    ("Familien 👨\u200d👩\u200d👧\u200d👦 og Danmark 🇩🇰 kl. 9.30", 9 + 2 + 12 + 2 + 9),
    ("Besøg kolding.dk i dag", 22),                      # name.cc without a path is text
    ("Besøg www.kolding.dk i dag", 6 + 23 + 6),
    ("Å", 1), ("A\u030a", 1),                             # NFC: a decomposed å is one character
])
def test_x_counts_danish_posts(text: str, weighted: int):
    assert x.count(text) == weighted


def test_mastodon_counts_graphemes_links_as_23_and_remote_mentions_by_user():
    assert mastodon.count("Se https://www.example.dk/" + "a" * 200) == 3 + 23
    assert mastodon.count("@dpc@mastodon.social hej") == len("@dpc hej")
    assert mastodon.count("👨\u200d👩\u200d👧 æøå") == 5
    assert mastodon.count("kolding.dk/nyheder") == 18  # no scheme: Mastodon does not link it


def test_bluesky_counts_graphemes_of_the_shown_text_and_facets_point_at_utf8_bytes():
    text = "Blåbær og æbler 🍎 fra Fyn: https://www.example.dk/nyheder/blåbær-sæson-2026?utm_source=bluesky #Fødevarer"
    shown = bluesky.rich(text)
    data = shown.text.encode("utf-8")
    link, tag = shown.facets
    assert link["features"][0]["uri"] == "https://www.example.dk/nyheder/blåbær-sæson-2026?utm_source=bluesky"
    piece = data[link["index"]["byteStart"]:link["index"]["byteEnd"]].decode("utf-8")
    assert piece == bluesky.short_link(link["features"][0]["uri"]) and piece.endswith("…")
    assert data[tag["index"]["byteStart"]:tag["index"]["byteEnd"]].decode("utf-8") == "#Fødevarer"
    assert tag["features"][0] == {"$type": "app.bsky.richtext.facet#tag", "tag": "Fødevarer"}
    assert bluesky.count(text) == len(graphemes(shown.text)) < len(text)


def test_linkedin_escapes_little_text_and_knows_its_hook():
    assert linkedin.little_text("Nyt (igen) fra @DIMA_dk #Lærepladser") == \
        "Nyt \\(igen\\) fra \\@DIMA\\_dk {hashtag|\\#|Lærepladser}"
    link = "https://www.example.dk/nyhed_1?utm_source=linkedin&utm_medium=social#top"
    assert linkedin.little_text(f"Læs (mere): {link}") == f"Læs \\(mere\\): {link}"  # links stay whole
    assert linkedin.count("👍") == 2  # UTF-16, as LinkedIn's editor counts
    long_title = "Ord " * 60
    assert not linkedin.hook_ok(long_title + "\n\nResten")
    assert linkedin.hook_ok("Kort titel\n\n" + "Tekst " * 300)
    assert linkedin.count(linkedin.hook("Tekst " * 300)) <= linkedin.HOOK


@pytest.mark.parametrize("name", list(NETWORKS))
def test_a_post_at_the_limit_is_left_alone_and_one_over_is_shortened(name: str):
    rules = NETWORKS[name]
    link = " https://www.example.dk/nyhed"
    body = "Æbleø " * (rules.limit // 3)
    at_limit = body
    while rules.count(at_limit + link) > rules.limit:
        at_limit = at_limit[:-1]
    while rules.count(at_limit + "å" + link) <= rules.limit:
        at_limit += "å"
    exact = at_limit + link
    assert rules.count(exact) == rules.limit
    assert rules.shorten(exact, rules.limit) == exact
    over = at_limit + "ø" + link
    assert rules.count(over) == rules.limit + 1
    cut = rules.shorten(over, rules.limit)
    assert cut != over and cut.endswith("…") and rules.count(cut) <= rules.limit


@pytest.mark.parametrize("text", [
    "Ét ord " * 30 + "https://www.example.dk/en/meget/lang/sti/der/ikke/må/deles " + "hale " * 40,
    "#DanmarksProduktionscenter " * 20,
    "@dpc@mastodon.social " * 25,
    "👨\u200d👩\u200d👧\u200d👦" * 200,
    "Kolding" + "\u0301" * 3 + " øæå " * 100,
])
def test_shortening_never_cuts_a_link_a_hashtag_a_mention_or_a_grapheme(text: str):
    for name, rules in NETWORKS.items():
        limit = 120 if name != "x" else 60
        cut = rules.shorten(text, limit)
        if not cut:
            continue
        kept = cut.removesuffix("…")
        assert text.startswith(kept), name
        assert graphemes(text)[:len(graphemes(kept))] == graphemes(kept), name
        for span in entities(text):
            inside = span.start < len(kept) < span.end
            assert not inside, (name, span)
        assert rules.count(cut) <= limit


def test_camel_case_hashtags_from_config_words():
    assert camel_hashtag("Danmarks Produktionscenter") == "#DanmarksProduktionscenter"
    assert camel_hashtag("SDU og IBA") == "#SDUOgIBA"
    assert camel_hashtag("grøn omstilling") == "#GrønOmstilling"
    assert camel_hashtag("2026") == ""


def test_measure_names_what_is_wrong():
    assert measure("x", "Hej").ok
    too_long = measure("x", "ø" * 281)
    assert not too_long.ok and "1 over X's limit of 280" in too_long.describe()
    assert "empty" in measure("bluesky", "  ").describe()
    family = "👨\u200d👩\u200d👧\u200d👦"
    heavy = measure("bluesky", family * 200)  # 200 graphemes, 5,000 bytes
    assert heavy.count == 200 and not heavy.ok and "3000" in heavy.describe()
    hook = measure("linkedin", "Ord " * 60 + "\n\nResten")
    assert hook.ok and hook.warnings and "se mere" in hook.describe()
