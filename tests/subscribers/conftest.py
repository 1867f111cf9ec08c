"""Fixtures for the subscribers area: a config with two newsletters, a real SMTP server
(aiosmtpd on 127.0.0.1) and the web app over it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from newsletter.config import Config, Settings
from newsletter.db import Database
from newsletter.subscribers.outgoing import drain_all, stop_all
from tests.browser import serve
from tests.conftest import free_port

CONFIG = """\
brand:
  name: Danmarks Produktionscentrum
  organisation: Trekantområdet Danmark
  sender_email: nyhedsbrev@example.dk
  postal_address: Vejlevej 1, 7000 Fredericia
sections:
  - key: partnere
    title: Nyt fra partnerne
    title_en: Partner news
  - key: arrangementer
    title: Arrangementer
    title_en: Events
  - key: uddannelse
    title: Uddannelse
newsletters:
  - key: ugebrev
    name: Ugebrevet
  - key: invest
    name: Investor Digest
    language: en
    sections: [partnere]
subscribers:
  subscribe_per_ip: {per_ip}
  resend_after_minutes: 10
"""


@pytest.fixture
def config(make_config: Callable[[str], Config]) -> Config:
    return make_config(CONFIG.format(per_ip=50))


def settle() -> None:
    """Wait until the web app's background worker has done what it was handed (a sign-up is
    recorded and its mail sent after the answer, issue 8 §6)."""
    assert drain_all(timeout=30), "the web app's background queue did not drain"


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.delay = 0.0  # seconds before the reply to DATA: a slow mail server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class SMTPServer:
    sink: Sink
    url: str

    @property
    def messages(self) -> list[tuple[str, list[str], EmailMessage]]:
        """What arrived, once the app's background sender has handed over what it queued."""
        settle()
        return self.sink.messages


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SMTPServer(sink, f"smtp://127.0.0.1:{port}?starttls=no")
    finally:
        controller.stop()


@pytest.fixture
def smtp_config(config: Config, smtp_server: SMTPServer) -> Config:
    return replace(config, settings=replace(config.settings, smtp_url=smtp_server.url))


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    match = re.search(r"https?://\S+" + re.escape(path) + r"[A-Za-z0-9_.\-]+", body_of(message))
    assert match, body_of(message)
    return match.group(0)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def settings_with(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)


@dataclass
class LiveApp:
    """The web app under a real uvicorn server on 127.0.0.1."""

    base: str
    config: Config

    def client(self) -> Any:
        import httpx

        # a browser posting our own forms sends our Origin (the app checks it on every form POST)
        return httpx.Client(base_url=self.base, headers={"Origin": self.base}, timeout=30)


@pytest.fixture
def live_app(db: Database) -> Iterator[Callable[[Config], LiveApp]]:
    from newsletter.web import create_app

    with ExitStack() as servers:

        def start(cfg: Config) -> LiveApp:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            cfg = replace(cfg, settings=replace(cfg.settings, base_url=base))
            servers.enter_context(serve(create_app(cfg, db=db), port))
            return LiveApp(base, cfg)

        yield start
    stop_all()
