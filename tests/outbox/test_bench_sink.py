"""The benchmark's SMTP sink (bench/smtp_sink.py) must speak real SMTP to smtplib, or
bench/send.py would measure nothing: dot-stuffing, an empty message, RSET, and its sampling."""

from __future__ import annotations

import importlib
import smtplib
import sys
from pathlib import Path

from tests.outbox.conftest import free_port

BENCH = Path(__file__).resolve().parents[2] / "bench" / "smtp_sink.py"


def load_sink():  # type: ignore[no-untyped-def]
    if str(BENCH.parent) not in sys.path:
        sys.path.append(str(BENCH.parent))  # the spawned sink process imports it by name too
    return importlib.import_module("smtp_sink")


def test_sink_counts_messages_and_finds_the_end_of_dot_stuffed_data() -> None:
    sink = load_sink()
    port = free_port()
    body = b"To: b@x.dk\r\nSubject: prikker\r\n\r\n.\r\n..to prikker\r\n.\r\nslut\r\n"
    assert sink.unstuff(b"..to\r\n..\r\nx\r\n") == b".to\r\n.\r\nx\r\n"
    with sink.SinkProcess(port, verify_every=1) as running:
        client = smtplib.SMTP("127.0.0.1", port, timeout=5)
        assert client.ehlo()[0] == 250
        assert client.sendmail("a@x.dk", ["b@x.dk"], body) == {}
        client.rset()
        assert client.noop()[0] == 250
        client.sendmail("a@x.dk", ["c@x.dk"], b"To: c@x.dk\r\n\r\n.")  # a body of one dot
        client.sendmail("a@x.dk", ["d@x.dk"], b"To: someone@else.dk\r\n\r\nhej\r\n")
        client.quit()
        stats = running.stats()
    assert stats["messages"] == 3 and stats["sessions"] == 1
    assert stats["verified"] == 3 and stats["bad"] == 1
    assert "d@x.dk not in To" in stats["first_bad"]
