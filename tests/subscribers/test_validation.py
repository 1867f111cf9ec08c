"""Issue 8 §3: nothing that cannot be a mail header is stored, whichever way a person enters
(the public sign-up and preferences pages, `subscribers add`, the CSV import)."""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.errors import InvalidAddress, InvalidDetail
from newsletter.subscribers import importer, links_for, manage
from newsletter.subscribers.validate import check_person
from tests.subscribers.conftest import CONFIG, SMTPServer, csrf_of, settle

POISON = [
    "=?utf-8?q?=0A?=",  # an encoded word that decodes to a line break (the audit's name)
    "=?UTF-8?B?Cg==?=",  # the same in base64
    "Hans=?iso-8859-1?q?=0D=0ABcc:_x@y.dk?=",
    "Hans\nHansen", "Hans\r\nBcc: x@y.dk", "Hans\x00", "Hans\x1b[31m", "Hans\x7f", "Hans\x85Hansen",
    "Hans\u2028Hansen", "Hans\u2029Hansen", "\u202eeivoL", "Hans\ud83d", "x" * 201,
]


@pytest.mark.parametrize("value", POISON)
def test_the_check_refuses_what_cannot_be_a_header(value: str):
    with pytest.raises(InvalidDetail) as info:
        check_person("hans@firma.dk", value, "")
    assert info.value.field == "name" and "\n" not in str(info.value)
    with pytest.raises(InvalidDetail) as info:
        check_person("hans@firma.dk", "", value)
    assert info.value.field == "organisation"


@pytest.mark.parametrize("value", ["=?utf-8?q?=0A?=@firma.dk", "=?utf-8?q?hans?=@firma.dk", "hans\u2028@firma.dk"])
def test_addresses_with_encoded_words_are_refused(value: str):
    with pytest.raises(InvalidAddress):
        check_person(value)


@pytest.mark.parametrize("name", ["Åse Ærø-Østergård", "O'Brien, Seán", "Anna 🌻", "Zoë «Zo» Smith",
                                  "  Hans   Hansen  ", "Ğüneş", "Müller & Co. (DK)", "a=b?c"])
def test_what_passes_makes_a_header(name: str):
    person = check_person("Hans@Firma.dk", name, name)
    header = policy.SMTP.header_factory("To", str(Address(person.name, addr_spec=person.address.email)))
    folded = header.fold(policy=policy.SMTP)
    assert folded.count("\r\n") == folded.count("\r\n ") + 1  # one header, folded lines only
    assert person.name == " ".join(name.split())


def subscribe(client, **fields):  # type: ignore[no-untyped-def]
    page = client.get("/")
    data = {"csrf": csrf_of(page.text), "lang": "da", "newsletter": ["ugebrev"], "consent": "yes", **fields}
    response = client.post("/", data=data)
    settle()
    return response


def test_the_sign_up_form_says_what_is_wrong_in_danish(client_for, smtp_config: Config, smtp_server: SMTPServer,
                                                       db: Database):
    client = client_for(smtp_config)
    response = subscribe(client, email="hans@firma.dk", name="=?utf-8?q?=0A?=", organisation="Firma\nA/S")
    assert response.status_code == 400
    assert "Navnet må ikke indeholde tegnfølgen =?...?=" in response.text
    assert "Navnet på virksomheden må ikke indeholde linjeskift" in response.text
    assert 'id="name" name="name"' in response.text and response.text.count('aria-invalid="true"') == 2
    bad_address = subscribe(client, email="=?utf-8?q?=0A?=@firma.dk")
    assert bad_address.status_code == 400 and "ikke kan stå i en e-mail" in bad_address.text
    assert manage.list_subscribers(db) == [] and smtp_server.messages == []


def test_the_preferences_form_refuses_the_same(client_for, config: Config, db: Database):
    client = client_for(config)
    view = manage.add(db, config, "p@firma.dk", ["ugebrev"], "messe", "tester", name="Per")
    path = links_for(db, config.settings, view.id, "ugebrev").preferences_url.split(".dk", 1)[1]
    page = client.get(path)
    saved = client.post(path, data={"csrf": csrf_of(page.text), "name": "Per\r\nBcc: x@y.dk", "organisation": "",
                                    "language": "da", "nl_ugebrev": "on", "sec_ugebrev": ["partnere"],
                                    "action": "save"})
    assert saved.status_code == 400 and "Navnet må ikke indeholde linjeskift" in saved.text
    assert manage.show(db, "p@firma.dk").name == "Per"


def test_the_team_command_gives_one_line(cli, tmp_path: Path):
    (tmp_path / "feeds.yaml").write_text(CONFIG.format(per_ip=10), encoding="utf-8")
    result = cli("subscribers", "add", "hans@firma.dk", "--name", "=?utf-8?q?=0A?=", "--consent-source", "messe")
    assert result.exit_code == 1 and "Traceback" not in result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "encoded mail header word" in error
    assert cli("subscribers", "add", "hans@firma.dk", "--organisation", "A\x1bB", "--consent-source", "x").exit_code == 1
    assert cli("subscribers", "list", "--json").output.strip() == "[]"


def test_an_import_reports_the_row(db: Database, config: Config, tmp_path: Path):
    path = tmp_path / "liste.csv"
    path.write_text('email;navn\nhans@firma.dk;Hans\nond@firma.dk;"=?utf-8?q?=0A?="\nanna@firma.dk;"An\nna"\n'
                    "pia@firma.dk;Pia\n", encoding="utf-8")
    report = importer.import_csv(db, config, path, "ugebrev", "messe", "tester")
    assert [(p.row, p.reason.split(":")[0]) for p in report.problems] == [(3, "name refused"), (4, "name refused")]
    assert sorted(v.email for v in manage.list_subscribers(db)) == ["hans@firma.dk", "pia@firma.dk"]
