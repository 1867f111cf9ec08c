"""review: the edits a person makes to a draft, and approval. Shared by the CLI and the web UI.

Statuses: draft -> approved -> queued -> sent. Any edit to an approved issue sends it back to
draft (what was approved is what goes out); queued and sent issues cannot be edited.
Every change is written to ``audit_log`` with who made it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from newsletter.compose.select import has_web_link
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.db.types import utcnow
from newsletter.errors import ApprovalBlocked, ComposeError, IssueStateError, NotAllowed, NotFound
from newsletter.models import Issue, IssueItem

STATUSES = ("draft", "approved", "queued", "sent")
MAX_TEXT = {"subject": 200, "preheader": 200, "intro": 2000, "title": 300, "summary": 1500}


def get(db: Database, issue_id: int) -> tuple[Issue, list[IssueItem]]:
    with db.connect() as conn:
        issue = _issue(conn, issue_id)
        return issue, q.issue_items_full(conn, issue_id)


def _issue(conn: Connection, issue_id: int) -> Issue:
    issue = q.get_issue(conn, issue_id)
    if issue is None:
        raise NotFound(f"issue {issue_id} does not exist (see `newsletter issues`)")
    return issue


def _editable(conn: Connection, issue_id: int, by: str, action: str, detail: dict[str, Any]) -> Issue:
    """Check the issue may be edited, reopen it if approved, and write the audit entry."""
    issue = _issue(conn, issue_id)
    if issue.status in ("queued", "sent"):
        raise IssueStateError(f"issue {issue_id} is {issue.status}; it can no longer be edited")
    if issue.status == "approved":
        q.update_issue(conn, issue_id, status="draft", approved_by=None, approved_at=None)
        q.audit(conn, by, "reopen", "issue", issue_id, {"because": action})
    else:
        q.update_issue(conn, issue_id)  # updated_at: the last render is now older than the issue
    q.audit(conn, by, action, "issue", issue_id, detail)
    return issue


def _clean(field: str, value: str) -> str:
    value = " ".join(value.split()) if field != "intro" else value.strip()
    if len(value) > MAX_TEXT[field]:
        raise ComposeError(f"{field} is {len(value)} characters; the limit is {MAX_TEXT[field]}")
    return value


def set_texts(db: Database, issue_id: int, by: str, *, subject: str | None = None,
              preheader: str | None = None, intro: str | None = None) -> None:
    values = {k: _clean(k, v) for k, v in
              (("subject", subject), ("preheader", preheader), ("intro", intro)) if v is not None}
    if not values:
        return
    if values.get("subject") == "":
        raise ComposeError("the subject cannot be empty")
    with db.begin() as conn:
        _editable(conn, issue_id, by, "edit", values)
        q.update_issue(conn, issue_id, **values)


def _item_row(conn: Connection, issue_id: int, item_id: int) -> dict[str, Any]:
    for row in q.issue_item_rows(conn, issue_id):
        if row["item_id"] == item_id:
            if row["duplicate_of"] is not None:
                raise ComposeError(f"item {item_id} is shown as part of item {row['duplicate_of']} "
                                   f"(a near-duplicate); edit that item instead")
            return row
    raise NotFound(f"item {item_id} is not in issue {issue_id} (see `newsletter issue show {issue_id}`)")


def check_items(db: Database, issue_id: int, item_ids: list[int]) -> None:
    """Raise before any change if an item is not in the issue (so a batch of edits is all or nothing)."""
    with db.connect() as conn:
        _issue(conn, issue_id)
        for item_id in item_ids:
            _item_row(conn, issue_id, item_id)


def set_included(db: Database, issue_id: int, item_id: int, included: bool, by: str) -> None:
    with db.begin() as conn:
        _item_row(conn, issue_id, item_id)
        if included:
            placed = next(p for p in q.issue_items_full(conn, issue_id) if p.item.id == item_id)
            if not has_web_link(placed.item):
                raise ComposeError(f"item {item_id} has no http(s) link ({placed.item.url[:80]!r}); "
                                   f"the email could not link it, so it cannot be included")
        _editable(conn, issue_id, by, "include" if included else "exclude", {"item": item_id})
        q.update_issue_item(conn, issue_id, item_id, included=included, edited=True,
                            reason="" if included else "reviewer")


def include(db: Database, issue_id: int, item_id: int, by: str) -> None:
    set_included(db, issue_id, item_id, True, by)


def exclude(db: Database, issue_id: int, item_id: int, by: str) -> None:
    set_included(db, issue_id, item_id, False, by)


def check_section(section: str, sections: Collection[str]) -> None:
    """A section the newsletter does not show would hide the item from the issue."""
    if section not in sections:
        raise ComposeError(f"unknown section {section!r}; sections of this newsletter: {', '.join(sections)}")


def move(db: Database, issue_id: int, item_id: int, by: str, *, section: str | None = None,
         position: int | None = None, sections: Collection[str] | None = None) -> None:
    """Move an item to another section and/or position (0-based) within its section;
    ``sections`` are the newsletter's (``Config.sections_of``), checked when given."""
    if section is not None and sections is not None:
        check_section(section, sections)
    with db.begin() as conn:
        row = _item_row(conn, issue_id, item_id)
        target = section or row["section"]
        _editable(conn, issue_id, by, "move", {"item": item_id, "section": target, "position": position})
        siblings = sorted((r for r in q.issue_item_rows(conn, issue_id)
                           if r["section"] == target and r["duplicate_of"] is None
                           and r["item_id"] != item_id), key=lambda r: (r["position"], r["id"]))
        index = len(siblings) if position is None else max(0, min(position, len(siblings)))
        order = [r["item_id"] for r in siblings]
        order.insert(index, item_id)
        for pos, other in enumerate(order):
            q.update_issue_item(conn, issue_id, other, position=pos, section=target, moved=True)
        if target != row["section"]:
            left = sorted((r for r in q.issue_item_rows(conn, issue_id)
                           if r["section"] == row["section"] and r["duplicate_of"] is None),
                          key=lambda r: (r["position"], r["id"]))
            for pos, other_row in enumerate(left):
                q.update_issue_item(conn, issue_id, other_row["item_id"], position=pos, moved=True)


