"""Fault measurement of the send path (issue 8, §5): what a kill or a lost reply does.

Run: ``.venv/bin/python bench/outbox_faults.py [--kills 20] [--recipients 400] [--seed 8]
[--postgres postgresql://postgres@127.0.0.1:5432/test]`` (with ``--postgres`` the kills run
in a fresh schema of that database, dropped afterwards; the default is a temporary SQLite file)

An aiosmtpd server in this process keeps every message and counts copies per recipient.

  (1) kills   ``newsletter send --wait`` in a subprocess, SIGKILLed after a random number of
              deliveries (seeded), ``--kills`` times, then one clean run. Counts duplicates,
              the rows left 'unknown', and how many of those the server in fact has
              (the figure the README used to guess at: "most were delivered").
  (2) faults  the server keeps each message, then for a share of recipients drops the line
              instead of answering the final "." or answers after the client's data timeout.
              Two runs. Counts duplicates and unknown rows.

Prints one line per part; the figures go in docs/security.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from newsletter.db import Database, open_db  # noqa: E402
from newsletter.db import outbox as q  # noqa: E402
from newsletter.db import subscribers as subs  # noqa: E402
from newsletter.db.types import utcnow  # noqa: E402
from newsletter.outbox.message import Identity, MessageTemplate  # noqa: E402
from newsletter.outbox.models import NewRow, QueuedIssue  # noqa: E402
from newsletter.outbox.queue import message_id, queue_rows  # noqa: E402
from newsletter.outbox.store import DbOutboxStore  # noqa: E402
from newsletter.outbox.worker import Worker, WorkerOptions  # noqa: E402
from newsletter.transports import open_transport  # noqa: E402
from tests.databases import postgres_schema  # noqa: E402
from tests.outbox.processes import start_send  # noqa: E402

HTML = ("<!doctype html><html><body><p>Kære %%name%%, ugens nyheder fra Trekantområdet.</p>"
        + "<p>Industriens Dag i Fredericia, nye uddannelser på SDU og IBA i Kolding.</p>" * 40
        + '<p><a href="%%unsubscribe_url%%">Afmeld</a></p></body></html>')
TEXT = "Kære %%name%%\n\nUgens nyheder.\n\nAfmeld: %%unsubscribe_url%%\n"
IDENTITY = Identity("Danmarks Produktionscentrum", "nyhedsbrev@example.dk")


class Recorder:
    """Keeps every message; ``fate`` decides what happens after the final dot."""

    def __init__(self, fate: dict[str, str] | None = None, late: float = 0.0) -> None:
        self.copies: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.fate = fate or {}
        self.late = late

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.copies[rcpt] += 1
        fate = self.fate.get(envelope.rcpt_tos[0], "ok")
        if fate == "drop":
            server.transport.close()
        elif fate == "late":
            await asyncio.sleep(self.late)
        return "250 OK queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(db: Database, n: int) -> list[str]:
    now = utcnow()
    emails, rows = [], []
    with db.begin() as conn:
        for i in range(n):
            email = f"modtager{i:05d}@example.dk"
            sid = subs.insert_subscriber(conn, email=email, email_display=email, name=f"Modtager {i}",
                                         organisation="", language="da", now=now)
            subs.insert_subscription(conn, sid, "ugebrev", "active", now)
            rows.append(NewRow(sid, email, f"Modtager {i}", f"https://nyhedsbrev.example.dk/u/t{i}",
                               f"https://nyhedsbrev.example.dk/p/t{i}", message_id("example.dk")))
            emails.append(email)
    issue = QueuedIssue(1, "ugebrev", "Nyt fra Danmarks Produktionscentrum · uge 49", "", HTML, TEXT,
                        "https://nyhedsbrev.example.dk/arkiv/1")
    queue_rows(db, issue, rows, now, now)
    return emails


@contextmanager
def database(folder: Path, postgres: str) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a new PostgreSQL schema (dropped afterwards)."""
    if not postgres:
        yield f"sqlite:///{folder / 'kills.db'}"
        return
    with postgres_schema(postgres, prefix="bench") as url:
        yield url


def kills(db_url: str, folder: Path, n: int, k: int, seed: int) -> dict[str, int]:
    db = open_db(db_url)
    emails = fill(db, n)
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    rng = random.Random(seed)
    done = 0

    def start(rate: float) -> subprocess.Popen[bytes]:
        return start_send(folder, db_url, f"smtp://127.0.0.1:{port}", rate, output=subprocess.DEVNULL)

    try:
        for _ in range(k):
            before = sum(recorder.copies.values())
            proc = start(rate=200)
            target = before + rng.randint(1, max(2, n // (2 * k)))
            deadline = time.monotonic() + 30
            while sum(recorder.copies.values()) < target and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.02))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                done += 1
            proc.wait()
        time.sleep(3.2)  # 'sending' leases: lease_seconds + smtp_data_timeout
        start(rate=0).wait(timeout=120)
    finally:
        controller.stop()
    with db.connect() as conn:
        status = q.statuses_by_email(conn, 1)
    db.dispose()
    unknown = [e for e in emails if status[e] == "unknown"]
    return {
        "kills": done,
        "duplicates": sum(c - 1 for c in recorder.copies.values() if c > 1),
        "unknown": len(unknown),
        "unknown_delivered": sum(1 for e in unknown if recorder.copies[e]),
        "sent": sum(1 for e in emails if status[e] == "sent"),
        "missing": sum(1 for e in emails if status[e] != "unknown" and not recorder.copies[e]),
    }


def faults(folder: Path, n: int, share: float, seed: int) -> dict[str, int]:
    db = open_db(f"sqlite:///{folder / 'faults.db'}")
    emails = fill(db, n)
    rng = random.Random(seed)
    fate = {e: rng.choice(("drop", "late")) for e in emails if rng.random() < share}
    recorder = Recorder(fate, late=1.0)
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    reports = []
    try:
        for _ in range(2):
            transport = open_transport(f"smtp://127.0.0.1:{port}", pool_size=4, timeout=5, data_timeout=0.5)
            store = DbOutboxStore(db, lease_seconds=60, sending_lease_seconds=61)
            worker = Worker(store, transport, IDENTITY.from_email,
                            lambda issue: MessageTemplate.build(issue, IDENTITY, web_url=issue.web_url),
                            WorkerOptions(workers=4, wait=True, stop_after_unknown=0, seed=seed))
            reports.append(worker.run())
            transport.close()
    finally:
        controller.stop()
    with db.connect() as conn:
        status = q.statuses_by_email(conn, 1)
    db.dispose()
    return {
        "faulty": len(fate),
        "duplicates": sum(c - 1 for c in recorder.copies.values() if c > 1),
        "unknown": sum(1 for s in status.values() if s == "unknown"),
        "retried": sum(r.retried for r in reports),
        "sent": sum(1 for s in status.values() if s == "sent"),
        "delivered": len(recorder.copies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--recipients", type=int, default=400)
    parser.add_argument("--share", type=float, default=0.25, help="share of recipients with a lost/late reply")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--postgres", default="", help="run the kills on this PostgreSQL database (a fresh schema)")
    parser.add_argument("--only", default="kills,faults")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if "kills" in args.only:
            with database(Path(tmp), args.postgres) as url:
                print("kills: ", kills(url, Path(tmp), args.recipients, args.kills, args.seed), flush=True)
        if "faults" in args.only:
            print("faults:", faults(Path(tmp), args.recipients, args.share, args.seed), flush=True)


if __name__ == "__main__":
    main()
