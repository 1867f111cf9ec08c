"""Benchmark (issue 4): import 100,000 subscribers from CSV, and list the active recipients
of a newsletter with a section filter. Aims: import under 20 s with peak RSS under 300 MB;
the recipient query under 1 s. Prints figures and ratios to same-process baselines (reading
the CSV with the csv module; a bare SELECT over the subscribers table).

    .venv/bin/python bench/subscribers.py [--rows 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text, update  # noqa: E402

from newsletter.config import Settings, load_config  # noqa: E402
from newsletter.db import open_db  # noqa: E402
from newsletter.db.schema import subscription_sections, subscriptions  # noqa: E402
from newsletter.subscribers import importer, recipients  # noqa: E402

CONFIG = """\
sections:
  - {key: partnere, title: Nyt fra partnerne}
  - {key: arrangementer, title: Arrangementer}
  - {key: uddannelse, title: Uddannelse}
newsletters:
  - {key: ugebrev, name: Ugebrevet}
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(4)
    with path.open("w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["E-mail", "Navn", "Virksomhed", "Telefon"])
        for i in range(rows):
            w.writerow([f"Person.{i}@Firma{i % 977}.dk", f"Søren Ærø {i}", f"Firma {rng.randint(1, 5000)}; A/S",
                        "12345678"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
        url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        settings = Settings(database_url=url, smtp_url=f"file://{tmp}/out", secret_key="b" * 40,
                            base_url="https://x.dk", var_dir=tmp)
        config = load_config(tmp / "feeds.yaml", settings=settings)
        db = open_db(url)
        path = tmp / "liste.csv"
        make_csv(path, args.rows)
        rss_before = rss_mb()

        start = time.perf_counter()
        baseline_rows = sum(1 for _ in csv.reader(io.StringIO(path.read_bytes().decode("cp1252")), delimiter=";"))
        csv_seconds = time.perf_counter() - start

        start = time.perf_counter()
        report = importer.import_csv(db, config, path, "ugebrev", "bench", "bench")
        import_seconds = time.perf_counter() - start
        assert report.added == args.rows, report.problems[:3]
        print(f"import {args.rows:,} rows: {import_seconds:.2f} s ({args.rows / import_seconds:,.0f} rows/s); "
              f"peak RSS {rss_mb():.0f} MB (before import {rss_before:.0f} MB); "
              f"ratio to csv-only read of {baseline_rows - 1:,} rows: {import_seconds / csv_seconds:.0f}x")

        # a third of the subscribers choose only some sections
        with db.begin() as conn:
            ids = list(conn.execute(select(subscriptions.c.id)).scalars())
            chosen = ids[::3]
            for start_i in range(0, len(chosen), 5000):
                part = chosen[start_i:start_i + 5000]
                conn.execute(update(subscriptions).where(subscriptions.c.id.in_(part)).values(all_sections=False))
                conn.execute(insert(subscription_sections),
                             [{"subscription_id": sid, "section": "uddannelse" if sid % 2 else "arrangementer"}
                              for sid in part])
        with db.connect() as conn:
            start = time.perf_counter()
            bare = sum(1 for _ in conn.execute(text("SELECT id, email, name, language FROM subscribers")))
            bare_seconds = time.perf_counter() - start
        start = time.perf_counter()
        count = sum(1 for _ in recipients(db, "ugebrev", ["arrangementer"]))
        query_seconds = time.perf_counter() - start
        start = time.perf_counter()
        everyone = sum(1 for _ in recipients(db, "ugebrev"))
        all_seconds = time.perf_counter() - start
        print(f"recipients with section filter: {count:,} of {everyone:,} in {query_seconds:.3f} s "
              f"(no filter: {all_seconds:.3f} s; bare SELECT of {bare:,} rows: {bare_seconds:.3f} s; "
              f"ratio {query_seconds / bare_seconds:.1f}x)")
        db.dispose()


if __name__ == "__main__":
    main()
