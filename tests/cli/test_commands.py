"""Every command behaves as documented (issue 11): one-line errors, no silent new database,
global options anywhere, strict times, checked addresses, refusals that say why."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.db.issues import add_item
from newsletter.db.types import utcnow
from tests.compose.conftest import CONFIG


def _run(*args: str, input: str | None = None):
    """Like the `cli` fixture (use it first, for the environment), but exceptions become results."""
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def issue(cli, db, tmp_path) -> int:
    """A draft issue of this week with two partner items, via the real commands."""
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    now = utcnow()
    with db.begin() as conn:
        for n, partner in enumerate(("business-kolding", "billund-erhverv")):
            add_item(conn, title=f"Nyhed nummer {n} om robotter og havne", url=f"https://example.dk/{n}",
                     summary_text="Tekst.", published_at=now - timedelta(hours=n + 1), partner_key=partner,
                     section="partnere")
    result = cli("draft", "--json")
    assert result.exit_code == 0, result.output
    issue_id = json.loads(result.output)["issue"]["id"]
    rendered = cli("render", str(issue_id), "--offline", "--out", str(tmp_path / "render"))
    assert rendered.exit_code == 0, rendered.output  # approve takes only a rendered issue
    return issue_id


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    output = re.sub(r"-{40}\nException occurred during processing of request.*?-{40}\n", "", result.output,
                    flags=re.S)  # the local test HTTP server's own noise when a client hangs up
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


# --- one-line errors instead of tracebacks ---------------------------------------------------

def test_export_to_a_missing_folder_is_one_line(cli, db, tmp_path):
    _one_line_error(_run("subscribers", "export", "-o", "missing/dir/x.csv"), "missing/dir", "does not exist")
    assert not (tmp_path / "missing").exists()


def test_render_into_a_file_is_one_line(cli, issue, tmp_path):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    _one_line_error(_run("render", str(issue), "--out", "a-file/x", "--offline"), "a-file is a file")


@pytest.mark.parametrize("url, needle", [
    ("mysql://user:secret@db.example.dk/news", "'mysql' is not supported"),
    ("not a url", "is not a database URL"),
])
def test_unsupported_database_url_is_one_line(cli, monkeypatch, url, needle):
    monkeypatch.setenv("DATABASE_URL", url)
    result = _run("issues")
    _one_line_error(result, needle, "postgresql://")
    assert "secret" not in result.output  # the password is never printed


COMMON_MISTAKES = {
    "ISSUE_ID": "999",
    "ITEM_ID": "999",
    "EMAIL": "ikke-en-adresse",
    "URL": "ftp://example.dk/x",
    "FILE": "findes-ikke.csv",
}
SKIP = {"newsletter serve", "newsletter demo"}  # a server that keeps running; the demo has its own test


def _leaf_commands(group, prefix="newsletter"):
    import click

    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            if not command.invoke_without_command:
                yield from _leaf_commands(command, path)
                continue
            yield from _leaf_commands(command, path)
        yield path, command


@pytest.mark.parametrize("path", [p for p, _ in _leaf_commands(main) if p not in SKIP])
def test_common_mistakes_never_give_a_traceback(cli, db, tmp_path, path):
    """Each command with the usual typos: an issue that does not exist, a bad address, a
    URL that is not http(s), a file that is not there, and --json in an odd place."""
    import click

    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    command = main
    for word in path.split()[1:]:
        command = command.commands[word]  # type: ignore[attr-defined]
    args = []
    for param in command.params:
        if isinstance(param, click.Argument) and param.required:
            args.append(COMMON_MISTAKES.get(param.name.upper(), "999"))
        elif isinstance(param, click.Option) and param.required:
            args += [param.opts[0], "ikke-en-adresse" if "to" in param.name else "x"]
    result = _run("--json", *path.split()[1:], *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"`{path} {' '.join(args)}` raised {result.exception!r}:\n{result.output}")
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.output.strip().splitlines()[-1].startswith("Error: "), result.output
    assert result.exit_code in (0, 1, 2), result.output


# --- the database: never a silent new one ------------------------------------------------------

def test_read_only_commands_refuse_a_database_that_is_not_there(cli, tmp_path, monkeypatch):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    typo = tmp_path / "var" / "newsleter.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{typo}")
    for args in (["issues"], ["outbox"], ["sources"], ["curate", "list"], ["subscribers", "list"], ["db", "status"]):
        result = _run(*args)
        _one_line_error(result, "no database at", "check DATABASE_URL")
    assert not typo.exists()


def test_the_first_write_says_it_made_the_database(cli, tmp_path, monkeypatch):
    new = tmp_path / "ny.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{new}")
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    result = _run("subscribers", "add", "a@example.dk", "--consent-source", "messe")
    assert result.exit_code == 0, result.output
    assert f"Created a new database at {new}" in result.output
    again = _run("subscribers", "add", "b@example.dk", "--consent-source", "messe")
    assert "Created a new database" not in again.output


# --- global options anywhere ----------------------------------------------------------------------

def test_json_and_config_anywhere_on_the_line(cli, issue, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    first = json.loads(_run("--json", "issues").output)
    assert json.loads(_run("issues", "--json").output) == first
    shown = _run("issue", "show", str(issue), "--config", str(other / "feeds.yaml"), "--json")
    assert shown.exit_code == 0 and json.loads(shown.output)["issue"]["id"] == issue
    assert _run("approve", str(issue), "--by", "lene", "--json").exit_code == 0  # accepted everywhere
    bad = _run("issues", "--config", str(tmp_path / "nope.yaml"), "sources")
    assert bad.exit_code != 0


# --- times --------------------------------------------------------------------------------------

def test_queue_at_takes_danish_forms_and_refuses_the_past(cli, issue):
    assert _run("approve", str(issue), "--by", "lene").exit_code == 0
    assert _run("subscribers", "add", "a@example.dk", "--consent-source", "messe").exit_code == 0
    past = _run("queue", str(issue), "--at", "1.11.2026 kl. 8.00")
    _one_line_error(past, "is in the past")
    bad = _run("queue", str(issue), "--at", "3.12.2099 kl. 25.00")
    _one_line_error(bad, "25.00 is not a time of day")
    ok = _run("queue", str(issue), "--at", "3. december 2099 kl. 8.00", "--json")
    assert ok.exit_code == 0, ok.output
    assert datetime.fromisoformat(json.loads(ok.output)["send_after"]) == datetime(2099, 12, 3, 7, tzinfo=UTC)
    listed = _run("outbox")
    assert "2099-12-03 08:00" in listed.output  # when the queued issue goes out


def test_curate_starts_refuses_an_hour_that_does_not_exist(cli, db, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    result = _run("curate", "add", "--title", "Industriens Dag", "--signup-url", "https://example.dk/t",
                  "--starts", "3.12.2026 kl. 25.00")
    _one_line_error(result, "25.00 is not a time of day")
    assert json.loads(_run("curate", "list", "--json").output) == []


# --- addresses and confirmations -----------------------------------------------------------------

def test_test_send_checks_every_address_and_takes_both_separators(cli, issue, tmp_path):
    outbox = Path(tmp_path / "outbox")
    bad = _run("test-send", str(issue), "--to", "mette@example.dk; lene@")
    assert bad.exit_code == 2 and "lene@" in bad.output and "Nothing was sent" in bad.output
    assert not list(outbox.glob("*.eml"))
    ok = _run("test-send", str(issue), "--to", "mette@example.dk; lene@example.dk,jens@example.dk")
    assert ok.exit_code == 0, ok.output
    assert len(list(outbox.glob("*.eml"))) == 3


def test_forget_without_yes_refuses_off_a_terminal(cli, db, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    assert _run("subscribers", "add", "a@example.dk", "--consent-source", "messe").exit_code == 0
    result = _run("subscribers", "forget", "a@example.dk", input="y\n")
    assert result.exit_code == 2 and "--yes" in result.output
    assert _run("subscribers", "show", "a@example.dk").exit_code == 0  # still there


def test_adding_an_existing_subscriber_keeps_name_and_consent_source(cli, db, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    _run("subscribers", "add", "hans@firma.dk", "--name", "Hans Hansen", "--consent-source", "messe 2026")
    again = _run("subscribers", "add", "hans@firma.dk", "--name", "H. Hansen", "--consent-source", "telefon")
    assert again.exit_code == 0 and "kept the stored name 'Hans Hansen'" in again.output
    shown = _run("subscribers", "show", "hans@firma.dk")
    assert "Hans Hansen" in shown.output
    assert "consent: messe 2026" in shown.output and "consent: telefon" in shown.output


# --- refusals that say why -------------------------------------------------------------------------

def test_conflicting_flags_and_missing_issues_are_refused(cli, db, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    both = _run("outbox", "resolve", "1", "--resend", "--mark-sent")
    assert both.exit_code == 2 and "cannot be used together" in both.output
    for args in (["outbox", "retry", "42"], ["outbox", "resolve", "42", "--resend"], ["approve", "42"],
                 ["issue", "show", "42"], ["queue", "42"], ["test-send", "42", "--to", "a@example.dk"]):
        _one_line_error(_run(*args), "issue 42 does not exist")


def test_issue_edit_with_nothing_to_change_and_bad_positions(cli, issue):
    nothing = _run("issue", "edit", str(issue))
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
    shown = json.loads(_run("issue", "show", str(issue), "--json").output)
    item = shown["items"][0]["item_id"]
    far = _run("issue", "edit", str(issue), "--move", str(item), "partnere:9")
    _one_line_error(far, "positions are 1 to 2")
    assert _run("issue", "edit", str(issue), "--move", str(item), "partnere:2").exit_code == 0


def test_repinning_keeps_the_pin(cli, db, tmp_path, http_server):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    url = http_server.add("/nyhed", "<html><head><title>Ny robotklynge</title></head><body>x</body></html>",
                          content_type="text/html")
    assert _run("curate", "add", url, "--pin").exit_code == 0
    assert _run("curate", "add", url, "--summary", "Bedre tekst").exit_code == 0
    [row] = json.loads(_run("curate", "list", "--json").output)
    assert row["pinned"] is True


def test_url_errors_say_where_the_url_came_from(cli, db, tmp_path, http_server):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    gone = http_server.add("/borte", "nej", status=404)
    result = _run("curate", "add", gone)
    _one_line_error(result, "the URL you gave", "HTTP 404")
    assert "feeds.yaml" not in result.output and "feed" not in result.output.replace("feeds", "")
    typed = _run("curate", "add", "www.example.dk/nyhed")
    _one_line_error(typed, "the URL you gave")


# --- output people read -------------------------------------------------------------------------

def test_sources_counts_switched_off(cli, db, tmp_path):
    config = CONFIG.replace("partners:", """partners:
  - key: slukket
    name: Slukket Partner
    sources:
      - {kind: feed, url: "https://example.dk/a.xml", enabled: false}
      - {kind: feed, url: "https://example.dk/b.xml", key: slukket-2, enabled: false}
      - {kind: feed, url: "https://example.dk/c.xml", key: slukket-3}""", 1)
    (tmp_path / "feeds.yaml").write_text(config, encoding="utf-8")
    result = _run("sources")
    assert result.exit_code == 0, result.output
    assert "2 of 3 switched off" in " ".join(result.output.split())


def test_config_errors_list_every_problem(cli, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG.replace("sections:", "colour: red\nsections:", 1)
                                         .replace("newsletters:", "typo: 1\nnewsletters:", 1), encoding="utf-8")
    result = _run("draft")
    assert result.exit_code == 1
    assert "colour" in result.output and "typo" in result.output and "more problem" not in result.output


def test_long_titles_are_cut_with_an_ellipsis(cli, db, tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    title = "Et meget langt arrangement " * 4
    assert _run("curate", "add", "--title", title, "--signup-url", "https://example.dk/t",
                "--starts", "3.12.2099 kl. 9.00").exit_code == 0
    listed = CliRunner().invoke(main, ["curate", "list"], terminal_width=80).output
    assert "…" in listed and title.strip() not in listed