def override(db: Database, issue_id: int, item_id: int, by: str, *, title: str | None = None,
             summary: str | None = None) -> None:
    """Replace an item's title or summary in this issue; an empty string restores the original."""
    values: dict[str, Any] = {}
    if title is not None:
        values["title_override"] = _clean("title", title) or None
    if summary is not None:
        values["summary_override"] = _clean("summary", summary) or None
    if not values:
        return
    with db.begin() as conn:
        _item_row(conn, issue_id, item_id)
        _editable(conn, issue_id, by, "override", {"item": item_id, **values})
        q.update_issue_item(conn, issue_id, item_id, **values)


def approve(db: Database, issue_id: int, by: str, *, override: str | None = None,
            four_eyes: bool = False) -> Issue:
    """Record who approved the issue and when (issue 8 §8, issue 9 §1).

    Only a draft with at least one included item, rendered after its last change (what the
    approver saw is what goes out), and without preflight errors, unless ``override`` gives
    the reason, which the audit log keeps. With ``four_eyes`` the person who made the last
    change may not approve it."""
    from newsletter.accounts import four_eyes_problem

    if not by.strip():
        raise ComposeError("approve needs the name of the person approving (--by)")
    reason = " ".join((override or "").split())[:500]
    with db.begin() as conn:
        issue = _issue(conn, issue_id)
        if issue.status != "draft":
            raise IssueStateError(f"issue {issue_id} is {issue.status}; only a draft can be approved")
        if not any(i.included for i in q.issue_items_full(conn, issue_id)):
            raise ComposeError(f"issue {issue_id} has no included items; include some before approving")
        render = q.latest_render(conn, issue_id)
        if render is None:
            raise ApprovalBlocked(f"issue {issue_id} has never been rendered; render it and read the "
                                  f"preview first (newsletter render {issue_id})")
        if is_stale(issue, render):
            raise ApprovalBlocked(f"issue {issue_id} was changed after its last render; render it again and "
                                  f"read the preview before approving (newsletter render {issue_id})")
        errors = [f["message"] for f in render["preflight"] if f.get("level") == "error"]
        if errors and not reason:
            raise ApprovalBlocked(f"issue {issue_id} has {len(errors)} preflight error(s), first: {errors[0]}. "
                                  "Fix them and render again, or approve with a reason (--override \"why\")")
        if four_eyes:
            problem = four_eyes_problem(by, last_editor(q.audit_entries(conn, "issue", issue_id)))
            if problem:
                raise NotAllowed(problem)
        now = utcnow()
        q.update_issue(conn, issue_id, status="approved", approved_by=by, approved_at=now)
        detail: dict[str, Any] = {"subject": issue.subject, "render": render["id"]}
        if errors:
            detail.update(override=reason, errors=errors)
        q.audit(conn, by, "approve", "issue", issue_id, detail)
        approved = q.get_issue(conn, issue_id)
    assert approved is not None
    return approved


