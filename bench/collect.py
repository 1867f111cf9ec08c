"""Benchmark: collect 200 sources x 50 items, against a sequential feedparser loop.

    .venv/bin/python bench/collect.py [--sources 200] [--items 50] [--latency 0.3] [--hosts 50]

A local asyncio HTTP server (its own process, so it does not share our GIL) serves every
source with ``--latency`` seconds of delay and ETag support, on loopback addresses only
(127.0.0.2 ... 127.0.0.N: the sources are spread over ``--hosts`` "partner servers", as in
real life, so the per-host politeness limit is exercised without being the only thing measured).
Then, in this process:
  (a) a sequential loop of ``feedparser.parse(url)`` (what a naive script does),
  (b) ``collect`` into a temporary SQLite database,
  (c) a second ``collect``: every source answers 304.
Prints wall time, CPU time, peak RSS and bytes fetched per phase, the ratios, and the floor
(the larger of parse time alone and latency x ceil(sources / concurrency)).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser  # noqa: E402

from newsletter.collect import collect  # noqa: E402
from newsletter.collect.kinds import get_kind  # noqa: E402
from newsletter.config import Settings, load_config  # noqa: E402
from newsletter.db import open_db  # noqa: E402

PARAGRAPH = ("<p>Virksomheder i Trekantområdet investerer i automatisering og grøn omstilling. "
             "Læs om <a href=\"https://example.dk/x?utm_source=rss\">projektet</a>, "
             "<strong>partnerne</strong> og de næste skridt for produktionen i regionen.</p>")


def feed_body(source: int, items: int) -> bytes:
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
             f"<title>Partner {source}</title><link>https://partner{source}.example.dk/</link>"]
    for n in range(items):
        link = f"https://partner{source}.example.dk/nyheder/{n}-nyhed-om-produktion"
        parts.append(f"<item><title>Nyhed {n} fra partner {source}: produktion og udvikling</title>"
                     f"<link>{link}</link><guid>{link}</guid>"
                     f"<pubDate>{format_datetime(start - timedelta(hours=n))}</pubDate>"
                     f"<description><![CDATA[{PARAGRAPH * 2}]]></description></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


# --- the server (child process) ----------------------------------------------------------------

def serve(hosts: list[str], sources: int, items: int, latency: float, ready: Any, stop: Any,
          counts: Any) -> None:
    bodies = [feed_body(i, items) for i in range(sources)]
    etags = [f'"src{i}-v1"'.encode() for i in range(sources)]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                path = lines[0].split(b" ")[1].decode()
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(b":") for line in lines[1:] if b":" in line)}
                with counts.get_lock():
                    counts.value += 1
                await asyncio.sleep(latency)
                index = int(path.rsplit("/", 1)[-1].split(".")[0])
                if headers.get(b"if-none-match") == etags[index]:
                    writer.write(b"HTTP/1.1 304 Not Modified\r\nETag: " + etags[index] +
                                 b"\r\nContent-Length: 0\r\n\r\n")
                else:
                    body = bodies[index]
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n"
                                 b"ETag: " + etags[index] + b"\r\nContent-Length: " +
                                 str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        first = await asyncio.start_server(handle, host=hosts[0], port=0, backlog=1024)
        port = first.sockets[0].getsockname()[1]
        servers = [first] + [await asyncio.start_server(handle, host=h, port=port, backlog=1024)
                             for h in hosts[1:]]
        ready.put(port)
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for server in servers:
            server.close()

    asyncio.run(main())


# --- measuring ----------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return parents


def _descendants(parents: dict[int, int], root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        kids = [child for child, parent in parents.items() if parent == pid]
        found += kids
        todo += kids
    return found


def _rss_mb(pid: int) -> float:
    """Proportional set size: pages shared by the forked workers count once in the sum."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler(threading.Thread):
    """Peak of the summed memory (PSS) of this process and its helpers (the forkserver and the parse
    workers), sampled every 250 ms; the HTTP server process is left out."""

    def __init__(self, exclude: int) -> None:
        super().__init__(daemon=True)
        self.exclude = exclude
        self.peak = 0.0
        self.running = True
        self.helper_cpu: dict[int, float] = {}  # last CPU seconds seen per helper process

    def run(self) -> None:
        me = os.getpid()
        while self.running:
            parents = _parents()
            server = {self.exclude, *_descendants(parents, self.exclude)}
            helpers = [p for p in _descendants(parents, me) if p not in server]
            self.peak = max(self.peak, sum(_rss_mb(p) for p in [me, *helpers]))
            for pid in helpers:
                self.helper_cpu[pid] = max(self.helper_cpu.get(pid, 0.0), _cpu_seconds(pid))
            time.sleep(0.25)

    def helpers_cpu(self) -> float:
        return sum(self.helper_cpu.values())


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


SAMPLER: RssSampler | None = None


def measure(name: str, fn: Callable[[], Any]) -> dict[str, Any]:
    """Wall time; CPU time of this process plus its parse workers (sampled, so it may miss
    their last 250 ms); peak RSS of this process."""
    helpers = SAMPLER.helpers_cpu if SAMPLER else (lambda: 0.0)
    wall, cpu, child = time.perf_counter(), time.process_time(), helpers()
    result = fn()
    wall = time.perf_counter() - wall
    time.sleep(0.3 if SAMPLER else 0)  # one more sample of the workers' CPU
    return {"name": name, "wall": wall,
            "cpu": time.process_time() - cpu + helpers() - child,
            "rss": peak_rss_mb(), "result": result}


