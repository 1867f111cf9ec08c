"""archive: a static site of sent issues (index, one page per issue, an Atom feed per newsletter).

The pages are the stored web versions; the site is written to a temp folder and swapped in,
so a web server never serves half an archive. Served at ``BASE_URL/arkiv/``.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.render.context import archive_path, web_url
from newsletter.render.email import render_template
from newsletter.render.env import date_long, environment_for, gettext_for


def build_archive(db: Database, config: Config, out: Path) -> list[Path]:
    from newsletter.render import rendered_for_send

    env = environment_for(config)
    base = f"{config.settings.base_url}/arkiv/"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    written: list[str] = []
    newsletters: list[dict[str, Any]] = []
    for newsletter in config.newsletters:
        with db.connect() as conn:
            sent = q.list_issues(conn, newsletter.key, status="sent")
        entries = []
        for issue in sent:
            rendered = rendered_for_send(db, config, issue.id)
            path = archive_path(issue)
            (tmp / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp / path).write_text(rendered.web_html, encoding="utf-8")
            written.append(path)
            entries.append({"subject": issue.subject, "preheader": issue.preheader, "path": path,
                            "url": web_url(config, issue), "week": issue.iso_week, "year": issue.iso_year,
                            "date": date_long(issue.issue_date, newsletter.language),
                            "updated": (issue.sent_at or issue.updated_at).astimezone(UTC).isoformat()})
        feed_context = {"newsletter": {"key": newsletter.key, "name": newsletter.name},
                        "brand": {"name": config.brand.name, "website": config.brand.website},
                        "feed_url": f"{base}{newsletter.key}/feed.atom", "archive_url": base,
                        "updated": entries[0]["updated"] if entries else datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
                        "entries": entries}
        feed = render_template(env, "web/feed.atom.j2", feed_context, f"archive {newsletter.key}")
        (tmp / newsletter.key).mkdir(parents=True, exist_ok=True)
        (tmp / newsletter.key / "feed.atom").write_text(feed, encoding="utf-8")
        written.append(f"{newsletter.key}/feed.atom")
        newsletters.append({"key": newsletter.key, "name": newsletter.name, "issues": entries,
                            "feed": f"{newsletter.key}/feed.atom"})
    brand = config.brand
    index_context = {"_": gettext_for("da"), "language": "da", "newsletters": newsletters,
                     "brand": {"name": brand.name, "organisation": brand.organisation,
                               "colors": brand.colors.model_dump(), "font_family": brand.font_family,
                               "logo_url": brand.logo_url, "logo_alt": brand.logo_alt,
                               "website": brand.website, "contact_email": brand.contact_email},
                     "subscribe_url": f"{config.settings.base_url}/tilmeld"}
    (tmp / "index.html").write_text(render_template(env, "web/archive_index.html.j2", index_context, "archive"),
                                    encoding="utf-8")
    written.append("index.html")
    old = out.with_name(f".{out.name}.old")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return [out / p for p in written]
