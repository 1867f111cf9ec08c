"""The social stage over the database: draft, list, edit, approve (issue 10).

The CLI, the team's web workspace and the scheduler call these; none of them knows who
called it. Every change is written to ``audit_log`` (object type ``social_post``) with who
made it; approval records who and when, and nothing is exported or published without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as iq
from newsletter.db import social as q
from newsletter.db.types import utcnow
from newsletter.errors import NotFound, SocialError
from newsletter.media import ensure_cards
from newsletter.models import SocialPost
from newsletter.social.compose import compose_posts, tidy
from newsletter.social.networks import Measure, measure

EDITABLE = ("draft", "approved")
MAX_TEXT = 70_000


@dataclass(frozen=True)
class DraftReport:
    issue_id: int
    added: int
    refreshed: int
    kept: int
    removed: int
    shortened: tuple[str, ...]
    skipped: tuple[str, ...]
    posts: tuple[SocialPost, ...]


@dataclass(frozen=True)
class PostView:
    """A post with its count, as the team sees it (CLI table, web workspace)."""

    post: SocialPost
    measure: Measure


def draft(db: Database, config: Config, issue_id: int, *, by: str = "social",
          now: datetime | None = None) -> DraftReport:
    """Make (or refresh) the posts of an issue from its included items. Posts a person edited
    or approved are kept; drafts of items no longer in the issue are removed."""
    with db.begin() as conn:
        issue = iq.get_issue(conn, issue_id)
        if issue is None:
            raise NotFound(f"no issue {issue_id} (see `newsletter issues`)")
        placed = iq.issue_items_full(conn, issue_id)
    ensure_cards(db, config, issue_id)  # the posts link our social cards: drawn as the items are now
    composed = compose_posts(config, issue, placed, now=now or utcnow())
    with db.begin() as conn:
        counts = q.store_drafts(conn, issue_id, composed.drafts)
        iq.audit(conn, by, "social_draft", "issue", issue_id, {**counts, "shortened": list(composed.shortened)})
        posts = q.list_posts(conn, issue_id=issue_id)
    return DraftReport(issue_id, counts["added"], counts["refreshed"], counts["kept"], counts["removed"],
                       composed.shortened, composed.skipped, tuple(posts))


def view(post: SocialPost) -> PostView:
    return PostView(post, measure(post.network, post.text))


def list_posts(db: Database, *, issue_id: int | None = None, status: Iterable[str] | None = None,
               network: str | None = None) -> list[PostView]:
    with db.connect() as conn:
        return [view(p) for p in q.list_posts(conn, issue_id=issue_id, status=status, network=network)]


def get(db: Database, post_id: int) -> PostView:
    with db.connect() as conn:
        return view(_post(conn, post_id))


def _post(conn: Connection, post_id: int) -> SocialPost:
    post = q.get_post(conn, post_id)
    if post is None:
        raise NotFound(f"no social post {post_id} (see `newsletter social list`)")
    return post


def edit(db: Database, post_id: int, text: str, by: str) -> PostView:
    """Replace a post's text. It must fit its network; an approved post goes back to draft
    (the approval was for the old text)."""
    text = tidy(text.replace("\r\n", "\n"))
    if len(text) > MAX_TEXT:
        raise SocialError(f"post {post_id}: the text is over {MAX_TEXT} characters")
    with db.begin() as conn:
        post = _post(conn, post_id)
        if post.status not in EDITABLE:
            raise SocialError(f"post {post_id} is {post.status}; only draft or approved posts can be edited")
        counted = measure(post.network, text)
        if not counted.ok:
            raise SocialError(f"post {post_id} ({post.network}) {counted.describe()}: not saved")
        if post.status == "approved":
            iq.audit(conn, by, "reopen", "social_post", post_id, {"because": "edit"})
        q.update_post(conn, post_id, text=text, edited=True, status="draft", approved_by=None, approved_at=None)
        iq.audit(conn, by, "edit", "social_post", post_id, {"count": counted.count, "limit": counted.limit})
        return view(_post(conn, post_id))


def reschedule(db: Database, post_id: int, at: datetime, by: str) -> PostView:
    """Give a post another planned time (an approved post stays approved: the text is the same)."""
    if at.tzinfo is None:
        raise SocialError("give the time with its zone (the CLI reads it as Danish time)")
    with db.begin() as conn:
        post = _post(conn, post_id)
        if post.status not in EDITABLE:
            raise SocialError(f"post {post_id} is {post.status}; only draft or approved posts can be moved")
        q.update_post(conn, post_id, planned_at=at)
        iq.audit(conn, by, "reschedule", "social_post", post_id, {"planned_at": at.isoformat()})
        return view(_post(conn, post_id))


def approve(db: Database, post_id: int, by: str) -> PostView:
    """Record who approved the post and when; refused while it does not fit its network."""
    if not by.strip():
        raise SocialError("say who approves (--by NAME)")
    with db.begin() as conn:
        post = _post(conn, post_id)
        if post.status == "approved":
            return view(post)
        if post.status != "draft":
            raise SocialError(f"post {post_id} is {post.status}; only a draft can be approved")
        counted = measure(post.network, post.text)
        if not counted.ok:
            raise SocialError(f"post {post_id} ({post.network}) {counted.describe()}: edit it first")
        if not q.transition(conn, post_id, ["draft"], "approved", approved_by=by, approved_at=utcnow()):
            raise SocialError(f"post {post_id} changed while it was being approved; try again")
        iq.audit(conn, by, "approve", "social_post", post_id, {"network": post.network, "count": counted.count})
        return view(_post(conn, post_id))


def approve_issue(db: Database, issue_id: int, by: str) -> tuple[list[PostView], list[PostView]]:
    """Approve every draft of an issue that fits; returns (approved, refused)."""
    approved: list[PostView] = []
    refused: list[PostView] = []
    for item in list_posts(db, issue_id=issue_id, status=["draft"]):
        if item.measure.ok:
            approved.append(approve(db, item.post.id, by))
        else:
            refused.append(item)
    if not approved and not refused and not list_posts(db, issue_id=issue_id):
        raise SocialError(f"issue {issue_id} has no posts yet (run `newsletter social draft {issue_id}`)")
    return approved, refused


def resolve(db: Database, post_id: int, by: str, *, posted: bool, url: str = "") -> PostView:
    """A person's decision on a post whose fate is unknown (the publisher died mid-request):
    ``posted`` if it is on the network (no second copy is sent), else back to approved."""
    with db.begin() as conn:
        post = _post(conn, post_id)
        if post.status not in ("unknown", "failed"):
            raise SocialError(f"post {post_id} is {post.status}; only unknown or failed posts are resolved")
        if posted:
            q.transition(conn, post_id, [post.status], "posted", posted_at=utcnow(), remote_url=url or None)
        else:
            q.transition(conn, post_id, [post.status], "approved", last_error=None)
        iq.audit(conn, by, "resolve", "social_post", post_id, {"posted": posted, "was": post.status})
        return view(_post(conn, post_id))


def history(db: Database, post_id: int) -> list[dict[str, object]]:
    with db.connect() as conn:
        return iq.audit_entries(conn, "social_post", post_id)
