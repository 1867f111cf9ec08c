"""Benchmark (issue 8 §6): does a sign-up answer reveal whether an address is known?

    .venv/bin/python bench/signup.py [--requests 40] [--smtp-delay 0.2]

Runs the web app under uvicorn on 127.0.0.1 with a deliberately slow mail server (a small
SMTP responder that waits ``--smtp-delay`` seconds before each reply), then times interleaved
``POST /`` for new and for already-subscribed addresses, and ``POST /p/new`` ("send me a new
link") for stored and unknown addresses, each once the background work of the one before is
done and after the same short pause (the answer alone is timed). Prints the medians, the
fastest of each kind (the cost without the shared machine's scheduling noise) and the ratios;
before issue 8 the audit measured 191 ms vs 6 ms for ``POST /`` (228 vs 6 ms for /p/new).
"""

from __future__ import annotations

import argparse
import re
import socket
import socketserver
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from newsletter.config import Settings, load_config  # noqa: E402
from newsletter.db import open_db  # noqa: E402
from newsletter.subscribers import manage  # noqa: E402
from newsletter.subscribers.outgoing import drain_all  # noqa: E402
from newsletter.web import create_app  # noqa: E402

CONFIG = """\
sections:
  - {key: partnere, title: Nyt fra partnerne}
newsletters:
  - {key: ugebrev, name: Ugebrevet}
subscribers:
  subscribe_per_ip: 100000
  resend_after_minutes: 0
"""


class SlowSMTP(socketserver.StreamRequestHandler):
    delay = 0.2

    def reply(self, line: bytes) -> None:
        time.sleep(self.delay)
        self.wfile.write(line + b"\r\n")

    def handle(self) -> None:
        self.reply(b"220 slow.example ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.reply(b"250 queued")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb in (b"EHLO", b"HELO"):
                self.reply(b"250 slow.example")
            else:
                self.reply(b"250 ok")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40, help="per kind (after 2 warm-up rounds)")
    parser.add_argument("--smtp-delay", type=float, default=0.2)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds of quiet before each timed request")
    args = parser.parse_args()
    SlowSMTP.delay = args.smtp_delay
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SlowSMTP)
    smtp.daemon_threads = True
    threading.Thread(target=smtp.serve_forever, daemon=True).start()

    tmp = Path(tempfile.mkdtemp())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}",
                        smtp_url=f"smtp://127.0.0.1:{smtp.server_address[1]}?starttls=no",
                        secret_key="bench-secret-key-bench-secret-key!", base_url=base, var_dir=tmp / "var")
    (tmp / "feeds.yaml").write_text(CONFIG, encoding="utf-8")
    config = load_config(tmp / "feeds.yaml", settings=settings)
    db = open_db(settings.database_url)
    rounds = args.requests + 2
    for i in range(rounds):
        manage.add(db, config, f"known{i}@firma.dk", ["ugebrev"], "bench", "bench")
    server = uvicorn.Server(uvicorn.Config(create_app(config, db=db), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=60)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]

    def timed(path: str, data: dict[str, object]) -> float:
        drain_all(timeout=600)  # the previous request's background work is done: time this answer alone
        time.sleep(args.pause)  # the same idle gap before every request
        start = time.perf_counter()
        response = client.post(path, data={"csrf": csrf, **data})
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        return elapsed

    pairs = {
        "POST /": (lambda i: ("/", {"email": f"new{i}@firma.dk", "newsletter": "ugebrev", "consent": "yes"}),
                   lambda i: ("/", {"email": f"known{i}@firma.dk", "newsletter": "ugebrev", "consent": "yes"})),
        "POST /p/new": (lambda i: ("/p/new", {"email": f"known{i}@firma.dk"}),
                        lambda i: ("/p/new", {"email": f"nobody{i}@firma.dk"})),
    }
    print(f"web app under uvicorn, SMTP replying after {args.smtp_delay * 1000:.0f} ms, "
          f"{args.requests} requests per kind, interleaved (medians)")
    for label, (first, second) in pairs.items():
        a: list[float] = []
        b: list[float] = []
        for i in range(rounds):
            if i % 2:  # in turns first: the first request after a pause is the slower one
                ta, tb = timed(*first(i)), timed(*second(i))
            else:
                tb, ta = timed(*second(i)), timed(*first(i))
            if i >= 2:
                a.append(ta)
                b.append(tb)
        ma, mb = statistics.median(a), statistics.median(b)
        na, nb = min(a), min(b)
        names = ("new", "known") if label == "POST /" else ("stored", "unknown")
        print(f"  {label:12} median {names[0]} {ma * 1000:5.1f} ms, {names[1]} {mb * 1000:5.1f} ms, "
              f"ratio {ma / mb:.2f};  fastest {na * 1000:5.1f} vs {nb * 1000:5.1f} ms, ratio {na / nb:.2f}")
    server.should_exit = True


if __name__ == "__main__":
    main()
