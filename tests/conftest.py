"""Shared fixtures: a real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
a real HTTP server on 127.0.0.1, the web app in process (``client_for``), config files in a temp
dir, and the CLI.

Area-specific fixtures live in the conftest.py of each tests/<area>/ folder.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from newsletter.config import Config, Settings, load_config
from newsletter.db import Database, open_db
from tests.browser import chromium  # noqa: F401 - the fixture of the browser tests
from tests.databases import postgres_schema

REPO = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

MINIMAL_CONFIG = """\
sections:
  - key: partnere
    title: Nyt fra partnerne
  - key: arrangementer
    title: Arrangementer
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
partners: []
"""


# --- databases ---------------------------------------------------------------------------

def _backends() -> list[str]:
    return ["sqlite", "postgres"] if TEST_DATABASE_URL else ["sqlite"]


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with postgres_schema(TEST_DATABASE_URL) as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_db(db_url)
    yield database
    database.dispose()


# --- configuration -------------------------------------------------------------------------

@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        smtp_url=f"file://{tmp_path / 'outbox'}",
        secret_key="test-secret-key-not-for-production",
        base_url="https://nyhedsbrev.example.dk",
        var_dir=tmp_path / "var",
    )


@pytest.fixture
def make_config(tmp_path: Path, settings: Settings) -> Callable[[str], Config]:
    """Write a feeds.yaml into the temp dir and load it with the test settings."""

    def make(yaml_text: str = MINIMAL_CONFIG, name: str = "feeds.yaml") -> Config:
        path = tmp_path / name
        path.write_text(yaml_text, encoding="utf-8")
        return load_config(path, settings=settings)

    return make


# --- the web app in process ------------------------------------------------------------------

@pytest.fixture
def client_for(db: Database) -> Iterator[Callable[[Config], Any]]:
    """``client_for(config)``: a Starlette test client over the web app with that config, on
    ``db``. It sends our Origin, as a browser posting our own forms does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from newsletter.subscribers.outgoing import stop_all
    from newsletter.web import create_app

    clients = []

    def make(cfg: Config) -> Any:
        client = TestClient(create_app(cfg, db=db), base_url="https://nyhedsbrev.example.dk",
                            headers={"Origin": "https://nyhedsbrev.example.dk"})
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
    stop_all()


# --- a real HTTP server on 127.0.0.1 ----------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up early (collect stops reading a 404 or a capped body) is normal
        here; printing its traceback would land in the output a CLI test reads."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LocalServer:
    """Serves registered routes; records every request. Unknown paths answer 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, with_body: bool) -> None:
                server.requests.append(Request(self.command, self.path, dict(self.headers.items())))
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Route(body=b"not found", status=404)
                if route.delay:
                    time.sleep(route.delay)
                if route.handler is not None:
                    route.handler(self)
                    return
                self.send_response(route.status)
                headers = {"Content-Length": str(len(route.body)), **route.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if with_body:
                    try:
                        self.wfile.write(route.body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            def do_GET(self) -> None:  # noqa: N802
                self._serve(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._serve(False)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, body: bytes | str = b"", status: int = 200,
            content_type: str | None = None, headers: dict[str, str] | None = None,
            delay: float = 0.0, handler: Callable[[BaseHTTPRequestHandler], None] | None = None) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = dict(headers or {})
        if content_type:
            all_headers["Content-Type"] = content_type
        self.routes[path] = Route(data, status, all_headers, delay, handler)
        return self.url(path)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.start()
    yield server
    server.stop()


# --- the CLI ------------------------------------------------------------------------------

@pytest.fixture
def cli(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``newsletter ARGS`` in-process with the test settings in the environment."""
    from newsletter.cli import main

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SMTP_URL", settings.smtp_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("BASE_URL", settings.base_url)
    monkeypatch.setenv("NEWSLETTER_VAR_DIR", str(settings.var_dir))
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke
