"""Fetching: bytes from a source URL, politely and within limits.

One ``Fetcher`` per collect run keeps an httpx connection pool per server and bounds
concurrency overall and per host. Each fetch has connect/read timeouts and a total deadline, a size cap
that holds on the wire and after decompression (a gzip bomb stops at the cap, never in
memory), at most ``max_redirects`` redirects, and conditional GET. Everything that goes
wrong becomes a ``FetchError`` whose message says what the user should check.
"""

from __future__ import annotations

import asyncio
import mimetypes
import ssl
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from newsletter.config import CollectConfig
from newsletter.errors import FetchError, NoConnection, RetryLater, SourceGone

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_RETRY_AFTER = timedelta(days=7)  # a server cannot park a source for longer than this
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")


def user_agent(contact_url: str) -> str:
    return f"TrekantNewsletter/0.1 (+{contact_url})"


@dataclass(frozen=True)
class Fetched:
    """One fetched document. ``status`` 304 means "unchanged since last time": no body."""

    status: int
    body: bytes
    headers: Mapping[str, str]  # lower-case names
    url: str  # after redirects
    etag: str | None
    last_modified: str | None
    bytes: int  # as transferred (compressed)
    moved_to: str | None = None  # the target of a permanent redirect: update feeds.yaml
    queued_ms: int = 0  # time spent waiting for a per-host slot (not counted in the deadline)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as seconds or an HTTP-date (RFC 9110 §10.2.3), capped to a week."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + min(timedelta(seconds=int(value)), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(when, now), now + MAX_RETRY_AFTER)


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


def http_problem(status: int, url: str) -> str:
    """A message for an HTTP error status that says what to check."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "status"
    head = f"HTTP {status} {phrase} from {url}"
    if status == 404:
        return f"{head} (check the URL in feeds.yaml; the partner may have moved the feed: try `newsletter sources discover`)"
    if status == 410:
        return f"{head}: the partner removed it for good; find the new address (`newsletter sources discover`) and update feeds.yaml"
    if status in (401, 403):
        return f"{head} (the site refuses us; ask the partner to allow the User-Agent TrekantNewsletter)"
    if status in (429, 503):
        return f"{head} (the server is busy or rate-limiting us; we try again next run)"
    if status >= 500:
        return f"{head} (the partner's server failed; usually temporary, tell the partner if it lasts)"
    return f"{head} (check the URL in feeds.yaml)"


GZIP_MAGIC = b"\x1f\x8b"


class _Inflater:
    """Content-Encoding decoder with a hard output limit.

    A body sent without Content-Encoding that starts with the gzip magic bytes (a
    misconfigured server serving ``feed.xml.gz``, or compressing twice) is inflated too, under
    the same cap (issue 8): no feed or page starts with 0x1f 0x8b.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # 32 + MAX_WBITS accepts both gzip and zlib headers; "deflate" is often either.
        self._z = zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding else None
        self._sniffing = not encoding
        self._head = b""

    def feed(self, chunk: bytes, room: int) -> bytes:
        """Decode ``chunk``; never returns more than ``room + 1`` bytes."""
        if self._sniffing:
            self._head += chunk
            if len(self._head) < len(GZIP_MAGIC):
                return b""
            chunk, self._head, self._sniffing = self._head, b"", False
            if chunk.startswith(GZIP_MAGIC):
                self.encoding = "gzip (undeclared)"
                self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)
        if self._z is None:
            return chunk[:room + 1]
        out = self._z.decompress(chunk, room + 1)
        # A gzip body may be several members back to back (RFC 1952 §2.2).
        while self._z.eof and self._z.unused_data and len(out) <= room:
            rest = self._z.unused_data
            self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)
            out += self._z.decompress(rest, room + 1 - len(out))
        return out

    def rest(self) -> bytes:
        """What is still held back at the end of the body (a body shorter than the magic)."""
        head, self._head = self._head, b""
        return head


