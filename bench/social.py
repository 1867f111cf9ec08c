"""Benchmark: the posts of a 30-item issue on five networks, and the X counter per call, each
next to a baseline measured in the same run (issue 10).

    .venv/bin/python bench/social.py [--rounds 20] [--calls 20000]

- compose: ``compose_posts`` for 30 items x 5 networks + the 5 issue posts (template render,
  counting, shortening, planning); baseline: rendering the same templates without counting
  or shortening.
- X counter: ``x.count`` on a typical 240-character Danish post with a link, hashtags and an
  emoji; baseline: ``len()`` on the same text. twitter-text publishes no speed figures, so the
  ratio to ``len()`` is the comparison.
Figures go in docs/social.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.config import Settings, load_config  # noqa: E402
from newsletter.models import Candidate, Issue, IssueItem  # noqa: E402
from newsletter.social import bluesky, mastodon, x  # noqa: E402
from newsletter.social.compose import _template, compose_posts  # noqa: E402

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PARTNERS = ["business-kolding", "billund-erhverv", "business-fredericia", "dima"]
CONFIG = """\
sections:
  - {key: partnere, title: Nyt fra partnerne}
  - {key: arrangementer, title: Arrangementer}
  - {key: kompetencer, title: Kompetencer & job}
newsletters:
  - {key: ugebrev, name: Nyt fra Danmarks Produktionscentrum, sections: [partnere, arrangementer, kompetencer],
     intro: "Her er ugens nyheder fra erhvervsfremmen i Trekantområdet."}
partners:
  - {key: business-kolding, name: Business Kolding}
  - {key: billund-erhverv, name: Billund Erhverv}
  - {key: business-fredericia, name: Business Fredericia}
  - {key: dima, name: DIMA}
social:
  hashtags:
    always: ["Danmarks Produktionscenter"]
    partners: {business-kolding: ["Business Kolding"], dima: ["DIMA", "lærepladser"]}
  max_posts: {linkedin: 0, x: 0, facebook: 0, bluesky: 0, mastodon: 0}
"""
POST = ("Nyt program skal løfte digitaliseringen i produktionen 🤖: Kolding Kommune og Business "
        "Kolding hjælper små og mellemstore virksomheder i gang med robotter. Læs mere: "
        "https://www.businesskolding.dk/nyheder/nyt-program?utm_source=x&utm_medium=social "
        "#BusinessKolding #DanmarksProduktionscenter")


def issue_of_30() -> tuple[Issue, list[IssueItem]]:
    issue = Issue(id=1, newsletter_key="ugebrev", iso_year=2026, iso_week=48, issue_date=date(2026, 11, 26),
                  status="approved", subject="Nyt fra Danmarks Produktionscentrum · uge 48", preheader="",
                  intro="Her er ugens nyheder fra erhvervsfremmen i Trekantområdet.",
                  window_start=NOW - timedelta(days=7), window_end=NOW, created_at=NOW, updated_at=NOW)
    placed = []
    for i in range(30):
        event = i >= 26
        section = "arrangementer" if event else ("kompetencer" if i % 6 == 5 else "partnere")
        item = Candidate(
            id=i + 1, origin="feed", partner_key=PARTNERS[i % 4], section=section,
            url=f"https://www.example.dk/nyheder/æble-{i}?id={i}", canonical_url=f"https://www.example.dk/nyheder/{i}",
            title=f"Virksomhed nummer {i} i Trekantområdet investerer i ny automatisering og grøn omstilling",
            summary_text=("Produktionsvirksomheden udvider med en ny hal, robotter og 40 nye medarbejdere, "
                          "og kommunen hjælper med rekruttering og kompetenceudvikling. ") * (1 + i % 4),
            published_at=NOW - timedelta(hours=i), first_seen_at=NOW - timedelta(hours=i),
            event_starts_at=NOW + timedelta(days=i) if event else None,
            event_location="Kolding Hallerne" if event else None)
        placed.append(IssueItem(item=item, section=section, position=i, included=True))
    return issue, placed


def _best(runs: list[float]) -> str:
    return f"median {statistics.median(runs) * 1000:.1f} ms (min {min(runs) * 1000:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feeds.yaml"
        path.write_text(CONFIG, encoding="utf-8")
        settings = Settings("sqlite://", "file:///dev/null", "bench", "https://nyhedsbrev.example.dk", Path(tmp))
        config = load_config(path, settings=settings)
        issue, placed = issue_of_30()

        composed = compose_posts(config, issue, placed, now=NOW)  # warm: templates compiled once
        runs = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            composed = compose_posts(config, issue, placed, now=NOW)
            runs.append(time.perf_counter() - start)
        renders = {n: _template(config, n) for n in config.data.social.networks}
        base_runs = []
        context = {"kind": "item", "title": placed[0].title, "summary": placed[0].summary, "partner": "Business Kolding",
                   "section": "Nyt", "link": "https://www.example.dk/x", "hashtags": ["#A"], "titles": [],
                   "event": None, "also_by": [], "week": 48, "year": 2026, "brand": "DPC", "network": "x",
                   "network_label": "X", "issue_label": "2026-W48", "newsletter": "N", "subject": "", "intro": ""}
        for _ in range(args.rounds):
            start = time.perf_counter()
            for render in renders.values():
                for _ in range(31):
                    render(context)
            base_runs.append(time.perf_counter() - start)
    print(f"compose: {len(composed.drafts)} posts (30 items + issue, 5 networks), "
          f"{len(composed.shortened)} shortened: {_best(runs)} per issue")
    print(f"  baseline, templates rendered only: {_best(base_runs)}; "
          f"ratio {statistics.median(runs) / statistics.median(base_runs):.1f}x")

    for name, counter in (("x.count", x.count), ("mastodon.count", mastodon.count), ("bluesky.count", bluesky.count)):
        start = time.perf_counter()
        for _ in range(args.calls):
            counter(POST)
        per_call = (time.perf_counter() - start) / args.calls
        start = time.perf_counter()
        for _ in range(args.calls):
            len(POST)
        baseline = (time.perf_counter() - start) / args.calls
        print(f"{name}: {per_call * 1e6:.1f} µs per call on a {len(POST)}-character post "
              f"(len(): {baseline * 1e9:.0f} ns; ratio {per_call / baseline:,.0f}x)")


if __name__ == "__main__":
    main()
