"""CSV import: encodings, separators, headers, bad rows with line numbers, one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.errors import SubscriberError
from newsletter.subscribers import gdpr, importer, manage, recipients


def write(tmp_path: Path, data: str | bytes, name: str = "liste.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def run(db: Database, config: Config, path: Path, **kw: object) -> importer.ImportReport:
    return importer.import_csv(db, config, path, "ugebrev", "Tilmeldingsliste, Industriens Dag 2026", "tester", **kw)


def test_excel_danish_file_windows_1252_semicolon(db: Database, config: Config, tmp_path: Path):
    text = ("E-mail;Navn;Virksomhed;Telefon\r\n"
            "Søren.Ærø@Firma.dk;Søren Ærø;\"Ærø Maskiner; afd. Vejle\";12345678\r\n"
            "\r\n"
            "ikke-en-adresse;Nogen;;\r\n"
            "søren.ærø@firma.dk;Dublet;;\r\n")
    path = write(tmp_path, text.encode("cp1252"))
    report = run(db, config, path)
    assert report.encoding == "windows-1252" and report.delimiter == ";"
    assert (report.rows, report.added) == (3, 0)
    # the part before @ with æ/ø is not sendable over plain SMTP: reported, not imported
    reasons = {p.row: p.reason for p in report.problems}
    assert "invalid address" in reasons[2] and "invalid address" in reasons[4]
    assert report.ignored_columns == ("Telefon",)


def test_utf8_bom_commas_quotes_extra_columns_blank_lines(db: Database, config: Config, tmp_path: Path):
    text = ("\ufeffemail,name,organisation,extra\n"
            "Hans@Firma.DK,\"Hansen, Hans\",\"Firma, A/S\",x\n"
            "\n\n"
            "post@æøå.dk,Åse <b>fed</b>,,y\n"
            "hans@firma.dk,Again,,\n"
            "   ,,,\n"
            "anna+news@firma.dk,Anna,,,,,\n")
    report = run(db, config, write(tmp_path, text))
    assert report.encoding == "utf-8 (BOM)" and report.delimiter == ","
    assert report.added == 3
    assert [(p.row, p.reason) for p in report.problems] == [(6, "duplicate of line 2")]
    hans = manage.show(db, "hans@firma.dk")
    assert (hans.email_display, hans.name, hans.organisation) == ("Hans@Firma.DK", "Hansen, Hans", "Firma, A/S")
    assert [r.email for r in recipients(db, "ugebrev")] == ["hans@firma.dk", "post@xn--5cab8c.dk", "anna+news@firma.dk"]
    _, _, consents = manage.details(db, "anna+news@firma.dk")
    assert consents[0].source == "import" and consents[0].detail == "liste.csv line 8, imported by tester"
    assert consents[0].consent_text == "Tilmeldingsliste, Industriens Dag 2026"


def test_existing_unsubscribed_and_suppressed_are_not_added_back(db: Database, config: Config, tmp_path: Path):
    manage.add(db, config, "left@firma.dk", ["ugebrev"], "messe", "tester")
    manage.remove(db, config, "left@firma.dk", "tester")
    manage.add(db, config, "erased@firma.dk", ["ugebrev"], "messe", "tester")
    gdpr.forget(db, "erased@firma.dk")
    manage.add(db, config, "active@firma.dk", ["ugebrev"], "messe", "tester")
    manage.add(db, config, "other@firma.dk", ["invest"], "messe", "tester")
    text = "mail\nleft@firma.dk\nERASED@firma.dk\nactive@firma.dk\nother@firma.dk\n"
    report = run(db, config, write(tmp_path, text))
    reasons = {p.row: p.reason for p in report.problems}
    assert reasons[2].startswith("unsubscribed") and reasons[3].startswith("suppressed")
    assert reasons[4] == "already subscribed"
    assert (report.added, report.subscribed) == (0, 1)
    assert manage.show(db, "other@firma.dk").subscriptions == {"invest": "active", "ugebrev": "active"}


def test_dry_run_stores_nothing_and_a_crash_leaves_nothing(db: Database, config: Config, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    rows = "".join(f"person{i}@firma.dk;Person {i}\n" for i in range(2500))
    path = write(tmp_path, "email;navn\n" + rows)
    report = run(db, config, path, dry_run=True)
    assert report.added == 2500 and report.dry_run
    assert manage.list_subscribers(db) == []

    calls = {"n": 0}
    real = importer.q.insert_consents_many

    def crash_on_third_batch(conn, rows):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(conn, rows)

    monkeypatch.setattr(importer.q, "insert_consents_many", crash_on_third_batch)
    with pytest.raises(RuntimeError):
        run(db, config, path)
    assert manage.list_subscribers(db) == []
    monkeypatch.undo()
    assert run(db, config, path).added == 2500
    assert sum(1 for _ in recipients(db, "ugebrev")) == 2500


def test_file_problems_are_clear(db: Database, config: Config, tmp_path: Path):
    with pytest.raises(SubscriberError, match="no e-mail column"):
        run(db, config, write(tmp_path, "navn;firma\nHans;A/S\n"))
    with pytest.raises(SubscriberError, match="empty"):
        run(db, config, write(tmp_path, "\n\n"))
    with pytest.raises(SubscriberError, match="no newsletter 'nope'"):
        importer.import_csv(db, config, write(tmp_path, "email\na@b.dk\n"), "nope", "x", "t")