class _Clock:
    """The per-source deadline, counted only while a request is in flight (issue 8).

    Waiting for a per-host slot does not count: a fast feed queued behind stalled ones on
    the same host is still fetched, and the queue time is reported apart (``queued_ms``).
    """

    def __init__(self, deadline: float) -> None:
        self.left = deadline
        self.timer: asyncio.Timeout | None = None
        self.queued_ms = 0
        self._since: float | None = None
        self._queued_since: float | None = None

    def queue(self) -> None:
        loop = asyncio.get_running_loop()
        if self._since is not None:
            self.left -= loop.time() - self._since
            self._since = None
        self._queued_since = loop.time()
        if self.timer is not None:
            self.timer.reschedule(None)

    def run(self) -> None:
        loop = asyncio.get_running_loop()
        if self._queued_since is not None:
            self.queued_ms += int((loop.time() - self._queued_since) * 1000)
            self._queued_since = None
        self._since = loop.time()
        if self.timer is not None:
            self.timer.reschedule(loop.time() + max(self.left, 0.0))


class Fetcher:
    """Fetches source URLs for one collect run. Use as ``async with Fetcher(cfg) as f``."""

    def __init__(self, cfg: CollectConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.cfg = cfg
        self._overall = asyncio.Semaphore(cfg.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._transport = transport
        # One connection pool per server, at most per_host connections each: httpcore's pool
        # scans all its connections for every waiting request whenever a response closes,
        # which with one shared pool of 200 connections cost more CPU than cleaning 10,000 items.
        # An injected transport (tests) is the whole network: one client for every host.
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._tls: ssl.SSLContext | None = None

    def _new_client(self, connections: int) -> httpx.AsyncClient:
        if self._tls is None:  # loading the CA bundle takes ~15 ms: once per run, not per server
            self._tls = httpx.create_ssl_context(trust_env=False)
        return httpx.AsyncClient(
            verify=self._tls,
            timeout=httpx.Timeout(self.cfg.read_timeout, connect=self.cfg.connect_timeout, pool=None),
            follow_redirects=False,
            headers={"User-Agent": user_agent(self.cfg.contact_url), "Accept": ACCEPT,
                     "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            transport=self._transport,
            trust_env=False,
        )

    def _client(self, url: str) -> httpx.AsyncClient:
        parts = urlsplit(url)
        key = "" if self._transport is not None else f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if key not in self._clients:
            connections = self.cfg.concurrency if self._transport is not None else self.cfg.per_host
            self._clients[key] = self._new_client(connections)
        return self._clients[key]

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._per_host:
            self._per_host[host] = asyncio.Semaphore(self.cfg.per_host)
        return self._per_host[host]

    async def fetch(self, key: str, url: str, *, etag: str | None = None,
                    last_modified: str | None = None) -> Fetched:
        """GET ``url`` (conditionally, when validators are given). Raises ``FetchError``."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            return await asyncio.to_thread(read_file, key, url, self.cfg.max_bytes, etag)
        if scheme not in ("http", "https"):
            raise FetchError(key, f"cannot fetch {url!r}: only http, https and file URLs are supported")
        async with self._overall:
            clock = _Clock(self.cfg.deadline)
            try:
                async with asyncio.timeout(None) as timer:
                    clock.timer = timer
                    fetched = await self._get(key, url, etag, last_modified, clock)
                    return replace(fetched, queued_ms=clock.queued_ms)
            except TimeoutError:
                waited = (f"; before that it waited {clock.queued_ms / 1000:.1f} s for a free connection to "
                          f"{urlsplit(url).netloc} (collect.per_host)") if clock.queued_ms >= 1000 else ""
                raise FetchError(key, f"no answer within {self.cfg.deadline:g} s (deadline) from {url}"
                                      f" (the site is very slow or hangs; try it in a browser){waited}") from None

    async def _get(self, key: str, url: str, etag: str | None, last_modified: str | None,
                   clock: _Clock) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        chain = [url]
        permanent = True
        current = url
        for _ in range(self.cfg.max_redirects + 1):
            # the per-host slot is taken for each hop's own server: a source that redirects to
            # another host counts against that host, not the one named in feeds.yaml
            clock.queue()
            async with self._host_limit(current):
                clock.run()
                client = self._client(current)
                request = client.build_request("GET", current, headers=headers)
                try:
                    response = await client.send(request, stream=True)
                except httpx.HTTPError as e:
                    raise network_error(key, current, e, self.cfg) from e
                try:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECT_STATUSES and location:
                        target = urljoin(current, location.strip())
                        if urlsplit(target).scheme not in ("http", "https"):
                            raise FetchError(key, f"{current} redirects to {target!r}, which is not an "
                                                  "http(s) URL", response.status_code)
                        permanent = permanent and response.status_code in (301, 308)
                        chain.append(target)
                        current = target
                        continue
                    fetched = await self._read(key, current, response)
                finally:
                    await response.aclose()
            moved = current if permanent and len(chain) > 1 else None
            return Fetched(fetched.status, fetched.body, fetched.headers, fetched.url,
                           fetched.etag, fetched.last_modified, fetched.bytes, moved)
        shown = " -> ".join(chain[:4]) + (" -> ..." if len(chain) > 4 else "")
        raise FetchError(key, f"more than {self.cfg.max_redirects} redirects (redirect loop?): {shown}"
                              " (open the URL in a browser; fix the URL in feeds.yaml)")

    async def _read(self, key: str, url: str, response: httpx.Response) -> Fetched:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        etag, last_modified = headers.get("etag"), headers.get("last-modified")
        if status == 304:
            return Fetched(304, b"", headers, url, etag, last_modified, 0)
        if status in (429, 503):
            now = datetime.now(UTC)
            until = parse_retry_after(headers.get("retry-after"), now)
            if until is not None:
                local = until.astimezone().strftime("%Y-%m-%d %H:%M")
                raise RetryLater(key, f"HTTP {status} {HTTPStatus(status).phrase} from {url}: the server "
                                      f"asks us to wait until {local}; skipped until then", status, until)
        if status == 410:
            raise SourceGone(key, http_problem(status, url), status)
        if status >= 400:
            raise FetchError(key, http_problem(status, url), status)
        if status >= 300 or status < 200:
            raise FetchError(key, f"HTTP {status} from {url} without a usable Location header", status)
        body, wire = await self._read_capped(key, url, response, headers.get("content-encoding", ""))
        return Fetched(status, body, headers, url, etag, last_modified, wire)

    async def _read_capped(self, key: str, url: str, response: httpx.Response,
                           content_encoding: str) -> tuple[bytes, int]:
        cap = self.cfg.max_bytes
        too_big = FetchError(key, f"response larger than {megabytes(cap)} cap from {url}"
                                  " (is this really a feed? if so, raise collect.max_bytes)",
                             response.status_code)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise too_big
        encoding = content_encoding.strip().lower()
        if encoding in ("identity", "none"):
            encoding = ""
        if encoding not in ("", "gzip", "x-gzip", "deflate"):
            raise FetchError(key, f"{url} answered with Content-Encoding {encoding!r}, which we did not ask for",
                             response.status_code)
        inflater = _Inflater(encoding)
        parts: list[bytes] = []
        size = wire = 0
        try:
            async for chunk in response.aiter_raw():
                wire += len(chunk)
                if wire > cap:
                    raise too_big
                out = inflater.feed(chunk, cap - size)
                size += len(out)
                if size > cap:
                    raise too_big
                parts.append(out)
            parts.append(inflater.rest())
        except zlib.error as e:
            raise FetchError(key, f"the body from {url} is not valid {inflater.encoding} ({e})",
                             response.status_code) from e
        except httpx.HTTPError as e:
            raise network_error(key, url, e, self.cfg) from e
        return b"".join(parts), wire


def network_error(key: str, url: str, e: httpx.HTTPError, cfg: CollectConfig) -> FetchError:
    """Turn an httpx transport error into a message that says what to check."""
    host = urlsplit(url).hostname or url
    text = str(e) or type(e).__name__
    if isinstance(e, httpx.ConnectTimeout):
        return NoConnection(key, f"could not connect to {host} within {cfg.connect_timeout:g} s (connect timeout);"
                                 " is the site up, and is this machine online?")
    if isinstance(e, httpx.ReadTimeout):
        return FetchError(key, f"{host} stopped sending for {cfg.read_timeout:g} s (read timeout) on {url}")
    if isinstance(e, httpx.TimeoutException):
        return FetchError(key, f"timed out talking to {host} on {url} ({text})")
    if isinstance(e, httpx.ConnectError):
        lowered = " ".join([text, *_causes(e)]).lower()
        if "name or service not known" in lowered or "nodename nor servname" in lowered \
                or "temporary failure in name resolution" in lowered or "no address" in lowered:
            # offline machines give the same answer as a mistyped host name (EAI_NONAME)
            return NoConnection(key, f"host {host} not found (DNS): check the spelling of the URL in "
                                     "feeds.yaml, and that this machine is online")
        if "network is unreachable" in lowered or "no route to host" in lowered:
            return NoConnection(key, f"no network route to {host} ({text}): is this machine online?")
        if "wrong version number" in lowered:
            return FetchError(key, f"{host} does not speak HTTPS on this port ({text}); is the URL http://?")
        if "certificate" in lowered or "ssl" in lowered:
            return FetchError(key, f"TLS/certificate problem with {host}: {text} (the partner must fix their certificate)")
        if "refused" in lowered:
            return FetchError(key, f"{host} refused the connection on {url}; is the site up?")
        return FetchError(key, f"could not connect to {host}: {text}")
    if isinstance(e, httpx.RemoteProtocolError):
        return FetchError(key, f"{host} broke the connection or sent invalid HTTP on {url} ({text})")
    return FetchError(key, f"network error talking to {host} on {url}: {text}")


def _causes(e: BaseException) -> list[str]:
    """The messages of the exceptions below ``e`` (httpx hides "connection refused" there)."""
    found: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [e.__cause__, e.__context__]
    while todo and len(found) < 10:
        inner = todo.pop()
        if inner is None or id(inner) in seen:
            continue
        seen.add(id(inner))
        found.append(f"{type(inner).__name__} {inner}")
        todo += [inner.__cause__, inner.__context__]
        todo += list(getattr(inner, "exceptions", ()))
    return found


def read_file(key: str, url: str, cap: int, etag: str | None = None) -> Fetched:
    """A ``file://`` source: the local file, same size cap, no HTTP. Its ETag is its
    modification time and size, so an unchanged file costs no parsing either."""
    path = Path(unquote(urlsplit(url).path))
    try:
        stat = path.stat()
        own_etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        if etag and etag == own_etag:
            return Fetched(304, b"", {}, url, own_etag, None, 0)
        if stat.st_size > cap:
            raise FetchError(key, f"file {path} is larger than the {megabytes(cap)} cap")
        with path.open("rb") as f:
            body = f.read(cap + 1)
    except FileNotFoundError:
        raise FetchError(key, f"file not found: {path} (check the path in feeds.yaml; relative paths "
                              "are relative to feeds.yaml)") from None
    except OSError as e:
        raise FetchError(key, f"cannot read {path}: {e.strerror or e}") from e
    if len(body) > cap:
        raise FetchError(key, f"file {path} is larger than the {megabytes(cap)} cap")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"content-type": content_type, "content-location": url,
               "last-modified": formatdate(stat.st_mtime, usegmt=True)}
    return Fetched(200, body, headers, url, own_etag, None, len(body))

