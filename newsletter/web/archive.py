"""The public archive of SENT issues at ``/arkiv/`` (the "Se webversionen" link of every email):
the front page, an index per newsletter, one page per issue (its stored web render) and the
newsletter's Atom feed. An issue is public from the moment its first message goes out
(``render.archive.is_published``); drafts, approved issues and queued ones not yet sending are
404, the same as a week that never existed. Also the two pages the personal links of a preview or [TEST] mail lead to. Built from the database on each request with the same functions as
``newsletter archive build`` (``newsletter.render.archive``), so the two never differ.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from newsletter.config import Config, NewsletterConfig
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.models import Issue
from newsletter.render.archive import (
    SAMPLE_PATHS,
    archive_entry,
    feed_document,
    index_document,
    is_published,
    parse_archive_name,
    published_issues,
    sample_document,
    sent_web_html,
)
from newsletter.render.env import environment_for

PREFIX = "/arkiv/"
CACHE = "public, max-age=300"
STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)


def page_csp(html: str) -> str:
    """The web version carries its brand CSS in a ``<style>`` block (it is also a standalone
    file); allow exactly those blocks by hash instead of loosening the site-wide policy."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in STYLE_BLOCK.findall(html))
    styles = hashes or "'none'"
    return (f"default-src 'none'; style-src {styles}; img-src https: data:; "
            "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


def routes(config: Config, db: Database) -> list[Route]:
    env = environment_for(config)

    def newsletter_or_404(key: str) -> NewsletterConfig:
        for newsletter in config.newsletters:
            if newsletter.key == key:
                return newsletter
        raise HTTPException(404)

    def sent_issues(key: str) -> list[Issue]:
        return published_issues(db, key)

    def listing(newsletter: NewsletterConfig) -> dict[str, Any]:
        entries = [archive_entry(config, issue, newsletter.language, PREFIX)
                   for issue in sent_issues(newsletter.key)]
        return {"key": newsletter.key, "name": newsletter.name, "issues": entries,
                "feed": f"{PREFIX}{newsletter.key}/feed.atom"}

    def html_page(html: str) -> Response:
        return HTMLResponse(html, headers={"Cache-Control": CACHE, "Content-Security-Policy": page_csp(html)})

    async def front(request: Request) -> Response:
        newsletters = await run_in_threadpool(lambda: [listing(n) for n in config.newsletters])
        return html_page(index_document(env, config, newsletters))

    async def newsletter_index(request: Request) -> Response:
        newsletter = newsletter_or_404(request.path_params["key"])
        one = await run_in_threadpool(listing, newsletter)
        return html_page(index_document(env, config, [one], newsletter.language))

    async def feed(request: Request) -> Response:
        newsletter = newsletter_or_404(request.path_params["key"])
        issues = await run_in_threadpool(sent_issues, newsletter.key)
        entries = [archive_entry(config, issue, newsletter.language) for issue in issues]
        return Response(feed_document(env, config, newsletter, entries),
                        media_type="application/atom+xml; charset=utf-8", headers={"Cache-Control": CACHE})

    def web_html(key: str, year: int, week: int) -> str | None:
        with db.connect() as conn:
            issue = q.find_issue(conn, key, year, week)
            if issue is None or not is_published(conn, issue):
                return None
        return sent_web_html(db, config, issue)

    async def issue_page(request: Request) -> Response:
        newsletter = newsletter_or_404(request.path_params["key"])
        parsed = parse_archive_name(request.path_params["name"])
        if parsed is None:
            raise HTTPException(404)
        html = await run_in_threadpool(web_html, newsletter.key, *parsed)
        if html is None:
            raise HTTPException(404)
        return html_page(html)

    def sample(kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            language = "en" if request.query_params.get("lang") == "en" else "da"
            return html_page(sample_document(env, config, kind, language))
        return page

    async def add_slash(request: Request) -> Response:
        return RedirectResponse(request.url.path + "/", status_code=308)

    return [
        Route("/arkiv", add_slash, methods=["GET", "HEAD"]),
        Route("/arkiv/", front, methods=["GET", "HEAD"]),
        Route("/arkiv/index.html", front, methods=["GET", "HEAD"]),
        Route("/arkiv/{key}", add_slash, methods=["GET", "HEAD"]),
        Route("/arkiv/{key}/", newsletter_index, methods=["GET", "HEAD"]),
        Route("/arkiv/{key}/feed.atom", feed, methods=["GET", "HEAD"]),
        Route("/arkiv/{key}/{name}", issue_page, methods=["GET", "HEAD"]),
        # where the personal links of a preview or [TEST] mail lead (render.example_values)
        # (POST: a mail client's RFC 8058 one-click request to a [TEST] mail's List-Unsubscribe)
        *(Route(path, sample(kind), methods=["GET", "HEAD", "POST"]) for kind, path in SAMPLE_PATHS.items()),
    ]
