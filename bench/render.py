"""Benchmark: render one 25-item issue (Jinja + MJML + premailer), then 10,000 personalised
messages by placeholder fill vs by a full re-render per subscriber, in the same run.

    .venv/bin/python bench/render.py [--subscribers 10000] [--sample 200] [--full]

A full re-render of 10,000 takes minutes, so by default it times ``--sample`` re-renders and
scales to the subscriber count (``--full`` runs them all). Figures go in docs/compose.md.
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
from newsletter.render import render  # noqa: E402
from newsletter.render.placeholders import fill_html, fill_text  # noqa: E402
from tests.compose.conftest import CONFIG  # noqa: E402

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PARTNERS = ["business-kolding", "billund-erhverv", "business-fredericia", "dima"]


def issue_of_25() -> tuple[Issue, list[IssueItem]]:
    issue = Issue(id=1, newsletter_key="ugebrev", iso_year=2026, iso_week=48, issue_date=date(2026, 11, 26),
                  status="approved", subject="Nyt fra Danmarks Produktionscentrum · uge 48",
                  preheader="Ugens nyheder fra erhvervsfremmen i Trekantområdet",
                  intro="Her er ugens nyheder fra erhvervsfremmen i Trekantområdet.",
                  window_start=NOW - timedelta(days=7), window_end=NOW, created_at=NOW, updated_at=NOW)
    placed = []
    for i in range(25):
        event = i >= 21
        section = "arrangementer" if event else ("kompetencer" if i % 6 == 5 else "partnere")
        item = Candidate(
            id=i + 1, origin="feed", partner_key=PARTNERS[i % 4], section=section,
            url=f"https://www.example.dk/nyheder/{i}?id={i}", canonical_url=f"https://www.example.dk/nyheder/{i}",
            title=f"Virksomhed nummer {i} i Trekantområdet investerer i ny automatisering og grøn omstilling",
            summary_text=("Produktionsvirksomheden udvider med en ny hal, robotter og 40 nye medarbejdere, "
                          "og kommunen hjælper med rekruttering og kompetenceudvikling. ") * 2,
            published_at=NOW - timedelta(hours=i), first_seen_at=NOW - timedelta(hours=i),
            image_url=f"https://img.example.dk/{i}.jpg" if i % 3 == 0 else None, image_alt="Produktionshal",
            event_starts_at=NOW + timedelta(days=i) if event else None,
            event_location="Kolding Hallerne" if event else None,
            signup_url=f"https://www.example.dk/tilmeld/{i}" if event else None)
        placed.append(IssueItem(item=item, section=section, position=i, included=True,
                                also_by=("billund-erhverv",) if i == 0 else ()))
    return issue, placed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=200, help="re-renders actually timed (scaled up)")
    parser.add_argument("--full", action="store_true", help="re-render for every subscriber")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp())
    (folder / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    config = load_config(folder / "feeds.yaml", settings=Settings(
        "sqlite://", "file:///tmp/x", "x", "https://nyhedsbrev.example.dk", folder))
    issue, placed = issue_of_25()

    render(config, issue, placed)  # warm up: templates compiled, premailer caches
    times = []
    for _ in range(10):
        start = time.perf_counter()
        result = render(config, issue, placed)
        times.append(time.perf_counter() - start)
    one = statistics.median(times)
    html, text = result.rendered.html, result.rendered.text
    size_kb = len(html.encode()) / 1024
    print(f"one render (Jinja + MJML + premailer + text + web + preflight), 25 items: "
          f"{one * 1000:.1f} ms median of 10")
    print(f"email HTML size: {size_kb:.1f} KB (Gmail clips at ~102 KB; target < 90 KB)")

    n = args.subscribers
    values = [{"unsubscribe_url": f"https://nyhedsbrev.example.dk/afmeld/{k:08x}",
               "preferences_url": f"https://nyhedsbrev.example.dk/indstillinger/{k:08x}",
               "email": f"modtager{k}@firma.dk", "name": f"Modtager {k}"} for k in range(n)]
    start = time.perf_counter()
    for v in values:
        fill_html(html, v)
        fill_text(text, v)
    fill_total = time.perf_counter() - start

    count = n if args.full else min(args.sample, n)
    start = time.perf_counter()
    for v in values[:count]:
        again = render(config, issue, placed).rendered
        fill_html(again.html, v)
        fill_text(again.text, v)
    sample_total = time.perf_counter() - start
    rerender_total = sample_total / count * n

    print(f"{n:,} messages by placeholder fill: {fill_total:.2f} s ({n / fill_total:,.0f} per second)")
    how = "all of them" if count == n else f"{count} timed, scaled to {n:,}"
    print(f"{n:,} messages by full re-render:    {rerender_total:.1f} s ({how})")
    print(f"ratio: fill is {rerender_total / fill_total:,.0f}x faster than re-rendering (aim: >= 100x)")


if __name__ == "__main__":
    main()
