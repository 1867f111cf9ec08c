"""Web security shared by every audience: headers (CSP without inline scripts, no framing),
signed double-submit CSRF tokens, and a per-IP rate limit."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # tokens live in our URLs: never send them on to another site
    (b"referrer-policy", b"no-referrer"),
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


class RateLimiter:
    """At most ``limit`` hits per ``window`` seconds per key (client IP), in memory.

    One process holds the counts: enough for one uvicorn worker. Behind a proxy, start
    ``serve --proxy-headers`` so the key is the visitor, not the proxy."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[k]
            return True