def is_stale(issue: Issue, render: dict[str, Any] | None) -> bool:
    """The one rule for "the preview shows the issue as it is": rendered after the last change."""
    return render is None or render["created_at"] < issue.updated_at


def current_render(db: Database, config: Config, issue_id: int) -> dict[str, Any]:
    """The render a reviewer looks at: the latest one, made anew first when a draft changed
    since (so the preview is never stale, by the same rule approve checks)."""
    from newsletter.render import render_issue

    with db.connect() as conn:
        issue = _issue(conn, issue_id)
        stored = q.latest_render(conn, issue_id)
    if issue.status == "draft" and is_stale(issue, stored):
        render_issue(db, config, issue_id)
        with db.connect() as conn:
            stored = q.latest_render(conn, issue_id)
    if stored is None:
        raise NotFound(f"issue {issue_id} has no render (newsletter render {issue_id})")
    return stored


def last_editor(entries: list[dict[str, Any]]) -> str | None:
    """Who made the last change a person makes to an issue (edits, not compose's refresh)."""
    from newsletter.accounts import EDIT_ACTIONS

    edits = [e["actor"] for e in entries if e["action"] in EDIT_ACTIONS]
    return edits[-1] if edits else None


def approval_override(db: Database, issue_id: int) -> tuple[bool, list[str]]:
    """Whether the current approval overrode preflight errors, and those errors (for queue)."""
    with db.connect() as conn:
        approvals = [e for e in q.audit_entries(conn, "issue", issue_id) if e["action"] == "approve"]
    if not approvals:
        return False, []
    detail = approvals[-1]["detail"]
    return bool(detail.get("override")), list(detail.get("errors", []))


def pin(db: Database, issue_id: int, item_id: int, by: str, pinned: bool = True) -> None:
    """Pin an item: first in its section in this issue (and ranked first by later refreshes)."""
    with db.begin() as conn:
        _item_row(conn, issue_id, item_id)
        _editable(conn, issue_id, by, "override", {"item": item_id, "pinned": pinned})
        q.set_pinned(conn, item_id, pinned)
    if pinned:
        move(db, issue_id, item_id, by, position=0)


def note(db: Database, issue_id: int, by: str, action: str, detail: dict[str, Any] | None = None) -> None:
    """Record something done to an issue that is not an edit (test send, schedule, cancel)."""
    with db.begin() as conn:
        _issue(conn, issue_id)
        q.audit(conn, by, action, "issue", issue_id, detail)


def mark_unqueued(db: Database, issue_id: int, by: str) -> None:
    """For the outbox: a queued issue was cancelled; it is approved again (nothing re-approved)."""
    _transition(db, issue_id, by, "queued", "approved")


def mark_queued(db: Database, issue_id: int, by: str = "queue") -> None:
    """For the outbox: an approved issue has been queued for sending."""
    _transition(db, issue_id, by, "approved", "queued")


def mark_sent(db: Database, issue_id: int, by: str = "send", at: datetime | None = None) -> None:
    """For the outbox: the issue went out; its items are now used and ``at`` starts the next window."""
    _transition(db, issue_id, by, "queued", "sent", sent_at=at or utcnow())


def _transition(db: Database, issue_id: int, by: str, source: str, target: str, **values: Any) -> None:
    with db.begin() as conn:
        issue = _issue(conn, issue_id)
        if issue.status == target:
            return
        if issue.status != source:
            raise IssueStateError(f"issue {issue_id} is {issue.status}; it must be {source} to become {target}")
        q.update_issue(conn, issue_id, status=target, **values)
        q.audit(conn, by, target, "issue", issue_id)


def history(db: Database, issue_id: int) -> list[dict[str, Any]]:
    with db.connect() as conn:
        return q.audit_entries(conn, "issue", issue_id)
