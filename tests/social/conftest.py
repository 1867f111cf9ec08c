"""Fixtures for social posts (issue 10): a config with social settings and a composed issue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from newsletter.config import Config
from newsletter.db import Database
from tests.compose.conftest import NOW, item_maker

SOCIAL = """\
social:
  hashtags:
    always: ["Danmarks Produktionscenter"]
    partners:
      business-kolding: ["Business Kolding"]
      dima: ["dima", "lærepladser"]
    sections:
      kompetencer: ["kompetencer og job"]
  max_hashtags: {linkedin: 3, x: 2, facebook: 2, bluesky: 2, mastodon: 3}
  max_posts: {linkedin: 4, x: 10, facebook: 4, bluesky: 10, mastodon: 10}
  schedule:
    weekends: false
    slots:
      linkedin: ["tue 09:30", "thu 09:30"]
      x: ["mon-fri 09:00", "mon-fri 14:00"]
"""

CONFIG = """\
brand:
  name: Danmarks Produktionscentrum
  organisation: Trekantområdet Danmark
  website: https://www.trekantomraadet.dk
  sender_email: nyhedsbrev@trekantomraadet.dk
sections:
  - key: partnere
    title: Nyt fra partnerne
  - key: arrangementer
    title: Arrangementer
  - key: kompetencer
    title: Kompetencer & job
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
    sections: [partnere, arrangementer, kompetencer]
    intro: "Her er ugens nyheder fra erhvervsfremmen i Trekantområdet."
partners:
  - key: business-kolding
    name: Business Kolding
  - key: billund-erhverv
    name: Billund Erhverv
  - key: dima
    name: DIMA
    section: kompetencer
""" + SOCIAL

LONG = ("Kolding Kommune og Business Kolding lancerer et nyt program for digital omstilling i små og "
        "mellemstore produktionsvirksomheder. Programmet tilbyder sparring, workshops og "
        "medfinansiering til konkrete projekter med automatisering og robotter. ") * 3


@pytest.fixture
def config(make_config: Callable[[str], Config]) -> Config:
    return make_config(CONFIG)


@pytest.fixture
def item(db: Database) -> Callable[..., int]:
    return item_maker(db, url="https://www.example.dk/{partner}/nyhed-{n}")


@pytest.fixture
def issue_id(db: Database, config: Config, item: Callable[..., int]) -> int:
    """A week with a long press release, Danish letters, an emoji, an event and a DIMA item."""
    from newsletter.compose import compose

    item("Nyt program skal løfte digitaliseringen i produktionen", text=LONG, hours_ago=30)
    item("Små virksomheder får hjælp til robotter 🤖", partner="billund-erhverv",
         text="Billund Erhverv åbner døren for virksomheder, der vil i gang med automatisering.", hours_ago=20)
    item("Lærepladser i industrien: 120 ledige pladser", partner="dima", section=None,
         text="DIMA og erhvervsskolerne samler de ledige lærepladser i Trekantområdet på én side.")
    item("Industriens Dag 2026", partner=None, section="arrangementer", origin="curated",
         text="Årets største samling af industrien i Trekantområdet.", hours_ago=24 * 20,
         url="https://www.trekantomraadet.dk/industriens-dag",
         event_starts_at=datetime(2026, 12, 3, 8, 30, tzinfo=UTC),
         event_ends_at=datetime(2026, 12, 3, 15, 0, tzinfo=UTC), event_location="Kolding Hallerne")
    return compose(db, config, "ugebrev", "2026-W48", now=NOW).id


def approve_issue(db: Database, config: Config, issue_id: int, by: str = "mette") -> None:
    """Render the issue (approval takes only a rendered issue) and approve it. The test config
    has no postal address or CVR, so preflight reports them and the approval gives a reason."""
    from newsletter import review
    from newsletter.render import render_issue

    render_issue(db, config, issue_id)
    review.approve(db, issue_id, by, override="test config without postal address")
