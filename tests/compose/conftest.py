"""Fixtures for compose, review and render: a config with partners, item rows, golden files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.issues import add_item

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

# Tuesday of ISO week 48, 2026, 09:00 Copenhagen
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

CONFIG = """\
brand:
  name: Danmarks Produktionscentrum
  organisation: Trekantområdet Danmark
  website: https://www.trekantomraadet.dk
  logo_url: https://www.trekantomraadet.dk/media/logo.png
  logo_alt: Danmarks Produktionscentrum
  sender_email: nyhedsbrev@trekantomraadet.dk
  contact_email: info@trekantomraadet.dk
  postal_address: "Trekantområdet Danmark, Kolding Åpark 1, 6000 Kolding"
  cvr: "12345678"
sections:
  - key: partnere
    title: Nyt fra partnerne
    title_en: News from the partners
    max_items: 6
  - key: arrangementer
    title: Arrangementer
    title_en: Events
    max_items: 4
  - key: kompetencer
    title: Kompetencer & job
    title_en: Skills & jobs
    max_items: 4
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
    sections: [partnere, arrangementer, kompetencer]
    max_per_partner: 3
    max_items: 12
    intro: "Her er ugens nyheder fra erhvervsfremmen i Trekantområdet."
  - key: investor
    name: Invest in Denmark's Production Centre
    language: en
    sections: [partnere, arrangementer]
    subject: "News from Denmark's Production Centre · week {{ week }}"
    preheader: "This week in the Triangle Region"
    empty_week: curated_only
partners:
  - key: business-kolding
    name: Business Kolding
  - key: billund-erhverv
    name: Billund Erhverv
  - key: business-fredericia
    name: Business Fredericia
  - key: dima
    name: DIMA
    section: kompetencer
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite tests/golden/<case>/ from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def config(make_config: Callable[[str], Config]) -> Config:
    return make_config(CONFIG)


def item_maker(db: Database, url: str = "https://example.dk/{partner}/{n}") -> Callable[..., int]:
    """``make("Title", partner="business-kolding", hours_ago=5, ...)`` inserts an item row seen
    ``hours_ago`` before NOW; ``url`` is the link's pattern (``{partner}``: the key, or "team")."""
    counter = iter(range(1, 10_000))

    def make(title: str, *, partner: str | None = "business-kolding", text: str = "",
             hours_ago: float = 24, section: str | None = "partnere", **extra: Any) -> int:
        n = next(counter)
        when = NOW - timedelta(hours=hours_ago)
        link = extra.pop("url", url.format(partner=partner or "team", n=n))
        with db.begin() as conn:
            return add_item(conn, title=title, url=link, published_at=extra.pop("published_at", when),
                            first_seen_at=extra.pop("first_seen_at", when), summary_text=text,
                            partner_key=partner, section=section, guid=f"g{n}", **extra)

    return make


@pytest.fixture
def item(db: Database) -> Callable[..., int]:
    return item_maker(db)


PRESS = ("Kolding Kommune og Business Kolding lancerer et nyt program for digital omstilling i små og "
         "mellemstore produktionsvirksomheder. Programmet tilbyder sparring, workshops og "
         "medfinansiering til konkrete projekter med automatisering og robotter.")


HOSTILE_TITLE = '<script>alert(1)</script></mj-text><mj-section>{{ 7*7 }}{% raw %}'
HOSTILE_TEXT = '<style>body{display:none}</style><p>Uafsluttet <b>fed {% if x %} & "citat" <img src=x onerror=alert(1)>'


@pytest.fixture
def weekly(db: Database, config: Config, item: Callable[..., int]) -> int:
    """A typical week: duplicates, an image, events (one past), a DIMA item; returns the issue id."""
    from newsletter.compose import compose

    item("Nyt program skal løfte digitaliseringen i produktionen", text=PRESS, hours_ago=30,
         image_url="https://img.example.dk/robot.jpg", image_alt="Robotarm i en produktionshal")
    item("Små virksomheder får hjælp til robotter", partner="billund-erhverv",
         text="Nyhed: " + PRESS + " Kontakt os for at høre mere.", hours_ago=20)
    item("Fredericia: havneudvidelse giver plads til 400 job", partner="business-fredericia",
         text="Udvidelsen af Fredericia Havn åbner for nye virksomheder inden for energi og logistik.",
         url="https://www.fredericia.dk/nyheder/havn?id=7&lang=da", hours_ago=10,
         image_url="https://img.example.dk/havn.jpg")
    item("Lærepladser i industrien: 120 ledige pladser", partner="dima", section=None,
         text="DIMA og erhvervsskolerne samler de ledige lærepladser i Trekantområdet på én side.")
    item("Industriens Dag 2026", partner=None, section="arrangementer", origin="curated",
         text="Årets største samling af industrien i Trekantområdet.", hours_ago=24 * 20,
         url="https://www.trekantomraadet.dk/industriens-dag",
         event_starts_at=datetime(2026, 12, 3, 8, 30, tzinfo=UTC),
         event_ends_at=datetime(2026, 12, 3, 15, 0, tzinfo=UTC), event_location="Kolding Hallerne",
         signup_url="https://www.trekantomraadet.dk/tilmeld?event=42")
    item("Morgenmøde om automatisering", partner="business-kolding", section="partnere",
         event_starts_at=datetime(2026, 12, 10, 7, 0, tzinfo=UTC), event_location="Kolding Åpark 1")
    item("Netværksmøde der er overstået", partner="business-kolding",
         event_starts_at=NOW - timedelta(days=1))
    return compose(db, config, "ugebrev", "2026-W48", now=NOW).id
