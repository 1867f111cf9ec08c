"""feeds.yaml's social settings are checked at load, and the fast grapheme count agrees with \\X (issue 10)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import regex

from newsletter.config import Config
from newsletter.errors import ConfigError
from newsletter.social.text import grapheme_count
from tests.social.conftest import CONFIG


@pytest.mark.parametrize(("snippet", "key", "words"), [
    ("  schedule:\n    slots:\n      linkedin: ['tirsdag 9.30']\n", "social.schedule.slots", "not a slot"),
    ("  schedule:\n    slots:\n      myspace: ['tue 09:30']\n", "social.schedule.slots", "unknown network"),
    ("  max_posts: {tiktok: 3}\n", "social.max_posts", "unknown network"),
    ("  publishers:\n    x: {kind: webhook, url: 'ftp://x'}\n", "social.publishers.x.url", "http"),
])
def test_bad_social_settings_name_the_key(make_config: Callable[[str], Config], snippet: str, key: str, words: str):
    text = CONFIG.split("social:\n")[0] + "social:\n" + snippet
    with pytest.raises(ConfigError) as caught:
        make_config(text)
    assert caught.value.key.startswith(key) and words in caught.value.problem


def test_hashtags_for_an_unknown_partner_are_refused(make_config: Callable[[str], Config]):
    text = CONFIG.replace("      business-kolding: [\"Business Kolding\"]", "      businesskolding: [\"X\"]")
    with pytest.raises(ConfigError, match="unknown partner 'businesskolding'"):
        make_config(text)


@pytest.mark.parametrize("text", [
    "Blåbærgrød og æbleskiver\n", "A\u030a\u0301", "👨\u200d👩\u200d👧\u200d👦🇩🇰#️⃣", "\r\n\n\r", "한국어 ㄱㅏ",
    "नमस्ते", "x\ufe0f y\U000e0067", "👍🏽 ok", "plain ascii only",
])
def test_the_fast_grapheme_count_agrees_with_uax29(text: str):
    assert grapheme_count(text) == len(regex.findall(r"\X", text))


def test_a_network_not_named_keeps_its_defaults(config: Config):
    social = config.data.social
    assert social.schedule.slots["linkedin"] == ("tue 09:30", "thu 09:30")  # set in the test config
    assert social.schedule.slots["facebook"] == ("mon,wed,fri 10:00",)      # not set: the default
    assert social.max_hashtags["mastodon"] == 3 and social.max_posts["linkedin"] == 4


def test_the_migration_makes_the_table_schema_py_describes(db):
    from sqlalchemy import inspect

    from newsletter.db.schema import social_posts

    columns = {c["name"] for c in inspect(db.engine).get_columns("social_posts")}
    assert columns == {c.name for c in social_posts.columns}
    uniques = [tuple(u["column_names"]) for u in inspect(db.engine).get_unique_constraints("social_posts")]
    assert ("issue_id", "network", "subject") in uniques


def test_the_cli_spells_the_networks_formats_and_statuses_like_the_stage():
    from newsletter.cli import social as cli_social
    from newsletter.models import SOCIAL_STATUSES
    from newsletter.social.export import FORMATS
    from newsletter.social.networks import NAMES

    assert (cli_social.NAMES, cli_social.FORMATS, cli_social.SOCIAL_STATUSES) == (NAMES, FORMATS, SOCIAL_STATUSES)
