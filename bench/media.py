"""Benchmark: 30 pictures of about 3 MB each (4000x3000 JPEG, photo-like noise) made ours
through the real path: fetched from a local HTTP server with collect's Fetcher, verified,
cropped to 16:9, resized to 1200 and 600 px, stored, recorded. Time and peak RSS; then the
30 social cards; then, in the same process, a baseline of plain Pillow (open, full decode,
resize to 1200 px, save) over the same bytes.

    .venv/bin/python bench/media.py [--images 30]

The pictures are made in a child process first, so their making is not in the peak RSS.
Figures go in docs/media.md.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.compose import compose  # noqa: E402
from newsletter.config import Settings, load_config  # noqa: E402
from newsletter.db import open_db  # noqa: E402
from newsletter.db.issues import add_item  # noqa: E402
from newsletter.media import ensure_cards, prepare_issue  # noqa: E402

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
CONFIG = """\
collect:
  max_bytes: 10000000
sections:
  - key: partnere
    title: Nyt fra partnerne
    max_items: 100
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
    max_per_partner: 100
    max_items: 100
partners:
  - key: business-kolding
    name: Business Kolding
"""


def make_pictures(folder: Path, count: int) -> None:
    """Run in a child process: ``count`` distinct ~3 MB JPEGs."""
    from PIL import ImageDraw

    base = Image.merge("RGB", [Image.effect_noise((4000, 3000), s).point(lambda v: v // 2 + 60)
                               for s in (28, 32, 36)])
    for n in range(count):
        picture = base.copy()
        ImageDraw.Draw(picture).rectangle((n * 100, n * 60, n * 100 + 900, n * 60 + 700),
                                          fill=(200, 40 + n * 6, 80))
        picture.save(folder / f"photo-{n:02d}.jpg", "JPEG", quality=82)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_pictures(args.make, args.images)
        return

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pictures = root / "pictures"
        pictures.mkdir()
        subprocess.run([sys.executable, __file__, "--images", str(args.images), "--make", str(pictures)], check=True)
        files = sorted(pictures.glob("*.jpg"))
        sizes = [f.stat().st_size for f in files]

        handler = partial(QuietHandler, directory=str(pictures))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"

        (root / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
        settings = Settings(database_url=f"sqlite:///{root / 'bench.db'}", smtp_url=f"file://{root / 'out'}",
                            secret_key="bench", base_url="https://nyhedsbrev.example.dk", var_dir=root / "var")
        config = load_config(root / "feeds.yaml", settings=settings)
        db = open_db(settings.database_url)
        with db.begin() as conn:
            for n, path in enumerate(files):
                when = NOW - timedelta(hours=n + 1)
                add_item(conn, title=f"Nyhed nummer {n} om produktion i Trekantområdet", url=f"https://example.dk/{n}",
                         published_at=when, first_seen_at=when, partner_key="business-kolding",
                         section="partnere", guid=f"g{n}", image_url=f"{base}/{path.name}")
        issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
        before = peak_rss_mb()

        start, cpu = time.perf_counter(), time.process_time()
        report = prepare_issue(db, config, issue.id, cards=False)
        pictures_s, pictures_cpu = time.perf_counter() - start, time.process_time() - cpu
        pictures_rss = peak_rss_mb()
        start = time.perf_counter()
        cards = ensure_cards(db, config, issue.id)
        cards_s = time.perf_counter() - start

        start, cpu = time.perf_counter(), time.process_time()
        for path in files:
            with Image.open(io.BytesIO(path.read_bytes())) as opened:
                small = opened.convert("RGB").resize((1200, 900), Image.Resampling.LANCZOS)
            small.save(io.BytesIO(), "JPEG", quality=82)
        baseline_s, baseline_cpu = time.perf_counter() - start, time.process_time() - cpu
        server.shutdown()
        db.dispose()

    assert report.fetched == len(files) and not report.failed, report
    print(f"{len(files)} pictures, {sum(sizes) / len(sizes) / 1e6:.1f} MB each on average (4000x3000 JPEG)")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    print(f"fetch + verify + crop/resize + store: {pictures_s:.2f} s wall, {pictures_cpu:.2f} s CPU "
          f"({pictures_s / len(files) * 1000:.0f} ms per picture)")
    print(f"peak RSS: {pictures_rss:.0f} MB (before the pictures: {before:.0f} MB)")
    print(f"social cards: {cards} drawn in {cards_s:.2f} s")
    print(f"baseline, plain Pillow open + full decode + resize + save (one thread, no network): "
          f"{baseline_s:.2f} s wall, {baseline_cpu:.2f} s CPU (ours / baseline: wall {pictures_s / baseline_s:.2f}, "
          f"CPU {pictures_cpu / baseline_cpu:.2f})")


if __name__ == "__main__":
    main()
