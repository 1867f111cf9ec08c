"""Links: only http(s) and mailto (plus our %%placeholders%%); optionally check each URL answers."""

from __future__ import annotations

import asyncio
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
            findings.append(Finding("scheme", "error", f"link is not http(s): {url[:120] or '(empty)'}"))
    return findings


def check_online(doc: Any, *, timeout: float = 10.0, concurrency: int = 8) -> list[Finding]:
    targets = [u for u in dict.fromkeys(urls(doc)) if urlsplit(u).scheme in ("http", "https")]
    return asyncio.run(_check_all(targets, timeout, concurrency))


async def _check_all(targets: list[str], timeout: float, concurrency: int) -> list[Finding]:
    limit = asyncio.Semaphore(concurrency)
    headers = {"User-Agent": "trekant-newsletter-linkcheck/1.0"}
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True, headers=headers) as client:
        results = await asyncio.gather(*(_check_one(client, limit, url) for url in targets))
    return [f for f in results if f is not None]


async def _check_one(client: httpx.AsyncClient, limit: asyncio.Semaphore, url: str) -> Finding | None:
    async with limit:
        try:
            response = await client.head(url)
            if response.status_code in (403, 405, 501) or response.status_code >= 400:
                # many servers refuse HEAD; ask again with GET before calling the link broken
                async with client.stream("GET", url) as streamed:
                    response = streamed
        except httpx.HTTPError as e:
            return Finding("link", "error", f"{url[:160]}: {type(e).__name__} {e}".strip())
    if response.status_code >= 400:
        return Finding("link", "error", f"{url[:160]}: HTTP {response.status_code}")
    return None
