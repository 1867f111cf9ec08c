"""archive: a static site of sent issues (index, one page per issue, an Atom feed per newsletter).

An issue is in it from the moment its first message went out (``is_published``), not only
once every row of the send run has reached its final state.

The pages are the stored web versions; the site is written to a temp folder and swapped in,
so a web server never serves half an archive. Served at ``BASE_URL/arkiv/``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment
from sqlalchemy import Connection

from newsletter.config import Config, NewsletterConfig
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.db import outbox as outbox_q
from newsletter.models import Issue
from newsletter.render.context import archive_path, web_url
from newsletter.render.email import render_template
from newsletter.render.env import date_long, environment_for, gettext_for

ARCHIVE_NAME = re.compile(r"(\d{4})-uge-(\d{2})\.html")
NO_ISSUES_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def parse_archive_name(name: str) -> tuple[int, int] | None:
    """``2026-uge-48.html`` -> (2026, 48): the file name ``archive_path`` gives an issue."""
    match = ARCHIVE_NAME.fullmatch(name)
    if match is None or not 1 <= int(match.group(2)) <= 53:
        return None
    return int(match.group(1)), int(match.group(2))


def archive_entry(config: Config, issue: Issue, language: str, link_base: str = "") -> dict[str, Any]:
    """One sent issue in the index and the feed; ``path`` is ``link_base`` + its archive path."""
    return {"subject": issue.subject, "preheader": issue.preheader, "path": link_base + archive_path(issue),
            "url": web_url(config, issue), "week": issue.iso_week, "year": issue.iso_year,
            "date": date_long(issue.issue_date, language),
            "updated": (issue.sent_at or issue.updated_at).astimezone(UTC).isoformat()}


def feed_document(env: Environment, config: Config, newsletter: NewsletterConfig,
                  entries: list[dict[str, Any]]) -> str:
    """The Atom feed of a newsletter's sent issues (entries newest first)."""
    base = f"{config.settings.base_url}/arkiv/"
    context = {"newsletter": {"key": newsletter.key, "name": newsletter.name},
               "brand": {"name": config.brand.name, "website": config.brand.website},
               "feed_url": f"{base}{newsletter.key}/feed.atom", "archive_url": base,
               "updated": entries[0]["updated"] if entries else NO_ISSUES_UPDATED.isoformat(),
               "entries": entries}
    return render_template(env, "web/feed.atom.j2", context, f"archive {newsletter.key}")


def index_document(env: Environment, config: Config, newsletters: list[dict[str, Any]],
                   language: str = "da") -> str:
    """The archive front page; ``newsletters`` as the template documents them."""
    brand = config.brand
    context = {"_": gettext_for(language), "language": language, "newsletters": newsletters,
               "brand": {"name": brand.name, "organisation": brand.organisation,
                         "colors": brand.colors.model_dump(), "font_family": brand.font_family,
                         "logo_url": brand.logo_url, "logo_alt": brand.logo_alt,
                         "website": brand.website, "contact_email": brand.contact_email},
               "subscribe_url": f"{config.settings.base_url}/tilmeld"}
    return render_template(env, "web/archive_index.html.j2", context, "archive")


SAMPLE_PATHS = {"unsubscribe": "/eksempel/afmeld", "preferences": "/eksempel/indstillinger"}


def sample_document(env: Environment, config: Config, kind: str, language: str = "da") -> str:
    """The page the personal links of a preview or [TEST] mail lead to: it acts on nobody."""
    brand = config.brand
    base = config.settings.base_url
    context = {"_": gettext_for(language), "language": language, "kind": kind,
               "brand": {"name": brand.name, "organisation": brand.organisation,
                         "colors": brand.colors.model_dump(), "font_family": brand.font_family,
                         "logo_url": brand.logo_url, "logo_alt": brand.logo_alt,
                         "website": brand.website, "contact_email": brand.contact_email},
               "archive_url": f"{base}/arkiv/", "subscribe_url": f"{base}/tilmeld"}
    return render_template(env, "web/sample.html.j2", context, "sample page")


# outbox row statuses that mean a message may already be in someone's inbox
REACHED = ("sending", "sent", "unknown")


def is_published(conn: Connection, issue: Issue) -> bool:
    """An issue is public from the moment its first message goes out (issue 8): every email
    links its web version, so that link must work for the first reader, not only after the
    last retry of the run has finished and the issue is marked sent."""
    if issue.status == "sent":
        return True
    if issue.status != "queued":
        return False
    return any(c.count and c.status in REACHED for c in outbox_q.counts(conn, issue.id))


def published_issues(db: Database, newsletter_key: str) -> list[Issue]:
    """The newsletter's public issues, newest first: sent, or queued with a message out."""
    with db.connect() as conn:
        return [i for i in q.list_issues(conn, newsletter_key) if is_published(conn, i)]


def sent_web_html(db: Database, config: Config, issue: Issue) -> str:
    """The web version of a sent issue as it was stored when it went out.

    Marking an issue queued or sent touches it, so ``rendered_for_send`` would render it anew
    (with today's templates); the archive shows what subscribers got instead.
    """
    from newsletter.render import render

    with db.connect() as conn:
        stored = q.latest_render(conn, issue.id)
        if stored is not None:
            return str(stored["web_html"])
        placed = q.issue_items_full(conn, issue.id)
    # no stored render (renders are pruned per issue, never all): render, don't store
    return render(config, issue, placed).rendered.web_html


def build_archive(db: Database, config: Config, out: Path) -> list[Path]:

    env = environment_for(config)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    tmp.chmod(0o755 & ~_umask())  # mkdtemp makes 0700; a web server (another user) serves this folder
    written: list[str] = []
    newsletters: list[dict[str, Any]] = []
    for newsletter in config.newsletters:
        sent = published_issues(db, newsletter.key)
        entries = []
        for issue in sent:
            path = archive_path(issue)
            (tmp / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp / path).write_text(sent_web_html(db, config, issue), encoding="utf-8")
            written.append(path)
            entries.append(archive_entry(config, issue, newsletter.language))
        feed = feed_document(env, config, newsletter, entries)
        (tmp / newsletter.key).mkdir(parents=True, exist_ok=True)
        (tmp / newsletter.key / "feed.atom").write_text(feed, encoding="utf-8")
        written.append(f"{newsletter.key}/feed.atom")
        newsletters.append({"key": newsletter.key, "name": newsletter.name, "issues": entries,
                            "feed": f"{newsletter.key}/feed.atom"})
    (tmp / "index.html").write_text(index_document(env, config, newsletters), encoding="utf-8")
    written.append("index.html")
    old = out.with_name(f".{out.name}.old")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return [out / p for p in written]