def write_config(directory: Path, urls: list[str], concurrency: int, per_host: int,
                 parse_processes: int | None) -> Path:
    lines = ["sections:", "  - key: partnere", "    title: Nyt fra partnerne",
             "newsletters:", "  - key: ugebrev", "    name: Ugebrev",
             "collect:", f"  concurrency: {concurrency}", f"  per_host: {per_host}",
             "  sitemap_pages_per_run: 0"]
    if parse_processes is not None:
        lines.append(f"  parse_processes: {parse_processes}")
    lines.append("partners:")
    for i, url in enumerate(urls):
        lines += [f"  - key: p{i}", f"    name: Partner {i}", "    sources:",
                  "      - kind: feed", f"        url: {url}"]
    path = directory / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses to spread sources over")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--parse-processes", type=int, default=None,
                        help="collect.parse_processes (default: automatic)")
    parser.add_argument("--skip-baseline", action="store_true", help="skip (a), the slow sequential loop")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 250:
        parser.error("--hosts must be 1..250 (127.0.0.2 ... 127.0.0.251)")

    hosts = [f"127.0.0.{2 + h}" for h in range(args.hosts)]
    ctx = multiprocessing.get_context("spawn")
    ready, stop, counts = ctx.Queue(), ctx.Event(), ctx.Value("i", 0)
    server = ctx.Process(target=serve, daemon=True,
                         args=(hosts, args.sources, args.items, args.latency, ready, stop, counts))
    server.start()
    port = ready.get(timeout=30)
    global SAMPLER
    sampler = SAMPLER = RssSampler(exclude=server.pid or 0)
    sampler.start()
    urls = [f"http://{hosts[i % len(hosts)]}:{port}/feed/{i}.xml" for i in range(args.sources)]

    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            settings = Settings(database_url=f"sqlite:///{directory / 'bench.db'}", smtp_url="file:///dev/null",
                                secret_key="", base_url="http://127.0.0.1", var_dir=directory)
            config = load_config(write_config(directory, urls, args.concurrency, args.per_host, args.parse_processes), settings)
            db = open_db(settings.database_url)

            bodies = [feed_body(i, args.items) for i in range(args.sources)]
            kind = get_kind("feed")
            headers = {"content-type": "application/rss+xml; charset=utf-8"}
            parse_only = measure("parse only", lambda: [kind.parse(b, headers, u) for b, u in zip(bodies, urls, strict=True)])

            before = counts.value
            b = measure("(b) collect", lambda: collect(db, config))
            b_requests = counts.value - before
            before = counts.value
            c = measure("(c) collect again (304)", lambda: collect(db, config))
            c_requests = counts.value - before
            db.dispose()

            a = None
            if not args.skip_baseline:
                def sequential() -> int:
                    total = 0
                    for url in urls:
                        total += len(feedparser.parse(url).entries)
                    return total
                a = measure("(a) sequential feedparser.parse(url)", sequential)
    finally:
        sampler.running = False
        stop.set()
        server.join(timeout=5)

    report_b, report_c = b["result"], c["result"]
    network_floor = args.latency * math.ceil(args.sources / args.concurrency)
    floor = max(parse_only["wall"], network_floor)
    rows = [parse_only, b, c] + ([a] if a else [])
    out = io.StringIO()
    out.write(f"collect bench: {args.sources} sources x {args.items} items, {args.latency * 1000:.0f} ms latency, "
              f"{args.hosts} loopback hosts, concurrency {args.concurrency}, per_host {args.per_host}\n\n")
    out.write(f"{'phase':40} {'wall s':>8} {'cpu s':>8} {'peak RSS MB':>12}\n")
    for row in rows:
        out.write(f"{row['name']:40} {row['wall']:8.2f} {row['cpu']:8.2f} {row['rss']:12.0f}\n")
    out.write(f"peak memory of this process plus its parse workers (summed PSS): {sampler.peak:.0f} MB\n")
    stored = report_b.new_items
    out.write(f"\n(b) new items {stored}, errors {report_b.failed}, bytes fetched "
              f"{sum(s.bytes for s in report_b.sources) / 1e6:.1f} MB, requests {b_requests}\n")
    out.write(f"(c) outcomes {sorted({s.outcome for s in report_c.sources})}, new items {report_c.new_items}, "
              f"bytes fetched {sum(s.bytes for s in report_c.sources)}, requests {c_requests}\n")
    out.write(f"floor = max(parse only {parse_only['wall']:.2f} s, {args.latency:g} s x "
              f"ceil({args.sources}/{args.concurrency}) = {network_floor:.2f} s) = {floor:.2f} s\n\n")

    def aim(label: str, ok: bool, figure: str) -> None:
        out.write(f"  [{'ok' if ok else 'MISSED'}] {label}: {figure}\n")

    out.write("aims:\n")
    if a:
        aim("(b) >= 10x faster than (a)", a["wall"] / b["wall"] >= 10, f"{a['wall'] / b['wall']:.1f}x")
    aim("(b) within 1.5x of the floor", b["wall"] <= 1.5 * floor, f"{b['wall'] / floor:.2f}x the floor")
    aim("(c) >= 5x faster than (b)", b["wall"] / c["wall"] >= 5, f"{b['wall'] / c['wall']:.1f}x")
    aim("peak RSS < 300 MB (with workers)", sampler.peak < 300, f"{sampler.peak:.0f} MB")
    aim("every item stored once", stored == args.sources * args.items, f"{stored}")
    aim("requests bounded (one per source per run)", b_requests == c_requests == args.sources,
        f"{b_requests} + {c_requests}")
    print(out.getvalue())


if __name__ == "__main__":
    main()
