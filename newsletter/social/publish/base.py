"""The one interface every publisher implements, and the HTTP call they share (issue 10).

A publisher turns one approved post into one post on its network (or one webhook call). It
never touches the database: ``publish_due`` records 'publishing' before calling it and
'posted' after, like the outbox records 'sending' and 'sent'.

``idempotent_for`` says how long after a first attempt the same post may be sent again without
making a second copy: Mastodon keeps an ``Idempotency-Key`` for about an hour; Bluesky posts
are written under a record key fixed per post, so a retry finds the first one; LinkedIn and a
webhook have nothing like it (``None``), so a post caught mid-request is held as 'unknown' for
a person to check, never sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from newsletter.errors import PublishError, TemporaryPublishError
from newsletter.models import SocialPost

USER_AGENT = "newsletter-social/1 (Danmarks Produktionscentrum)"
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str = ""


class MaybeSent(TemporaryPublishError):
    """The request may have reached the network (timeout, connection lost after sending)."""


class Publisher(Protocol):
    network: str
    idempotent_for: timedelta | None

    def publish(self, post: SocialPost) -> Published: ...

    def close(self) -> None: ...


def _retry_after(response: httpx.Response, fallback: float) -> float:
    value = response.headers.get("retry-after", "")
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return fallback
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER))


def _reply(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code}: {text[:300]}" if text else f"HTTP {response.status_code}"


def send(client: httpx.Client, network: str, method: str, url: str, *, retries: int, backoff: float,
         sleep: Callable[[float], None] = time.sleep, safe_to_repeat: bool = True,
         **kwargs: Any) -> httpx.Response:
    """One request, retried with exponential backoff on connection errors, timeouts, 429 and 5xx.

    Raises ``PublishError`` for a refusal (other 4xx), ``TemporaryPublishError`` when the
    retries ran out and nothing was received, ``MaybeSent`` when the last try may have been.
    Without ``safe_to_repeat`` (no idempotency key) only what surely did not arrive is retried
    (no connection, 429, 503); a timeout or another 5xx stops at once with ``MaybeSent``.
    """
    last: TemporaryPublishError | None = None
    wait = backoff
    for attempt in range(retries + 1):
        if attempt:
            sleep(wait)
            wait = backoff * 2 ** attempt
        try:
            response = client.request(method, url, **kwargs)
        except httpx.ConnectError as e:  # never reached the server: nothing was sent
            last = TemporaryPublishError(network, f"cannot connect to {url}: {e}")
            continue
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
            last = MaybeSent(network, f"no answer from {url}: {type(e).__name__} {e}")
            if not safe_to_repeat:
                raise last from e
            continue
        if response.status_code < 400:
            return response
        if response.status_code >= 500 and response.status_code != 503 and not safe_to_repeat:
            raise MaybeSent(network, f"{url} said {_reply(response)}")
        if response.status_code == 429 or response.status_code >= 500:
            last = TemporaryPublishError(network, f"{url} said {_reply(response)}")
            wait = max(wait, _retry_after(response, wait))
            continue
        raise PublishError(network, f"{url} refused the post: {_reply(response)}")
    assert last is not None
    raise last


def client(timeout: float, headers: Mapping[str, str] | None = None) -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                        headers={"User-Agent": USER_AGENT, **(headers or {})}, follow_redirects=False)


class HttpPublisher:
    """What every HTTP publisher shares: one client with the network's headers, requests
    retried as ``send`` says, and ``close``. A publisher sets ``network`` and calls
    ``super().__init__`` with its timeout and retry settings."""

    network: str

    def __init__(self, *, timeout: float, retries: int, backoff: float, sleep: Callable[[float], None],
                 headers: Mapping[str, str] | None = None) -> None:
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.http = client(timeout, headers)

    def request(self, method: str, url: str, *, safe_to_repeat: bool = True, **kwargs: Any) -> httpx.Response:
        return send(self.http, self.network, method, url, retries=self.retries, backoff=self.backoff,
                    sleep=self.sleep, safe_to_repeat=safe_to_repeat, **kwargs)

    def close(self) -> None:
        self.http.close()


def json_of(network: str, response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as e:
        raise PublishError(network, f"the answer was not JSON: {_reply(response)}") from e
    if not isinstance(data, dict):
        raise PublishError(network, f"the answer was not a JSON object: {_reply(response)}")
    return data
