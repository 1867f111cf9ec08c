"""Approved posts out of the tool as a file: Buffer's and Hootsuite's bulk-upload CSV, or JSON
(issue 10).

- Buffer (bulk upload): a header row ``Text,Image URL,Tags,Posting Time``; the time as
  ``YYYY-MM-DD HH:mm`` (24-hour) in the channel's time zone, which is Danish time here. One
  file per channel: Buffer asks which channel a file is for when it is uploaded.
- Hootsuite (bulk composer): no header row; three columns, date and time, message, link; the
  time as ``dd/mm/yyyy HH:mm`` (24-hour, the day-first format chosen at upload), in the future
  and on a minute that ends in 0 or 5. One social profile per file. The link is already in
  the message, so the link column stays empty (Hootsuite would add it a second time).
- JSON: every field, for scripts, Zapier/Make and the webhook's receivers.

Only approved posts are exported, and each is marked ``exported`` with the time, so it is not
exported twice or also published directly. Files are written to a temporary file and moved
into place, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from newsletter.db import Database
from newsletter.db import issues as iq
from newsletter.db import social as q
from newsletter.db.types import utcnow
from newsletter.errors import SocialError
from newsletter.models import SocialPost
from newsletter.social.networks import measure

FORMATS = ("buffer", "hootsuite", "json")
BUFFER_COLUMNS = ("Text", "Image URL", "Tags", "Posting Time")
BUFFER_TIME = "%Y-%m-%d %H:%M"
HOOTSUITE_TIME = "%d/%m/%Y %H:%M"
HOOTSUITE_LEAD = timedelta(minutes=10)
CPH = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class ExportReport:
    path: Path
    format: str
    posts: tuple[int, ...]


def _local(value: datetime | None) -> datetime:
    if value is None:
        raise SocialError("a post has no planned time; give it one with `newsletter social edit ID --at`")
    return value.astimezone(CPH)


def buffer_csv(posts: Sequence[SocialPost]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BUFFER_COLUMNS)
    for post in posts:
        writer.writerow([post.text, post.image_url, "", _local(post.planned_at).strftime(BUFFER_TIME)])
    return out.getvalue()


def hootsuite_csv(posts: Sequence[SocialPost], now: datetime) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for post in posts:
        at = _local(post.planned_at)
        if at.minute % 5 or at.second:
            raise SocialError(f"post {post.id}: Hootsuite takes times on a minute ending in 0 or 5, "
                              f"not {at:%H:%M}; change it with `newsletter social edit {post.id} --at`")
        if at < now + HOOTSUITE_LEAD:
            raise SocialError(f"post {post.id}: Hootsuite takes times at least 10 minutes ahead, "
                              f"not {at:%d/%m/%Y %H:%M}; change it with `newsletter social edit {post.id} --at`")
        writer.writerow([at.strftime(HOOTSUITE_TIME), post.text, ""])
    return out.getvalue()


def as_json(posts: Sequence[SocialPost], now: datetime) -> str:
    rows: list[dict[str, Any]] = []
    for post in posts:
        counted = measure(post.network, post.text)
        rows.append({
            "id": post.id, "issue_id": post.issue_id, "network": post.network, "subject": post.subject,
            "text": post.text, "link": post.link, "title": post.title, "description": post.description,
            "image_url": post.image_url,
            "planned_at": post.planned_at.astimezone(CPH).isoformat() if post.planned_at else None,
            "approved_by": post.approved_by,
            "approved_at": post.approved_at.isoformat() if post.approved_at else None,
            "count": counted.count, "limit": counted.limit})
    return json.dumps({"exported_at": now.isoformat(), "posts": rows}, ensure_ascii=False, indent=2) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and move it into place (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(db: Database, fmt: str, path: Path, by: str, *, network: str | None = None,
           issue_id: int | None = None, now: datetime | None = None) -> ExportReport:
    """Write the approved, not yet exported posts to ``path`` and mark them exported."""
    if fmt not in FORMATS:
        raise SocialError(f"unknown export format {fmt!r}; choose {', '.join(FORMATS)}")
    now = now or utcnow()
    # Marked exported and written in one transaction: a publisher can no longer take these
    # posts, and if the file cannot be written nothing is marked.
    with db.begin() as conn:
        found = [p for p in q.list_posts(conn, issue_id=issue_id, status=["approved"], network=network)
                 if p.approved]
        if not found:
            raise SocialError("no approved posts to export (approve with `newsletter social approve`)")
        held = sorted({p.issue_id for p in found if q.issue_status(conn, p.issue_id) not in q.ISSUE_RELEASED})
        if held:
            raise SocialError(f"issue {', '.join(map(str, held))} is not approved yet; approve the issue "
                              "(`newsletter approve N`) before its posts leave the tool")
        networks = sorted({p.network for p in found})
        if fmt != "json" and len(networks) > 1:
            raise SocialError(f"{fmt.capitalize()} takes one channel per file; add --network "
                              f"(approved posts are for {', '.join(networks)})")
        posts = [p for p in found if q.transition(conn, p.id, ["approved"], "exported", exported_at=now)]
        if fmt == "buffer":
            text = buffer_csv(posts)
        elif fmt == "hootsuite":
            text = hootsuite_csv(posts, now)
        else:
            text = as_json(posts, now)
        write_atomic(path, text)
        for post in posts:
            iq.audit(conn, by, "export", "social_post", post.id, {"format": fmt, "file": path.name})
    return ExportReport(path, fmt, tuple(p.id for p in posts))
