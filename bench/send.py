"""Benchmark of the send path (issue 5). Run: ``.venv/bin/python bench/send.py [--recipients 20000]``.

A sink SMTP server runs in its own process: ``bench/smtp_sink.py`` (asyncio streams, real SMTP,
~0.15 ms of CPU a message; ``--sink aiosmtpd`` for the old one, which took ~2 ms and capped every
variant near 455/s on 2 cores). Each variant runs in a child process of its own so its peak RSS
and CPU time are its own:

  (a) raw pipe   one pre-built message pushed with a bare smtplib loop, K connections
  (b) our send   the outbox end to end: SQLite outbox, claim/lease, 'sending'/'sent' commits,
                 per-recipient bytes filled into the pre-serialised template, pooled SMTP
  (c) naive      an EmailMessage built and serialised per recipient, same K connections

Prints msgs/s for each, the ratios (b)/(a) and (b)/(c), peak RSS, and CPU milliseconds per
message of the sender and of the sink (on a shared machine the CPU per message is the steadier
figure: a sender that is the bottleneck runs at about 1 / its CPU per message).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import resource
import smtplib
import socket
import sys
import tempfile
import threading
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.db import open_db  # noqa: E402
from newsletter.db import subscribers as subs  # noqa: E402
from newsletter.db.types import utcnow  # noqa: E402
from newsletter.outbox.message import Identity, MessageTemplate, PersonalValues  # noqa: E402
from newsletter.outbox.models import NewRow, QueuedIssue  # noqa: E402
from newsletter.outbox.queue import message_id, queue_rows  # noqa: E402
from newsletter.outbox.store import DbOutboxStore  # noqa: E402
from newsletter.outbox.worker import Worker, WorkerOptions  # noqa: E402
from newsletter.render.placeholders import fill_html, fill_text  # noqa: E402
from newsletter.transports import open_transport  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from smtp_sink import SinkProcess, cpu_seconds  # noqa: E402

CARD = ('<tr><td style="padding:12px;font-family:Arial"><h2 style="color:#0b3d5c">Industriens Dag 2026 i '
        'Fredericia – tilmelding åbner</h2><p style="color:#1d1d1b;line-height:1.5">Virksomheder i '
        'Trekantområdet inviterer indenfor. Se produktionen, mød medarbejderne og hør om uddannelser på '
        'SDU, IBA og UC SYD. Arrangementet er gratis, og der er plads til skoleklasser og familier.</p>'
        '<a href="https://www.trekantomraadet.dk/nyheder/industriens-dag?utm_source=nyhedsbrev">Læs mere'
        '</a></td></tr>\n')
HTML = ('<!doctype html><html lang="da"><body><table width="600">' + CARD * 60
        + '<tr><td><a href="%%web_url%%">Se i browser</a> · <a href="%%unsubscribe_url%%">Afmeld</a> · '
          '<a href="%%preferences_url%%">Indstillinger</a> · %%email%%</td></tr></table></body></html>')
TEXT = "Kære %%name%%\n\n" + "Industriens Dag 2026 i Fredericia – tilmelding åbner.\n" * 60 + "Afmeld: %%unsubscribe_url%%\n"
IDENTITY = Identity("Danmarks Produktionscentrum", "nyhedsbrev@example.dk",
                    list_id="Nyt fra DPC <ugebrev.example.dk>", feedback_id="{issue}:{newsletter}:dpc",
                    unsubscribe_mailto="afmeld@example.dk")
ISSUE = QueuedIssue(1, "ugebrev", "Nyt fra Danmarks Produktionscentrum · uge 48", "", HTML, TEXT,
                    "https://nyhedsbrev.example.dk/arkiv/1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def person(i: int) -> tuple[str, str, str, str]:
    return (f"modtager{i:06d}@example.dk", f"Modtager {i}", f"https://nyhedsbrev.example.dk/u/tok{i:06d}abcdef",
            f"https://nyhedsbrev.example.dk/p/pref{i:06d}abcdef")


def _threads(n: int, k: int, work) -> float:  # type: ignore[no-untyped-def]
    chunks = [range(j, n, k) for j in range(k)]
    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def raw_pipe(port: int, n: int, k: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    template = MessageTemplate.build(ISSUE, IDENTITY, ISSUE.web_url)
    email, name, unsub, pref = person(0)
    message = template.render(PersonalValues(email, name, "<x@example.dk>", unsub, pref), utcnow())

    def work(chunk: range) -> None:
        conn = smtplib.SMTP("127.0.0.1", port)
        for _ in chunk:  # one message for all, so the envelope matches its To: (the sink checks)
            conn.sendmail("nyhedsbrev@example.dk", [email], message)
        conn.quit()

    cpu = cpu_seconds()
    seconds = _threads(n, k, work)
    out.put(("a", n / seconds, peak_rss_mb(), 0.0, cpu_seconds() - cpu))


def naive(port: int, n: int, k: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    def build(i: int) -> bytes:
        email, name, unsub, pref = person(i)
        values = {"name": name, "email": email, "unsubscribe_url": unsub, "preferences_url": pref,
                  "web_url": ISSUE.web_url}
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = "Danmarks Produktionscentrum <nyhedsbrev@example.dk>"
        msg["To"] = f"{name} <{email}>"
        msg["Subject"] = ISSUE.subject
        msg["Message-ID"] = message_id("example.dk")
        msg["List-Unsubscribe"] = f"<{unsub}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(fill_text(TEXT, values), cte="quoted-printable")
        msg.add_alternative(fill_html(HTML, values), subtype="html", cte="quoted-printable")
        return msg.as_bytes()

    def work(chunk: range) -> None:
        conn = smtplib.SMTP("127.0.0.1", port)
        for i in chunk:
            conn.sendmail("nyhedsbrev@example.dk", [person(i)[0]], build(i))
        conn.quit()

    cpu = cpu_seconds()
    seconds = _threads(n, k, work)
    out.put(("c", n / seconds, peak_rss_mb(), 0.0, cpu_seconds() - cpu))


def ours(port: int, n: int, k: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(f"sqlite:///{tmp}/bench.db")
        now = utcnow()
        start = time.perf_counter()
        with db.begin() as conn:
            for lo in range(0, n, 5000):
                ids = subs.insert_subscribers_many(conn, [
                    dict(email=person(i)[0], email_display=person(i)[0], name=person(i)[1], organisation="",
                         language="da", created_at=now, updated_at=now) for i in range(lo, min(n, lo + 5000))])
                subs.insert_subscriptions_many(conn, [
                    dict(subscriber_id=sid, newsletter_key="ugebrev", status="active", all_sections=True,
                         created_at=now, updated_at=now) for sid in ids])
        rows = (NewRow(i + 1, person(i)[0], person(i)[1], person(i)[2], person(i)[3], message_id("example.dk"))
                for i in range(n))
        queue_rows(db, ISSUE, rows, now, now)
        queue_seconds = time.perf_counter() - start
        store = DbOutboxStore(db, lease_seconds=300)
        transport = open_transport(f"smtp://127.0.0.1:{port}", pool_size=k)
        worker = Worker(store, transport, IDENTITY.from_email,
                        lambda issue: MessageTemplate.build(issue, IDENTITY, issue.web_url),
                        WorkerOptions(workers=k, batch_size=200, rate_per_second=0))
        start = time.perf_counter()
        cpu = cpu_seconds()
        report = worker.run()
        seconds = time.perf_counter() - start
        transport.close()
        assert report.sent == n, report
        out.put(("b", n / seconds, peak_rss_mb(), queue_seconds, cpu_seconds() - cpu))


def aiosmtpd_sink(port: int, ready: mp.synchronize.Event) -> None:  # type: ignore[name-defined]
    """The old sink, for comparison (``--sink aiosmtpd``): it parses every line in Python."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    ready.set()
    threading.Event().wait()


