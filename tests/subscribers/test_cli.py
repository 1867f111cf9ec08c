"""The team's commands: add, list, show, remove, import, export, gdpr-export, forget; serve's key check."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from newsletter.cli.subscribers import check_secret_key
from newsletter.errors import ConfigError
from tests.subscribers.conftest import CONFIG


@pytest.fixture
def team(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "feeds.yaml").write_text(CONFIG.format(per_ip=10), encoding="utf-8")
    return cli


def test_add_list_show_remove_with_json(team):  # type: ignore[no-untyped-def]
    result = team("subscribers", "add", "Hans@Firma.dk", "--newsletter", "ugebrev", "--name", "Hans",
                  "--consent-source", "visitkort, Industriens Dag 2026", "--by", "mette", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["subscriptions"] == {"ugebrev": "active"}
    listed = json.loads(team("subscribers", "list", "--json").output)
    assert [(s["email"], s["email_display"]) for s in listed] == [("hans@firma.dk", "Hans@Firma.dk")]
    shown = team("subscribers", "show", "hans@firma.dk")
    assert "added by mette" in shown.output and "ugebrev: active (all sections)" in shown.output
    removed = json.loads(team("subscribers", "remove", "HANS@firma.dk", "--by", "mette", "--json").output)
    assert removed["subscriptions"] == {"ugebrev": "unsubscribed"}
    record = json.loads(team("subscribers", "show", "hans@firma.dk", "--json").output)
    assert [c["action"] for c in record["consent_records"]] == ["given", "withdrawn"]
    assert team("subscribers", "list", "--status", "active", "--json").output.strip() == "[]"


def test_bad_input_is_a_clear_error(team):  # type: ignore[no-untyped-def]
    result = team("subscribers", "add", "not-an-address", "--consent-source", "x")
    assert result.exit_code == 1 and "Error: 'not-an-address'" in result.output
    assert team("subscribers", "show", "nobody@firma.dk").exit_code == 1
    result = team("subscribers", "add", "a@firma.dk", "--newsletter", "nope", "--consent-source", "x")
    assert result.exit_code == 1 and "known: ugebrev, invest" in result.output


def test_import_dry_run_then_import_reports_rows(team, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "liste.csv").write_bytes("Email;Navn\r\nA@firma.dk;Åse\r\nfejl;X\r\n".encode("cp1252"))
    dry = team("subscribers", "import", "liste.csv", "--newsletter", "ugebrev", "--consent-source", "messe", "--dry-run")
    assert dry.exit_code == 0
    assert "liste.csv: line 3: fejl: invalid address" in dry.output and "would import 1 of 2 rows" in dry.output
    assert json.loads(team("subscribers", "list", "--json").output) == []
    real = json.loads(team("subscribers", "import", "liste.csv", "--newsletter", "ugebrev",
                           "--consent-source", "messe", "--json").output)
    assert real["imported"] == 1 and real["problems"] == [{"row": 3, "email": "fejl", "reason": real["problems"][0]["reason"]}]


def test_export_gdpr_export_and_forget(team, tmp_path: Path):  # type: ignore[no-untyped-def]
    team("subscribers", "add", "b@firma.dk", "--name", "=HYPERLINK(\"x\")", "--consent-source", "messe")
    out = team("subscribers", "export").output
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["email", "email_as_typed", "name"] and rows[1][2] == "'=HYPERLINK(\"x\")"
    assert team("subscribers", "export", "-o", str(tmp_path / "ud.csv")).exit_code == 0
    assert (tmp_path / "ud.csv").read_bytes().startswith(b"\xef\xbb\xbfemail,")
    data = json.loads(team("subscribers", "gdpr-export", "b@firma.dk").output)
    assert data["subscriber"]["email"] == "b@firma.dk" and data["consent_records"][0]["consent_text"] == "messe"
    assert "erased b@firma.dk" in team("subscribers", "forget", "b@firma.dk", "--yes").output
    again = team("subscribers", "add", "b@firma.dk", "--consent-source", "gammel liste")
    assert again.exit_code == 1 and "erased on request" in again.output


def test_export_makes_an_address_that_looks_like_a_formula_text(team):  # type: ignore[no-untyped-def]
    # email-validator accepts "=", "+" and "-" at the start of the local part, so a stranger can
    # put a formula into the team's spreadsheet through the address alone.
    assert team("subscribers", "add", "=cmd@firma.dk", "--consent-source", "messe").exit_code == 0
    assert team("subscribers", "add", "ok@firma.dk", "--consent-source", "messe").exit_code == 0
    rows = list(csv.reader(io.StringIO(team("subscribers", "export").output)))
    assert sorted(row[:2] for row in rows[1:]) == [["'=cmd@firma.dk", "'=cmd@firma.dk"], ["ok@firma.dk", "ok@firma.dk"]]


def test_an_exported_file_imports_back_to_the_same_people(team, tmp_path: Path):  # type: ignore[no-untyped-def]
    team("subscribers", "add", "=cmd@firma.dk", "--name", "=Navn", "--organisation", "-Firma",
         "--consent-source", "messe")
    assert team("subscribers", "export", "-o", str(tmp_path / "ud.csv")).exit_code == 0
    assert team("subscribers", "forget", "=cmd@firma.dk", "--yes").exit_code == 0
    # a new list under another address, from the same file shape, lands unchanged
    text = (tmp_path / "ud.csv").read_text(encoding="utf-8-sig").replace("=cmd@firma.dk", "=ny@firma.dk")
    (tmp_path / "ind.csv").write_text(text, encoding="utf-8")
    result = team("subscribers", "import", str(tmp_path / "ind.csv"), "--newsletter", "ugebrev",
                  "--consent-source", "eksport")
    assert result.exit_code == 0, result.output
    shown = json.loads(team("subscribers", "show", "=ny@firma.dk", "--json").output)
    person = shown.get("subscriber", shown)
    assert (person["email"], person["name"], person["organisation"]) == ("=ny@firma.dk", "=Navn", "-Firma")


def test_serve_refuses_a_weak_key_on_https():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_secret_key("changeme", "https://nyhedsbrev.example.dk", True)
    assert check_secret_key("changeme", "http://127.0.0.1:8000", True) == []
    assert check_secret_key("x" * 64, "https://nyhedsbrev.example.dk", False)  # a warning
    assert check_secret_key("x" * 64, "https://nyhedsbrev.example.dk", True) == []


def test_embedded_secret_key_is_made_once_with_mode_0600(tmp_path: Path):
    from newsletter.config import load_settings

    first = load_settings(env={"NEWSLETTER_VAR_DIR": str(tmp_path / "v")})
    second = load_settings(env={"NEWSLETTER_VAR_DIR": str(tmp_path / "v")})
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "v" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings(env={"NEWSLETTER_VAR_DIR": str(tmp_path / "v"), "SECRET_KEY": "k" * 40}).secret_key == "k" * 40
