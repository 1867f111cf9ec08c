"""Web security shared by every audience: a cap on request bodies, headers (CSP without inline
scripts, no framing), signed double-submit CSRF tokens, an Origin/Referer check on POSTs, and a
per-IP rate limit kept in the database."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsletter.db import Database
from newsletter.db import subscribers as q
from newsletter.db.types import utcnow

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # tokens live in our URLs: never send them on to another site. Not "no-referrer": with it,
    # browsers send "Origin: null" on our own form POSTs, and OriginCheck needs the real one.
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware adding the headers above (and HSTS on https) to every response."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = HEADERS + ([(b"strict-transport-security", b"max-age=31536000")] if https else [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (n, v) for n, v in self.headers if n not in existing]
            await send(message)

        await self.app(scope, receive, send_with_headers)


DEFAULT_BODY_BYTES = 1024 * 1024

TOO_LARGE = (b"Formularen er for stor til at blive modtaget.\n"
             b"The request is too large to be accepted.\n")


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a body passes its cap; ``BodyLimit`` answers 413."""


class BodyLimit:
    """ASGI middleware capping request bodies before they are read (issue 8 §6): a
    Content-Length over the cap gets 413 at once, without reading a byte of the body; a body
    without one (chunked) is counted as it arrives and cut off with 413 at the cap. So twelve
    parallel 100 MB posts cost twelve times the cap, not 1.2 GB, and no form parser, CSRF check
    or rate limit sees them. ``limit_for(path)`` gives each path its cap."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int] | None = None) -> None:
        self.app = app
        self.limit_for = limit_for or (lambda _path: DEFAULT_BODY_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if length is not None and (not length.strip().isdigit() or int(length) > limit):
            await self._too_large(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(f"request body over {limit} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(send)

    @staticmethod
    async def _too_large(send: Send) -> None:
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(TOO_LARGE)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": TOO_LARGE})


class Csrf:
    """Signed double-submit token: a random value signed with SECRET_KEY, in a cookie and in
    each form; a POST must carry both, equal and validly signed."""

    COOKIE = "nl_csrf"
    FIELD = "csrf"

    def __init__(self, secret: str, secure: bool) -> None:
        self.serializer = URLSafeSerializer(secret, salt="newsletter.csrf")
        self.secure = secure

    def _valid(self, token: str | None) -> bool:
        if not token:
            return False
        try:
            self.serializer.loads(token)
        except BadSignature:
            return False
        return True

    def token(self, request: Request) -> str:
        token = getattr(request.state, "csrf", None)
        if token is None:
            cookie = request.cookies.get(self.COOKIE)
            token = cookie if self._valid(cookie) else self.serializer.dumps(secrets.token_hex(16))
            request.state.csrf = token
        return str(token)

    def set_cookie(self, request: Request, response: Response) -> None:
        token = getattr(request.state, "csrf", None)
        if token and token != request.cookies.get(self.COOKIE):
            response.set_cookie(self.COOKIE, token, httponly=True, samesite="lax", secure=self.secure, path="/")

    def check(self, request: Request, submitted: str | None) -> bool:
        cookie = request.cookies.get(self.COOKIE)
        return bool(cookie and submitted and secrets.compare_digest(cookie, submitted) and self._valid(cookie))


def within_limit(hits: int, previous: int, elapsed: float, limit: int) -> bool:
    """Sliding-window estimate from two fixed windows: this window's hits (this one included)
    plus the previous window's, weighted by how much of it still lies within one window of now
    (``elapsed``: the fraction of this window gone, 0..1). No burst of 2x at a boundary."""
    return hits + previous * (1.0 - elapsed) <= limit


class RateLimiter:
    """At most about ``limit`` hits per ``window`` seconds per key (the client IP), counted in
    the database so every uvicorn worker and every server shares the count.

    Refused hits count too: a client that keeps hammering stays refused until it slows down.
    Behind a proxy, start ``serve --proxy-headers`` so the key is the visitor, not the proxy."""

    def __init__(self, db: Database, limit: int, window: float) -> None:
        self.db = db
        self.limit = limit
        self.window = window

    def allow(self, key: str, now: datetime | None = None) -> bool:
        now = now or utcnow()
        seconds = now.timestamp()
        start = seconds - seconds % self.window
        current = datetime.fromtimestamp(start, UTC)
        previous = datetime.fromtimestamp(start - self.window, UTC)
        with self.db.begin() as conn:
            hits = q.record_hit(conn, key[:100], current)
            before = q.hits_in(conn, key[:100], previous)
            q.prune_hits(conn, previous)
        return within_limit(hits, before, (seconds - start) / self.window, self.limit)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class OriginCheck:
    """A state-changing POST must come from a page of ours: its ``Origin`` (or, when a browser
    sends none or ``null``, its ``Referer``) is BASE_URL's origin or the request's own. This is
    on top of the CSRF token, not instead of it. Our pages send ``Referrer-Policy: same-origin``,
    so our own forms always carry both headers. The RFC 8058 one-click POST is exempt (mail
    providers send it from their servers, with neither header)."""

    def __init__(self, base_url: str) -> None:
        self.base = origin_of(base_url)

    def allowed(self, request: Request) -> bool:
        trusted = {self.base, origin_of(str(request.base_url))}
        origin = request.headers.get("origin", "").strip().lower()
        if origin and origin != "null":
            return origin in trusted
        referer = request.headers.get("referer", "")
        return bool(referer) and origin_of(referer) in trusted