LABELS = {"a": "(a) raw smtplib pipe", "b": "(b) our send, end to end", "c": "(c) naive EmailMessage"}


def run_variant(ctx, key: str, port: int, args: argparse.Namespace) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    target = {"a": raw_pipe, "b": ours, "c": naive}[key]
    out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=target, args=(port, args.recipients, args.connections, out))
    proc.start()
    _name, rate, rss, extra, cpu = out.get()
    proc.join()
    return rate, rss, extra, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", default="abc", help="which variants to run, e.g. 'b'")
    parser.add_argument("--sink", choices=("fast", "aiosmtpd"), default="fast",
                        help="fast: bench/smtp_sink.py (default); aiosmtpd: the old sink, for comparison")
    parser.add_argument("--verify-every", type=int, default=500, help="the fast sink checks every Nth message")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    port = free_port()
    size = len(MessageTemplate.build(ISSUE, IDENTITY).render(
        PersonalValues(person(0)[0], person(0)[1], "<x@y>", person(0)[2], person(0)[3]), utcnow()))
    print(f"{args.recipients} recipients, {args.connections} connections, message {size / 1024:.0f} KiB, "
          f"sink {args.sink}, {os.cpu_count()} cores")
    with contextlib.ExitStack() as stack:
        sink: SinkProcess | None = None
        if args.sink == "fast":
            sink = stack.enter_context(SinkProcess(port, args.verify_every))
        else:
            ready = ctx.Event()
            server = ctx.Process(target=aiosmtpd_sink, args=(port, ready), daemon=True)
            server.start()
            ready.wait(10)
            stack.callback(server.terminate)
        results = {}
        for key in "abc":
            if key not in args.only:
                continue
            before = sink.stats() if sink else None
            rate, rss, extra, cpu = run_variant(ctx, key, port, args)
            results[key] = rate
            note = f"  queueing {args.recipients} rows {extra:.1f} s" if key == "b" else ""
            sender = f"sender CPU {cpu * 1000 / args.recipients:5.2f} ms/msg"
            line = f"{LABELS[key]:26s} {rate:7.0f} msgs/s  peak RSS {rss:5.0f} MB  {sender}"
            if sink and before:
                after = sink.stats()
                got = after["messages"] - before["messages"]
                sink_cpu = (after["cpu"] - before["cpu"]) * 1000 / max(1, got)
                line += f"  sink CPU {sink_cpu:4.2f} ms/msg"
                if got != args.recipients:
                    line += f"  SINK GOT {got}!"
            print(line + note)
        if "a" in results and "b" in results:
            print(f"(b)/(a) = {results['b'] / results['a']:.2f}  (aim >= 0.8)")
        if "b" in results and "c" in results:
            print(f"(b)/(c) = {results['b'] / results['c']:.2f}  (aim >= 3)")
        if sink:
            stats = sink.stats()
            print(f"sink: {stats['messages']} messages, {stats['bytes'] / 2**20:.0f} MiB, "
                  f"{stats['sessions']} sessions, {stats['verified']} sampled messages checked, {stats['bad']} bad"
                  + (f" (first: {stats['first_bad']})" if stats["bad"] else ""))


if __name__ == "__main__":
    main()
