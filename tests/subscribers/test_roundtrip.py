"""Issue 8 §7: an export imports back unchanged; broken files give one clear error or one bad
row with its line number, never a traceback; the headers people really send are read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.db import Database, open_db
from newsletter.db import subscribers as q
from newsletter.db.types import utcnow
from newsletter.subscribers import gdpr, importer, manage, recipients, signup
from tests.conftest import REPO


def run(db: Database, config: Config, path: Path, newsletter: str | None = "ugebrev") -> importer.ImportReport:
    return importer.import_csv(db, config, path, newsletter, "Tilmeldingsliste, Industriens Dag 2026", "tester")


def write(tmp_path: Path, data: str | bytes, name: str = "liste.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def set_status(db: Database, email: str, newsletter: str, status: str) -> None:
    with db.begin() as conn:
        sub = q.find_subscriber(conn, email)
        assert sub is not None
        [subscription] = [s for s in q.subscriptions_of(conn, sub.id) if s.newsletter_key == newsletter]
        q.set_status(conn, subscription.id, status, utcnow())


def test_an_export_imported_into_an_empty_database_keeps_everyone_as_they_were(
        cli, config: Config, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "feeds.yaml").write_text(config.path.read_text(encoding="utf-8"), encoding="utf-8")
    manage.add(db, config, "bo@æøå.dk", ["ugebrev", "invest"], "messe", "tester", name="Bo Ærø", organisation="Ø A/S")
    manage.add(db, config, "left@firma.dk", ["ugebrev"], "messe", "tester")
    manage.remove(db, config, "left@firma.dk", "tester")
    manage.add(db, config, "bounced@firma.dk", ["ugebrev"], "messe", "tester")
    set_status(db, "bounced@firma.dk", "ugebrev", "bounced")
    manage.add(db, config, "angry@firma.dk", ["ugebrev"], "messe", "tester")
    set_status(db, "angry@firma.dk", "ugebrev", "complained")
    manage.add(db, config, "erased@firma.dk", ["ugebrev"], "messe", "tester")
    gdpr.forget(db, "erased@firma.dk")
    signup.subscribe(db, config, signup.SignupForm("pending@firma.dk", newsletters=("ugebrev",)), None)
    assert cli("subscribers", "export", "-o", "ud.csv").exit_code == 0

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = cli("subscribers", "import", "ud.csv", "--consent-source", "flyttet fra den gamle server", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["added"], report["inactive"], report["suppressed"]) == (2, 3, 1)
    assert [p["reason"] for p in report["problems"]] == ["pending: never confirmed; they must sign up themselves"]

    empty = open_db(f"sqlite:///{tmp_path / 'empty.db'}")
    people = {v.email: v for v in manage.list_subscribers(empty)}
    assert people["bo@xn--5cab8c.dk"].email_display == "bo@æøå.dk"  # as typed, not punycode
    assert (people["bo@xn--5cab8c.dk"].name, people["bo@xn--5cab8c.dk"].organisation) == ("Bo Ærø", "Ø A/S")
    assert people["bo@xn--5cab8c.dk"].subscriptions == {"ugebrev": "active", "invest": "active"}
    assert people["left@firma.dk"].subscriptions == {"ugebrev": "unsubscribed"}
    assert people["bounced@firma.dk"].subscriptions == {"ugebrev": "bounced"}
    assert people["angry@firma.dk"].subscriptions == {"ugebrev": "complained"}
    assert "pending@firma.dk" not in people and "erased@firma.dk" not in people
    assert [r.email for r in recipients(empty, "ugebrev")] == ["bo@xn--5cab8c.dk"]
    # and an old list naming all of them adds none of the inactive or erased back
    old = write(tmp_path, "email\nleft@firma.dk\nbounced@firma.dk\nangry@firma.dk\nerased@firma.dk\n", "old.csv")
    again = run(empty, config, old)
    assert again.imported == 0 and len(again.problems) == 4
    assert "suppressed" in {p.row: p.reason for p in again.problems}[5]
    assert [r.email for r in recipients(empty, "ugebrev")] == ["bo@xn--5cab8c.dk"]
    empty.dispose()


@pytest.mark.parametrize(("data", "line", "reason"), [
    # a UTF-8 BOM file with one byte that is not UTF-8 (Excel's windows-1252 "æ" pasted in)
    (b"\xef\xbb\xbfemail;navn\nhans@firma.dk;Hans\nsoren@firma.dk;S\xf8ren\nanna@firma.dk;Anna\n", 3, "0xF8"),
    # UTF-16 (Excel "Unicode text") cut off in the middle of a character: an odd length; the
    # half character left over is a line of its own
    ("email\tnavn\r\nhans@firma.dk\tHans\r\nanna@firma.dk\tAnna\r\n".encode("utf-16")[:-1], 4, "0x0A"),
    # a lone surrogate (half of an emoji) in a UTF-16 file
    (b"\xff\xfe" + "email;navn\nhans@firma.dk;Hans\nanna@firma.dk;An".encode("utf-16-le") + b"\x3d\xd8"
     + "na\n".encode("utf-16-le"), 3, "0x3D 0xD8"),
    # UTF-8 without a BOM, with the same bad byte: still read as UTF-8, one row refused
    ("email,navn\nhans@firma.dk,Hans Ærø\n".encode() + b"soren@firma.dk,S\xf8ren\n", 3, "0xF8"),
])
def test_broken_bytes_spoil_only_their_row(db: Database, config: Config, tmp_path: Path, data: bytes, line: int,
                                          reason: str):
    report = run(db, config, write(tmp_path, data))
    assert [(p.row, reason in p.reason) for p in report.problems] == [(line, True)], report.problems
    assert "not valid text" in report.problems[0].reason
    assert report.imported == report.rows - 1 >= 1
    assert "hans@firma.dk" in {r.email for r in recipients(db, "ugebrev")}


def test_a_field_over_128_kb_is_one_bad_row(db: Database, config: Config, tmp_path: Path):
    text = "email;navn\nhans@firma.dk;Hans\nlang@firma.dk;" + "x" * 140_000 + "\nanna@firma.dk;Anna\n"
    report = run(db, config, write(tmp_path, text))
    assert [(p.row, "140,000 characters" in p.reason) for p in report.problems] == [(3, True)]
    assert [r.email for r in recipients(db, "ugebrev")] == ["hans@firma.dk", "anna@firma.dk"]
    # an unclosed quote that swallows the rest of the file says so, for that row only
    broken = 'email;navn\nhans2@firma.dk;Hans\nx@firma.dk;"open\n' + "y@firma.dk;Y\n" * 2000
    report = run(db, config, write(tmp_path, broken, "quote.csv"))
    assert [p.row for p in report.problems] == [3] and "unclosed quote" in report.problems[0].reason


def test_danish_and_mailchimp_headers_and_bare_addresses(db: Database, config: Config, tmp_path: Path):
    danish = run(db, config, write(tmp_path, "E-mail;Fornavn;Efternavn;Virksomhed\nhans@firma.dk;Hans;Ærø;A/S\n"))
    assert danish.imported == 1 and manage.show(db, "hans@firma.dk").name == "Hans Ærø"
    chimp = run(db, config, write(tmp_path, "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME\n"
                                            "anna@firma.dk,Anna,Berg,2,2025-01-02 10:00:00\n", "chimp.csv"))
    assert chimp.imported == 1 and manage.show(db, "anna@firma.dk").name == "Anna Berg"
    assert chimp.ignored_columns == ("MEMBER_RATING", "OPTIN_TIME")
    bare = run(db, config, write(tmp_path, "per@firma.dk\nPia@Firma.dk\n\nikke-en-adresse\n", "bare.csv"))
    assert not bare.header and bare.imported == 2
    assert [(p.row, p.reason.split(":")[0]) for p in bare.problems] == [(4, "invalid address")]
    assert manage.show(db, "pia@firma.dk").email_display == "Pia@Firma.dk"


def test_two_imports_of_one_file_at_once(tmp_path: Path, config: Config, db_url: str, db: Database):
    rows = "".join(f"person{i}@firma.dk;Person {i}\n" for i in range(3000))
    write(tmp_path, "email;navn\n" + rows, "stor.csv")
    (tmp_path / "feeds.yaml").write_text(config.path.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "k" * 40, "PYTHONPATH": str(REPO),
           "NEWSLETTER_VAR_DIR": str(tmp_path / "var")}
    command = [sys.executable, "-c", "from newsletter.cli import run; run()", "subscribers", "import",
               "stor.csv", "--newsletter", "ugebrev", "--consent-source", "messe"]
    procs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for (out, err), proc in zip(outputs, procs, strict=True):
        assert "Traceback" not in out + err, err
        assert proc.returncode == 0, err
    summaries = sorted(out.strip().splitlines()[-1] for out, _ in outputs)
    assert summaries[0].startswith("imported 0 of 3000") and summaries[1].startswith("imported 3000 of 3000")
    assert sum(1 for _ in recipients(db, "ugebrev")) == 3000
