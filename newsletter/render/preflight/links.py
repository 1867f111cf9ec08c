"""Links: only http(s) and mailto (plus our %%placeholders%%); optionally check each URL answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from newsletter.render.placeholders import PATTERN
from newsletter.render.preflight import Finding


def urls(doc: Any) -> list[str]:
    found = [a.get("href") or "" for a in doc.iter("a")]
    found += [img.get("src") or "" for img in doc.iter("img")]
    return found


def check(doc: Any, html: str) -> list[Finding]:
    findings = []
    for url in dict.fromkeys(urls(doc)):
        if PATTERN.fullmatch(url):
            continue
        scheme = urlsplit(url).scheme.lower() if url else ""
        if scheme not in ("http", "https", "mailto"):
            findings.append(Finding("scheme", "error", "scheme.not_http", {"url": url[:120]}) if url
                            else Finding("scheme", "error", "scheme.empty"))
    return findings


def check_online(doc: Any, *, timeout: float = 10.0, concurrency: int = 8, web_url: str = "") -> list[Finding]:
    """Ask every http(s) link and image; ``web_url`` (the issue's own web version, which is
    published only when the first message goes out) is not asked."""
    targets = [u for u in dict.fromkeys(urls(doc))
               if urlsplit(u).scheme in ("http", "https") and u != web_url]
    if not targets:
        return []
    results = asyncio.run(_check_all(targets, timeout, concurrency))
    unreachable = [r for r in results if r.unreachable]
    if len(unreachable) == len(results):
        # nothing answered at all: this machine is offline (or has no DNS), not every partner
        first = unreachable[0]
        return [Finding("link", "warning", "link.offline",
                        {"count": len(results), "url": first.url[:80], "error": first.error})]
    return [Finding("link", "error", "link.broken", {"url": r.url[:160], "error": r.error})
            for r in results if r.error]


@dataclass(frozen=True)
class _Result:
    url: str
    error: str = ""  # "" when the link answered
    unreachable: bool = False  # no connection at all (DNS, refused, no route, connect timeout)


async def _check_all(targets: list[str], timeout: float, concurrency: int) -> list[_Result]:
    limit = asyncio.Semaphore(concurrency)
    headers = {"User-Agent": "trekant-newsletter-linkcheck/1.0"}
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True, headers=headers) as client:
        return list(await asyncio.gather(*(_check_one(client, limit, url) for url in targets)))


async def _check_one(client: httpx.AsyncClient, limit: asyncio.Semaphore, url: str) -> _Result:
    async with limit:
        try:
            response = await client.head(url)
            if response.status_code in (403, 405, 501) or response.status_code >= 400:
                # many servers refuse HEAD; ask again with GET before calling the link broken
                async with client.stream("GET", url) as streamed:
                    response = streamed
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            return _Result(url, f"{type(e).__name__} {e}".strip(), unreachable=True)
        except httpx.HTTPError as e:
            return _Result(url, f"{type(e).__name__} {e}".strip())
    if response.status_code >= 400:
        return _Result(url, f"HTTP {response.status_code}")
    return _Result(url)
