"""A minimal, fast SMTP sink for ``bench/send.py``: asyncio streams, one process, counts only.

aiosmtpd parses every line of every message in Python and took a whole core at ~455 msgs/s,
so the benchmark measured the server instead of our sender. This sink speaks just enough real
SMTP (RFC 5321) for smtplib: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. DATA is
read with one ``readuntil(b"\\r\\n.\\r\\n")``: a dot-stuffed line (``..``) can never match
that separator, so the end is found without touching the lines; only sampled messages are
un-stuffed and checked (every ``verify_every``-th message: the envelope recipient must be in
``To:``, no line over 998 bytes, no bare LF, no placeholder left).

Run on its own: ``python bench/smtp_sink.py PORT``; from the bench: ``SinkProcess``.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import resource
import sys
from dataclasses import dataclass
from email import message_from_bytes, policy
from typing import Any

END = b"\r\n.\r\n"


@dataclass
class Tally:
    messages: int = 0
    bytes: int = 0
    sessions: int = 0
    verified: int = 0
    bad: int = 0
    first_bad: str = ""


def unstuff(data: bytes) -> bytes:
    """A DATA payload with dot-stuffing undone (RFC 5321 §4.5.2)."""
    body = data
    if body.startswith(b".."):
        body = body[1:]
    return body.replace(b"\r\n..", b"\r\n.")


def problem(message: bytes, rcpt: str) -> str:
    """Why a delivered message is broken, or "" if it looks right."""
    if b"\n" in message.replace(b"\r\n", b""):
        return "bare LF"
    if any(len(line) > 998 for line in message.split(b"\r\n")):
        return "line over 998 bytes"
    if b"%%" in message:
        return "placeholder left in the message"
    parsed = message_from_bytes(message, policy=policy.SMTP)
    to = str(parsed.get("To", ""))
    if rcpt.lower() not in to.lower():
        return f"envelope recipient {rcpt} not in To: {to!r}"
    return ""


class _Lines:
    """Our own buffer over a StreamReader: command lines, and DATA found by one search per
    received chunk instead of one await per line (a 38 KiB message has ~500 lines)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.buf = bytearray()

    async def _more(self) -> bool:
        chunk = await self.reader.read(1 << 18)
        self.buf += chunk
        return bool(chunk)

    async def line(self) -> bytes | None:
        while (end := self.buf.find(b"\r\n")) < 0:
            if not await self._more():
                return None
        line = bytes(self.buf[:end])
        del self.buf[:end + 2]
        return line

    async def data(self) -> bytes | None:
        """The DATA payload (still dot-stuffed, ending in CRLF), the terminator consumed.
        The payload starts at a line start, so a CRLF is put in front: then an empty message
        (".\r\n" at once) and every other end look alike, CRLF "." CRLF."""
        self.buf[:0] = b"\r\n"
        scanned = 0
        while (end := self.buf.find(END, scanned)) < 0:
            scanned = max(0, len(self.buf) - len(END) + 1)
            if not await self._more():
                return None
        payload = bytes(self.buf[2:end + 2])
        del self.buf[:end + len(END)]
        return payload


class Sink:
    def __init__(self, verify_every: int = 0) -> None:
        self.tally = Tally()
        self.verify_every = verify_every

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.tally.sessions += 1
        stream = _Lines(reader)
        writer.write(b"220 sink ESMTP\r\n")
        rcpts: list[str] = []
        try:
            while (line := await stream.line()) is not None:
                verb = line[:4].upper()
                if verb == b"MAIL":
                    rcpts = []
                    writer.write(b"250 OK\r\n")
                elif verb == b"RCPT":
                    rcpts.append(line[line.find(b"<") + 1:line.rfind(b">")].decode("ascii", "replace"))
                    writer.write(b"250 OK\r\n")
                elif verb == b"DATA" and not rcpts:
                    writer.write(b"503 need RCPT first\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
                    await writer.drain()
                    data = await stream.data()
                    if data is None:
                        return
                    self._count(data, rcpts)
                    rcpts = []
                    writer.write(b"250 OK queued\r\n")
                elif verb == b"EHLO":
                    writer.write(b"250-sink\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 0\r\n")
                elif verb == b"HELO":
                    writer.write(b"250 sink\r\n")
                elif verb in (b"RSET", b"NOOP"):
                    rcpts = [] if verb == b"RSET" else rcpts
                    writer.write(b"250 OK\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"502 not implemented\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):  # a client gone, or the sink stopping
            return
        finally:
            writer.close()

    def _count(self, data: bytes, rcpts: list[str]) -> None:
        tally = self.tally
        tally.messages += 1
        tally.bytes += len(data)
        if self.verify_every and (tally.messages - 1) % self.verify_every == 0:
            tally.verified += 1
            why = problem(unstuff(data), rcpts[0])
            if why:
                tally.bad += 1
                tally.first_bad = tally.first_bad or why


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve(port: int, verify_every: int, conn: Any) -> None:
    """Process body: serve on 127.0.0.1:PORT; answer "stats" on ``conn`` with counts and CPU time."""

    async def main() -> None:
        sink = Sink(verify_every)
        server = await asyncio.start_server(sink.session, "127.0.0.1", port)
        conn.send("ready")
        loop = asyncio.get_running_loop()
        while True:
            request = await loop.run_in_executor(None, conn.recv)
            if request == "stop":
                break
            t = sink.tally
            conn.send({"messages": t.messages, "bytes": t.bytes, "sessions": t.sessions, "verified": t.verified,
                       "bad": t.bad, "first_bad": t.first_bad, "cpu": cpu_seconds()})
        server.close()

    asyncio.run(main())


class SinkProcess:
    """The sink in a child process; ``stats()`` reads its counters and CPU seconds so far."""

    def __init__(self, port: int, verify_every: int = 500) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(port, verify_every, child), daemon=True)

    def __enter__(self) -> SinkProcess:
        self.process.start()
        if not self._conn.poll(20) or self._conn.recv() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        return self._conn.recv()  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()


if __name__ == "__main__":
    with SinkProcess(int(sys.argv[1])) as running:
        print(f"SMTP sink on 127.0.0.1:{sys.argv[1]}; Ctrl-C prints the counts and stops")
        try:
            running.process.join()
        except KeyboardInterrupt:
            print(running.stats())
