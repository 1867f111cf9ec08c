"""Benchmark: the team's workspace (issue 9), edit -> updated preview, and page times.

    .venv/bin/python bench/workspace.py [--items 30] [--rounds 20]

Runs the real app under uvicorn on 127.0.0.1 with a temporary SQLite database holding one
draft of ``--items`` partner items, logs in over HTTP (httpx), then per round: edits an item's
title (POST, followed by the redirect to the issue page) and loads the preview's email frame
(which renders the changed draft anew, as the preview page does). Prints the median and p90 of
each step, and of plain GETs of the start, issue and preview pages.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter import accounts  # noqa: E402
from newsletter.compose import week_issue  # noqa: E402
from newsletter.config import Settings, load_config  # noqa: E402
from newsletter.db import open_db  # noqa: E402
from newsletter.db.issues import add_item  # noqa: E402

CONFIG = """\
brand:
  postal_address: "Trekantområdet Danmark, Kolding Åpark 1, 6000 Kolding"
  cvr: "12345678"
sections:
  - key: partnere
    title: Nyt fra partnerne
    max_items: 40
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
    max_per_partner: 40
    max_items: 40
partners:
  - key: business-kolding
    name: Business Kolding
"""
PASSWORD = "en lang og rolig benchmark-sætning"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stats(name: str, values: list[float]) -> None:
    values = sorted(values)
    p90 = values[max(0, int(len(values) * 0.9) - 1)]
    print(f"{name:38} median {statistics.median(values) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    import uvicorn

    from newsletter.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        (folder / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
        settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", smtp_url=f"file://{folder / 'out'}",
                            secret_key="bench-secret", base_url=base, var_dir=folder)
        config = load_config(folder / "feeds.yaml", settings=settings)
        db = open_db(settings.database_url)
        now = datetime.now(UTC)
        with db.begin() as conn:
            for i in range(args.items):
                add_item(conn, title=f"Nyhed {i} om robotter og grøn omstilling i Trekantområdet",
                         url=f"https://www.example.dk/n/{i}", partner_key="business-kolding", section="partnere",
                         summary_text="Et resumé på et par linjer om en nyhed fra en partner. " * 3,
                         published_at=now - timedelta(hours=1 + i))
        issue_id = week_issue(db, config, "ugebrev").id
        link = accounts.add_user(db, config, "bench", "bench@example.dk", "admin")
        accounts.set_password(db, config, link.link.rsplit("/", 1)[1], PASSWORD)

        server = uvicorn.Server(uvicorn.Config(create_app(config, db=db), host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        with httpx.Client(base_url=base, headers={"Origin": base}, follow_redirects=True, timeout=60) as client:
            page = client.get("/team/login")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            client.post("/team/login", data={"csrf": token, "name": "bench", "password": PASSWORD})
            issue_page = client.get(f"/team/issues/{issue_id}").text
            item = re.search(r'data-item="(\d+)"', issue_page).group(1)  # type: ignore[union-attr]
            client.get(f"/team/issues/{issue_id}/email.html")  # first render, warms the templates
            edit, preview, pages = [], [], {"start page": [], "issue page": [], "preview page": []}
            for n in range(args.rounds):
                started = time.perf_counter()
                answer = client.post(f"/team/issues/{issue_id}/items/{item}/edit",
                                     data={"csrf": token, "title": f"Rettet overskrift {n}", "summary": "Kort."})
                assert "Historien er rettet." in answer.text, answer.text[-3000:]
                edited = time.perf_counter()
                frame = client.get(f"/team/issues/{issue_id}/email.html")
                assert f"Rettet overskrift {n}" in frame.text
                done = time.perf_counter()
                edit.append(edited - started)
                preview.append(done - edited)
                for name, url in (("start page", "/team/"), ("issue page", f"/team/issues/{issue_id}"),
                                  ("preview page", f"/team/issues/{issue_id}/preview")):
                    t0 = time.perf_counter()
                    client.get(url)
                    pages[name].append(time.perf_counter() - t0)
        server.should_exit = True
        thread.join(5)
        db.dispose()
    print(f"workspace, {args.items} items, SQLite, uvicorn on 127.0.0.1, {args.rounds} rounds")
    stats("edit an item (POST + issue page)", edit)
    stats("updated preview (render + frame)", preview)
    stats("edit -> updated preview, total", [a + b for a, b in zip(edit, preview, strict=True)])
    for name, values in pages.items():
        stats(f"GET {name}", values)


if __name__ == "__main__":
    main()
