"""The foundation: config validation, migrations, the CLI's error handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from newsletter.config import load_config, parse_config
from newsletter.db import current_revision, head_revision
from newsletter.errors import ConfigError
from tests.conftest import MINIMAL_CONFIG, REPO


def test_migrations_create_the_tables(db):
    assert current_revision(db) == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert {"sources", "items", "fetch_log"} <= tables


def test_config_error_names_file_key_path_and_problem():
    text = MINIMAL_CONFIG.replace("partners: []", """partners:
  - key: bk
    name: Business Kolding
    sources:
      - kind: feed
        url: https://example.dk/feed
      - kind: feed
        url: ftp://example.dk/feed
""")
    with pytest.raises(ConfigError) as info:
        parse_config(text, "feeds.yaml")
    message = str(info.value)
    assert message.startswith("feeds.yaml: partners[0].sources[1].url:")
    assert "ftp" in message


def test_unknown_key_and_unknown_section_are_named():
    with pytest.raises(ConfigError, match=r"newsletters\[0\]\.sectons: unknown key"):
        parse_config(MINIMAL_CONFIG.replace("name: Nyt fra", "sectons: [x]\n    name: Nyt fra"), "f.yaml")
    bad = MINIMAL_CONFIG.replace("name: Nyt fra Danmarks Produktionscentrum",
                                 "name: N\n    sections: [partnere, nope]")
    with pytest.raises(ConfigError, match=r"newsletters\[0\]\.sections\[1\]: unknown section 'nope'"):
        parse_config(bad, "f.yaml")


@pytest.mark.parametrize(("written", "kept"), [("thu 08:00", "thu 08:00"), ("Thursday 8.30", "thu 08:30"),
                                               ("fri 7:05", "fri 07:05"), ("tue", "tue 08:00")])
def test_send_day_is_read_in_its_usual_forms(written: str, kept: str):
    config = parse_config(MINIMAL_CONFIG.replace("name: Nyt fra", f'send_day: "{written}"\n    name: Nyt fra'), "f.yaml")
    assert config.newsletters[0].send_day == kept


@pytest.mark.parametrize("written", ["thu 25:00", "thu 8", "torsdag 08:00", "thu 08:00 CET", "08:00", "thu 8:5"])
def test_a_send_day_typo_is_refused_not_read_as_eight_oclock(written: str):
    """The deadlines job, the workspace and the events window all read send_day: a typo there
    would hold or send the issue at the wrong time, so it is a config error."""
    text = MINIMAL_CONFIG.replace("name: Nyt fra", f'send_day: "{written}"\n    name: Nyt fra')
    with pytest.raises(ConfigError, match=r"newsletters\[0\]\.send_day: .*is not a weekday and a time, e\.g\. 'thu 08:00'"):
        parse_config(text, "f.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path: Path):
    path = tmp_path / "feeds.yaml"
    path.write_text("sections:\n  - key: a\n    title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line \d+"):
        load_config(path)


@pytest.mark.parametrize("name", ["feeds.yaml", "newsletter/demo/feeds.yaml"])
def test_shipped_configs_are_valid(name: str):
    config = load_config(REPO / name)
    assert config.sources()


def test_cli_reports_config_error_and_exits_1(cli, tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("sections: []\nnewsletters: []\n", encoding="utf-8")
    result = cli("--config", str(tmp_path / "bad.yaml"), "db", "upgrade")
    assert result.exit_code == 1
    assert "bad.yaml: sections" in result.output


def test_db_upgrade_command(cli, tmp_path: Path):
    (tmp_path / "feeds.yaml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in result.output
