"""Fixtures for the team's workspace (issue 9): a config with partners and a four-eyes switch,
users of each role with passwords, and logged-in ASGI clients of the real app."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsletter import accounts
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.issues import add_item

BASE = "https://nyhedsbrev.example.dk"
PASSWORD = "en lang og rolig sætning"

CONFIG = """\
brand:
  name: Danmarks Produktionscentrum
  organisation: Trekantområdet Danmark
  website: https://www.trekantomraadet.dk
  sender_email: nyhedsbrev@trekantomraadet.dk
  contact_email: info@trekantomraadet.dk
  postal_address: "Trekantområdet Danmark, Kolding Åpark 1, 6000 Kolding"
  cvr: "12345678"
team:
  four_eyes: {four_eyes}
schedule:
  reviewers: [redaktion@trekantomraadet.dk]
sections:
  - key: partnere
    title: Nyt fra partnerne
    title_en: News from the partners
  - key: arrangementer
    title: Arrangementer
    title_en: Events
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
    sections: [partnere, arrangementer]
    max_per_partner: 2
    intro: "Her er ugens nyheder fra erhvervsfremmen i Trekantområdet."
partners:
  - key: business-kolding
    name: Business Kolding
    section: partnere
  - key: dima
    name: DIMA
    section: partnere
"""


@pytest.fixture
def team_config(make_config: Callable[[str], Config]) -> Config:
    return make_config(CONFIG.format(four_eyes="true"))


def make_user(db: Database, config: Config, name: str, role: str) -> None:
    link = accounts.add_user(db, config, name, f"{name}@trekantomraadet.dk", role)
    accounts.set_password(db, config, link.link.rsplit("/", 1)[1], PASSWORD)


@pytest.fixture
def team_users(db: Database, team_config: Config) -> dict[str, str]:
    roles = {"erik": "editor", "anne": "approver", "ada": "admin"}
    for name, role in roles.items():
        make_user(db, team_config, name, role)
    return roles


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def add_items(db: Database, now: datetime | None = None, n: int = 5) -> list[int]:
    """``n`` partner news items first seen in the last days (three from Business Kolding)."""
    now = now or datetime.now(UTC)
    ids = []
    with db.begin() as conn:
        for i in range(n):
            partner = "business-kolding" if i % 2 == 0 else "dima"
            ids.append(add_item(conn, title=f"Nyhed {i + 1} om grøn omstilling i Trekantområdet",
                                url=f"https://www.example.dk/nyhed-{i + 1}", partner_key=partner,
                                section="partnere", summary_text=f"Resumé af nyhed {i + 1}.",
                                published_at=now - timedelta(hours=10 + i)))
    return ids


class Clients:
    def __init__(self, app: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

        self._make = lambda: TestClient(app, base_url=BASE, headers={"Origin": BASE})
        self.open: list[Any] = []

    def anonymous(self) -> Any:
        client = self._make()
        self.open.append(client)
        return client

    def as_user(self, name: str) -> Any:
        client = self.anonymous()
        page = client.get("/team/login")
        answer = client.post("/team/login", data={"csrf": csrf_of(page.text), "name": name,
                                                  "password": PASSWORD}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return client


@pytest.fixture
def clients(db: Database, team_config: Config, team_users: dict[str, str]) -> Iterator[Clients]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from newsletter.web import create_app
    made = Clients(create_app(team_config, db=db))
    yield made
    for client in made.open:
        client.close()


# the real SMTP server (aiosmtpd on 127.0.0.1) of the subscribers' tests
from tests.subscribers.conftest import smtp_server  # noqa: E402, F401
